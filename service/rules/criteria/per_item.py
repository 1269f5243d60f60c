"""per_item: points for each counted item (awards, offences); negative for deductions."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..fields import Exact, InputCriterion
from .inputs import as_function, check_numeric_input, points_upward, shown_input, steady_edges
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


def _each(p, ctx):
    ticks = Fraction(p["points"]) * ctx.denominator
    return int(ticks) if ticks.denominator == 1 else ticks


def inline(p, ctx):
    """A whole count times whole ticks, as one expression (inputs.as_function says why);
    None for a number input or fractional ticks."""
    name, each = p["input"], _each(p, ctx)
    if ctx.type_of(name) != "integer" or not isinstance(each, int):
        return None
    return f"values[{name!r}] * {each!r}"


def compile(p, ctx):
    expression = inline(p, ctx)
    if expression is not None:
        return as_function(expression)
    name, each = p["input"], _each(p, ctx)

    def evaluate(values):
        value = values[name]
        if isinstance(value, int):
            return value * each
        return Fraction(value) * Fraction(each)

    return evaluate


shown = shown_input


def rule(p, ctx):
    return with_cap({"zh": f"每项{num(p['points'])}分", "en": f"{num(p['points'])} points each"},
                    p["cap"])


# What-if: the smallest change of the one number this reads.
SEARCH = "number"


edges = steady_edges


upward = points_upward


check = check_numeric_input


def columnar_blocker(p, ctx):
    if ctx.field_type(p["input"]) not in (None, "integer"):
        return "per-item points of a number"
    if (Fraction(p["points"]) * ctx.denominator).denominator != 1:
        return "fractional ticks"
    return None


def columnar(p, ctx):
    name, each = p["input"], ctx.ticks(p["points"])
    return lambda cols, facts: ctx.column(name, cols, facts).astype(np.int64) * each
