"""Shenzhen points settlement (深圳积分入户), hand-worked from the Shenzhen section of
shared/reference/other-cities.md, through POST /v1/score.

Versions: 2017.2, the trial scheme (the reference's "2017.1"), correcting the published
2017.1 of this service (the 2010-2016 table), from 2017-01-01 to 2023-06-19; 2023.1,
深发改规〔2023〕2号, from 2023-06-20 (assumed start).

What the reference says, and every comment below works from:
- Gates, both versions: men 55 or under, women 50 or under ("以下" includes the
  number), age in completed years on as_of; a valid residence permit; not in a
  prohibited organisation. 2017: owned home or registered rental >= 60 months (each
  kind on its own: the reading stated in the policy's notes), pension >= 60 months and
  still paying. 2023: owned continuously >= 60 or rented continuously >= 60; pension or
  medical >= 60 cumulative and still paying; no criminal record (any date).
- Indicators: owned home 1 a full month, registered rental 0.2 a full month, only the
  higher counts. 2017: pension 1.5 a month, other insurances 0. 2023: each of the five
  insurances 0.3 a month.
- Deductions, 2017: overdue < 90 days -15 each, >= 90 days -30 each, court defaulter
  -100, criminal record -200 once (any date), drugs -150. 2023: blacklist or court
  defaulter -200 once, drugs -300.
- Totals exact with one decimal place; ranked within a quota, no pass mark: passes is
  null; 2018 cutoff 304 (2017.2), none published for 2023.1.
"""

from __future__ import annotations

import pytest

AS_OF_2017 = "2019-09-30"  # the 2019 round (the reference's worked example)
AS_OF_2023 = "2025-09-30"  # the reference's 2023.1 worked example

DEFAULT = object()


def score(client, headers, applicant, as_of, **extra):
    body = {"city": "shenzhen", "as_of": as_of, "applicant": applicant, **extra}
    return client.post("/v1/score", json=body, headers=headers)


def merged(base: dict, overrides: dict) -> dict:
    """base with overrides; nested objects (housing, insurance, credit) merged key by key."""
    out = {**base}
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def trial(**overrides) -> dict:
    """The reference's 2017 worked example: a woman of 42 on 2019-09-30 (born 1977-01-15),
    registered rental 90 months, pension 75 months, still paying. Only the required
    fields: 18 + 112.5 = 130.5."""
    base = {"birth_date": "1977-01-15", "gender": "female", "residence_permit": True,
            "housing": {"owned_months": 0, "rented_months": 90},
            "insurance": {"pension_months": 75, "currently_paying": True}}
    return merged(base, overrides)


def scheme_2023(**overrides) -> dict:
    """The reference's input JSON, the 2023.1 worked example on 2025-09-30: a man born
    1986-11-20 (38), owned 65 (continuously 65), pension 70, medical 70, unemployment 64,
    work injury 70, maternity 64: 65 + (70 + 70 + 64 + 70 + 64) x 0.3 = 65 + 101.4 = 166.4."""
    base = {
        "birth_date": "1986-11-20", "gender": "male", "residence_permit": True,
        "housing": {"owned_months": 65, "rented_months": 0,
                    "owned_continuous_months": 65, "rented_continuous_months": 0},
        "insurance": {"pension_months": 70, "medical_months": 70, "unemployment_months": 64,
                      "work_injury_months": 70, "maternity_months": 64,
                      "currently_paying": True},
        "credit": {"overdue_under_90_days": 0, "overdue_90_days_or_more": 0,
                   "court_defaulter": False, "joint_punishment_blacklist": False},
        "drug_record": False,
        "prohibited_organisation": False,
        "criminal_record": [],
    }
    return merged(base, overrides)


def criminal(*dates):
    return [{"date": d, "kind": "criminal"} for d in dates]


