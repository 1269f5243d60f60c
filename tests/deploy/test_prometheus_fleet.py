"""Debian's real Prometheus scraping two gunicorn instances on one Redis, with the shipped
alert rules (a copy whose `for:` is a few seconds and which evaluates every second):
the unshifted control fires nothing; a shifted population fires each drift alert once per
city, not once per instance; stopping Redis keeps /metrics answering on both instances.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
import yaml
from conftest import ROOT, SECRETS, bearer
from gunicorn_process import Gunicorn, free_port

sys.path.insert(0, str(ROOT))
from bench.drift_common import applicants, requests_for  # noqa: E402

pytestmark = [pytest.mark.redis, pytest.mark.timeout(150)]
DRIFT_ALERTS = {"HukouScoreDistributionShift", "HukouPassRateMoved", "HukouThresholdDrift"}
FOR = "3s"


def shift_beijing(applicant, rng):
    applicant["honour"] = True  # 20 points to everyone


def shift_xian(applicant, rng):
    applicant["local_knowledge_score"] = 95  # the top band, 40 points


class Prometheus:
    def __init__(self, workdir, targets, token_file):
        binary = shutil.which("prometheus") or "/usr/bin/prometheus"
        rules = yaml.safe_load((ROOT / "deploy" / "prometheus" / "alerts.yml").read_text())
        for group in rules["groups"]:
            group["interval"] = "1s"
            for rule in group["rules"]:
                if "for" in rule:
                    rule["for"] = FOR
        (workdir / "alerts.yml").write_text(yaml.safe_dump(rules))
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s",
                       "scrape_timeout": "900ms"},
            "rule_files": ["alerts.yml"],
            # not the compose job name: the rules must not depend on it
            "scrape_configs": [{"job_name": "kubernetes-pods", "metrics_path": "/metrics",
                                "authorization": {"type": "Bearer",
                                                  "credentials_file": str(token_file)},
                                "static_configs": [{"targets": targets}]}]}
        (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(workdir / "prometheus.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [binary, f"--config.file={workdir / 'prometheus.yml'}",
             f"--storage.tsdb.path={workdir / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            cwd=workdir, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(self.url + "/-/ready", timeout=1).read()
                break
            except OSError:
                assert self.process.poll() is None and time.monotonic() < deadline, \
                    (workdir / "prometheus.log").read_text()[-3000:]
                time.sleep(0.2)

    def query(self, expr: str) -> list[dict]:
        url = self.url + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        answer = json.loads(urllib.request.urlopen(url, timeout=5).read())
        assert answer["status"] == "success", answer
        return answer["data"]["result"]

    def wait_for(self, expr: str, ok, seconds: float) -> list[dict]:
        deadline = time.monotonic() + seconds
        while True:
            result = self.query(expr)
            if ok(result) or time.monotonic() > deadline:
                return result
            time.sleep(0.5)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=20)
        self.log.close()


def post_scores(servers, city: str, n: int, seed: int, shift=None) -> None:
    from service.policy.registry import PolicyRegistry

    registry = PolicyRegistry(str(ROOT / "policies"))
    policy = registry.resolve(city, __import__("datetime").date.today(), None)
    items = requests_for(policy, applicants(policy, n, seed, shift=shift), record=True)
    for item in items:
        del item["policy_version"]  # as a bureau sends them: the version in force
    half = len(items) // 2
    for server, part in zip(servers, (items[:half], items[half:])):
        status, _, _ = server.call("/v1/score/batch", part, bearer("bureau"), timeout=60)
        assert status == 200


def firing(prom) -> list[dict]:
    return [r["metric"] for r in prom.query('ALERTS{alertstate="firing"}')]


def test_real_prometheus_two_instances_one_redis(tmp_path, keys_file, redis_server):
    env = {"HUKOU_API_KEYS_FILE": keys_file, "REDIS_URL": redis_server.url,
           "HUKOU_RATE_LIMIT_ENABLED": "0"}
    servers = [Gunicorn(tmp_path, env, workers=2, name=f"instance-{i}") for i in range(2)]
    token = tmp_path / "ops-token"
    token.write_text(SECRETS["ops"][0])
    prom = None
    try:
        for server in servers:
            server.start()
        prom = Prometheus(tmp_path, [s.url.removeprefix("http://") for s in servers], token)
        up = prom.wait_for("up == 1", lambda r: len(r) == 2, 20)
        assert len(up) == 2, up

        # the control: the population the declared references were made from
        for city in ("beijing", "xian"):
            post_scores(servers, city, 1500, seed=11)
        counted = prom.wait_for(
            "max by (city) (hukou_window_scores)",
            lambda r: sorted(float(x["value"][1]) for x in r) == [1500, 1500], 20)
        assert sorted(float(x["value"][1]) for x in counted) == [1500, 1500], counted
        levels = prom.query("max by (city, level) (hukou_drift_level) == 1")
        time.sleep(6)  # twice `for:` at one evaluation a second
        quiet = [a for a in firing(prom) + [r["metric"] for r in prom.query(
            'ALERTS{alertstate="pending"}')] if a["alertname"] in DRIFT_ALERTS]
        assert quiet == [], (quiet, levels)
        # both instances export the same figures: two series, one alert's worth
        assert len(prom.query('hukou_drift_psi{city="xian"}')) == 2

        # the shift: twice as many shifted scores as the control
        post_scores(servers, "beijing", 3000, seed=12, shift=shift_beijing)
        post_scores(servers, "xian", 3000, seed=13, shift=shift_xian)
        expected = {("HukouScoreDistributionShift", "beijing"),
                    ("HukouScoreDistributionShift", "xian"),
                    ("HukouPassRateMoved", "beijing"), ("HukouPassRateMoved", "xian"),
                    ("HukouThresholdDrift", "beijing")}

        def drift_firing():
            return [(a["alertname"], a["city"]) for a in firing(prom)
                    if a["alertname"] in DRIFT_ALERTS]

        deadline = time.monotonic() + 30
        while set(drift_firing()) != expected and time.monotonic() < deadline:
            time.sleep(0.5)
        fired = drift_firing()
        assert sorted(fired) == sorted(expected), fired  # each once: not per instance
        assert all("instance" not in a for a in firing(prom)
                   if a["alertname"] in DRIFT_ALERTS)

        # Redis stops: /metrics still answers on both, and says the store is unreachable
        redis_server.stop()
        for server in servers:
            request = urllib.request.Request(server.url + "/metrics", headers=bearer("ops"))
            deadline = time.monotonic() + 10
            while True:
                with urllib.request.urlopen(request, timeout=10) as response:
                    assert response.status == 200
                    text = response.read().decode()
                if "hukou_store_reachable 0.0" in text or time.monotonic() > deadline:
                    break
                time.sleep(0.3)
            assert "hukou_store_reachable 0.0" in text
        reach = prom.wait_for("max(hukou_store_reachable) == 0", bool, 10)
        assert reach and len(prom.query("up == 1")) == 2
    finally:
        if prom is not None:
            prom.stop()
        for server in servers:
            server.stop()
