"""The engine as a whole: gates, rounding, thresholds, entitlements and decision ids."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from support import build_policy, label, score_values

M = {"m": {"type": "integer", "label": label("m"), "unit": "month", "min": 0}}
HALF_TWENTYFOURTH = [{"id": "r", "label": label("r"), "kind": "per_unit", "input": "m",
                      "per": 24, "points": 1, "partial": True}]


def test_total_is_exact_and_rounded_once_half_up(tmp_path):
    policy = build_policy(tmp_path, fields=M, criteria=HALF_TWENTYFOURTH)
    # 3/24 = 0.125 exactly -> 0.13 (half up), not 0.12 (half even) nor 0.125
    result = score_values(policy, {"m": 3})
    assert result.total == Decimal("0.13") and result.total_exact == "0.125"


def test_rounding_mode_is_the_policy_s(tmp_path):
    policy = build_policy(tmp_path, fields=M, criteria=HALF_TWENTYFOURTH,
                          rounding={"places": 2, "mode": "half_even"})
    assert score_values(policy, {"m": 3}).total == Decimal("0.12")


def test_total_rounds_the_exact_sum_not_the_rounded_parts(tmp_path):
    criteria = [{**HALF_TWENTYFOURTH[0], "id": f"r{i}"} for i in range(3)]
    policy = build_policy(tmp_path, fields=M, criteria=criteria)
    # each 1/24 = 0.041666 shows as 0.04; the sum 3/24 = 0.125 -> 0.13
    result = score_values(policy, {"m": 1})
    assert [b.points for b in result.breakdown] == [Decimal("0.04")] * 3
    assert result.total == Decimal("0.13")


THREE_PER = [{"id": "c", "label": label("c"), "kind": "per_item", "input": "m", "points": 1}]


@pytest.mark.parametrize("m,passes", [(9, False), (10, True), (11, True)])
def test_passes_at_exactly_the_threshold(tmp_path, m, passes):
    policy = build_policy(tmp_path, fields=M, criteria=THREE_PER,
                          threshold={"kind": "fixed", "points": 10})
    result = score_values(policy, {"m": m})
    assert result.passes is passes and result.margin == m - 10


def test_failed_gate_makes_ineligible_whatever_the_points(tmp_path):
    gates = [{"id": "enough", "kind": "range", "input": "m", "min": 5, "label": label("g"),
              "reason": label("too few")}]
    policy = build_policy(tmp_path, fields=M, criteria=THREE_PER, gates=gates,
                          threshold={"kind": "fixed", "points": 1},
                          entitlements=[{"id": "e", "min_points": 1, "label": label("e")}])
    result = score_values(policy, {"m": 4})
    assert (result.eligible, result.passes, result.total) == (False, False, 4)
    assert result.gates[0].passed is False and result.entitlements == []
    assert score_values(policy, {"m": 5}).entitlements == ["e"]


QUOTA = {"kind": "quota", "quota": 6000, "cutoffs": {2020: 97.13, 2021: 100.88}}


@pytest.mark.parametrize("as_of,threshold,estimated", [
    (dt.date(2020, 5, 1), "97.13", False),
    (dt.date(2021, 5, 1), "100.88", False),
    (dt.date(2024, 5, 1), "100.88", True),   # unpublished round: latest published cutoff
])
def test_quota_threshold_by_round(tmp_path, as_of, threshold, estimated):
    policy = build_policy(tmp_path, fields=M, criteria=THREE_PER, threshold=QUOTA)
    result = score_values(policy, {"m": 1}, as_of)
    assert (result.threshold, result.threshold_estimated) == (Decimal(threshold), estimated)
    assert result.round == as_of.year
    assert bool(result.notes) is estimated


def test_decision_id_is_deterministic_and_sensitive(tmp_path):
    policy = build_policy(tmp_path, fields=M, criteria=THREE_PER)
    a = score_values(policy, {"m": 3}).decision_id
    assert a == score_values(policy, {"m": 3}).decision_id
    assert a != score_values(policy, {"m": 4}).decision_id
    assert a != score_values(policy, {"m": 3}, dt.date(2024, 7, 1)).decision_id
