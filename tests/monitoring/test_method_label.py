"""The labels of the request metrics are bounded sets: a method outside the standard ones
is counted as "other", and a path that matches no route as "unmatched", so a client
cannot create new series by inventing methods or paths."""

from __future__ import annotations

import random
import re

from conftest import bearer, make_app

STANDARD = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
SERIES = re.compile(r'^hukou_http_requests_total\{endpoint="([^"]*)",method="([^"]*)",'
                    r'status="([^"]*)"\}', re.MULTILINE)


def scrape(client) -> str:
    resp = client.get("/metrics", headers=bearer("ops"))
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_invented_methods_are_counted_as_other(keys_file):
    client = make_app(keys_file).test_client()
    rng = random.Random(7)
    invented = ["FOOBAR", "get", "PROPFIND", "TRACE"] + [
        "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(rng.randint(3, 12)))
        for _ in range(20)]
    for method in invented:
        resp = client.open("/v1/score", method=method, headers=bearer("bureau"))
        assert resp.status_code in (400, 405, 501)
    text = scrape(client)
    labels = SERIES.findall(text)
    methods = {method for _, method, _ in labels}
    assert methods <= STANDARD | {"other"}, sorted(methods - STANDARD)
    assert 'method="FOOBAR"' not in text
    assert any(endpoint == "unmatched" and method == "other" for endpoint, method, _ in labels)


def test_paths_that_match_no_route_are_counted_as_unmatched(keys_file):
    client = make_app(keys_file).test_client()
    rng = random.Random(11)
    paths = ["/v1/score/../../etc/passwd", "/v1/nothing-here", "/%7Bendpoint%7D"] + [
        "/v1/" + "".join(rng.choice("abcdefxyz0123456789") for _ in range(16))
        for _ in range(10)]
    for path in paths:
        assert client.get(path, headers=bearer("bureau")).status_code == 404
    endpoints = {endpoint for endpoint, _, _ in SERIES.findall(scrape(client))}
    assert "unmatched" in endpoints
    assert all(endpoint == "unmatched" or endpoint.startswith("/") for endpoint in endpoints)
    assert not any("nothing-here" in e or "passwd" in e for e in endpoints)
