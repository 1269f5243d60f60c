"""Shanghai residence-permit points (上海居住证积分), hand-worked from the Shanghai section of
shared/reference/other-cities.md, through POST /v1/score.

The rules as the reference states them (the arithmetic of every case below is worked from
these lines, not from the policy files):
- gates: a Shanghai residence permit; at least 6 months of Shanghai employee insurance;
  veto a serious crime; veto a family-planning violation (survival after 2022: low).
- age on as_of in completed years: 56-60: 5, +2 for each year younger, at most 30
  (43 and under 30, 44: 29, 45: 27 ... 55: 7); over 60: 0 (a choice).
- education: associate 50; bachelor diploma 60; bachelor diploma and degree 90; master
  100; doctorate 110 (choices: a bachelor degree alone 60; a master or doctorate with one
  certificate in full).
- title or skill grade, the higher: grade 5: 15, 4: 30, 3: 60; grade 2 or intermediate
  title: 100; grade 1 or senior title: 140; junior 0. Intermediate/senior and grades 1-2
  only if the base was >= 1x the average wage in 6 of the last 12 months.
- education vs title/skill: only the higher counts.
- insurance: 3 per full 12 months.
- entrepreneurial talent 120; innovation-intermediary talent 120; shortage major 30.
- investment: 10 per unit, at most 120.
- insurance base: >= 0.8x in 36 of 48 months: 25; >= 1x: 50; >= 2x: 100; >= 3x in 24 of
  36 months: 120; the better counts.
- public-service sector: 4 per full year once 5 years are reached (4 years: 0, 5: 20).
- outer suburb: 2 per full year, same 5-year rule, at most 20.
- fresh graduate 10; commendation: 30 / 60 / 110, the highest only; spouse with a Shanghai
  hukou 4 per full year of marriage, at most 40.
- deductions: false materials (last 3 years) -150 each; administrative detention within 5
  years -50 each; criminal record within 5 years -150 each; records dated in
  (as_of - 5 years, as_of]. Totals may be negative.
- integer points; threshold fixed at 120: passes = eligible and total >= 120.

Versions: 2018.2 (2018-01-01 to 2022-12-31) corrects the withdrawn 2018.1; 2023.1 (from
2023-01-01, the 2022 re-issue) has the same table.
"""

from __future__ import annotations

import datetime as dt

import pytest

AS_OF = "2025-03-31"        # served by 2023.1
AS_OF_2018 = "2020-06-30"   # served by 2018.2


def before(as_of: str, years: int = 0, days: int = 0) -> str:
    """The date `years` calendar years and then `days` days before as_of."""
    day = dt.date.fromisoformat(as_of)
    day = day.replace(year=day.year - years) - dt.timedelta(days=days)
    return day.isoformat()


def person(as_of: str = AS_OF, **overrides) -> dict:
    """Aged 34 on as_of (age 30 points), a permit, 6 months insured (0 full years: 0),
    no education, nothing else: 30 points. Only the required fields are given."""
    base = {"residence_permit": True, "birth_date": before(as_of, 34),
            "social_insurance_months": 6, "education": {"level": "none"}}
    base.update(overrides)
    return base


def edu(level: str, diploma: bool = True, degree: bool = True) -> dict:
    return {"level": level, "diploma": diploma, "degree": degree}


def base(r36_48: float = 0, r24_36: float = 0, r6_12: float = 0) -> dict:
    return {"ratio_36_of_48": r36_48, "ratio_24_of_36": r24_36, "ratio_6_of_12": r6_12}


# The reference's worked example (its "Input fields" JSON).
EXAMPLE = {
    "residence_permit": True,
    "birth_date": "1989-09-20",
    "social_insurance_months": 78,
    "education": {"level": "bachelor", "diploma": True, "degree": True},
    "professional_title": "intermediate",
    "skill_grade": 0,
    "insurance_base": {"ratio_36_of_48": 1.4, "ratio_24_of_36": 1.6, "ratio_6_of_12": 1.3},
    "entrepreneur_talent": False,
    "innovation_intermediary_talent": False,
    "shortage_major": False,
    "investment_units": 0,
    "public_service_sector_years": 0,
    "outer_suburb_years": 0,
    "fresh_graduate": False,
    "commendation": "none",
    "spouse_hukou_marriage_years": 0,
    "false_materials_3y": 0,
    "serious_crime": False,
    "family_planning_violation": False,
    "criminal_record": [],
}

