"""Xi'an, the urbanisation report's model as policies/cities/xian/2024.1.yaml sets its values:
5 points a completed year of residence permit (at most 50), the knowledge test in bands
(60: 10, 70: 20, 80: 30, 90: 40), -10 a detention in 5 years, threshold 60."""

from __future__ import annotations

import pytest


def person(since="2016-03-01", score=86, record=(), born="1990-05-01") -> dict:
    return {"birth_date": born, "residence_permit_since": since,
            "criminal_record": list(record), "local_knowledge_score": score}


DETENTION_2012 = {"date": "2012-04-01", "kind": "administrative_detention"}
CASES = [
    ("design-example", "2026-11-22", person(record=[DETENTION_2012]),
     # 10 full years: 50; 86: 30; the 2012 detention is older than 5 years -> 80
     80, True, True),
    ("anniversary-on-as-of", "2024-06-30", person(since="2020-06-30", score=90),
     # 4 years complete that day: 20 + 40 = 60, exactly the threshold
     60, True, True),
    ("one-day-before-the-anniversary", "2024-06-29", person(since="2020-06-30", score=90),
     55, True, False),  # 3 years: 15 + 40
    ("cap-at-ten-years", "2024-06-30", person(since="2010-01-01", score=59.9),
     50, True, False),  # 14 years -> 70, capped at 50; 59.9 is below the first band
    ("band-edge-60", "2024-06-30", person(since="2018-01-01", score=60),
     40, True, False),  # 6 years 30 + 10
    ("band-edge-90", "2024-06-30", person(since="2018-01-01", score=90),
     70, True, True),   # 30 + 40
    ("recent-detention", "2024-06-30", person(since="2018-01-01", score=90, record=[
        {"date": "2021-01-01", "kind": "administrative_detention"}]),
     60, True, True),   # 30 + 40 - 10
    ("conviction-within-ten-years", "2024-06-30", person(since="2010-01-01", score=95, record=[
        {"date": "2016-01-01", "kind": "criminal"}]),
     90, False, False),  # 50 + 40, but the gate fails
    ("minor", "2024-06-30", person(born="2008-01-01", since="2018-01-01", score=95),
     70, False, False),  # 16 years old: not an adult
    ("permit-under-two-years", "2024-06-30", person(since="2023-01-01", score=95),
     45, False, False),  # 1 year: 5 + 40, gate needs 2
]


@pytest.mark.parametrize("as_of,applicant,total,eligible,passes", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_xian_profile(client, bureau_headers, as_of, applicant, total, eligible, passes):
    resp = client.post("/v1/score", json={"city": "xian", "as_of": as_of,
                                          "applicant": applicant}, headers=bureau_headers)
    assert resp.status_code == 200, resp.get_json()
    result = resp.get_json()
    assert (result["total"], result["eligible"], result["passes"]) == (total, eligible, passes)


def test_entitlements_are_graded_and_need_eligibility(client, bureau_headers):
    def entitlements(applicant):
        return client.post("/v1/score", json={"city": "xian", "as_of": "2024-06-30",
                                              "applicant": applicant},
                           headers=bureau_headers).get_json()["entitlements"]

    assert entitlements(person(since="2020-01-01", score=50)) == ["public_school_enrolment"]
    assert entitlements(person(since="2018-01-01", score=85)) == [
        "public_school_enrolment", "public_rental_housing"]
    assert entitlements(person(since="2023-01-01", score=95)) == []
