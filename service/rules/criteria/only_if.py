"""only_if: another criterion's points, counted only while a condition on an input holds.

Shanghai's title points, for instance, count only if the insurance base was at least the
average wage in 6 of the last 12 months:

    - id: title
      kind: only_if
      label: {zh: 职称, en: Title}
      condition: {input: insurance_base.ratio_6_of_12, min: 1}
      then: {id: title_points, kind: lookup, label: ..., input: professional_title, ...}

The condition holds when the input has a value and that value is at least `min`, at most
`max` and equal to `equals`, for each of those given. When it does not, the criterion
gives 0 points.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from marshmallow import ValidationError, fields, validates_schema

from ..fields import ByKind, CriterionBase, Exact, StrictSchema
from .text import num, with_cap

NAME = "only_if"
BOUNDED = None  # as bounded as the criterion it wraps: see `bounded`
SEARCH = "category"  # what-if tries the condition's input and the wrapped one together


def _kind(p):
    from . import KINDS

    return KINDS[p["kind"]]


# Filled on first use: the kinds registry imports this module.
_SCHEMAS: dict = {}


class Condition(StrictSchema):
    input = fields.String(required=True)
    min = Exact(load_default=None, allow_none=True)
    max = Exact(load_default=None, allow_none=True)
    equals = fields.Raw(load_default=None, allow_none=True)

    @validates_schema
    def _something(self, data, **kwargs):
        if data.get("min") is None and data.get("max") is None and data.get("equals") is None:
            raise ValidationError("Give at least one of min, max and equals.")
        if data.get("equals") is not None and not isinstance(data["equals"], (str, bool)):
            raise ValidationError("Must be a category or true/false.", "equals")


class Params(CriterionBase):
    condition = fields.Nested(Condition, required=True)
    then = ByKind(_SCHEMAS, required=True)

    def __init__(self, *args, **kwargs):
        if not _SCHEMAS:
            from . import KINDS

            _SCHEMAS.update({name: kind.Params for name, kind in KINDS.items()
                             if name != NAME})
        super().__init__(*args, **kwargs)


def amounts(p):
    return [Fraction(0), *_kind(p["then"]).amounts(p["then"])]


def bounded(p) -> bool:
    inner = _kind(p["then"])
    return inner.BOUNDED if inner.BOUNDED is not None else inner.bounded(p["then"])


def reads(p):
    inner = _kind(p["then"]).reads(p["then"])
    return [p["condition"]["input"], *(n for n in inner if n != p["condition"]["input"])]


def _holds(condition):
    name, low, high, equals = (condition["input"], condition["min"], condition["max"],
                               condition["equals"])

    def holds(values) -> bool:
        value = values[name]
        if value is None:
            return False
        if equals is not None and value != equals:
            return False
        if low is not None and value < low:
            return False
        return high is None or value <= high

    return holds


def compile(p, ctx):
    inner, holds = _kind(p["then"]).compile(p["then"], ctx), _holds(p["condition"])
    return lambda values: inner(values) if holds(values) else 0


def shown(p):
    inner, name = _kind(p["then"]).shown(p["then"]), p["condition"]["input"]
    return lambda values: {"condition": values[name], "then": inner(values)}


def _condition_text(condition, ctx) -> dict:
    label = ctx.label_of(condition["input"])
    zh, en = [], []
    if condition["equals"] is not None:
        said = ctx.value_label(condition["input"], condition["equals"])
        zh.append(said["zh"])
        en.append(said["en"])
    if condition["min"] is not None:
        zh.append(f"{label['zh']}不低于{num(condition['min'])}")
        en.append(f"{label['en']} at least {num(condition['min'])}")
    if condition["max"] is not None:
        zh.append(f"{label['zh']}不高于{num(condition['max'])}")
        en.append(f"{label['en']} at most {num(condition['max'])}")
    return {"zh": "且".join(zh), "en": " and ".join(en)}


def rule(p, ctx):
    inner, when = _kind(p["then"]).rule(p["then"], ctx), _condition_text(p["condition"], ctx)
    return with_cap({"zh": f"{inner['zh']}，仅当{when['zh']}时计分",
                     "en": f"{inner['en']}, only if {when['en']}"}, p["cap"])


def check(p, where, ctx):
    condition = p["condition"]
    numeric = condition["min"] is not None or condition["max"] is not None
    out = ctx.reads_ok(f"{where}.condition.input", [condition["input"]],
                       ctx.NUMERIC if numeric else None)
    then = p["then"]
    return out + ctx.check_criterion(f"{where}.then({then['id']})", then)


def columnar_blocker(p, ctx):
    return _kind(p["then"]).columnar_blocker(p["then"], ctx)


def columnar(p, ctx):
    inner = _kind(p["then"]).columnar(p["then"], ctx)
    condition = p["condition"]
    name, low, high, equals = (condition["input"], condition["min"], condition["max"],
                               condition["equals"])

    def evaluate(cols, facts):
        values = ctx.column(name, cols, facts)
        holds = np.ones(len(values), bool)
        if name in cols:
            holds &= ~cols[name]["null"]
        if equals is not None:
            holds &= values == equals
        if low is not None:
            holds &= values >= float(low)
        if high is not None:
            holds &= values <= float(high)
        return np.where(holds, inner(cols, facts), 0)

    return evaluate