# (id, applicant, total, failing gate ids, {criterion: points})
CASES_2017 = [
    ("worked-example", trial(),
     # rental 90 x 0.2 = 18; pension 75 x 1.5 = 112.5 -> 130.5
     130.5, [], {"housing": 18, "pension_insurance": 112.5}),
    ("one-more-rental-month-exact-decimal", trial(housing={"rented_months": 91}),
     # 91 x 0.2 = 18.2 + 112.5 = 130.7, no rounding
     130.7, [], {"housing": 18.2}),
    ("owned-beats-rental", trial(housing={"owned_months": 65, "rented_months": 90}),
     # owned 65 x 1 = 65 against rental 18: only the higher, 65 + 112.5 = 177.5
     177.5, [], {"housing": 65}),
    ("rental-beats-small-owned", trial(housing={"owned_months": 10, "rented_months": 90}),
     # owned 10 against rental 18: 18 + 112.5 = 130.5 (not 28 + 112.5)
     130.5, [], {"housing": 18}),
    ("owned-60-passes-home-gate", trial(housing={"owned_months": 60, "rented_months": 0}),
     # owned 60 >= 60: 60 + 112.5 = 172.5
     172.5, [], {"housing": 60}),
    ("owned-59-fails-home-gate", trial(housing={"owned_months": 59, "rented_months": 0}),
     # 59 < 60, no rental: 59 + 112.5 = 171.5, ineligible
     171.5, ["home_60_months"], {"housing": 59}),
    ("rental-60-passes-home-gate", trial(housing={"rented_months": 60}),
     # 60 x 0.2 = 12 + 112.5 = 124.5
     124.5, [], {"housing": 12}),
    ("rental-59-fails-home-gate", trial(housing={"rented_months": 59}),
     # 59 x 0.2 = 11.8 + 112.5 = 124.3, ineligible
     124.3, ["home_60_months"], {"housing": 11.8}),
    ("owned-30-and-rental-30-not-added", trial(housing={"owned_months": 30,
                                                        "rented_months": 30}),
     # each kind must reach 60 on its own: gate fails; points max(30, 6) = 30 + 112.5
     142.5, ["home_60_months"], {"housing": 30}),
    ("pension-60-passes", trial(insurance={"pension_months": 60}),
     # 18 + 60 x 1.5 = 18 + 90 = 108
     108, [], {"pension_insurance": 90}),
    ("pension-59-fails", trial(insurance={"pension_months": 59}),
     # 18 + 59 x 1.5 = 18 + 88.5 = 106.5, ineligible
     106.5, ["pension_60_months"], {"pension_insurance": 88.5}),
    ("not-paying-now", trial(insurance={"currently_paying": False}),
     130.5, ["currently_paying"], {}),
    ("no-permit", trial(residence_permit=False), 130.5, ["residence_permit"], {}),
    ("prohibited-organisation", trial(prohibited_organisation=True),
     130.5, ["no_prohibited_organisation"], {}),
    # Age on 2019-09-30, completed years; women 50 or under, men 55 or under.
    ("woman-50-on-her-birthday", trial(birth_date="1969-09-30"), 130.5, [], {}),
    ("woman-51-on-her-birthday", trial(birth_date="1968-09-30"),
     130.5, ["age_limit"], {}),
    ("woman-50-the-day-before-51", trial(birth_date="1968-10-01"), 130.5, [], {}),
    ("man-55-on-his-birthday", trial(gender="male", birth_date="1964-09-30"), 130.5, [], {}),
    ("man-56-on-his-birthday", trial(gender="male", birth_date="1963-09-30"),
     130.5, ["age_limit"], {}),
    ("man-55-the-day-before-56", trial(gender="male", birth_date="1963-10-01"),
     130.5, [], {}),
    ("man-51-within-his-limit", trial(gender="male", birth_date="1968-09-30"),
     130.5, [], {}),
    # Deductions (they add to the 130.5 of the worked example).
    ("overdue-under-90-two", trial(credit={"overdue_under_90_days": 2}),
     # 130.5 - 2 x 15 = 100.5
     100.5, [], {"credit_overdue_under_90_days": -30}),
    ("overdue-90-or-more-one", trial(credit={"overdue_90_days_or_more": 1}),
     # 130.5 - 30 = 100.5
     100.5, [], {"credit_overdue_90_days_or_more": -30}),
    ("overdue-both-kinds", trial(credit={"overdue_under_90_days": 1,
                                         "overdue_90_days_or_more": 2}),
     # 130.5 - 15 - 2 x 30 = 55.5
     55.5, [], {"credit_overdue_under_90_days": -15, "credit_overdue_90_days_or_more": -60}),
    ("court-defaulter", trial(credit={"court_defaulter": True}),
     # 130.5 - 100 = 30.5
     30.5, [], {"court_defaulter": -100}),
    ("criminal-record-one", trial(criminal_record=criminal("2015-03-01")),
     # 130.5 - 200 = -69.5 (a total may be negative)
     -69.5, [], {"criminal_record": -200}),
    ("criminal-record-two-deducted-once", trial(criminal_record=criminal("2001-05-01",
                                                                         "2016-07-01")),
     # -200 once, not 2 x 200: -69.5
     -69.5, [], {"criminal_record": -200}),
    ("criminal-record-any-date", trial(criminal_record=criminal("1996-01-01")),
     # a record 23 years old still costs 200: -69.5
     -69.5, [], {"criminal_record": -200}),
    ("detention-is-not-a-criminal-record",
     trial(criminal_record=[{"date": "2018-01-01", "kind": "administrative_detention"}]),
     130.5, [], {"criminal_record": 0}),
    ("drug-record", trial(drug_record=True),
     # 130.5 - 150 = -19.5
     -19.5, [], {"drug_record": -150}),
    ("blacklist-not-scored-in-2017", trial(credit={"joint_punishment_blacklist": True}),
     130.5, [], {}),
    ("everything-deducted", trial(credit={"overdue_under_90_days": 1,
                                          "overdue_90_days_or_more": 1,
                                          "court_defaulter": True},
                                  drug_record=True, criminal_record=criminal("2010-01-01")),
     # 130.5 - 15 - 30 - 100 - 200 - 150 = -364.5
     -364.5, [], {}),
    ("other-insurances-and-runs-accepted-and-ignored",
     trial(insurance={"medical_months": 75, "unemployment_months": 75,
                      "work_injury_months": 75, "maternity_months": 75},
           housing={"owned_continuous_months": 0, "rented_continuous_months": 40}),
     # other insurances score 0 in 2017; the continuous runs are not read: 130.5
     130.5, [], {"housing": 18, "pension_insurance": 112.5}),
]


