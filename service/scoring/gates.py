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
    low, high = _bound(gate["min"]), _bound(gate["max"])

    def in_range(values):
        value = values[name]
        return (low is None or value >= low(values)) and (high is None or value <= high(values))

    return in_range
