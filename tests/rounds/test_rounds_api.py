"""POST /v1/rounds/rank: the Beijing 2020 shape, one answer whatever form the population
takes or whatever order its rows come in, the answer as the OpenAPI document says, and
every bad input refused with a problem (never a 500)."""

from __future__ import annotations

import io
import json
import random

import pytest
import schemathesis
from conftest import POLICIES, bearer, make_app
from rounds_support import BEIJING_AS_OF, as_csv, as_ndjson, beijing, beijing_2020_shape

from service.policy.loader import load_policy_dir
from service.synthetic import synthetic

PATH = "/v1/rounds/rank"
KEY = bearer("bureau")  # scopes score and batch
QUERY = f"{PATH}?city=beijing&as_of={BEIJING_AS_OF}&quota=6000"
XIAN = {"birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
        "criminal_record": [], "local_knowledge_score": 86}


def post_csv(client, text: str, query: str = QUERY, headers=None):
    return client.post(query, data=text.encode(), headers={
        **(KEY if headers is None else headers), "Content-Type": "text/csv"})


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code
    return body


@pytest.fixture(scope="module")
def shape():
    people = beijing_2020_shape()
    return people, as_csv(people)


def test_the_beijing_2020_shape_admits_more_than_the_quota(client, shape):
    # 5,978 above the line, 54 tied at it (90.00): the 6,000th place falls inside the tie,
    # so all 54 are admitted: 6,032, 32 over the quota (2020: 6,032 admitted, 54 at 97.13).
    response = post_csv(client, shape[1])
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["X-Policy-Revision"]
    answer = response.get_json()
    assert answer["policy"]["city"] == "beijing" and answer["policy"]["version"] == "2020.1"
    assert answer["cutoff"] == {"exact": "90.00", "number": 90.0}
    assert (answer["quota"], answer["admitted"], answer["tied_at_cutoff"],
            answer["over_quota"]) == (6000, 6032, 54, 32)
    assert answer["published_cutoff"] == {"exact": "97.13", "number": 97.13, "round": 2020,
                                          "estimated": False}
    assert (answer["rows"], answer["eligible"]) == (8132, 8032)
    assert answer["ineligible"] == {"count": 100, "by_gate": {"residence_permit": 100}}
    ranking = answer["ranking"]
    assert len(ranking) == 8132
    tied = ranking[5978:6032]
    assert {(e["rank"], e["total"], e["decided_by"], e["admitted"]) for e in tied} == \
        {(5979, 90.0, "tie_admitted", True)}
    assert [e["id"] for e in tied] == sorted(e["id"] for e in tied)  # ties shown by id
    assert ranking[6032]["admitted"] is False and ranking[6032]["total"] == 89.75
    assert ranking[6032]["decided_by"] == "score" and ranking[6032]["rank"] == 6033
    assert all(e["admitted"] for e in ranking[:6032])
    assert ranking[-1]["decided_by"] == "ineligible:residence_permit"
    curve = {c["percent"]: c for c in answer["quota_curve"]}
    assert curve[100]["admitted"] == 6032 and curve[50]["quota"] == 3000
    assert curve[200] == {"percent": 200, "quota": 12000, "admitted": 8032,
                          "cutoff": {"exact": "77.50", "number": 77.5}}


def test_json_ndjson_and_csv_bodies_give_the_same_answer(client):
    rng = random.Random(3)
    people = [(f"p{i:03d}", beijing(rng.randint(120, 280), honour=rng.random() < 0.1))
              for i in range(150)]
    people.append(("z-no-permit", beijing(300, residence_permit=False)))
    by_csv = post_csv(client, as_csv(people), QUERY.replace("6000", "40"))
    by_ndjson = client.post(QUERY.replace("6000", "40"), data=as_ndjson(people),
                            headers={**KEY, "Content-Type": "application/x-ndjson"})
    by_json = client.post(PATH, headers=KEY, json={
        "city": "beijing", "as_of": BEIJING_AS_OF, "quota": 40,
        "population": [{"id": i, "applicant": a} for i, a in people]})
    assert by_csv.status_code == by_ndjson.status_code == by_json.status_code == 200
    assert by_csv.data == by_ndjson.data == by_json.data  # the twin and the engine agree


def test_shuffling_the_rows_changes_nothing(client, shape):
    people = list(shape[0])
    random.Random(8).shuffle(people)
    assert post_csv(client, as_csv(people)).data == post_csv(client, shape[1]).data


