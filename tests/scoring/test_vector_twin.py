"""The vectorised twin gives exactly the scalar engine's simulation report, on every shipped
city, for synthetic populations with broken rows mixed in."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random

import pytest
from conftest import POLICIES
from support import scalar_simulation

from service.policy.loader import load_inline_policy, load_policy_dir
from service.policy.yaml_io import load_yaml
from service.population import csv_chunks, csv_row_reader, synthetic_applicant
from service.scoring.simulate import Simulation

SHIPPED = load_policy_dir(POLICIES)
AS_OF = dt.date(2024, 6, 30)


def candidate_for(policy):
    """A draft of the same version with another line: the same fields, other outcomes."""
    doc = load_yaml((POLICIES / policy.file).read_text())
    doc["version"] = "draft"
    doc.pop("supersedes", None)
    threshold = doc["threshold"]
    if threshold["kind"] == "fixed":
        threshold["points"] = threshold["points"] + 5
    else:
        threshold["cutoffs"] = {year: cut + 1 for year, cut in (threshold["cutoffs"]
                                                                 or {}).items()}
        threshold["quota"] = threshold["quota"] * 2
    return load_inline_policy(doc, SHIPPED.tiers)


BROKEN = ["not-a-date", "", "-1", "1.5", "abc", "2030-01-01", '[{"date": 1}]', "maybe",
          '[{"date": "2020-02-30", "kind": "criminal"}]', "2020-1-1", " true", "nan"]


def cell(value) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, list) else str(value)


def population(policy, n: int, seed: int) -> str:
    rng = random.Random(seed)
    columns = list(policy.fields)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for _ in range(n):
        applicant = synthetic_applicant(rng, policy.fields, AS_OF)
        flat = {}
        for path in columns:
            node = applicant
            for part in path.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            flat[path] = node
        row = [cell(flat[c]) for c in columns]
        if rng.random() < 0.08:  # break one cell
            row[rng.randrange(len(row))] = rng.choice(BROKEN)
        if rng.random() < 0.01:
            row.append("extra")
        writer.writerow(row)
    return out.getvalue()


def both_reports(current, candidate, text: str, chunk: int = 400,
                 vectorised: bool = True) -> tuple[dict, dict]:
    """(scalar report, twin report) of simulating `text` (CSV) under both policies; with
    `vectorised`, fails when the pair is not vectorised (else the twin may choose)."""
    fields = {**current.fields, **candidate.fields}
    twin = Simulation(current, candidate, AS_OF)
    assert twin.vectors is not None or not vectorised, f"{current.city} is not vectorised"
    for header, rows, first in csv_chunks(io.StringIO(text), size=chunk):
        twin.add_csv_chunk(header, rows, first, csv_row_reader(header, fields))
    return scalar_simulation(current, candidate, AS_OF, text), twin.report()


VERSIONS = sorted((p.city, p.version) for p in SHIPPED.all())


@pytest.mark.parametrize("city,version", VERSIONS)
def test_twin_equals_scalar(city, version):
    """Every shipped version, withdrawn ones too (a pinned request still scores them)."""
    current = next(p for p in SHIPPED.cities[city] if p.version == version)
    candidate = candidate_for(current)
    expected, got = both_reports(current, candidate,
                                 population(current, 1500, seed=len(city + version)))
    assert got == expected
    assert expected["errors"]["count"] > 0 and expected["current"]["scored"] > 1000


def pairs_of_versions():
    """Every two versions of one city: what a bureau simulates before a new version."""
    out = []
    for city, versions in sorted(SHIPPED.cities.items()):
        for a in versions:
            for b in versions:
                if a.version < b.version:
                    out.append(pytest.param(a, b, id=f"{city}-{a.version}-{b.version}"))
    return out


@pytest.mark.parametrize("current,candidate", pairs_of_versions())
def test_two_versions_agree_scalar_and_twin(current, candidate):
    """Two versions that read other fields (a correction, the next scheme): rows giving a
    field only one declares are refused by the other on both paths alike, and fields both
    declare differently send the pair the scalar way."""
    expected, got = both_reports(current, candidate, population(current, 600, seed=7), 250,
                                 vectorised=False)
    assert got == expected
