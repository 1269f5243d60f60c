"""What a generated client reads off /openapi.json: an operationId for every operation,
who may call it (bearer, and the scope as x-scope), a typed success body with its headers,
problems with every code the service sends; and Retry-After only on the answers it
belongs to. (tests/api/test_generated_client.py calls the operations through a client
generated from the document.)"""

from __future__ import annotations

import re

from conftest import make_app

EXPECTED = {
    ("post", "/v1/score"): ("scoreApplication", "score", True),
    ("post", "/v1/score/batch"): ("scoreBatch", "batch", False),
    ("post", "/v1/what-if"): ("whatIf", "score", True),
    ("post", "/v1/simulate"): ("simulatePolicy", "simulate", False),
    ("post", "/v1/rounds/rank"): ("rankRound", "batch", False),
    ("get", "/v1/policies"): ("listPolicies", None, True),
    ("get", "/v1/policies/{city}"): ("getPolicy", None, True),
    ("get", "/v1/policies/{city}/diff"): ("diffPolicies", None, True),
    ("get", "/v1/policies/{city}/schema"): ("getApplicantSchema", None, True),
    ("get", "/v1/monitoring/drift"): ("getDrift", "ops", False),
    ("post", "/v1/monitoring/baseline"): ("setBaseline", "admin", False),
    ("post", "/v1/admin/policies/reload"): ("reloadPolicies", "admin", False),
    ("get", "/healthz"): ("healthz", None, True),
    ("get", "/readyz"): ("readyz", "ops", True),
    ("get", "/metrics"): ("metrics", "ops", False),
}


def operations(spec: dict) -> dict:
    return {(method, path): op for path, item in spec["paths"].items()
            for method, op in item.items() if method in ("get", "post", "put", "delete")}


def test_every_operation_has_a_stable_id_and_says_who_may_call_it(client):
    found = operations(client.get("/openapi.json").get_json())
    assert set(found) == set(EXPECTED)
    ids = [op["operationId"] for op in found.values()]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"[a-z][A-Za-z]+", i) for i in ids)
    for key, (op_id, scope, anonymous) in EXPECTED.items():
        op = found[key]
        assert op["operationId"] == op_id, key
        assert op.get("x-scope") == scope, key
        if scope is None:
            assert op["security"] == [], key
        elif anonymous:
            assert op["security"] == [{}, {"bearer": []}], key
        else:
            assert op["security"] == [{"bearer": []}], key


def test_retry_after_only_on_429(keys_file):
    client = make_app(keys_file, RATE_LIMIT_ANONYMOUS="1/minute").test_client()
    body = {"city": "xian", "as_of": "2024-06-30", "applicant": {
        "birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
        "criminal_record": [], "local_knowledge_score": 86}}
    ok = client.post("/v1/score", json=body)
    assert ok.status_code == 200 and "Retry-After" not in ok.headers
    refused = client.post("/v1/score", json=body)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_drift_parameters_and_the_baseline_body_are_declared(client):
    spec = client.get("/openapi.json").get_json()
    drift = spec["paths"]["/v1/monitoring/drift"]["get"]
    params = {p["name"]: p for p in drift["parameters"]}
    assert params["window"]["in"] == "query" and params["window"]["schema"]["default"] == "24h"
    assert params["history"]["schema"]["maximum"] == 400
    body = spec["paths"]["/v1/monitoring/baseline"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"]
    baseline = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"city", "from", "to", "histogram"} <= set(baseline["properties"])


