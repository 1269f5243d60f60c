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
    """Add the security headers a response does not already set (a page sets its own CSP).

    One pass over the names present: werkzeug's `in` and `setdefault` each search the
    headers and raise KeyError inside for every missing name, which added up to a
    noticeable share of a score request."""
    present = {name.lower() for name, _ in response.headers}
    missing = []
    if "x-content-type-options" not in present:
        missing.append(("X-Content-Type-Options", "nosniff"))
    if "referrer-policy" not in present:
        missing.append(("Referrer-Policy", "no-referrer"))
    if "content-security-policy" not in present:
        missing.append(("Content-Security-Policy",
                        DOCS if path.rstrip("/") == "/docs" else API))
    if missing:
        response.headers.extend(missing)
