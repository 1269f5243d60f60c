"""The /ops page in real headless Chromium: histograms with the threshold, levels, history."""

from __future__ import annotations

import json
import urllib.request

import pytest
from conftest import ARTIFACTS, SECRETS

pytestmark = pytest.mark.browser


def post(url: str, payload: dict, key: str) -> None:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {SECRETS[key][0]}"})
    urllib.request.urlopen(request, timeout=10).read()


def test_ops_page_draws_each_series(live_server, browser):
    applicant = {"birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
                 "criminal_record": [], "local_knowledge_score": 86}
    batch = [{"city": "xian", "applicant": {**applicant, "local_knowledge_score": s}}
             for s in [55, 65, 75, 86, 95] * 30]
    post(live_server.url + "/v1/score/batch", batch, "bureau")
    post(live_server.url + "/v1/monitoring/baseline", {"city": "xian", "histogram": {
        "bins": {"100": 75, "120": 75}, "count": 150, "passes": 150}}, "admin")

    page = browser.new_page(viewport={"width": 1200, "height": 900})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(live_server.url + "/ops")
    page.fill("#key", SECRETS["ops"][0])
    page.click("button[type=submit]")
    section = page.wait_for_selector("section.series[data-city=xian]", timeout=10_000)
    assert "xian 2024.1" in section.inner_text()
    assert section.query_selector(".level").inner_text() in ("watch", "act")
    assert section.query_selector_all("rect.bar-current")
    assert section.query_selector_all("rect.bar-reference")
    assert section.query_selector("line.threshold") is not None
    assert "threshold 60" in section.inner_text() or section.query_selector("svg text")
    assert all(u.startswith(live_server.url) for u in requests)  # nothing from elsewhere
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ops.png"), full_page=True)
    page.close()


def test_a_wrong_key_says_so(live_server, browser):
    page = browser.new_page()
    page.goto(live_server.url + "/ops")
    page.fill("#key", "wrong")
    page.click("button[type=submit]")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('401')",
                           timeout=10_000)
    page.close()
