"""Score distributions in fixed bins: what the store keeps per city, version and hour.

Bins are BIN_WIDTH points wide and aligned on multiples of it, so every
worker, instance and reference window adds up bin by bin. Nothing about an
applicant is kept: counts, the sum of totals, passes and ineligible counts.

Every value is bounded so that it fits a Redis integer and a JSON number: a total
beyond MAX_ABS_TOTAL points (or not finite) is refused, and the bins cover
[LOWEST_POINTS, HIGHEST_POINTS) only, a total outside that span falling into the
first or the last bin, so that no total can create a huge bin index or an unbounded
number of bins. The sum of totals stays exact whatever bin a total falls into.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

BIN_WIDTH = 0.5
LOWEST_POINTS, HIGHEST_POINTS = -10_000, 10_000
MIN_BIN = math.floor(LOWEST_POINTS / BIN_WIDTH)        # holds every total below its top edge
MAX_BIN = math.floor(HIGHEST_POINTS / BIN_WIDTH) - 1   # holds every total from its low edge up
MAX_ABS_TOTAL = 1e9      # points: a total beyond this (either sign) is refused as not sane
MAX_COUNT = 10**12       # the largest count an uploaded histogram may carry, in all or per bin
INT64_MAX = 2**63 - 1    # the largest Redis integer; orjson writes no integer past 64 bits
FIELDS = ("bin_width", "bins", "count", "passes", "ineligible", "total_centi")
_BIN_KEY = re.compile(r"0|-?[1-9][0-9]{0,11}")  # no sign on zero, no leading zeros, no spaces


class HistogramInvalid(ValueError):
    """An uploaded or stored histogram that does not hold; `field` names the part at fault
    ("bins", "bins.120", "total_centi"...)."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


def sane_total(total) -> float:
    """`total` as a float when it is a finite number within MAX_ABS_TOTAL points of zero;
    ValueError otherwise (a TypeError or OverflowError of the conversion included)."""
    try:
        if isinstance(total, (str, bytes)):  # float() would parse these
            raise TypeError
        value = float(total)
    except (TypeError, ValueError, OverflowError):
        raise ValueError("a total must be a number") from None
    if not math.isfinite(value) or abs(value) > MAX_ABS_TOTAL:
        raise ValueError(f"a total must be finite and within {MAX_ABS_TOTAL:.0e} points of 0")
    return value


def bin_of(total: float) -> int:
    """The bin index of a total: bin i holds [i * BIN_WIDTH, (i + 1) * BIN_WIDTH), except
    that MIN_BIN also holds every lower total and MAX_BIN every higher one."""
    if not math.isfinite(total):
        raise ValueError("a total must be finite")
    return min(max(math.floor(total / BIN_WIDTH), MIN_BIN), MAX_BIN)


