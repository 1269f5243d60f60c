"""`hukou-points score` and `POST /v1/score` give the same JSON for the same input, for
every shipped city and version, unpinned and pinned to a version not in force on the
date (both go through scoring.application.score_application)."""

from __future__ import annotations

import datetime as dt
import json
import random

from conftest import bearer
from support import cli

from service.population import synthetic_applicant

KEY = {"HUKOU_DECISION_KEY": "tests-decision-key-0123456789"}  # conftest.make_app's key


def items(app) -> list[dict]:
    """Three applicants per version: on a day it is in force (unpinned, or pinned when it
    is withdrawn: dates resolve to its correction), and pinned on a day it is not in force
    (the day before it took effect)."""
    rng = random.Random(20261130)
    out = []
    registry = app.extensions["policies"]
    for city, versions in registry.cities().items():
        for policy in versions:
            in_force = policy.effective_from + dt.timedelta(days=200)
            if policy.effective_to is not None:
                in_force = min(in_force, policy.effective_to)
            before = policy.effective_from - dt.timedelta(days=1)
            for _ in range(3):
                applicant = synthetic_applicant(rng, policy.fields, in_force)
                current = {"city": city, "as_of": in_force.isoformat(), "applicant": applicant}
                if registry.withdrawal(policy) is not None:  # dates serve its correction
                    current["policy_version"] = policy.version
                out.append(current)
                out.append({"city": city, "as_of": before.isoformat(),
                            "policy_version": policy.version, "applicant": applicant})
    return out


def test_cli_json_equals_api_json_for_every_city_and_pinned_versions(app, tmp_path):
    sent = items(app)
    path = tmp_path / "apps.ndjson"
    path.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in sent) + "\n")
    out = cli("score", str(path), env=KEY)
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == len(sent), out.stderr
    client = app.test_client()
    registry = app.extensions["policies"]
    compared, pinned_notes = set(), 0
    for item, offline in zip(sent, lines):
        answer = client.post("/v1/score", json=item, headers=bearer("bureau"))
        if answer.status_code != 200:  # both refuse it; their error shapes differ
            assert "errors" in offline or "error" in offline, (item, offline)
            continue
        assert offline == answer.get_json(), item
        version = offline["policy"]["version"]
        policy = registry.resolve(item["city"], dt.date.fromisoformat(item["as_of"]), version)
        outside = not policy.in_force(dt.date.fromisoformat(item["as_of"]))
        compared.add((item["city"], version, outside))
        codes = [n["code"] for n in offline["notes"]]
        if outside:
            pinned_notes += codes.count("version_not_in_force")
            assert "version_not_in_force" in codes, item
        if registry.withdrawal(policy) is not None:
            assert "version_withdrawn" in codes, item
    versions = {(c, p.version) for c, v in registry.cities().items() for p in v}
    assert {(c, v) for c, v, outside in compared if outside} == versions
    assert {(c, v) for c, v, outside in compared if not outside} == versions
    assert pinned_notes >= len(versions)
    print(f"compared {len(compared)} (city, version, pinned) kinds over {len(sent)} items")
