"""POST /v1/score/batch: JSON array or NDJSON, input order, per-item problems, limits."""

from __future__ import annotations

import json

from conftest import bearer
from test_score_status import assert_problem, body

from service.policy.applicant import parser_of


def test_json_array_in_order_with_a_bad_item_answering_for_itself(client):
    items = [body(), body(city="atlantis"), body(applicant={"criminal_record": []}), body()]
    resp = client.post("/v1/score/batch", json=items, headers=bearer("bureau"))
    assert resp.status_code == 200
    out = resp.get_json()
    assert out["count"] == 4 and out["failed"] == 2
    first, unknown, missing, last = out["results"]
    assert first["total"] == last["total"] and first["decision_id"] == last["decision_id"]
    assert unknown["status"] == 404 and unknown["index"] == 1
    assert missing["status"] == 422 and "applicant.birth_date" in missing["errors"]


def test_ndjson(client):
    lines = "\n".join(json.dumps(b) for b in [body(), body(as_of="2026-01-01")]) + "\n{oops\n"
    resp = client.post("/v1/score/batch", data=lines, content_type="application/x-ndjson",
                       headers=bearer("bureau"))
    results = resp.get_json()["results"]
    assert [r.get("status") for r in results] == [None, None, 400]
    assert results[0]["as_of"] == "2026-11-22" and results[1]["as_of"] == "2026-01-01"


def test_same_result_as_single_scoring(client):
    single = client.post("/v1/score", json=body(), headers=bearer("bureau")).get_json()
    batch = client.post("/v1/score/batch", json=[body()], headers=bearer("bureau")).get_json()
    assert batch["results"][0] == single


def test_more_than_10000_items_is_413(client):
    resp = client.post("/v1/score/batch", json=[{}] * 10_001, headers=bearer("bureau"))
    assert assert_problem(resp, 413)["code"] == "batch_too_large"


def test_needs_a_key_with_the_batch_scope(client):
    assert_problem(client.post("/v1/score/batch", json=[body()]), 401)
    assert_problem(client.post("/v1/score/batch", json=[body()], headers=bearer("scorer")), 403)


def test_body_that_is_not_an_array(client):
    resp = client.post("/v1/score/batch", json=body(), headers=bearer("bureau"))
    assert_problem(resp, 422)


def test_fast_envelope_agrees_with_the_schema():
    import datetime as dt

    from service.api.schemas import ScoreRequest
    from service.api.scoring import fast_envelope

    plain = [body(), body(policy_version="2024.1", record=False),
             {k: v for k, v in body().items() if k != "as_of"}]
    for item in plain:
        assert fast_envelope(item) == ScoreRequest().load(item)
    # anything unusual goes to the schema, which decides
    for item in [body(as_of=None), body(record="yes"), body(city=""), body(extra=1),
                 body(as_of="2026-11-22T00:00:00"), body(as_of="2026-02-30"),
                 body(applicant=[])]:
        assert fast_envelope(item) is None
    assert fast_envelope(body())["as_of"] == dt.date(2026, 11, 22)


def test_the_cached_encoding_says_what_each_criterion_scored(app):
    """The answer's pre-encoded pieces (remembered across answers) agree with the result's
    own breakdown objects, the first time and from the caches."""
    import datetime as dt

    import orjson
    from test_beijing_cases import CASES as BEIJING

    from service.scoring.answer import answer
    from service.scoring.engine import score

    registry = app.extensions["policies"]
    for _, as_of, applicant, *_ in BEIJING:
        day = dt.date.fromisoformat(as_of)
        policy = registry.resolve("beijing", day)
        result = score(policy, parser_of(policy).parse(applicant, day), day,
                       app.extensions["decision_key"])
        first = orjson.loads(orjson.dumps(answer(result)))
        assert orjson.loads(orjson.dumps(answer(result))) == first  # from the caches
        assert [(b["criterion"], b["points"], b["points_exact"], b["capped"], b["rule_i18n"])
                for b in first["breakdown"]] == [
            (c.criterion, float(c.points), c.points_exact, c.capped, c.rule)
            for c in result.breakdown]
        assert first["total"] == float(result.total) and first["passes"] == result.passes
