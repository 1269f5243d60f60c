"""Decision ids under the production gunicorn config: with HUKOU_DECISION_KEY unset the
master makes one key and every worker (replacements included) shares it; with the key
set, ids are the same across servers and restarts."""

from __future__ import annotations

import os
import signal
import time

import pytest
from conftest import SECRETS
from gunicorn_process import Gunicorn

BODY = {"city": "xian", "as_of": "2024-06-30", "applicant": {
    "birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
    "criminal_record": [], "local_knowledge_score": 86}}
HEADERS = {"Authorization": f"Bearer {SECRETS['bureau'][0]}", "Connection": "close"}


def ids(server: Gunicorn, asks: int = 12) -> set[str]:
    found = set()
    for _ in range(asks):
        status, body, _ = server.call("/v1/score", BODY, HEADERS)
        assert status == 200, body
        found.add(body["decision_id"])
    return found


def replace_every_worker(server: Gunicorn, seconds: float = 30.0) -> None:
    """SIGKILL each worker; the master starts new ones (forked from it, with its env)."""
    before = set(server.workers())
    for pid in before:
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        now = set(server.workers())
        if len(now) == len(before) and not now & before:
            try:
                server.call("/healthz", timeout=2)
                return
            except OSError:
                pass
        time.sleep(0.2)
    raise AssertionError("workers were not replaced:\n" + server.log())


def run(tmp_path, keys_file, name, **env) -> Gunicorn:
    settings = {"HUKOU_API_KEYS_FILE": keys_file, "HUKOU_RATE_LIMIT_ENABLED": "0", **env}
    return Gunicorn(tmp_path, settings, workers=3, name=name).start()


def test_workers_of_one_server_share_the_key_it_made(tmp_path, keys_file):
    server = run(tmp_path, keys_file, "made-key")
    try:
        first = ids(server)
        replace_every_worker(server)
        assert ids(server) == first and len(first) == 1
    finally:
        server.stop()
    again = run(tmp_path, keys_file, "made-key-again")
    try:
        assert ids(again, 3).isdisjoint(first)  # a new server made a new key
    finally:
        again.stop()


@pytest.mark.parametrize("how", ["HUKOU_DECISION_KEY", "HUKOU_DECISION_KEY_FILE"])
def test_a_configured_key_keeps_ids_across_servers(tmp_path, keys_file, how):
    key = "bureau-deployment-key-0123456789abcdef"
    if how == "HUKOU_DECISION_KEY_FILE":
        (tmp_path / "decision-key").write_text(key + "\n")
        key = str(tmp_path / "decision-key")
    found = []
    for name in ("keyed-a", "keyed-b"):
        server = run(tmp_path, keys_file, name, **{how: key})
        try:
            found.append(ids(server, 3))
        finally:
            server.stop()
    assert found[0] == found[1] and len(found[0]) == 1
