"""deploy/gunicorn.conf.py: its defaults, its environment overrides and its hooks."""

from __future__ import annotations

import importlib.util
import multiprocessing
from types import SimpleNamespace

from conftest import ROOT

CONFIG = ROOT / "deploy" / "gunicorn.conf.py"


def load():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", CONFIG)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_defaults(monkeypatch):
    monkeypatch.delenv("HUKOU_BIND", raising=False)
    monkeypatch.delenv("HUKOU_WORKERS", raising=False)
    conf = load()
    assert conf.bind == "0.0.0.0:8000" and conf.worker_class == "sync"
    assert conf.workers == min(2 * multiprocessing.cpu_count() + 1, 8)
    assert "%(q)s" not in conf.access_log_format and "%(r)s" not in conf.access_log_format


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("HUKOU_BIND", "127.0.0.1:9000")
    monkeypatch.setenv("HUKOU_WORKERS", "3")
    conf = load()
    assert (conf.bind, conf.workers) == ("127.0.0.1:9000", 3)


def test_on_starting_empties_the_metrics_directory(monkeypatch, tmp_path):
    stale = tmp_path / "metrics"
    stale.mkdir()
    (stale / "counter_1.db").write_text("old")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(stale))
    load().on_starting(server=None)
    assert stale.is_dir() and list(stale.iterdir()) == []


def test_child_exit_marks_the_worker_dead(monkeypatch, tmp_path):
    # Stands in for a gunicorn master reaping a worker: the hook must pass the pid on.
    from prometheus_client import multiprocess

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    seen = []
    monkeypatch.setattr(multiprocess, "mark_process_dead", seen.append)
    load().child_exit(server=None, worker=SimpleNamespace(pid=4242))
    assert seen == [4242]


def test_child_exit_without_multiprocess_mode_does_nothing(monkeypatch):
    from prometheus_client import multiprocess

    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.setattr(multiprocess, "mark_process_dead", lambda pid: 1 / 0)
    load().child_exit(server=None, worker=SimpleNamespace(pid=1))
