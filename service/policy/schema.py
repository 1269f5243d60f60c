"""The marshmallow schema of tier files and city policy files (structure only).

Cross-references (a criterion reading an undeclared field, overlapping
versions, tier rules) are checked by `checks.py` once the structure is sound.
"""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from service.rules.criteria import KINDS
from service.rules.dates import EARLIEST, LATEST
from service.rules.facts import FACTS
from service.rules.fields import (
    CONFIDENCE,
    ByKind,
    Exact,
    IsoDate,
    NonNegative,
    Provenance,
    StrictSchema,
    bilingual,
)
from service.rules.gates import GATES

FIELD_TYPES = ("date", "integer", "number", "boolean", "enum", "records")
UNITS = ("year", "month", "day", "point", "item", "cny", "ratio")
FIELD_PATH = validate.Regexp(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$",
                       error="Use lower-case words joined by _ and dots.")
ID = validate.Regexp(r"^[a-z][a-z0-9_]*$", error="Use lower-case words joined by _.")


class Source(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1))
    document = fields.String(load_default=None)
    url = fields.String(load_default=None)
    published = IsoDate(load_default=None)


class Rounding(StrictSchema):
    places = fields.Integer(load_default=2, validate=validate.Range(0, 6))
    mode = fields.String(load_default="half_up",
                         validate=validate.OneOf(["half_up", "half_even", "down"]))


class DateRule(StrictSchema):
    year_offset = fields.Integer(load_default=0, validate=validate.Range(-10, 10))
    month = fields.Integer(required=True, validate=validate.Range(1, 12))
    day = fields.Integer(required=True, validate=validate.Range(1, 31))


class HalfYears(StrictSchema):
    first = fields.Nested(DateRule, required=True)   # applications in January to June
    second = fields.Nested(DateRule, required=True)  # applications in July to December