@dataclass
class Histogram:
    bins: dict[int, int] = field(default_factory=dict)
    count: int = 0
    passes: int = 0
    ineligible: int = 0
    total_centi: int = 0  # the sum of totals in hundredths of a point: exact

    def add(self, total: float, passes: bool, eligible: bool) -> None:
        """Count one score. A total that sane_total refuses raises ValueError and changes
        nothing."""
        total = sane_total(total)
        index = bin_of(total)
        self.bins[index] = self.bins.get(index, 0) + 1
        self.count += 1
        self.passes += bool(passes)
        self.ineligible += not eligible
        self.total_centi += round(total * 100)

    def merge(self, other: Histogram) -> Histogram:
        for index, n in other.bins.items():
            self.bins[index] = self.bins.get(index, 0) + n
        self.count += other.count
        self.passes += other.passes
        self.ineligible += other.ineligible
        self.total_centi += other.total_centi
        return self

    @property
    def mean(self) -> float | None:
        return self.total_centi / 100 / self.count if self.count else None

    @property
    def pass_rate(self) -> float | None:
        return self.passes / self.count if self.count else None

    def to_dict(self) -> dict:
        return {"bin_width": BIN_WIDTH, "bins": {str(k): v for k, v in sorted(self.bins.items())},
                "count": self.count, "passes": self.passes, "ineligible": self.ineligible,
                "total_centi": self.total_centi}

    @classmethod
    def from_dict(cls, data) -> Histogram:
        """A histogram from its to_dict() form, every field checked: raises HistogramInvalid
        (a ValueError) naming the field. Only `bins` is needed; count defaults to the sum
        of the bins, passes and ineligible to 0, total_centi to the bins' midpoints."""
        if not isinstance(data, dict):
            raise HistogramInvalid("", "Must be an object.")
        for key in data:
            if key not in FIELDS:
                raise HistogramInvalid(str(key)[:64], "Unknown field.")
        width = data.get("bin_width", BIN_WIDTH)
        if not _is_number(width) or width != BIN_WIDTH:
            raise HistogramInvalid("bin_width", f"Must be {BIN_WIDTH}.")
        bins = _bins(data.get("bins", {}))
        total_count = sum(bins.values())
        if total_count > MAX_COUNT:
            raise HistogramInvalid("bins", f"The bins may hold at most {MAX_COUNT} scores.")
        count = _whole(data, "count", total_count)
        if count != total_count:
            raise HistogramInvalid("count", "Must equal the sum of the bins.")
        passes, ineligible = _whole(data, "passes", 0), _whole(data, "ineligible", 0)
        for name, value in (("passes", passes), ("ineligible", ineligible)):
            if value > count:
                raise HistogramInvalid(name, "Must lie between 0 and count.")
        low, high = _total_span(bins)
        total = data.get("total_centi")
        if total is None:
            total = round(sum((k + 0.5) * BIN_WIDTH * v for k, v in bins.items()) * 100)
            total = min(max(total, low), high)
        elif not _is_int(total):
            raise HistogramInvalid("total_centi", "Must be a whole number of hundredths.")
        elif not low <= total <= high:
            raise HistogramInvalid("total_centi", f"Must lie between {low} and {high}: the "
                                   "sum of totals the bins can hold, in hundredths of a point.")
        return cls(bins, count, passes, ineligible, total)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _whole(data: dict, name: str, default: int) -> int:
    value = data.get(name, default)
    if not _is_int(value) or not 0 <= value <= MAX_COUNT:
        raise HistogramInvalid(name, f"Must be a whole number from 0 to {MAX_COUNT}.")
    return value


def _bins(raw) -> dict[int, int]:
    """The bins of an uploaded histogram: an object from bin index to count. Empty bins
    are left out."""
    if not isinstance(raw, dict):
        raise HistogramInvalid("bins", "Must be an object from bin index to count.")
    out: dict[int, int] = {}
    for key, n in raw.items():
        index = int(key) if isinstance(key, str) and _BIN_KEY.fullmatch(key) else None
        if index is None or not MIN_BIN <= index <= MAX_BIN:
            raise HistogramInvalid("bins", f"Keys must be whole-number bin indexes from "
                                   f"{MIN_BIN} to {MAX_BIN}.")
        if not _is_int(n) or not 0 <= n <= MAX_COUNT:
            raise HistogramInvalid(f"bins.{index}",
                                   f"Must be a whole number from 0 to {MAX_COUNT}.")
        if n:
            out[index] = n
    return out


def _total_span(bins: dict[int, int]) -> tuple[int, int]:
    """The least and the greatest sum of totals, in hundredths, that these bins can hold:
    bin i holds totals in [i, i + 1) * BIN_WIDTH, its top edge included for rounding to
    hundredths; the first and last bins reach to MAX_ABS_TOTAL. Kept within INT64_MAX."""
    centi = round(BIN_WIDTH * 100)
    limit = round(MAX_ABS_TOTAL * 100)
    low = sum(n * (-limit if k == MIN_BIN else k * centi) for k, n in bins.items())
    high = sum(n * (limit if k == MAX_BIN else (k + 1) * centi) for k, n in bins.items())
    return max(low, -INT64_MAX), min(high, INT64_MAX)