R5 = before(AS_OF, 5)  # 2020-03-31: exactly 5 years before as_of, outside (as_of - 5y, as_of]

# (id, applicant, total, passes, {criterion: points})
CASES = [
    # --- the reference's worked example, as_of 2025-03-31 ---------------------------------
    ("worked-example", EXAMPLE,
     # age 35 -> 30; education 90 vs title 100 (1.3 >= 1, condition met) -> 100;
     # 78 months -> 6 full years x 3 = 18; base 1.4x in 36 of 48 -> 50 (24 of 36 at 1.6 is
     # below 3): 30 + 100 + 18 + 50 = 198, passes
     198, True, {"age": 30, "education_or_title": 100, "social_insurance": 18,
                 "insurance_base": 50}),
    ("only-required-fields", person(),
     # 34 -> 30; every optional field at its default (none / 0 / false / ratios 0): 30
     30, False, {"age": 30, "education_or_title": 0, "social_insurance": 0}),

    # --- age: completed years on as_of, on the birthday and the day before ------------------
    ("age-43-day-before-44th-birthday", person(birth_date=before(AS_OF, 44, -1)),
     30, False, {"age": 30}),   # still 43: 5 + 2 x 13 = 31, capped at 30
    ("age-44-on-birthday", person(birth_date=before(AS_OF, 44)),
     29, False, {"age": 29}),   # 44: 5 + 2 x (56 - 44) = 29
    ("age-50", person(birth_date=before(AS_OF, 50)),
     17, False, {"age": 17}),   # 50: 5 + 2 x 6 = 17
    ("age-55-day-before-56th-birthday", person(birth_date=before(AS_OF, 56, -1)),
     7, False, {"age": 7}),     # still 55: 5 + 2 = 7
    ("age-56-on-birthday", person(birth_date=before(AS_OF, 56)),
     5, False, {"age": 5}),     # 56-60: 5
    ("age-60-day-before-61st-birthday", person(birth_date=before(AS_OF, 61, -1)),
     5, False, {"age": 5}),     # still 60: 5
    ("age-61-on-birthday", person(birth_date=before(AS_OF, 61)),
     0, False, {"age": 0}),     # over 60: 0 (the stated choice)

    # --- education (no title): base 30 ----------------------------------------------------
    ("associate", person(education={"level": "associate"}),
     80, False, {"education_or_title": 50}),          # 30 + 50
    ("bachelor-diploma-only", person(education=edu("bachelor", degree=False)),
     90, False, {"education_or_title": 60}),          # 30 + 60
    ("bachelor-degree-only-choice", person(education=edu("bachelor", diploma=False)),
     90, False, {"education_or_title": 60}),          # choice: a degree alone scores 60
    ("bachelor-neither", person(education=edu("bachelor", False, False)),
     30, False, {"education_or_title": 0}),           # no certificate: 0
    ("bachelor-both-exactly-120", person(education=edu("bachelor")),
     120, True, {"education_or_title": 90}),          # 30 + 90 = 120: reaches the threshold
    ("bachelor-both-119", person(birth_date=before(AS_OF, 44), education=edu("bachelor")),
     119, False, {"age": 29, "education_or_title": 90}),  # 29 + 90 = 119: one short
    ("master-both", person(education=edu("master")),
     130, True, {"education_or_title": 100}),         # 30 + 100
    ("master-diploma-only-choice", person(education=edu("master", degree=False)),
     130, True, {"education_or_title": 100}),         # choice: one certificate in full
    ("doctorate-degree-only-choice", person(education=edu("doctorate", diploma=False)),
     140, True, {"education_or_title": 110}),         # 30 + 110

    # --- title and skill grade with the base condition (ratio_6_of_12 >= 1) ---------------
    ("intermediate-condition-met-at-1", person(professional_title="intermediate",
                                               insurance_base=base(r6_12=1)),
     130, True, {"education_or_title": 100}),         # 1 >= 1: 100
    ("intermediate-condition-missed-0.99", person(professional_title="intermediate",
                                                  insurance_base=base(r6_12=0.99)),
     30, False, {"education_or_title": 0}),           # 0.99 < 1: 0
    ("senior-condition-met", person(professional_title="senior",
                                    insurance_base=base(r6_12=1)),
     170, True, {"education_or_title": 140}),         # 30 + 140
    ("senior-condition-missed", person(professional_title="senior",
                                       insurance_base=base(r6_12=0.99)),
     30, False, {"education_or_title": 0}),
    ("junior-title-0", person(professional_title="junior", insurance_base=base(r6_12=2)),
     30, False, {"education_or_title": 0}),           # junior title: 0
    ("skill-1-condition-met", person(skill_grade=1, insurance_base=base(r6_12=1)),
     170, True, {"education_or_title": 140}),
    ("skill-1-condition-missed", person(skill_grade=1, insurance_base=base(r6_12=0.99)),
     30, False, {"education_or_title": 0}),
    ("skill-2-condition-met", person(skill_grade=2, insurance_base=base(r6_12=1)),
     130, True, {"education_or_title": 100}),
    ("skill-2-condition-missed", person(skill_grade=2, insurance_base=base(r6_12=0.99)),
     30, False, {"education_or_title": 0}),
    ("skill-3-no-condition", person(skill_grade=3),
     90, False, {"education_or_title": 60}),          # grades 3-5 need no base condition
    ("skill-4", person(skill_grade=4), 60, False, {"education_or_title": 30}),
    ("skill-5", person(skill_grade=5), 45, False, {"education_or_title": 15}),
    ("title-vs-skill-higher-only", person(professional_title="intermediate", skill_grade=1,
                                          insurance_base=base(r6_12=1.2)),
     170, True, {"education_or_title": 140}),         # max(100, 140), not 240
    ("senior-unmet-falls-back-to-skill-3", person(professional_title="senior", skill_grade=3,
                                                  insurance_base=base(r6_12=0.5)),
     90, False, {"education_or_title": 60}),          # senior 0 (condition), grade 3: 60

    # --- education vs title/skill: only the higher ----------------------------------------
    ("bachelor-90-vs-intermediate-100", person(education=edu("bachelor"),
                                               professional_title="intermediate",
                                               insurance_base=base(r6_12=1)),
     130, True, {"education_or_title": 100}),         # max(90, 100) = 100, not 190
    ("doctorate-110-vs-intermediate-100", person(education=edu("doctorate"),
                                                 professional_title="intermediate",
                                                 insurance_base=base(r6_12=1)),
     140, True, {"education_or_title": 110}),         # max(110, 100) = 110
    ("master-100-vs-senior-unmet", person(education=edu("master"), professional_title="senior"),
     130, True, {"education_or_title": 100}),         # senior 0 without the condition

    # --- insurance years: 3 per full 12 months ---------------------------------------------
    ("insured-11-months", person(social_insurance_months=11),
     30, False, {"social_insurance": 0}),             # no full year
    ("insured-12-months", person(social_insurance_months=12),
     33, False, {"social_insurance": 3}),             # 1 full year: 3
    ("insured-131-months", person(social_insurance_months=131),
     60, False, {"social_insurance": 30}),            # 10 full years (131 // 12): 30

    # --- insurance base bands (edges and just below) ----------------------------------------
    ("base-0.79", person(insurance_base=base(0.79, 0.79)), 30, False, {"insurance_base": 0}),
    ("base-0.8", person(insurance_base=base(0.8, 0.8)), 55, False, {"insurance_base": 25}),
    ("base-0.99", person(insurance_base=base(0.99, 0.99)), 55, False, {"insurance_base": 25}),
    ("base-1", person(insurance_base=base(1, 1)), 80, False, {"insurance_base": 50}),
    ("base-1.99", person(insurance_base=base(1.99, 1.99)), 80, False, {"insurance_base": 50}),
    ("base-2", person(insurance_base=base(2, 2)), 130, True, {"insurance_base": 100}),
    ("base-2.99", person(insurance_base=base(2.99, 2.99)), 130, True,
     {"insurance_base": 100}),                        # 24 of 36 below 3: the 2x band, 100
    ("base-3-in-24-of-36", person(insurance_base=base(2.5, 3)), 150, True,
     {"insurance_base": 120}),                        # 3x in 24 of 36: 120, the better
    ("base-3-both-not-added", person(insurance_base=base(3, 3)), 150, True,
     {"insurance_base": 120}),                        # the better counts: 120, not 100 + 120
    ("base-36-of-48-alone-stays-100", person(insurance_base={"ratio_36_of_48": 3.5}), 130, True,
     {"insurance_base": 100}),  # the 36-of-48 bands stop at 100; 120 reads ratio_24_of_36 (0)

    # --- the two 120-point talents, shortage major, fresh graduate --------------------------
    ("entrepreneur-talent", person(entrepreneur_talent=True), 150, True,
     {"entrepreneur_talent": 120}),
    ("innovation-intermediary-talent", person(innovation_intermediary_talent=True), 150, True,
     {"innovation_intermediary_talent": 120}),
    ("shortage-major", person(shortage_major=True), 60, False, {"shortage_major": 30}),
    ("fresh-graduate", person(fresh_graduate=True), 40, False, {"fresh_graduate": 10}),

    # --- investment: 10 a unit, at most 120 -------------------------------------------------
    ("investment-1", person(investment_units=1), 40, False, {"investment": 10}),
    ("investment-12-at-cap", person(investment_units=12), 150, True, {"investment": 120}),
    ("investment-13-capped", person(investment_units=13), 150, True, {"investment": 120}),

    # --- public-service sector: all years once 5 are reached ---------------------------------
    ("public-service-4-years", person(public_service_sector_years=4), 30, False,
     {"public_service": 0}),                          # under 5: nothing
    ("public-service-5-years", person(public_service_sector_years=5), 50, False,
     {"public_service": 20}),                         # 5 x 4 = 20
    ("public-service-6-years", person(public_service_sector_years=6), 54, False,
     {"public_service": 24}),                         # 6 x 4 = 24 (no cap found)

    # --- outer suburb: same rule, at most 20 -------------------------------------------------
    ("outer-suburb-4-years", person(outer_suburb_years=4), 30, False, {"outer_suburb": 0}),
    ("outer-suburb-5-years", person(outer_suburb_years=5), 40, False, {"outer_suburb": 10}),
    ("outer-suburb-10-years-at-cap", person(outer_suburb_years=10), 50, False,
     {"outer_suburb": 20}),                           # 10 x 2 = 20
    ("outer-suburb-11-years-capped", person(outer_suburb_years=11), 50, False,
     {"outer_suburb": 20}),                           # 22, capped at 20

    # --- commendations: the highest one ------------------------------------------------------
    ("commendation-municipal-specific", person(commendation="municipal_specific"), 60, False,
     {"commendation": 30}),
    ("commendation-municipal-comprehensive", person(commendation="municipal_comprehensive"),
     90, False, {"commendation": 60}),
    ("commendation-provincial", person(commendation="provincial_or_higher"), 140, True,
     {"commendation": 110}),

    # --- spouse with a Shanghai hukou: 4 a year, at most 40 ------------------------------------
    ("spouse-1-year", person(spouse_hukou_marriage_years=1), 34, False, {"spouse_hukou": 4}),
    ("spouse-10-years-at-cap", person(spouse_hukou_marriage_years=10), 70, False,
     {"spouse_hukou": 40}),
    ("spouse-11-years-capped", person(spouse_hukou_marriage_years=11), 70, False,
     {"spouse_hukou": 40}),                           # 44, capped at 40

    # --- deductions (totals may be negative) --------------------------------------------------
    ("false-materials-1", person(false_materials_3y=1), -120, False,
     {"false_materials": -150}),                      # 30 - 150
    ("false-materials-2", person(false_materials_3y=2), -270, False,
     {"false_materials": -300}),                      # 30 - 300
    ("detention-one-day-inside-5-years",
     person(criminal_record=[{"date": before(AS_OF, 5, -1), "kind": "administrative_detention"}]),
     -20, False, {"detentions": -50}),                # 2020-04-01 is within: 30 - 50
    ("detention-exactly-5-years-before",
     person(criminal_record=[{"date": R5, "kind": "administrative_detention"}]),
     30, False, {"detentions": 0}),                   # 2020-03-31: outside (as_of - 5y, as_of]
    ("detention-5-years-and-a-day-before",
     person(criminal_record=[{"date": before(AS_OF, 5, 1), "kind": "administrative_detention"}]),
     30, False, {"detentions": 0}),
    ("conviction-one-day-inside-5-years",
     person(criminal_record=[{"date": before(AS_OF, 5, -1), "kind": "criminal"}]),
     -120, False, {"convictions": -150}),             # 30 - 150
    ("conviction-exactly-5-years-before",
     person(criminal_record=[{"date": R5, "kind": "criminal"}]),
     30, False, {"convictions": 0}),
    ("records-on-as_of-count-and-add-up",
     person(false_materials_3y=1,
            criminal_record=[{"date": AS_OF, "kind": "administrative_detention"},
                             {"date": "2023-01-15", "kind": "administrative_detention"},
                             {"date": "2024-05-01", "kind": "criminal"}]),
     -370, False, {"false_materials": -150, "detentions": -100, "convictions": -150}),
     # 30 - 150 - 2 x 50 - 150 = -370

    # --- everything at once -------------------------------------------------------------------
    ("all-indicators", person(
        birth_date=before(AS_OF, 45), social_insurance_months=100,
        education=edu("master"), professional_title="senior",
        insurance_base=base(2.2, 2.4, 2.5), shortage_major=True, investment_units=2,
        outer_suburb_years=6, fresh_graduate=False, commendation="municipal_comprehensive",
        spouse_hukou_marriage_years=3),
     # age 45: 27; max(master 100, senior 140 with 2.5 >= 1) = 140; 100 months -> 8 years
     # x 3 = 24; base 2.2x in 36 of 48 -> 100 (24 of 36 at 2.4 < 3); shortage 30;
     # investment 2 x 10 = 20; outer suburb 6 x 2 = 12; commendation 60; spouse 3 x 4 = 12:
     # 27 + 140 + 24 + 100 + 30 + 20 + 12 + 60 + 12 = 425
     425, True, {"age": 27, "education_or_title": 140, "social_insurance": 24,
                 "insurance_base": 100, "shortage_major": 30, "investment": 20,
                 "outer_suburb": 12, "commendation": 60, "spouse_hukou": 12}),
]


