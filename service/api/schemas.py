"""The API's requests: one marshmallow schema each, for validation and OpenAPI. What the
API answers is described in answers.py, problems.py and the *_answers.py modules."""

from __future__ import annotations

import datetime as dt

from marshmallow import RAISE, Schema, fields, validate

from service.rules.fields import WindowDate

from .answers import BatchResponse, ScoreAnswer  # noqa: F401  (the names __init__ registers)
from .problems import Problem  # noqa: F401


class Strict(Schema):
    class Meta:
        unknown = RAISE


class ScoreRequest(Strict):
    """One application: the city, the date it is scored on, and the applicant's facts."""

    city = fields.String(required=True, validate=validate.Length(min=1, max=64),
                         metadata={"example": "xian"})
    as_of = WindowDate(load_default=dt.date.today, metadata={
        "description": "Date of scoring (1900-01-01 to 2200-12-31); defaults to today."})
    policy_version = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=64))
    applicant = fields.Dict(required=True, metadata={
        "description": "The fields the city's policy declares, nested by their dotted paths; "
                       "exactly, as JSON Schema: GET /v1/policies/{city}/schema.",
        "additionalProperties": {"$ref": "#/components/schemas/ApplicantValue"},
        "example": {"birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
                    "criminal_record": [], "local_knowledge_score": 86}})
    record = fields.Boolean(load_default=True, metadata={
        "description": "Whether a bureau-keyed score is counted in drift statistics."})


class PolicyQuery(Strict):
    as_of = WindowDate(load_default=None)
    version = fields.String(load_default=None)


class DiffQuery(Strict):
    from_ = fields.String(data_key="from", required=True)
    to = fields.String(required=True)


class Scenario(Strict):
    """A named change: new values (`set`) or additions (`add`) by dotted field path, and
    optionally another date, policy version or city."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    set = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True, metadata={
                          "anyOf": [{"$ref": "#/components/schemas/ApplicantValue"}]}),
                      load_default=dict, metadata={"example": {"local_knowledge_score": 92}})
    add = fields.Dict(keys=fields.String(), values=fields.Raw(metadata={
                          "type": "number", "description": "Added to a number field."}),
                      load_default=dict, metadata={"example": {"housing.owned_months": 12}})
    as_of = WindowDate(load_default=None)
    policy_version = fields.String(load_default=None, allow_none=True)
    city = fields.String(load_default=None, validate=validate.Length(min=1, max=64))


class WhatIfRequest(ScoreRequest):
    scenarios = fields.List(fields.Nested(Scenario), load_default=list,
                            validate=validate.Length(max=20))
    horizon_years = fields.Integer(load_default=10, validate=validate.Range(1, 30))


class Candidate(Strict):
    """The policy to compare: a version of the city, or a draft given inline."""

    version = fields.String(load_default=None)
    policy = fields.Raw(load_default=None, metadata={
        "description": "A city policy document, as YAML or JSON text or as an object.",
        "oneOf": [{"type": "string"}, {"type": "object", "additionalProperties": True}]})


class SimulateRequest(Strict):
    city = fields.String(required=True, validate=validate.Length(min=1, max=64))
    as_of = WindowDate(load_default=dt.date.today)
    current_version = fields.String(load_default=None)
    candidate = fields.Nested(Candidate, required=True)
    population = fields.List(fields.Raw(metadata={"allOf": [{
                                 "$ref": "#/components/schemas/Applicant"}]}),
                             load_default=None,
                             metadata={"description": "Applicants, as in ScoreRequest."})
    population_csv = fields.String(load_default=None,
                                   metadata={"description": "A CSV: a column per field path."})
    population_ndjson = fields.String(load_default=None)
    population_parquet = fields.String(
        load_default=None, metadata={"format": "byte", "description": (
            "A Parquet file, base64: a column per field path (or struct columns), of "
            "string, integer, floating-point, boolean or date32 type; null is absent.")})
