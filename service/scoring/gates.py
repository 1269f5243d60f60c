"""Gates: hard conditions that make an applicant ineligible whatever the points."""

from __future__ import annotations

from decimal import Decimal


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


def compile_gate(gate: dict):
    """An evaluator: values -> whether the gate passes."""
    name = gate["input"]
    if gate["kind"] == "flag":
        expected = gate["expect"]
        return lambda values: values[name] is expected
    constant = [b is None or "by" not in b for b in (gate["min"], gate["max"])]
    if all(constant):
        lo = None if gate["min"] is None else _number(gate["min"]["value"])
        hi = None if gate["max"] is None else _number(gate["max"]["value"])
        if hi is None:
            return lambda values: values[name] >= lo
        if lo is None:
            return lambda values: values[name] <= hi
        return lambda values: lo <= values[name] <= hi
    low, high = _bound(gate["min"]), _bound(gate["max"])

    def in_range(values):
        value = values[name]
        return (low is None or value >= low(values)) and (high is None or value <= high(values))

    return in_range
