"""The /ops page in real headless Chromium, as an operator meets it: a summary line of
the levels with city names, why each level was given (which figure crossed which line)
and what to do when figures are insufficient, charts with real axes and legends, both
languages, a narrow screen, and a refresh of its own."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from calculator_support import BEIJING, browser_page
from conftest import ARTIFACTS, SECRETS

from service.web.ops_strings import OPS_STRINGS

pytestmark = pytest.mark.browser


def post(url: str, payload, key: str) -> None:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {SECRETS[key][0]}"})
    urllib.request.urlopen(request, timeout=10).read()


@pytest.fixture
def scores(live_server):
    """Xi'an far from its reference (act), Beijing with too few scores (insufficient)."""
    applicant = {"birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
                 "criminal_record": [], "local_knowledge_score": 86}
    batch = [{"city": "xian", "applicant": {**applicant, "local_knowledge_score": s}}
             for s in [55, 65, 75, 86, 95] * 30]
    batch += [{"city": "beijing", "applicant": BEIJING}] * 5
    post(live_server.url + "/v1/score/batch", batch, "bureau")
    return live_server


def open_ops(browser, server, lang: str, width: int = 1280):
    pages = browser_page(browser, width=width)
    page = next(pages)
    page.goto(f"{server.url}/ops?lang={lang}")
    page.fill("#key", SECRETS["ops"][0])
    page.click("button[type=submit]")
    page.wait_for_function("() => document.body.dataset.state === 'ready'", timeout=10_000)
    return page, pages


def test_ops_page_says_why_and_draws_charts_with_axes(scores, browser):
    page, pages = open_ops(browser, scores, "en")
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    summary = page.inner_text("#summary-line")
    assert summary.startswith("2 cities, 2 policy versions:")
    tally = {level: (page.inner_text(f".tally[data-level={level}] .count"),
                     page.text_content(f".tally[data-level={level}]"))
             for level in ("act", "watch", "stable", "insufficient")}
    assert tally["act"] == ("1", "act1 (Xi'an)")
    assert tally["insufficient"] == ("1", "insufficient1 (Beijing)")
    assert tally["watch"][0] == tally["stable"][0] == "0"
    assert "xian" not in page.inner_text("#panel").lower().replace("xi'an", "")
    xian = page.locator("section.series[data-city=xian]")
    assert xian.locator("h2 .city").inner_text() == "Xi'an"
    assert xian.locator("h2 .level").inner_text() == "act"
    why = xian.locator(".why li.state-bad").all_inner_texts()
    assert any(re.match(r"PSI [\d.]+ is above the act line 0\.25\.", w) for w in why), why
    assert any("Pass rate 80% against" in w and "beyond the limit" in w for w in why), why
    beijing = page.locator("section.series[data-city=beijing]")
    assert beijing.locator("h2 .level").inner_text() == "insufficient"
    reasons = beijing.locator(".why li").all_inner_texts()
    assert reasons[0] == "The window holds 5 scores; 100 are needed."
    assert reasons[1] == OPS_STRINGS["en"]["fix.few_window_scores"]
    # the distributions overlaid, with axes, a legend and the threshold
    dist = xian.locator("figure[id^=dist-]")
    assert dist.locator("rect.bar-reference").count() > 5
    assert dist.locator("path.step-current").count() == 1
    assert dist.locator("line.threshold").count() == 1
    assert dist.locator(".x-axis text.tick").count() >= 4
    assert dist.locator(".y-axis text.tick").count() >= 3
    assert dist.locator(".axis-title").all_text_contents() == ["Share (%)", "Total points"]
    legend = dist.locator(".legend li").all_inner_texts()
    assert legend == ["Reference (20000)", "This window (150)", "Threshold 60"]
    # pass rate over time against its reference band; empty windows as gaps, with dates
    rate = xian.locator("figure[id^=pass-]")
    assert rate.locator("rect.band-reference").count() == 1
    assert rate.locator("rect.empty-window").count() == 13  # 13 of 14 windows were empty
    ticks = rate.locator(".x-axis text.tick").all_text_contents()
    assert all(re.fullmatch(r"\d\d-\d\d", t) for t in ticks) and len(ticks) >= 5
    assert "Window with no scores" in rate.locator(".legend").inner_text()
    title = rate.locator("svg title").text_content()
    assert "13 windows had no scores" in title
    assert all(u.startswith(scores.url) for u in requests)  # nothing from elsewhere
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ops.png"), full_page=True)
    next(pages, None)


def test_ops_page_in_chinese_on_a_phone(scores, browser):
    page, pages = open_ops(browser, scores, "zh", width=360)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    xian = page.locator("section.series[data-city=xian]")
    assert xian.locator("h2 .city").inner_text() == "西安市"
    assert xian.locator("h2 .level").inner_text() == "立即处理"
    assert "北京市" in page.inner_text(".tally[data-level=insufficient]")
    assert page.get_attribute("html", "lang") == "zh-CN"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ops-360px.png"), full_page=True)
    next(pages, None)


def test_ops_page_refreshes_on_its_own(scores, browser):
    pages = browser_page(browser)
    page = next(pages)
    page.clock.install()
    page.goto(f"{scores.url}/ops?lang=en")
    page.fill("#key", SECRETS["ops"][0])
    page.click("button[type=submit]")
    page.wait_for_function("() => document.body.dataset.state === 'ready'", timeout=10_000)
    before = page.inner_text("section.series[data-city=xian] .why")
    post(scores.url + "/v1/score/batch", [{"city": "beijing", "applicant": BEIJING}] * 100,
         "bureau")
    panels = []
    page.on("request", lambda r: "/ops/panel" in r.url and panels.append(r.url))
    page.clock.run_for(61_000)
    page.wait_for_function("""() => !document.querySelector(
        'section.series[data-city=beijing] .why').innerText.includes('5 scores')""",
                           timeout=10_000)
    assert panels  # read again by itself
    assert page.inner_text("section.series[data-city=xian] .why") == before
    next(pages, None)


def test_a_wrong_key_says_so(live_server, browser):
    pages = browser_page(browser)
    page = next(pages)
    page.goto(live_server.url + "/ops?lang=en")
    page.fill("#key", "wrong")
    page.click("button[type=submit]")
    page.wait_for_function("() => document.body.dataset.state === 'refused'", timeout=10_000)
    assert page.inner_text("#status") == OPS_STRINGS["en"]["key_refused"]
    next(pages, None)
