"""Fixtures: the app on the bundled policies, a client, and keys with known secrets."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from service import create_app  # noqa: E402
from service.api.auth import hash_secret  # noqa: E402

POLICIES = ROOT / "policies"
SECRETS = {
    "bureau": ("secret-bureau", ["score", "batch"]),
    "scorer": ("secret-scorer", ["score"]),
    "ops": ("secret-ops", ["ops"]),
    "admin": ("secret-admin", ["admin", "simulate", "ops"]),
    "everything": ("secret-everything", ["score", "batch", "simulate", "ops", "admin"]),
}


@pytest.fixture(scope="session")
def keys_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("keys") / "keys.yaml"
    entries = [{"name": name, "sha256": hash_secret(secret), "scopes": scopes}
               for name, (secret, scopes) in SECRETS.items()]
    path.write_text(yaml.safe_dump(entries))
    return str(path)


def make_app(keys_file: str, **config):
    settings = {"POLICY_DIR": str(POLICIES), "API_KEYS_FILE": keys_file, "TESTING": True,
                "DECISION_KEY": "tests-decision-key-0123456789",
                # The suite sends many wrong keys from one address on purpose; the budget
                # itself is tested in tests/api/test_rate_limit_budgets.py.
                "RATE_LIMIT_BAD_KEYS": "100000/minute"}
    settings.update(config)
    return create_app(settings)


@pytest.fixture(scope="session")
def app(keys_file):
    return make_app(keys_file)


@pytest.fixture
def client(app):
    return app.test_client()


def bearer(name: str) -> dict:
    return {"Authorization": f"Bearer {SECRETS[name][0]}"}


@pytest.fixture
def bureau_headers() -> dict:
    return bearer("bureau")


class RedisServer:
    """A real redis-server on a free loopback port, which a test may stop and start again.
    It keeps an append-only file, as a production Redis would, so a restart loses nothing
    that was flushed to it."""

    def __init__(self, workdir):
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        import shutil
        import subprocess
        import time

        import redis

        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed: run scripts/install-system-deps")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_timeout=0.2).ping():
                    return self
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


class LiveServer:
    """An app on a real loopback port (werkzeug in a thread), for the browser tests."""

    def __init__(self, app):
        import threading

        from werkzeug.serving import make_server

        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def live_server(keys_file):
    server = LiveServer(make_app(keys_file))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by playwright (no browser download)."""
    import shutil

    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True,
                                              args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


ARTIFACTS = ROOT / "tests" / "artifacts"
