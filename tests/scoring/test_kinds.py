"""Each criterion kind at its boundaries, on one-criterion policies."""

from __future__ import annotations

from decimal import Decimal

import pytest
from support import build_policy, label, score_values

INT = {"type": "integer", "label": label("count"), "unit": "month", "min": 0}


def one(tmp_path, criterion: dict, fields: dict | None = None):
    criterion = {"id": "c", "label": label("c"), **criterion}
    return build_policy(tmp_path, fields=fields or {"m": INT}, criteria=[criterion])


def points(policy, **applicant):
    result = score_values(policy, applicant)
    return result.breakdown[0].points, result.breakdown[0].capped


@pytest.mark.parametrize("months,expected", [(0, "0"), (1, "0.25"), (181, "45.25")])
def test_per_unit_every_unit(tmp_path, months, expected):
    policy = one(tmp_path, {"kind": "per_unit", "input": "m", "points": 0.25})
    assert points(policy, m=months) == (Decimal(expected), False)


@pytest.mark.parametrize("months,expected", [(11, "0"), (12, "3"), (23, "3"), (24, "6")])
def test_per_unit_whole_steps_only(tmp_path, months, expected):
    policy = one(tmp_path, {"kind": "per_unit", "input": "m", "per": 12, "points": 3})
    assert points(policy, m=months)[0] == Decimal(expected)


@pytest.mark.parametrize("months,expected", [(12, "1"), (113, "9.42"), (6, "0.50"), (1, "0.08")])
def test_per_unit_pro_rata_is_exact_until_rounded(tmp_path, months, expected):
    # 1 point per 12 months pro rata: 113 months = 9.41666... -> 9.42 shown
    policy = one(tmp_path, {"kind": "per_unit", "input": "m", "per": 12, "points": 1,
                            "partial": True})
    result = score_values(policy, {"m": months})
    assert result.breakdown[0].points == Decimal(expected)


def test_per_unit_pro_rata_keeps_the_exact_fraction(tmp_path):
    policy = one(tmp_path, {"kind": "per_unit", "input": "m", "per": 12, "points": 1,
                            "partial": True})
    assert score_values(policy, {"m": 113}).to_dict()["breakdown"][0]["points_exact"] == "113/12"


@pytest.mark.parametrize("years,expected", [(5, "0"), (6, "4"), (7, "8")])
def test_per_unit_counts_beyond_start(tmp_path, years, expected):
    policy = one(tmp_path, {"kind": "per_unit", "input": "m", "points": 4, "start": 5})
    assert points(policy, m=years)[0] == Decimal(expected)


@pytest.mark.parametrize("months,expected,capped", [(9, "27", False), (10, "30", False),
                                                    (11, "30", True)])
def test_cap_binds_only_above_it(tmp_path, months, expected, capped):
    policy = one(tmp_path, {"kind": "per_unit", "input": "m", "points": 3, "cap": 30})
    assert points(policy, m=months) == (Decimal(expected), capped)


def test_per_unit_max_units_bounds_the_units_counted(tmp_path):
    policy = one(tmp_path, {"kind": "per_unit", "input": "m", "points": -0.25, "max_units": 36})
    assert points(policy, m=60) == (Decimal("-9"), False)
    assert points(policy, m=20) == (Decimal("-5"), False)


@pytest.mark.parametrize("age,expected", [(45, "20"), (46, "16"), (49, "4"), (50, "0"),
                                          (80, "0")])
def test_bands_half_open(tmp_path, age, expected):
    bands = [{"to": 46, "points": 20}, {"from": 46, "to": 47, "points": 16},
             {"from": 49, "to": 50, "points": 4}, {"from": 50, "points": 0}]
    policy = one(tmp_path, {"kind": "bands", "input": "m", "bands": bands})
    assert points(policy, m=age)[0] == Decimal(expected)


def test_bands_on_decimal_input_at_the_edge(tmp_path):
    fields = {"x": {"type": "number", "label": label("x"), "min": 0, "max": 100}}
    bands = [{"from": 60, "to": 70, "points": 10}, {"from": 70, "points": 20}]
    policy = one(tmp_path, {"kind": "bands", "input": "x", "bands": bands}, fields)
    assert points(policy, x=59.99)[0] == 0
    assert points(policy, x=60)[0] == 10
    assert points(policy, x=69.999)[0] == 10
    assert points(policy, x=70.0)[0] == 20


