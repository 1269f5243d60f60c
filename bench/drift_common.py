"""Scored synthetic populations for the drift statistics: the declared references
(bench/make_references.py), the false-alarm measurement (bench/bench_drift_false_alarms.py)
and the end-to-end Prometheus test. Applicants come from service.population's generator,
drawn from each city's distributions declared in service/populations/<city>.yaml, and are
scored by the service itself (POST /v1/score/batch on a test client, record:
false), so every total is the one the service would record."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BATCH = 5000
SECRET = "drift-bench-secret"


def scoring_app():
    """An app on the bundled policies with one batch key (SECRET), no rate limit."""
    from service import create_app
    from service.api.auth import hash_secret

    keys = Path(tempfile.mkdtemp(prefix="hukou-drift-")) / "keys.yaml"
    keys.write_text(yaml.safe_dump([{"name": "drift-bench", "sha256": hash_secret(SECRET),
                                     "scopes": ["score", "batch"]}]))
    return create_app({"POLICY_DIR": str(ROOT / "policies"), "API_KEYS_FILE": str(keys),
                       "TESTING": True, "RATE_LIMIT_ENABLED": False,
                       "DECISION_KEY": "drift-bench-decision-key-0123"})


def policies(app) -> list:
    """Every shipped city and version."""
    return [p for versions in app.extensions["policies"].cities().values() for p in versions]


def applicants(policy, n: int, seed: int, as_of: dt.date | None = None,
               shift=None) -> list[dict]:
    """n synthetic applicants for the policy's form; `shift(applicant, rng)` alters each."""
    from service.population import synthetic_applicant

    as_of = as_of or dt.date.today()
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        applicant = synthetic_applicant(rng, policy.fields, as_of, city=policy.city)
        if shift is not None:
            shift(applicant, rng)
        out.append(applicant)
    return out


def requests_for(policy, people: list[dict], as_of: dt.date | None = None,
                 record: bool = False) -> list[dict]:
    as_of = (as_of or dt.date.today()).isoformat()
    return [{"city": policy.city, "policy_version": policy.version, "as_of": as_of,
             "record": record, "applicant": a} for a in people]


def score(app, policy, people: list[dict], as_of: dt.date | None = None) -> list[tuple]:
    """(total, passes, eligible) of each applicant, as the service scores them; an
    applicant the service refuses (422 in the batch) is left out."""
    client = app.test_client()
    out = []
    items = requests_for(policy, people, as_of)
    for start in range(0, len(items), BATCH):
        resp = client.post("/v1/score/batch", json=items[start:start + BATCH],
                           headers={"Authorization": f"Bearer {SECRET}"})
        assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
        for result in resp.get_json()["results"]:
            if "total" in result:
                out.append((float(result["total"]), bool(result["passes"]),
                            bool(result["eligible"])))
    return out


def histogram(scored) -> object:
    from service.monitoring.histogram import Histogram

    hist = Histogram()
    for total, passes, eligible in scored:
        hist.add(total, passes, eligible)
    return hist
