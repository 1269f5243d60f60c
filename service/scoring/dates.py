"""Calendar arithmetic for derived facts: completed years and months, reference dates."""

from __future__ import annotations

import datetime as dt


def completed_years(start: dt.date, on: dt.date) -> int:
    """Whole years from start to on; a 29 February anniversary falls on 1 March."""
    years = on.year - start.year - ((on.month, on.day) < (start.month, start.day))
    return max(years, 0)


def completed_months(start: dt.date, on: dt.date) -> int:
    """Whole months from start to on (0 when on is before start)."""
    months = (on.year - start.year) * 12 + on.month - start.month - (on.day < start.day)
    return max(months, 0)


def shift_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later (or earlier); 29 February becomes 1 March."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, month=3, day=1)


def reference_date(as_of: dt.date, rule: dict) -> dt.date:
    """A named reference date of a policy, e.g. 31 December of the year before as_of."""
    year = as_of.year + rule["year_offset"]
    day = rule["day"]
    while True:
        try:
            return dt.date(year, rule["month"], day)
        except ValueError:  # 31 in a 30-day month: the month's last day
            day -= 1
