"""What the policy reads answer (GET /v1/policies, /{city}, /{city}/diff,
/{city}/schema), as the OpenAPI document shows it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.policy.diff import KEYED, MAPPED, WHOLE_KEYS
from service.policy.schema import FIELD_TYPES, UNITS

from .answers import DATE_FORMAT, Bilingual, PolicyRef, nullable_enum, nullable_nested

OBJECT = {"description": "As written in the policy file (policies/README.md)."}


class Withdrawal(Schema):
    replaced_by = fields.String(required=True, metadata={"example": "2017.2"})
    reason = fields.Nested(Bilingual, required=True)


WITHDRAWN = ("null, or the correction that supersedes this version: resolution by date "
             "serves the correction, a pinned request still gets this one, with a "
             "version_withdrawn note.")


class PolicyVersion(Schema):
    version = fields.String(required=True, metadata={"example": "2024.1"})
    effective_from = fields.String(required=True, metadata=DATE_FORMAT)
    effective_to = fields.String(required=True, allow_none=True, metadata=DATE_FORMAT)
    sha256 = fields.String(required=True)
    published = fields.Boolean(required=True, metadata={
        "description": "Its hash is the one recorded in published.yaml."})
    withdrawn = nullable_nested(Withdrawal, description=WITHDRAWN)
    file = fields.String(required=True, metadata={"example": "cities/xian/2024.1.yaml"})


class CitySummary(Schema):
    city = fields.String(required=True, metadata={"example": "xian"})
    tier = fields.String(required=True)
    title = fields.Nested(Bilingual, required=True)
    versions = fields.List(fields.Nested(PolicyVersion), required=True)


class PolicyList(Schema):
    revision = fields.String(required=True, metadata={
        "description": "The policy set served (as in X-Policy-Revision)."})
    cities = fields.List(fields.Nested(CitySummary), required=True)


class Choice(Schema):
    value = fields.String(required=True, metadata={"example": "bachelor"})
    label = fields.Nested(Bilingual, required=True)


class FormField(Schema):
    """One input the policy reads: what a form must ask, and how."""

    path = fields.String(required=True, metadata={
        "description": "Dotted path into `applicant`: housing.owned_months is "
                       "{\"housing\": {\"owned_months\": ...}}.",
        "example": "local_knowledge_score"})
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES), metadata={
        "description": "date: YYYY-MM-DD; records: a list of {date, kind}."})
    label = fields.Nested(Bilingual, required=True)
    unit = nullable_enum(UNITS)
    required = fields.Boolean(required=True)
    default = fields.Raw(required=True, allow_none=True,
                         metadata={"description": "What an absent optional field counts as."})
    min = fields.Float(metadata={"description": "Numbers only."})
    max = fields.Float(metadata={"description": "Numbers only: the policy's, or its tier's "
                                                "input limit."})
    values = fields.List(fields.Nested(Choice), metadata={"description": "Enums only."})
    kinds = fields.List(fields.Nested(Choice), metadata={"description": "Records only."})
    help = fields.Nested(Bilingual)


class PolicyDetail(Schema):
    policy = fields.Nested(PolicyRef, required=True)
    published = fields.Boolean(required=True)
    withdrawn = nullable_nested(Withdrawal, description=WITHDRAWN)
    required = fields.List(fields.String(), required=True,
                           metadata={"description": "The field paths an application must give."})
    form = fields.List(fields.Nested(FormField), required=True, metadata={
        "description": "The inputs the policy reads, in declaration order (as a JSON Schema: "
                       "GET /v1/policies/{city}/schema)."})
    document = fields.Dict(required=True, metadata={
        "description": "The resolved policy (tier merged with the city file) as written; "
                       "the format is policies/README.md."})


class EntryChange(Schema):
    id = fields.String(required=True)
    old = fields.Raw(required=True, allow_none=True)
    new = fields.Raw(required=True, allow_none=True)
    keys = fields.List(fields.String(), required=True,
                       metadata={"description": "The keys of the entry that differ."})


class EntriesDiff(Schema):
    """Criteria, gates, groups or entitlements: entries matched by id."""

    added = fields.List(fields.Dict(metadata=OBJECT), required=True)
    removed = fields.List(fields.Dict(metadata=OBJECT), required=True)
    changed = fields.List(fields.Nested(EntryChange), required=True)


class NamesDiff(Schema):
    """Fields, facts or reference dates: entries matched by name."""

    added = fields.List(fields.String(), required=True)
    removed = fields.List(fields.String(), required=True)
    changed = fields.List(fields.Nested(EntryChange), required=True)


class ValueChange(Schema):
    old = fields.Raw(required=True, allow_none=True)
    new = fields.Raw(required=True, allow_none=True)


PlainChanges = Schema.from_dict({key: fields.Nested(ValueChange) for key in WHOLE_KEYS},
                                name="PlainChanges")


def _diff_fields() -> dict:
    """service/policy/diff.py's answer, section by section."""
    out = {"city": fields.String(required=True),
           "from_": fields.Nested(PolicyRef, required=True, data_key="from"),
           "to": fields.Nested(PolicyRef, required=True)}
    for key in KEYED:
        out[f"{key}_"] = fields.Nested(EntriesDiff, required=True, data_key=key)
    for key in MAPPED:
        out[f"{key}_"] = fields.Nested(NamesDiff, required=True, data_key=key)
    out["changed"] = fields.Nested(PlainChanges, required=True, metadata={
        "description": "The top-level settings that differ, each with its old and new value."})
    out["identical"] = fields.Boolean(required=True, metadata={"description": "Same SHA-256."})
    return out


PolicyDiff = Schema.from_dict(_diff_fields(), name="PolicyDiff")


class ApplicantSchemaAnswer(Schema):
    """A JSON Schema (draft 2020-12) of one policy's `applicant` object."""

    schema_ = fields.String(required=True, data_key="$schema",
                            validate=validate.Equal("https://json-schema.org/draft/2020-12/schema"))
    id_ = fields.String(required=True, data_key="$id",
                        metadata={"example": "/v1/policies/xian/schema?version=2024.1"})
    title = fields.String(required=True, metadata={"example": "Applicant: xian 2024.1"})
    description = fields.String(required=True)
    type = fields.String(required=True, validate=validate.Equal("object"))
    properties = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True,
                             metadata={"description": "A JSON Schema per field or group."})
    required = fields.List(fields.String(), required=True)
    additionalProperties = fields.Boolean(required=True, validate=validate.Equal(False))
    x_policy = fields.Nested(PolicyRef, required=True, data_key="x-policy")
