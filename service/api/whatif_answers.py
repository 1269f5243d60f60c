"""What POST /v1/what-if answers, as the OpenAPI document shows it: the baseline score,
each scenario with its delta, and the path to the threshold (scoring/whatif.py,
scoring/path.py, scoring/changes.py)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .answers import DATE_FORMAT, Bilingual, Note, ScoreAnswer

PASS_REASONS = ("passes_now", "time", "gate", "cap", "horizon", "no_pass_mark")
CHANGE_KINDS = ("number", "category", "time", "record")
VALUES = {"description": "Values by field path.", "example": {"local_knowledge_score": 92}}


class PassesChange(Schema):
    from_ = fields.Boolean(required=True, allow_none=True, data_key="from")
    to = fields.Boolean(required=True, allow_none=True)
    changed = fields.Boolean(required=True)


class EligibleChange(Schema):
    from_ = fields.Boolean(required=True, data_key="from")
    to = fields.Boolean(required=True)


class Delta(Schema):
    """A scenario against the baseline."""

    total = fields.Float(required=True, metadata={"example": 6.0})
    margin = fields.Float(required=True, allow_none=True)
    passes = fields.Nested(PassesChange, required=True)
    eligible = fields.Nested(EligibleChange, required=True)
    criteria = fields.Dict(keys=fields.String(), values=fields.Float(), required=True,
                           metadata={"description": "Points gained (or lost) per criterion.",
                                     "example": {"local_knowledge": 3.0}})


class ScenarioAnswer(Schema):
    name = fields.String(required=True, metadata={"example": "retake the test"})
    result = fields.Nested(ScoreAnswer, required=True)
    delta = fields.Nested(Delta, required=True)


class EarliestPass(Schema):
    """When the applicant passes if only time goes by: `date`, or null and why not."""

    date = fields.String(required=True, allow_none=True, metadata=DATE_FORMAT)
    reason = fields.String(required=True, validate=validate.OneOf(PASS_REASONS), metadata={
        "description": "passes_now; time (passes on `date`); or why not within the horizon: "
                       "gate (a gate stays closed, see `gates`), cap, horizon; no_pass_mark "
                       "(the city ranks with no pass mark)."})
    total = fields.Float(required=True)
    threshold = fields.Float(required=True, allow_none=True)
    words = fields.Nested(Bilingual, required=True)
    round = fields.Integer(allow_none=True, metadata={"description": "With reason time."})
    gates = fields.List(fields.String(), metadata={"description": "The gates still closed."})


class SmallestChange(Schema):
    """The smallest single change of one criterion's inputs that passes today."""

    criterion = fields.String(required=True)
    label = fields.Nested(Bilingual, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(CHANGE_KINDS))
    inputs = fields.List(fields.String(), required=True)
    current = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True),
                          required=True, metadata=VALUES)
    needed = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True),
                         required=True, allow_none=True, metadata=VALUES)
    enough_alone = fields.Boolean(required=True)
    words = fields.Nested(Bilingual, required=True)


class PathToThreshold(Schema):
    earliest_pass = fields.Nested(EarliestPass, required=True)
    horizon_years = fields.Integer(required=True)
    changes = fields.List(fields.Nested(SmallestChange), required=True)
    threshold = fields.Float(required=True, allow_none=True)
    threshold_estimated = fields.Boolean(required=True)
    notes = fields.List(fields.Nested(Note), required=True)


class WhatIfAnswer(Schema):
    baseline = fields.Nested(ScoreAnswer, required=True)
    scenarios = fields.List(fields.Nested(ScenarioAnswer), required=True)
    path_to_threshold = fields.Nested(PathToThreshold, required=True)
