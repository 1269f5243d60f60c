"""per_unit: points for every `per` units of an input beyond `start`, whole steps or pro rata."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
from marshmallow import ValidationError, fields, validates_schema

from ..fields import Exact, InputCriterion, NonNegative
from .inputs import as_function, points_upward, shown_input, steady_edges
from .text import num, points_en, unit_en, unit_zh, with_cap

# Whether `amounts` are whole results (so a cap at or above them never binds).
BOUNDED = False
NAME = "per_unit"


class MaxUnits(fields.Field):
    """A bound on the units counted: a number, or `{fact: NAME}`."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dict) and set(value) == {"fact"} and isinstance(value["fact"], str):
            return {"fact": value["fact"]}
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            return {"value": NonNegative()._deserialize(value, attr, data)}
        raise ValidationError("Must be a number or {fact: NAME}.")


class Params(InputCriterion):
    per = Exact(load_default=Decimal(1))
    points = Exact(required=True)
    start = NonNegative(load_default=Decimal(0))
    partial = fields.Boolean(load_default=False)
    max_units = MaxUnits(load_default=None, allow_none=True)

    @validates_schema
    def _per_positive(self, data, **kwargs):
        if data["per"] <= 0:
            raise ValidationError("Must be above zero.", "per")



def amounts(p):
    if p["partial"]:
        return [Fraction(p["points"]) / Fraction(p["per"])]
    return [Fraction(p["points"])]


def reads(p):
    names = [p["input"]]
    if p["max_units"] and "fact" in p["max_units"]:
        names.append(p["max_units"]["fact"])
    return names


def _as_int(value):
    return int(value) if value == int(value) else value


def _steps(p, ctx):
    """(ticks per `per` units, ticks per unit): ints where they are whole ticks."""
    ticks_per_step = Fraction(p["points"]) * ctx.denominator
    step_ticks = int(ticks_per_step) if ticks_per_step.denominator == 1 else ticks_per_step
    per_unit_ticks = ticks_per_step / Fraction(_as_int(p["per"]))
    unit_ticks = int(per_unit_ticks) if per_unit_ticks.denominator == 1 else per_unit_ticks
    return step_ticks, unit_ticks


def inline(p, ctx):
    """The common cases as one expression over `values` (inputs.as_function says why): whole
    units, no start, and no bound or a fact's bound; None for the others."""
    name, per = p["input"], _as_int(p["per"])
    bound = p["max_units"] or {}
    step_ticks, unit_ticks = _steps(p, ctx)
    if (ctx.type_of(name) != "integer" or _as_int(p["start"]) or "value" in bound
            or not isinstance(unit_ticks, int)):
        return None
    if "fact" in bound:
        if p["partial"] or per == 1:
            return f"min(values[{name!r}], values[{bound['fact']!r}]) * {unit_ticks!r}"
        return None
    if not isinstance(per, int):
        return None
    if p["partial"] or per == 1:
        return f"values[{name!r}] * {unit_ticks!r}"
    return f"values[{name!r}] // {per!r} * {step_ticks!r}"


def compile(p, ctx):
    expression = inline(p, ctx)
    if expression is not None:
        return as_function(expression)
    name = p["input"]
    start = _as_int(p["start"])
    per = _as_int(p["per"])
    bound = p["max_units"] or {}
    bound_fact = bound.get("fact")
    bound_value = _as_int(bound["value"]) if "value" in bound else None
    step_ticks, unit_ticks = _steps(p, ctx)

    def evaluate(values):
        value = values[name]
        units = value - start if value > start else 0
        if bound_fact is not None:
            units = min(units, values[bound_fact])
        elif bound_value is not None:
            units = min(units, bound_value)
        if p["partial"]:
            if isinstance(units, int) and isinstance(unit_ticks, int):
                return units * unit_ticks
            return Fraction(units) * Fraction(unit_ticks)
        return int(units // per) * step_ticks

    return evaluate


shown = shown_input


def rule(p, ctx):
    unit = ctx.unit_of(p["input"])
    per, points = p["per"], p["points"]
    each_en = f"{points_en(points)} per {'' if per == 1 else num(per) + ' '}{unit_en(unit, per)}"
    each_zh = f"每{'' if per == 1 else num(per)}{unit_zh(unit) or '单位'}{num(points)}分"
    if p["partial"]:
        each_en += ", pro rata"
        each_zh += "（按比例折算）"
    elif per != 1:
        each_en += ", full steps only"
        each_zh += "（满整数计）"
    if p["start"]:
        each_en += f", counted beyond {num(p['start'])} {unit_en(unit, p['start'])}"
        each_zh += f"，超过{num(p['start'])}{unit_zh(unit)}的部分计分"
    bound = p["max_units"]
    if bound and "value" in bound:
        each_en += f", at most {num(bound['value'])} {unit_en(unit, bound['value'])} counted"
        each_zh += f"，至多计{num(bound['value'])}{unit_zh(unit)}"
    elif bound:
        label = ctx.label_of(bound["fact"])
        each_en += f", at most {label['en']} counted"
        each_zh += f"，至多计{label['zh']}"
    return with_cap({"zh": each_zh, "en": each_en}, p["cap"])


# What-if: the smallest change of the one number this reads.
SEARCH = "number"


edges = steady_edges


upward = points_upward


def check(p, where, ctx):
    """Cross-checks against the rest of the policy: (path, message) pairs."""
    out = ctx.reads_ok(f"{where}.input", [p["input"]], ctx.NUMERIC)
    bound = p["max_units"]
    if bound and "fact" in bound and not ctx.has_fact(bound["fact"]):
        out.append((f"{where}.max_units.fact", f"Unknown fact {bound['fact']!r}."))
    return out


def columnar_blocker(p, ctx):
    """Why this criterion cannot be evaluated over columns (None: it can). Columns hold
    integer ticks: a number input or a step that is not a whole number of ticks goes the
    scalar way."""
    if ctx.field_type(p["input"]) not in (None, "integer"):
        return "per-unit points of a number"
    step = Fraction(p["points"]) * ctx.denominator
    if p["partial"]:
        step /= Fraction(p["per"])
    if step.denominator != 1 or Fraction(p["per"]).denominator != 1 \
            or Fraction(p["start"]).denominator != 1:
        return "fractional ticks"
    return None


def columnar(p, ctx):
    """cols, facts -> ticks per row, as `compile` gives for each row."""
    name, start, bound = p["input"], int(p["start"]), p["max_units"]
    if p["partial"]:
        each, per = int(Fraction(p["points"]) * ctx.denominator / Fraction(p["per"])), 1
    else:
        each, per = ctx.ticks(p["points"]), int(p["per"])

    def evaluate(cols, facts):
        units = np.maximum(ctx.column(name, cols, facts).astype(np.int64) - start, 0)
        if bound and "fact" in bound:
            units = np.minimum(units, facts[bound["fact"]])
        elif bound:
            units = np.minimum(units, int(bound["value"]))
        return units // per * each

    return evaluate