CASES_2023 = [
    ("worked-example", scheme_2023(),
     # 65 + (70 + 70 + 64 + 70 + 64) x 0.3 = 65 + 101.4 = 166.4
     166.4, [],
     {"housing": 65, "pension_insurance": 21, "medical_insurance": 21,
      "unemployment_insurance": 19.2, "work_injury_insurance": 21,
      "maternity_insurance": 19.2}),
    ("one-unemployment-month-exact-decimal", scheme_2023(insurance={"unemployment_months": 65}),
     # 65 + 0.3 x 339 = 65 + 101.7 = 166.7
     166.7, [], {"unemployment_insurance": 19.5}),
    ("rental-beats-small-owned",
     scheme_2023(housing={"owned_months": 10, "rented_months": 90,
                          "owned_continuous_months": 10, "rented_continuous_months": 90}),
     # max(10, 90 x 0.2 = 18) = 18 + 101.4 = 119.4
     119.4, [], {"housing": 18}),
    ("owned-beats-rental",
     scheme_2023(housing={"rented_months": 200, "rented_continuous_months": 200}),
     # max(65, 200 x 0.2 = 40) = 65 + 101.4 = 166.4
     166.4, [], {"housing": 65}),
    ("owned-continuous-60-passes",
     scheme_2023(housing={"owned_continuous_months": 60}),
     # the run decides the gate; points use owned_months 65: 166.4
     166.4, [], {"housing": 65}),
    ("owned-continuous-59-fails",
     scheme_2023(housing={"owned_continuous_months": 59}),
     # 65 months owned but only 59 unbroken: ineligible, points unchanged
     166.4, ["home_60_months_continuous"], {"housing": 65}),
    ("rented-continuous-60-passes",
     scheme_2023(housing={"owned_months": 0, "owned_continuous_months": 0,
                          "rented_months": 100, "rented_continuous_months": 60}),
     # 100 x 0.2 = 20 + 101.4 = 121.4
     121.4, [], {"housing": 20}),
    ("rented-continuous-59-fails",
     scheme_2023(housing={"owned_months": 0, "owned_continuous_months": 0,
                          "rented_months": 100, "rented_continuous_months": 59}),
     121.4, ["home_60_months_continuous"], {"housing": 20}),
    ("runs-of-30-and-30-not-added",
     scheme_2023(housing={"owned_months": 30, "owned_continuous_months": 30,
                          "rented_months": 30, "rented_continuous_months": 30}),
     # each run must reach 60 on its own; points max(30, 6) = 30 + 101.4 = 131.4
     131.4, ["home_60_months_continuous"], {"housing": 30}),
    ("pension-59-medical-60-passes",
     scheme_2023(insurance={"pension_months": 59, "medical_months": 60}),
     # 65 + 0.3 x (59 + 60 + 64 + 70 + 64 = 317) = 65 + 95.1 = 160.1
     160.1, [], {"pension_insurance": 17.7, "medical_insurance": 18}),
    ("pension-60-medical-59-passes",
     scheme_2023(insurance={"pension_months": 60, "medical_months": 59}),
     160.1, [], {"pension_insurance": 18, "medical_insurance": 17.7}),
    ("pension-59-medical-59-fails",
     scheme_2023(insurance={"pension_months": 59, "medical_months": 59}),
     # 65 + 0.3 x 316 = 65 + 94.8 = 159.8, ineligible
     159.8, ["insured_60_months"], {}),
    ("not-paying-now", scheme_2023(insurance={"currently_paying": False}),
     166.4, ["currently_paying"], {}),
    ("no-permit", scheme_2023(residence_permit=False), 166.4, ["residence_permit"], {}),
    ("prohibited-organisation", scheme_2023(prohibited_organisation=True),
     166.4, ["no_prohibited_organisation"], {}),
    ("criminal-record-fails-the-gate", scheme_2023(criminal_record=criminal("2001-05-01")),
     # a gate in 2023, not a deduction: total unchanged, ineligible
     166.4, ["no_criminal_record"], {}),
    ("detention-passes-the-criminal-gate",
     scheme_2023(criminal_record=[{"date": "2024-01-01", "kind": "administrative_detention"}]),
     166.4, [], {}),
    # Age on 2025-09-30.
    ("man-55-on-his-birthday", scheme_2023(birth_date="1970-09-30"), 166.4, [], {}),
    ("man-56-on-his-birthday", scheme_2023(birth_date="1969-09-30"),
     166.4, ["age_limit"], {}),
    ("woman-50-on-her-birthday", scheme_2023(gender="female", birth_date="1975-09-30"),
     166.4, [], {}),
    ("woman-51-on-her-birthday", scheme_2023(gender="female", birth_date="1974-09-30"),
     166.4, ["age_limit"], {}),
    ("woman-50-the-day-before-51", scheme_2023(gender="female", birth_date="1974-10-01"),
     166.4, [], {}),
    # Deductions.
    ("blacklist", scheme_2023(credit={"joint_punishment_blacklist": True}),
     # 166.4 - 200 = -33.6
     -33.6, [], {"credit_blacklist_or_defaulter": -200}),
    ("court-defaulter", scheme_2023(credit={"court_defaulter": True}),
     -33.6, [], {"credit_blacklist_or_defaulter": -200}),
    ("blacklist-and-defaulter-deducted-once",
     scheme_2023(credit={"joint_punishment_blacklist": True, "court_defaulter": True}),
     # once: -200, not -400
     -33.6, [], {"credit_blacklist_or_defaulter": -200}),
    ("drug-record", scheme_2023(drug_record=True),
     # 166.4 - 300 = -133.6
     -133.6, [], {"drug_record": -300}),
    ("overdue-records-not-scored-in-2023",
     scheme_2023(credit={"overdue_under_90_days": 3, "overdue_90_days_or_more": 2}),
     166.4, [], {}),
]


