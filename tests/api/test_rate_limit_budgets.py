"""Rate-limit budgets: one per address across every anonymous endpoint, and wrong keys
counted per address so that a key-guessing loop is refused before its keys are checked."""

from __future__ import annotations

import pytest
from conftest import bearer, make_app

XIAN = {"city": "xian", "as_of": "2024-06-30", "applicant": {
    "birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
    "criminal_record": [], "local_knowledge_score": 86}}


def test_scores_and_what_ifs_spend_one_anonymous_budget(keys_file):
    client = make_app(keys_file, RATE_LIMIT_ANONYMOUS="4/minute").test_client()
    sent = [client.post("/v1/score", json=XIAN).status_code for _ in range(2)]
    sent += [client.post("/v1/what-if", json=XIAN).status_code for _ in range(2)]
    assert sent == [200] * 4
    for path in ("/v1/score", "/v1/what-if"):
        refused = client.post(path, json=XIAN)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_a_key_holder_is_not_spent_by_anonymous_callers_at_the_same_address(keys_file):
    client = make_app(keys_file, RATE_LIMIT_ANONYMOUS="1/minute").test_client()
    assert client.post("/v1/score", json=XIAN).status_code == 200
    assert client.post("/v1/what-if", json=XIAN).status_code == 429
    assert client.post("/v1/score", json=XIAN, headers=bearer("bureau")).status_code == 200


@pytest.mark.parametrize("path,method", [("/v1/score", "post"), ("/metrics", "get"),
                                         ("/v1/monitoring/drift", "get")])
def test_wrong_keys_are_refused_after_the_budget_whatever_the_endpoint(keys_file, path,
                                                                      method):
    client = make_app(keys_file, RATE_LIMIT_BAD_KEYS="3/minute").test_client()
    wrong = {"Authorization": "Bearer guess-0001"}
    call = getattr(client, method)
    kwargs = {"json": XIAN} if method == "post" else {}
    assert [call(path, headers=wrong, **kwargs).status_code for _ in range(3)] == [401] * 3
    refused = call(path, headers={"Authorization": "Bearer guess-0004"}, **kwargs)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["code"] == "too_many_bad_keys"
    # the guessing address is refused before any key is checked, the right one included
    assert call(path, headers=bearer("everything"), **kwargs).status_code == 429
    # a malformed Authorization header counts as a wrong key too
    assert call(path, headers={"Authorization": "Basic abc"}, **kwargs).status_code == 429


def test_right_keys_and_anonymous_calls_spend_nothing_of_the_wrong_key_budget(keys_file):
    client = make_app(keys_file, RATE_LIMIT_BAD_KEYS="2/minute").test_client()
    for _ in range(5):
        assert client.post("/v1/score", json=XIAN, headers=bearer("bureau")).status_code == 200
        assert client.get("/v1/policies").status_code == 200
    assert client.post("/v1/score", json=XIAN, headers={
        "Authorization": "Bearer nope"}).status_code == 401


def test_other_addresses_keep_their_budget(keys_file):
    client = make_app(keys_file, RATE_LIMIT_BAD_KEYS="1/minute").test_client()
    wrong = {"Authorization": "Bearer nope"}
    assert client.get("/metrics", headers=wrong).status_code == 401
    assert client.get("/metrics", headers=wrong).status_code == 429
    other = client.get("/metrics", headers=bearer("ops"),
                       environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code == 200


@pytest.mark.parametrize("text", [
    "- &k {name: a, sha256: '" + "0" * 64 + "', scopes: [score]}\n- *k\n",  # aliases
    "- just a string\n",
    "- {name: a, sha256: 12, scopes: [score]}\n",
    "- {name: a, sha256: '" + "0" * 64 + "', scopes: score}\n",
    "{name: a}\n",
])
def test_a_bad_keys_file_is_refused_at_start_with_its_path(tmp_path, text):
    from service.api.auth import KeyRing

    path = tmp_path / "keys.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match="keys.yaml"):
        KeyRing.from_file(str(path))
