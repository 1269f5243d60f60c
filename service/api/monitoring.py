"""GET /v1/monitoring/drift and POST /v1/monitoring/baseline: threshold drift for operators."""

from __future__ import annotations

import datetime as dt
import re

from flask import current_app, request
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, ValidationError, fields, validates_schema

from service.monitoring.drift import drift_report
from service.monitoring.histogram import Histogram
from service.scoring.engine import threshold_on

from .auth import require
from .context import request_policies
from .errors import ApiError, load_body
from .scoring import PROBLEMS, json_body, json_response

blp = Blueprint("monitoring", __name__, url_prefix="/v1/monitoring",
                description="Score distributions and threshold drift.")
REFERENCE_DAYS = 30
DEFAULT_TOLERANCE = 2.0  # points of threshold drift, where a policy sets none
WINDOW = re.compile(r"^(\d{1,4})([hd])$")


class BaselineRequest(Schema):
    class Meta:
        unknown = RAISE

    city = fields.String(required=True)
    policy_version = fields.String(load_default=None)
    from_ = fields.AwareDateTime(data_key="from", load_default=None,
                                 default_timezone=dt.UTC)
    to = fields.AwareDateTime(load_default=None, default_timezone=dt.UTC)
    histogram = fields.Dict(load_default=None)

    @validates_schema
    def _one_way(self, data, **kwargs):
        ranged = data["from_"] is not None and data["to"] is not None
        if ranged == (data["histogram"] is not None):
            raise ValidationError("Give either from and to, or a histogram.", "histogram")
        if ranged and data["from_"] >= data["to"]:
            raise ValidationError("Must be after from.", "to")


def _window() -> dt.timedelta:
    text = request.args.get("window", "24h")
    match = WINDOW.match(text)
    if not match or int(match.group(1)) == 0:
        raise ApiError(422, "invalid_request", "window is a number of hours or days: 24h, 7d.",
                       {"window": ["Use a form like 24h or 7d."]})
    amount = int(match.group(1))
    return dt.timedelta(hours=amount) if match.group(2) == "h" else dt.timedelta(days=amount)


def _reference(store, policy) -> tuple[Histogram, str]:
    saved = store.baseline(policy.city, policy.version)
    if saved is not None:
        return saved, "baseline"
    start = dt.datetime.combine(policy.effective_from, dt.time(), dt.UTC)
    end = start + dt.timedelta(days=REFERENCE_DAYS)
    return store.window(policy.city, policy.version, start, end), \
        f"first {REFERENCE_DAYS} days in force"


def drift_series(app, span: dt.timedelta, history: int = 0) -> list[dict]:
    """Every recorded city and version: the window ending now against its reference, and
    with `history`, the PSI and pass rate of that many earlier windows, oldest first."""
    registry, store = app.extensions["policies"], app.extensions["store"]
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    out = []
    for city, version in store.series():
        try:
            policy = registry.resolve(city, today, version)
        except Exception:  # a series of a version no longer served
            continue
        reference, source = _reference(store, policy)
        current = store.window(city, version, now - span, now)
        threshold, _, _ = threshold_on(policy, today)
        quota = policy.threshold.get("quota")
        report = drift_report(reference, current, float(threshold), quota=quota,
                              applicants=policy.threshold.get("expected_applicants"),
                              published_cutoff=float(threshold) if quota else None)
        tolerance = policy.threshold.get("drift_tolerance")
        out.append({"city": city, "policy_version": version, "sha256": policy.sha256,
                    "drift_tolerance": DEFAULT_TOLERANCE if tolerance is None else tolerance,
                    "window": {"from": (now - span).isoformat(), "to": now.isoformat()},
                    "reference": source, **report,
                    "histogram": current.to_dict(), "reference_histogram": reference.to_dict()})
        if history:
            out[-1]["history"] = _history(store, policy, reference, now, span, history)
    return out


def _history(store, policy, reference, now, span, count) -> list[dict]:
    from service.monitoring.drift import MIN_COUNT, psi

    points = []
    for k in range(count - 1, -1, -1):
        end = now - k * span
        window = store.window(policy.city, policy.version, end - span, end)
        enough = window.count >= MIN_COUNT and reference.count >= MIN_COUNT
        points.append({"to": end.isoformat(), "count": window.count,
                       "psi": psi(reference, window) if enough else None,
                       "pass_rate": window.pass_rate})
    return points


@blp.route("/drift", methods=["GET"])
@blp.doc(responses={"200": {"description": "Per city and version: every statistic and its "
                                           "level."}, **PROBLEMS})
@require("ops")
def drift():
    """Per city and version: the recent window (default 24h, ?window=7d) against the
    reference (a baseline set by an operator, or the first 30 days in force)."""
    try:
        history = min(int(request.args.get("history", "0")), 90)
    except ValueError:
        raise ApiError(422, "invalid_request", "history is a number of earlier windows.",
                       {"history": ["Not a whole number."]}) from None
    series = drift_series(current_app, _window(), max(history, 0))
    return json_response({"series": series, "store": current_app.extensions["store"].status()})


@blp.route("/baseline", methods=["POST"])
@blp.doc(responses={"200": {"description": "The reference now in use."}, **PROBLEMS})
@require("admin")
def baseline():
    """Freeze what was recorded in [from, to], or upload a histogram, as the reference."""
    registry, store = request_policies(), current_app.extensions["store"]
    body = load_body(BaselineRequest(), json_body(), "BaselineRequest")
    policy = registry.resolve(body["city"], dt.date.today(), body["policy_version"])
    if body["histogram"] is not None:
        try:
            hist = Histogram.from_dict(body["histogram"])
        except (TypeError, ValueError) as exc:
            raise ApiError(422, "invalid_request", "The histogram is not valid.",
                           {"histogram": [str(exc)]}) from None
    else:
        hist = store.window(policy.city, policy.version, body["from_"], body["to"])
    store.set_baseline(policy.city, policy.version, hist)
    return json_response({"city": policy.city, "policy_version": policy.version,
                          "count": hist.count, "histogram": hist.to_dict()})

