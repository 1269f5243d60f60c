"""age: completed years from the birth date to a reference date; years_since by another
name, so that a policy says what it means."""

from __future__ import annotations

from .years_since import SEARCH, TYPE, UNIT, Params, check, columnar, compile, events, inline, reads

NAME = "age"
__all__ = ["NAME", "TYPE", "UNIT", "SEARCH", "Params", "check", "reads", "inline", "compile",
           "columnar", "events"]
