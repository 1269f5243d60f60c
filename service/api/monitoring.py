"""GET /v1/monitoring/drift and POST /v1/monitoring/baseline: threshold drift for operators."""

from __future__ import annotations

import datetime as dt
import re

from flask import current_app, request
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, ValidationError, fields, validates_schema

from service.monitoring import reference as declared_references
from service.monitoring.drift import MIN_COUNT, drift_report, implied_cutoff
from service.monitoring.histogram import Histogram, HistogramInvalid
from service.scoring.engine import threshold_on

from .auth import require
from .context import request_policies
from .errors import ApiError, load_body
from .operations import operation, problems, success
from .ops_answers import BaselineAnswer, DriftAnswer
from .scoring import PROBLEMS, json_body, json_response

blp = Blueprint("monitoring", __name__, url_prefix="/v1/monitoring",
                description="Score distributions and threshold drift.")
REFERENCE_DAYS = 30
DEFAULT_TOLERANCE = 2.0  # points of threshold drift, where a policy sets none
WINDOW = re.compile(r"([0-9]{1,6})([hd])")  # ASCII digits only, matched in full
MAX_WINDOW_HOURS = 400 * 24  # the longest window, and the longest span of a baseline taken
                             # from recorded scores (and never more than the retention)
MAX_HISTORY = 400            # the most windows a drift request may ask for in `history`
MAX_LOOKBACK_HOURS = 1000 * 366 * 24  # history reads nothing older, whatever the retention
HISTORY = re.compile(r"[0-9]{1,6}")


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
        if ranged:  # the store keeps whole hours: a finer range cannot be taken as given
            for key, name in (("from_", "from"), ("to", "to")):
                moment = data[key]
                if (moment.minute, moment.second, moment.microsecond) != (0, 0, 0) \
                        or moment.utcoffset().total_seconds() % 3600:
                    raise ValidationError("Must be a whole UTC hour (the store keeps "
                                          "scores by the hour), such as "
                                          "2026-03-01T08:00:00Z.", name)


def _longest_hours() -> int:
    """The longest window, in hours: MAX_WINDOW_HOURS or the retention if shorter (older
    scores are no longer kept), and never under an hour."""
    return max(1, min(MAX_WINDOW_HOURS, current_app.extensions["store"].retention_hours))


def _window() -> dt.timedelta:
    text = request.args.get("window", "24h")
    match = WINDOW.fullmatch(text)
    if not match:
        raise ApiError(422, "invalid_request", "window is a number of hours or days: 24h, 7d.",
                       {"window": ["Use a form like 24h or 7d."]})
    amount = int(match.group(1))
    span = amount if match.group(2) == "h" else amount * 24
    longest = _longest_hours()
    if not 1 <= span <= longest:
        limit = f"{longest // 24}d" if longest % 24 == 0 else f"{longest}h"
        raise ApiError(422, "invalid_request", f"window must lie between 1h and {limit}.",
                       {"window": [f"Must lie between 1h and {limit}."]})
    return dt.timedelta(hours=span)


def _history() -> int:
    text = request.args.get("history", "0")
    if not HISTORY.fullmatch(text) or int(text) > MAX_HISTORY:
        raise ApiError(422, "invalid_request", "history is a number of earlier windows.",
                       {"history": [f"Must be a whole number from 0 to {MAX_HISTORY}."]})
    return int(text)


def _reference(store, policy) -> tuple[Histogram | None, str]:
    """The reference and where it comes from: the admin's baseline when one is set, else
    the reference declared for this version (service/monitoring/references/), else the
    first REFERENCE_DAYS days in force when they lie within the retention; None when
    there is none of these."""
    saved = store.baseline(policy.city, policy.version)
    if saved is not None:
        return saved, "baseline"
    shipped = declared_references.declared(policy)
    if shipped is not None:
        return shipped, "declared"
    start = dt.datetime.combine(policy.effective_from, dt.time(), dt.UTC)
    end = start + dt.timedelta(days=REFERENCE_DAYS)
    oldest = dt.datetime.now(dt.UTC) - dt.timedelta(hours=store.retention_hours)
    if end <= oldest:  # older than what the store keeps: it would always read empty
        return None, "none"
    return store.window(policy.city, policy.version, max(start, oldest), end), \
        f"first {REFERENCE_DAYS} days in force"


def threshold_lines(policy, today: dt.date, reference: Histogram | None):
    """(the threshold applications are scored against, the line threshold drift is
    measured from, how that line was found). Fixed: the points, "fixed". Quota: the
    cutoff published for this year's round, "published"; with none published yet, the
    cutoff the reference implies for the quota ("reference": an estimate), else the last
    published cutoff carried forward ("carried_forward": an estimate, and the one the
    scores themselves use until the round's cutoff is published)."""
    rule = policy.threshold
    points, estimated, _ = threshold_on(policy, today)  # what the scores are compared with
    scored = None if points is None else float(points)  # None: ranked, nothing published
    if rule.get("kind") != "quota":
        return scored, scored, "fixed"
    if not estimated:
        return scored, scored, "published"
    estimate = None
    if reference is not None and reference.count >= MIN_COUNT:
        estimate = implied_cutoff(reference, rule.get("quota") or 0,
                                  rule.get("expected_applicants") or 0)
    if estimate is not None:
        return scored, estimate, "reference"
    return scored, scored, "carried_forward" if scored is not None else None


