"""Tianjin residence-permit points (天津居住证积分落户), version 2022.2, hand-worked from the
Tianjin section of shared/reference/other-cities.md (not from the policy file or the code).

The rules used below, as the reference states them:
- reference date: an application in January-June counts to 31 December of the previous
  year, one in July-December to 30 June of the same year; months, age (completed years,
  a choice) and the 5-year window of criminal records are taken on that date;
- gates: valid residence permit; 12 consecutive months of insurance OR 36 months since
  2014-01-01; below the retirement age, men 60 and women 50; stable residence (a choice);
- insurance: nothing under 12 months; 22 a year (22/12 a month) up to month 36, 28 a year
  (28/12 a month) from month 37; fund: 3 a year to month 60, 4 a year after, by the month;
- residence: registered rental 6 a year, owned home central 10, ring 11, outer 12,
  Binhai 15 a year (whole years: the policy's stated choice, since the reference says
  only insurance and fund accrue by the month);
- age <= 35: 10, 36-45: 5, >= 46: 0; education bachelor or higher 20, associate 10;
  qualification senior 30 / intermediate 20 / junior 15 or skill grade 1-5: 30/20/15/10/5,
  only the highest; occupation very short 25 / short 15 / generally short 10, added;
  marriage (spouse insured 24 months) 20; awards national 30 / provincial 20;
- deductions: -100 per criminal record within 5 years before the reference date, -30 per
  false information (a low-confidence choice);
- the total is kept exact and rounded to 2 decimals half up; passes = eligible and >= 110.

Most cases apply on 2024-09-15 (second half: reference date 2024-06-30) with BASE: a
woman born 1990-01-01 (34 on 2024-06-30: age 10) with 48 months of insurance, all
consecutive (36 x 22/12 + 12 x 28/12 = 66 + 28 = 94): 94 + 10 = 104, eligible, below 110.
"""

from __future__ import annotations

import pytest

AS_OF = "2024-09-15"  # July-December: reference date 2024-06-30
BASE = {"birth_date": "1990-01-01", "gender": "female", "residence_permit": True,
        "social_insurance_months": 48, "social_insurance_consecutive_months": 48}

# The reference's own worked example (input fields exactly as it prints them).
WORKED = {
    "birth_date": "1990-06-15", "gender": "female", "residence_permit": True,
    "stable_residence": True, "social_insurance_months": 48,
    "social_insurance_consecutive_months": 48, "housing_fund_months": 24,
    "residence": {"rented_months": 0,
                  "owned_months": {"central": 0, "ring": 0, "outer": 36, "binhai": 0}},
    "education": {"level": "bachelor"}, "professional_qualification": "none",
    "skill_grade": 3, "occupation": "generally_short", "spouse_insured_24_months": False,
    "skills_award": "none", "false_information_5y": 0, "criminal_record": [],
}


def applicant(**overrides) -> dict:
    out = dict(BASE)
    out.update(overrides)
    return out


def months(n: int) -> dict:
    """Insurance months, all of them consecutive."""
    return {"social_insurance_months": n, "social_insurance_consecutive_months": n}


def crime(date: str, kind: str = "criminal") -> dict:
    return {"date": date, "kind": kind}


def post(client, headers, body: dict):
    return client.post("/v1/score", json=body, headers=headers)


def score(client, headers, person: dict, as_of: str = AS_OF, version: str | None = None):
    body = {"city": "tianjin", "as_of": as_of, "applicant": person}
    if version is not None:
        body["policy_version"] = version
    resp = post(client, headers, body)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def points(result: dict) -> dict:
    return {b["criterion"]: b["points"] for b in result["breakdown"]}


def exact(result: dict) -> dict:
    return {b["criterion"]: b["points_exact"] for b in result["breakdown"]}


def failed(result: dict) -> list:
    return [g["id"] for g in result["gates"] if not g["passed"]]


