"""Pieces of the kind interface that every kind reading one input number shares (each
kind module binds them under the interface's names: `shown = shown_input`, ...)."""

from __future__ import annotations


def shown_input(p):
    """values -> the input as the breakdown shows it: the one field or fact read."""
    name = p["input"]
    return lambda values: values[name]


def steady_edges(p, integer: bool):
    """What-if: None, the points change steadily, so the search bisects in the direction
    `upward` gives."""
    return None


def points_upward(p) -> bool:
    """What-if: whether more of the input gives more points (a deduction gives fewer)."""
    return p["points"] > 0


def check_numeric_input(p, where, ctx):
    """The one input is a declared number field or fact."""
    return ctx.reads_ok(f"{where}.input", [p["input"]], ctx.NUMERIC)
