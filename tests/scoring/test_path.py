"""The path to the threshold on hand-worked cases (shipped Xi'an and Beijing policies)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import POLICIES

from service.policy.applicant import parser_of
from service.policy.loader import load_policy_dir
from service.scoring.changes import smallest_changes
from service.scoring.engine import score
from service.scoring.path import earliest_pass_date, month_anniversary

SHIPPED = load_policy_dir(POLICIES)
D = dt.date


def policy(city, on):
    return next(p for p in SHIPPED.cities[city] if p.in_force(on))


TODAY = D(2024, 6, 29)


def xian(since, score_=90, record=(), as_of=TODAY):
    p = policy("xian", as_of)
    applicant = {"birth_date": "1990-05-01", "residence_permit_since": since,
                 "criminal_record": list(record), "local_knowledge_score": score_}
    return p, parser_of(p).parse(applicant, as_of), as_of


def test_passes_already_today():
    p, values, as_of = xian("2016-01-01")
    found = earliest_pass_date(p, values, as_of)
    assert (found["date"], found["reason"]) == ("2024-06-29", "passes_now")


def test_passes_on_the_day_a_year_of_residence_completes():
    # 3 years on 2024-06-29 (15 + 40 = 55); the 4th completes on 2024-06-30 (60)
    p, values, as_of = xian("2020-06-30")
    assert earliest_pass_date(p, values, as_of)["date"] == "2024-06-30"


def test_a_gate_that_time_opens():
    # a conviction on 2020-03-01 stops counting once it is 10 years old: 2030-03-01
    p, values, as_of = xian("2010-01-01", record=[{"date": "2020-03-01", "kind": "criminal"}])
    found = earliest_pass_date(p, values, as_of)
    assert (found["date"], found["reason"]) == ("2030-03-01", "time")


def test_never_because_of_a_gate():
    as_of = D(2024, 6, 30)
    p = policy("beijing", as_of)
    applicant = {"birth_date": "1985-05-05", "gender": "male", "residence_permit": True,
                 "social_insurance_months": 200, "social_insurance_consecutive_months": 200,
                 "housing": {"owned_months": 0, "rented_months": 48},
                 "education": {"level": "master", "diploma": True, "degree": True},
                 "criminal_record": [{"date": "2001-01-01", "kind": "criminal"}]}
    found = earliest_pass_date(p, parser_of(p).parse(applicant, as_of), as_of)
    assert (found["date"], found["reason"], found["gates"]) == (
        None, "gate", ["no_criminal_record"])


def test_never_because_the_growing_points_are_capped():
    # residence stops at 50 after ten years; a failed test gives nothing: 50 < 60 for ever
    p, values, as_of = xian("2016-01-01", score_=40)
    found = earliest_pass_date(p, values, as_of, horizon_years=15)
    assert (found["date"], found["reason"]) == (None, "cap")


def test_age_points_fall_while_insurance_and_residence_rise():
    """Born 1977-06-01; round 2024: age 45 on 2023-01-01 -> 20; 200 months -> 50;
    rented 48 -> 2; master both 26: 98. Each round adds 12 months of insurance (+3)
    and of renting (+0.5) while age takes 4 a year from 46 to 50:
      2025: 53 + 2.5 + 26 + 16 = 97.5    2029: 65 + 4.5 + 26 + 0 = 95.5
      2026: 56 + 3   + 26 + 12 = 97      2030: 68 + 5   + 26     = 99
      2027: 59 + 3.5 + 26 + 8  = 96.5    2031: 71 + 5.5 + 26     = 102.5
      2028: 62 + 4   + 26 + 4  = 96      2032: 74 + 6   + 26     = 106 >= 105.42
    so the first round that passes is 2032, from its first day."""
    as_of = D(2024, 6, 30)
    p = policy("beijing", as_of)
    applicant = {"birth_date": "1977-06-01", "gender": "male", "residence_permit": True,
                 "social_insurance_months": 200, "social_insurance_consecutive_months": 200,
                 "housing": {"owned_months": 0, "rented_months": 48},
                 "education": {"level": "master", "diploma": True, "degree": True}}
    values = parser_of(p).parse(applicant, as_of)
    assert score(p, values, as_of).total == 98
    found = earliest_pass_date(p, values, as_of)
    assert (found["date"], found["round"], found["total"]) == ("2032-01-01", 2032, 106)


def test_smallest_single_changes():
    # 3 years (15) + knowledge 70 (20) = 35: no knowledge score alone reaches 60 (15 + 40)
    p, values, as_of = xian("2021-01-01", score_=70)
    changes = {c["criterion"]: c for c in smallest_changes(p, values, as_of,
                                                           score(p, values, as_of))}
    assert changes["local_knowledge"]["enough_alone"] is False
    assert changes["residence_years"]["kind"] == "time"
    # 5 years (25) + 70 (20) = 45: a score of 80 gives 55, short; 90 gives 25 + 40 = 65
    p, values, as_of = xian("2019-01-01", score_=70)
    changes = {c["criterion"]: c for c in smallest_changes(p, values, as_of,
                                                           score(p, values, as_of))}
    assert changes["local_knowledge"]["needed"] == {"local_knowledge_score": 90}


def test_smallest_number_of_months():
    # Beijing round 2024: 20 + 200 x 0.25 = 50 + bachelor both 15 + rented 40/24 = 86.67;
    # owned months x/12 must bring 1.67 + x/12 + 85 >= 105.42: x = 225 (18.75 -> 105.42)
    as_of = D(2024, 6, 30)
    p = policy("beijing", as_of)
    applicant = {"birth_date": "1985-05-05", "gender": "male", "residence_permit": True,
                 "social_insurance_months": 200, "social_insurance_consecutive_months": 200,
                 "housing": {"owned_months": 0, "rented_months": 40},
                 "education": {"level": "bachelor", "diploma": True, "degree": True}}
    values = parser_of(p).parse(applicant, as_of)
    result = score(p, values, as_of)
    assert str(result.total) == "86.67"
    changes = {c["criterion"]: c for c in smallest_changes(p, values, as_of, result)}
    assert changes["housing_owned"]["needed"] == {"housing.owned_months": 225}
    assert changes["honour"]["needed"] == {"honour": True}  # 86.67 + 20 = 106.67


@pytest.mark.parametrize("start,months,expected", [
    (D(2024, 1, 31), 1, D(2024, 3, 1)),   # no 31 February: the month completes on 1 March
    (D(2024, 1, 15), 1, D(2024, 2, 15)),
    (D(2024, 11, 30), 3, D(2025, 3, 1)),  # 30 February does not exist either
])
def test_month_anniversary(start, months, expected):
    assert month_anniversary(start, months) == expected
