"""per_item: points for each counted item (awards, offences); negative for deductions."""

from __future__ import annotations

from fractions import Fraction

from ..fields import Exact, InputCriterion
from .text import num, with_cap

# Whether `amounts` are whole results (so a cap at or above them never binds).
BOUNDED = False
NAME = "per_item"


class Params(InputCriterion):
    points = Exact(required=True)


def amounts(p):
    return [Fraction(p["points"])]


def reads(p):
    return [p["input"]]


def compile(p, ctx):
    name = p["input"]
    ticks = Fraction(p["points"]) * ctx.denominator
    each = int(ticks) if ticks.denominator == 1 else ticks

    def evaluate(values):
        value = values[name]
        if isinstance(value, int):
            return value * each
        return Fraction(value) * Fraction(each)

    return evaluate


def shown(p):
    name = p["input"]
    return lambda values: values[name]


def rule(p, ctx):
    return with_cap({"zh": f"每项{num(p['points'])}分", "en": f"{num(p['points'])} points each"},
                    p["cap"])
