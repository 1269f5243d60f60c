"""Small policies built in a temporary directory, for tests of single rules."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from service.policy.applicant import parser_of
from service.policy.loader import load_policy_dir
from service.scoring.decision import DecisionKey
from service.scoring.engine import score

TEST_KEY = DecisionKey(b"test-decision-key-0123456789")

TIER = {
    "tier": "mega",
    "title": {"zh": "特大城市", "en": "Megacity"},
    "population": {"min": 5_000_000, "max": 10_000_000},
    "source": {"title": "国发〔2014〕51号"},
    "points_system": "allowed",
    "input_limits": {"max": {"month": 1200, "year": 100, "item": 1000, "point": 1000,
                             "ratio": 100},
                     "source": "test bounds", "confidence": "high"},
    "defaults": {"fields": {
        "birth_date": {"type": "date", "label": {"zh": "出生日期", "en": "Date of birth"}},
        "criminal_record": {"type": "records", "required": False, "default": [],
                            "label": {"zh": "记录", "en": "Record"},
                            "kinds": {"criminal": {"zh": "刑事", "en": "Criminal"},
                                      "administrative_detention": {"zh": "拘留",
                                                                   "en": "Detention"}}},
    }},
}


def label(text: str) -> dict:
    return {"zh": f"{text}（中）", "en": text}


def city_doc(**overrides) -> dict:
    doc = {
        "city": "testcity", "tier": "mega", "version": "1", "effective_from": "2020-01-01",
        "source": {"title": "test"}, "title": label("Test city"),
        "fields": {"n": {"type": "number", "label": label("n"), "unit": "year"}},
        "criteria": [], "threshold": {"kind": "fixed", "points": 10},
    }
    doc.update(overrides)
    return with_provenance(doc)


TEST_SOURCE = {"source": "a test's own figure", "confidence": "high"}


def with_provenance(doc: dict) -> dict:
    """The document with a test's provenance on every criterion, gate and threshold that
    gives none (tests of other rules need not repeat it; the loader demands it)."""
    items = [*doc.get("criteria", []), *doc.get("gates", [])]
    if isinstance(doc.get("threshold"), dict):
        items.append(doc["threshold"])
    for item in items:
        if isinstance(item, dict) and "source" not in item and "confidence" not in item:
            item.update(TEST_SOURCE)
    return doc


class _PlainDumper(yaml.SafeDumper):
    """Writes a repeated object out again rather than as an anchor and alias: policy files
    may hold no anchors (service/policy/yaml_io.py refuses them)."""

    def ignore_aliases(self, data) -> bool:
        return True


def policy_yaml(doc: dict, sort_keys: bool = True) -> str:
    return yaml.dump(doc, Dumper=_PlainDumper, allow_unicode=True, sort_keys=sort_keys)


def write_dir(root: Path, cities: list[dict], tier: dict | None = None) -> Path:
    (root / "tiers").mkdir(parents=True, exist_ok=True)
    tier = tier or TIER
    (root / "tiers" / f"{tier['tier']}.yaml").write_text(policy_yaml(tier))
    for doc in cities:
        folder = root / "cities" / str(doc.get("city", "testcity"))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{doc.get('version', '1')}.yaml").write_text(
            policy_yaml(doc, sort_keys=False))
    return root


def build_policy(tmp_path: Path, **overrides):
    """Load a one-city policy made of `city_doc(**overrides)`."""
    root = write_dir(tmp_path / "policies", [city_doc(**overrides)])
    return load_policy_dir(root).cities["testcity"][0]


def score_values(policy, applicant: dict, as_of: dt.date = dt.date(2024, 6, 30)):
    """Parse and score, as the API does."""
    return score(policy, parser_of(policy).parse(applicant, as_of), as_of, TEST_KEY)


def cli(*args, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `hukou-points` as a user would, from the repository root; `env` adds variables."""
    root = Path(__file__).resolve().parent.parent
    return subprocess.run([sys.executable, "-m", "service.cli", *args], cwd=root, input=stdin,
                          capture_output=True, text=True, timeout=120,
                          env=None if env is None else {**os.environ, **env})


def wait_until(check, timeout: float = 10.0, every: float = 0.05):
    """The first true answer of `check`, asked every `every` seconds for at most
    `timeout`; AssertionError when none came."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"not within {timeout} s")


def scalar_simulation(current, candidate, as_of: dt.date, text: str) -> dict:
    """The reference report of a CSV population: the csv module's rows read by the cell
    reader and scored by the scalar engine one by one (no vectorised twin, no pyarrow)."""
    import io

    from service.population import csv_rows
    from service.scoring.simulate import Simulation

    simulation = Simulation(current, candidate, as_of, vectorise=False)
    for number, row in csv_rows(io.StringIO(text), simulation.fields):
        if isinstance(row, Exception):
            simulation.unreadable(number, str(row))
        else:
            simulation.add(number, row)
    return simulation.report()