def check(resp, total, failing, points):
    assert resp.status_code == 200, resp.get_json()
    result = resp.get_json()
    assert result["total"] == total
    assert result["total_exact"] == f"{total:g}"  # exact, one decimal at most, unrounded
    assert result["eligible"] is (not failing)
    assert [g["id"] for g in result["gates"] if not g["passed"]] == failing
    assert result["passes"] is None
    assert "no_pass_mark" in [n["code"] for n in result["notes"]]
    by_id = {b["criterion"]: b["points"] for b in result["breakdown"]}
    for criterion, expected in points.items():
        assert by_id[criterion] == expected, (criterion, by_id[criterion])
    return result


@pytest.mark.parametrize("applicant,total,failing,points", [c[1:] for c in CASES_2017],
                         ids=[c[0] for c in CASES_2017])
def test_trial_scheme_2017_2(client, bureau_headers, applicant, total, failing, points):
    result = check(score(client, bureau_headers, applicant, AS_OF_2017), total, failing,
                   points)
    assert result["policy"]["version"] == "2017.2"


@pytest.mark.parametrize("applicant,total,failing,points", [c[1:] for c in CASES_2023],
                         ids=[c[0] for c in CASES_2023])
def test_measures_2023_1(client, bureau_headers, applicant, total, failing, points):
    result = check(score(client, bureau_headers, applicant, AS_OF_2023), total, failing,
                   points)
    assert result["policy"]["version"] == "2023.1"


