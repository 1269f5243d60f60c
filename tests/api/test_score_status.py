"""Every status /v1/score answers, each with a problem+json body where it is an error."""

from __future__ import annotations

import json
import re

import pytest
from conftest import bearer, make_app

XIAN = {"birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
        "criminal_record": [{"date": "2012-04-01", "kind": "administrative_detention"}],
        "local_knowledge_score": 86}


def body(**overrides) -> dict:
    out = {"city": "xian", "as_of": "2026-11-22", "applicant": dict(XIAN)}
    out.update(overrides)
    return out


def post(client, payload, headers=None, **kw):
    return client.post("/v1/score", json=payload, headers=headers or bearer("bureau"), **kw)


def assert_problem(resp, status):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    problem = resp.get_json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    assert "Traceback" not in resp.get_data(as_text=True)
    return problem


def test_ok_carries_policy_version_and_hash(client):
    resp = post(client, body())
    assert resp.status_code == 200
    result = resp.get_json()
    assert result["policy"]["city"] == "xian" and len(result["policy"]["sha256"]) == 64
    assert result["total"] == sum(b["points"] for b in result["breakdown"])


def test_as_of_defaults_to_today(client):
    payload = body()
    del payload["as_of"]
    import datetime as dt

    assert post(client, payload).get_json()["as_of"] == dt.date.today().isoformat()


def test_malformed_json_is_400(client):
    resp = client.post("/v1/score", data="{not json", content_type="application/json",
                       headers=bearer("bureau"))
    assert assert_problem(resp, 400)["code"] == "malformed_json"


def test_wrong_content_type_is_415(client):
    resp = client.post("/v1/score", data="city=xian", headers=bearer("bureau"),
                       content_type="application/x-www-form-urlencoded")
    assert_problem(resp, 415)


def test_body_over_the_limit_is_413(keys_file):
    client = make_app(keys_file, MAX_SINGLE_BODY_BYTES=1024).test_client()
    payload = body(applicant={**XIAN, "pad": "x" * 2048})
    assert_problem(post(client, payload), 413)


def test_bad_key_is_401_missing_scope_is_403(client):
    resp = post(client, body(), headers={"Authorization": "Bearer wrong"})
    assert assert_problem(resp, 401)["code"] == "bad_credentials"
    resp = post(client, body(), headers=bearer("ops"))
    assert assert_problem(resp, 403)["code"] == "missing_scope"


def test_unknown_city_is_404_naming_it(client):
    problem = assert_problem(post(client, body(city="atlantis")), 404)
    assert "atlantis" in problem["detail"] and "xian" in problem["detail"]


def test_unknown_version_is_404_listing_versions(client):
    problem = assert_problem(post(client, body(policy_version="1999.9")), 404)
    assert "1999.9" in problem["detail"] and problem["versions"]


def test_date_with_no_policy_in_force_is_422(client):
    problem = assert_problem(post(client, body(as_of="2010-01-01")), 422)
    assert problem["code"] == "not_in_force" and "2010-01-01" in problem["detail"]
    assert problem["versions"]


def test_unknown_top_level_field(client):
    problem = assert_problem(post(client, body(colour="red")), 422)
    assert "colour" in problem["errors"]


def test_unknown_applicant_field(client):
    problem = assert_problem(post(client, body(applicant={**XIAN, "name": "Li"})), 422)
    assert list(problem["errors"]) == ["applicant.name"]


def test_every_missing_field_is_listed(client):
    problem = assert_problem(post(client, body(applicant={"criminal_record": []})), 422)
    assert set(problem["errors"]) == {"applicant.birth_date", "applicant.residence_permit_since",
                                      "applicant.local_knowledge_score"}


@pytest.mark.parametrize("field,value", [
    ("birth_date", 19900501), ("birth_date", "1990-13-01"), ("local_knowledge_score", "86"),
    ("local_knowledge_score", True), ("criminal_record", "none"),
])
def test_wrong_type(client, field, value):
    problem = assert_problem(post(client, body(applicant={**XIAN, field: value})), 422)
    assert f"applicant.{field}" in problem["errors"]


def test_out_of_range_number(client):
    problem = assert_problem(post(client, body(applicant={**XIAN,
                                                          "local_knowledge_score": 101})), 422)
    assert "applicant.local_knowledge_score" in problem["errors"]


def test_future_date(client):
    problem = assert_problem(post(client, body(applicant={**XIAN,
                                                          "birth_date": "2030-01-01"})), 422)
    assert "applicant.birth_date" in problem["errors"]


def test_record_after_as_of(client):
    record = [{"date": "2026-12-01", "kind": "criminal"}]
    problem = assert_problem(post(client, body(applicant={**XIAN, "criminal_record": record})),
                             422)
    assert "applicant.criminal_record.0.date" in problem["errors"]


def test_residence_longer_than_age(client):
    applicant = {**XIAN, "residence_permit_since": "1989-01-01"}
    problem = assert_problem(post(client, body(applicant=applicant)), 422)
    assert "applicant.residence_permit_since" in problem["errors"]


def test_anonymous_is_rate_limited_with_retry_after(keys_file):
    client = make_app(keys_file, RATE_LIMIT_ANONYMOUS="2/minute").test_client()
    for _ in range(2):
        assert client.post("/v1/score", json=body()).status_code == 200
    resp = client.post("/v1/score", json=body())
    problem = assert_problem(resp, 429)
    assert int(resp.headers["Retry-After"]) > 0 and problem["code"] == "rate_limited"