def drift_series(app, span: dt.timedelta, history: int = 0) -> list[dict]:
    """Every recorded city and version: the window ending now against its reference, and
    with `history`, the PSI and pass rate of that many windows ending now, oldest first."""
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
        threshold, line, method = threshold_lines(policy, today, reference)
        quota = policy.threshold.get("quota")
        report = drift_report(reference, current, threshold, quota=quota,
                              applicants=policy.threshold.get("expected_applicants"),
                              published_cutoff=line if quota else None,
                              line_method=method)
        tolerance = policy.threshold.get("drift_tolerance")
        tolerance = float(DEFAULT_TOLERANCE if tolerance is None else tolerance)
        noise = report.get("threshold_drift_noise")
        out.append({"city": city, "policy_version": version, "sha256": policy.sha256,
                    "drift_tolerance": tolerance,
                    "threshold_drift_limit": max(tolerance, noise) if noise is not None
                    else None,
                    "window": {"from": (now - span).isoformat(), "to": now.isoformat()},
                    "reference": source, **report,
                    "histogram": current.to_dict(),
                    "reference_histogram": (reference or Histogram()).to_dict()})
        if history:
            out[-1]["history"] = _history_points(store, policy, reference, now, span,
                                                 history)
    return out


def _history_points(store, policy, reference, now, span, count) -> list[dict]:
    """`count` windows ending with the current one, oldest first. Only the part of each
    window within the retention is read; a window wholly before it is empty unread."""
    from service.monitoring.drift import psi

    oldest = now - dt.timedelta(hours=min(store.retention_hours, MAX_LOOKBACK_HOURS))
    points = []
    for k in range(count - 1, -1, -1):
        end = now - k * span
        if end <= oldest:
            window = Histogram()
        else:
            window = store.window(policy.city, policy.version, max(end - span, oldest), end)
        enough = window.count >= MIN_COUNT and reference is not None \
            and reference.count >= MIN_COUNT
        points.append({"to": end.isoformat(), "count": window.count,
                       "psi": psi(reference, window) if enough else None,
                       "pass_rate": window.pass_rate})
    return points


DRIFT_PARAMETERS = [
    {"name": "window", "in": "query", "required": False,
     "description": "The recent window: hours or days, from 1h to the retention (400d).",
     "schema": {"type": "string", "pattern": "^[0-9]{1,6}[hd]$", "default": "24h",
                "example": "7d"}},
    {"name": "history", "in": "query", "required": False,
     "description": "How many earlier windows of the same length to add, oldest first.",
     "schema": {"type": "integer", "minimum": 0, "maximum": MAX_HISTORY, "default": 0}},
]


@blp.route("/drift", methods=["GET"])
@blp.doc(**operation("getDrift", "ops"), parameters=DRIFT_PARAMETERS,
         responses=problems(401, 403, 422, 429, 503, s422="A bad window or history."))
@success(blp, DriftAnswer, description="Per city and version: every statistic and its level.")
@require("ops")
def drift():
    """Per city and version: the recent window (default 24h, ?window=7d) against the
    reference (a baseline set by an operator, else the reference shipped for the version).
    A figure without enough scores is null and the level says "insufficient", with a
    `reason`."""
    span, history = _window(), _history()
    series = drift_series(current_app, span, history)
    return json_response({"series": series, "store": current_app.extensions["store"].status()})


@blp.route("/baseline", methods=["POST"])
@blp.doc(**operation("setBaseline", "admin"),
         requestBody={"required": True, "content": {"application/json": {
             "schema": {"$ref": "#/components/schemas/BaselineRequest"}}}},
         responses={**PROBLEMS, **problems(503)})
@success(blp, BaselineAnswer, description="The reference now in use.", policies=True)
@require("admin")
def baseline():
    """Freeze what was recorded in [from, to], or upload a histogram, as the reference."""
    registry, store = request_policies(), current_app.extensions["store"]
    body = load_body(BaselineRequest(), json_body(), "BaselineRequest")
    policy = registry.resolve(body["city"], dt.date.today(), body["policy_version"])
    if body["histogram"] is not None:
        hist = _checked(body["histogram"], "histogram")
    else:
        longest = _longest_hours()
        if body["to"] - body["from_"] > dt.timedelta(hours=longest):
            raise ApiError(422, "invalid_request", "The span from from to to is too long.",
                           {"to": [f"Must be at most {longest} hours after from."]})
        # [from, to): whole hours, `to` excluded, exactly the hours the range names
        recorded = store.window(policy.city, policy.version, body["from_"],
                                body["to"] - dt.timedelta(microseconds=1))
        hist = _checked(recorded.to_dict(), "from")  # held to the checks of an upload
    store.set_baseline(policy.city, policy.version, hist)
    return json_response({"city": policy.city, "policy_version": policy.version,
                          "count": hist.count, "histogram": hist.to_dict()})


def _checked(data, name: str) -> Histogram:
    """A histogram from its dict, every field checked; a 422 naming the field if not."""
    try:
        return Histogram.from_dict(data)
    except HistogramInvalid as exc:
        where = f"{name}.{exc.field}" if exc.field else name
        raise ApiError(422, "invalid_request", f"The histogram is not valid: {where}.",
                       {where: [exc.message]}) from None
