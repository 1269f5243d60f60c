"""The `applicant` object as JSON Schema: one policy's exactly (GET
/v1/policies/{city}/schema, draft 2020-12), and what every policy's has in common (the
`Applicant` component of the OpenAPI document).

A policy's schema says what policy/applicant.py accepts: the fields the policy declares,
nested by their dotted paths, unknown keys refused at every level; the fields it reads
required; an optional field may be null; numbers within their (effective) bounds; dates
as YYYY-MM-DD within 1900-01-01..2200-12-31; records as lists of {date, kind}. The rules
between fields (no date after the scoring date, a count within working life) are only
described: JSON Schema cannot compare two values.
"""

from __future__ import annotations

from service.policy.applicant import parser_of
from service.policy.model import FieldSpec, Policy
from service.policy.paths import nest

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# 1900-01-01 to 2200-12-31 (service.rules.dates' window); `format: date` checks the day.
DATE_PATTERN = (r"^(19[0-9]{2}|2[01][0-9]{2}|2200)-(0[1-9]|1[0-2])"
                r"-(0[1-9]|[12][0-9]|3[01])$")
DATE_STRING = {"type": "string", "format": "date", "pattern": DATE_PATTERN}


def number(value):
    """A policy's exact figure as a JSON number: whole numbers as integers."""
    return int(value) if value == int(value) else float(value)


def _record(spec: FieldSpec) -> dict:
    return {"type": "object", "required": ["date", "kind"], "additionalProperties": False,
            "properties": {"date": {**DATE_STRING, "description": "Not after the scoring date."},
                           "kind": {"type": "string", "enum": list(spec.kinds)}}}


def _value(spec: FieldSpec) -> dict:
    """The JSON Schema of one field's value (null not allowed)."""
    kind = spec.type
    if kind == "date":
        return dict(DATE_STRING)
    if kind in ("integer", "number"):
        out = {"type": kind}
        if spec.min is not None:
            out["minimum"] = number(spec.min)
        if spec.max is not None:
            out["maximum"] = number(spec.max)
        return out
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "enum":
        return {"type": "string", "enum": list(spec.values)}
    return {"type": "array", "items": _record(spec)}


def _rules(spec: FieldSpec) -> list[str]:
    """The rules between fields, in words (JSON Schema cannot check them)."""
    out = []
    if spec.type == "date":
        out.append("Not after the scoring date.")
    if spec.not_before:
        out.append(f"Not before {spec.not_before}.")
    if spec.at_most:
        out.append(f"At most {spec.at_most}.")
    if spec.working_life_of:
        out.append(f"At most the months since {spec.working_life_of} turned 16.")
    return out


def field_schema(spec: FieldSpec, required: bool) -> dict:
    out = _value(spec)
    if not required:  # an optional field may be sent as null: "not given"
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    out["title"] = spec.label["en"]
    out["x-label"] = spec.label
    if spec.unit:
        out["x-unit"] = spec.unit
    words = ([spec.help["en"]] if spec.help else []) + _rules(spec)
    if words:
        out["description"] = " ".join(words)
    if not required and spec.default is not None:
        out["default"] = spec.default
    return out


def _object(tree: dict, needed: set[str], prefix: str = "") -> tuple[dict, bool]:
    """(the schema of one object level, whether anything in it is required)."""
    properties, required = {}, []
    for name, node in tree.items():
        path = f"{prefix}{name}"
        if isinstance(node, dict):
            inner, must = _object(node, needed, path + ".")
            if not must:  # an absent or null group counts as empty
                inner["type"] = ["object", "null"]
        else:
            must = path in needed
            inner = field_schema(node, must)
        properties[name] = inner
        if must:
            required.append(name)
    return {"type": "object", "properties": properties, "required": required,
            "additionalProperties": False}, bool(required)


def applicant_schema(policy: Policy, url: str) -> dict:
    """The JSON Schema (2020-12) of `policy`'s applicant object; `url` is its `$id`."""
    body, _ = _object(nest(policy.fields), set(parser_of(policy).required))
    return {"$schema": DIALECT, "$id": url,
            "title": f"Applicant: {policy.city} {policy.version}",
            "description": "The `applicant` of a score or what-if request for this policy "
                           "(field paths nest: housing.owned_months is "
                           "{\"housing\": {\"owned_months\": ...}}).",
            **body, "x-policy": policy.ref}


# The OpenAPI document's view of every policy's applicant (OpenAPI 3.0 dialect): any
# field name, and the kinds of value a field can take; the city's own schema is exact.
# Groups are typed two levels deep (every shipped policy's paths are at most
# `group.field`); deeper ones are plain objects. Not recursive: fuzzers and client
# generators cope with that better.
LEAVES = [{"type": "string"}, {"type": "number"}, {"type": "boolean"},
          {"type": "array", "items": {"$ref": "#/components/schemas/ApplicantRecord"}}]
WORDS = ("A date (YYYY-MM-DD) or a category (string), a number, a yes/no, a list of "
         "records, {group}or null for an optional field not given.")
COMPONENTS = {
    "Applicant": {
        "type": "object",
        "description": "The fields the city's policy declares, nested by their dotted paths; "
                       "exactly, per city: GET /v1/policies/{city}/schema.",
        "additionalProperties": {"$ref": "#/components/schemas/ApplicantValue"},
        "example": {"birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
                    "criminal_record": [], "local_knowledge_score": 86}},
    "ApplicantValue": {
        "description": WORDS.format(group="a group of fields (housing.owned_months is "
                                          "{\"housing\": {\"owned_months\": ...}}), "),
        "nullable": True,
        "anyOf": [*LEAVES, {"$ref": "#/components/schemas/ApplicantGroup"}]},
    "ApplicantGroup": {
        "type": "object",
        "description": "A group of fields.",
        "additionalProperties": {"$ref": "#/components/schemas/ApplicantGroupValue"}},
    "ApplicantGroupValue": {
        "description": WORDS.format(group="a further group, "),
        "nullable": True,
        "anyOf": [*LEAVES, {"type": "object", "additionalProperties": True}]},
    "ApplicantRecord": {
        "type": "object", "required": ["date", "kind"], "additionalProperties": False,
        "properties": {"date": {"type": "string", "format": "date"},
                       "kind": {"type": "string", "example": "administrative_detention"}}},
}


def register(spec) -> None:
    """Add COMPONENTS to an apispec document."""
    for name, component in COMPONENTS.items():
        spec.components.schema(name, component)