def test_total_exact_is_written_with_its_decimal(client, bureau_headers):
    # 18 + 112.5 = 130.5 exactly, shown as "130.5"; 2023: 166.4 as "166.4"
    a = score(client, bureau_headers, trial(), AS_OF_2017).get_json()
    b = score(client, bureau_headers, scheme_2023(), AS_OF_2023).get_json()
    assert (a["total_exact"], b["total_exact"]) == ("130.5", "166.4")


# Resolution by date: 2017.2 to 2023-06-19, 2023.1 from 2023-06-20; the withdrawn 2017.1
# is never served by date.
@pytest.mark.parametrize("as_of,version", [
    ("2017-01-01", "2017.2"), ("2019-09-30", "2017.2"), ("2023-06-19", "2017.2"),
    ("2023-06-20", "2023.1"), ("2025-09-30", "2023.1"),
])
def test_resolution_by_date(client, bureau_headers, as_of, version):
    applicant = trial() if version == "2017.2" else scheme_2023(birth_date="1980-01-01")
    resp = score(client, bureau_headers, applicant, as_of)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["policy"]["version"] == version


def test_2018_round_shows_the_published_cutoff_but_no_pass(client, bureau_headers):
    # 2018 round: last admitted score 304 (M); the line is shown, passes stays null.
    result = score(client, bureau_headers, trial(), "2018-09-30").get_json()
    assert result["threshold"] == 304
    assert result["threshold_estimated"] is False
    assert result["passes"] is None
    assert "no_pass_mark" in [n["code"] for n in result["notes"]]


def test_2023_has_no_published_cutoff(client, bureau_headers):
    result = score(client, bureau_headers, scheme_2023(), AS_OF_2023).get_json()
    assert result["threshold"] is None
    assert result["passes"] is None
    assert result["threshold_kind"] == "quota"


def test_pinned_withdrawn_version_still_scores_with_a_note(client, bureau_headers):
    # The old 2017.1 table, reproduced on request: pension 5 years x 3 = 15, four other
    # insurances 5 x 1 = 20, mortgaged home 20, permit 5 years 5, full-time associate 70.
    old = {"birth_date": "1990-01-01", "residence_permit_since": "2014-01-01",
           "residence_permit": True, "employed": True,
           "insurance": {k: 60 for k in ("pension_months", "medical_months",
                                         "unemployment_months", "work_injury_months",
                                         "maternity_months")},
           "housing": {"owned": "mortgaged"},
           "education": {"level": "associate", "full_time": True}}
    resp = score(client, bureau_headers, old, AS_OF_2017, policy_version="2017.1")
    assert resp.status_code == 200, resp.get_json()
    result = resp.get_json()
    assert result["policy"]["version"] == "2017.1"
    assert result["total"] == 130
    notes = {n["code"]: n for n in result["notes"]}
    assert "version_withdrawn" in notes
    assert "2017.2" in notes["version_withdrawn"]["en"]


