"""years_since: completed years from a date field to a reference date (0 before it)."""

from __future__ import annotations

import numpy as np

from ..dates import shift_years
from .since import DateFact, check_date_source, source_reads

NAME = "years_since"
TYPE = "integer"
UNIT = "year"
SEARCH = "time"  # what-if: time passing moves it
Params = DateFact

check, reads = check_date_source, source_reads


def compile(f):
    """Completed years, inlined: this runs for every score (age, residence years)."""
    source, on = f["source"], f["on"]

    def years(values, dates):
        start, day = values[source], dates[on]
        if start is None:
            return 0
        n = day.year - start.year - ((day.month, day.day) < (start.month, start.day))
        return n if n > 0 else 0

    return years


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
