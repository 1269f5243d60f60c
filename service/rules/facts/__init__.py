"""The closed set of fact kinds (values derived from the application at a reference
date: age, years or months since a date, records counted, a table lookup, the first
of several fields given), one module
each.

A fact kind module defines `NAME`; `TYPE` (the type a criterion or gate reading it sees) and `UNIT`;
`Params` (the schema of its keys); `check(name, f, where, ctx)` (cross-checks); `reads(f)`
(the fields it derives from); `compile(f)` ((values, dates) -> value), optionally
`inline(f)` (the same as one expression over `values` and `dates`, or None: see
criteria/inputs.py as_function); `columnar(f, ctx)`
((cols, dates) -> a column); and for what-if, `SEARCH` ("time", "record" or None: which
kind of change moves it) and `events(f, source, as_of, years)` (the dates within `years`
on which it can change for this source value).
"""

from __future__ import annotations

from . import age, count, first_given, lookup, months_since, years_since

FACTS = {m.NAME: m for m in (age, years_since, months_since, count, lookup, first_given)}
