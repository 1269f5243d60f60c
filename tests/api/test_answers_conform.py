"""Every kind of answer, for every city and version served, as the OpenAPI document says
it is: scores, batches, what-ifs, simulations, policies, diffs and applicant schemas of
synthetic applicants, each checked against /openapi.json by schemathesis (the fuzzer in
tests/fuzz mostly meets refusals; these are the answers themselves)."""

from __future__ import annotations

import random

import pytest
import schemathesis
from conftest import POLICIES, bearer

from service.policy.loader import load_policy_dir
from service.synthetic import synthetic

VERSIONS = [p for versions in load_policy_dir(POLICIES).cities.values() for p in versions]


@pytest.fixture(scope="module")
def document(app):
    return schemathesis.openapi.from_dict(app.test_client().get("/openapi.json").get_json())


def conforms(document, response, method: str, path: str):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    document.find_operation_by_path(method, path).validate_response(response)
    return response.get_json()


@pytest.mark.parametrize("policy", VERSIONS, ids=lambda p: f"{p.city}-{p.version}")
def test_the_answers_of_every_version_are_as_documented(client, document, policy):
    rng, day = random.Random(policy.sha256), policy.effective_from
    people = [synthetic(rng, policy.fields, day, policy.city) for _ in range(6)]
    if people[0] is None:
        pytest.skip(f"{policy.city} declares no synthetic population")
    pinned = {"city": policy.city, "as_of": day.isoformat(), "policy_version": policy.version}
    keyed = bearer("everything")

    def post(path: str, body):
        return conforms(document, client.post(path, json=body, headers=keyed), "POST", path)

    def get(path: str):
        return conforms(document, client.get(path), "GET", path.split("?")[0])

    post("/v1/score", {**pinned, "applicant": people[0]})
    batch = post("/v1/score/batch", [{**pinned, "applicant": p} for p in people]
                 + [{**pinned, "applicant": {"no_such_field": 1}}])
    assert batch["failed"] >= 1
    number = next((path for path, spec in policy.fields.items()
                   if spec.type in ("integer", "number") and path in policy.reads), None)
    scenarios = [{"name": "a year on", "as_of": day.replace(year=day.year + 1).isoformat()}]
    if number is not None:
        scenarios.append({"name": "one more", "add": {number: 1}})
    post("/v1/what-if", {**pinned, "applicant": people[1], "scenarios": scenarios})
    post("/v1/simulate", {"city": policy.city, "as_of": day.isoformat(),
                          "current_version": policy.version,
                          "candidate": {"version": policy.version},
                          "population": people + [{"no_such_field": 1}]})
    get(f"/v1/policies/{policy.city}?version={policy.version}")
    get(f"/v1/policies/{policy.city}/schema?version={policy.version}")
    for other in VERSIONS:
        if other.city == policy.city:
            get(f"/v1/policies/{policy.city}/diff?from={policy.version}&to={other.version}")


def test_the_operators_answers_are_as_documented(client, document):
    ops = bearer("everything")
    xian = {"city": "xian", "as_of": "2024-06-30", "applicant": {
        "birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
        "criminal_record": [], "local_knowledge_score": 86}}
    assert client.post("/v1/score", json=xian, headers=ops).status_code == 200
    drift = client.get("/v1/monitoring/drift?history=3", headers=ops)
    assert conforms(document, drift, "GET", "/v1/monitoring/drift")["series"]
    conforms(document, client.post("/v1/monitoring/baseline", headers=ops, json={
        "city": "xian", "histogram": {"bins": {"150": 120}}}), "POST", "/v1/monitoring/baseline")
    conforms(document, client.get("/readyz", headers=ops), "GET", "/readyz")
    conforms(document, client.get("/readyz"), "GET", "/readyz")
    conforms(document, client.get("/healthz"), "GET", "/healthz")
    conforms(document, client.get("/v1/policies"), "GET", "/v1/policies")
