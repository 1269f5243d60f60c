"""Hostile input to POST /v1/monitoring/baseline and GET /v1/monitoring/drift: each bad
field gets a 4xx problem naming it, nothing is stored, and drift and /metrics keep
answering 200 afterwards."""

from __future__ import annotations

import json
import time

import pytest
from conftest import bearer, make_app
from test_score_status import assert_problem

GOOD = {"bins": {"120": 60, "160": 60}, "count": 120, "passes": 120}
BIG = 10**400


@pytest.fixture(scope="module")
def app(keys_file):
    made = make_app(keys_file)
    store = made.extensions["store"]
    for i in range(120):  # a recorded series, so that drift reads the baseline
        store.record("xian", "2024.1", 60.0 if i % 2 else 80.0, True, True)
    return made


@pytest.fixture
def client(app):
    client = app.test_client()
    resp = client.post("/v1/monitoring/baseline", headers=bearer("admin"),
                       json={"city": "xian", "histogram": GOOD})
    assert resp.status_code == 200
    return client


def saved(app):
    hist = app.extensions["store"].baseline("xian", "2024.1")
    return None if hist is None else hist.to_dict()


def still_answers(client):
    drift = client.get("/v1/monitoring/drift?history=3", headers=bearer("ops"))
    assert drift.status_code == 200, drift.get_data(as_text=True)
    (series,) = [s for s in drift.get_json()["series"] if s["city"] == "xian"]
    assert series["reference"] == "baseline" and series["reference_count"] == 120
    scraped = client.get("/metrics", headers=bearer("ops"))
    assert scraped.status_code == 200, scraped.get_data(as_text=True)


def raw_post(client, text: str):
    return client.post("/v1/monitoring/baseline", data=text,
                       headers={**bearer("admin"), "Content-Type": "application/json"})


BAD_HISTOGRAMS = [
    ({"bins": [1, 2]}, "histogram.bins"),
    ({"bins": "120"}, "histogram.bins"),
    ({"bins": None}, "histogram.bins"),
    ({"bins": {"x": 1}}, "histogram.bins"),
    ({"bins": {"1.5": 1}}, "histogram.bins"),
    ({"bins": {" 1": 1}}, "histogram.bins"),
    ({"bins": {"1_0": 1}}, "histogram.bins"),
    ({"bins": {"99999999999999": 1}}, "histogram.bins"),
    ({"bins": {"-99999999": 1}}, "histogram.bins"),
    ({"bins": {"120": -1}}, "histogram.bins.120"),
    ({"bins": {"120": 1.5}}, "histogram.bins.120"),
    ({"bins": {"120": 2.0}}, "histogram.bins.120"),
    ({"bins": {"120": True}}, "histogram.bins.120"),
    ({"bins": {"120": "4"}}, "histogram.bins.120"),
    ({"bins": {"120": 10**13}}, "histogram.bins.120"),
    ({"bins": {"120": 10**30}}, "histogram.bins.120"),
    ({"bins": {"120": 10**12, "121": 10**12}}, "histogram.bins"),
    ({"bins": {"120": 4}, "count": "4"}, "histogram.count"),
    ({"bins": {"120": 4}, "count": 5}, "histogram.count"),
    ({"bins": {"120": 4}, "passes": 5}, "histogram.passes"),
    ({"bins": {"120": 4}, "passes": None}, "histogram.passes"),
    ({"bins": {"120": 4}, "ineligible": -1}, "histogram.ineligible"),
    ({"bins": {"120": 4}, "bin_width": "0.5"}, "histogram.bin_width"),
    ({"bins": {"120": 4}, "bin_width": 1}, "histogram.bin_width"),
    ({"bins": {"120": 4}, "total_centi": "9" * 400}, "histogram.total_centi"),
    ({"bins": {"120": 4}, "total_centi": 1.5e300}, "histogram.total_centi"),
    ({"bins": {"120": 4}, "total_centi": 2**63}, "histogram.total_centi"),
    ({"bins": {"120": 4}, "total_centi": -(2**63)}, "histogram.total_centi"),
    ({"bins": {"120": 4}, "total_centi": 10**6}, "histogram.total_centi"),  # mean 2500
    ({"bins": {"120": 4}, "total_centi": 24000.5}, "histogram.total_centi"),
    ({"bins": {"120": 4}, "colour": "red"}, "histogram.colour"),
]


@pytest.mark.parametrize(("histogram", "field"), BAD_HISTOGRAMS,
                         ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD_HISTOGRAMS)])
def test_a_bad_histogram_is_refused_by_field_and_nothing_is_stored(app, client, histogram,
                                                                    field):
    before = saved(app)
    resp = client.post("/v1/monitoring/baseline", headers=bearer("admin"),
                       json={"city": "xian", "histogram": histogram})
    problem = assert_problem(resp, 422)
    assert field in problem["errors"], problem
    assert saved(app) == before
    still_answers(client)


