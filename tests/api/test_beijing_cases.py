"""Beijing, hand-worked from shared/reference/beijing.md: each profile's arithmetic beside it.

Round Y = year of as_of; age is completed years on 1 January of Y-1; totals are
exact sums rounded once to 2 decimals, half up. Cutoffs: 2018 90.75,
2019 93.58, 2020 97.13, 2021 100.88, 2022 105.42 (later rounds: 105.42,
estimated).
"""

from __future__ import annotations

import pytest


def applicant(**overrides) -> dict:
    """A male, permit-holding applicant born 1990 (age 30 on 2021-01-01: 20 points)."""
    base = {
        "birth_date": "1990-05-05", "gender": "male", "residence_permit": True,
        "social_insurance_months": 130, "social_insurance_consecutive_months": 130,
        "housing": {"owned_months": 0, "rented_months": 0},
        "education": {"level": "bachelor", "diploma": True, "degree": True},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


CASES = [
    # (id, as_of, applicant, total, eligible, passes)
    ("worked-example", "2022-06-30", applicant(
        birth_date="1985-03-02", social_insurance_months=120,
        social_insurance_consecutive_months=120,
        housing={"owned_months": 60, "rented_months": 24},
        job_residence_outside_core={"home_and_work_outside_months": 24,
                                    "home_outside_work_inside_months": 0},
        tax_years_over_100k=1),
     # age 35 on 2021-01-01: 20; 120 x 0.25 = 30; owned 60/12 = 5; rented 24/24 = 1;
     # bachelor both 15; 24 months outside = 2 x 3 = 6; tax 1 x 2 = 2 -> 79.00
     79.00, True, False),
    ("contract-example", "2022-06-30", {
        "birth_date": "1985-03-02", "residence_permit": True, "gender": "male",
        "social_insurance_months": 181, "social_insurance_consecutive_months": 181,
        "housing": {"owned_months": 113, "rented_months": 72},
        "education": {"level": "master", "diploma": True, "degree": True},
        "study_overlap": {"social_insurance_months": 36, "owned_months": 0,
                          "rented_months": 36},
        "job_residence_outside_core": {"home_and_work_outside_months": 48,
                                       "home_outside_work_inside_months": 0},
        "innovation": {"kind": "sci_tech_award", "grade": 1},
        "tax_years_over_100k": 1, "tax_violations": 0, "honour": False,
        "criminal_record": []},
     # 181 x 0.25 = 45.25; 113/12 = 9.41666..; 72/24 = 3; master both 26;
     # study cap 36 (education 26): -36 x 0.25 = -9, rented -36/24 = -1.5;
     # 48 months outside = 4 x 3 = 12; sci-tech grade 1 = 12; tax 2; age 20
     # = 119.1666.. -> 119.17 >= 105.42
     119.17, True, True),
    ("half-up-rounding", "2022-06-30", applicant(
        social_insurance_months=100, social_insurance_consecutive_months=100,
        housing={"rented_months": 3}, education={"level": "associate", "degree": False}),
     # 20 + 100 x 0.25 = 25 + 3/24 = 0.125 + associate 10.5 = 55.625 -> 55.63
     55.63, True, False),
    ("exactly-the-2020-cutoff", "2020-06-30", applicant(
        birth_date="1985-01-02", social_insurance_months=200,
        social_insurance_consecutive_months=200, housing={"rented_months": 27},
        education={"level": "master"}),
     # age 34 on 2019-01-01: 20; 200 x 0.25 = 50; master both 26; 27/24 = 1.125
     # = 97.125 -> 97.13, the 2020 cutoff exactly: passes
     97.13, True, True),
    ("just-below-the-2020-cutoff", "2020-06-30", applicant(
        birth_date="1985-01-02", social_insurance_months=200,
        social_insurance_consecutive_months=200, housing={"rented_months": 26},
        education={"level": "master"}),
     # 20 + 50 + 26 + 26/24 = 1.08333.. = 97.0833.. -> 97.08 < 97.13
     97.08, True, False),
    ("study-deduction", "2022-06-30", applicant(
        birth_date="1988-05-05", gender="female", social_insurance_months=150,
        social_insurance_consecutive_months=150, housing={"rented_months": 80},
        education={"level": "master"},
        study_overlap={"social_insurance_months": 36, "owned_months": 0, "rented_months": 36}),
     # age 32: 20; 150 x 0.25 = 37.5; 80/24 = 3.3333..; master both 26;
     # cap 36: -9 and -36/24 = -1.5 -> 76.3333.. -> 76.33
     76.33, True, False),
    ("study-overlap-over-the-cap", "2022-06-30", applicant(
        study_overlap={"social_insurance_months": 60}),
     # 20 + 130 x 0.25 = 32.5 + bachelor both 15 = 67.5; cap 48 (education 15):
     # -48 x 0.25 = -12 -> 55.5
     55.50, True, False),
    ("job-residence-group-cap", "2022-06-30", applicant(
        birth_date="1980-07-01", social_insurance_months=180,
        social_insurance_consecutive_months=180, housing={"owned_months": 120},
        education={"level": "bachelor", "diploma": False, "degree": True},
        job_residence_outside_core={"home_and_work_outside_months": 60,
                                    "home_outside_work_inside_months": 24}),
     # age 40: 20; 180 x 0.25 = 45; 120/12 = 10; bachelor degree only 10.5;
     # outside 5 x 3 = 15 and 2 x 2 = 4, together capped at 12 -> 97.5
     97.50, True, False),
    ("innovation-competition", "2022-06-30", applicant(
        innovation={"kind": "competition_award", "grade": 3}),
     # 20 + 32.5 + 15 + competition grade 3 = 9 -> 76.5
     76.50, True, False),
    ("tax-and-violation", "2022-06-30", applicant(tax_years_over_100k=3, tax_violations=1),
     # 20 + 32.5 + 15 + 3 x 2 = 6 - 12 -> 61.5
     61.50, True, False),
    ("detentions-in-and-out-of-window", "2022-06-30", applicant(criminal_record=[
        {"date": "2017-03-01", "kind": "administrative_detention"},
        {"date": "2016-12-31", "kind": "administrative_detention"},
        {"date": "2022-01-10", "kind": "administrative_detention"}]),
     # window is the calendar years 2017-2021: one detention counts, -30;
     # 20 + 32.5 + 15 - 30 = 37.5
     37.50, True, False),
    ("honour", "2022-06-30", applicant(honour=True),
     # 20 + 32.5 + 15 + 20 = 87.5
     87.50, True, False),
    ("age-46", "2022-06-30", applicant(birth_date="1975-01-01", social_insurance_months=84,
                                       social_insurance_consecutive_months=84,
                                       education={"level": "none"}),
     # 46 on 2021-01-01 (birthday that day): 16; 84 x 0.25 = 21 -> 37
     37.00, True, False),
    ("age-45-birthday-after-jan-1", "2022-06-30", applicant(
        birth_date="1975-01-02", social_insurance_months=84,
        social_insurance_consecutive_months=84, education={"level": "none"}),
     # still 45 on 2021-01-01: 20 + 21 = 41
     41.00, True, False),
    ("age-47", "2022-06-30", applicant(birth_date="1974-01-01", social_insurance_months=84,
                                       social_insurance_consecutive_months=84,
                                       education={"level": "none"}),
     33.00, True, False),  # 12 + 21
    ("age-48", "2022-06-30", applicant(birth_date="1973-01-01", social_insurance_months=84,
                                       social_insurance_consecutive_months=84,
                                       education={"level": "none"}),
     29.00, True, False),  # 8 + 21
    ("age-49", "2022-06-30", applicant(birth_date="1972-01-01", social_insurance_months=84,
                                       social_insurance_consecutive_months=84,
                                       education={"level": "none"}),
     25.00, True, False),  # 4 + 21
    ("age-50", "2022-06-30", applicant(birth_date="1971-01-01", social_insurance_months=84,
                                       social_insurance_consecutive_months=84,
                                       education={"level": "none"}),
     21.00, True, False),  # 0 + 21; 51 on as_of, below a man's 60
    ("2018-version-age-47-scores-nothing", "2019-06-30", applicant(
        birth_date="1970-06-01", social_insurance_months=200,
        social_insurance_consecutive_months=200, education={"level": "master"}),
     # round 2019, age on 2018-01-01: 47 -> 0 before the taper; 50 + 26 = 76
     76.00, True, False),
    ("2020-version-same-person-age-48", "2020-06-30", applicant(
        birth_date="1970-06-01", social_insurance_months=200,
        social_insurance_consecutive_months=200, education={"level": "master"}),
     # round 2020, age on 2019-01-01: 48 -> 8; 50 + 26 + 8 = 84
     84.00, True, False),
]


@pytest.mark.parametrize("as_of,person,total,eligible,passes",
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_beijing_profile(client, bureau_headers, as_of, person, total, eligible, passes):
    resp = client.post("/v1/score", json={"city": "beijing", "as_of": as_of,
                                          "applicant": person}, headers=bureau_headers)
    assert resp.status_code == 200, resp.get_json()
    result = resp.get_json()
    assert (result["total"], result["eligible"], result["passes"]) == (total, eligible, passes)


def test_contract_example_breakdown(client, bureau_headers):
    person = CASES[1][2]
    result = client.post("/v1/score", json={"city": "beijing", "as_of": "2022-06-30",
                                            "applicant": person},
                         headers=bureau_headers).get_json()
    points = {b["criterion"]: b["points"] for b in result["breakdown"]}
    assert points["employment"] == 45.25 and points["housing_owned"] == 9.42
    assert points["study_deduction_insurance"] == -9 and points["study_deduction_rented"] == -1.5
    assert points["job_residence_outside_both"] == 12 and points["innovation"] == 12
    owned = next(b for b in result["breakdown"] if b["criterion"] == "housing_owned")
    assert owned["points_exact"] == "113/12"
    assert result["threshold"] == 105.42 and result["threshold_estimated"] is False


@pytest.mark.parametrize("overrides,failed", [
    ({"residence_permit": False}, "residence_permit"),
    ({"social_insurance_consecutive_months": 83}, "insured_84_months"),
    ({"gender": "female", "birth_date": "1972-03-01"}, "below_retirement_age"),
    ({"criminal_record": [{"date": "2010-01-01", "kind": "criminal"}]}, "no_criminal_record"),
], ids=["no-permit", "83-consecutive-months", "woman-of-50", "criminal-record"])
def test_each_gate_failing(client, bureau_headers, overrides, failed):
    result = client.post("/v1/score", json={"city": "beijing", "as_of": "2022-06-30",
                                            "applicant": applicant(**overrides)},
                         headers=bureau_headers).get_json()
    assert [g["id"] for g in result["gates"] if not g["passed"]] == [failed]
    assert result["eligible"] is False and result["passes"] is False
    assert result["total"] > 0  # the points are still counted and explained


def test_a_round_without_a_published_cutoff_is_an_estimate(client, bureau_headers):
    result = client.post("/v1/score", json={"city": "beijing", "as_of": "2024-03-01",
                                            "applicant": applicant()},
                         headers=bureau_headers).get_json()
    assert result["threshold"] == 105.42 and result["threshold_estimated"] is True
    assert result["round"] == 2024 and result["notes"][0]["code"] == "threshold_estimated"


def test_negative_months_and_impossible_counts_are_refused(client, bureau_headers):
    bad = applicant(social_insurance_months=-1, housing={"owned_months": 10},
                    study_overlap={"owned_months": 11})
    resp = client.post("/v1/score", json={"city": "beijing", "as_of": "2022-06-30",
                                          "applicant": bad}, headers=bureau_headers)
    errors = resp.get_json()["errors"]
    assert resp.status_code == 422
    assert "applicant.social_insurance_months" in errors
    assert "applicant.study_overlap.owned_months" in errors


def test_more_insurance_months_than_working_life(client, bureau_headers):
    # born 2000-05-05, 16 on 2016-05-05: at most 73 months to 2022-06-30
    bad = applicant(birth_date="2000-05-05", social_insurance_months=100,
                    social_insurance_consecutive_months=100)
    resp = client.post("/v1/score", json={"city": "beijing", "as_of": "2022-06-30",
                                          "applicant": bad}, headers=bureau_headers)
    assert resp.status_code == 422
    assert "73 months" in resp.get_json()["errors"]["applicant.social_insurance_months"][0]
