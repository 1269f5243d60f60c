"""POST /v1/simulate and `hukou-points simulate` / `population generate`."""

from __future__ import annotations

import json

import yaml
from conftest import POLICIES, bearer
from support import cli
from test_score_status import assert_problem
from test_xian_cases import person

from service.policy.yaml_io import load_yaml

XIAN = (POLICIES / "cities" / "xian" / "2024.1.yaml").read_text()


def simulate(client, **body):
    payload = {"city": "xian", "as_of": "2024-06-30", **body}
    return client.post("/v1/simulate", json=payload, headers=bearer("admin"))


def draft(threshold: int) -> str:
    doc = load_yaml(XIAN)  # strict: `on:` stays a key, not a boolean
    doc["version"] = "draft"
    doc["threshold"] = {**doc["threshold"], "points": threshold}
    return yaml.safe_dump(doc, allow_unicode=True)


POPULATION = [
    person(since="2018-01-01", score=90),   # 30 + 40 = 70: passes at 60 and at 65
    person(since="2020-01-01", score=90),   # 20 + 40 = 60: passes at 60, fails at 65
    person(since="2023-01-01", score=90),   # 1 year: the permit gate fails everywhere
    {"birth_date": "1990-01-01"},           # row 4: missing fields
]


def test_draft_threshold_flips_one_applicant(client):
    resp = simulate(client, candidate={"policy": draft(65)}, population=POPULATION)
    assert resp.status_code == 200
    out = resp.get_json()
    assert out["rows"] == 4 and out["current"]["scored"] == 3
    assert out["current"]["passes"] == 2 and out["candidate"]["passes"] == 1
    assert out["flips"]["pass_to_fail"] == {"count": 1, "rows": [2], "rows_truncated": False}
    assert out["flips"]["fail_to_pass"]["count"] == 0
    assert out["errors"]["count"] == 1 and out["errors"]["rows"][0]["row"] == 4
    assert "applicant.local_knowledge_score" in out["errors"]["rows"][0]["reason"]["errors"]
    hist = out["current"]["histogram"]
    assert sum(hist["counts"]) == 3 and len(hist["edges"]) == len(hist["counts"]) + 1
    assert out["current"]["mean_points"]["residence_years"] == (30 + 20 + 5) / 3


def test_csv_population_with_a_bad_cell(client):
    csv_text = ("birth_date,residence_permit_since,criminal_record,local_knowledge_score\n"
                "1990-05-01,2018-01-01,[],90\n"
                "1990-05-01,2018-01-01,[],ninety\n")
    out = simulate(client, candidate={"version": "2024.1"},
                   population_csv=csv_text).get_json()
    assert out["current"]["scored"] == 1
    assert out["errors"]["rows"][0]["row"] == 2
    assert "local_knowledge_score" in out["errors"]["rows"][0]["reason"]


def test_quota_city_reports_the_implied_cutoff(client):
    from test_beijing_cases import applicant

    people = [applicant(honour=bool(i % 2)) for i in range(4)]
    out = client.post("/v1/simulate", headers=bearer("admin"), json={
        "city": "beijing", "as_of": "2022-06-30", "candidate": {"version": "2018.1"},
        "population": people}).get_json()
    assert out["current"]["quota"] == 6000
    assert out["current"]["implied_cutoff"] == 67.5  # fewer applicants than places


def test_an_invalid_draft_gives_the_loader_errors(client):
    bad = load_yaml(XIAN)
    bad["criteria"][0]["cap"] = -1
    problem = assert_problem(simulate(client, candidate={"policy": bad},
                                      population=POPULATION), 422)
    assert problem["code"] == "invalid_policy"
    assert "candidate.policy.criteria.0(residence_years).cap" in problem["errors"]


def test_needs_the_simulate_scope(client):
    resp = client.post("/v1/simulate", json={"city": "xian"}, headers=bearer("bureau"))
    assert_problem(resp, 403)


def test_generate_is_deterministic_and_simulates_from_the_cli(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    for path in (first, second):
        out = cli("population", "generate", "--city", "beijing", "--n", "300", "--seed", "7",
                  "--as-of", "2024-06-30", "--out", str(path))
        assert out.returncode == 0, out.stderr
    assert first.read_text() == second.read_text()
    assert len(first.read_text().splitlines()) == 301
    out = cli("simulate", "--city", "beijing", "--population", str(first),
              "--candidate-version", "2018.1", "--as-of", "2024-06-30")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["rows"] == 300 and report["errors"]["count"] == 0
    assert report["current"]["scored"] == report["candidate"]["scored"] == 300
