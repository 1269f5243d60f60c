"""flag gate: a yes/no input must be as expected (holds a residence permit; no serious
crime)."""

from __future__ import annotations

from marshmallow import fields

from ..criteria.inputs import as_function
from .base import InputGate

NAME = "flag"


class Params(InputGate):
    expect = fields.Boolean(load_default=True)


def check(g, where, ctx):
    return ctx.reads_ok(f"{where}.input", [g["input"]], ("boolean",))


def reads(g):
    return [g["input"]]


def inline(g):
    """Whether it passes, as one expression (criteria/inputs.py as_function says why)."""
    return f"values[{g['input']!r}] is {g['expect']!r}"


def compile(g):
    return as_function(inline(g))


def columnar(g, ctx):
    name, expected = g["input"], g["expect"]
    return lambda cols, facts: ctx.column(name, cols, facts) == expected