def test_a_fixed_threshold_city_ranks_to_its_threshold(client):
    people = [("a", {**XIAN, "local_knowledge_score": 95}), ("b", XIAN),
              ("c", {**XIAN, "residence_permit_since": "2023-01-01"}),
              ("d", {**XIAN, "criminal_record": [{"date": "2023-01-01", "kind": "criminal"}]})]
    response = client.post(PATH, headers=KEY, json={
        "city": "xian", "as_of": "2024-06-30", "quota": 1,
        "population": [{"id": i, "applicant": a} for i, a in people]})
    answer = response.get_json()
    assert answer["line"] == "threshold" and answer["cutoff"]["exact"] == "60.00"
    admitted = {e["id"] for e in answer["ranking"] if e["admitted"]}
    totals = {e["id"]: e["total"] for e in answer["ranking"]}
    assert admitted == {i for i, _ in people if totals[i] >= 60 and i != "d"}
    assert answer["by_quota"]["admitted"] >= 1


def test_the_answers_are_as_the_openapi_document_says(client):
    document = schemathesis.openapi.from_dict(client.get("/openapi.json").get_json())
    operation = document.find_operation_by_path("POST", PATH)
    people = [("a", beijing(230)), ("b", beijing(200)), ("c", beijing(200)),
              ("d", beijing(90, residence_permit=False)), ("e", {"no": 1})]
    response = post_csv(client, as_csv(people), QUERY.replace("6000", "2"))
    assert response.status_code == 200
    operation.validate_response(response)
    answer = response.get_json()
    assert answer["invalid"]["count"] == 1 and answer["ranking"][-1]["row"] == 5
    xian = client.post(PATH, headers=KEY, json={"city": "xian", "as_of": "2024-06-30",
                                                "quota": 5,
                                                "population": [{"id": "x", "applicant": XIAN}]})
    operation.validate_response(xian)
    spec = client.get("/openapi.json").get_json()["paths"][PATH]["post"]
    assert spec["operationId"] == "rankRound" and spec["x-scope"] == "batch"
    assert {p["name"] for p in spec["parameters"]} == {"city", "as_of", "quota",
                                                       "policy_version"}


# Refusals -------------------------------------------------------------------------------

def test_repeated_ids_are_refused_naming_them(client):
    people = [("a", beijing()), ("b", beijing()), ("a", beijing(210)), ("b", {"x": 1})]
    body = problem(post_csv(client, as_csv(people)), 422, "invalid_request")
    assert body["duplicate_ids"] == ["a", "b"]
    assert "'a', 'b'" in body["errors"]["population"][0]
    json_body = {"city": "beijing", "as_of": BEIJING_AS_OF, "quota": 1,
                 "population": [{"id": "q", "applicant": beijing()}] * 2}
    assert problem(client.post(PATH, headers=KEY, json=json_body), 422,
                   "invalid_request")["duplicate_ids"] == ["q"]


@pytest.mark.parametrize("quota", [0, -3, "ten", 2.5, None])
def test_a_quota_below_one_or_not_a_whole_number_is_refused(client, quota):
    body = {"city": "beijing", "as_of": BEIJING_AS_OF, "quota": quota,
            "population": [{"id": "a", "applicant": beijing()}]}
    assert "quota" in problem(client.post(PATH, headers=KEY, json=body), 422,
                              "invalid_request")["errors"]
    query = QUERY.replace("quota=6000", "" if quota is None else f"quota={quota}")
    assert "quota" in problem(post_csv(client, "id\n", query), 422,
                              "invalid_request")["errors"]


def test_a_missing_id_column_is_refused(client):
    text = as_csv([("a", beijing())]).replace("id,", "ident,", 1)
    body = problem(post_csv(client, text), 422, "invalid_request")
    assert list(body["errors"]) == ["population.header"]
    problem(post_csv(client, ""), 422, "invalid_request")  # no header at all


@pytest.fixture(scope="module")
def small_app(keys_file):
    return make_app(keys_file, MAX_ROUND_ROWS=3, MAX_CONTENT_LENGTH=20_000)


def test_a_population_over_the_limit_is_413(small_app):
    client = small_app.test_client()
    people = [(f"p{i}", beijing()) for i in range(4)]
    for response in (
            post_csv(client, as_csv(people)),
            client.post(QUERY, data=as_ndjson(people),
                        headers={**KEY, "Content-Type": "application/x-ndjson"}),
            client.post(PATH, headers=KEY, json={
                "city": "beijing", "as_of": BEIJING_AS_OF, "quota": 1,
                "population": [{"id": i, "applicant": a} for i, a in people]})):
        assert "3" in problem(response, 413, "body_too_large")["detail"]
    assert post_csv(client, as_csv(people[:3])).status_code == 200
    big = as_csv([(f"p{i}", beijing()) for i in range(200)])
    problem(post_csv(client, big), 413, "body_too_large")  # by Content-Length
    chunked = client.post(  # as a server passes a chunked body on: no length, terminated
        QUERY, input_stream=io.BytesIO(big.encode()), environ_overrides={
            "wsgi.input_terminated": True}, headers={
            **KEY, "Content-Type": "text/csv", "Transfer-Encoding": "chunked"})
    assert "declares" not in problem(chunked, 413, "body_too_large")["detail"]  # cut off


