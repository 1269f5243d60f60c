"""What a score answers, as the OpenAPI document shows it: scoring.result.ScoreResult as
the API sends it (api/wire.py), and a batch of them.

These schemas only describe: the views encode their answers with orjson. Every field the
service always sends is `required`; a value that may be null says so (`nullable`), and a
field only some answers carry is left out of `required`.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.rules.fields import CONFIDENCE

DATE_FORMAT = {"format": "date"}


def nullable_nested(schema, **metadata) -> fields.Nested:
    """A nested object that may be null. apispec writes Nested(allow_none) under OpenAPI
    3.0 as `anyOf: [{type: object, nullable}, $ref]`, which a generated client reads as an
    empty model first; `allOf: [$ref]` with `nullable` is typed as the model or None."""
    return fields.Nested(schema, required=True, metadata={"nullable": True, **metadata})


def nullable_enum(values, **metadata) -> fields.Raw:
    """A string from `values`, or null (an enum that lists null confuses generators)."""
    return fields.Raw(required=True, metadata={
        "oneOf": [{"type": "string", "enum": list(values)}], "nullable": True, **metadata})


class Bilingual(Schema):
    zh = fields.String(required=True, metadata={"example": "出生日期"})
    en = fields.String(required=True, metadata={"example": "Date of birth"})


class PolicyRef(Schema):
    """The policy an answer was computed with."""

    city = fields.String(required=True, metadata={"example": "xian"})
    tier = fields.String(required=True, metadata={"example": "large_i"})
    version = fields.String(required=True, metadata={"example": "2024.1"})
    sha256 = fields.String(required=True, validate=validate.Length(equal=64))
    effective_from = fields.String(required=True, metadata={**DATE_FORMAT, "example": "2024-01-01"})
    effective_to = fields.String(required=True, allow_none=True, metadata=DATE_FORMAT)


class Gate(Schema):
    id = fields.String(required=True, metadata={"example": "adult"})
    passed = fields.Boolean(required=True)
    label = fields.Nested(Bilingual, required=True)
    reason = fields.Nested(Bilingual, required=True)


class Criterion(Schema):
    criterion = fields.String(required=True, metadata={"example": "residence_years"})
    input = fields.Raw(required=True, allow_none=True, metadata={
        "description": "What the criterion read: a number, a date, a category, or an "
                       "object of several inputs."})
    points = fields.Float(required=True, metadata={"example": 9.42})
    points_exact = fields.String(required=True,
                                 metadata={"description": "Exact value, e.g. '113/12'."})
    capped = fields.Boolean(required=True)
    group = fields.String(required=True, allow_none=True)
    label = fields.Nested(Bilingual, required=True)
    rule = fields.String(required=True, metadata={"description": "The rule in words (English)."})
    rule_i18n = fields.Nested(Bilingual, required=True)


class Note(Schema):
    code = fields.String(required=True, metadata={
        "description": "Stable: threshold_estimated, version_withdrawn, version_not_in_force, "
                       "next_cutoff_unknown, no_pass_mark, may_understate, and any added "
                       "later.", "example": "threshold_estimated"})
    zh = fields.String(required=True)
    en = fields.String(required=True)


class Omitted(Schema):
    """An indicator of the official scheme that this policy does not score."""

    id = fields.String(required=True)
    label = fields.Nested(Bilingual, required=True)
    reason = fields.Nested(Bilingual, required=True)


class Uncertain(Schema):
    """A criterion that gave points on figures of medium or low confidence, or on a choice
    the service made where its sources are silent."""

    id = fields.String(required=True)
    label = fields.Nested(Bilingual, required=True)
    points = fields.Float(required=True)
    confidence = fields.String(required=True, validate=validate.OneOf(CONFIDENCE))
    source = fields.String(required=True)
    choice = fields.Boolean(metadata={"description": "A figure the service chose."})


class ScoreAnswer(Schema):
    """The JSON answer of a score (component `ScoreResult`)."""

    decision_id = fields.String(required=True, metadata={
        "description": "HMAC-SHA256 of the policy, the date and the values read: the same "
                       "application gives the same id.",
        "example": "2b39ada0dd40e0151a61abccc1273727"})
    policy = fields.Nested(PolicyRef, required=True)
    as_of = fields.String(required=True, metadata={**DATE_FORMAT, "example": "2026-11-22"})
    round = fields.Integer(required=True, allow_none=True, metadata={
        "description": "The quota round (a year); null for a fixed threshold."})
    eligible = fields.Boolean(required=True, metadata={"description": "Every gate passed."})
    gates = fields.List(fields.Nested(Gate), required=True)
    total = fields.Float(required=True, metadata={"example": 108.5})
    total_exact = fields.String(required=True, metadata={"example": "217/2"})
    threshold = fields.Float(required=True, allow_none=True, metadata={
        "description": "The line compared with; null for a quota scheme that ranks with no "
                       "pass mark and has no published cutoff yet.", "example": 100})
    threshold_kind = fields.String(required=True, validate=validate.OneOf(["fixed", "quota"]))
    threshold_estimated = fields.Boolean(required=True)
    margin = fields.Float(required=True, allow_none=True,
                          metadata={"description": "total - threshold; null without one."})
    passes = fields.Boolean(required=True, allow_none=True, metadata={
        "description": "Eligible and at or above the threshold; null where the scheme ranks "
                       "within a quota and sets no pass mark."})
    breakdown = fields.List(fields.Nested(Criterion), required=True)
    entitlements = fields.List(fields.String(), required=True)
    notes = fields.List(fields.Nested(Note), required=True)
    omitted = fields.List(fields.Nested(Omitted), metadata={
        "description": "Indicators of the official scheme this policy does not score: the "
                       "total may understate."})
    uncertain = fields.List(fields.Nested(Uncertain), metadata={
        "description": "Points that rest on figures of medium or low confidence."})


SCORE_RESULT = {"$ref": "#/components/schemas/ScoreResult"}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


class BatchResponse(Schema):
    results = fields.List(fields.Raw(metadata={"oneOf": [SCORE_RESULT, PROBLEM_REF]}),
                          required=True, metadata={
        "description": "In input order: a score result, or for an item that could not be "
                       "scored a problem with its status, field errors and `index`."})
    count = fields.Integer(required=True, metadata={"description": "Items answered."})
    failed = fields.Integer(required=True, metadata={"description": "Items refused."})
