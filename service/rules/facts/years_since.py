"""years_since: completed years from a date field to a reference date (0 before it)."""

from __future__ import annotations

import numpy as np

from ..criteria.inputs import as_function
from ..dates import shift_years
from .since import DateFact, check_date_source, source_reads

NAME = "years_since"
TYPE = "integer"
UNIT = "year"
SEARCH = "time"  # what-if: time passing moves it
Params = DateFact

check, reads = check_date_source, source_reads


def inline(f):
    """Completed years (dates.completed_years written out: this runs for every score) as
    one expression over `values` and `dates`, binding the scratch names _s, _d and _n
    (criteria/inputs.py as_function says why). The anniversary not yet reached is
    tested month first, without building (month, day) pairs."""
    earlier = "(_d.month < _s.month or (_d.month == _s.month and _d.day < _s.day))"
    return (f"0 if (_s := values[{f['source']!r}]) is None else "
            f"(_n if (_n := (_d := dates[{f['on']!r}]).year - _s.year - {earlier}) > 0 else 0)")


def compile(f):
    return as_function(inline(f), "values, dates")


def columnar(f, ctx):
    source, on = f["source"], f["on"]

    def years(cols, dates):
        src, day = cols[source], dates[on]
        earlier = (day.month < src["month"]) | ((day.month == src["month"])
                                                & (day.day < src["day"]))
        n = np.maximum(day.year - src["year"] - earlier, 0)
        return np.where(src["null"], 0, n)

    return years


def events(f, start, as_of, years: int) -> set:
    """Each anniversary of the start date from as_of's year on."""
    return {shift_years(start, k) for k in range(as_of.year - start.year,
                                                 as_of.year - start.year + years)}
