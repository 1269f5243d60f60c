"""GET /healthz (the process answers) and /readyz (policies loaded, store reachable; the
details only for an ops key)."""

from __future__ import annotations

import datetime as dt
import os

from flask import Response, current_app
from flask_smorest import Blueprint

from service.monitoring import metrics as prom
from service.policy_sync import safe_problem

from .auth import current_principal, require
from .operations import REQUEST_ID_HEADER, operation, problems, success
from .ops_answers import Health, Readiness
from .scoring import json_response

blp = Blueprint("health", __name__, description="Liveness and readiness.")


@blp.route("/healthz", methods=["GET"])
@blp.doc(**operation("healthz"))
@success(blp, Health, description="The process answers.", example={"status": "ok"})
def healthz():
    """Liveness: the process answers."""
    return json_response({"status": "ok"})


@blp.route("/readyz", methods=["GET"])
@blp.doc(**operation("readyz", "ops", anonymous=True), responses=problems(401, 429))
@success(blp, Readiness, description="Ready or degraded and why in one word; with an ops "
                                     "key, the details.")
def readyz():
    """Readiness: `status` (ready or degraded), `reason` (one word, null when ready) and
    `process` (which worker answered: a reload reaches each one). 'degraded' while Redis
    is unreachable (scores are still answered and kept), while the policies serve the last
    good copy, or while this process lags the announced set. A key with the 'ops' scope
    also gets the details: the policy set serving, the last reload's problems (file, field
    and message, nothing quoted from the files) and the store's state."""
    registry = current_app.extensions["policies"]
    store = current_app.extensions["store"].status()
    sync = current_app.extensions["policy_sync"].status()
    reason = _degraded_by(store, registry, sync)
    body = {"status": "degraded" if reason else "ready", "reason": reason,
            "process": os.getpid()}
    if "ops" in current_principal().scopes:  # a wrong key is a 401 here
        body["store"] = store
        body["policies"] = {
            "revision": registry.revision,
            "count": sum(len(v) for v in registry.cities().values()),
            "loaded_at": registry.loaded_at.isoformat(),
            **sync,
            "serving_last_good_copy": registry.fallback,
            "last_reload_problems": [safe_problem(p) for p in registry.last_problems]}
    response = json_response(body)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Authorization"
    return response


def _degraded_by(store: dict, registry, sync: dict) -> str | None:
    """Why the process is degraded, in one word; None when it is ready. Lagging counts
    only when this process read the announcement (while Redis is unreachable the store
    says so, and in_step is false for that reason alone)."""
    if not store["reachable"]:
        return "store_unreachable"
    if registry.fallback:
        return "policies_fallback"
    if sync["redis"] == "reachable" and sync["in_step"] is False:
        return "policies_out_of_step"
    return None


@blp.route("/metrics", methods=["GET"])
@blp.doc(**operation("metrics", "ops"),
         responses={
    "200": {"description": "Prometheus text exposition format.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "headers": REQUEST_ID_HEADER},
    **problems(401, 403, 429)})
@require("ops")
def metrics():
    """Prometheus text format: requests, latency, scores, policies, store, drift gauges."""
    from .monitoring import drift_series

    app = current_app._get_current_object()
    body, content_type = prom.exposition(
        lambda: drift_series(app, dt.timedelta(hours=24)),
        lambda: app.extensions["store"].status()["reachable"])
    return Response(body, mimetype=content_type.split(";")[0],
                    headers={"Content-Type": content_type})
