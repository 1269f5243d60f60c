"""Population simulation: one population scored under the policy in force and a candidate.

Rows stream through `Simulation.add`; memory stays bounded by the bins, the
per-criterion sums, the first row numbers kept for each list, and (for quota
cities) the quota's best totals.
"""

from __future__ import annotations

import datetime as dt
import heapq
from dataclasses import dataclass, field

from service.policy.errors import ApplicantInvalid
from service.policy.model import Policy

from .engine import tally

BIN_WIDTH = 5
BIN_LOW, BIN_HIGH = -200, 400
KEEP_ROWS = 1000


def bin_edges() -> list[int]:
    return list(range(BIN_LOW, BIN_HIGH + BIN_WIDTH, BIN_WIDTH))


@dataclass
class Side:
    """The running tally of one policy over the population."""

    policy: Policy
    scored: int = 0
    eligible: int = 0
    passes: int = 0
    below: int = 0
    above: int = 0
    bins: list = field(default_factory=lambda: [0] * ((BIN_HIGH - BIN_LOW) // BIN_WIDTH))
    sums: list = field(default_factory=list)  # exact ticks per criterion
    best: list = field(default_factory=list)  # a min-heap of the quota's best totals

    def add(self, result) -> None:
        """Count one scored application (a result of `engine.tally`)."""
        eligible, passes, total, ticks = result
        self.scored += 1
        self.eligible += eligible
        self.passes += passes
        total = float(total)
        if total < BIN_LOW:
            self.below += 1
        elif total >= BIN_HIGH:
            self.above += 1
        else:
            self.bins[int((total - BIN_LOW) // BIN_WIDTH)] += 1
        sums = self.sums
        for i, t in enumerate(ticks):
            sums[i] += t
        quota = self.policy.threshold.get("quota")
        if quota and eligible:
            if len(self.best) < quota:
                heapq.heappush(self.best, total)
            elif total > self.best[0]:
                heapq.heapreplace(self.best, total)

    def __post_init__(self):
        self.sums = [0] * len(self.policy.compiled.criteria)

    def _means(self) -> dict:
        if not self.scored:
            return {}
        denominator = self.policy.compiled.scale.denominator * self.scored
        return {c.id: float(s / denominator) if isinstance(s, int) else float(s) / denominator
                for c, s in zip(self.policy.compiled.criteria, self.sums)}

    def report(self) -> dict:
        out = {
            "policy": self.policy.ref, "scored": self.scored, "eligible": self.eligible,
            "passes": self.passes,
            "pass_rate": self.passes / self.scored if self.scored else None,
            "histogram": {"edges": bin_edges(), "counts": self.bins, "below": self.below,
                          "above": self.above},
            "mean_points": self._means(),
        }
        quota = self.policy.threshold.get("quota")
        if quota:
            out["quota"] = quota
            out["implied_cutoff"] = min(self.best) if self.best else None
        return out


class Simulation:
    """Feed rows with `add(row_number, applicant)`; `report()` compares the two policies."""

    def __init__(self, current: Policy, candidate: Policy, as_of: dt.date):
        self.as_of = as_of
        self.current, self.candidate = Side(current), Side(candidate)
        # Two versions that declare the same fields read an application the same way.
        self.same_fields = current.fields == candidate.fields and current.reads == candidate.reads
        self.rows = 0
        self.errors: list[dict] = []
        self.error_count = 0
        self.flips = {"pass_to_fail": [], "fail_to_pass": []}
        self.flip_counts = {"pass_to_fail": 0, "fail_to_pass": 0}

    def error(self, row: int, reason) -> None:
        self.error_count += 1
        if len(self.errors) < KEEP_ROWS:
            self.errors.append({"row": row, "reason": reason})

    def add(self, row: int, applicant) -> None:
        self.rows += 1
        results, values = [], None
        for side in (self.current, self.candidate):
            policy = side.policy
            try:
                if values is None or not self.same_fields:
                    values = policy.applicant_schema.parse(applicant, self.as_of)
            except ApplicantInvalid as exc:
                self.error(row, {"policy": policy.version, "errors": exc.errors})
                return
            results.append(tally(policy, values, self.as_of))
        for side, result in zip((self.current, self.candidate), results):
            side.add(result)
        before, after = results[0][1], results[1][1]
        if before != after:
            kind = "pass_to_fail" if before else "fail_to_pass"
            self.flip_counts[kind] += 1
            if len(self.flips[kind]) < KEEP_ROWS:
                self.flips[kind].append(row)

    def report(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "rows": self.rows,
            "current": self.current.report(),
            "candidate": self.candidate.report(),
            "flips": {kind: {"count": self.flip_counts[kind], "rows": rows,
                             "rows_truncated": self.flip_counts[kind] > len(rows)}
                      for kind, rows in self.flips.items()},
            "errors": {"count": self.error_count, "rows": self.errors,
                       "rows_truncated": self.error_count > len(self.errors)},
        }