class ReferenceDate(fields.Field):
    """A reference date: one rule (`{year_offset, month, day}`), or one for each half of
    the application's year (`{half_year: {first: rule, second: rule}}`: Tianjin counts
    January-June applications to 31 December before, July-December ones to 30 June)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dict) and "half_year" in value:
            if set(value) != {"half_year"}:
                raise ValidationError("Give half_year alone.")
            return {"half_year": HalfYears().load(value["half_year"])}
        if not isinstance(value, dict):
            raise ValidationError("Must be a mapping.")
        return DateRule().load(value)


class FieldDeclaration(StrictSchema):
    """How a policy file declares one applicant field (loaded into model.FieldSpec)."""

    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    label = bilingual(required=True)
    unit = fields.String(load_default=None, validate=validate.OneOf(UNITS))
    required = fields.Boolean(load_default=True)
    default = fields.Raw(load_default=None, allow_none=True)
    min = Exact(load_default=None)
    max = Exact(load_default=None)
    values = fields.Dict(keys=fields.String(validate=ID), values=bilingual(), load_default=None)
    kinds = fields.Dict(keys=fields.String(validate=ID), values=bilingual(), load_default=None)
    not_before = fields.String(load_default=None)
    at_most = fields.String(load_default=None)
    working_life_of = fields.String(load_default=None)
    help = bilingual(load_default=None)
    accrues = fields.String(load_default=None, validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    accrual_group = fields.String(load_default=None, validate=ID)

    @validates_schema
    def _consistent(self, data, **kwargs):
        kind = data["type"]
        if kind == "enum" and not data["values"]:
            raise ValidationError("An enum field needs `values`.", "values")
        if kind != "enum" and data["values"] is not None:
            raise ValidationError("Only an enum field has `values`.", "values")
        if kind == "records" and not data["kinds"]:
            raise ValidationError("A records field needs `kinds`.", "kinds")
        if kind not in ("integer", "number") and (data["min"] is not None
                                                 or data["max"] is not None):
            raise ValidationError("Only integer and number fields have `min`/`max`.", "min")
        if (data["min"] is not None and data["max"] is not None
                and data["min"] > data["max"]):
            raise ValidationError("`min` is above `max`.", "max")


FACT_KINDS = {name: kind.Params for name, kind in FACTS.items()}
GATE_KINDS = {name: kind.Params for name, kind in GATES.items()}


class Group(StrictSchema):
    id = fields.String(required=True, validate=ID)
    label = bilingual(required=True)
    cap = NonNegative(required=True)


class TieBreak(StrictSchema):
    """One key that orders applicants tied on the total in a quota round (checks.py: a
    declared field or fact of a type that orders)."""

    key = fields.String(required=True, validate=FIELD_PATH)
    order = fields.String(required=True, validate=validate.OneOf(["asc", "desc"]))


class Threshold(Provenance):
    kind = fields.String(required=True, validate=validate.OneOf(["fixed", "quota"]))
    points = Exact(load_default=None)
    # A quota city's pass mark: the published cutoff of the round (an estimate of who is
    # admitted), or none at all (Shenzhen ranks within its quota with no mark: `passes` is
    # null; the published cutoffs still feed drift monitoring).
    pass_mark = fields.String(load_default="cutoff", validate=validate.OneOf(["cutoff",
                                                                              "none"]))
    quota = fields.Integer(load_default=None, validate=validate.Range(min=1))
    expected_applicants = fields.Integer(load_default=None, validate=validate.Range(min=1))
    cutoffs = fields.Dict(keys=fields.Integer(validate=validate.Range(
                              EARLIEST.year, LATEST.year,
                              error=f"Must be a year from {EARLIEST.year} to {LATEST.year}.")),
                          values=Exact(), load_default=None)
    ties = fields.String(load_default="admit_all", validate=validate.OneOf(["admit_all",
                                                                           "tie_break"]))
    # How a round (scoring/rounds.py) treats applicants tied at the line: admit them all
    # (`admit_all`, tie_break empty), or break the tie key by key (`tie_break`, at least
    # one key); checks.py holds the two together.
    tie_break = fields.List(fields.Nested(TieBreak), load_default=list)
    drift_tolerance = NonNegative(load_default=None)

    @validates_schema
    def _by_kind(self, data, **kwargs):
        if data["kind"] == "fixed" and data["points"] is None:
            raise ValidationError("A fixed threshold needs `points`.", "points")
        if data["kind"] == "quota":
            if data["quota"] is None:
                raise ValidationError("A quota threshold needs `quota`.", "quota")
            if not data["cutoffs"] and data["pass_mark"] == "cutoff":
                raise ValidationError("A quota threshold needs published `cutoffs` (or "
                                      "`pass_mark: none`).", "cutoffs")
        if data["kind"] == "fixed" and data["pass_mark"] != "cutoff":
            raise ValidationError("A fixed threshold is its own pass mark.", "pass_mark")


class Entitlement(StrictSchema):
    id = fields.String(required=True, validate=ID)
    min_points = Exact(required=True)
    label = bilingual(required=True)


class Omitted(StrictSchema):
    """An indicator of the official scheme that this file does not score, and why."""

    id = fields.String(required=True, validate=ID)
    label = bilingual(required=True)
    reason = bilingual(required=True)


class Supersedes(StrictSchema):
    """A correction names the published version it replaces and why."""

    version = fields.String(required=True)
    reason = bilingual(required=True)


class CityPolicy(StrictSchema):
    city = fields.String(required=True, validate=ID)
    tier = fields.String(required=True, validate=ID)
    version = fields.String(required=True,
                            validate=validate.Regexp(r"^[0-9A-Za-z][0-9A-Za-z._-]*$"))
    effective_from = IsoDate(required=True)
    effective_to = IsoDate(load_default=None, allow_none=True)
    source = fields.Nested(Source, required=True)
    title = bilingual(required=True)
    notes = fields.String(load_default=None)
    reference_dates = fields.Dict(keys=fields.String(validate=ID),
                                  values=ReferenceDate(), load_default=dict)
    rounding = fields.Nested(Rounding, load_default=lambda: {"places": 2, "mode": "half_up"})
    fields_ = fields.Dict(data_key="fields", keys=fields.String(validate=FIELD_PATH),
                          values=fields.Nested(FieldDeclaration), required=True)
    facts = fields.Dict(keys=fields.String(validate=ID), values=ByKind(FACT_KINDS),
                        load_default=dict)
    gates = fields.List(ByKind(GATE_KINDS), load_default=list)
    groups = fields.List(fields.Nested(Group), load_default=list)
    criteria = fields.List(ByKind({k: m.Params for k, m in KINDS.items()}), load_default=list)
    threshold = fields.Nested(Threshold, required=True)
    entitlements = fields.List(fields.Nested(Entitlement), load_default=list)
    omitted = fields.List(fields.Nested(Omitted), load_default=list)
    # false for a model that no city has enacted (Xi'an: the urbanisation report's model)
    official = fields.Boolean(load_default=True)
    supersedes = fields.Nested(Supersedes, load_default=None, allow_none=True)

    @validates_schema
    def _dates(self, data, **kwargs):
        if data.get("effective_to") and data["effective_to"] < data["effective_from"]:
            raise ValidationError("Ends before it starts.", "effective_to")


class TierDefaults(StrictSchema):
    """What a tier may hand down to its cities; checked again once merged."""

    rounding = fields.Raw(load_default=None)
    reference_dates = fields.Raw(load_default=None)
    fields_ = fields.Raw(data_key="fields", load_default=None)
    facts = fields.Raw(load_default=None)
    gates = fields.Raw(load_default=None)
    groups = fields.Raw(load_default=None)
    criteria = fields.Raw(load_default=None)
    entitlements = fields.Raw(load_default=None)


class Population(StrictSchema):
    min = fields.Integer(required=True, validate=validate.Range(min=0))
    max = fields.Integer(load_default=None, allow_none=True)


class InputLimits(StrictSchema):
    """The service's sanity bounds on numeric input, by unit: a numeric field that sets no
    `max` of its own may not exceed the limit of its `unit`. Not part of the resolved
    policy (nor of its hash): the bounds of the service, not of an official scheme."""

    max = fields.Dict(keys=fields.String(validate=validate.OneOf(UNITS)),
                      values=NonNegative(), required=True)
    source = fields.String(required=True, validate=validate.Length(min=1))
    confidence = fields.String(required=True, validate=validate.OneOf(CONFIDENCE))
    notes = fields.String(load_default=None)


class TierFile(StrictSchema):
    tier = fields.String(required=True, validate=ID)
    title = bilingual(required=True)
    population = fields.Nested(Population, required=True)
    source = fields.Nested(Source, required=True)
    points_system = fields.String(required=True,
                                  validate=validate.OneOf(["required", "allowed", "forbidden"]))
    insurance_condition_max_years = fields.Integer(load_default=None, allow_none=True)
    notes = fields.String(load_default=None)
    defaults = fields.Nested(TierDefaults, load_default=dict)
    input_limits = fields.Nested(InputLimits, load_default=None)