def post(client, headers, applicant, as_of=AS_OF, version=None):
    body = {"city": "shanghai", "as_of": as_of, "applicant": applicant}
    if version is not None:
        body["policy_version"] = version
    return client.post("/v1/score", json=body, headers=headers)


def scored(client, headers, applicant, as_of=AS_OF, version=None) -> dict:
    resp = post(client, headers, applicant, as_of, version)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def points(result: dict) -> dict:
    return {b["criterion"]: b["points"] for b in result["breakdown"]}


@pytest.mark.parametrize("applicant,total,passes,expected", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_profile(client, bureau_headers, applicant, total, passes, expected):
    result = scored(client, bureau_headers, applicant)
    assert result["policy"]["version"] == "2023.1"
    assert result["eligible"] is True
    assert [g["id"] for g in result["gates"] if not g["passed"]] == []
    # integer points: the total is whole and its exact form has no fraction
    assert (result["total"], result["total_exact"]) == (total, str(total))
    assert result["passes"] is passes
    assert result["threshold"] == 120 and result["threshold_kind"] == "fixed"
    assert ("public_services" in result["entitlements"]) is passes
    got = points(result)
    assert {k: got[k] for k in expected} == expected
    assert all(p == int(p) for p in got.values())


CAPPED = {"investment-13-capped": "investment", "outer-suburb-11-years-capped": "outer_suburb",
          "spouse-11-years-capped": "spouse_hukou"}
AT_CAP = {"investment-12-at-cap": "investment", "outer-suburb-10-years-at-cap": "outer_suburb",
          "spouse-10-years-at-cap": "spouse_hukou"}


@pytest.mark.parametrize("case,criterion,capped", [
    *((k, v, True) for k, v in CAPPED.items()), *((k, v, False) for k, v in AT_CAP.items())])
def test_a_cap_binds_only_above_it(client, bureau_headers, case, criterion, capped):
    applicant = next(c[1] for c in CASES if c[0] == case)
    result = scored(client, bureau_headers, applicant)
    (item,) = [b for b in result["breakdown"] if b["criterion"] == criterion]
    assert item["capped"] is capped


# --- gates -----------------------------------------------------------------------------------

@pytest.mark.parametrize("overrides,failed,total", [
    ({"residence_permit": False}, ["residence_permit"], 30),
    ({"social_insurance_months": 5}, ["insured_6_months"], 30),       # 5 < 6
    ({"serious_crime": True, "education": edu("doctorate")}, ["no_serious_crime"], 140),
    ({"family_planning_violation": True, "education": edu("doctorate")},
     ["no_family_planning_violation"], 140),
    ({"residence_permit": False, "serious_crime": True},
     ["residence_permit", "no_serious_crime"], 30),
], ids=["no-permit", "insured-5-months", "serious-crime-veto", "family-planning-veto",
        "two-gates"])
def test_a_failed_gate_makes_the_applicant_ineligible(client, bureau_headers, overrides,
                                                      failed, total):
    result = scored(client, bureau_headers, person(**overrides))
    assert [g["id"] for g in result["gates"] if not g["passed"]] == failed
    # the points are still counted (the doctorate's 30 + 110 = 140 would pass)
    assert result["eligible"] is False and result["total"] == total
    assert result["passes"] is False and result["entitlements"] == []


def test_insured_exactly_6_months_passes_the_gate(client, bureau_headers):
    result = scored(client, bureau_headers, person(social_insurance_months=6))
    assert {g["id"]: g["passed"] for g in result["gates"]} == {
        "residence_permit": True, "insured_6_months": True, "no_serious_crime": True,
        "no_family_planning_violation": True}


def test_a_serious_crime_vetoes_even_a_high_total(client, bureau_headers):
    result = scored(client, bureau_headers, {**EXAMPLE, "serious_crime": True})
    assert (result["total"], result["eligible"], result["passes"]) == (198, False, False)


# --- the 2018.2 correction: the same table from 2018-01-01 to 2022-12-31 ----------------------

CASES_2018 = [
    ("worked-example", EXAMPLE, 198, True),
    # on 2020-06-30: age 30 -> 30; max(90, 100 with 1.3 >= 1) = 100; 78 months -> 18;
    # base 1.4x -> 50: 198
    ("title-condition-missed", {**EXAMPLE, "insurance_base": {"ratio_36_of_48": 1.4,
                                                              "ratio_24_of_36": 1.6,
                                                              "ratio_6_of_12": 0.9}},
     188, True),  # title 0 (0.9 < 1): education 90 counts: 30 + 90 + 18 + 50 = 188
    ("investment-13", person(AS_OF_2018, investment_units=13), 150, True),  # 30 + 120 (cap)
    ("public-service-5", person(AS_OF_2018, public_service_sector_years=5), 50, False),
    ("public-service-4", person(AS_OF_2018, public_service_sector_years=4), 30, False),
    ("innovation-talent", person(AS_OF_2018, innovation_intermediary_talent=True), 150, True),
    ("base-3-in-24-of-36", person(AS_OF_2018, insurance_base=base(2.5, 3)), 150, True),
    ("detention-inside-5-years", person(AS_OF_2018, criminal_record=[
        {"date": before(AS_OF_2018, 5, -1), "kind": "administrative_detention"}]), -20, False),
    ("detention-exactly-5-years", person(AS_OF_2018, criminal_record=[
        {"date": before(AS_OF_2018, 5), "kind": "administrative_detention"}]), 30, False),
]


@pytest.mark.parametrize("applicant,total,passes", [c[1:] for c in CASES_2018],
                         ids=[c[0] for c in CASES_2018])
def test_the_2018_correction_scores_the_same_table(client, bureau_headers, applicant, total,
                                                   passes):
    result = scored(client, bureau_headers, applicant, as_of=AS_OF_2018)
    assert result["policy"]["version"] == "2018.2"
    assert (result["total"], result["total_exact"], result["passes"]) == \
        (total, str(total), passes)
    assert not [n for n in result["notes"] if n["code"] == "version_withdrawn"]


def test_the_2018_correction_has_the_family_planning_veto(client, bureau_headers):
    result = scored(client, bureau_headers,
                    person(AS_OF_2018, family_planning_violation=True), as_of=AS_OF_2018)
    assert [g["id"] for g in result["gates"] if not g["passed"]] == \
        ["no_family_planning_violation"]
    assert result["eligible"] is False


# --- versions: resolution by date, the withdrawn 2018.1, the old fields ------------------------

@pytest.mark.parametrize("as_of,version", [
    ("2018-01-01", "2018.2"),   # the correction starts with the version it replaces
    ("2022-12-31", "2018.2"),
    ("2023-01-01", "2023.1"),   # the re-issue (start date assumed)
    (AS_OF, "2023.1"),
])
def test_resolution_by_date_serves_the_correction_then_the_reissue(client, bureau_headers,
                                                                   as_of, version):
    result = scored(client, bureau_headers, person(as_of), as_of=as_of)
    assert result["policy"]["version"] == version


OLD_APPLICANT = {"birth_date": "1985-01-01", "residence_permit": True,
                 "social_insurance_months": 60,
                 "education": {"level": "bachelor", "diploma": True, "degree": True},
                 "skill_grade": 3, "professional_title": "intermediate",
                 "social_insurance_base_ratio": 1.0, "public_service_sector_years": 7}


def test_pinning_the_withdrawn_2018_1_reproduces_its_decision(client, bureau_headers):
    # As 2018.1 decided it (tests/api/test_shanghai_cases.py "typical"): age 39: 30;
    # bachelor 90 added to max(intermediate 100, grade 3 60) = 100, with no base condition;
    # 5 years x 3 = 15; base 1.0x: 50; (7 - 5) x 4 = 8 -> 293
    result = scored(client, bureau_headers, OLD_APPLICANT, as_of="2024-06-30",
                    version="2018.1")
    assert result["policy"]["version"] == "2018.1"
    assert result["total"] == 293
    (note,) = [n for n in result["notes"] if n["code"] == "version_withdrawn"]
    assert "2018.2" in note["en"] and "2018.2" in note["zh"]
    assert "120" in note["en"]  # the reason names what was corrected


def test_the_policy_list_marks_2018_1_withdrawn(client, bureau_headers):
    cities = client.get("/v1/policies", headers=bureau_headers).get_json()["cities"]
    (shanghai,) = [c for c in cities if c["city"] == "shanghai"]
    withdrawn = {v["version"]: v["withdrawn"] for v in shanghai["versions"]}
    assert withdrawn["2018.1"]["replaced_by"] == "2018.2"
    assert withdrawn["2018.2"] is None and withdrawn["2023.1"] is None


@pytest.mark.parametrize("as_of,version,field,value", [
    (AS_OF, None, "social_insurance_base_ratio", 1.0),
    (AS_OF, None, "commendation_points", 30),
    (AS_OF_2018, None, "social_insurance_base_ratio", 1.0),
    (AS_OF_2018, "2018.2", "commendation_points", 30),
])
def test_fields_of_the_old_table_are_refused(client, bureau_headers, as_of, version, field,
                                             value):
    resp = post(client, bureau_headers, person(as_of, **{field: value}), as_of, version)
    assert resp.status_code == 422, resp.get_json()
    assert any(field in path for path in resp.get_json()["errors"]), resp.get_json()


def test_the_withdrawn_version_refuses_the_new_fields(client, bureau_headers):
    resp = post(client, bureau_headers, {**OLD_APPLICANT, "insurance_base": base(1, 1, 1)},
                "2024-06-30", "2018.1")
    assert resp.status_code == 422, resp.get_json()


@pytest.mark.parametrize("missing", ["residence_permit", "birth_date",
                                     "social_insurance_months", "education"])
def test_required_fields(client, bureau_headers, missing):
    applicant = {k: v for k, v in person().items() if k != missing}
    resp = post(client, bureau_headers, applicant)
    assert resp.status_code == 422, resp.get_json()


def test_medium_figures_that_gave_points_are_listed(client, bureau_headers):
    result = scored(client, bureau_headers, {**EXAMPLE, "investment_units": 13})
    uncertain = {u["id"]: u["confidence"] for u in result["uncertain"]}
    # the exclusion (medium) and the investment cap (medium) gave points; age, insurance
    # years and the base bands are high
    assert uncertain == {"education_or_title": "medium", "investment": "medium"}
    assert result["omitted"] == []
