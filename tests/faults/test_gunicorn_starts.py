"""The production gunicorn config (deploy/gunicorn.conf.py) with 8 workers, started again
and again and reloaded by SIGHUP again and again: all 8 workers sharing one snapshot
directory keep the same policy set at once, and none may die of it. A server removes
the snapshot directory it made when it exits.

CI runs 3 starts and 3 reloads; the 20-and-20 version carries the `slow` marker."""

from __future__ import annotations

import signal
import time

import pytest
from gunicorn_process import Gunicorn
from policy_edits import policy_copy, set_xian_threshold

WORKERS = 8
FULL = pytest.param(20, marks=pytest.mark.slow, id="20")


def serving(server: Gunicorn, seconds: float = 30.0) -> tuple[set[int], set[str]]:
    """The worker pids and the revisions they answer /readyz with; every worker of the
    server must be alive and answer."""
    assert server.process.poll() is None, server.log()
    deadline = time.monotonic() + seconds
    while len(server.workers()) != WORKERS and time.monotonic() < deadline:
        time.sleep(0.1)
    pids = set(server.workers())
    assert len(pids) == WORKERS, server.log()
    revisions = server.revisions(asks=5000, seconds=seconds)
    assert not [r for r in revisions if r.startswith("unreached")], (revisions, server.log())
    assert set(server.workers()) == pids, "a worker died and was replaced:\n" + server.log()
    return pids, revisions


@pytest.fixture
def environment(tmp_path, keys_file):
    root = policy_copy(tmp_path / "policies")
    scratch = tmp_path / "tmp"  # where the config makes its snapshot directory
    scratch.mkdir()
    env = {"HUKOU_POLICY_DIR": str(root), "HUKOU_CHECK_PUBLISHED": "0",
           "HUKOU_API_KEYS_FILE": keys_file, "TMPDIR": str(scratch)}
    return root, scratch, env


@pytest.mark.parametrize("starts", [3, FULL])
def test_eight_workers_start_again_and_again(tmp_path, environment, starts):
    _, scratch, env = environment
    for number in range(starts):
        server = Gunicorn(tmp_path, env, workers=WORKERS, name=f"start-{number}")
        try:
            server.start(timeout=60)
            _, revisions = serving(server)
            assert len(revisions) == 1
            assert len(list(scratch.glob("hukou-policies-good-*"))) == 1
        finally:
            server.stop()
        assert server.process.returncode == 0, server.log()
        assert list(scratch.glob("hukou-policies-good-*")) == [], "snapshots left behind"


@pytest.mark.parametrize("reloads", [3, FULL])
def test_eight_workers_reload_by_sighup_again_and_again(tmp_path, environment, reloads):
    root, scratch, env = environment
    server = Gunicorn(tmp_path, env, workers=WORKERS, name="sighup")
    try:
        server.start(timeout=60)
        pids, (before,) = serving(server)
        for number in range(reloads):
            set_xian_threshold(root, 61 + number)  # a new revision each time
            server.signal(signal.SIGHUP)
            deadline = time.monotonic() + 30
            while True:  # until every worker serves the new set
                revisions = server.revisions(asks=2000, seconds=10)
                if len(revisions) == 1 and before not in revisions:
                    break
                assert time.monotonic() < deadline, (number, revisions, server.log())
                time.sleep(0.2)
            (before,) = revisions
            assert serving(server)[0] == pids
        snapshots = next(scratch.glob("hukou-policies-good-*"))
        assert not list(snapshots.glob("stage-*")) and not list(snapshots.glob("trash-*"))
        assert len(list(snapshots.glob("good-*"))) <= 3
    finally:
        server.stop()
    assert list(scratch.glob("hukou-policies-good-*")) == [], "snapshots left behind"
