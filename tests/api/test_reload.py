"""POST /v1/admin/policies/reload: a good directory swaps in, a bad one changes nothing."""

from __future__ import annotations

import shutil

from conftest import POLICIES, bearer, make_app


def app_on_copy(keys_file, tmp_path):
    root = tmp_path / "policies"
    shutil.copytree(POLICIES, root)
    return root, make_app(keys_file, POLICY_DIR=str(root))


def metric(client, text: str) -> float:
    body = client.get("/metrics", headers=bearer("ops")).get_data(as_text=True)
    line = next((row for row in body.splitlines() if row.startswith(text)), None)
    return float(line.rsplit(" ", 1)[1]) if line else 0.0


def test_a_bad_file_is_refused_and_the_last_good_set_serves(keys_file, tmp_path):
    root, app = app_on_copy(keys_file, tmp_path)
    client = app.test_client()
    before = client.get("/v1/policies").get_json()["revision"]
    xian = root / "cities" / "xian" / "2024.1.yaml"
    xian.write_text(xian.read_text().replace("points: 5\n", "points: 5\n    cap: -1\n", 1))
    failures = metric(client, 'hukou_policy_reloads_total{outcome="failure"}')
    resp = client.post("/v1/admin/policies/reload", headers=bearer("admin"))
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    problem = resp.get_json()
    assert any("cities/xian/2024.1.yaml" in key for key in problem["errors"])
    assert client.get("/v1/policies").get_json()["revision"] == before
    score = client.post("/v1/score", headers=bearer("bureau"), json={
        "city": "xian", "as_of": "2026-11-22", "applicant": {
            "birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
            "criminal_record": [], "local_knowledge_score": 86}})
    assert score.status_code == 200 and score.get_json()["total"] == 80
    assert metric(client, 'hukou_policy_reloads_total{outcome="failure"}') == failures + 1
    ready = client.get("/readyz", headers=bearer("ops")).get_json()
    assert "last_reload_problems" in ready["policies"]


def test_a_new_version_is_served_after_a_reload(keys_file, tmp_path):
    root, app = app_on_copy(keys_file, tmp_path)
    client = app.test_client()
    old = root / "cities" / "xian" / "2024.1.yaml"
    old.write_text(old.read_text().replace("effective_to: null", 'effective_to: "2026-12-31"'))
    new = root / "cities" / "xian" / "2027.1.yaml"
    new.write_text(old.read_text().replace('version: "2024.1"', 'version: "2027.1"')
                   .replace('effective_from: "2024-01-01"', 'effective_from: "2027-01-01"')
                   .replace('effective_to: "2026-12-31"', "effective_to: null")
                   .replace("threshold:\n  kind: fixed\n  points: 60\n",
                            "threshold:\n  kind: fixed\n  points: 65\n"))
    assert "points: 65" in new.read_text()
    (root / "published.yaml").unlink()  # drafts: nothing published in this copy
    resp = client.post("/v1/admin/policies/reload", headers=bearer("admin"))
    assert resp.status_code == 200, resp.get_json()
    versions = client.get("/v1/policies/xian?as_of=2027-06-01").get_json()["policy"]
    assert versions["version"] == "2027.1"
    assert client.post("/v1/admin/policies/reload", headers=bearer("bureau")).status_code == 403
