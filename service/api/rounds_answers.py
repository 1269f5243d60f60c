"""What POST /v1/rounds/rank takes and answers, as the OpenAPI document shows it
(scoring/rounds.py's Round)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from service.rules.fields import WindowDate

from .answers import DATE_FORMAT, Note, PolicyRef, nullable_nested

MAX_QUOTA = 10**9


class RoundParameters(Schema):
    """What a round needs besides its population: in a JSON body, or as query parameters
    of a CSV or NDJSON body."""

    class Meta:
        unknown = RAISE

    city = fields.String(required=True, validate=validate.Length(min=1, max=64),
                         metadata={"example": "beijing"})
    as_of = WindowDate(required=True, metadata={
        "description": "The round's date: the policy in force then, and its year's cutoff."})
    policy_version = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=64))
    quota = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=MAX_QUOTA, error=f"Must be a whole number from 1 to {MAX_QUOTA}."),
        metadata={"description": "Places in the round.", "example": 6000})


class RoundMember(Schema):
    id = fields.String(required=True, metadata={
        "description": "1 to 128 characters, no control characters, unique in the "
                       "population (a whole number is read as its digits)."})
    applicant = fields.Dict(required=True, metadata={
        "additionalProperties": {"$ref": "#/components/schemas/ApplicantValue"}})


class RoundRequest(RoundParameters):
    population = fields.List(fields.Nested(RoundMember), required=True, metadata={
        "description": "The cohort, at most 1,000,000 rows. Or send the population as "
                       "the body itself: CSV (text/csv: an `id` column, then a column per "
                       "field path, as in simulations) or NDJSON (one {id, applicant} a "
                       "line), with city, as_of, quota and policy_version as query "
                       "parameters."})


class Value(Schema):
    exact = fields.String(required=True, metadata={"example": "97.13"})
    number = fields.Float(required=True, metadata={"example": 97.13})


def value(description: str):
    return nullable_nested(Value, description=description)


class PublishedCutoff(Value):
    round = fields.Integer(required=True, metadata={"description": "The round's year."})
    estimated = fields.Boolean(required=True, metadata={
        "description": "No cutoff is published for this round: the latest earlier one."})


class QuotaLine(Schema):
    cutoff = value("The total of the last applicant within the quota; null when nobody is "
                   "eligible.")
    admitted = fields.Integer(required=True)
    tied_at_cutoff = fields.Integer(required=True)
    over_quota = fields.Integer(required=True)


class Ineligible(Schema):
    count = fields.Integer(required=True)
    by_gate = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                          metadata={"description": "By the first gate each row fails."})


class InvalidRow(Schema):
    row = fields.Integer(required=True, metadata={"description": "Data rows count from 1."})
    id = fields.String(required=True, allow_none=True)
    problem = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         required=True, metadata={"description": "Field errors by path."})


class Invalid(Schema):
    count = fields.Integer(required=True)
    rows = fields.List(fields.Nested(InvalidRow), required=True,
                       metadata={"description": "The first 1,000."})
    rows_truncated = fields.Boolean(required=True)


class CurvePoint(Schema):
    percent = fields.Integer(required=True, metadata={"example": 110})
    quota = fields.Integer(required=True)
    cutoff = value("null when nobody is eligible.")
    admitted = fields.Integer(required=True)


class TieKey(Schema):
    key = fields.String(required=True)
    order = fields.String(required=True, validate=validate.OneOf(["asc", "desc"]))


DECIDED = ("`score`, `tie_admitted` (tied at the line, admitted with the whole tie), "
           "`tie_break:<key>` (the key that separated this applicant from the line), "
           "`ineligible:<gate>` (the first gate failed), `invalid` (not scored: see "
           "`invalid`).")


class Place(Schema):
    id = fields.String(required=True, allow_none=True)
    rank = fields.Integer(required=True, allow_none=True, metadata={
        "description": "Competition rank among the eligible (ties share it)."})
    total = fields.Float(required=True, allow_none=True)
    eligible = fields.Boolean(required=True, allow_none=True)
    admitted = fields.Boolean(required=True)
    decided_by = fields.String(required=True, metadata={"description": DECIDED})
    margin_to_cutoff = fields.Float(required=True, allow_none=True)
    row = fields.Integer(metadata={"description": "Invalid rows only."})


class RoundAnswer(Schema):
    as_of = fields.String(required=True, metadata=DATE_FORMAT)
    policy = fields.Nested(PolicyRef, required=True)
    line = fields.String(required=True, validate=validate.OneOf(["quota", "threshold"]),
                         metadata={"description": "threshold: a fixed-threshold policy."})
    ties = fields.String(required=True, validate=validate.OneOf(["admit_all", "tie_break"]))
    tie_break = fields.List(fields.Nested(TieKey), required=True)
    quota = fields.Integer(required=True)
    cutoff = value("The line: the quota's cutoff, or the fixed threshold.")
    admitted = fields.Integer(required=True)
    tied_at_cutoff = fields.Integer(required=True)
    over_quota = fields.Integer(required=True)
    published_cutoff = nullable_nested(
        PublishedCutoff, description="Quota policies: the round's published cutoff.")
    by_quota = nullable_nested(QuotaLine,
                               description="Fixed thresholds: what the quota would do.")
    rows = fields.Integer(required=True)
    eligible = fields.Integer(required=True)
    ineligible = fields.Nested(Ineligible, required=True)
    invalid = fields.Nested(Invalid, required=True)
    quota_curve = fields.List(fields.Nested(CurvePoint), required=True, metadata={
        "description": "The line for quotas from 50 % to 200 % of this one."})
    notes = fields.List(fields.Nested(Note), required=True)
    ranking = fields.List(fields.Nested(Place), required=True, metadata={
        "description": "Eligible in rank order, then ineligible, then invalid rows."})
