"""axe-core over both pages at 360 and 1280 px, the calculator embedded and not (issue 15).
axe-core comes from the axe-playwright-python package, injected through DevTools so the
pages' CSP does not apply; nothing is loaded from the network."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from calculator_support import (
    BEIJING,
    XIAN,
    HostSite,
    browser_page,
    control_id,
    fill,
    open_calculator,
    settle,
    shared_server,
)
from conftest import ARTIFACTS, SECRETS, LiveServer, make_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(keys_file):
    yield from shared_server(keys_file)


def axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def violations(target) -> list:
    """Every axe-core violation on the page or frame, whatever its impact."""
    target.evaluate(axe_source())
    results = target.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results["violations"]]


@pytest.mark.parametrize(("width", "lang"), [(360, "zh"), (1280, "en")])
def test_the_calculator_is_axe_clean(live_server, browser, width, lang):
    pages = browser_page(browser, width=width)
    page = next(pages)
    open_calculator(page, live_server, "beijing", lang)
    fill(page, BEIJING)
    settle(page)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert violations(page) == []
    page.fill(control_id("tax_violations"), "-1")  # an error on show, the result kept
    settle(page, "invalid")
    assert violations(page) == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = "calculator-beijing" + ("-360px" if width == 360 else "") + f"-{lang}-error.png"
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    next(pages, None)


@pytest.mark.parametrize("width", [360, 1280])
def test_the_embedded_calculator_is_axe_clean(keys_file, browser, width):
    site = HostSite()
    service = LiveServer(make_app(keys_file, FRAME_ANCESTORS=f"'self' {site.url}"))
    try:
        site.pages["/"] = (
            "<!doctype html><html lang=en><head><meta charset=utf-8>"
            "<meta name=viewport content='width=device-width, initial-scale=1'>"
            "<title>Bureau</title></head><body><main><h1>City bureau</h1>\n"
            f'<script src="{service.url}/embed.js" defer></script>\n'
            '<hukou-calculator city="xian" lang="zh"></hukou-calculator>\n'
            "</main></body></html>")
        pages = browser_page(browser, width=width)
        page = next(pages)
        page.goto(site.url + "/")
        frame = page.wait_for_selector("hukou-calculator iframe").content_frame()
        frame.wait_for_selector("#form .field")
        fill(frame, XIAN)
        settle(frame)
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # the bar on show
        assert violations(frame) == []
        assert violations(page) == []
        next(pages, None)
    finally:
        service.stop()
        site.stop()


@pytest.mark.parametrize(("width", "lang"), [(360, "zh"), (1280, "en")])
def test_the_ops_page_is_axe_clean(live_server, browser, width, lang):
    applicant = {"birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
                 "criminal_record": [], "local_knowledge_score": 86}
    batch = [{"city": "xian", "applicant": {**applicant, "local_knowledge_score": s}}
             for s in [55, 65, 75, 86, 95] * 30]
    request = urllib.request.Request(
        live_server.url + "/v1/score/batch", data=json.dumps(batch).encode(),
        headers={"Content-Type": "application/json",
                 "Authorization": f"Bearer {SECRETS['bureau'][0]}"})
    urllib.request.urlopen(request, timeout=10).read()
    pages = browser_page(browser, width=width)
    page = next(pages)
    page.goto(f"{live_server.url}/ops?lang={lang}")
    assert violations(page) == []
    page.fill("#key", SECRETS["ops"][0])
    page.click("button[type=submit]")
    page.wait_for_function("() => document.body.dataset.state === 'ready'", timeout=10_000)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert violations(page) == []
    next(pages, None)
