"""The closed set of criterion kinds: each module holds its schema, evaluator and rule text.

A kind module defines `Params` (the marshmallow schema of its keys), `amounts(p)`
(the exact point amounts it can produce, so the engine can pick one integer
denominator for the policy), `reads(p)` (the fields and facts it reads),
`compile(p, ctx)` (an evaluator: values -> points in ticks), `shown(p)` (values
-> the input as the breakdown shows it) and `rule(p, ctx)` (the rule in words).
A kind may define `applied(p, ctx)` (values -> the part of the rule that applied,
in words: one row of a table, one band); otherwise the whole rule is shown.
"""

from __future__ import annotations

from . import bands, best_of, flag, lookup, per_item, per_unit

KINDS = {m.NAME: m for m in (per_unit, bands, lookup, flag, per_item, best_of)}
