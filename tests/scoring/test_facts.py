"""Derived facts at reference dates: completed years and months, record windows."""

from __future__ import annotations

import datetime as dt

import pytest
from support import build_policy, label, score_values

from service.rules.dates import completed_months, completed_years, reference_date

D = dt.date


@pytest.mark.parametrize("start,on,years", [
    (D(1990, 5, 1), D(2026, 4, 30), 35),   # the day before the birthday
    (D(1990, 5, 1), D(2026, 5, 1), 36),    # on the birthday
    (D(2000, 2, 29), D(2021, 2, 28), 20),  # a 29 February birthday counts on 1 March
    (D(2000, 2, 29), D(2021, 3, 1), 21),
    (D(2000, 2, 29), D(2024, 2, 29), 24),
    (D(2026, 1, 1), D(2025, 1, 1), 0),     # not yet started
])
def test_completed_years(start, on, years):
    assert completed_years(start, on) == years


@pytest.mark.parametrize("start,on,months", [
    (D(2020, 1, 31), D(2020, 2, 29), 0),
    (D(2020, 1, 15), D(2020, 2, 15), 1),
    (D(2020, 1, 15), D(2021, 1, 14), 11),
    (D(2020, 1, 15), D(2021, 1, 15), 12),
])
def test_completed_months(start, on, months):
    assert completed_months(start, on) == months


def test_reference_dates_relative_to_as_of():
    assert reference_date(D(2022, 6, 30), {"year_offset": -1, "month": 12, "day": 31}) \
        == D(2021, 12, 31)
    assert reference_date(D(2022, 6, 30), {"year_offset": -1, "month": 1, "day": 1}) \
        == D(2021, 1, 1)


RECORDS = {"criminal_record": {"type": "records", "required": False, "default": [],
                               "label": label("r"),
                               "kinds": {"criminal": label("c"),
                                         "administrative_detention": label("d")}}}


def counting(tmp_path, within: dict | None, on: str = "as_of", ref: dict | None = None):
    fact = {"kind": "count", "from": "criminal_record", "kinds": ["administrative_detention"],
            "on": on}
    if within:
        fact["within"] = within
    criteria = [{"id": "c", "label": label("c"), "kind": "per_item", "input": "n",
                 "points": -30}]
    return build_policy(tmp_path, fields=RECORDS, facts={"n": fact}, criteria=criteria,
                        reference_dates=ref or {})


def detentions(policy, dates, as_of):
    records = [{"date": d, "kind": "administrative_detention"} for d in dates]
    records.append({"date": "2000-01-01", "kind": "criminal"})
    return score_values(policy, {"criminal_record": records}, as_of).breakdown[0].input


def test_count_in_a_rolling_window(tmp_path):
    policy = counting(tmp_path, {"years": 5})
    # (2019-06-30, 2024-06-30]: the first is exactly 5 years back, so outside
    assert detentions(policy, ["2019-06-30", "2019-07-01", "2024-06-30"], D(2024, 6, 30)) == 2


def test_count_in_natural_years_before_the_round(tmp_path):
    # Beijing: round 2022 counts the calendar years 2017-2021 (durations end 2021-12-31)
    policy = counting(tmp_path, {"years": 5, "natural": True}, on="durations",
                      ref={"durations": {"year_offset": -1, "month": 12, "day": 31}})
    dates = ["2016-12-31", "2017-01-01", "2021-12-31", "2022-01-05"]
    assert detentions(policy, dates, D(2022, 6, 30)) == 2


def test_count_ever(tmp_path):
    policy = counting(tmp_path, None)
    assert detentions(policy, ["1999-01-01", "2024-01-01"], D(2024, 6, 30)) == 2


def test_lookup_fact_feeds_a_bound(tmp_path):
    fields = {"level": {"type": "enum", "label": label("l"),
                        "values": {"bachelor": label("b"), "master": label("m")}},
              "overlap": {"type": "integer", "label": label("o"), "unit": "month", "min": 0}}
    facts = {"cap": {"kind": "lookup", "rows": [{"when": {"level": "bachelor"}, "value": 48},
                                                {"when": {"level": "master"}, "value": 36}]}}
    criteria = [{"id": "d", "label": label("d"), "kind": "per_unit", "input": "overlap",
                 "points": -0.25, "max_units": {"fact": "cap"}}]
    policy = build_policy(tmp_path, fields=fields, facts=facts, criteria=criteria)
    assert score_values(policy, {"level": "bachelor", "overlap": 60}).total == -12
    assert score_values(policy, {"level": "master", "overlap": 60}).total == -9
    assert score_values(policy, {"level": "master", "overlap": 10}).total == -2.5