def test_policies_list_marks_2017_1_withdrawn(client, bureau_headers):
    listing = client.get("/v1/policies", headers=bureau_headers).get_json()
    city = next(c for c in listing["cities"] if c["city"] == "shenzhen")
    versions = {v["version"]: v for v in city["versions"]}
    assert versions["2017.1"]["withdrawn"]["replaced_by"] == "2017.2"
    assert versions["2017.2"]["withdrawn"] is None
    assert versions["2023.1"]["withdrawn"] is None


@pytest.mark.parametrize("as_of", [AS_OF_2017, AS_OF_2023])
@pytest.mark.parametrize("field,value", [
    ("employed", True),
    ("education", {"level": "associate", "full_time": True}),
    ("housing", {"owned": "mortgaged"}),
])
def test_old_table_fields_are_refused(client, bureau_headers, as_of, field, value):
    base = trial() if as_of == AS_OF_2017 else scheme_2023()
    applicant = merged(base, {field: value})
    resp = score(client, bureau_headers, applicant, as_of)
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert any(path.startswith(f"applicant.{field}") for path in errors), errors


@pytest.mark.parametrize("path", [
    "insurance.medical_months", "insurance.unemployment_months",
    "insurance.work_injury_months", "insurance.maternity_months",
    "housing.owned_continuous_months", "housing.rented_continuous_months",
])
def test_2023_requires_the_other_insurances_and_the_runs(client, bureau_headers, path):
    applicant = scheme_2023()
    group, name = path.split(".")
    applicant[group] = {k: v for k, v in applicant[group].items() if k != name}
    resp = score(client, bureau_headers, applicant, AS_OF_2023)
    assert resp.status_code == 422
    assert f"applicant.{path}" in resp.get_json()["errors"]


@pytest.mark.parametrize("path", [
    "birth_date", "gender", "residence_permit", "housing.owned_months",
    "housing.rented_months", "insurance.pension_months", "insurance.currently_paying",
])
@pytest.mark.parametrize("as_of", [AS_OF_2017, AS_OF_2023])
def test_both_versions_require_the_common_fields(client, bureau_headers, path, as_of):
    applicant = trial() if as_of == AS_OF_2017 else scheme_2023()
    if "." in path:
        group, name = path.split(".")
        applicant[group] = {k: v for k, v in applicant[group].items() if k != name}
    else:
        applicant.pop(path)
    resp = score(client, bureau_headers, applicant, as_of)
    assert resp.status_code == 422
    assert f"applicant.{path}" in resp.get_json()["errors"]


def test_2023_optional_fields_default_to_none(client, bureau_headers):
    # credit, drug_record, prohibited_organisation, criminal_record left out: 0 / false.
    applicant = scheme_2023()
    for key in ("credit", "drug_record", "prohibited_organisation", "criminal_record"):
        applicant.pop(key)
    check(score(client, bureau_headers, applicant, AS_OF_2023), 166.4, [], {})


def test_rental_run_may_not_exceed_the_rental_months(client, bureau_headers):
    # 2023.1: the longest unbroken run of registered rental is part of rented_months.
    applicant = scheme_2023(housing={"rented_months": 50, "rented_continuous_months": 60})
    resp = score(client, bureau_headers, applicant, AS_OF_2023)
    assert resp.status_code == 422
    assert "applicant.housing.rented_continuous_months" in resp.get_json()["errors"]
    # 2017.2 does not read the runs: accepted and ignored (90 x 0.2 + 112.5 = 130.5).
    applicant = trial(housing={"rented_continuous_months": 120})
    check(score(client, bureau_headers, applicant, AS_OF_2017), 130.5, [], {})