# (id, applicant, as_of, total, total_exact, eligible, failing gates, passes,
#  {criterion: points})
CASES = [
    # ---- The reference's worked example: applying 2023-03-10 (January-June), so the
    # reference date is 2022-12-31. Born 1990-06-15: 32 on that date -> 10; bachelor 20;
    # skill grade 3 -> 15; generally short occupation 10 (added); insurance 48 months ->
    # 36 x 22/12 + 12 x 28/12 = 66 + 28 = 94; fund 24 months -> 24 x 3/12 = 6; owned home
    # in Wuqing (outer five) 3 years x 12 = 36. 10 + 20 + 15 + 10 + 94 + 6 + 36 = 191.
    ("worked-example", WORKED, "2023-03-10", 191, "191", True, [], True,
     {"age": 10, "education": 20, "qualification_or_skill": 15, "occupation": 10,
      "social_insurance": 94, "housing_fund": 6, "residence_owned_outer": 36,
      "marriage": 0, "skills_award": 0, "criminal_record": 0, "false_information": 0}),

    # ---- Reference date by half-year. Born 1988-03-01: 35 on 2023-12-31, 36 on
    # 2024-06-30. Applying 2024-06-30 (first half) counts to 2023-12-31: age 35 -> 10,
    # 94 + 10 = 104. Applying 2024-07-01 (second half) counts to 2024-06-30: 36 -> 5, 99.
    ("half-year-june-30", applicant(birth_date="1988-03-01"), "2024-06-30", 104, "104",
     True, [], False, {"age": 10}),
    ("half-year-july-1", applicant(birth_date="1988-03-01"), "2024-07-01", 99, "99",
     True, [], False, {"age": 5}),
    # Born 1987-10-01: 35 on 2023-06-30, 36 on 2023-12-31. Applying 2023-12-31 (second
    # half of 2023) counts to 2023-06-30: 35 -> 10 (104); applying 2024-01-01 (first half
    # of 2024) counts to 2023-12-31: 36 -> 5 (99).
    ("half-year-dec-31", applicant(birth_date="1987-10-01"), "2023-12-31", 104, "104",
     True, [], False, {"age": 10}),
    ("half-year-jan-1", applicant(birth_date="1987-10-01"), "2024-01-01", 99, "99",
     True, [], False, {"age": 5}),
    # The criminal window moves with the reference date too: a sentence that ended
    # 2019-03-01 is within 5 years before 2023-12-31 (applying 2024-06-30): 104 - 100 = 4;
    # not within 5 years before 2024-06-30 (applying 2024-07-01): 104.
    ("half-year-crime-june-30", applicant(criminal_record=[crime("2019-03-01")]),
     "2024-06-30", 4, "4", True, [], False, {"criminal_record": -100}),
    ("half-year-crime-july-1", applicant(criminal_record=[crime("2019-03-01")]),
     "2024-07-01", 104, "104", True, [], False, {"criminal_record": 0}),

    # ---- Social insurance (age 10 in each; total = insurance + 10).
    # 0 months: nothing; the 12-consecutive gate fails too.
    ("insurance-0", applicant(**months(0)), AS_OF, 10, "10", False, ["insured"], False,
     {"social_insurance": 0}),
    # 11 months: under 12, nothing (and under 12 consecutive months: not eligible).
    ("insurance-11", applicant(**months(11)), AS_OF, 10, "10", False, ["insured"], False,
     {"social_insurance": 0}),
    # 12 months: 12 x 22/12 = 22; 22 + 10 = 32.
    ("insurance-12", applicant(**months(12)), AS_OF, 32, "32", True, [], False,
     {"social_insurance": 22}),
    # 13 months: 13 x 22/12 = 22 + 22/12 = 143/6 = 23.8333...; total 203/6 = 33.8333 ->
    # 33.83 (the breakdown shows 23.83).
    ("insurance-13", applicant(**months(13)), AS_OF, 33.83, "203/6", True, [], False,
     {"social_insurance": 23.83}),
    # 14 months: 14 x 22/12 = 77/3 = 25.6666...; total 107/3 = 35.6666 -> 35.67 (half up
    # rounds the third decimal 6 up; truncation would give 35.66).
    ("insurance-14", applicant(**months(14)), AS_OF, 35.67, "107/3", True, [], False,
     {"social_insurance": 25.67}),
    # 36 months: 36 x 22/12 = 66; 76.
    ("insurance-36", applicant(**months(36)), AS_OF, 76, "76", True, [], False,
     {"social_insurance": 66}),
    # 37 months: 66 + 1 x 28/12 = 66 + 7/3 = 205/3 = 68.3333; total 235/3 = 78.3333 -> 78.33.
    ("insurance-37", applicant(**months(37)), AS_OF, 78.33, "235/3", True, [], False,
     {"social_insurance": 68.33}),
    # 48 months: 66 + 12 x 28/12 = 94; 104.
    ("insurance-48", applicant(**months(48)), AS_OF, 104, "104", True, [], False,
     {"social_insurance": 94}),
    # 120 months: 66 + 84 x 28/12 = 66 + 196 = 262; 272.
    ("insurance-120", applicant(**months(120)), AS_OF, 272, "272", True, [], True,
     {"social_insurance": 262}),

    # ---- Housing fund (BASE 104 + fund).
    # 12 months: 3; 107.
    ("fund-12", applicant(housing_fund_months=12), AS_OF, 107, "107", True, [], False,
     {"housing_fund": 3}),
    # 13 months: 13 x 3/12 = 3.25; 107.25.
    ("fund-13", applicant(housing_fund_months=13), AS_OF, 107.25, "107.25", True, [], False,
     {"housing_fund": 3.25}),
    # 60 months: 60 x 3/12 = 15; 119.
    ("fund-60", applicant(housing_fund_months=60), AS_OF, 119, "119", True, [], True,
     {"housing_fund": 15}),
    # 61 months: 15 + 1 x 4/12 = 46/3 = 15.3333; total 358/3 = 119.3333 -> 119.33.
    ("fund-61", applicant(housing_fund_months=61), AS_OF, 119.33, "358/3", True, [], True,
     {"housing_fund": 15.33}),
    # 72 months: 15 + 12 x 4/12 = 19; 123.
    ("fund-72", applicant(housing_fund_months=72), AS_OF, 123, "123", True, [], True,
     {"housing_fund": 19}),

    # ---- Rounding half up of the exact total: 13 months of insurance (143/6) and 61 of
    # fund (46/3 = 92/6): 235/6, plus age 10: 295/6 = 49.1666... -> 49.17. (The scheme's
    # fractions are twelfths, so an exact half of a hundredth cannot arise: half up shows
    # as rounding a third decimal of 6 up, never down.)
    ("rounding-half-up", applicant(housing_fund_months=61, **months(13)), AS_OF, 49.17,
     "295/6", True, [], False, {"social_insurance": 23.83, "housing_fund": 15.33}),

    # ---- The insurance gate: 12 consecutive months OR 36 months since 2014-01-01.
    # 12 consecutive (of 12): passes.
    ("gate-12-consecutive", applicant(**months(12)), AS_OF, 32, "32", True, [], False, {}),
    # 11 consecutive of 40, 36 since 2014: passes by the second route. Points: 36 x 22/12
    # + 4 x 28/12 = 66 + 28/3 = 226/3; + 10 = 256/3 = 85.3333 -> 85.33.
    ("gate-36-since-2014", applicant(social_insurance_months=40,
                                     social_insurance_consecutive_months=11,
                                     social_insurance_months_since_2014=36),
     AS_OF, 85.33, "256/3", True, [], False, {"social_insurance": 75.33}),
    # 11 consecutive, 35 since 2014: neither route.
    ("gate-35-since-2014", applicant(social_insurance_months=40,
                                     social_insurance_consecutive_months=11,
                                     social_insurance_months_since_2014=35),
     AS_OF, 85.33, "256/3", False, ["insured"], False, {}),
    # No consecutive months at all but 36 since 2014: passes. 36 months -> 66 + 10 = 76.
    ("gate-0-consecutive-36-since-2014",
     applicant(social_insurance_months=36, social_insurance_consecutive_months=0,
               social_insurance_months_since_2014=36),
     AS_OF, 76, "76", True, [], False, {}),
    # Left out, the months since 2014 are the months of insurance (the reference's
    # default): 40 >= 36, so the second route passes with 11 consecutive months.
    ("gate-since-2014-left-out", applicant(social_insurance_months=40,
                                           social_insurance_consecutive_months=11),
     AS_OF, 85.33, "256/3", True, [], False, {}),
    # Left out with 35 months of insurance: 35 < 36 and 11 < 12, neither route.
    ("gate-since-2014-left-out-35", applicant(social_insurance_months=35,
                                              social_insurance_consecutive_months=11),
     AS_OF, 74.17, "445/6", False, ["insured"], False, {}),

    # ---- Retirement: men below 60, women below 50, completed years on the reference
    # date 2024-06-30. Age 0 points at 46+; 94 points of insurance.
    # A man born 1964-07-01 is 59 on 2024-06-30: eligible.
    ("retire-man-59", applicant(gender="male", birth_date="1964-07-01"), AS_OF, 94, "94",
     True, [], False, {"age": 0}),
    # A man born 1964-06-30 is 60 on 2024-06-30: not eligible.
    ("retire-man-60", applicant(gender="male", birth_date="1964-06-30"), AS_OF, 94, "94",
     False, ["below_retirement_age"], False, {}),
    # A woman born 1974-07-01 is 49: eligible; born 1974-06-30 she is 50: not eligible.
    ("retire-woman-49", applicant(birth_date="1974-07-01"), AS_OF, 94, "94", True, [],
     False, {}),
    ("retire-woman-50", applicant(birth_date="1974-06-30"), AS_OF, 94, "94", False,
     ["below_retirement_age"], False, {}),
    # The same 50 years for a man: eligible.
    ("retire-man-50", applicant(gender="male", birth_date="1974-06-30"), AS_OF, 94, "94",
     True, [], False, {}),
    # Age on the reference date (the choice): a man born 1964-08-01 is 60 on as_of
    # 2024-09-15 but 59 on 2024-06-30: eligible.
    ("retire-age-on-reference-date", applicant(gender="male", birth_date="1964-08-01"),
     AS_OF, 94, "94", True, [], False, {}),

    # ---- Age bands on 2024-06-30 (94 of insurance + age).
    # Born 1989-06-30: 35 exactly -> 10 (104). Born 1988-07-01: still 35 -> 10.
    ("age-35-birthday", applicant(birth_date="1989-06-30"), AS_OF, 104, "104", True, [],
     False, {"age": 10}),
    ("age-35-last-day", applicant(birth_date="1988-07-01"), AS_OF, 104, "104", True, [],
     False, {"age": 10}),
    # Born 1988-06-30: 36 -> 5 (99).
    ("age-36", applicant(birth_date="1988-06-30"), AS_OF, 99, "99", True, [], False,
     {"age": 5}),
    # Born 1978-07-01: 45 -> 5 (99). Born 1978-06-30: 46 -> 0 (94).
    ("age-45", applicant(birth_date="1978-07-01"), AS_OF, 99, "99", True, [], False,
     {"age": 5}),
    ("age-46", applicant(birth_date="1978-06-30", gender="male"), AS_OF, 94, "94", True, [],
     False, {"age": 0}),

    # ---- Education (BASE 104 + points).
    ("education-none", applicant(education={"level": "none"}), AS_OF, 104, "104", True, [],
     False, {"education": 0}),
    ("education-associate", applicant(education={"level": "associate"}), AS_OF, 114, "114",
     True, [], True, {"education": 10}),
    ("education-bachelor", applicant(education={"level": "bachelor"}), AS_OF, 124, "124",
     True, [], True, {"education": 20}),
    ("education-master", applicant(education={"level": "master"}), AS_OF, 124, "124", True,
     [], True, {"education": 20}),
    ("education-doctorate", applicant(education={"level": "doctorate"}), AS_OF, 124, "124",
     True, [], True, {"education": 20}),

    # ---- Qualification or skill grade: only the highest (BASE 104 + points).
    ("qualification-senior", applicant(professional_qualification="senior"), AS_OF, 134,
     "134", True, [], True, {"qualification_or_skill": 30}),
    ("qualification-intermediate", applicant(professional_qualification="intermediate"),
     AS_OF, 124, "124", True, [], True, {"qualification_or_skill": 20}),
    ("qualification-junior", applicant(professional_qualification="junior"), AS_OF, 119,
     "119", True, [], True, {"qualification_or_skill": 15}),
    ("skill-grade-1", applicant(skill_grade=1), AS_OF, 134, "134", True, [], True,
     {"qualification_or_skill": 30}),
    ("skill-grade-2", applicant(skill_grade=2), AS_OF, 124, "124", True, [], True,
     {"qualification_or_skill": 20}),
    ("skill-grade-3", applicant(skill_grade=3), AS_OF, 119, "119", True, [], True,
     {"qualification_or_skill": 15}),
    ("skill-grade-4", applicant(skill_grade=4), AS_OF, 114, "114", True, [], True,
     {"qualification_or_skill": 10}),
    ("skill-grade-5", applicant(skill_grade=5), AS_OF, 109, "109", True, [], False,
     {"qualification_or_skill": 5}),
    ("skill-grade-0", applicant(skill_grade=0), AS_OF, 104, "104", True, [], False,
     {"qualification_or_skill": 0}),
    # Senior (30) and grade 5 (5): the higher, 30, not 35.
    ("highest-only-senior-and-grade-5",
     applicant(professional_qualification="senior", skill_grade=5), AS_OF, 134, "134",
     True, [], True, {"qualification_or_skill": 30}),
    # Junior (15) and grade 2 (20): 20, not 35.
    ("highest-only-junior-and-grade-2",
     applicant(professional_qualification="junior", skill_grade=2), AS_OF, 124, "124",
     True, [], True, {"qualification_or_skill": 20}),

    # ---- Shortage occupation, added to the qualification points.
    ("occupation-very-short", applicant(occupation="very_short"), AS_OF, 129, "129", True,
     [], True, {"occupation": 25}),
    ("occupation-short", applicant(occupation="short"), AS_OF, 119, "119", True, [], True,
     {"occupation": 15}),
    ("occupation-generally-short", applicant(occupation="generally_short"), AS_OF, 114,
     "114", True, [], True, {"occupation": 10}),
    ("occupation-none", applicant(occupation="none"), AS_OF, 104, "104", True, [], False,
     {"occupation": 0}),
    # Intermediate qualification 20 + very short occupation 25 = 45 more: 149.
    ("occupation-added-to-qualification",
     applicant(professional_qualification="intermediate", occupation="very_short"), AS_OF,
     149, "149", True, [], True, {"qualification_or_skill": 20, "occupation": 25}),

    # ---- Marriage: spouse insured 24 months -> 20.
    ("marriage-yes", applicant(spouse_insured_24_months=True), AS_OF, 124, "124", True, [],
     True, {"marriage": 20}),
    ("marriage-no", applicant(spouse_insured_24_months=False), AS_OF, 104, "104", True, [],
     False, {"marriage": 0}),

    # ---- Awards.
    ("award-national", applicant(skills_award="national"), AS_OF, 134, "134", True, [],
     True, {"skills_award": 30}),
    ("award-provincial", applicant(skills_award="provincial"), AS_OF, 124, "124", True, [],
     True, {"skills_award": 20}),

    # ---- Residence (whole years per kind, the stated choice).
    # Registered rental 12 months: 6 (110: passes exactly at the mark).
    ("rented-12", applicant(residence={"rented_months": 12}), AS_OF, 110, "110", True, [],
     True, {"residence_rented": 6}),
    # 11 months: not a full year, 0.
    ("rented-11", applicant(residence={"rented_months": 11}), AS_OF, 104, "104", True, [],
     False, {"residence_rented": 0}),
    # 30 months: 2 full years x 6 = 12.
    ("rented-30", applicant(residence={"rented_months": 30}), AS_OF, 116, "116", True, [],
     True, {"residence_rented": 12}),
    # Central six 12 months: 10.
    ("owned-central-12", applicant(residence={"owned_months": {"central": 12}}), AS_OF, 114,
     "114", True, [], True, {"residence_owned_central": 10}),
    # Ring four 24 months: 2 x 11 = 22.
    ("owned-ring-24", applicant(residence={"owned_months": {"ring": 24}}), AS_OF, 126,
     "126", True, [], True, {"residence_owned_ring": 22}),
    # Outer five 36 months: 3 x 12 = 36.
    ("owned-outer-36", applicant(residence={"owned_months": {"outer": 36}}), AS_OF, 140,
     "140", True, [], True, {"residence_owned_outer": 36}),
    # Binhai 23 months: 1 full year x 15 = 15.
    ("owned-binhai-23", applicant(residence={"owned_months": {"binhai": 23}}), AS_OF, 119,
     "119", True, [], True, {"residence_owned_binhai": 15}),
    # Periods of different kinds add: rented 24 (2 x 6 = 12) then central 36 (3 x 10 = 30):
    # 42; 146.
    ("residence-periods-add",
     applicant(residence={"rented_months": 24, "owned_months": {"central": 36}}), AS_OF,
     146, "146", True, [], True, {"residence_rented": 12, "residence_owned_central": 30}),

    # ---- Threshold 110: BASE 104 + fund 24 months (6) = 110 passes; fund 23 months
    # (23 x 3/12 = 5.75) = 109.75 does not.
    ("threshold-110", applicant(housing_fund_months=24), AS_OF, 110, "110", True, [], True,
     {}),
    ("threshold-109.75", applicant(housing_fund_months=23), AS_OF, 109.75, "109.75", True,
     [], False, {}),
    # 110 without a residence permit: not eligible, so it does not pass.
    ("no-residence-permit", applicant(housing_fund_months=24, residence_permit=False),
     AS_OF, 110, "110", False, ["residence_permit"], False, {}),
    # Stable residence (a stated choice): false fails its gate; left out it is true.
    ("no-stable-residence", applicant(housing_fund_months=24, stable_residence=False),
     AS_OF, 110, "110", False, ["stable_residence"], False, {}),

    # ---- Deductions. Criminal record, window: within 5 years before 2024-06-30.
    # Sentence ended 2019-07-01 (inside): -100; 104 - 100 = 4.
    ("crime-inside-window", applicant(criminal_record=[crime("2019-07-01")]), AS_OF, 4,
     "4", True, [], False, {"criminal_record": -100}),
    # Ended 2019-06-30, exactly 5 years before: outside (the window is after that day): 104.
    ("crime-window-edge", applicant(criminal_record=[crime("2019-06-30")]), AS_OF, 104,
     "104", True, [], False, {"criminal_record": 0}),
    # Ended on the reference date itself: inside, -100.
    ("crime-on-reference-date", applicant(criminal_record=[crime("2024-06-30")]), AS_OF, 4,
     "4", True, [], False, {"criminal_record": -100}),
    # Ended after the reference date (2024-07-01, before applying): not yet counted.
    ("crime-after-reference-date", applicant(criminal_record=[crime("2024-07-01")]), AS_OF,
     104, "104", True, [], False, {"criminal_record": 0}),
    # Two in the window add up: -200; 104 - 200 = -96 (a negative total).
    ("crime-two", applicant(criminal_record=[crime("2020-01-01"), crime("2023-05-05")]),
     AS_OF, -96, "-96", True, [], False, {"criminal_record": -200}),
    # An administrative detention is not a criminal record: 0.
    ("detention-not-scored",
     applicant(criminal_record=[crime("2023-05-05", "administrative_detention")]), AS_OF,
     104, "104", True, [], False, {"criminal_record": 0}),
    # False information: -30 each (the low-confidence choice); one: 74; two: 44.
    ("false-information-1", applicant(false_information_5y=1), AS_OF, 74, "74", True, [],
     False, {"false_information": -30}),
    ("false-information-2", applicant(false_information_5y=2), AS_OF, 44, "44", True, [],
     False, {"false_information": -60}),
    # Deductions add up: one crime and one false information: 104 - 100 - 30 = -26.
    ("deductions-add", applicant(false_information_5y=1,
                                 criminal_record=[crime("2022-02-02")]),
     AS_OF, -26, "-26", True, [], False, {"criminal_record": -100, "false_information": -30}),
]


