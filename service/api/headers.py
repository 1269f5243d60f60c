"""Security headers on every response: a Content-Security-Policy fitted to what is answered.

JSON answers get the strictest policy (nothing may load, nothing may frame them).
The service's own pages load only what the service serves; the calculator may be
framed by the origins in HUKOU_FRAME_ANCESTORS, every other page by nobody.
Swagger UI's page starts itself with an inline script, so /docs alone allows one.
"""

from __future__ import annotations

API = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
DOCS = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'")


def page_policy(frame_ancestors: str = "'none'") -> str:
    """The CSP of a page of ours: scripts, styles, images and calls only to this origin."""
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            f"frame-ancestors {frame_ancestors}")


def apply(response, path: str) -> None:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if "Content-Security-Policy" not in headers:
        headers["Content-Security-Policy"] = DOCS if path.rstrip("/") == "/docs" else API
