"""Snapshots kept by many processes at once (the workers of a server start together, and
each SIGHUP reloads all of them): none fails, `current` always names a whole copy, and
leftovers of killed processes and old copies do not pile up."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
import traceback
from pathlib import Path

from conftest import POLICIES

from service.policy.registry import PolicyRegistry
from service.policy.snapshot import KEEP, STALE_SECONDS, Snapshots

PROCESSES = 8
ROUNDS = 20
SECONDS = 60.0


def _keeper(root: str, base: str, rounds: int, barrier, results) -> None:
    """Stage and keep the same revision as every other process, round after round;
    after each keep, `current` must name a whole copy."""
    try:
        snapshots = Snapshots(base)
        for number in range(rounds):
            barrier.wait(timeout=SECONDS)
            kept = snapshots.keep(snapshots.stage(root), f"rev{number % 5}")
            current = snapshots.current()
            assert current is not None and (current / "tiers").is_dir(), current
            assert kept.is_dir(), kept
        results.put(None)
    except BaseException:  # noqa: BLE001 - reported to the parent
        results.put(traceback.format_exc())


def _run(target, args: tuple, count: int, context) -> list:
    """`count` processes running target(*args, results); what each put in results."""
    results = context.Queue()
    processes = [context.Process(target=target, args=(*args, results), daemon=True)
                 for _ in range(count)]
    for process in processes:
        process.start()
    try:
        return [results.get(timeout=SECONDS) for _ in processes]
    finally:
        for process in processes:
            process.kill()
            process.join(5)


def test_many_processes_keep_the_same_revision_at_once(tmp_path):
    base = tmp_path / "snapshots"
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(PROCESSES)
    failures = [r for r in _run(_keeper, (str(POLICIES), str(base), ROUNDS, barrier),
                                PROCESSES, context) if r is not None]
    assert failures == [], failures[0]
    names = sorted(p.name for p in base.iterdir())
    goods = [n for n in names if n.startswith("good-")]
    assert 1 <= len(goods) <= KEEP, names
    assert [n for n in names if n not in goods] == [".lock", "current"], names
    assert Snapshots(base).current() == (base / "good-rev4").resolve()


def _starter(root: str, base: str, results) -> None:
    try:
        registry = PolicyRegistry(root, snapshot_dir=base, check_published=False)
        results.put(None if registry.snapshots.current() else "no current snapshot")
    except BaseException:  # noqa: BLE001 - reported to the parent
        results.put(traceback.format_exc())


def test_registries_starting_together_all_boot(tmp_path):
    base = tmp_path / "snapshots"
    context = multiprocessing.get_context("fork")
    failures = [r for r in _run(_starter, (str(POLICIES), str(base)), 4, context)
                if r is not None]
    assert failures == [], failures[0]


def test_stale_leftovers_and_old_copies_are_pruned(tmp_path):
    base = tmp_path / "snapshots"
    snapshots = Snapshots(base)
    old = time.time() - STALE_SECONDS - 60
    for name in ("stage-dead", "trash-dead", "stage-fresh"):
        (base / name / "tiers").mkdir(parents=True)
    (base / "current-dead").symlink_to("good-nothing")
    os.utime(base / "current-dead", (old, old), follow_symlinks=False)
    for name in ("stage-dead", "trash-dead"):
        os.utime(base / name, (old, old))
    for age in range(6):  # good-0 is the newest
        shutil.copytree(POLICIES / "tiers", base / f"good-{age}" / "tiers")
        os.utime(base / f"good-{age}", (old - age, old - age))
    snapshots.keep(snapshots.stage(POLICIES), "new")
    names = sorted(p.name for p in base.iterdir())
    assert names == [".lock", "current", "good-0", "good-1", "good-new", "stage-fresh"]
    assert snapshots.current() == (base / "good-new").resolve()


def test_the_copy_current_points_at_is_never_pruned(tmp_path):
    """Pruning spares the newest copy and the one `current` names, however old."""
    base = tmp_path / "snapshots"
    snapshots = Snapshots(base)
    old = time.time() - 3600
    for age in range(5):  # good-4 is the oldest
        (base / f"good-{age}" / "tiers").mkdir(parents=True)
        os.utime(base / f"good-{age}", (old - age, old - age))
    (base / "current").symlink_to("good-4")
    with snapshots._locked():
        trash = snapshots._set_aside(base / "good-0")
    for path in trash:
        snapshots.discard(path)
    assert sorted(p.name for p in base.glob("good-*")) == ["good-0", "good-1", "good-4"]
    assert not list(base.glob("trash-*"))


def test_a_killed_keeper_leaves_nothing_that_blocks_the_next(tmp_path):
    base = tmp_path / "snapshots"
    snapshots = Snapshots(base)
    staged = snapshots.stage(POLICIES)
    os.replace(staged, base / "good-x")  # a process killed after its rename
    again = snapshots.keep(snapshots.stage(POLICIES), "x")
    assert again == base / "good-x" and (again / "tiers").is_dir()
    assert Path(snapshots.current()) == again.resolve()
