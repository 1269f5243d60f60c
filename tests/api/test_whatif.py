"""POST /v1/what-if: scenarios equal direct scoring; the path; bad input is a 422."""

from __future__ import annotations

import copy

from conftest import bearer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_beijing_cases import applicant as beijing_applicant
from test_score_status import assert_problem

XIAN = {"birth_date": "1990-05-01", "residence_permit_since": "2020-06-30",
        "criminal_record": [], "local_knowledge_score": 80}


def what_if(client, scenarios, city="xian", applicant=None, as_of="2024-06-29", **extra):
    payload = {"city": city, "as_of": as_of, "applicant": applicant or XIAN,
               "scenarios": scenarios, **extra}
    return client.post("/v1/what-if", json=payload, headers=bearer("bureau"))


def test_baseline_scenarios_deltas_and_path(client):
    resp = what_if(client, [{"name": "study", "set": {"local_knowledge_score": 92}},
                            {"name": "wait", "as_of": "2026-06-30"}])
    assert resp.status_code == 200
    out = resp.get_json()
    assert out["baseline"]["total"] == 45  # 3 years 15 + 80 -> 30
    study, wait = out["scenarios"]
    assert study["result"]["total"] == 55 and study["delta"]["total"] == 10
    assert study["delta"]["criteria"]["local_knowledge"] == 10
    assert wait["result"]["total"] == 60 and wait["delta"]["passes"] == {
        "from": False, "to": True, "changed": True}
    assert out["path_to_threshold"]["earliest_pass"]["date"] == "2026-06-30"


def test_anonymous_calls_are_allowed(client):
    resp = client.post("/v1/what-if", json={"city": "xian", "as_of": "2024-06-29",
                                            "applicant": XIAN})
    assert resp.status_code == 200


def test_quota_city_says_the_next_cutoff_is_unknown(client):
    out = what_if(client, [], city="beijing", applicant=beijing_applicant(),
                  as_of="2024-06-30").get_json()
    path = out["path_to_threshold"]
    assert path["threshold"] == 105.42 and path["threshold_estimated"] is True
    assert path["notes"][0]["code"] == "next_cutoff_unknown"


def test_add_by_dotted_path(client):
    out = what_if(client, [{"name": "buy", "add": {"housing.owned_months": 24}}],
                  city="beijing", applicant=beijing_applicant(), as_of="2022-06-30").get_json()
    # 24 owned months = 2 points
    assert out["scenarios"][0]["delta"]["criteria"]["housing_owned"] == 2


def test_bad_scenarios(client):
    problem = assert_problem(what_if(client, [
        {"name": "a", "set": {"nope": 1}},
        {"name": "b", "add": {"birth_date": 1}},
        {"name": "c", "set": {"local_knowledge_score": "high"}},
        {"name": "d", "add": {"local_knowledge_score": "5"}}]), 422)
    assert set(problem["errors"]) == {"scenarios.0.set.nope", "scenarios.1.add.birth_date",
                                      "scenarios.2.applicant.local_knowledge_score",
                                      "scenarios.3.add.local_knowledge_score"}


def test_limits(client):
    problem = assert_problem(what_if(client, [{"name": str(i)} for i in range(21)]), 422)
    assert "scenarios" in problem["errors"]
    problem = assert_problem(what_if(client, [], horizon_years=31), 422)
    assert "horizon_years" in problem["errors"]


def test_scenario_in_an_unknown_city(client):
    problem = assert_problem(what_if(client, [{"name": "move", "city": "atlantis"}]), 422)
    assert "scenarios.0" in problem["errors"]


changes = st.fixed_dictionaries({}, optional={
    "social_insurance_months": st.integers(84, 190),
    "housing.rented_months": st.integers(0, 100),
    "education.level": st.sampled_from(["none", "associate", "bachelor", "master"]),
    "honour": st.booleans(),
    "tax_years_over_100k": st.integers(0, 3),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(set_values=changes, extra=st.integers(0, 24))
def test_a_scenario_equals_scoring_the_changed_application(client, set_values, extra):
    base = beijing_applicant(social_insurance_months=180,
                             social_insurance_consecutive_months=84)
    out = what_if(client, [{"name": "x", "set": set_values,
                            "add": {"housing.owned_months": extra}}],
                  city="beijing", applicant=base, as_of="2022-06-30").get_json()
    changed = copy.deepcopy(base)
    for path, value in set_values.items():
        node = changed
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    changed["housing"]["owned_months"] += extra
    direct = client.post("/v1/score", json={"city": "beijing", "as_of": "2022-06-30",
                                            "applicant": changed},
                         headers=bearer("bureau")).get_json()
    assert out["scenarios"][0]["result"] == direct
