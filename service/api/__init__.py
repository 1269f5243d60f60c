"""The HTTP layer: blueprints, OpenAPI, errors, keys, rate limits. Thin glue over the engine."""

from __future__ import annotations

import http
import os
import re
import time

from flask import current_app, g, request, send_from_directory
from flask_limiter import Limiter
from flask_smorest import Api

from service.logs import RequestLog
from service.monitoring import metrics

from . import admin, headers, health, monitoring, policies, schemas, scoring, simulation, whatif
from . import rounds as round_api
from .applicant_schema import register as register_applicant_components
from .auth import KeyRing, current_principal
from .auth_guard import AuthGuard
from .body_limits import enforce as enforce_body_limit
from .errors import ApiError, register_error_handlers

JSON_BODIES = {"application/json"}
# A caller's request id is kept when it looks like one (a UUID, a trace id, "req-123");
# anything else is replaced by one of ours rather than echoed into headers and logs.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:@+/=-]{1,128}")


class ServiceApi(Api):
    """flask-smorest's Api with our problem+json errors instead of its own shape, in the
    answers and in the document: every status an operation does not list, and the
    `default` response of every operation, is a Problem (application/problem+json), not
    flask-smorest's `Error` model, which the service never sends."""

    ERROR_SCHEMA = schemas.Problem

    def _register_error_handlers(self):
        register_error_handlers(self._app)

    def _register_responses(self):  # flask-smorest's hook: tests/api/test_openapi_operations
        problem = {"application/problem+json": {
            "schema": {"$ref": "#/components/schemas/Problem"}}}
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["content"] = problem
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response(
            self.DEFAULT_ERROR_RESPONSE_NAME,
            {"description": "Any error: a Problem (RFC 9457).", "content": problem}, lazy=True)


def _openapi_settings(app) -> None:
    app.config.setdefault("API_TITLE", "Hukou Points Service")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("OPENAPI_SWAGGER_UI_PATH", "docs")
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", "/docs-assets/")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "Scores points-based hukou settlement applications against "
                                "versioned city policies, and explains every point."},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    })


def _rate_key() -> str:
    principal = current_principal()
    return f"ip:{request.remote_addr}" if principal.anonymous else f"key:{principal.name}"


LIMITED = frozenset({scoring.blp.name, scoring.batch_blp.name, whatif.blp.name})


def _limiter(app) -> Limiter:
    def limit() -> str:
        anonymous = current_principal().anonymous
        return app.config["RATE_LIMIT_ANONYMOUS" if anonymous else "RATE_LIMIT_KEY"]

    limiter = Limiter(_rate_key, app=app, storage_uri=app.config["REDIS_URL"] or "memory://",
                      headers_enabled=True, enabled=app.config["RATE_LIMIT_ENABLED"],
                      key_prefix="hukou",
                      # Redis away: count in memory meanwhile rather than fail requests.
                      in_memory_fallback_enabled=True, swallow_errors=True,
                      storage_options={"socket_timeout": 0.5, "socket_connect_timeout": 0.5})

    def unlimited() -> bool:
        """Routes outside the scoring blueprints, and keys when no per-key limit is set."""
        state = g._get_current_object()
        found = state.get("unlimited")
        if found is None:
            try:
                found = request.blueprint not in LIMITED or (
                    not app.config["RATE_LIMIT_KEY"] and not current_principal().anonymous)
            except ApiError:  # a bad key: refused with 401 before any limit matters
                found = True
            state.unlimited = found
        return found

    # flask-limiter's own hooks run only for the requests that have a limit: its
    # per-request bookkeeping is a large share of a bureau's score request otherwise.
    # A disabled limiter (HUKOU_RATE_LIMIT_ENABLED=0) registers no hooks at all.
    before = app.before_request_funcs.get(None, [])
    check = limiter._check_request_limit
    if check in before:
        before[before.index(check)] = lambda: None if unlimited() else check()
    after = app.after_request_funcs.get(None, [])
    for i, hook in enumerate(after):
        if getattr(hook, "args", None) == (limiter,):
            after[i] = (lambda inject: lambda response: response if unlimited()
                        else inject(response))(hook)

    teardown = app.teardown_request_funcs.get(None, [])
    for i, hook in enumerate(teardown):
        if getattr(hook, "__self__", None) is limiter:  # resets a context only checks fill
            teardown[i] = (lambda release: lambda exc=None: None if g.get("unlimited")
                           else release(exc))(hook)

    # One budget per caller (an address, or a key) across every limited endpoint: an
    # anonymous caller has 60 a minute in all, not 60 scores and 60 what-ifs.
    shared = limiter.shared_limit(limit, scope="v1")
    for blueprint in (scoring.blp, scoring.batch_blp, whatif.blp):
        shared(blueprint)
    return limiter


