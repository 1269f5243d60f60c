"""The withdrawn Shenzhen 2017.1 and Tianjin 2022.1, pinned: an old decision can still be
reproduced, with its old totals and a note naming the correction (the corrected schemes
are tested in tests/cities/)."""

from __future__ import annotations

import pytest

AS_OF = "2024-06-30"


def shenzhen(months=60, since="2019-01-01", **overrides) -> dict:
    base = {"birth_date": "1990-01-01", "residence_permit_since": since,
            "residence_permit": True, "employed": True,
            "insurance": {k: months for k in ("pension_months", "medical_months",
                                              "unemployment_months", "work_injury_months",
                                              "maternity_months")},
            "education": {"level": "associate", "full_time": True}}
    base.update(overrides)
    return base


def tianjin(months=60, consecutive=60, **overrides) -> dict:
    base = {"birth_date": "1990-01-01", "gender": "female", "residence_permit": True,
            "stable_residence": True, "social_insurance_months": months,
            "social_insurance_consecutive_months": consecutive}
    base.update(overrides)
    return base


CASES = [
    ("shenzhen-typical", "shenzhen", shenzhen(housing={"owned": "mortgaged"}),
     # pension 5 years x 3 = 15; four other insurances 5 x 1 each = 20; mortgaged 20;
     # permit 5 years 5; full-time associate 70 -> 130
     130, True),
    ("shenzhen-part-time", "shenzhen",
     shenzhen(months=24, since="2022-01-01", education={"level": "associate",
                                                        "full_time": False}),
     # 2 x 3 = 6 + 4 x 2 = 8; permit 2 years 2; part-time associate 60 -> 76
     76, False),
    ("shenzhen-not-employed", "shenzhen", shenzhen(employed=False), 110, False),
    # 15 + 20 + 5 + 70 = 110, but the employment gate fails
    ("tianjin-typical", "tianjin", tianjin(housing_fund_months=48, invention_patents=1),
     # first 36 months 3 x 22 = 66; next 24 months 2 x 28 = 56; fund 4 x 2 = 8;
     # one patent 2 -> 132
     132, True),
    ("tianjin-short", "tianjin", tianjin(months=30, consecutive=30),
     44, False),  # 2 full years x 22
    ("tianjin-not-continuous", "tianjin", tianjin(consecutive=11),
     122, False),  # 66 + 56, but fewer than 12 consecutive months
]


WITHDRAWN = {"shenzhen": ("2017.1", "2017.2"), "tianjin": ("2022.1", "2022.2")}


@pytest.mark.parametrize("city,applicant,total,passes", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_profile(client, bureau_headers, city, applicant, total, passes):
    version, correction = WITHDRAWN[city]
    resp = client.post("/v1/score", json={"city": city, "as_of": AS_OF, "applicant": applicant,
                                          "policy_version": version},
                       headers=bureau_headers)
    assert resp.status_code == 200, resp.get_json()
    result = resp.get_json()
    assert (result["total"], result["passes"]) == (total, passes)
    withdrawn = [n for n in result["notes"] if n["code"] == "version_withdrawn"]
    assert len(withdrawn) == 1 and correction in withdrawn[0]["en"]


@pytest.mark.parametrize("city", sorted(WITHDRAWN))
def test_the_old_shape_is_refused_by_the_correction_in_force(client, bureau_headers, city):
    applicant = next(c[2] for c in CASES if c[1] == city)
    resp = client.post("/v1/score", json={"city": city, "as_of": AS_OF, "applicant": applicant},
                       headers=bureau_headers)
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert any(path.startswith("applicant.") for path in errors), errors
