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


def as_function(source: str, params: str = "values"):
    """The function whose body is the Python expression `source` over `params`.

    A kind whose evaluator is one expression gives it as text (its `inline`), so that the
    engine can write every criterion of a policy into one function (engine.py,
    `_evaluator`) without a call per criterion; its `compile` is this function of the
    same text, so that the two cannot differ. The text holds only literals, `values`
    (and `dates` for a fact), builtins, and scratch names starting with `_` that it
    binds with `:=` before reading them.
    """
    return eval(f"lambda {params}: {source}", {})  # noqa: S307 (text the kinds wrote)
