"""hukou-points: validate, diff, hash, score and keys, run as a user runs them."""

from __future__ import annotations

import json

import yaml
from conftest import POLICIES
from support import city_doc, cli, label, write_dir

from service.api.auth import KeyRing


def test_validate_the_shipped_policies():
    out = cli("policies", "validate", str(POLICIES))
    assert out.returncode == 0, out.stderr
    assert "cities/beijing/2020.1.yaml" in out.stdout


def test_validate_prints_every_problem_and_exits_non_zero(tmp_path):
    bad = city_doc(fields={"m": {"type": "integer", "label": label("m"), "max": 9}}, criteria=[
        {"id": "a", "label": label("a"), "kind": "per_item", "input": "nope", "points": 1},
        {"id": "b", "label": label("b"), "kind": "per_item", "input": "gone", "points": 1}])
    root = write_dir(tmp_path / "p", [bad])
    out = cli("policies", "validate", str(root))
    assert out.returncode == 1
    assert "cities/testcity/1.yaml: criteria.0(a).input" in out.stderr
    assert "cities/testcity/1.yaml: criteria.1(b).input" in out.stderr
    assert "2 problem(s)" in out.stderr


def test_diff_between_versions():
    out = cli("policies", "diff", "beijing", "2018.1", "2020.1")
    assert out.returncode == 0, out.stderr
    diff = json.loads(out.stdout)
    assert "age" in {c["id"] for c in diff["criteria"]["changed"]}


def test_diff_of_an_unknown_version_says_so():
    out = cli("policies", "diff", "beijing", "2018.1", "2099.1")
    assert out.returncode == 1 and "2099.1" in out.stderr


def test_score_file_offline_matches_the_api(client, bureau_headers, tmp_path):
    item = {"city": "xian", "as_of": "2026-11-22", "applicant": {
        "birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
        "criminal_record": [], "local_knowledge_score": 86}}
    path = tmp_path / "apps.ndjson"
    path.write_text(json.dumps(item) + "\n" + json.dumps(item) + "\n")
    out = cli("score", str(path), env={"HUKOU_DECISION_KEY": "tests-decision-key-0123456789"})
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    api = client.post("/v1/score", json=item, headers=bureau_headers).get_json()
    assert lines[0] == lines[1] == api  # the app's key (conftest.make_app) is the same
    other = cli("score", str(path), env={"HUKOU_DECISION_KEY": "another-deployment-key-012"})
    first = json.loads(other.stdout.splitlines()[0])
    assert first["decision_id"] != api["decision_id"]
    assert {**first, "decision_id": None} == {**api, "decision_id": None}


def test_keys_add_prints_a_secret_and_stores_only_its_hash(tmp_path):
    path = tmp_path / "keys.yaml"
    out = cli("keys", "add", "bureau-a", "--scope", "score", "--scope", "batch",
              "--file", str(path))
    secret = out.stdout.strip()
    assert out.returncode == 0 and secret
    stored = path.read_text()
    assert secret not in stored
    assert yaml.safe_load(stored)[0]["scopes"] == ["score", "batch"]
    assert KeyRing.from_file(str(path)).identify(secret).name == "bureau-a"
    assert cli("keys", "add", "x", "--scope", "root", "--file", str(path)).returncode == 2


def test_an_as_of_outside_the_date_window_is_refused_in_words():
    for command in (["population", "generate", "--city", "xian", "--n", "2"],
                    ["simulate", "--city", "xian", "--population", "-",
                     "--candidate-version", "2024.1"]):
        for bad in ("9999-12-31", "1899-12-31", "2024-13-01", "20240101"):
            out = cli(*command, "--as-of", bad, stdin="")
            assert out.returncode != 0 and "--as-of" in out.stderr, (command, bad, out.stderr)
            assert "Traceback" not in out.stderr


def test_a_file_to_score_that_is_not_json_or_not_utf8_gets_a_message(tmp_path):
    for name, data, said in (("odd.ndjson", b"\xff\xfe{}\n", "codec can't decode"),
                             ("cut.json", b'{"city": ', "Expecting value")):
        path = tmp_path / name
        path.write_bytes(data)
        done = cli("score", str(path))
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert f"{path}: " in done.stderr and said in done.stderr, done.stderr
