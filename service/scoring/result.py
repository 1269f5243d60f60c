"""The score result: what the engine returns and how it reads as JSON.

The engine fills in exact integer ticks; rounded points, the exact text,
gate and breakdown objects are built when first asked for, so a caller that
only needs the total pays only for the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import orjson

from .answer import answer, plain  # noqa: F401 (plain: the input as JSON, for callers)
from .points import exact_text, round_ticks


class Scale:
    """How ticks become points: 1/denominator each, rounded to places by mode.

    Points repeat a great deal (categories, capped values), so the words and
    numbers for each tick count are remembered, up to SHOWN_MEMO entries.
    """

    SHOWN_MEMO = 100_000
    __slots__ = ("denominator", "places", "mode", "_shown", "_points")

    def __init__(self, denominator: int, places: int, mode: str):
        self.denominator, self.places, self.mode = denominator, places, mode
        self._shown: dict = {}
        self._points: dict = {}

    def points(self, ticks) -> Decimal:
        found = self._points.get(ticks)
        if found is None:
            found = round_ticks(ticks, self.denominator, self.places, self.mode)
            if len(self._points) < self.SHOWN_MEMO:
                self._points[ticks] = found
        return found

    def exact(self, ticks) -> str:
        return exact_text(Fraction(ticks) / self.denominator)

    def shown(self, ticks) -> tuple[float, str]:
        """(rounded points as a JSON number, the exact value in words) for some ticks."""
        found = self._shown.get(ticks)
        if found is None:
            found = (float(self.points(ticks)), self.exact(ticks))
            if len(self._shown) < self.SHOWN_MEMO:
                self._shown[ticks] = found
        return found


@dataclass(slots=True)
class CriterionScore:
    criterion: str
    input: Any
    ticks: Any
    capped: bool
    label: dict
    rule: dict
    group: str | None
    scale: Scale

    @property
    def points(self) -> Decimal:
        return self.scale.points(self.ticks)

    @property
    def points_exact(self) -> str:
        return self.scale.exact(self.ticks)


@dataclass(slots=True)
class GateResult:
    id: str
    passed: bool
    label: dict
    reason: dict


class ScoreResult:
    """One application's score: eligibility, total, threshold, breakdown, decision id."""

    __slots__ = ("policy_obj", "compiled", "values", "as_of_date", "decision_id", "round",
                 "eligible", "passed", "ticks", "total_ticks", "total", "threshold",
                 "threshold_estimated", "passes", "entitlements", "notes", "_breakdown",
                 "_gates")

    def __init__(self, policy, compiled, values, as_of, decision_id, round_year, eligible,
                 passed, ticks, total_ticks, total, threshold, estimated, passes, entitlements,
                 notes):
        self.policy_obj, self.compiled, self.values, self.as_of_date = \
            policy, compiled, values, as_of
        self.decision_id, self.round, self.eligible, self.passed = decision_id, round_year, \
            eligible, passed
        self.ticks, self.total_ticks, self.total = ticks, total_ticks, total
        self.threshold, self.threshold_estimated, self.passes = threshold, estimated, passes
        self.entitlements, self.notes = entitlements, notes
        self._breakdown = self._gates = None

    @property
    def policy(self) -> dict:
        return self.policy_obj.ref

    @property
    def as_of(self) -> str:
        return self.as_of_date.isoformat()

    @property
    def scale(self) -> Scale:
        return self.compiled.scale

    @property
    def threshold_kind(self) -> str:
        return self.compiled.threshold["kind"]

    @property
    def margin(self) -> Decimal | None:
        return None if self.threshold is None else self.total - self.threshold

    @property
    def total_exact(self) -> str:
        return self.scale.shown(self.total_ticks)[1]

    @property
    def gates(self) -> list[GateResult]:
        if self._gates is None:
            self._gates = [GateResult(g[0], passed, g[2], g[3])
                           for g, passed in zip(self.compiled.gates, self.passed)]
        return self._gates

    @property
    def breakdown(self) -> list[CriterionScore]:
        if self._breakdown is None:
            values, scale, out = self.values, self.scale, []
            for c, ticks in zip(self.compiled.criteria, self.ticks):
                out.append(CriterionScore(c.id, c.shown(values), ticks,
                                          c.can_cap and ticks != c.raw(values), c.label,
                                          c.applied(values), c.group, scale))
            self._breakdown = out
        return self._breakdown

    def points_of(self, criterion: str) -> Decimal:
        for item in self.breakdown:
            if item.criterion == criterion:
                return item.points
        raise KeyError(criterion)

    def to_dict(self) -> dict:
        """The answer as plain JSON types: the one encoding (service/scoring/answer.py),
        decoded. The API sends answer() itself; the CLI and tests use this."""
        return orjson.loads(orjson.dumps(answer(self)))

    @property
    def uncertain(self) -> list[dict]:
        """The criteria of medium or low confidence (or stated choices) that gave points."""
        shown = self.scale.shown
        return [{**doubt, "points": shown(ticks)[0]}
                for doubt, ticks in zip(self.compiled.doubtful, self.ticks)
                if doubt is not None and ticks]
