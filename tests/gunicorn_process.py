"""A real gunicorn (deploy/gunicorn.conf.py) on a free loopback port, for fault and
multi-instance tests; its log goes to a file that a failing test can show."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, workdir: Path, env: dict, workers: int = 2, name: str = "gunicorn"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        metrics_dir = workdir / f"{name}-metrics"
        metrics_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / f"{name}.log"
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                    "HUKOU_BIND": f"127.0.0.1:{self.port}", "HUKOU_WORKERS": str(workers),
                    "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), **env}
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> Gunicorn:
        log = open(self.log_path, "ab")  # noqa: SIM115 (closed with the process)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
             "service:create_app()"], cwd=ROOT, env=self.env, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1).read()
                return self
            except OSError as error:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start:\n" + self.log()) from error
                time.sleep(0.1)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in path.read_text().split()]

    def signal(self, sig: int = signal.SIGHUP) -> None:
        os.kill(self.process.pid, sig)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def call(self, path: str, payload=None, headers: dict | None = None,
             timeout: float = 10.0) -> tuple[int, dict, dict]:
        """(status, JSON body, headers); no exception for an HTTP error status."""
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self.url + path, data=data, headers={
            "Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read() or b"null"), \
                    dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null"), dict(error.headers)

    def revisions(self, asks: int = 1000, seconds: float = 10.0) -> set[str]:
        """The policy revision of every worker. New connections land on any worker, and a
        worker still booting answers none, so /readyz is asked until each worker has
        answered (it names its process), at most `asks` times and `seconds` long; a worker
        that never answered counts as "unreached:<pid>". The revision is a detail of
        /readyz: asked with the ops key of tests/conftest.py (the server needs its keys)."""
        from conftest import bearer

        pending, seen = set(self.workers()), set()
        deadline = time.monotonic() + seconds
        for _ in range(asks):
            if not pending or time.monotonic() > deadline:
                break
            body = self.call("/readyz", headers=bearer("ops"))[1]
            seen.add(body["policies"]["revision"])
            pending.discard(body["process"])
        return seen | {f"unreached:{pid}" for pid in pending}
