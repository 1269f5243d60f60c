"""Shanghai residence-permit points under the withdrawn version 2018.1, pinned.

2018.1 was corrected by 2018.2 (and 2023.1 follows from 2023): resolution by date no
longer serves it, but a request pinning it still gets it, so a decision taken under it can
be reproduced. These cases keep the totals 2018.1 gave (its own, wrong, table: title points
without their salary condition and added to education, investment capped at 100,
public-service and outer-suburb years counted beyond five, one insurance-base ratio). The
correct table is tested in tests/cities/test_shanghai_scheme.py.

Standard score 120. Age is completed years on as_of (2024-06-30 here).
"""

from __future__ import annotations

import pytest

AS_OF = "2024-06-30"
VERSION = "2018.1"  # withdrawn: pinned to reproduce its decisions


def applicant(**overrides) -> dict:
    """Born 1990-06-30 (34 on as_of: 30 points), permit, 6 months insured, no education."""
    base = {"birth_date": "1990-06-30", "residence_permit": True, "social_insurance_months": 6,
            "education": {"level": "none", "diploma": False, "degree": False}}
    base.update(overrides)
    return base


CASES = [
    ("typical", applicant(
        birth_date="1985-01-01", social_insurance_months=60,
        education={"level": "bachelor", "diploma": True, "degree": True}, skill_grade=3,
        professional_title="intermediate", social_insurance_base_ratio=1.0,
        public_service_sector_years=7),
     # age 39: 30; bachelor both 90; max(intermediate 100, grade 3 60) = 100;
     # 60 months = 5 years x 3 = 15; base 1.0x: 50; 7 years: (7-5) x 4 = 8 -> 293
     293, True),
    ("exactly-120", applicant(social_insurance_months=120,
                              education={"level": "associate", "diploma": True, "degree": False},
                              fresh_graduate=True),
     # 30 + 10 years x 3 = 30 + associate 50 + fresh graduate 10 = 120: passes
     120, True),
    ("119", applicant(birth_date="1980-01-01", social_insurance_months=120,
                      education={"level": "associate", "diploma": True, "degree": False},
                      fresh_graduate=True),
     # age 44: 29 + 30 + 50 + 10 = 119: fails
     119, False),
    ("insurance-counts-whole-years", applicant(social_insurance_months=131),
     # 131 months = 10 full years: 30; + age 30 = 60
     60, False),
    ("age-43", applicant(birth_date="1981-01-01"), 30, False),   # 43: 30
    ("age-55", applicant(birth_date="1969-01-01"), 7, False),    # 55: 7
    ("age-56", applicant(birth_date="1968-01-01"), 5, False),    # 56: 5
    ("age-60", applicant(birth_date="1964-01-01"), 5, False),    # 60: 5
    ("age-61", applicant(birth_date="1963-01-01"), 0, False),    # over 60: 0
    ("senior-title-and-grade-1-not-added", applicant(professional_title="senior",
                                                     skill_grade=1),
     # the higher of 140 and 140, not both: 30 + 140 = 170
     170, True),
    ("skill-grade-5", applicant(skill_grade=5), 45, False),      # 30 + 15
    ("base-ratio-0.8-edge", applicant(social_insurance_base_ratio=0.8), 55, False),  # 30 + 25
    ("base-ratio-below-0.8", applicant(social_insurance_base_ratio=0.79), 30, False),
    ("base-ratio-2", applicant(social_insurance_base_ratio=2), 130, True),     # 30 + 100
    ("base-ratio-3.5", applicant(social_insurance_base_ratio=3.5), 150, True),  # 30 + 120
    ("caps", applicant(outer_suburb_years=20, investment_units=12,
                       spouse_hukou_marriage_years=15, commendation_points=110)),
    ("master", applicant(education={"level": "master", "diploma": True, "degree": True}),
     130, True),  # 30 + 100
    ("doctorate", applicant(education={"level": "doctorate", "diploma": True,
                                       "degree": True}), 140, True),  # 30 + 110
    ("bachelor-degree-only", applicant(education={"level": "bachelor", "diploma": False,
                                                  "degree": True}), 90, False),  # 30 + 60
    ("deductions", applicant(
        social_insurance_months=216, education={"level": "master", "diploma": True,
                                                "degree": True},
        false_materials_3y=1,
        criminal_record=[{"date": "2020-01-01", "kind": "administrative_detention"},
                         {"date": "2018-01-01", "kind": "criminal"},
                         {"date": "2021-01-01", "kind": "criminal"}]),
     # 30 + 18 years x 3 = 54 (all the months since turning 16) + master 100 = 184;
     # false materials -150; detention 2020 within 5 years -50; conviction 2018
     # is older than 5 years; conviction 2021 -150 -> -166
     -166, False),
]
# caps: outer suburb (20-5) x 2 = 30 -> 20; investment 12 x 10 = 120 -> 100;
# spouse 15 x 4 = 60 -> 40; commendations 110; + age 30 -> 300
CASES[15] = (*CASES[15], 300, True)


@pytest.mark.parametrize("person,total,passes", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_shanghai_profile(client, bureau_headers, person, total, passes):
    resp = client.post("/v1/score", json={"city": "shanghai", "as_of": AS_OF,
                                          "policy_version": VERSION, "applicant": person},
                       headers=bureau_headers)
    assert resp.status_code == 200, resp.get_json()
    result = resp.get_json()
    assert (result["total"], result["passes"]) == (total, passes)
    assert result["threshold"] == 120
    assert ("public_services" in result["entitlements"]) is passes
    assert result["policy"]["version"] == VERSION
    (note,) = [n for n in result["notes"] if n["code"] == "version_withdrawn"]
    assert "2018.2" in note["en"]


@pytest.mark.parametrize("overrides,failed", [
    ({"residence_permit": False}, "residence_permit"),
    ({"social_insurance_months": 5}, "insured_6_months"),
    ({"serious_crime": True, "professional_title": "senior"}, "no_serious_crime"),
], ids=["no-permit", "5-months-insured", "serious-crime-veto"])
def test_each_gate_failing(client, bureau_headers, overrides, failed):
    result = client.post("/v1/score", json={"city": "shanghai", "as_of": AS_OF,
                                            "policy_version": VERSION,
                                            "applicant": applicant(**overrides)},
                         headers=bureau_headers).get_json()
    assert [g["id"] for g in result["gates"] if not g["passed"]] == [failed]
    assert result["passes"] is False and result["entitlements"] == []


def test_capped_criteria_say_so(client, bureau_headers):
    result = client.post("/v1/score", json={"city": "shanghai", "as_of": AS_OF,
                                            "policy_version": VERSION,
                                            "applicant": CASES[15][1]},
                         headers=bureau_headers).get_json()
    capped = {b["criterion"] for b in result["breakdown"] if b["capped"]}
    assert capped == {"outer_suburb", "investment", "spouse_hukou"}
