"""deploy/gunicorn.conf.py: its defaults, its environment overrides, its access log and hooks."""

from __future__ import annotations

import datetime
import importlib.util
import json
import multiprocessing
from pathlib import Path
from types import SimpleNamespace

import pytest

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"
MODULE = "gunicorn_conf"


def reload(module):
    """Run the file again in the same module, as gunicorn would on a fresh start.

    importlib.reload cannot find a module loaded by path (the file name has a dot in it).
    """
    module.__spec__.loader.exec_module(module)


@pytest.fixture
def conf(monkeypatch):
    """The settings module, imported by path; tests set the environment, then reload it."""
    for name in ("HUKOU_BIND", "HUKOU_WORKERS", "PROMETHEUS_MULTIPROC_DIR"):
        monkeypatch.delenv(name, raising=False)
    spec = importlib.util.spec_from_file_location(MODULE, CONFIG)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_defaults(conf):
    assert conf.bind == "0.0.0.0:8000"
    assert conf.worker_class == "service.gunicorn_worker.PolicySyncWorker"  # sync + SIGHUP
    assert conf.workers == min(2 * multiprocessing.cpu_count() + 1, 8)
    assert (conf.timeout, conf.graceful_timeout, conf.keepalive) == (30, 20, 5)
    assert (conf.max_requests, conf.max_requests_jitter) == (10000, 1000)
    assert conf.accesslog == "-"


def test_environment_overrides(conf, monkeypatch):
    monkeypatch.setenv("HUKOU_BIND", "127.0.0.1:9000")
    monkeypatch.setenv("HUKOU_WORKERS", "3")
    reload(conf)
    assert (conf.bind, conf.workers) == ("127.0.0.1:9000", 3)


def test_empty_variables_mean_the_defaults(conf, monkeypatch):
    monkeypatch.setenv("HUKOU_BIND", "")
    monkeypatch.setenv("HUKOU_WORKERS", " ")
    reload(conf)
    assert conf.bind == "0.0.0.0:8000"
    assert conf.workers == min(2 * multiprocessing.cpu_count() + 1, 8)


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_a_bad_worker_count_is_refused(conf, monkeypatch, value):
    monkeypatch.setenv("HUKOU_WORKERS", value)
    with pytest.raises(ValueError):
        reload(conf)


@pytest.mark.parametrize(("cpus", "expected"), [(1, 3), (3, 7), (4, 8), (64, 8)])
def test_the_default_worker_count_is_capped_at_eight(conf, monkeypatch, cpus, expected):
    monkeypatch.setattr(multiprocessing, "cpu_count", lambda: cpus)
    reload(conf)
    assert conf.workers == expected


def test_an_explicit_worker_count_is_not_capped(conf, monkeypatch):
    monkeypatch.setattr(multiprocessing, "cpu_count", lambda: 64)
    monkeypatch.setenv("HUKOU_WORKERS", "16")
    reload(conf)
    assert conf.workers == 16


def test_the_access_log_is_json_without_query_string_or_client(conf):
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/v1/policies/beijing?as_of=2026-01-01&name=zhang-san",
        "PATH_INFO": "/v1/policies/beijing",
        "QUERY_STRING": "as_of=2026-01-01&name=zhang-san",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
    }
    response = SimpleNamespace(status="200 OK", sent=512, headers=[("X-Request-ID", "abc123")])
    request = SimpleNamespace(headers=[("AUTHORIZATION", "Bearer secret")])
    logger = Logger(Config())
    atoms = logger.atoms_wrapper_class(
        logger.atoms(response, request, environ, datetime.timedelta(microseconds=1500))
    )
    line = conf.access_log_format % atoms

    record = json.loads(line)
    assert record["method"] == "GET" and record["path"] == "/v1/policies/beijing"
    assert record["status"] == 200 and record["duration_us"] == 1500
    assert record["request_id"] == "abc123"
    for secret in ("zhang-san", "as_of", "203.0.113.7", "secret"):
        assert secret not in line


def test_on_starting_creates_the_metrics_directory(conf, monkeypatch, tmp_path):
    directory = tmp_path / "prometheus"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    conf.on_starting(server=None)
    assert directory.is_dir() and list(directory.iterdir()) == []


def test_on_starting_empties_the_metrics_directory(conf, monkeypatch, tmp_path):
    stale = tmp_path / "prometheus"
    stale.mkdir()
    for name in ("counter_1234.db", "gauge_livesum_1234.db", "histogram_99.db"):
        (stale / name).write_bytes(b"left by an earlier run")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(stale))
    conf.on_starting(server=None)
    assert stale.is_dir() and list(stale.iterdir()) == []


def test_on_starting_without_multiprocess_mode_touches_nothing(conf, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    conf.on_starting(server=None)
    assert list(tmp_path.iterdir()) == []


def test_child_exit_marks_the_worker_dead(conf, monkeypatch, tmp_path):
    # This call stands in for a real gunicorn master reaping a worker: the hook must hand
    # that worker's pid to prometheus_client, which removes its live gauge files.
    from prometheus_client import multiprocess

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    seen = []
    monkeypatch.setattr(multiprocess, "mark_process_dead", lambda pid, *a, **k: seen.append(pid))
    conf.child_exit(server=None, worker=SimpleNamespace(pid=4242))
    assert seen == [4242]


def test_child_exit_removes_the_dead_workers_live_gauges(conf, monkeypatch, tmp_path):
    # The real prometheus_client this time: a livesum gauge file of pid 4242 goes, others stay.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    (tmp_path / "gauge_livesum_4242.db").write_bytes(b"")
    (tmp_path / "gauge_livesum_4243.db").write_bytes(b"")
    (tmp_path / "counter_4242.db").write_bytes(b"")
    conf.child_exit(server=None, worker=SimpleNamespace(pid=4242))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "counter_4242.db",
        "gauge_livesum_4243.db",
    ]


def test_child_exit_without_multiprocess_mode_does_nothing(conf, monkeypatch):
    from prometheus_client import multiprocess

    seen = []
    monkeypatch.setattr(multiprocess, "mark_process_dead", lambda pid, *a, **k: seen.append(pid))
    conf.child_exit(server=None, worker=SimpleNamespace(pid=1))
    assert seen == []


def test_gunicorn_accepts_every_setting(conf):
    """Each setting in the module is one gunicorn knows, with a value it accepts."""
    from gunicorn.config import Config

    config = Config()
    names = [n for n in vars(conf) if n in config.settings]
    assert {"bind", "workers", "access_log_format", "on_starting", "child_exit"} <= set(names)
    for name in names:
        config.set(name, getattr(conf, name))
    assert config.bind == ["0.0.0.0:8000"]


def test_no_control_socket(conf):
    assert conf.control_socket_disable is True
