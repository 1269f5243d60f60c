"""Recording, GET /v1/monitoring/drift, POST /v1/monitoring/baseline, and Redis faults."""

from __future__ import annotations

import time

from conftest import bearer, make_app
from test_score_status import assert_problem, body
from test_xian_cases import person


def score(client, headers=None, **overrides):
    payload = body(as_of=time.strftime("%Y-%m-%d"), **overrides)
    return client.post("/v1/score", json=payload, headers=headers)


def series(client) -> dict:
    out = client.get("/v1/monitoring/drift", headers=bearer("ops")).get_json()
    return {(s["city"], s["policy_version"]): s for s in out["series"]}


def test_only_keyed_scores_are_recorded(keys_file):
    client = make_app(keys_file).test_client()
    assert score(client).status_code == 200                              # anonymous
    assert score(client, bearer("bureau"), record=False).status_code == 200
    client.post("/v1/what-if", json=body(), headers=bearer("bureau"))     # what-if
    assert series(client) == {}
    assert score(client, bearer("bureau")).status_code == 200
    batch = [body(as_of=time.strftime("%Y-%m-%d"))] * 3
    client.post("/v1/score/batch", json=batch, headers=bearer("bureau"))
    recorded = series(client)[("xian", "2024.1")]
    assert recorded["count"] == 4 and recorded["level"] == "insufficient"


def test_drift_against_an_uploaded_baseline(keys_file):
    client = make_app(keys_file).test_client()
    headers = bearer("bureau")
    for i in range(120):  # 10 full years (50) + knowledge 80 or 60 -> 80 or 60
        applicant = person(score=80 if i % 2 else 60)
        client.post("/v1/score", json={"city": "xian", "applicant": applicant}, headers=headers)
    same = {"bins": {"160": 60, "120": 60}, "count": 120, "passes": 120}
    resp = client.post("/v1/monitoring/baseline", headers=bearer("admin"),
                       json={"city": "xian", "histogram": same})
    assert resp.status_code == 200
    report = series(client)[("xian", "2024.1")]
    assert report["reference"] == "baseline" and report["level"] == "stable"
    assert report["psi"] == 0 and report["pass_rate"] == 1.0
    shifted = {"bins": {"160": 110, "120": 10}, "count": 120, "passes": 120}
    client.post("/v1/monitoring/baseline", headers=bearer("admin"),
                json={"city": "xian", "histogram": shifted})
    assert series(client)[("xian", "2024.1")]["level"] == "act"


def test_bad_monitoring_requests(client):
    assert_problem(client.get("/v1/monitoring/drift"), 401)
    assert_problem(client.get("/v1/monitoring/drift", headers=bearer("bureau")), 403)
    assert_problem(client.get("/v1/monitoring/drift?window=soon", headers=bearer("ops")), 422)
    bad = {"city": "xian", "histogram": {"bins": {"1": -1}}}
    assert_problem(client.post("/v1/monitoring/baseline", json=bad,
                               headers=bearer("admin")), 422)
    both = {"city": "xian", "histogram": {}, "from": "2024-01-01T00:00:00Z",
            "to": "2024-02-01T00:00:00Z"}
    assert_problem(client.post("/v1/monitoring/baseline", json=both,
                               headers=bearer("admin")), 422)


def test_redis_down_scoring_goes_on_and_the_data_arrives_later(keys_file, redis_server):
    app = make_app(keys_file, REDIS_URL=redis_server.url)
    store = app.extensions["store"]
    store.flush_every = 0.05
    client = app.test_client()
    headers = bearer("bureau")
    assert score(client, headers).status_code == 200
    store.flush()
    redis_server.stop()
    statuses = [score(client, headers).status_code for _ in range(20)]
    assert statuses == [200] * 20  # zero failed score requests
    time.sleep(0.3)
    assert store.flush_failures > 0
    assert client.get("/readyz").get_json()["status"] == "degraded"
    redis_server.start()
    deadline = time.monotonic() + 5
    while (store.pending or not store.reachable) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.get("/readyz").get_json()["status"] == "ready"
    assert series(client)[("xian", "2024.1")]["count"] == 21  # nothing lost
    store.close()


def test_two_instances_on_two_ports_with_one_redis_report_the_same_drift(keys_file,
                                                                         redis_server):
    import json
    import threading
    import urllib.request

    from werkzeug.serving import make_server

    servers = []
    for _ in range(2):
        app = make_app(keys_file, REDIS_URL=redis_server.url)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append((app, server, f"http://127.0.0.1:{server.server_port}"))

    def call(url, path, payload=None, key="bureau"):
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(url + path, data=data, headers={
            **bearer(key), "Content-Type": "application/json"})
        return json.loads(urllib.request.urlopen(request, timeout=10).read())

    try:
        for (_, _, url), n in zip(servers, (3, 4)):
            for _ in range(n):
                call(url, "/v1/score", body(as_of=time.strftime("%Y-%m-%d")))
        for app, _, _ in servers:
            app.extensions["store"].flush()
        reports = [{(s["city"], s["policy_version"]): s
                    for s in call(url, "/v1/monitoring/drift", key="ops")["series"]}
                   for _, _, url in servers]
        a, b = (r[("xian", "2024.1")] for r in reports)
        assert a["count"] == b["count"] == 7 and a["histogram"] == b["histogram"]
    finally:
        for app, server, _ in servers:
            server.shutdown()
            app.extensions["store"].close()
