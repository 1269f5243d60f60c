"""The calculator embedded in a bureau's page on a phone (issue 15, item 7): the frame is
as tall as the calculator, so the total is kept in sight by the embedding script on the
bureau's own page, and a tap on it brings the result into view."""

from __future__ import annotations

import pytest
from calculator_support import BEIJING, HostSite, browser_page, fill, settle
from conftest import ARTIFACTS, LiveServer, make_app

pytestmark = pytest.mark.browser


@pytest.fixture
def embedded(keys_file, browser):
    """A bureau's page at 360 px with the Beijing calculator embedded, filled in."""
    site = HostSite()
    service = LiveServer(make_app(keys_file, FRAME_ANCESTORS=f"'self' {site.url}"))
    site.pages["/"] = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        "<title>Bureau</title></head><body><main><h1>City bureau</h1><p>Points settlement."
        "</p>\n"
        f'<script src="{service.url}/embed.js" defer></script>\n'
        '<hukou-calculator city="beijing" lang="en"></hukou-calculator>\n'
        "<p id=after>Below the calculator</p></main></body></html>")
    pages = browser_page(browser, width=360, height=740)
    page = next(pages)
    page.goto(site.url + "/")
    handle = page.wait_for_selector("hukou-calculator iframe")
    frame = handle.content_frame()
    frame.wait_for_selector("#form .field")
    fill(frame, BEIJING)
    settle(frame)
    yield page, frame, handle
    next(pages, None)
    service.stop()
    site.stop()


def test_embedded_on_a_phone_the_total_stays_in_sight(embedded):
    page, frame, handle = embedded
    total = frame.inner_text("#total")
    assert frame.is_hidden("#mini")  # inside the frame nothing can stick to the screen
    # the visitor is answering the form, far above the result
    last = frame.eval_on_selector("#f-social_insurance_months",
                                  "e => e.getBoundingClientRect().top + window.scrollY")
    page.wait_for_function("() => document.querySelector('hukou-calculator').shadowRoot"
                           ".querySelector('iframe').getBoundingClientRect().height > 2000")
    top = handle.bounding_box()["y"] + page.evaluate("window.scrollY")
    page.evaluate("y => window.scrollTo(0, y)", top + last - 300)
    bar = page.locator("hukou-calculator .bar")
    bar.wait_for(state="visible", timeout=5_000)
    box = bar.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 740  # on the visitor's screen
    assert total in bar.inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "calculator-embedded-360px.png"))
    bar.click()  # brings the result into view, where the bar is no longer needed
    bar.wait_for(state="hidden", timeout=5_000)
    figure = frame.eval_on_selector("#total", "e => e.getBoundingClientRect().top")
    frame_top = handle.bounding_box()["y"]
    assert 0 <= frame_top + figure < 740
