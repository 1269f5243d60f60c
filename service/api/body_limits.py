"""How large a request body each endpoint accepts, checked before any of it is read.

One application (a score, a what-if) fits in a few kilobytes; only the endpoints that
take a population or a batch need megabytes. A body declared larger than its
endpoint's limit is refused with 413 from its Content-Length alone; a chunked body is
cut off at the limit while it is read (werkzeug's per-request max_content_length).
"""

from __future__ import annotations

from .errors import ApiError

BULK_PATHS = frozenset({"/v1/score/batch", "/v1/simulate", "/v1/rounds/rank"})
SINGLE_PATHS = frozenset({"/v1/score", "/v1/what-if"})


def limit_for(config, path: str) -> int:
    """The byte limit of the body sent to `path`."""
    if path in BULK_PATHS:
        return config["MAX_CONTENT_LENGTH"]
    if path in SINGLE_PATHS:
        return config["MAX_SINGLE_BODY_BYTES"]
    return config["MAX_OTHER_BODY_BYTES"]


def enforce(req, config) -> None:
    """Refuse a declared length over the limit now; bound what a chunked body may send."""
    limit = limit_for(config, req.path)
    req.max_content_length = limit
    length = req.content_length
    if length is not None and length > limit:
        raise ApiError(413, "body_too_large",
                       f"This endpoint accepts a body of at most {limit} bytes; "
                       f"this one declares {length}.")
