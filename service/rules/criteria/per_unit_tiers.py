"""per_unit_tiers: points per unit at a rate that changes after a number of units, each
unit scored at the rate of the tier it falls in, pro rata; nothing below `min_units`.

Tianjin's social insurance: 22 points a year for months 1 to 36, 28 a year from month 37,
counted by the month, and nothing under 12 months:

    - id: social_insurance
      kind: per_unit_tiers
      input: social_insurance_months
      per: 12                       # the rates are per 12 units (a year of months)
      min_units: 12
      tiers: [{from: 0, points: 22}, {from: 36, points: 28}]

48 months give 36 x 22/12 + 12 x 28/12 = 66 + 28 = 94, kept exact.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
from marshmallow import ValidationError, fields, validate, validates_schema

from ..fields import Exact, InputCriterion, NonNegative, StrictSchema
from .inputs import check_numeric_input, shown_input, steady_edges
from .text import num, unit_en, unit_zh, with_cap

NAME = "per_unit_tiers"
BOUNDED = False
SEARCH = "number"


class Tier(StrictSchema):
    start = NonNegative(data_key="from", required=True)
    points = Exact(required=True)


class Params(InputCriterion):
    per = Exact(load_default=Decimal(1))
    min_units = NonNegative(load_default=Decimal(0))
    tiers = fields.List(fields.Nested(Tier), required=True, validate=validate.Length(min=1))

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data["per"] <= 0:
            raise ValidationError("Must be above zero.", "per")
        starts = [t["start"] for t in data["tiers"]]
        if starts[0] != 0:
            raise ValidationError("The first tier starts from 0.", "tiers")
        if any(b <= a for a, b in zip(starts, starts[1:])):
            raise ValidationError("Tiers start at increasing numbers of units.", "tiers")


def _rates(p) -> list[tuple[Fraction, Fraction | None, Fraction]]:
    """(first unit, end or None, points per unit) of each tier."""
    starts = [Fraction(t["start"]) for t in p["tiers"]]
    ends = starts[1:] + [None]
    per = Fraction(p["per"])
    return [(s, e, Fraction(t["points"]) / per) for s, e, t in zip(starts, ends, p["tiers"])]


def amounts(p):
    return [rate for _, _, rate in _rates(p)]


def reads(p):
    return [p["input"]]


def _points(rates, units) -> Fraction:
    total = Fraction(0)
    for start, end, rate in rates:
        if units <= start:
            break
        top = units if end is None or units < end else end
        total += (top - start) * rate
    return total


def compile(p, ctx):
    name, floor = p["input"], Fraction(p["min_units"])
    rates = [(s, e, r * ctx.denominator) for s, e, r in _rates(p)]

    def evaluate(values):
        units = Fraction(values[name])
        if units < floor or units <= 0:
            return 0
        ticks = _points(rates, units)
        return int(ticks) if ticks.denominator == 1 else ticks

    return evaluate


shown = shown_input


def rule(p, ctx):
    unit = ctx.unit_of(p["input"])
    per = p["per"]
    zh_parts, en_parts = [], []
    for tier in p["tiers"]:
        rate_en = f"{num(tier['points'])} per {'' if per == 1 else num(per) + ' '}" \
                  f"{unit_en(unit, per)}"
        each = "" if per == 1 else num(per)
        rate_zh = f"每{each}{unit_zh(unit) or '单位'}{num(tier['points'])}分"
        if tier["start"]:
            en_parts.append(f"{rate_en} beyond {num(tier['start'])}")
            zh_parts.append(f"超过{num(tier['start'])}{unit_zh(unit)}的部分{rate_zh}")
        else:
            en_parts.append(rate_en)
            zh_parts.append(rate_zh)
    en, zh = "; ".join(en_parts) + ", pro rata", "；".join(zh_parts) + "（按比例折算）"
    if p["min_units"]:
        en += f"; nothing under {num(p['min_units'])} {unit_en(unit, p['min_units'])}"
        zh += f"；不足{num(p['min_units'])}{unit_zh(unit)}不计分"
    return with_cap({"zh": zh, "en": en}, p["cap"])


check = check_numeric_input


edges = steady_edges  # more units never give fewer points: bisect


def upward(p) -> bool:
    return all(t["points"] >= 0 for t in p["tiers"])


def columnar_blocker(p, ctx):
    if ctx.field_type(p["input"]) not in (None, "integer"):
        return "tiered points of a number"
    if any((rate * ctx.denominator).denominator != 1 for _, _, rate in _rates(p)):
        return "fractional ticks"
    if any(s.denominator != 1 for s, _, _ in _rates(p)) or \
            Fraction(p["min_units"]).denominator != 1:
        return "fractional tier bounds"
    return None


def columnar(p, ctx):
    name, floor = p["input"], int(p["min_units"])
    rates = [(int(s), None if e is None else int(e), int(r * ctx.denominator))
             for s, e, r in _rates(p)]

    def evaluate(cols, facts):
        units = ctx.column(name, cols, facts).astype(np.int64)
        out = np.zeros(len(units), np.int64)
        for start, end, rate in rates:
            top = units if end is None else np.minimum(units, end)
            out += np.maximum(top - start, 0) * rate
        return np.where((units < floor) | (units <= 0), 0, out)

    return evaluate
