"""The closed set of criterion kinds: each module holds everything about its kind.

A kind module defines:
- `NAME`, and `Params`: the marshmallow schema of its keys in a policy file;
- `check(p, where, ctx)`: its cross-checks against the rest of the policy, as (path,
  message) pairs (ctx: service/policy/checks.py CriterionChecks);
- `amounts(p)`: the exact point amounts it can produce (the engine picks one integer
  denominator for the policy), and `BOUNDED` (or `bounded(p)`): whether they are whole
  results, so that a cap at or above them never binds;
- `reads(p)`: the fields and facts it reads;
- `compile(p, ctx)`: the exact scalar evaluator, values -> points in ticks; and optionally
  `inline(p, ctx)`: that evaluator as one Python expression over `values`, or None (the
  engine writes it into the policy's one evaluating function: inputs.as_function);
- `columnar_blocker(p, ctx)` and `columnar(p, ctx)`: why it cannot be evaluated over
  NumPy columns (None when it can), and that evaluator, (cols, facts) -> ticks per row
  (ctx: service/scoring/vector.py VectorPolicy);
- `SEARCH` ("number" or "category"), and for "number" `edges(p, integer)` and
  `upward(p)`: how what-if finds the smallest change of its input;
- `shown(p)` (values -> the input as the breakdown shows it), `rule(p, ctx)` (the rule in
  zh and en) and optionally `applied(p, ctx)` (the part of the rule that applied).

Adding a kind is one module here and one entry in KINDS.
"""

from __future__ import annotations

from . import bands, best_of, flag, lookup, only_if, per_item, per_unit, per_unit_tiers

KINDS = {m.NAME: m for m in (per_unit, per_unit_tiers, bands, lookup, flag, per_item, best_of,
                              only_if)}