def test_other_bad_requests_are_problems(client):
    problem(client.post(QUERY, data="id\n", headers={**KEY, "Content-Type": "text/plain"}),
            415, "unsupported_media_type")
    bad = client.post(QUERY, data=b"id,gender\n\xff\xfe,male\n",
                      headers={**KEY, "Content-Type": "text/csv"})
    problem(bad, 400, "bad_request")
    problem(client.post(PATH, headers=KEY, data="{", content_type="application/json"),
            400, "malformed_json")
    problem(client.post(QUERY, headers=KEY, json={"population": []}), 422, "invalid_request")
    problem(client.post(PATH, headers=KEY, json={"city": "beijing", "as_of": BEIJING_AS_OF,
                                                 "quota": 1, "population": {}}),
            422, "invalid_request")
    problem(client.post(PATH, headers=KEY, json={"city": "beijing", "quota": 1,
                                                 "population": []}), 422, "invalid_request")
    problem(client.post(PATH, headers=KEY, json=[1]), 422, "invalid_request")
    problem(post_csv(client, "id\n", QUERY.replace("beijing", "atlantis")), 404,
            "unknown_city")
    problem(post_csv(client, "id\n", QUERY + "&extra=1"), 422, "invalid_request")
    problem(post_csv(client, "id\n", headers={}), 401, "key_required")
    problem(post_csv(client, "id\n", headers=bearer("scorer")), 403, "missing_scope")
    long_cell = "id,gender\na," + "x" * 200_000 + "\n"
    problem(post_csv(client, long_cell), 422, "invalid_application")


def test_rows_with_odd_cells_are_listed_not_dropped(client):
    text = as_csv([("a", beijing()), ("b", beijing(210))])
    lines = text.splitlines()
    text = "\n".join([lines[0], lines[1], lines[2] + ",extra", "", ",".join(
        [""] + lines[1].split(",")[1:])]) + "\n"
    answer = post_csv(client, text, QUERY.replace("6000", "1")).get_json()
    assert answer["rows"] == 4 and answer["eligible"] == 1  # a blank line is a row too
    rows = {r["row"]: r for r in answer["invalid"]["rows"]}
    assert set(rows) == {2, 3, 4}
    assert rows[2]["id"] == "b" and "cells" in rows[2]["problem"]
    assert rows[3]["id"] is None and rows[4]["problem"] == "The id is empty."
    assert json.dumps(answer).count('"decided_by": "invalid"') == 3


VERSIONS = [p for versions in load_policy_dir(POLICIES).cities.values() for p in versions]


@pytest.mark.parametrize("policy", VERSIONS, ids=lambda p: f"{p.city}-{p.version}")
def test_every_shipped_version_ranks_alike_from_json_and_csv(client, policy):
    """Synthetic applicants of each version (service/populations/): the JSON body (the
    engine) and the CSV body (the twin, where it takes the rows) give the same bytes,
    and the answer is as documented."""
    rng, day = random.Random(policy.sha256), policy.effective_from
    people = [(f"a{i:02d}", synthetic(rng, policy.fields, day, policy.city))
              for i in range(40)]
    if people[0][1] is None:
        pytest.skip(f"{policy.city} declares no synthetic population")
    query = (f"{PATH}?city={policy.city}&as_of={day.isoformat()}&quota=12"
             f"&policy_version={policy.version}")
    by_csv = post_csv(client, as_csv(people), query)
    by_json = client.post(PATH, headers=KEY, json={
        "city": policy.city, "as_of": day.isoformat(), "policy_version": policy.version,
        "quota": 12, "population": [{"id": i, "applicant": a} for i, a in people]})
    assert by_csv.status_code == 200, by_csv.get_data(as_text=True)[:500]
    assert by_csv.data == by_json.data
    document = schemathesis.openapi.from_dict(client.get("/openapi.json").get_json())
    document.find_operation_by_path("POST", PATH).validate_response(by_csv)
    answer = by_csv.get_json()
    assert answer["policy"]["version"] == policy.version
    assert "no_pass_mark" not in [n["code"] for n in answer["notes"]]
    assert answer["rows"] == 40 and answer["invalid"]["count"] == 0