LEVELS = {"type": "enum", "label": label("level"),
          "values": {"none": label("none"), "bachelor": label("bachelor"),
                     "master": label("master")}}


def test_lookup_table_and_default(tmp_path):
    policy = one(tmp_path, {"kind": "lookup", "input": "level",
                            "table": {"bachelor": 15, "master": 26}}, {"level": LEVELS})
    assert points(policy, level="master")[0] == 26
    assert points(policy, level="none")[0] == 0


def test_lookup_rows_first_match_on_several_fields(tmp_path):
    fields = {"level": LEVELS, "degree": {"type": "boolean", "label": label("degree")}}
    rows = [{"when": {"level": "bachelor", "degree": True}, "points": 15},
            {"when": {"level": "bachelor"}, "points": 10.5}]
    policy = one(tmp_path, {"kind": "lookup", "rows": rows}, fields)
    assert points(policy, level="bachelor", degree=True)[0] == 15
    assert points(policy, level="bachelor", degree=False)[0] == Decimal("10.5")
    assert points(policy, level="master", degree=True)[0] == 0


def test_flag(tmp_path):
    fields = {"honour": {"type": "boolean", "label": label("honour")}}
    policy = one(tmp_path, {"kind": "flag", "input": "honour", "points": 20}, fields)
    assert points(policy, honour=True)[0] == 20
    assert points(policy, honour=False)[0] == 0


def test_per_item_negative_with_cap_on_the_deduction(tmp_path):
    policy = one(tmp_path, {"kind": "per_item", "input": "m", "points": -30, "cap": 60})
    assert points(policy, m=1) == (Decimal("-30"), False)
    assert points(policy, m=2) == (Decimal("-60"), False)
    assert points(policy, m=3) == (Decimal("-60"), True)


def test_best_of_takes_the_highest_alternative(tmp_path):
    fields = {"title": {"type": "enum", "label": label("title"),
                        "values": {"none": label("none"), "senior": label("senior")}},
              "grade": {"type": "integer", "label": label("grade"), "min": 0, "max": 5}}
    criterion = {"kind": "best_of", "of": [
        {"id": "t", "label": label("t"), "kind": "lookup", "input": "title",
         "table": {"senior": 140}},
        {"id": "g", "label": label("g"), "kind": "lookup", "input": "grade",
         "table": {1: 140, 2: 100, 3: 60}}]}
    policy = one(tmp_path, criterion, fields)
    assert points(policy, title="none", grade=3)[0] == 60
    assert points(policy, title="senior", grade=3)[0] == 140
    assert points(policy, title="none", grade=0)[0] == 0


def test_group_cap_takes_the_excess_from_the_last_member(tmp_path):
    fields = {"a": INT, "b": INT}
    criteria = [
        {"id": "a", "label": label("a"), "kind": "per_unit", "input": "a", "per": 12,
         "points": 3, "group": "g"},
        {"id": "b", "label": label("b"), "kind": "per_unit", "input": "b", "per": 12,
         "points": 2, "group": "g"},
    ]
    policy = build_policy(tmp_path, fields=fields, criteria=criteria,
                          groups=[{"id": "g", "label": label("g"), "cap": 12}])
    # a: 36 months = 9, b: 36 months = 6; 15 > 12, so b gives up 3
    result = score_values(policy, {"a": 36, "b": 36})
    assert [(b.points, b.capped) for b in result.breakdown] == [(9, False), (3, True)]
    assert result.total == 12
    # a alone over the cap: 60 months = 15 -> b (0) has nothing, a gives up 3
    result = score_values(policy, {"a": 60, "b": 0})
    assert [(b.points, b.capped) for b in result.breakdown] == [(12, True), (0, False)]


def test_rules_in_words_in_both_languages(tmp_path):
    policy = one(tmp_path, {"kind": "per_unit", "input": "m", "per": 12, "points": 1,
                            "partial": True, "cap": 10})
    rule = score_values(policy, {"m": 1}).breakdown[0].rule
    assert rule["en"] == "1 point per 12 months, pro rata, at most 10"
    assert rule["zh"] == "每12个月1分（按比例折算），最高10分"
