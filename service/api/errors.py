"""Every error as application/problem+json (RFC 9457), mapped from its cause in one place."""

from __future__ import annotations

import json
import logging

from flask import Response, g, has_request_context, request
from werkzeug.exceptions import HTTPException

from service.monitoring.store import StoreUnavailable
from service.policy.errors import ApplicantInvalid, PolicyNotFound
from service.policy.paths import messages_by_path

from .messages_zh import translate_errors, wants_chinese

log = logging.getLogger("hukou.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
TITLES = {
    400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
    405: "Method not allowed", 406: "Not acceptable", 409: "Conflict",
    413: "Content too large", 415: "Unsupported media type", 422: "Unprocessable content",
    429: "Too many requests", 500: "Internal server error", 503: "Service unavailable",
}
NOT_FOUND_STATUS = {"unknown_city": 404, "unknown_version": 404, "not_in_force": 422}


class ApiError(Exception):
    """An error the API answers on purpose: status, a stable code, words, field errors."""

    def __init__(self, status: int, code: str, detail: str, errors: dict | None = None,
                 headers: dict | None = None, extra: dict | None = None):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.errors, self.headers, self.extra = errors, headers or {}, extra or {}


def problem_body(status: int, code: str, detail: str, errors: dict | None = None,
                 extra: dict | None = None) -> dict:
    body = {"type": f"/problems/{code}", "title": TITLES.get(status, "Error"),
            "status": status, "detail": detail, "code": code}
    if errors:
        body["errors"] = errors
    body["request_id"] = getattr(g, "request_id", None)
    body.update(extra or {})
    return body


def problem(status: int, code: str, detail: str, errors: dict | None = None,
            headers: dict | None = None, extra: dict | None = None) -> Response:
    chinese = bool(errors) and has_request_context() and wants_chinese(
        request.headers.get("Accept-Language"))
    if chinese:
        errors = translate_errors(errors)
    body = problem_body(status, code, detail, errors, extra)
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype=PROBLEM_MEDIA_TYPE)
    response.headers["Vary"] = "Accept-Language"
    if chinese:
        response.headers["Content-Language"] = "zh"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def as_problem(error: Exception) -> tuple[int, str, str, dict | None, dict]:
    """(status, code, detail, field errors, extra) for any exception the API can meet."""
    if isinstance(error, ApiError):
        return error.status, error.code, error.detail, error.errors, error.extra
    if isinstance(error, ApplicantInvalid):
        return 422, "invalid_application", "The application does not fit the policy.", \
            error.errors, {}
    if isinstance(error, PolicyNotFound):
        extra = {"city": error.city, "versions": error.versions}
        if error.on:
            extra["as_of"] = error.on
        return NOT_FOUND_STATUS[error.code], error.code, str(error), None, extra
    if isinstance(error, StoreUnavailable):
        return 503, "store_unavailable", "The score store does not answer; scores are " \
            "still answered and kept, and this can be asked again shortly.", None, {}
    if isinstance(error, HTTPException):
        status = error.code or 500
        messages = getattr(error, "data", {}).get("messages") if hasattr(error, "data") else None
        if messages and status == 400:
            return 400, "malformed_json", "The body is not valid JSON.", None, {}
        if messages:
            return status, "invalid_request", "The request does not fit its schema.", \
                webargs_errors(messages), {}
        code = {413: "body_too_large", 415: "unsupported_media_type", 429: "rate_limited",
                404: "not_found", 405: "method_not_allowed", 400: "bad_request"}
        return status, code.get(status, "http_error"), error.description or "", None, {}
    return 500, "internal_error", "The service failed to answer; the error is logged.", None, {}


def webargs_errors(messages) -> dict:
    """webargs' {location: {field: [...]}} as {dotted.path: [...]}, locations dropped."""
    out: dict[str, list[str]] = {}
    for location_messages in messages.values():
        messages_by_path(location_messages, "", out)
    if "" in out:
        out["body"] = out.pop("")
    return out


def handle_error(error: Exception) -> Response:
    status, code, detail, errors, extra = as_problem(error)
    headers = dict(getattr(error, "headers", None) or {}) if isinstance(error, ApiError) else {}
    if status == 429 or isinstance(error, HTTPException):
        original = error.get_response() if isinstance(error, HTTPException) else None
        if original is not None and "Retry-After" in original.headers:
            headers["Retry-After"] = original.headers["Retry-After"]
    if isinstance(error, StoreUnavailable):
        headers["Retry-After"] = "5"
    elif status >= 500:
        log_unhandled(error)
    return problem(status, code, detail, errors, headers, extra)


def log_unhandled(error: Exception, index: int | None = None) -> None:
    """An error the service did not expect, on the hukou logger: its class and where it was
    raised, never its message (a message can quote what the applicant sent)."""
    where = {"request_id": getattr(g, "request_id", None), "path": request.path}
    if index is not None:
        where["index"] = index
    log.error("unhandled error", exc_info=error, extra=where)


def register_error_handlers(app) -> None:
    app.register_error_handler(ApiError, handle_error)
    app.register_error_handler(ApplicantInvalid, handle_error)
    app.register_error_handler(PolicyNotFound, handle_error)
    app.register_error_handler(HTTPException, handle_error)
    app.register_error_handler(Exception, handle_error)


def load_body(schema, item, name: str) -> dict:
    """`item` (decoded JSON) loaded by a marshmallow schema; a 422 with field errors if not."""
    from marshmallow import ValidationError

    if not isinstance(item, dict):
        raise ApiError(422, "invalid_request", "The body must be a JSON object.",
                       {"body": ["Must be an object."]})
    try:
        return schema.load(item)
    except ValidationError as exc:
        raise ApiError(422, "invalid_request", f"The request does not fit {name}.",
                       webargs_errors({"json": exc.messages})) from None
