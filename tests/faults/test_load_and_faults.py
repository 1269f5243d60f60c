"""Load and faults against real gunicorn (and a real redis-server), all on 127.0.0.1.

Each test runs a fixed-rate mix of scores, batches and what-ifs and prints requests
sent, failed, lost and the latency percentiles. CI runs each for a few seconds; the
60-second versions carry the `slow` marker (`make test-slow`)."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
import urllib.request

import pytest
from conftest import bearer
from gunicorn_process import Gunicorn
from load import drive
from policy_edits import XIAN, break_xian, policy_copy, set_xian_threshold

pytestmark = pytest.mark.redis
RATE = 40.0  # requests a second
LONG = pytest.param(60.0, marks=pytest.mark.slow, id="60s")


def short(seconds: float):
    return pytest.param(seconds, id=f"{seconds:.0f}s")


@pytest.fixture
def service(tmp_path, keys_file, redis_server):
    root = policy_copy(tmp_path / "policies")
    servers = []

    def start(workers: int = 2, redis: bool = True, **env) -> Gunicorn:
        settings = {"HUKOU_POLICY_DIR": str(root), "HUKOU_CHECK_PUBLISHED": "0",
                    "HUKOU_API_KEYS_FILE": keys_file,
                    "HUKOU_RATE_LIMIT_ANONYMOUS": "100000/minute", **env}
        if redis:
            settings["REDIS_URL"] = redis_server.url
        server = Gunicorn(tmp_path, settings, workers=workers,
                          name=f"gunicorn-{len(servers)}").start()
        servers.append(server)
        return server

    start.root = root
    yield start
    for server in servers:
        server.stop()


def stored_count(server) -> int:
    """Scores the shared store holds for the last hour, as the drift endpoint sees them."""
    _, body, _ = server.call("/v1/monitoring/drift?window=1h", headers=bearer("ops"))
    return sum(s["histogram"]["count"] for s in body["series"])


def settled_count(server, expected: int, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while True:
        found = stored_count(server)
        if found >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.25)


@pytest.mark.parametrize("seconds", [short(5), LONG])
def test_fixed_rate_mix_has_no_errors(service, seconds):
    server = service()
    report = drive(server.url, "load", seconds, RATE)
    stored = settled_count(server, report.recorded)
    print("\n" + report.line(lost=report.recorded - stored))
    assert report.sent == int(seconds * RATE)
    assert report.failed == 0
    assert stored == report.recorded


@pytest.mark.parametrize("seconds", [short(6), LONG])
def test_a_worker_killed_under_load(service, seconds):
    server = service(workers=3)

    def kill(report):
        time.sleep(seconds / 3)
        os.kill(server.workers()[0], signal.SIGKILL)

    report = drive(server.url, "worker killed", seconds, RATE, during=kill)
    stored = settled_count(server, report.recorded, timeout=5)
    lost = report.recorded - stored
    print("\n" + report.line(lost=lost))
    assert server.process.poll() is None and len(server.workers()) == 3
    # A sync worker answers one request at a time: only the one it held can fail.
    assert report.failed <= 1, report.failures
    # Its scores of the last second, not yet flushed to Redis, die with it; no more.
    assert 0 <= lost <= RATE * 1.5 * 3.1


@pytest.mark.parametrize("seconds", [short(8), LONG])
def test_redis_stopped_and_restarted_under_load(service, redis_server, seconds):
    server = service()

    def outage(report):
        time.sleep(seconds / 4)
        redis_server.stop()
        time.sleep(seconds / 4)
        redis_server.start()

    report = drive(server.url, "redis restart", seconds, RATE, during=outage)
    stored = settled_count(server, report.recorded, timeout=15)
    print("\n" + report.line(lost=report.recorded - stored))
    assert report.failed == 0, report.failures
    assert stored == report.recorded  # held in the workers and flushed once Redis was back


@pytest.mark.parametrize("seconds", [short(6), LONG])
def test_reloads_good_and_bad_under_load(service, seconds):
    server = service()
    (before,) = server.revisions()
    root = service.root
    original = (root / XIAN).read_text()
    outcomes = {}

    def reloads(report):
        time.sleep(seconds / 4)
        break_xian(root)
        outcomes["bad"] = server.call("/v1/admin/policies/reload", {}, bearer("admin"))[0]
        server.signal(signal.SIGHUP)  # the same bad directory by signal
        time.sleep(seconds / 4)
        (root / XIAN).write_text(original)
        set_xian_threshold(root, 61)
        outcomes["good"] = server.call("/v1/admin/policies/reload", {}, bearer("admin"))

    report = drive(server.url, "reloads", seconds, RATE, during=reloads)
    print("\n" + report.line() + f"; revisions answered {dict(report.revisions)}")
    good_status, good, _ = outcomes["good"]
    assert outcomes["bad"] == 422 and good_status == 200
    assert report.failed == 0, report.failures
    assert report.mixed == 0  # no batch scored against two sets
    assert set(report.revisions) <= {before, good["revision"]}
    assert server.revisions() == {good["revision"]}


def _raw(server, payload: bytes, pause: float = 0.0, chunks: int = 1) -> bytes:
    """Send a request in `chunks` pieces `pause` seconds apart; the answer, or b''."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        step = max(1, len(payload) // chunks)
        for i in range(0, len(payload), step):
            sock.sendall(payload[i:i + step])
            time.sleep(pause)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


@pytest.mark.parametrize("seconds", [short(6), LONG])
def test_slow_and_truncated_bodies(service, seconds):
    server = service(workers=3)
    body = json.dumps({"city": "xian", "applicant": {
        "birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
        "criminal_record": [], "local_knowledge_score": 86}}).encode()
    head = (f"POST /v1/what-if HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
            f"\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    answers = {}

    def abuse(report):
        time.sleep(1)
        answers["slow"] = _raw(server, head + body, pause=0.2, chunks=10)  # about 2 s
        answers["truncated"] = _raw(server, head + body[: len(body) // 2])
        answers["headers only"] = _raw(server, head)
        answers["garbage"] = _raw(server, b"\x16\x03\x01\x02\x00 not http at all\r\n\r\n")

    report = drive(server.url, "slow and truncated bodies", seconds, RATE, during=abuse)
    print("\n" + report.line() + "; " + "; ".join(
        f"{k}: {v.split(b' ', 2)[1].decode() if v.startswith(b'HTTP/') else 'closed'}"
        for k, v in answers.items()))
    assert report.failed == 0, report.failures
    assert answers["slow"].startswith(b"HTTP/1.1 200")
    for name in ("truncated", "headers only", "garbage"):  # refused or closed; never a 5xx
        assert not answers[name].startswith(b"HTTP/1.1 5"), (name, answers[name][:200])
    assert server.process.poll() is None and len(server.workers()) == 3
    with urllib.request.urlopen(server.url + "/healthz", timeout=5) as response:
        assert response.status == 200
