"""GET /v1/policies, /v1/policies/{city} and the diff; OpenAPI and docs served offline."""

from __future__ import annotations

import re

from conftest import bearer
from test_score_status import assert_problem


def test_list_has_every_city_with_versions_and_hashes(client):
    out = client.get("/v1/policies").get_json()
    cities = {c["city"]: c for c in out["cities"]}
    assert {"xian", "beijing", "shanghai"} <= set(cities)
    assert [v["version"] for v in cities["beijing"]["versions"]] == ["2018.1", "2020.1"]
    assert all(len(v["sha256"]) == 64 for c in out["cities"] for v in c["versions"])


def test_policy_in_force_on_a_date_and_pinned(client):
    old = client.get("/v1/policies/beijing?as_of=2019-05-01").get_json()
    new = client.get("/v1/policies/beijing?as_of=2023-05-01").get_json()
    pinned = client.get("/v1/policies/beijing?version=2018.1").get_json()
    assert old["policy"]["version"] == pinned["policy"]["version"] == "2018.1"
    assert new["policy"]["version"] == "2020.1"


def test_form_lists_only_what_the_policy_reads(client):
    form = client.get("/v1/policies/xian").get_json()["form"]
    assert [f["path"] for f in form] == ["birth_date", "residence_permit_since",
                                         "criminal_record", "local_knowledge_score"]
    assert all(f["label"]["zh"] and f["label"]["en"] for f in form)


def test_unknown_city_and_version(client):
    assert_problem(client.get("/v1/policies/atlantis"), 404)
    assert_problem(client.get("/v1/policies/beijing?version=9"), 404)


def test_diff_between_beijing_versions_shows_the_age_taper(client):
    out = client.get("/v1/policies/beijing/diff?from=2018.1&to=2020.1").get_json()
    changed = {c["id"]: c for c in out["criteria"]["changed"]}
    assert "age" in changed and "bands" in changed["age"]["keys"]
    assert out["identical"] is False
    assert "threshold" in out["changed"]


def test_diff_needs_both_versions(client):
    assert_problem(client.get("/v1/policies/beijing/diff?from=2018.1"), 422)


def test_openapi_document(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/v1/score", "/v1/score/batch", "/v1/policies", "/v1/policies/{city}",
                 "/v1/policies/{city}/diff", "/healthz", "/readyz"):
        assert path in spec["paths"]
    assert "ScoreRequest" in spec["components"]["schemas"]


def test_docs_load_nothing_from_the_internet(client):
    page = client.get("/docs").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert urls and all(not u.startswith(("http:", "https:", "//")) for u in urls)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz", headers=bearer("ops")).get_json()
    assert ready["status"] == "ready" and ready["policies"]["count"] >= 4
