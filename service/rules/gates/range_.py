"""range gate: a number (or a fact such as age) must lie within `min` and `max`, each a
constant or one per value of an enum field (an age limit that depends on gender)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from marshmallow import ValidationError, fields, validates_schema

from ..criteria.inputs import as_function
from ..fields import Exact, StrictSchema
from .base import InputGate

NAME = "range"


class ByField(StrictSchema):
    by = fields.String(required=True)
    values = fields.Dict(keys=fields.String(), values=Exact(), required=True)


class Bound(fields.Field):
    """A bound: a number, or `{by: FIELD, values: {...}}`."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dict):
            return ByField().load(value)
        return {"value": Exact()._deserialize(value, attr, data)}


class Params(InputGate):
    min = Bound(load_default=None)
    max = Bound(load_default=None)

    @validates_schema
    def _some_bound(self, data, **kwargs):
        if data["min"] is None and data["max"] is None:
            raise ValidationError("A range gate needs `min` or `max`.", "min")


def check(g, where, ctx):
    out = ctx.reads_ok(f"{where}.input", [g["input"]], ctx.NUMERIC)
    for side in ("min", "max"):
        bound = g.get(side)
        if not bound or "by" not in bound:
            continue
        values = ctx.enum_values(bound["by"])
        if values is None:
            out.append((f"{where}.{side}.by", f"{bound['by']!r} is not an enum field."))
        elif set(bound["values"]) != set(values):
            out.append((f"{where}.{side}.values",
                        f"Give a bound for each value of {bound['by']!r}: "
                        f"{', '.join(sorted(values))}."))
    return out


def reads(g):
    return [g["input"], *(b["by"] for b in (g["min"], g["max"])
                          if isinstance(b, dict) and "by" in b)]


def _number(value: Decimal):
    return int(value) if value == int(value) else value


def _bound(bound):
    """A bound as a function of the values: a constant, or one per value of an enum field."""
    if bound is None:
        return None
    if "by" not in bound:
        constant = _number(bound["value"])
        return lambda values: constant
    field, table = bound["by"], {k: _number(v) for k, v in bound["values"].items()}
    return lambda values: table[values[field]]


def _literal(bound):
    """A bound as Python text: a whole number, or a dict display of whole numbers by the
    enum field's value, indexed by that value; None when a number is not whole."""
    if bound is None:
        return None
    if "by" not in bound:
        value = _number(bound["value"])
        return repr(value) if isinstance(value, int) else None
    table = {k: _number(v) for k, v in bound["values"].items()}
    if not all(isinstance(v, int) for v in table.values()):
        return None
    return f"{table!r}[values[{bound['by']!r}]]"


def inline(g):
    """Whether it passes, as one expression with the comparisons of `compile` in its order
    (criteria/inputs.py as_function says why); None for a bound not a whole number."""
    value = f"values[{g['input']!r}]"
    lo, hi = _literal(g["min"]), _literal(g["max"])
    if (lo is None and g["min"] is not None) or (hi is None and g["max"] is not None):
        return None
    constant = all(b is None or "by" not in b for b in (g["min"], g["max"]))
    if hi is None:
        return f"{value} >= {lo}"
    if lo is None:
        return f"{value} <= {hi}"
    if constant:
        return f"{lo} <= {value} <= {hi}"
    return f"{value} >= {lo} and {value} <= {hi}"


def compile(g):
    expression = inline(g)
    if expression is not None:
        return as_function(expression)
    name = g["input"]
    if all(b is None or "by" not in b for b in (g["min"], g["max"])):
        lo = None if g["min"] is None else _number(g["min"]["value"])
        hi = None if g["max"] is None else _number(g["max"]["value"])
        if hi is None:
            return lambda values: values[name] >= lo
        if lo is None:
            return lambda values: values[name] <= hi
        return lambda values: lo <= values[name] <= hi
    low, high = _bound(g["min"]), _bound(g["max"])

    def in_range(values):
        value = values[name]
        return (low is None or value >= low(values)) and (high is None or value <= high(values))

    return in_range


def columnar(g, ctx):
    name = g["input"]
    sides = [(g[side], test) for side, test in (("min", np.greater_equal),
                                                 ("max", np.less_equal)) if g[side] is not None]

    def evaluate(cols, facts):
        v = ctx.column(name, cols, facts)
        passed = np.ones(len(v), bool)
        for bound, test in sides:
            if "by" in bound and "codes" in cols[bound["by"]]:  # an enum read by arrow
                by = cols[bound["by"]]
                limit = np.array([float(bound["values"].get(choice, 0))
                                  for choice in by["choices"]])[by["codes"]]
            elif "by" in bound:
                by = cols[bound["by"]]["values"]
                limit = np.zeros(len(v))
                for key, value in bound["values"].items():
                    limit = np.where(by == key, float(value), limit)
            else:
                limit = float(bound["value"])
            passed &= test(v, limit)
        return passed

    return evaluate
