"""SIGHUP and the reload endpoint bring every worker, and every instance sharing Redis,
onto one policy set; a bad directory changes nothing anywhere."""

from __future__ import annotations

import time

import pytest
from conftest import bearer, make_app
from gunicorn_process import Gunicorn
from policy_edits import break_xian, policy_copy, set_xian_threshold
from support import wait_until

XIAN_APPLICANT = {"birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
                  "criminal_record": [], "local_knowledge_score": 86}


@pytest.fixture
def served(tmp_path, keys_file):
    root = policy_copy(tmp_path / "policies")
    server = Gunicorn(tmp_path, {"HUKOU_POLICY_DIR": str(root), "HUKOU_CHECK_PUBLISHED": "0",
                                 "HUKOU_API_KEYS_FILE": keys_file}, workers=3).start()
    yield root, server
    server.stop()


def threshold_seen(server) -> set[float]:
    return {server.call("/v1/what-if", {"city": "xian", "applicant": XIAN_APPLICANT},
                        bearer("scorer"))[1]["baseline"]["threshold"] for _ in range(20)}


def test_sighup_reloads_every_worker_in_place(served):
    root, server = served
    workers = server.workers()
    (before,) = server.revisions()
    set_xian_threshold(root, 75)
    server.signal()
    wait_until(lambda: server.revisions() == {server.revisions().pop()} != {before})
    assert threshold_seen(server) == {75.0}
    assert server.workers() == workers  # reloaded in place, not restarted


def test_a_bad_file_on_sighup_changes_nothing_and_the_server_serves_on(served):
    root, server = served
    (before,) = server.revisions()
    break_xian(root)
    server.signal()

    def refusals() -> int:
        return server.log_path.read_text().count("policy reload (request) refused")

    wait_until(lambda: refusals() == 3, timeout=20)  # each worker, once (slow when loaded)
    time.sleep(0.5)
    assert refusals() == 3  # and no more
    assert server.process.poll() is None, server.log()
    assert server.revisions() == {before}
    assert threshold_seen(server) == {60.0}
    assert "cities/xian/2024.1.yaml" in server.log_path.read_text()


def test_a_reload_by_request_reaches_the_sibling_workers_without_redis(served):
    root, server = served
    (before,) = server.revisions()
    set_xian_threshold(root, 70)
    status, body, _ = server.call("/v1/admin/policies/reload", {}, bearer("admin"))
    assert status == 200 and body["revision"] != before, (status, body)
    try:
        wait_until(lambda: server.revisions() == {body["revision"]}, timeout=20)
    except AssertionError:
        raise AssertionError(f"revisions {server.revisions()} after reload to "
                             f"{body['revision']}; log:\n{server.log()}") from None
    assert threshold_seen(server) == {70.0}


@pytest.mark.redis
def test_instances_sharing_redis_follow_an_announcement(tmp_path, keys_file, redis_server):
    roots = [policy_copy(tmp_path / f"policies-{i}") for i in range(2)]
    apps = [make_app(keys_file, POLICY_DIR=str(root), CHECK_PUBLISHED=False,
                     REDIS_URL=redis_server.url, POLICY_POLL_SECONDS=0.1) for root in roots]
    clients = [app.test_client() for app in apps]

    def revision(i):
        return clients[i].get("/readyz", headers=bearer("ops")).get_json()["policies"]

    start = revision(1)["revision"]
    for root in roots:  # a new version of the files reaches both machines
        set_xian_threshold(root, 66)
    answer = clients[0].post("/v1/admin/policies/reload", headers=bearer("admin")).get_json()
    assert answer["revision"] != start
    wait_until(lambda: revision(1)["revision"] == answer["revision"])
    assert revision(1)["in_step"] is True

    # files that lag behind: instance 1 keeps its set, says it is not in step, then follows
    set_xian_threshold(roots[0], 67)
    newer = clients[0].post("/v1/admin/policies/reload", headers=bearer("admin")).get_json()
    wait_until(lambda: revision(1)["in_step"] is False)
    assert revision(1)["revision"] == answer["revision"]
    set_xian_threshold(roots[1], 67)
    wait_until(lambda: revision(1)["revision"] == newer["revision"])
    assert revision(1)["in_step"] is True

    # a bad directory is refused where it is asked and announces nothing
    announcement = revision(1)["announcement"]
    break_xian(roots[0])
    assert clients[0].post("/v1/admin/policies/reload",
                           headers=bearer("admin")).status_code == 422
    time.sleep(0.5)
    assert revision(1)["announcement"] == announcement
    assert {revision(i)["revision"] for i in range(2)} == {newer["revision"]}
    for app in apps:
        app.extensions["policy_sync"].stop()


def test_a_worker_started_after_a_bad_file_landed_serves_the_last_good_set(served):
    root, server = served
    (before,) = server.revisions()
    break_xian(root)
    victim = server.workers()[0]
    import os
    import signal

    os.kill(victim, signal.SIGKILL)  # the master starts a replacement, which reads the bad dir
    wait_until(lambda: victim not in server.workers() and len(server.workers()) == 3)
    assert server.process.poll() is None, server.log()
    # the new worker answers and says it serves the kept copy (readyz: degraded)
    wait_until(lambda: any(server.call("/readyz", headers=bearer("ops"))[1]["policies"]
                           ["serving_last_good_copy"]
                           for _ in range(10)), timeout=20)
    assert server.revisions() == {before}
    assert threshold_seen(server) == {60.0}
