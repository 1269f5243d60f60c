"""Calendar arithmetic for derived facts: completed years and months, reference dates.

Every date the service reads lies in the window EARLIEST..LATEST (1900-01-01 to
2200-12-31). The arithmetic here moves a date by at most a few decades (the
path's horizon is at most 30 years, a reference date at most 10 years, a count's
window at most 100 years), so on a date inside the window it stays far inside
Python's years 1..9999 and cannot overflow.
"""

from __future__ import annotations

import datetime as dt
import re
from calendar import monthrange

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2200, 12, 31)
OUTSIDE_WINDOW = f"Must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}."
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date(text) -> dt.date | None:
    """A date written exactly as 'YYYY-MM-DD' in ASCII digits, or None for anything else
    (other ISO forms such as '2020-W01-1', signs, spaces, other digits, invalid days)."""
    if type(text) is not str or len(text) != 10 or _ISO_DATE.fullmatch(text) is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def in_window(day: dt.date) -> bool:
    """Whether a date lies in the window the service accepts (EARLIEST..LATEST)."""
    return EARLIEST <= day <= LATEST


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
    """A named reference date of a policy, e.g. 31 December of the year before as_of; with
    `half_year`, the rule of the half of the year as_of falls in."""
    if "half_year" in rule:
        rule = rule["half_year"]["first" if as_of.month <= 6 else "second"]
    year = as_of.year + rule["year_offset"]
    day = rule["day"]
    while True:
        try:
            return dt.date(year, rule["month"], day)
        except ValueError:  # 31 in a 30-day month: the month's last day
            day -= 1


def month_anniversary(start: dt.date, months: int) -> dt.date:
    """The first day on which `months` whole months have passed since start."""
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    month += 1
    if start.day <= monthrange(year, month)[1]:
        return dt.date(year, month, start.day)
    return dt.date(year + month // 12, month % 12 + 1, 1)
