"""The score result: what the engine returns and how it reads as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .points import exact_text


@dataclass(slots=True)
class CriterionScore:
    criterion: str
    input: Any
    points: Decimal
    ticks: Any
    denominator: int
    capped: bool
    label: dict
    rule: dict
    group: str | None = None


@dataclass(slots=True)
class GateResult:
    id: str
    passed: bool
    label: dict
    reason: dict


@dataclass(slots=True)
class ScoreResult:
    decision_id: str
    policy: dict
    as_of: str
    round: int | None
    eligible: bool
    gates: list[GateResult]
    total: Decimal
    total_exact: str
    threshold: Decimal
    threshold_kind: str
    threshold_estimated: bool
    margin: Decimal
    passes: bool
    breakdown: list[CriterionScore]
    entitlements: list[str]
    notes: list[dict] = field(default_factory=list)

    def points_of(self, criterion: str) -> Decimal:
        for item in self.breakdown:
            if item.criterion == criterion:
                return item.points
        raise KeyError(criterion)

    def to_dict(self) -> dict:
        """Plain JSON types; points as numbers with the policy's decimals."""
        return {
            "decision_id": self.decision_id,
            "policy": self.policy,
            "as_of": self.as_of,
            "round": self.round,
            "eligible": self.eligible,
            "gates": [{"id": g.id, "passed": g.passed, "label": g.label, "reason": g.reason}
                      for g in self.gates],
            "total": float(self.total),
            "total_exact": self.total_exact,
            "threshold": float(self.threshold),
            "threshold_kind": self.threshold_kind,
            "threshold_estimated": self.threshold_estimated,
            "margin": float(self.margin),
            "passes": self.passes,
            "breakdown": [
                {"criterion": b.criterion, "input": plain(b.input), "points": float(b.points),
                 "points_exact": exact_text(Fraction(b.ticks, b.denominator)), "capped": b.capped, "group": b.group,
                 "label": b.label, "rule": b.rule["en"], "rule_i18n": b.rule}
                for b in self.breakdown
            ],
            "entitlements": self.entitlements,
            "notes": self.notes,
        }


def plain(value):
    """An input value as JSON: dates as ISO strings, decimals as numbers."""
    if isinstance(value, Decimal):
        return int(value) if value == int(value) else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
