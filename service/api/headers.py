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
NOSNIFF = ("X-Content-Type-Options", "nosniff")
NO_REFERRER = ("Referrer-Policy", "no-referrer")
API_CSP = ("Content-Security-Policy", API)
DOCS_CSP = ("Content-Security-Policy", DOCS)


def page_policy(frame_ancestors: str = "'none'") -> str:
    """The CSP of a page of ours: scripts, styles, images and calls only to this origin."""
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            f"frame-ancestors {frame_ancestors}")


def finish(response, path: str, own: tuple = (), drop: str | None = None) -> None:
    """The headers every answer leaves with, in one pass over those it has: `own`, pairs
    of (name, value) that replace any the answer set (the request id, the policy revision);
    `drop`, a name to remove (Retry-After outside a 429 or a 503); then the security
    headers the answer does not set itself (a page sets its own CSP).

    werkzeug's `in`, `pop` and `setdefault` each search the headers and raise KeyError
    inside for every missing name, which added up to a noticeable share of a score
    request: here the names present are read once, and what is missing is added at once."""
    headers = response.headers
    present = {name.lower() for name, _ in headers}
    if drop is not None and drop.lower() in present:
        headers.remove(drop)
    missing = []
    for name, value in own:
        if name.lower() in present:
            headers[name] = value
        else:
            missing.append((name, value))
    if "x-content-type-options" not in present:
        missing.append(NOSNIFF)
    if "referrer-policy" not in present:
        missing.append(NO_REFERRER)
    if "content-security-policy" not in present:
        missing.append(DOCS_CSP if path.rstrip("/") == "/docs" else API_CSP)
    if missing:
        headers.extend(missing)

