"""The rules package: what a policy file may say, and what each part of it means.

A leaf: it imports nothing else of the service. `policy/` validates files with it,
`scoring/` evaluates with it.

- `dates`: the calendar arithmetic and the date window every date read obeys.
- `fields`: the marshmallow building blocks of policy-file schemas (exact numbers,
  ISO dates, bilingual text, the base of every criterion).
- `criteria/`: the closed set of criterion kinds, one module each (schema, amounts,
  reads, evaluator, rule text); `criteria.KINDS` is the registry.
"""