@pytest.mark.parametrize("text", [
    '{"city": "xian", "histogram": {"bins": {"120": 4}, "total_centi": %s}}' % ("9" * 400),
    '{"city": "xian", "histogram": {"bins": {"120": %s}}}' % ("9" * 400),
    '{"city": "xian", "histogram": {"bins": {"120": 4}, "total_centi": 1e400}}',
    '{"city": "xian", "histogram": {"bins": {"120": NaN}}}',
])
def test_numbers_json_cannot_carry_are_refused(app, client, text):
    before = saved(app)
    resp = raw_post(client, text)
    assert 400 <= resp.status_code < 500
    assert_problem(resp, resp.status_code)
    assert saved(app) == before
    still_answers(client)


def test_a_histogram_that_is_not_an_object_is_refused(app, client):
    for value in ([1, 2], "bins", 7):
        problem = assert_problem(client.post(
            "/v1/monitoring/baseline", headers=bearer("admin"),
            json={"city": "xian", "histogram": value}), 422)
        assert "histogram" in problem["errors"]
    still_answers(client)


def test_a_good_histogram_round_trips(app, client):
    hist = {"bins": {"120": 4, "-3": 1, "0": 2}, "count": 7, "passes": 4, "ineligible": 1,
            "total_centi": 4 * 6020 + 1 * -140 + 2 * 30}
    resp = client.post("/v1/monitoring/baseline", headers=bearer("admin"),
                       json={"city": "xian", "histogram": hist})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert saved(app)["bins"] == {"-3": 1, "0": 2, "120": 4}
    assert saved(app)["total_centi"] == hist["total_centi"]


def test_a_baseline_span_past_the_retention_is_refused(app, client):
    before = saved(app)
    for span in ({"from": "0001-01-01T00:00:00Z", "to": "9999-12-31T23:00:00Z"},
                 {"from": "2024-01-01T00:00:00Z", "to": "2025-02-05T00:00:01Z"}):
        problem = assert_problem(client.post("/v1/monitoring/baseline",
                                             headers=bearer("admin"),
                                             json={"city": "xian", **span}), 422)
        assert "to" in problem["errors"]
    assert saved(app) == before
    still_answers(client)


BAD_QUERIES = [
    ("window=0h", "window"), ("window=0d", "window"), ("window=999999999h", "window"),
    ("window=9601h", "window"), ("window=401d", "window"), ("window=9999d", "window"),
    ("window=-1h", "window"), ("window=1w", "window"), ("window=%EF%BC%91h", "window"),
    ("window=24h%0A", "window"), ("window=", "window"),
    ("history=-1", "history"), ("history=401", "history"), ("history=100000", "history"),
    ("history=" + "9" * 30, "history"), ("history=1e3", "history"), ("history=%2B1", "history"),
    ("history=%D9%A3", "history"), ("history=", "history"),
    ("window=9999d&history=90", "window"), ("window=9999d&history=400", "window"),
    ("window=400d&history=401", "history"),
]


@pytest.mark.parametrize(("query", "field"), BAD_QUERIES, ids=[q for q, _ in BAD_QUERIES])
def test_a_bad_drift_query_is_refused_by_field(client, query, field):
    problem = assert_problem(client.get(f"/v1/monitoring/drift?{query}",
                                        headers=bearer("ops")), 422)
    assert field in problem["errors"], problem


@pytest.mark.parametrize("query", ["window=1h", "window=1d", "window=400d", "window=9600h",
                                   "history=0", "history=400", "window=400d&history=400",
                                   "window=1h&history=400", "window=30d&history=14"])
def test_drift_answers_at_the_bounds_in_bounded_time(client, query):
    started = time.monotonic()
    resp = client.get(f"/v1/monitoring/drift?{query}", headers=bearer("ops"))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert time.monotonic() - started < 30
    (series,) = [s for s in resp.get_json()["series"] if s["city"] == "xian"]
    if "history=" in query and not query.endswith("history=0"):
        count = int(query.split("history=")[1])
        assert len(series["history"]) == count
        assert series["history"][-1]["count"] == 120  # the last point is the current window


def test_a_saved_baseline_that_no_longer_holds_does_not_break_drift(keys_file, redis_server):
    import redis

    app = make_app(keys_file, REDIS_URL=redis_server.url)
    store = app.extensions["store"]
    client = app.test_client()
    try:
        for _ in range(3):
            store.record("xian", "2024.1", 60.0, True, True)
        store.flush()
        direct = redis.Redis(port=redis_server.port)
        # as an earlier version could save it: a 400-digit sum
        direct.set("hukou:baseline:xian:2024.1",
                   json.dumps({"bin_width": 0.5, "bins": {"120": 4}, "count": 4, "passes": 4,
                               "ineligible": 0, "total_centi": BIG}))
        drift = client.get("/v1/monitoring/drift", headers=bearer("ops"))
        assert drift.status_code == 200, drift.get_data(as_text=True)
        (series,) = drift.get_json()["series"]
        assert not series["reference"].startswith("baseline")  # the bad baseline is ignored
        assert client.get("/metrics", headers=bearer("ops")).status_code == 200
        bad = {"city": "xian", "histogram": {"bins": {"120": 4}, "total_centi": "9" * 400}}
        assert_problem(client.post("/v1/monitoring/baseline", headers=bearer("admin"),
                                   json=bad), 422)
        assert json.loads(direct.get("hukou:baseline:xian:2024.1"))["total_centi"] == BIG
        direct.close()
    finally:
        store.close()
