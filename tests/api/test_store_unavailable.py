"""Redis down or stalled: the monitoring reads answer 503 with Retry-After, /metrics
still answers (the store reads 0, drift gauges wait), scoring goes on; never a 500."""

from __future__ import annotations

import os
import signal
import time

import pytest
from conftest import bearer, make_app

XIAN = {"city": "xian", "as_of": "2024-06-30", "applicant": {
    "birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
    "criminal_record": [], "local_knowledge_score": 86}}
HISTOGRAM = {"bins": {"160": 3}, "count": 3, "passes": 3, "ineligible": 0,
             "total_centi": 24000}


def reads(client) -> dict:
    return {
        "drift": client.get("/v1/monitoring/drift", headers=bearer("ops")),
        "baseline": client.post("/v1/monitoring/baseline", headers=bearer("admin"), json={
            "city": "xian", "policy_version": "2024.1", "histogram": HISTOGRAM}),
        "metrics": client.get("/metrics", headers=bearer("ops")),
        "score": client.post("/v1/score", json=XIAN, headers=bearer("bureau")),
    }


def assert_degraded(answers: dict) -> None:
    for name in ("drift", "baseline"):
        answer = answers[name]
        assert answer.status_code == 503, (name, answer.get_json())
        assert answer.mimetype == "application/problem+json"
        assert answer.get_json()["code"] == "store_unavailable"
        assert int(answer.headers["Retry-After"]) > 0
    assert answers["metrics"].status_code == 200
    assert "hukou_store_reachable 0.0" in answers["metrics"].get_data(as_text=True)
    assert answers["score"].status_code == 200


@pytest.mark.redis
def test_redis_stopped(keys_file, redis_server):
    client = make_app(keys_file, REDIS_URL=redis_server.url).test_client()
    assert {k: v.status_code for k, v in reads(client).items()} == {
        "drift": 200, "baseline": 200, "metrics": 200, "score": 200}
    redis_server.stop()
    assert_degraded(reads(client))
    redis_server.start()
    deadline = time.monotonic() + 10
    while client.get("/v1/monitoring/drift", headers=bearer("ops")).status_code != 200:
        assert time.monotonic() < deadline, "drift did not come back with Redis"
        time.sleep(0.2)


@pytest.mark.redis
def test_redis_stalled_mid_call_answers_within_seconds(keys_file, redis_server):
    client = make_app(keys_file, REDIS_URL=redis_server.url).test_client()
    assert client.post("/v1/score", json=XIAN, headers=bearer("bureau")).status_code == 200
    os.kill(redis_server.process.pid, signal.SIGSTOP)  # accepts nothing, answers nothing
    try:
        started = time.monotonic()
        assert_degraded(reads(client))
        assert time.monotonic() - started < 10
    finally:
        os.kill(redis_server.process.pid, signal.SIGCONT)
