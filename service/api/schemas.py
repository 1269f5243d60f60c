"""The API's contract objects: one marshmallow schema each, for validation and OpenAPI."""

from __future__ import annotations

import datetime as dt

from marshmallow import INCLUDE, RAISE, Schema, fields, validate

from service.rules.fields import WindowDate


class Strict(Schema):
    class Meta:
        unknown = RAISE


class Bilingual(Schema):
    zh = fields.String(required=True)
    en = fields.String(required=True)


class ScoreRequest(Strict):
    """One application: the city, the date it is scored on, and the applicant's facts."""

    city = fields.String(required=True, validate=validate.Length(min=1, max=64),
                         metadata={"example": "xian"})
    as_of = WindowDate(load_default=dt.date.today, metadata={
        "description": "Date of scoring (1900-01-01 to 2200-12-31); defaults to today."})
    policy_version = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=64))
    applicant = fields.Dict(required=True, metadata={
        "description": "The fields the city's policy declares (GET /v1/policies/{city}).",
        "example": {"birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
                    "criminal_record": [], "local_knowledge_score": 86}})
    record = fields.Boolean(load_default=True, metadata={
        "description": "Whether a bureau-keyed score is counted in drift statistics."})


class PolicyRef(Schema):
    city = fields.String(required=True)
    tier = fields.String(required=True)
    version = fields.String(required=True)
    sha256 = fields.String(required=True)
    effective_from = fields.String(required=True, metadata={"format": "date"})
    effective_to = fields.String(allow_none=True, required=True, metadata={"format": "date"})


class Gate(Schema):
    id = fields.String(required=True)
    passed = fields.Boolean(required=True)
    label = fields.Nested(Bilingual, required=True)
    reason = fields.Nested(Bilingual, required=True)


class Criterion(Schema):
    criterion = fields.String(required=True)
    input = fields.Raw(allow_none=True, required=True)
    points = fields.Float(required=True)
    points_exact = fields.String(required=True,
                                 metadata={"description": "Exact value, e.g. '113/12'."})
    capped = fields.Boolean(required=True)
    group = fields.String(allow_none=True, required=True)
    label = fields.Nested(Bilingual, required=True)
    rule = fields.String(required=True,
                         metadata={"description": "The rule in words (English)."})
    rule_i18n = fields.Nested(Bilingual, required=True)


class Note(Schema):
    code = fields.String(required=True)
    zh = fields.String(required=True)
    en = fields.String(required=True)


class ScoreAnswer(Schema):
    """The JSON answer of a score (component `ScoreResult`): scoring.result.ScoreResult as
    the API sends it."""

    decision_id = fields.String(required=True)
    policy = fields.Nested(PolicyRef, required=True)
    as_of = fields.String(required=True, metadata={"format": "date"})
    round = fields.Integer(allow_none=True, required=True)
    eligible = fields.Boolean(required=True)
    gates = fields.List(fields.Nested(Gate), required=True)
    total = fields.Float(required=True)
    total_exact = fields.String(required=True)
    threshold = fields.Float(required=True)
    threshold_kind = fields.String(required=True, validate=validate.OneOf(["fixed", "quota"]))
    threshold_estimated = fields.Boolean(required=True)
    margin = fields.Float(required=True)
    passes = fields.Boolean(required=True)
    breakdown = fields.List(fields.Nested(Criterion), required=True)
    entitlements = fields.List(fields.String(), required=True)
    notes = fields.List(fields.Nested(Note), required=True)


class Problem(Schema):
    """RFC 9457 problem details; a problem may carry more members than these."""

    class Meta:
        unknown = INCLUDE

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    code = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    request_id = fields.String(allow_none=True)
    city = fields.String(metadata={"description": "The city asked for (unknown or not in force)."})
    versions = fields.List(fields.String(), metadata={"description": "The versions there are."})
    as_of = fields.String(metadata={"description": "The date no version is in force on."})
    revision = fields.String(metadata={"description": "The policy set that still serves."})


class BatchResponse(Schema):
    results = fields.List(fields.Raw(), metadata={
        "description": "In input order: a score result (see ScoreResult), or, for an item "
                       "that could not be scored, a problem (see Problem) with its status "
                       "and field errors."})
    count = fields.Integer()
    failed = fields.Integer()


class PolicyVersion(Schema):
    version = fields.String()
    effective_from = fields.String()
    effective_to = fields.String(allow_none=True)
    sha256 = fields.String()
    published = fields.Boolean()
    withdrawn = fields.Dict(allow_none=True, metadata={
        "description": "null, or {replaced_by, reason}: a correction supersedes this "
                       "version; resolution by date serves the correction, a pinned request "
                       "still gets this one, with a version_withdrawn note."})
    file = fields.String()


class CitySummary(Schema):
    city = fields.String()
    tier = fields.String()
    title = fields.Nested(Bilingual)
    versions = fields.List(fields.Nested(PolicyVersion))


class PolicyList(Schema):
    revision = fields.String()
    cities = fields.List(fields.Nested(CitySummary))


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
    set = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True),
                      load_default=dict, metadata={"example": {"local_knowledge_score": 92}})
    add = fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=dict,
                      metadata={"example": {"housing.owned_months": 12}})
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
        "description": "A city policy document, as YAML or JSON text or as an object."})


class SimulateRequest(Strict):
    city = fields.String(required=True, validate=validate.Length(min=1, max=64))
    as_of = WindowDate(load_default=dt.date.today)
    current_version = fields.String(load_default=None)
    candidate = fields.Nested(Candidate, required=True)
    population = fields.List(fields.Raw(), load_default=None,
                             metadata={"description": "Applicants, as in ScoreRequest."})
    population_csv = fields.String(load_default=None,
                                   metadata={"description": "A CSV: a column per field path."})
    population_ndjson = fields.String(load_default=None)
