"""Metrics an operator can alert on from the first failure: build info, label children
that exist at 0, level and reason series, hourly baselines taken as given."""

from __future__ import annotations

from conftest import bearer, make_app


def scrape(client) -> str:
    resp = client.get("/metrics", headers=bearer("ops"))
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_build_info_and_children_at_zero(keys_file):
    text = scrape(make_app(keys_file).test_client())
    assert 'hukou_build_info{python="' in text
    # The series exist before anything happened (in one process with other tests their
    # values may already have moved: the series is what increase() needs).
    for series in ('hukou_policy_reloads_total{outcome="failure"} ',
                   'hukou_store_flushes_total{outcome="failure"} ',
                   'hukou_store_refused_scores_total{reason="bad_total"} ',
                   "hukou_http_server_errors_total ",
                   "hukou_store_dropped_scores_total ",
                   'hukou_batch_items_refused_total{status="422"} '):
        assert any(line.startswith(series) for line in text.splitlines()), series


def test_levels_and_reasons_are_series_not_gaps(keys_file):
    app = make_app(keys_file)
    app.extensions["store"].record("xian", "2024.1", 70.0, True, True)
    text = scrape(app.test_client())
    assert 'hukou_drift_level{city="xian",level="insufficient",policy_version="2024.1"} 1.0' \
        in text
    assert 'hukou_drift_level{city="xian",level="act",policy_version="2024.1"} 0.0' in text
    assert ('hukou_drift_insufficient{city="xian",policy_version="2024.1",'
            'reason="few_window_scores"} 1.0') in text
    assert 'hukou_reference_scores{city="xian",policy_version="2024.1"}' in text
    assert "hukou_pass_rate_ratio{" not in text  # one score: no pass rate


def test_baseline_ranges_are_whole_hours(keys_file):
    client = make_app(keys_file).test_client()
    fine = {"city": "xian", "from": "2026-01-01T08:30:00Z", "to": "2026-01-01T10:00:00Z"}
    resp = client.post("/v1/monitoring/baseline", json=fine, headers=bearer("admin"))
    assert resp.status_code == 422 and "from" in resp.get_json()["errors"]
    whole = {"city": "xian", "from": "2026-01-01T08:00:00Z", "to": "2026-01-01T10:00:00Z"}
    assert client.post("/v1/monitoring/baseline", json=whole,
                       headers=bearer("admin")).status_code == 200


def test_baseline_takes_exactly_the_hours_named(keys_file):
    import datetime as dt

    app = make_app(keys_file)
    store = app.extensions["store"]
    start = dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)
    for hour, n in ((8, 2), (9, 3), (10, 5)):  # 10:00 is `to`: not taken
        for _ in range(n):
            store.record("xian", "2024.1", 70.0, True, True,
                         at=(start + dt.timedelta(hours=hour - 8, minutes=5)).timestamp())
    resp = app.test_client().post("/v1/monitoring/baseline", headers=bearer("admin"), json={
        "city": "xian", "from": "2026-01-01T08:00:00Z", "to": "2026-01-01T10:00:00Z"})
    assert resp.get_json()["count"] == 5


def test_readiness_is_asked_of_redis_by_an_idle_worker(keys_file, redis_server):
    app = make_app(keys_file, REDIS_URL=redis_server.url)
    store = app.extensions["store"]
    store.PROBE_EVERY = 0.0
    client = app.test_client()
    assert client.get("/readyz").get_json()["status"] == "ready"
    redis_server.stop()
    # nothing recorded, nothing flushed: the store learns it from a ping
    assert client.get("/readyz").get_json()["reason"] == "store_unreachable"
    redis_server.start()
    assert client.get("/readyz").get_json()["status"] == "ready"
    store.close()


def test_batch_items_refused_are_counted_by_status(client):
    from conftest import bearer

    def refused(text: str, status: str) -> float:
        for line in text.splitlines():
            if line.startswith(f'hukou_batch_items_refused_total{{status="{status}"}}'):
                return float(line.rsplit(" ", 1)[1])
        raise AssertionError(f"no series for {status}")

    before = client.get("/metrics", headers=bearer("ops")).get_data(as_text=True)
    good = {"city": "xian", "as_of": "2024-06-30", "applicant": {
        "birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
        "criminal_record": [], "local_knowledge_score": 86}}
    answer = client.post("/v1/score/batch", headers=bearer("bureau"), json=[
        good, {**good, "applicant": {}}, {**good, "city": "atlantis"}, {**good, "applicant": {}}])
    assert answer.get_json()["failed"] == 3
    after = client.get("/metrics", headers=bearer("ops")).get_data(as_text=True)
    assert refused(after, "422") - refused(before, "422") == 2
    assert refused(after, "404") - refused(before, "404") == 1
