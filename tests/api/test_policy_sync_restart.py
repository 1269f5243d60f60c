"""Policy announcements survive a Redis that restarts without its data, and `in_step` is
true only when a process read the announcement: never while Redis does not answer, and
null when there is no Redis at all.

Redis here is a real redis-server; "restarted empty" means stopped and started again on
the same port over a fresh directory, so nothing of the announcements is replayed."""

from __future__ import annotations

import itertools
import time

import pytest
import redis
from conftest import bearer, make_app
from policy_edits import policy_copy, set_xian_threshold
from support import wait_until

from service.policy.registry import PolicyRegistry
from service.policy_sync import ANNOUNCED, PolicySync

_fresh = itertools.count()


def restart_empty(server, tmp_path) -> None:
    """Stop redis-server and start it on the same port with nothing kept: a fresh
    directory, so the append-only file of the last run is not read."""
    server.stop()
    server.workdir = tmp_path / f"redis-empty-{next(_fresh)}"
    server.workdir.mkdir()
    server.start()
    assert redis.Redis.from_url(server.url).get(ANNOUNCED) is None


def policies(client) -> dict:
    return client.get("/readyz", headers=bearer("ops")).get_json()["policies"]


@pytest.mark.redis
def test_a_reload_after_redis_restarted_empty_is_followed(tmp_path, keys_file, redis_server):
    roots = [policy_copy(tmp_path / f"policies-{i}") for i in range(2)]
    apps = [make_app(keys_file, POLICY_DIR=str(root), CHECK_PUBLISHED=False,
                     REDIS_URL=redis_server.url, POLICY_POLL_SECONDS=0.05) for root in roots]
    clients = [app.test_client() for app in apps]
    try:
        # several announcements first: a counter would stand at 3 now
        for points in (61, 62, 63):
            for root in roots:
                set_xian_threshold(root, points)
            answer = clients[0].post("/v1/admin/policies/reload",
                                     headers=bearer("admin")).get_json()
            wait_until(lambda a=answer: policies(clients[1])["revision"] == a["revision"])
        assert policies(clients[1])["in_step"] is True

        restart_empty(redis_server, tmp_path)
        # both read Redis again (nothing announced there now) and keep their set
        wait_until(lambda: all(policies(c)["in_step"] is True for c in clients))
        assert {policies(c)["revision"] for c in clients} == {answer["revision"]}

        for root in roots:
            set_xian_threshold(root, 70)
        newer = clients[0].post("/v1/admin/policies/reload", headers=bearer("admin"))
        assert newer.status_code == 200, newer.get_json()
        newer = newer.get_json()
        assert newer["revision"] != answer["revision"]
        try:
            wait_until(lambda: policies(clients[1])["revision"] == newer["revision"])
        except AssertionError:
            raise AssertionError(f"instance 1 did not follow: {policies(clients[1])}") from None
        assert policies(clients[1])["in_step"] is True

        # and the other way round: the instance that never announced announces now
        for root in roots:
            set_xian_threshold(root, 71)
        third = clients[1].post("/v1/admin/policies/reload", headers=bearer("admin"))
        assert third.status_code == 200, third.get_json()
        wait_until(lambda: policies(clients[0])["revision"] == third.get_json()["revision"])
        assert all(policies(c)["in_step"] is True for c in clients)
    finally:
        for app in apps:
            app.extensions["policy_sync"].stop()


@pytest.mark.redis
def test_in_step_is_false_while_redis_does_not_answer(tmp_path, keys_file, redis_server):
    app = make_app(keys_file, POLICY_DIR=str(policy_copy(tmp_path / "policies")),
                   CHECK_PUBLISHED=False, REDIS_URL=redis_server.url, POLICY_POLL_SECONDS=0.05)
    client = app.test_client()
    try:
        wait_until(lambda: policies(client)["in_step"] is True)
        checked = policies(client)["checked_at"]
        assert checked is not None
        redis_server.stop()
        wait_until(lambda: policies(client)["redis"] == "unreachable")
        for _ in range(5):  # never claims to be in step while nothing is read
            found = policies(client)
            assert found["in_step"] is False, found
            time.sleep(0.05)
        restart_empty(redis_server, tmp_path)
        wait_until(lambda: policies(client)["in_step"] is True)
        assert policies(client)["checked_at"] > checked
    finally:
        app.extensions["policy_sync"].stop()


def test_in_step_is_null_without_redis(tmp_path, keys_file):
    app = make_app(keys_file, POLICY_DIR=str(policy_copy(tmp_path / "policies")),
                   CHECK_PUBLISHED=False)
    try:
        found = policies(app.test_client())
        assert found["in_step"] is None and found["checked_at"] is None
        assert found["redis"] == "off"
    finally:
        app.extensions["policy_sync"].stop()


# ---- the sync objects themselves, polled by hand: every interleaving is chosen ------

def syncs(tmp_path, url: str, count: int):
    roots = [policy_copy(tmp_path / f"dir-{i}") for i in range(count)]
    made = [PolicySync(PolicyRegistry(str(root), check_published=False), url, poll=60)
            for root in roots]
    return roots, made


@pytest.mark.redis
def test_concurrent_announcements_after_a_restart_the_last_one_stays(tmp_path, redis_server):
    roots, (a, b, c) = syncs(tmp_path, redis_server.url, 3)
    for points in (61, 62, 63):  # a counter would stand at 3 in every process
        for root in roots:
            set_xian_threshold(root, points)
        assert a.reload_and_announce(tell_master=False).ok
        for s in (b, c):
            s._follow()
    assert len({s.registry.revision for s in (a, b, c)}) == 1

    restart_empty(redis_server, tmp_path)
    for s in (a, b, c):
        s._follow()
        assert s.status()["in_step"] is True  # nothing announced: each keeps its set

    # a and b reload different files and announce before either polls: b's write stays
    set_xian_threshold(roots[0], 71)
    set_xian_threshold(roots[1], 72)
    set_xian_threshold(roots[2], 72)
    assert a.reload_and_announce(tell_master=False).ok
    assert b.reload_and_announce(tell_master=False).ok
    for s in (a, b, c):
        s._follow()
    assert c.registry.revision == b.registry.revision  # followed b's announcement
    assert c.status()["in_step"] is True and b.status()["in_step"] is True
    # a's files do not give what stays announced: it says so, it does not claim in step
    assert a.registry.revision != b.registry.revision
    assert a.status()["in_step"] is False
    set_xian_threshold(roots[0], 72)
    a._follow()
    assert a.registry.revision == b.registry.revision and a.status()["in_step"] is True


@pytest.mark.redis
def test_a_reload_while_redis_is_away_is_announced_when_it_is_back(tmp_path, redis_server):
    roots, (a, b) = syncs(tmp_path, redis_server.url, 2)
    for root in roots:
        set_xian_threshold(root, 62)
    assert a.reload_and_announce(tell_master=False).ok
    b._follow()
    assert b.registry.revision == a.registry.revision

    redis_server.stop()
    for root in roots:
        set_xian_threshold(root, 74)
    assert a.reload_and_announce(tell_master=False).ok  # served here, not announced yet
    for s in (a, b):
        s._follow()
        assert s.status()["in_step"] is False and s.status()["redis"] == "unreachable"
    assert b.registry.revision != a.registry.revision

    restart_empty(redis_server, tmp_path)
    a._follow()  # announces what it reloaded meanwhile
    b._follow()
    assert b.registry.revision == a.registry.revision
    assert a.status()["in_step"] is True and b.status()["in_step"] is True

