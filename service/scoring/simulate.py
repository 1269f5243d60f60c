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

from .engine import score

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
    points: dict = field(default_factory=dict)
    best: list = field(default_factory=list)  # a min-heap of the quota's best totals

    def add(self, result) -> None:
        self.scored += 1
        self.eligible += result.eligible
        self.passes += result.passes
        total = float(result.total)
        if total < BIN_LOW:
            self.below += 1
        elif total >= BIN_HIGH:
            self.above += 1
        else:
            self.bins[int((total - BIN_LOW) // BIN_WIDTH)] += 1
        shown = result.scale.shown
        for criterion, ticks in zip(self.policy.compiled.criteria, result.ticks):
            self.points[criterion.id] = self.points.get(criterion.id, 0.0) + shown(ticks)[0]
        quota = self.policy.threshold.get("quota")
        if quota and result.eligible:
            if len(self.best) < quota:
                heapq.heappush(self.best, total)
            elif total > self.best[0]:
                heapq.heapreplace(self.best, total)

    def report(self) -> dict:
        out = {
            "policy": self.policy.ref, "scored": self.scored, "eligible": self.eligible,
            "passes": self.passes,
            "pass_rate": self.passes / self.scored if self.scored else None,
            "histogram": {"edges": bin_edges(), "counts": self.bins, "below": self.below,
                          "above": self.above},
            "mean_points": {k: v / self.scored for k, v in self.points.items()}
            if self.scored else {},
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
        self.rows = 0
        self.errors: list[dict] = []
        self.error_count = 0
        self.flips = {"pass_to_fail": [], "fail_to_pass": []}
        self.flip_counts = {"pass_to_fail": 0, "fail_to_pass": 0}

    def error(self, row: int, reason) -> None:
        self.error_count += 1
        if len(self.errors) < KEEP_ROWS:
            self.errors.append({"row": row, "reason": reason})

    def _score(self, side: Side, applicant: dict):
        policy = side.policy
        values = policy.applicant_schema.parse(applicant, self.as_of, prefix="applicant")
        return score(policy, values, self.as_of)

    def add(self, row: int, applicant) -> None:
        self.rows += 1
        results = []
        for side in (self.current, self.candidate):
            try:
                results.append(self._score(side, applicant))
            except ApplicantInvalid as exc:
                self.error(row, {"policy": side.policy.version, "errors": exc.errors})
                return
        for side, result in zip((self.current, self.candidate), results):
            side.add(result)
        before, after = results[0].passes, results[1].passes
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