@pytest.mark.parametrize("person,as_of,total,total_exact,eligible,gates,passes,expected",
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_profile(client, bureau_headers, person, as_of, total, total_exact, eligible,
                 gates, passes, expected):
    result = score(client, bureau_headers, person, as_of)
    assert result["policy"]["version"] == "2022.2"
    assert result["total"] == total
    assert result["total_exact"] == total_exact
    assert result["eligible"] is eligible
    assert failed(result) == gates
    assert result["passes"] is passes
    got = points(result)
    assert {k: got[k] for k in expected} == expected


def test_worked_example_exact_parts(client, bureau_headers):
    """The fractions stay exact in each part: nothing is rounded but the total."""
    result = score(client, bureau_headers, applicant(housing_fund_months=61, **months(13)))
    parts = exact(result)
    # 13 x 22/12 = 143/6; 60 x 3/12 + 4/12 = 46/3.
    assert parts["social_insurance"] == "143/6"
    assert parts["housing_fund"] == "46/3"


def test_low_confidence_choices_are_listed_when_they_count(client, bureau_headers):
    result = score(client, bureau_headers, applicant(false_information_5y=1))
    doubts = {d["id"]: d for d in result["uncertain"]}
    assert doubts["false_information"]["confidence"] == "low"
    assert doubts["false_information"]["choice"] is True
    assert [o["id"] for o in result["omitted"]] == ["senior_technical_school"]


def test_the_optional_fields_take_their_defaults(client, bureau_headers):
    """Only the five required fields given: stable residence true, everything else none
    or 0 -> BASE's 104."""
    result = score(client, bureau_headers, dict(BASE))
    assert (result["total"], result["eligible"]) == (104, True)


@pytest.mark.parametrize("missing", ["birth_date", "gender", "residence_permit",
                                     "social_insurance_months",
                                     "social_insurance_consecutive_months"])
def test_required_fields(client, bureau_headers, missing):
    person = {k: v for k, v in BASE.items() if k != missing}
    resp = post(client, bureau_headers, {"city": "tianjin", "as_of": AS_OF,
                                         "applicant": person})
    assert resp.status_code == 422
    assert f"applicant.{missing}" in resp.get_json()["errors"]


@pytest.mark.parametrize("field,value", [("invention_patents", 1)])
def test_fields_of_the_withdrawn_table_are_refused(client, bureau_headers, field, value):
    resp = post(client, bureau_headers, {"city": "tianjin", "as_of": AS_OF,
                                         "applicant": applicant(**{field: value})})
    assert resp.status_code == 422
    assert f"applicant.{field}" in resp.get_json()["errors"]


def test_consecutive_months_may_not_exceed_the_total(client, bureau_headers):
    resp = post(client, bureau_headers, {
        "city": "tianjin", "as_of": AS_OF,
        "applicant": applicant(social_insurance_months=20,
                               social_insurance_consecutive_months=21)})
    assert resp.status_code == 422
    assert "applicant.social_insurance_consecutive_months" in resp.get_json()["errors"]


@pytest.mark.parametrize("as_of", ["2022-01-01", "2023-03-10", "2024-09-15"])
def test_resolution_by_date_serves_the_correction(client, bureau_headers, as_of):
    result = score(client, bureau_headers, dict(BASE), as_of)
    assert result["policy"]["version"] == "2022.2"
    assert "version_withdrawn" not in [n["code"] for n in result["notes"]]


def test_pinning_the_withdrawn_version_still_scores_by_it(client, bureau_headers):
    """2022.1's own table (reproducing an old decision): 60 months, fund 48, one patent,
    as_of 2024-06-30: 3 x 22 + 2 x 28 + 4 x 2 + 2 = 132."""
    old = {"birth_date": "1990-01-01", "gender": "female", "residence_permit": True,
           "stable_residence": True, "social_insurance_months": 60,
           "social_insurance_consecutive_months": 60, "housing_fund_months": 48,
           "invention_patents": 1}
    result = score(client, bureau_headers, old, "2024-06-30", version="2022.1")
    assert result["policy"]["version"] == "2022.1"
    assert result["total"] == 132
    notes = {n["code"]: n for n in result["notes"]}
    assert "2022.2" in notes["version_withdrawn"]["en"]


def test_the_policies_api_shows_the_withdrawal(client, bureau_headers):
    pinned = client.get("/v1/policies/tianjin?version=2022.1", headers=bureau_headers)
    assert pinned.status_code == 200
    assert pinned.get_json()["withdrawn"]["replaced_by"] == "2022.2"
    current = client.get("/v1/policies/tianjin?as_of=2024-09-15", headers=bureau_headers)
    assert current.get_json()["policy"]["version"] == "2022.2"
    assert current.get_json()["withdrawn"] is None
    assert set(current.get_json()["required"]) == {
        "birth_date", "gender", "residence_permit", "social_insurance_months",
        "social_insurance_consecutive_months"}
