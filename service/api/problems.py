"""The problem (RFC 9457) every error of the service is, as the OpenAPI document shows it,
with every `code` the service can send (tests/api/test_openapi_operations.py holds this
list to the codes raised in service/)."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from .answers import DATE_FORMAT

CODES = {
    "malformed_json": "400: the body (or an NDJSON line) is not JSON.",
    "too_deep": "400: arrays and objects nested past HUKOU_MAX_JSON_DEPTH.",
    "bad_request": "400: a request the HTTP layer could not read.",
    "bad_credentials": "401: the key sent is not valid.",
    "key_required": "401: the operation needs a key and none was sent.",
    "missing_scope": "403: the key lacks the scope the operation needs.",
    "unknown_city": "404: no policy for that city.",
    "unknown_version": "404: the city has no such version.",
    "not_found": "404: no such path.",
    "method_not_allowed": "405: the path does not take that method.",
    "body_too_large": "413: the body is over its endpoint's limit.",
    "batch_too_large": "413: more items than HUKOU_MAX_BATCH_ITEMS.",
    "draft_too_large": "413: an inline candidate policy over 256 KiB.",
    "unsupported_media_type": "415: the body is not JSON (or NDJSON for a batch).",
    "invalid_request": "422: the request does not fit its schema; `errors` by field.",
    "invalid_application": "422: the applicant does not fit the policy; `errors` by field.",
    "not_in_force": "422: no version of the city is in force on that date.",
    "invalid_policy": "422: a policy (a draft, or a file on reload) does not validate.",
    "rate_limited": "429: over the rate limit; see Retry-After.",
    "too_many_bad_keys": "429: too many wrong keys from this address; see Retry-After.",
    "store_unavailable": "503: the score store (Redis) does not answer; see Retry-After.",
    "internal_error": "500: never meant to happen; the error is logged.",
    "http_error": "Any other HTTP status the HTTP layer answers with.",
}


class Problem(Schema):
    """RFC 9457 problem details (application/problem+json); a problem may carry more
    members than these."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True, metadata={"example": "/problems/invalid_application"})
    title = fields.String(required=True, metadata={"example": "Unprocessable content"})
    status = fields.Integer(required=True, metadata={"example": 422})
    detail = fields.String(required=True,
                           metadata={"example": "The application does not fit the policy."})
    code = fields.String(required=True, validate=validate.OneOf(list(CODES)), metadata={
        "description": "Stable, for programs: "
                       + " ".join(f"`{code}`: {text}" for code, text in CODES.items())})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), metadata={
        "description": "Messages by field path (in Chinese with Accept-Language: zh).",
        "example": {"applicant.birth_date": ["Not a date in the form YYYY-MM-DD."]}})
    request_id = fields.String(required=True, allow_none=True,
                               metadata={"description": "As in the X-Request-ID header."})
    city = fields.String(metadata={"description": "The city asked for (unknown or not in force)."})
    versions = fields.List(fields.String(), metadata={"description": "The versions there are."})
    as_of = fields.String(metadata={**DATE_FORMAT,
                                    "description": "The date no version is in force on."})
    revision = fields.String(metadata={"description": "The policy set that still serves."})
    index = fields.Integer(metadata={"description": "In a batch: the item's position."})