def _before_request() -> None:
    # The request and g proxies resolved once: each use of a proxy is a context lookup.
    # Headers are read from the environ: werkzeug's `headers.get` raises and catches a
    # KeyError inside for every header the request does not carry.
    req, state = request._get_current_object(), g._get_current_object()
    state.started = time.perf_counter()
    environ = req.environ
    given = environ.get("HTTP_X_REQUEST_ID")
    state.request_id = given if given and REQUEST_ID_PATTERN.fullmatch(given) \
        else os.urandom(16).hex()
    if req.method not in ("POST", "PUT", "PATCH"):
        return
    path = req.path
    if not path.startswith("/v1/"):
        return
    enforce_body_limit(req, current_app.config)
    if req.content_length or "chunked" in environ.get("HTTP_TRANSFER_ENCODING", ""):
        allowed = JSON_BODIES | set(scoring.NDJSON) if path.endswith("/batch") \
            else JSON_BODIES
        allowed = round_api.MEDIA_TYPES if path == round_api.PATH else allowed
        if environ.get("CONTENT_TYPE") not in allowed and req.mimetype not in allowed:
            raise ApiError(415, "unsupported_media_type",
                           f"Send the body as {' or '.join(sorted(allowed))}.")


KEEPS_RETRY_AFTER = (429, 503)  # flask-limiter adds it to every limited answer


def _after_request(response):
    req, state = request._get_current_object(), g._get_current_object()
    rule = req.url_rule
    endpoint = rule.rule if rule is not None else "unmatched"
    status = response.status_code
    request_id = getattr(state, "request_id", "")
    extra = {"request_id": request_id, "method": req.method, "route": endpoint,
             "status": status}
    started = getattr(state, "started", None)  # absent when a hook before ours failed
    elapsed = None if started is None else time.perf_counter() - started
    if elapsed is not None:
        extra["duration_ms"] = round(elapsed * 1000, 3)
    decisions = getattr(state, "decisions", None)
    if decisions:
        extra["count"] = len(decisions)
        if len(decisions) == 1:  # a single score: its one decision, city and version
            decision, city, version = decisions[0]
            extra["decisions"], extra["cities"], extra["policy_versions"] = \
                [decision], [city], [version]
        else:
            extra["decisions"] = [d for d, _, _ in decisions[:20]]
            extra["cities"] = sorted({c for _, c, _ in decisions})
            extra["policy_versions"] = sorted({v for _, _, v in decisions})
    current_app.extensions["request_log"].write(extra)
    metrics.answered(endpoint, req.method, status, elapsed)
    view = getattr(state, "policy_view", None)
    own = (("X-Request-ID", request_id),) if view is None else (
        ("X-Request-ID", request_id),
        ("X-Policy-Revision", view.revision))  # the one policy set this answer used
    headers.finish(response, req.path, own,
                   drop=None if status in KEEPS_RETRY_AFTER else "Retry-After")
    return response


def register_api(app) -> None:
    """Wire keys, limits, blueprints and the offline API docs into `app`."""
    import swagger_ui_bundle

    _openapi_settings(app)
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:  # the client address (rate limits) from the proxies' X-Forwarded-For
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.extensions["keys"] = KeyRing.from_file(app.config["API_KEYS_FILE"])
    app.extensions.setdefault("request_log", RequestLog())
    app.before_request(_before_request)
    app.after_request(_after_request)
    api = ServiceApi(app)
    for name, schema in (("ScoreRequest", schemas.ScoreRequest),
                         ("ScoreResult", schemas.ScoreAnswer), ("Problem", schemas.Problem),
                         ("BatchResponse", schemas.BatchResponse),
                         ("WhatIfRequest", schemas.WhatIfRequest),
                         ("SimulateRequest", schemas.SimulateRequest),
                         ("BaselineRequest", monitoring.BaselineRequest)):
        api.spec.components.schema(name, schema=schema)
    register_applicant_components(api.spec)
    for blp in (scoring.blp, scoring.batch_blp, whatif.blp, simulation.blp, policies.blp,
                monitoring.blp, admin.blp, health.blp, round_api.blp):
        api.register_blueprint(blp)
    from service.web import web

    app.register_blueprint(web)
    if app.config["CORS_ORIGINS"]:
        from flask_cors import CORS

        CORS(app, resources={r"/v1/*": {"origins": app.config["CORS_ORIGINS"]}},
             expose_headers=["X-Request-ID", "X-Policy-Revision", "Retry-After"], allow_headers=[
                 "Authorization", "Content-Type", "X-Request-ID"])
    app.extensions["limiter"] = limiter = _limiter(app)
    if app.config["RATE_LIMIT_ENABLED"]:
        app.extensions["auth_guard"] = AuthGuard(limiter, app.config["RATE_LIMIT_BAD_KEYS"])
    metrics.publish_policies(app.extensions["policies"].policies.all())

    @app.route("/docs-assets/<path:name>")
    def docs_assets(name):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, name, max_age=86400)
