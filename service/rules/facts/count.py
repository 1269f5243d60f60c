"""count: the records of some kinds dated up to a reference date, all of them or those
within a window of years (a natural-year window counts from 1 January)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from marshmallow import fields, validate

from ..criteria.inputs import as_function
from ..dates import shift_years
from .since import DateFact, Window, check_source, source_reads

NAME = "count"
TYPE = "integer"
UNIT = "item"
SEARCH = "record"  # what-if: a record added or ageing out of its window moves it


class Params(DateFact):
    kinds = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    within = fields.Nested(Window, load_default=None)


reads = source_reads


def check(name, f, where, ctx):
    out = check_source(f, where, ctx, "records")
    source = ctx.specs.get(f["source"])
    if source is not None and source["type"] == "records":
        unknown = [k for k in f["kinds"] if k not in source["kinds"]]
        if unknown:
            out.append((f"{where}.kinds", f"Unknown record kinds {unknown}; "
                        f"{f['source']!r} has {sorted(source['kinds'])}."))
    return out



def inline(f):
    """The count as one expression over `values` and `dates` (criteria/inputs.py
    as_function says why), for no window or a natural-year one; None for the others."""
    window = f["within"]
    if window is not None and not window["natural"]:
        return None
    records, on = f"values[{f['source']!r}]", f"dates[{f['on']!r}]"
    kinds = "{" + ", ".join(repr(k) for k in sorted(set(f["kinds"]))) + "}"
    test = f"r['kind'] in {kinds} and r['date'] <= {on}"
    if window is not None:
        test = f"r['kind'] in {kinds} and {on}.year - {window['years'] - 1!r} <= " \
               f"r['date'].year and r['date'] <= {on}"
    return f"0 if not {records} else sum(1 for r in {records} if {test})"


def compile(f):
    expression = inline(f)
    if expression is not None:
        return as_function(expression, "values, dates")
    # A window of whole years back from the reference date.
    source, kinds, on, years = f["source"], frozenset(f["kinds"]), f["on"], f["within"]["years"]

    def count(values, dates):
        if not values[source]:
            return 0
        day = dates[on]
        after = shift_years(day, -years)
        return sum(1 for r in values[source]
                   if r["kind"] in kinds and after < r["date"] <= day)

    return count


def columnar(f, ctx):
    """Not columnar over records (a list per row): each row that has records is counted
    by the scalar evaluator, the others are 0."""
    source, scalar = f["source"], compile(f)

    def count(cols, dates):
        column = cols[source]
        records = column["records"]
        counted = np.zeros(len(records), np.int64)
        for i in np.flatnonzero(column["listed"]).tolist():  # the rows whose cell lists any
            counted[i] = scalar({source: records[i]}, dates)
        return counted

    return count


def events(f, records, as_of, years: int) -> set:
    """The day each record leaves the window, and the day after."""
    if not f["within"]:
        return set()
    out: set[dt.date] = set()
    for record in records:
        leaves = shift_years(record["date"], f["within"]["years"])
        out.update((leaves, leaves + dt.timedelta(days=1)))
    return out
