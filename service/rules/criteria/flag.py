"""flag: a number of points when a yes/no input is yes."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..fields import Exact, InputCriterion
from .inputs import as_function, shown_input
from .text import num, with_cap

# Whether `amounts` are whole results (so a cap at or above them never binds).
BOUNDED = True
NAME = "flag"


class Params(InputCriterion):
    points = Exact(required=True)


def amounts(p):
    return [Fraction(p["points"])]


def reads(p):
    return [p["input"]]


def inline(p, ctx):
    """The points as one expression (inputs.as_function says why)."""
    ticks = int(Fraction(p["points"]) * ctx.denominator)
    return f"{ticks!r} if values[{p['input']!r}] is True else 0"


def compile(p, ctx):
    return as_function(inline(p, ctx))


shown = shown_input


def rule(p, ctx):
    return with_cap({"zh": f"符合则计{num(p['points'])}分",
                     "en": f"{num(p['points'])} points if yes"}, p["cap"])


# What-if: a yes/no input, tried both ways.
SEARCH = "category"


def check(p, where, ctx):
    return ctx.reads_ok(f"{where}.input", [p["input"]], ("boolean",))


def columnar_blocker(p, ctx):
    return None


def columnar(p, ctx):
    name, ticks = p["input"], ctx.ticks(p["points"])
    return lambda cols, facts: np.where(cols[name]["values"] == True, ticks, 0)  # noqa: E712