def test_the_default_response_of_every_operation_is_a_problem(client):
    """Not flask-smorest's `Error` model, which the service never sends (a generated
    client put `code` in an integer field and lost `detail` and `request_id`)."""
    spec = client.get("/openapi.json").get_json()
    default = spec["components"]["responses"]["DEFAULT_ERROR"]
    assert default["content"] == {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"}}}
    assert "Error" not in spec["components"]["schemas"]
    for op in operations(spec).values():
        assert op["responses"]["default"] == {"$ref": "#/components/responses/DEFAULT_ERROR"}


def test_a_score_answer_is_documented_with_its_required_fields_and_formats(client):
    """A generated client types every field of a score as present (not "value or unset"),
    dates as dates and the threshold kind as an enum."""
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    score = schemas["ScoreResult"]
    assert {"decision_id", "policy", "total", "threshold", "passes", "breakdown",
            "notes"} <= set(score["required"])
    assert score["properties"]["as_of"]["format"] == "date"
    assert score["properties"]["threshold_kind"]["enum"] == ["fixed", "quota"]
    assert {"city", "version", "sha256", "effective_from"} <= set(schemas["PolicyRef"]["required"])


def test_every_success_body_is_a_schema_with_its_headers(client):
    spec = client.get("/openapi.json").get_json()
    for key, op in operations(spec).items():
        ok = op["responses"]["200"]
        assert "X-Request-ID" in ok["headers"], key
        if key == ("get", "/metrics"):
            assert list(ok["content"]) == ["text/plain"]
            continue
        schema = ok["content"]["application/json"]["schema"]
        ref = schema["$ref"].rsplit("/", 1)[1]
        assert spec["components"]["schemas"][ref]["required"], key
        for status, answer in op["responses"].items():
            if status.startswith(("4", "5")):
                assert answer["content"] == {"application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Problem"}}}, (key, status)
                assert ("Retry-After" in answer["headers"]) == (status in ("429", "503"))
    revision = spec["paths"]["/v1/score"]["post"]["responses"]["200"]["headers"]
    assert {"X-Policy-Revision", "X-RateLimit-Limit", "X-RateLimit-Remaining",
            "X-RateLimit-Reset"} <= set(revision)


def test_the_answers_say_what_is_closed_dated_and_nullable(client):
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    drift = schemas["DriftSeries"]["properties"]
    assert drift["level"]["enum"] == ["stable", "watch", "act", "insufficient"]
    assert drift["reason"]["nullable"] and drift["reason"]["oneOf"][0]["enum"] == [
        "no_reference", "few_reference_scores", "few_window_scores"]
    assert schemas["PolicyVersion"]["properties"]["effective_from"]["format"] == "date"
    withdrawn = schemas["PolicyVersion"]["properties"]["withdrawn"]
    assert withdrawn == {"nullable": True, "description": withdrawn["description"],
                         "allOf": [{"$ref": "#/components/schemas/Withdrawal"}]}
    score = schemas["ScoreResult"]["properties"]
    assert score["passes"]["nullable"] and score["threshold"]["nullable"]
    assert not {"omitted", "uncertain"} & set(schemas["ScoreResult"]["required"])
    results = schemas["BatchResponse"]["properties"]["results"]["items"]
    assert results["oneOf"] == [{"$ref": "#/components/schemas/ScoreResult"},
                                {"$ref": "#/components/schemas/Problem"}]
    applicant = schemas["ScoreRequest"]["properties"]["applicant"]
    assert applicant["additionalProperties"] == {"$ref": "#/components/schemas/ApplicantValue"}
    assert schemas["EarliestPass"]["properties"]["reason"]["enum"]


def test_the_drift_reference_sources_are_the_ones_the_service_names():
    from service.api.monitoring import REFERENCE_DAYS
    from service.api.ops_answers import REFERENCE_SOURCES

    assert f"first {REFERENCE_DAYS} days in force" in REFERENCE_SOURCES


def test_the_problem_codes_are_every_code_the_service_sends(client):
    """Every code raised in service/ (ApiError, PolicyNotFound, the HTTP layer's mapping)
    is in the document's enum, and the enum holds no code that is never sent."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "service"
    text = "\n".join(p.read_text(encoding="utf-8") for p in root.rglob("*.py"))
    raised = set(re.findall(r"ApiError\(\s*\d{3},\s*\"([a-z_]+)\"", text))
    raised |= set(re.findall(r"PolicyNotFound\(\s*\"([a-z_]+)\"", text))
    raised |= set(re.findall(r"return (?:\d{3}|status), \"([a-z_]+)\"", text))
    mapped = re.search(r"code = \{(.*?)\}", text, re.S).group(1)
    raised |= set(re.findall(r"\"([a-z_]+)\"", mapped)) | {"http_error"}
    spec = client.get("/openapi.json").get_json()
    documented = set(spec["components"]["schemas"]["Problem"]["properties"]["code"]["enum"])
    assert len(raised) > 20
    assert raised == documented
