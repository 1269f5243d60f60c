"""GET /healthz (the process answers) and /readyz (policies loaded, store reachable)."""

from __future__ import annotations

import datetime as dt
import os

from flask import Response, current_app
from flask_smorest import Blueprint

from service.monitoring import metrics as prom

from .auth import require
from .scoring import PROBLEMS, json_response

blp = Blueprint("health", __name__, description="Liveness and readiness.")


def _json(description: str) -> dict:
    return {"200": {"description": description,
                    "content": {"application/json": {"schema": {"type": "object"}}}}}


@blp.route("/healthz", methods=["GET"])
@blp.doc(responses=_json("The process answers."))
def healthz():
    """Liveness: the process answers."""
    return json_response({"status": "ok"})


@blp.route("/readyz", methods=["GET"])
@blp.doc(responses=_json("Ready or degraded, the policy set serving, the store's state."))
def readyz():
    """Readiness: the policy set that is serving, the last reload's problems if any, and the
    store: 'degraded' while Redis is unreachable (scores are still answered and kept)."""
    registry = current_app.extensions["policies"]
    store = current_app.extensions["store"].status()
    sync = current_app.extensions["policy_sync"].status()
    body = {
        "status": "ready" if store["reachable"] and not registry.fallback else "degraded",
        "process": os.getpid(),  # which worker answered: reloads reach each one
        "store": store,
        "policies": {"revision": registry.revision,
                     "count": sum(len(v) for v in registry.cities().values()),
                     "loaded_at": registry.loaded_at.isoformat(),
                     "generation": sync["generation"], "in_step": sync["in_step"],
                     "serving_last_good_copy": registry.fallback,
                     "last_reload_problems": [str(p) for p in registry.last_problems]},
    }
    return json_response(body)


@blp.route("/metrics", methods=["GET"])
@blp.doc(responses={
    "200": {"description": "Prometheus text exposition format.",
            "content": {"text/plain": {"schema": {"type": "string"}}}},
    **{k: v for k, v in PROBLEMS.items() if k in ("401", "403")}})
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
