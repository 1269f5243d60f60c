"""Alert rules pass their promtool tests; the dashboard reads only metrics the service has."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml
from conftest import ROOT

PROMETHEUS = ROOT / "deploy" / "prometheus"


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is not installed: run scripts/install-system-deps")
    return found


def test_alert_rules_check_and_pass_their_tests():
    for args in (["check", "rules", "alerts.yml"], ["test", "rules", "alerts_test.yml"]):
        out = subprocess.run([promtool(), *args], cwd=PROMETHEUS, capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr


def metric_names_defined() -> set[str]:
    source = (ROOT / "service" / "monitoring" / "metrics.py").read_text()
    names = set(re.findall(r'"(hukou_[a-z_]+)"', source))
    histograms = {n + suffix for n in names for suffix in ("_bucket", "_sum", "_count")}
    return names | histograms


def test_alerts_and_dashboard_use_only_defined_metrics():
    known = metric_names_defined()
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "hukou-drift.json").read_text())
    exprs += [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {n for e in exprs for n in re.findall(r"\bhukou_[a-z_]+", e)}
    assert used and used <= known, used - known
