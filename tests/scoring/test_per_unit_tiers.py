"""per_unit_tiers: a rate that changes after a number of units, worked by hand from the
Tianjin rules in shared/reference/other-cities.md (social insurance 22 a year for months
1-36 and 28 a year from month 37, nothing under 12 months; housing fund 3 a year up to
60 months and 4 a year after), counted by the month with fractions kept exact."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from support import build_policy, label, score_values

from service.policy.errors import PolicyInvalid
from service.scoring.vector import VectorPolicy

MONTHS = {"m": {"type": "integer", "label": label("months"), "unit": "month", "min": 0}}
INSURANCE = {"id": "insurance", "kind": "per_unit_tiers", "label": label("insurance"),
             "input": "m", "per": 12, "min_units": 12,
             "tiers": [{"from": 0, "points": 22}, {"from": 36, "points": 28}]}
FUND = {"id": "fund", "kind": "per_unit_tiers", "label": label("fund"), "input": "m",
        "per": 12, "tiers": [{"from": 0, "points": 3}, {"from": 60, "points": 4}]}


@pytest.mark.parametrize("months,total", [
    (0, "0"),
    (11, "0"),         # under 12 months: nothing
    (12, "22"),        # 12 x 22/12
    (13, "23.83"),     # 13 x 22/12 = 23.833..., the total rounded half up
    (36, "66"),        # 36 x 22/12
    (37, "68.33"),     # 66 + 28/12 = 68.333...
    (48, "94"),        # 66 + 12 x 28/12 = 66 + 28
])
def test_tianjin_social_insurance(tmp_path, months, total):
    policy = build_policy(tmp_path, fields=MONTHS, criteria=[INSURANCE])
    assert score_values(policy, {"m": months}).total == Decimal(total)


@pytest.mark.parametrize("months,total", [
    (24, "6"),         # 24 x 3/12
    (60, "15"),        # 60 x 3/12
    (61, "15.33"),     # 15 + 4/12 = 15.333...
    (72, "19"),        # 15 + 12 x 4/12
])
def test_tianjin_housing_fund(tmp_path, months, total):
    policy = build_policy(tmp_path, fields=MONTHS, criteria=[FUND])
    assert score_values(policy, {"m": months}).total == Decimal(total)


def test_the_rule_in_words(tmp_path):
    policy = build_policy(tmp_path, fields=MONTHS, criteria=[INSURANCE])
    rule = score_values(policy, {"m": 48}).to_dict()["breakdown"][0]["rule_i18n"]
    assert "28 per 12 months beyond 36" in rule["en"] and "nothing under 12" in rule["en"]
    assert "超过36个月的部分每12个月28分" in rule["zh"]


def test_columnar_equals_scalar_for_every_month_count(tmp_path):
    policy = build_policy(tmp_path, fields=MONTHS, criteria=[INSURANCE, FUND])
    vector = VectorPolicy(policy)
    months = np.arange(0, 400)
    cols = {"m": {"values": months, "null": np.zeros(len(months), bool),
                  "present": np.ones(len(months), bool)}}
    for index, (evaluate, _) in enumerate(vector.criteria):
        got = evaluate(cols, {}).tolist()
        expected = [score_values(policy, {"m": int(m)}).ticks[index] for m in months]
        assert got == expected


@pytest.mark.parametrize("tiers", [
    [{"from": 12, "points": 22}],                              # must start from 0
    [{"from": 0, "points": 22}, {"from": 0, "points": 28}],    # must increase
])
def test_badly_ordered_tiers_are_refused(tmp_path, tiers):
    with pytest.raises(PolicyInvalid) as caught:
        build_policy(tmp_path, fields=MONTHS, criteria=[{**INSURANCE, "tiers": tiers}])
    assert any("tiers" in p.path for p in caught.value.problems), caught.value.problems