def test_request_id_is_echoed_in_header_and_problem(client):
    resp = post(client, body(city="atlantis"), headers={**bearer("bureau"),
                                                        "X-Request-ID": "req-123"})
    assert resp.headers["X-Request-ID"] == "req-123"
    assert resp.get_json()["request_id"] == "req-123"


def test_a_request_id_that_does_not_look_like_one_is_replaced(client):
    for given in ("abc def<script>", "x" * 129, "tab\there", "中文"):
        resp = post(client, body(city="atlantis"), headers={**bearer("bureau"),
                                                            "X-Request-ID": given})
        made = resp.headers["X-Request-ID"]
        assert made != given and re.fullmatch(r"[0-9a-f]{32}", made), given
        assert resp.get_json()["request_id"] == made
    uuid = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    assert post(client, body(), headers={"X-Request-ID": uuid}).headers["X-Request-ID"] == uuid


def test_keys_are_limited_only_when_a_per_key_limit_is_set(keys_file):
    unlimited = make_app(keys_file, RATE_LIMIT_ANONYMOUS="1/minute").test_client()
    assert all(post(unlimited, body()).status_code == 200 for _ in range(3))
    limited = make_app(keys_file, RATE_LIMIT_KEY="2/minute").test_client()
    assert [post(limited, body()).status_code for _ in range(3)] == [200, 200, 429]
    # another key has its own allowance
    assert post(limited, body(), headers=bearer("scorer")).status_code == 200


def test_an_impossible_record_date_is_a_422_not_a_500(client):
    record = [{"date": "2020-02-30", "kind": "criminal"}, {"kind": "criminal"}]
    problem = assert_problem(post(client, body(applicant={**XIAN, "criminal_record": record})),
                             422)
    assert {"applicant.criminal_record.0.date", "applicant.criminal_record.1.date"} <= set(
        problem["errors"])


def test_cors_only_for_the_configured_origins(keys_file):
    client = make_app(keys_file, CORS_ORIGINS=["https://bureau.example"]).test_client()
    allowed = client.post("/v1/score", json=body(), headers={"Origin": "https://bureau.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://bureau.example"
    other = client.post("/v1/score", json=body(), headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_with_rate_limits_switched_off_the_service_starts_and_never_limits(keys_file):
    client = make_app(keys_file, RATE_LIMIT_ENABLED=False,
                      RATE_LIMIT_ANONYMOUS="1/minute").test_client()
    body = {"city": "xian", "applicant": {"birth_date": "1990-01-01", "criminal_record": [],
            "residence_permit_since": "2015-01-01", "local_knowledge_score": 70}}
    statuses = {client.post("/v1/what-if", json=body).status_code for _ in range(3)}
    assert statuses == {200}


def nested(depth: int):
    value: object = 1
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def test_nesting_past_the_limit_is_refused_before_anything_reads_it(keys_file):
    client = make_app(keys_file, MAX_JSON_DEPTH=8).test_client()
    deep = {"city": "xian", "applicant": nested(8)}  # 1 + 7 levels of objects = 8 deep
    resp = client.post("/v1/what-if", json=deep)
    assert resp.status_code == 422  # within the limit: the schema answers
    resp = client.post("/v1/what-if", json={"city": "xian", "applicant": nested(9)})
    problem = assert_problem(resp, 400)
    assert problem["code"] == "too_deep" and "8 levels" in problem["detail"]
    # one NDJSON line too deep spoils only that line
    lines = b'{"city": "xian", "applicant": {}}\n' + json.dumps(
        {"city": "xian", "applicant": nested(9)}).encode()
    resp = client.post("/v1/score/batch", data=lines, headers={
        **bearer("bureau"), "Content-Type": "application/x-ndjson"})
    results = resp.get_json()["results"]
    assert results[0]["status"] == 422 and results[1]["code"] == "too_deep"


def test_orjsons_own_limit_never_becomes_a_500(client):
    body = b'{"city": "xian", "applicant": ' + b"[" * 2000 + b"]" * 2000 + b"}"
    resp = client.post("/v1/what-if", data=body, headers={"Content-Type": "application/json"})
    assert resp.status_code == 400


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(keys_file):
    behind = make_app(keys_file, TRUSTED_PROXIES=1, RATE_LIMIT_ANONYMOUS="1/minute")
    client = behind.test_client()
    body = {"city": "xian", "applicant": {"birth_date": "1990-01-01", "criminal_record": [],
            "residence_permit_since": "2015-01-01", "local_knowledge_score": 70}}
    first = client.post("/v1/what-if", json=body, headers={"X-Forwarded-For": "198.51.100.7"})
    other = client.post("/v1/what-if", json=body, headers={"X-Forwarded-For": "198.51.100.8"})
    again = client.post("/v1/what-if", json=body, headers={"X-Forwarded-For": "198.51.100.7"})
    assert (first.status_code, other.status_code, again.status_code) == (200, 200, 429)
    # without a trusted proxy the header is the client's own word, and ignored
    direct = make_app(keys_file, RATE_LIMIT_ANONYMOUS="1/minute").test_client()
    statuses = [direct.post("/v1/what-if", json=body, headers={
        "X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(2)]
    assert statuses == [200, 429]
