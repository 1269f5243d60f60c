"""What POST /v1/simulate answers, as the OpenAPI document shows it
(scoring/simulate.py's report)."""

from __future__ import annotations

from marshmallow import Schema, fields

from .answers import DATE_FORMAT, PolicyRef

COUNT = {"description": "How many there are in all (the list keeps the first 1,000)."}


class Bins(Schema):
    edges = fields.List(fields.Integer(), required=True,
                        metadata={"description": "Bin edges in points, every 5."})
    counts = fields.List(fields.Integer(), required=True)
    below = fields.Integer(required=True, metadata={"description": "Below the first edge."})
    above = fields.Integer(required=True, metadata={"description": "At or past the last."})


class SideReport(Schema):
    """The population under one policy."""

    policy = fields.Nested(PolicyRef, required=True)
    scored = fields.Integer(required=True)
    eligible = fields.Integer(required=True)
    passes = fields.Integer(required=True, allow_none=True,
                            metadata={"description": "null where the policy has no pass mark."})
    pass_rate = fields.Float(required=True, allow_none=True)
    histogram = fields.Nested(Bins, required=True)
    mean_points = fields.Dict(keys=fields.String(), values=fields.Float(), required=True,
                              metadata={"description": "Mean points per criterion."})
    quota = fields.Integer(metadata={"description": "Quota schemes only."})
    implied_cutoff = fields.Float(allow_none=True, metadata={
        "description": "Quota schemes only: the lowest total the quota admits."})


class Flips(Schema):
    count = fields.Integer(required=True, metadata=COUNT)
    rows = fields.List(fields.Integer(), required=True)
    rows_truncated = fields.Boolean(required=True)


class FlipsReport(Schema):
    pass_to_fail = fields.Nested(Flips, required=True)
    fail_to_pass = fields.Nested(Flips, required=True)


ROW_PROBLEM = {
    "type": "object", "required": ["policy", "errors"], "additionalProperties": False,
    "properties": {
        "policy": {"type": "string", "description": "The version that refused the row."},
        "errors": {"type": "object", "description": "Messages by field path.",
                   "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}


class RowError(Schema):
    row = fields.Integer(required=True)
    reason = fields.Raw(required=True, metadata={
        "description": "Why the row was not scored: words for a row that could not be read, "
                       "or the field errors of a row a policy refused.",
        "oneOf": [{"type": "string"}, ROW_PROBLEM]})


class RowErrors(Schema):
    count = fields.Integer(required=True, metadata=COUNT)
    rows = fields.List(fields.Nested(RowError), required=True)
    rows_truncated = fields.Boolean(required=True)


class SimulationReport(Schema):
    as_of = fields.String(required=True, metadata=DATE_FORMAT)
    rows = fields.Integer(required=True)
    current = fields.Nested(SideReport, required=True)
    candidate = fields.Nested(SideReport, required=True)
    flips = fields.Nested(FlipsReport, required=True)
    errors = fields.Nested(RowErrors, required=True)
