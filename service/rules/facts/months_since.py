"""months_since: completed months from a date field to a reference date (0 before it)."""

from __future__ import annotations

import numpy as np

from ..dates import completed_months, month_anniversary
from .since import DateFact, check_date_source, source_reads

NAME = "months_since"
TYPE = "integer"
UNIT = "month"
SEARCH = "time"
Params = DateFact

check, reads = check_date_source, source_reads


def compile(f):
    source, on = f["source"], f["on"]

    def since(values, dates):
        start = values[source]
        return 0 if start is None else completed_months(start, dates[on])

    return since


def columnar(f, ctx):
    source, on = f["source"], f["on"]

    def months(cols, dates):
        src, day = cols[source], dates[on]
        n = np.maximum((day.year - src["year"]) * 12 + day.month - src["month"]
                       - (day.day < src["day"]), 0)
        return np.where(src["null"], 0, n)

    return months


def events(f, start, as_of, years: int) -> set:
    """Each monthly anniversary of the start date over the years."""
    first = completed_months(start, as_of)
    return {month_anniversary(start, first + k) for k in range(12 * years + 1)}
