"""A reference date that depends on the half of the year the application falls in,
worked from Tianjin's rule in shared/reference/other-cities.md: applications in January
to June count to 31 December of the year before, July to December to 30 June of the
same year."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from support import build_policy, label, score_values

from service.policy.errors import PolicyInvalid
from service.scoring.path import earliest_pass_date

HALF = {"half_year": {"first": {"year_offset": -1, "month": 12, "day": 31},
                      "second": {"year_offset": 0, "month": 6, "day": 30}}}
FIELDS = {"since": {"type": "date", "label": label("since")}}
FACTS = {"months": {"kind": "months_since", "from": "since", "on": "counted_to"}}
ONE_A_MONTH = [{"id": "months", "kind": "per_unit", "label": label("months"),
                "input": "months", "points": 1}]


def policy(tmp_path, **overrides):
    return build_policy(tmp_path, fields=FIELDS, facts=FACTS, criteria=ONE_A_MONTH,
                        reference_dates={"counted_to": HALF}, **overrides)


@pytest.mark.parametrize("as_of,months", [
    ("2025-03-15", 59),   # counted to 2024-12-31: 2020-01-01 plus 4 years 11 months
    ("2025-06-30", 59),   # still the first half
    ("2025-07-01", 65),   # counted to 2025-06-30: 5 years 5 months
    ("2025-12-31", 65),
    ("2026-01-01", 71),   # counted to 2025-12-31
])
def test_months_are_counted_to_the_half_years_reference_date(tmp_path, as_of, months):
    scored = score_values(policy(tmp_path), {"since": "2020-01-01"},
                          dt.date.fromisoformat(as_of))
    assert scored.total == Decimal(months)


def test_the_path_finds_the_day_the_next_half_year_counts(tmp_path):
    """Needing 62 points on 2025-03-15 (59 counted), time alone passes on 2025-07-01,
    when the count moves to 2025-06-30 (65)."""
    p = policy(tmp_path, threshold={"kind": "fixed", "points": 62})
    values = {"since": dt.date(2020, 1, 1)}
    found = earliest_pass_date(p, values, dt.date(2025, 3, 15))
    assert found["date"] == "2025-07-01"


@pytest.mark.parametrize("rule", [
    {"half_year": {"first": {"month": 12, "day": 31}}},                        # no second
    {"half_year": {"first": {"month": 12, "day": 31},
                   "second": {"month": 6, "day": 30}}, "month": 1},            # mixed
    {"half_year": {"first": {"month": 13, "day": 31},
                   "second": {"month": 6, "day": 30}}},                        # no month 13
])
def test_a_bad_half_year_rule_is_refused(tmp_path, rule):
    with pytest.raises(PolicyInvalid) as caught:
        build_policy(tmp_path, fields=FIELDS, facts=FACTS, criteria=ONE_A_MONTH,
                     reference_dates={"counted_to": rule})
    assert any(p.path.startswith("reference_dates") for p in caught.value.problems)
