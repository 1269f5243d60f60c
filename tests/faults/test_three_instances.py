"""Three instances (separate gunicorn servers on three ports) sharing one real Redis:
one rate limit, one drift distribution, and a reload that reaches all three."""

from __future__ import annotations

import time

import pytest
from conftest import bearer
from gunicorn_process import Gunicorn
from policy_edits import policy_copy, set_xian_threshold

pytestmark = pytest.mark.redis

APPLICANT = {"birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
             "criminal_record": [], "local_knowledge_score": 86}


@pytest.fixture
def three(tmp_path, keys_file, redis_server):
    root = policy_copy(tmp_path / "policies")  # one directory, as a shared volume would be
    env = {"HUKOU_POLICY_DIR": str(root), "HUKOU_CHECK_PUBLISHED": "0",
           "HUKOU_API_KEYS_FILE": keys_file, "REDIS_URL": redis_server.url,
           "HUKOU_RATE_LIMIT_ANONYMOUS": "6/minute", "HUKOU_POLICY_POLL_SECONDS": "0.5"}
    servers = [Gunicorn(tmp_path, env, workers=2, name=f"instance-{i}") for i in range(3)]
    try:
        for server in servers:
            server.start()
        yield root, servers
    finally:
        for server in servers:
            server.stop()


def test_three_instances_share_limits_drift_and_reloads(three):
    root, servers = three
    body = {"city": "xian", "applicant": APPLICANT}

    # one anonymous client: six requests spread over the three instances, then refused by any
    statuses = [servers[i % 3].call("/v1/what-if", body)[0] for i in range(6)]
    assert statuses == [200] * 6
    refused = [server.call("/v1/what-if", body) for server in servers]
    assert [status for status, _, _ in refused] == [429] * 3
    assert all(int(headers["Retry-After"]) > 0 for _, _, headers in refused)

    # one drift distribution: scores sent to each instance, the same histogram from each
    for i, server in enumerate(servers):
        for score in range(60 + 10 * i, 70 + 10 * i):
            applicant = dict(APPLICANT, local_knowledge_score=score)
            assert server.call("/v1/score", {"city": "xian", "applicant": applicant},
                               bearer("bureau"))[0] == 200
    deadline = time.monotonic() + 10
    while True:
        seen = [server.call("/v1/monitoring/drift?window=1h", headers=bearer("ops"))[1]
                for server in servers]
        histograms = [[s["histogram"] for s in answer["series"] if s["city"] == "xian"]
                      for answer in seen]
        if all(h and h[0]["count"] == 30 for h in histograms) or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert histograms[0] and histograms[0][0]["count"] == 30
    assert histograms[0] == histograms[1] == histograms[2]

    # a reload asked of one instance reaches every worker of all three
    (before,) = {rev for server in servers for rev in server.revisions()}
    set_xian_threshold(root, 64)
    status, answer, _ = servers[0].call("/v1/admin/policies/reload", {}, bearer("admin"))
    assert status == 200 and answer["revision"] != before
    deadline = time.monotonic() + 10
    while {rev for server in servers for rev in server.revisions()} != {answer["revision"]}:
        assert time.monotonic() < deadline, "not every instance follows"
        time.sleep(0.25)
    thresholds = {server.call("/v1/score", body, bearer("scorer"))[1]["threshold"]
                  for server in servers for _ in range(4)}
    assert thresholds == {64.0}
