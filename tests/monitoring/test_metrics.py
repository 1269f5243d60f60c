"""/metrics: what it counts, names that promtool accepts, and several gunicorn workers."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import ROOT, bearer, make_app


def body(**overrides) -> dict:
    applicant = {"birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
                 "criminal_record": [], "local_knowledge_score": 86}
    return {"city": "xian", "as_of": "2026-11-22", "applicant": applicant, **overrides}


def scrape(client) -> str:
    resp = client.get("/metrics", headers=bearer("ops"))
    assert resp.status_code == 200 and resp.mimetype == "text/plain"
    return resp.get_data(as_text=True)


def test_counts_scores_requests_policies_and_drift(keys_file):
    client = make_app(keys_file).test_client()
    for _ in range(3):
        client.post("/v1/score", json=body(as_of=time.strftime("%Y-%m-%d")),
                    headers=bearer("bureau"))
    text = scrape(client)
    assert 'hukou_scores_total{city="xian",outcome="pass",policy_version="2024.1"}' in text
    assert 'hukou_http_requests_total{endpoint="/v1/score",method="POST",status="200"}' in text
    assert "hukou_http_request_duration_seconds_bucket" in text
    assert 'hukou_policy_info{city="beijing",policy_version="2020.1",sha256="' in text
    assert 'hukou_window_scores{city="xian",policy_version="2024.1"}' in text


def test_needs_the_ops_scope(client):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=bearer("bureau")).status_code == 403


def test_names_pass_promtool(keys_file):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool is not installed: run scripts/install-system-deps")
    client = make_app(keys_file).test_client()
    client.post("/v1/score", json=body(), headers=bearer("bureau"))
    out = subprocess.run([promtool, "check", "metrics"], input=scrape(client),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_several_gunicorn_workers_report_together(keys_file, tmp_path):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"HUKOU_API_KEYS_FILE": keys_file, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
           "HUKOU_BIND": f"127.0.0.1:{port}", "HUKOU_WORKERS": "2", "PATH": "/usr/bin:/bin"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c",
                               str(ROOT / "deploy" / "gunicorn.conf.py"), "service:create_app()"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.2)
        for _ in range(40):  # new connections: gunicorn spreads them over both workers
            urllib.request.urlopen(base + "/healthz", timeout=5).read()
        request = urllib.request.Request(base + "/metrics", headers=bearer("ops"))
        text = urllib.request.urlopen(request, timeout=10).read().decode()
        line = next(row for row in text.splitlines() if row.startswith(
            'hukou_http_requests_total{endpoint="/healthz",method="GET",status="200"}'))
        assert float(line.rsplit(" ", 1)[1]) >= 41
        assert len({p.name for p in tmp_path.glob("counter_*.db")}) >= 2  # two workers wrote
    finally:
        server.terminate()
        server.wait(timeout=20)
