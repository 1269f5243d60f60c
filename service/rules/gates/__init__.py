"""The closed set of gate kinds (hard conditions: a failed gate makes the applicant
ineligible whatever the points), one module each.

A gate kind module defines `NAME`; `Params` (the schema of its keys); `check(g, where,
ctx)` (cross-checks, as for criteria); `reads(g)`; `compile(g)` (values -> whether it
passes), optionally `inline(g)` (the same as one expression over `values`, or None: see
criteria/inputs.py as_function), and `columnar(g, ctx)` ((cols, facts) -> a boolean
column).
"""

from __future__ import annotations

from . import any_of, flag, range_

GATES = {m.NAME: m for m in (flag, range_, any_of)}
