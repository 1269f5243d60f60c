"""Rate limits on the production gunicorn config with a real Redis: the wrong-key budget
is one per address for every worker and instance, and while Redis is away the limits
still hold, counted in each worker's memory (so up to workers x the limit: the README
says so)."""

from __future__ import annotations

import pytest
from conftest import SECRETS
from gunicorn_process import Gunicorn

BODY = {"city": "xian", "as_of": "2024-06-30", "applicant": {
    "birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
    "criminal_record": [], "local_knowledge_score": 86}}
CLOSE = {"Connection": "close"}  # each request on a new connection: any worker answers


@pytest.fixture
def two(tmp_path, keys_file, redis_server):
    env = {"HUKOU_API_KEYS_FILE": keys_file, "REDIS_URL": redis_server.url,
           "HUKOU_RATE_LIMIT_BAD_KEYS": "4/minute", "HUKOU_RATE_LIMIT_ANONYMOUS": "3/minute"}
    servers = [Gunicorn(tmp_path, env, workers=2, name=f"limits-{i}") for i in range(2)]
    try:
        for server in servers:
            server.start()
        yield redis_server, servers
    finally:
        for server in servers:
            server.stop()


@pytest.mark.redis
def test_wrong_keys_share_one_budget_across_workers_and_instances(two):
    _, servers = two
    statuses = [servers[i % 2].call("/metrics", None, {**CLOSE, "Authorization":
                                                       f"Bearer guess-{i}"})[0]
                for i in range(12)]
    assert statuses == [401] * 4 + [429] * 8
    right = {**CLOSE, "Authorization": f"Bearer {SECRETS['ops'][0]}"}
    assert servers[0].call("/readyz", None, right)[0] == 429  # the address waits


@pytest.mark.redis
def test_with_redis_away_the_limits_hold_in_each_worker(two):
    redis_server, servers = two
    redis_server.stop()
    server = servers[0]
    statuses = [server.call("/v1/what-if", BODY, CLOSE)[0] for _ in range(16)]
    assert set(statuses) <= {200, 429} and statuses.count(429) >= 16 - 2 * 3
    wrong = [server.call("/metrics", None, {**CLOSE, "Authorization": f"Bearer g{i}"})[0]
             for i in range(16)]
    assert set(wrong) <= {401, 429} and wrong.count(401) <= 2 * 4
