"""Every date the service reads lies between 1900-01-01 and 2200-12-31, written YYYY-MM-DD.

A date outside the window is a 422 naming the field, never a 500 from date arithmetic
(a what-if from as_of 9999-12-30 used to overflow while projecting the path); the edge
of the window works, path included.
"""

from __future__ import annotations

import pytest
import yaml
from conftest import POLICIES, bearer

from service.api.scoring import fast_envelope
from service.policy.yaml_io import load_yaml

WINDOW = "Must be between 1900-01-01 and 2200-12-31."
XIAN = {"birth_date": "1990-05-01", "residence_permit_since": "2020-06-30",
        "criminal_record": [], "local_knowledge_score": 80}
OUTSIDE = ["9999-12-30", "9999-12-31", "1899-12-31", "2201-01-01", "0001-01-01"]


def post(client, path, body, key="bureau"):
    return client.post(path, json=body, headers=bearer(key))


def errors_of(resp, status=422) -> dict:
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    return resp.get_json()["errors"]


def request(as_of="2024-06-29", applicant=None, **extra) -> dict:
    return {"city": "xian", "as_of": as_of, "applicant": applicant or XIAN, **extra}


@pytest.mark.parametrize("as_of", OUTSIDE)
@pytest.mark.parametrize("path", ["/v1/score", "/v1/what-if"])
def test_as_of_outside_the_window(client, path, as_of):
    assert errors_of(post(client, path, request(as_of))) == {"as_of": [WINDOW]}


def test_as_of_of_a_batch_item(client):
    out = post(client, "/v1/score/batch", [request(), request("9999-12-30")]).get_json()
    assert out["failed"] == 1 and out["results"][1]["status"] == 422
    assert out["results"][1]["errors"] == {"as_of": [WINDOW]}


def test_as_of_of_a_simulation(client):
    body = {"city": "xian", "as_of": "9999-12-30", "candidate": {"version": "2024.1"},
            "population": []}
    assert errors_of(post(client, "/v1/simulate", body, key="admin")) == {"as_of": [WINDOW]}


def test_as_of_of_the_policy_query(client):
    resp = client.get("/v1/policies/xian", query_string={"as_of": "9999-12-31"})
    assert errors_of(resp) == {"as_of": [WINDOW]}


@pytest.mark.parametrize("day", ["9999-12-31", "1899-12-31", "2201-01-01"])
def test_a_scenario_date(client, day):
    body = request(scenarios=[{"name": "later", "as_of": day}])
    assert errors_of(post(client, "/v1/what-if", body)) == {"scenarios.0.as_of": [WINDOW]}


def test_a_scenario_that_sets_a_date_outside_the_window(client):
    body = request(scenarios=[{"name": "old", "set": {"birth_date": "0001-01-01"}}])
    assert errors_of(post(client, "/v1/what-if", body)) == {
        "scenarios.0.applicant.birth_date": [WINDOW]}


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31"])
def test_applicant_dates(client, day):
    applicant = {**XIAN, "birth_date": day}
    assert errors_of(post(client, "/v1/score", request(applicant=applicant))) == {
        "applicant.birth_date": [WINDOW]}
    applicant = {**XIAN, "residence_permit_since": day}
    errors = errors_of(post(client, "/v1/score", request(applicant=applicant)))
    assert errors["applicant.residence_permit_since"][0] == WINDOW


def test_record_dates(client):
    applicant = {**XIAN, "criminal_record": [{"date": "1800-01-01", "kind": "criminal"}]}
    assert errors_of(post(client, "/v1/score", request(applicant=applicant))) == {
        "applicant.criminal_record.0.date": [WINDOW]}


@pytest.mark.parametrize("text", ["2020-W01-1", "20200101", "2020-1-1", "+2020-01-01",
                                  "２０２０-01-01", " 2020-01-01"])
def test_only_yyyy_mm_dd_is_a_date(client, text):
    applicant = {**XIAN, "residence_permit_since": text}
    assert errors_of(post(client, "/v1/score", request(applicant=applicant))) == {
        "applicant.residence_permit_since": ["Not a date in the form YYYY-MM-DD."]}
    assert "as_of" in errors_of(post(client, "/v1/score", request(as_of=text)))
    assert fast_envelope(request(as_of=text)) is None  # the fast path leaves it to the schema


def test_a_draft_policy_date_outside_the_window(client):
    doc = load_yaml((POLICIES / "cities" / "xian" / "2024.1.yaml").read_text())
    doc.update(version="draft", effective_from="0001-01-01")
    body = {"city": "xian", "as_of": "2024-06-30", "population": [],
            "candidate": {"policy": yaml.safe_dump(doc, allow_unicode=True)}}
    assert errors_of(post(client, "/v1/simulate", body, key="admin")) == {
        "candidate.policy.effective_from": [WINDOW]}


def test_the_edge_of_the_window_works(client):
    resp = post(client, "/v1/score", request("2200-12-31"))
    assert resp.status_code == 200, resp.get_json()
    # Fails today, so the path projects 30 years past 2200-12-31, scenario included.
    applicant = {**XIAN, "residence_permit_since": "2025-01-01", "local_knowledge_score": 0}
    body = request("2200-12-31", applicant=applicant, horizon_years=30,
                   scenarios=[{"name": "edge", "as_of": "2200-12-31"}])
    resp = post(client, "/v1/what-if", body)
    assert resp.status_code == 200, resp.get_json()
    earliest = resp.get_json()["path_to_threshold"]["earliest_pass"]
    assert earliest["date"] is None and earliest["reason"] == "cap"


def test_the_start_of_the_window_is_read(client):
    applicant = {**XIAN, "birth_date": "1900-01-01", "residence_permit_since": "1900-01-01"}
    resp = post(client, "/v1/what-if", request("1900-01-01", applicant=applicant))
    assert resp.status_code == 422  # read, and no version in force in 1900
    assert resp.get_json()["code"] == "not_in_force"
