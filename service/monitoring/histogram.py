"""Score distributions in fixed bins: what the store keeps per city, version and hour.

Bins are BIN_WIDTH points wide and aligned on multiples of it, so every
worker, instance and reference window adds up bin by bin. Nothing about an
applicant is kept: counts, the sum of totals, passes and ineligible counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

BIN_WIDTH = 0.5


def bin_of(total: float) -> int:
    """The bin index of a total: bin i holds [i * BIN_WIDTH, (i + 1) * BIN_WIDTH)."""
    return math.floor(total / BIN_WIDTH)


@dataclass
class Histogram:
    bins: dict[int, int] = field(default_factory=dict)
    count: int = 0
    passes: int = 0
    ineligible: int = 0
    total_centi: int = 0  # the sum of totals in hundredths of a point: exact

    def add(self, total: float, passes: bool, eligible: bool) -> None:
        index = bin_of(total)
        self.bins[index] = self.bins.get(index, 0) + 1
        self.count += 1
        self.passes += passes
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
    def from_dict(cls, data: dict) -> Histogram:
        """Refuses bins of another width, negative counts, or counts that do not add up."""
        if float(data.get("bin_width", BIN_WIDTH)) != BIN_WIDTH:
            raise ValueError(f"bin_width must be {BIN_WIDTH}")
        bins = {int(k): int(v) for k, v in (data.get("bins") or {}).items()}
        if any(v < 0 for v in bins.values()):
            raise ValueError("bin counts may not be negative")
        count = int(data.get("count", sum(bins.values())))
        if count != sum(bins.values()):
            raise ValueError("count must equal the sum of the bins")
        passes, ineligible = int(data.get("passes", 0)), int(data.get("ineligible", 0))
        if not (0 <= passes <= count and 0 <= ineligible <= count):
            raise ValueError("passes and ineligible must lie between 0 and count")
        total = data.get("total_centi")
        if total is None:
            total = round(sum((k + 0.5) * BIN_WIDTH * v for k, v in bins.items()) * 100)
        return cls(bins, count, passes, ineligible, int(total))
