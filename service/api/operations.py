"""What the OpenAPI document says of each operation besides its request: a stable
operationId (what a generated client names its method), who may call it (the bearer
scheme, and the key scope it needs, as the `x-scope` extension; OpenAPI 3.0 gives scopes
only to OAuth), its success body (a marshmallow schema, through flask-smorest's
`Blueprint.response`), the problems it answers with, and the headers that come back."""

from __future__ import annotations


def operation(op_id: str, scope: str | None = None, *, anonymous: bool = False) -> dict:
    """The `@blp.doc` keys of one operation. `scope`: the key scope it needs (None: no
    key at all); `anonymous`: callers without a key are served too (the calculator)."""
    out: dict = {"operationId": op_id}
    if scope is None:
        out["security"] = []
    else:
        out["security"] = [{}, {"bearer": []}] if anonymous else [{"bearer": []}]
        out["x-scope"] = scope
    return out


def _header(description: str, schema: dict | None = None, required: bool = False) -> dict:
    out = {"description": description, "schema": schema or {"type": "string"}}
    if required:
        out["required"] = True
    return out


REQUEST_ID_HEADER = {"X-Request-ID": _header(
    "The caller's X-Request-ID when it is 1-128 of letters, digits and ._:@+/=-, else one "
    "the service made; also in every problem and log line.", required=True)}
POLICY_REVISION = {"X-Policy-Revision": _header(
    "The policy set this answer was computed with (one set per request).", required=True)}
RATE_LIMIT = {
    "X-RateLimit-Limit": _header("The caller's budget (score, batch and what-if together), "
                                 "when a limit applies.", {"type": "integer"}),
    "X-RateLimit-Remaining": _header("What is left of it.", {"type": "integer"}),
    "X-RateLimit-Reset": _header("When it renews, in seconds since the epoch.",
                                 {"type": "integer"}),
}
RETRY_AFTER = {"Retry-After": _header("Seconds to wait before asking again.",
                                      {"type": "integer", "minimum": 0}, required=True)}


def success(blp, schema, *, status: int = 200, description: str, policies: bool = False,
            limited: bool = False, example=None, content_type: str | None = None):
    """Document the success body of a view with `schema` through `blp.response`, and its
    headers: X-Request-ID, X-Policy-Revision when `policies` (computed from the policies),
    the rate-limit headers when `limited`. The views answer with their own orjson Response,
    which `blp.response` only passes through; so the view is kept unwrapped (one call
    less per request) and takes the wrapper's documentation."""
    headers = {**REQUEST_ID_HEADER, **(POLICY_REVISION if policies else {}),
               **(RATE_LIMIT if limited else {})}
    documents = blp.response(status, schema, description=description, headers=headers,
                             example=example, content_type=content_type)

    def decorator(view):
        view._apidoc = documents(view)._apidoc
        return view

    return decorator


WHY = {
    400: "Malformed JSON, or nested too deep.",
    401: "A key was sent and is not valid, or the operation needs one.",
    403: "The key lacks the scope.",
    404: "Unknown city or version.",
    413: "The body is too large.",
    415: "The body is not JSON.",
    422: "Field-level errors, or no policy in force on the date.",
    429: "Rate-limited, or too many wrong keys from this address; see Retry-After.",
    503: "The score store (Redis) does not answer; see Retry-After.",
}


def documented(schema: str, description: str, headers: dict | None = None) -> dict:
    """A response by a component schema's name: a Problem is application/problem+json."""
    media = "application/problem+json" if schema == "Problem" else "application/json"
    out = {"description": description,
           "content": {media: {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}
    if headers:
        out["headers"] = headers
    return out


def problems(*statuses: int, **why: str) -> dict:
    """The `responses` of these statuses, each a Problem (`why` rewords one: s422=...)."""
    out = {}
    for status in statuses:
        headers = {**REQUEST_ID_HEADER, **(RETRY_AFTER if status in (429, 503) else {})}
        out[str(status)] = documented("Problem", why.get(f"s{status}", WHY[status]), headers)
    return out


# A body, a key, a policy: what a scoring call may be refused for.
PROBLEMS = problems(400, 401, 403, 404, 413, 415, 422, 429)
