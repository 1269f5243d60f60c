"""What the operators' endpoints answer (drift, baseline, reload, healthz, readyz), as
the OpenAPI document shows it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.monitoring.drift import LEVELS, REASONS

from .answers import nullable_enum

# api/monitoring.py `_reference`: where the reference histogram comes from
REFERENCE_SOURCES = ("baseline", "declared", "first 30 days in force", "none")
LINE_METHODS = ("published", "reference", "carried_forward")
MOMENT = {"format": "date-time"}
ENOUGH = {"description": "null without enough scores (see `reason`)."}


def figure(**metadata) -> fields.Float:
    return fields.Float(required=True, allow_none=True, metadata=metadata or ENOUGH)


class Histogram(Schema):
    """Scores in half-point bins, with pass and ineligible counts."""

    bin_width = fields.Float(required=True, metadata={"example": 0.5})
    bins = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "Scores per bin, keyed by the bin's index (its lower edge divided "
                       "by bin_width).", "example": {"190": 12, "191": 30}})
    count = fields.Integer(required=True)
    passes = fields.Integer(required=True)
    ineligible = fields.Integer(required=True)
    total_centi = fields.Integer(required=True,
                                 metadata={"description": "The sum of the scores, in cents."})


class StoreStatus(Schema):
    backend = fields.String(required=True, validate=validate.OneOf(["memory", "redis"]))
    reachable = fields.Boolean(required=True)
    pending_buckets = fields.Integer(required=True)
    dropped = fields.Integer(required=True)
    flush_failures = fields.Integer(required=True)
    flushes = fields.Integer(required=True)


class Window(Schema):
    from_ = fields.String(required=True, data_key="from", metadata=MOMENT)
    to = fields.String(required=True, metadata=MOMENT)


class HistoryPoint(Schema):
    to = fields.String(required=True, metadata=MOMENT)
    count = fields.Integer(required=True)
    psi = figure()
    pass_rate = figure(description="null without scores.")


class DriftSeries(Schema):
    """One city and policy version: the window against its reference."""

    city = fields.String(required=True)
    policy_version = fields.String(required=True)
    sha256 = fields.String(required=True)
    drift_tolerance = fields.Float(required=True)
    threshold_drift_limit = figure(description="Quota cities: the threshold drift that "
                                               "counts; null otherwise.")
    window = fields.Nested(Window, required=True)
    reference = fields.String(required=True, validate=validate.OneOf(REFERENCE_SOURCES))
    count = fields.Integer(required=True)
    reference_count = fields.Integer(required=True)
    psi = figure()
    psi_bins = fields.Integer(required=True, allow_none=True, metadata=ENOUGH)
    psi_watch = figure()
    psi_act = figure()
    ks = figure()
    pass_rate = figure()
    reference_pass_rate = figure()
    pass_rate_limit = figure()
    pass_rate_change = figure()
    mean = figure()
    reference_mean = figure()
    mean_shift = figure()
    near_threshold = figure(description="The share within 2 points of the threshold.")
    threshold = figure(description="null where a quota scheme has no line yet.")
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    reason = nullable_enum(REASONS, description="Why the level is insufficient; null when "
                                                "the figures can be trusted.")
    reason_text = fields.String(metadata={"description": "The reason in words."})
    implied_cutoff = fields.Float(allow_none=True, metadata={"description": "Quota cities."})
    published_cutoff = fields.Float(allow_none=True, metadata={"description": "Quota cities."})
    threshold_line = fields.Float(allow_none=True, metadata={"description": "Quota cities."})
    threshold_line_method = fields.Raw(metadata={
        "description": "Quota cities: where the line comes from.",
        "oneOf": [{"type": "string", "enum": list(LINE_METHODS)}], "nullable": True})
    threshold_line_estimated = fields.Boolean(allow_none=True)
    threshold_drift = fields.Float(allow_none=True, metadata={
        "description": "Quota cities: implied cutoff minus the line, signed."})
    threshold_drift_noise = fields.Float(allow_none=True)
    histogram = fields.Nested(Histogram, required=True)
    reference_histogram = fields.Nested(Histogram, required=True)
    history = fields.List(fields.Nested(HistoryPoint), metadata={
        "description": "With ?history=n: n windows ending now, oldest first."})


class DriftAnswer(Schema):
    series = fields.List(fields.Nested(DriftSeries), required=True)
    store = fields.Nested(StoreStatus, required=True)


class BaselineAnswer(Schema):
    city = fields.String(required=True)
    policy_version = fields.String(required=True)
    count = fields.Integer(required=True)
    histogram = fields.Nested(Histogram, required=True)


class ReloadAnswer(Schema):
    revision = fields.String(required=True, metadata={"example": "622dbfa6a3ccf5ad"})
    count = fields.Integer(required=True, metadata={"description": "Policy versions served."})


class Health(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["ok"]))


class PoliciesState(Schema):
    revision = fields.String(required=True)
    count = fields.Integer(required=True)
    loaded_at = fields.String(required=True, metadata=MOMENT)
    redis = fields.String(required=True,
                          validate=validate.OneOf(["off", "reachable", "unreachable"]))
    announcement = fields.String(required=True, allow_none=True)
    announced_revision = fields.String(required=True, allow_none=True)
    in_step = fields.Boolean(required=True, allow_none=True)
    checked_at = fields.String(required=True, allow_none=True, metadata=MOMENT)
    serving_last_good_copy = fields.Boolean(required=True)
    last_reload_problems = fields.List(fields.String(), required=True)


class Readiness(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["ready", "degraded"]))
    reason = nullable_enum(["store_unreachable", "policies_fallback", "policies_out_of_step"])
    process = fields.Integer(required=True)
    store = fields.Nested(StoreStatus, metadata={"description": "With an ops key."})
    policies = fields.Nested(PoliciesState, metadata={"description": "With an ops key."})
