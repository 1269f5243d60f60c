"""The applicants' calculator in real headless Chromium (Debian's /usr/bin/chromium).

Every figure on the page must be the API's: each test that fills the form asks
POST /v1/score the same question with a bureau key and compares.
"""

from __future__ import annotations

import re

import pytest
from calculator_support import (
    BEIJING,
    CJK,
    XIAN,
    HostSite,
    browser_page,
    call,
    control_id,
    fill,
    flat,
    scored,
    settle,
    shared_server,
    visible_text,
)
from conftest import ARTIFACTS, LiveServer, make_app

from service.web.calculator_strings import STRINGS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(keys_file):
    yield from shared_server(keys_file)


@pytest.fixture
def fresh_server(keys_file):
    """A server of its own, for a test that reads what the store recorded."""
    server = LiveServer(make_app(keys_file))
    yield server
    server.stop()


@pytest.fixture
def host_site():
    site = HostSite()
    yield site
    site.stop()


@pytest.fixture
def page(browser):
    yield from browser_page(browser, width=1200)


def open_calculator(page, server, city: str, lang: str = "zh", fragment: str = ""):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{server.url}/calculator?city={city}&lang={lang}{fragment}")
    page.wait_for_selector("#form .field")
    return requests




def number_shown(text: str) -> float:
    return float(re.match(r"[-+]?[\d.]+", text.replace(",", "").replace("\u2212", "-"))[0])


def assert_same_figures(page, result: dict) -> None:
    for name in ("total", "threshold", "margin"):
        shown = page.inner_text(f"#{name}")
        assert number_shown(shown) == pytest.approx(result[name], abs=1e-9), name
        assert float(page.get_attribute(f"#{name}", "data-value")) == result[name]
    rows = {r.get_attribute("data-criterion"): r.query_selector("td.num").inner_text()
            for r in page.query_selector_all("#breakdown-rows tr[data-criterion]")}
    assert rows == {row["criterion"]: _points(row["points"]) for row in result["breakdown"]}


def _points(value: float) -> str:
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@pytest.mark.parametrize(("city", "applicant"), [("beijing", BEIJING), ("xian", XIAN)])
def test_the_total_shown_is_the_score_apis(live_server, page, city, applicant):
    requests = open_calculator(page, live_server, city)
    fill(page, applicant)
    settle(page)
    result = scored(live_server, city, applicant)
    assert_same_figures(page, result)
    verdict = "passes" if result["passes"] else "fails" if result["eligible"] else "ineligible"
    assert page.inner_text("#verdict") == STRINGS["zh"][verdict]
    assert all(u.startswith(live_server.url) or u.startswith("data:") for u in requests)
    assert not page.problems
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"calculator-{city}.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    assert page.is_visible("#mini")  # the total stays in sight below the long form
    assert page.inner_text("#total") in page.inner_text("#mini")
    page.screenshot(path=str(ARTIFACTS / f"calculator-{city}-360px.png"), full_page=True)


def test_the_form_asks_what_the_policy_reads_and_nothing_else(live_server, page):
    for city in ("beijing", "xian", "shanghai"):
        open_calculator(page, live_server, city)
        _, policy = call(f"{live_server.url}/v1/policies/{city}")
        asked = page.eval_on_selector_all("#form .field", "fs => fs.map(f => f.dataset.path)")
        assert sorted(asked) == sorted(f["path"] for f in policy["form"])  # each once
        text = visible_text(page)
        for word in ("姓名", "身份证", "Name", "ID number"):
            assert word not in text.replace("不需要姓名或身份证号", "")
        # every control has a name a screen reader reads out
        unlabelled = page.evaluate("""() => [...document.querySelectorAll(
            '#form input, #form select, #form button')].filter(c =>
            !(c.labels && c.labels.length) && !c.getAttribute('aria-label')).map(c => c.id)""")
        assert unlabelled == []


def test_switching_language_changes_every_label_and_leaves_no_key(live_server, page):
    open_calculator(page, live_server, "beijing")
    fill(page, BEIJING)
    settle(page)
    labels_zh = page.eval_on_selector_all("#form .label", "ls => ls.map(l => l.innerText)")
    page.click("#switch-language")
    settle(page)
    assert page.get_attribute("html", "lang") == "en"
    assert "lang=en" in page.url
    labels_en = page.eval_on_selector_all("#form .label", "ls => ls.map(l => l.innerText)")
    assert len(labels_en) == len(labels_zh)
    assert all(a != b for a, b in zip(labels_zh, labels_en, strict=True))
    text = visible_text(page).replace(STRINGS["en"]["switch_language"], "")
    assert not CJK.search(text), CJK.findall(text)[:10]
    for node_key in page.eval_on_selector_all("[data-i18n]", "ns => ns.map(n => n.dataset.i18n)"):
        assert STRINGS["en"][node_key]
    assert not re.search(r"\b[a-z]+(_[a-z]+)+\b|\{[a-z_]+\}|\bunit\.", text)
    assert page.inner_text("#verdict") in (STRINGS["en"]["passes"], STRINGS["en"]["fails"],
                                           STRINGS["en"]["ineligible"])
    assert_same_figures(page, scored(live_server, "beijing", BEIJING))
    # and back: Chinese again, the entries kept
    page.click("#switch-language")
    settle(page)
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.input_value(control_id("social_insurance_months")) == "123"
    assert page.eval_on_selector_all("#form .label", "ls => ls.map(l => l.innerText)") \
        == labels_zh


def test_both_languages_have_the_same_strings():
    assert STRINGS["zh"].keys() == STRINGS["en"].keys()
    for lang in ("zh", "en"):
        for key, text in STRINGS[lang].items():
            assert text.strip(), (lang, key)
            assert set(re.findall(r"\{(\w+)\}", text)) == set(
                re.findall(r"\{(\w+)\}", STRINGS["zh" if lang == "en" else "en"][key])), key


def test_dates_and_numbers_follow_the_language(live_server, page):
    recent = dict(XIAN, residence_permit_since="2025-09-01")
    open_calculator(page, live_server, "xian", "en")
    fill(page, recent)
    settle(page)
    path_en = page.inner_text("#path-list")
    page.click("#switch-language")
    settle(page)
    path_zh = page.inner_text("#path-list")
    _, answer = call(live_server.url + "/v1/what-if", {"city": "xian", "applicant": recent})
    day = answer["path_to_threshold"]["earliest_pass"]["date"]
    assert day, answer["path_to_threshold"]
    year, month, date = (int(x) for x in day.split("-"))
    months = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]
    assert f"{date} {months[month - 1]} {year}" in path_en
    assert f"{year}年{month}月{date}日" in path_zh


def test_a_failed_gate_shows_its_reason(live_server, page):
    applicant = dict(XIAN, residence_permit_since="2025-09-01")  # under the 2 years needed
    open_calculator(page, live_server, "xian", "en")
    fill(page, applicant)
    settle(page)
    result = scored(live_server, "xian", applicant)
    failed = [g for g in result["gates"] if not g["passed"]]
    assert [g["id"] for g in failed] == ["residence_permit_2_years"]
    shown = page.inner_text("li[data-gate=residence_permit_2_years]")
    assert failed[0]["reason"]["en"] in shown and failed[0]["label"]["en"] in shown
    assert page.inner_text("#verdict") == STRINGS["en"]["ineligible"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_invalid_entry_is_said_at_its_field_in_the_pages_words(live_server, page, lang):
    open_calculator(page, live_server, "xian", lang)
    fill(page, XIAN)
    settle(page)
    total = page.inner_text("#total")
    field = control_id("local_knowledge_score")
    page.fill(field, "150")
    settle(page, "invalid")
    words = STRINGS[lang]["err.range"].format(min=0, max=100)
    assert page.inner_text(f"{field}-error") == words
    assert page.get_attribute(field, "aria-invalid") == "true"
    assert page.is_visible("#summary") and page.inner_text("#total") == total  # kept
    assert page.is_visible("#stale")
    # text that is no number
    page.fill(field, "eighty")
    settle(page, "invalid")
    assert page.inner_text(f"{field}-error") == STRINGS[lang]["err.number"]
    page.fill(field, "80")
    settle(page)
    assert page.inner_text(f"{field}-error") == ""
    assert page.get_attribute(field, "aria-invalid") is None
    assert page.is_hidden("#stale")
    # a record's date in the future goes next to that record's date
    page.fill(control_id("criminal_record") + "-0-date", "2099-01-01")
    settle(page, "invalid")
    assert page.inner_text(control_id("criminal_record") + "-0-date-error")


def test_missing_fields_are_listed_before_anything_is_asked(live_server, page):
    open_calculator(page, live_server, "beijing", "en")
    settle(page, "incomplete")
    status = page.inner_text("#status")
    assert status.startswith("Still needed:") and "Date of birth" in status


def tab_to(page, element_id: str, most: int = 4) -> None:
    """Press Tab until `element_id` has the focus (a date control takes a Tab per part)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"{most} presses of Tab did not reach #{element_id}; at "
                         + page.evaluate("document.activeElement.id"))


def test_keyboard_alone_completes_the_form(live_server, page):
    open_calculator(page, live_server, "xian", "en")
    keyboard = page.keyboard
    page.focus("#switch-language")
    tab_to(page, "f-birth_date", 1)
    keyboard.type("07091991")  # month, day, year in the en-US date control
    tab_to(page, "f-residence_permit_since")
    keyboard.type("02202017")
    tab_to(page, "f-local_knowledge_score")
    keyboard.type("83")
    tab_to(page, "f-criminal_record-add", 6)  # past the "not taken yet" box
    keyboard.press("Enter")  # a new record row; focus moves to its kind
    assert page.evaluate("document.activeElement.id") == "f-criminal_record-0-kind"
    keyboard.press("ArrowDown")
    keyboard.press("ArrowDown")
    tab_to(page, "f-criminal_record-0-date", 1)
    keyboard.type("05062023")
    settle(page)
    assert page.input_value("#f-criminal_record-0-kind") == "administrative_detention"
    assert_same_figures(page, scored(live_server, "xian", XIAN))
    focus_ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focus_ring != "none"


def test_embedded_in_a_bureau_page_on_another_port(keys_file, host_site, browser):
    service = LiveServer(make_app(keys_file, FRAME_ANCESTORS=f"'self' {host_site.url}"))
    try:
        host_site.pages["/"] = (
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Bureau</title>"
            "</head><body><h1>City bureau</h1>\n"
            f'<script src="{service.url}/embed.js" defer></script>\n'
            '<hukou-calculator city="xian" lang="en"></hukou-calculator>\n'
            "<p id=after>Below the calculator</p></body></html>")
        context = browser.new_context(viewport={"width": 1000, "height": 800})
        page = context.new_page()
        page.goto(host_site.url + "/")
        handle = page.wait_for_selector("hukou-calculator iframe")
        frame = handle.content_frame()
        frame.wait_for_selector("#form .field")
        assert frame.url.startswith(service.url + "/calculator?city=xian&lang=en")
        fill(frame, XIAN)
        settle(frame)
        result = scored(service, "xian", XIAN)
        assert float(frame.get_attribute("#total", "data-value")) == result["total"]
        # the iframe is as tall as its content: no inner scrollbar, nothing cut off
        page.wait_for_function("""() => document.querySelector('hukou-calculator')
            .shadowRoot.querySelector('iframe').getBoundingClientRect().height > 600""",
                               timeout=10_000)
        inner_height = frame.evaluate(
            "Math.ceil(document.documentElement.getBoundingClientRect().height)")
        page.wait_for_function(
            "h => Math.abs(document.querySelector('hukou-calculator').shadowRoot"
            ".querySelector('iframe').getBoundingClientRect().height - h) <= 2",
            arg=inner_height, timeout=10_000)
        frame_box = handle.bounding_box()
        after_box = page.query_selector("#after").bounding_box()
        assert after_box["y"] >= frame_box["y"] + frame_box["height"] - 1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "calculator-embedded.png"), full_page=True)
        context.close()
    finally:
        service.stop()


def test_a_site_not_allowed_cannot_frame_it(keys_file, host_site, browser):
    service = LiveServer(make_app(keys_file))  # default: only the service's own origin
    try:
        host_site.pages["/"] = (
            f'<script src="{service.url}/embed.js" defer></script>'
            '<hukou-calculator city="xian"></hukou-calculator>')
        context = browser.new_context()
        page = context.new_page()
        page.goto(host_site.url + "/")
        frame = page.wait_for_selector("hukou-calculator iframe").content_frame()
        page.wait_for_timeout(500)
        assert frame.query_selector("#form") is None  # the browser refused to show it
        # and instead of an empty box, the visitor is told and given the calculator's page
        notice = page.wait_for_selector("hukou-calculator .blocked a", timeout=10_000)
        assert notice.get_attribute("href") == f"{service.url}/calculator?city=xian&lang=zh"
        text = page.eval_on_selector("hukou-calculator", "e => e.shadowRoot.innerHTML")
        assert "不能直接显示积分计算器" in text
        assert page.eval_on_selector("hukou-calculator", "e => e.shadowRoot"
                                     ".querySelector('iframe').hidden")
        context.close()
    finally:
        service.stop()


def test_rate_limited_visitors_are_told_when_to_come_back(keys_file, browser):
    service = LiveServer(make_app(keys_file, RATE_LIMIT_ANONYMOUS="2/minute"))
    try:
        context = browser.new_context(locale="en-US")
        page = context.new_page()
        open_calculator(page, service, "xian", "en")
        fill(page, XIAN)
        for score in ("84", "85", "86"):
            page.fill(control_id("local_knowledge_score"), score)
            page.wait_for_function(
                "() => ['ready', 'limited'].includes(document.body.dataset.state)")
        settle(page, "limited")
        message = page.inner_text("#status")
        seconds = re.search(r"wait (\d+) seconds", message)
        assert seconds and 0 < int(seconds.group(1)) <= 60, message
        assert message.startswith("Too many requests.")
        context.close()
    finally:
        service.stop()


def test_calculator_traffic_is_never_recorded(fresh_server, page):
    live_server = fresh_server
    store = live_server.app.extensions["store"]
    open_calculator(page, live_server, "xian")
    fill(page, XIAN)
    settle(page)
    for score in ("60", "70", "90"):
        page.fill(control_id("local_knowledge_score"), score)
        settle(page)
    assert store.series() == []
    scored(live_server, "xian", XIAN)  # a bureau's own score is recorded: the check can fail
    assert store.series() == [("xian", "2024.1")]


def test_an_unknown_city_lists_the_cities_there_are(live_server, page):
    response = page.goto(f"{live_server.url}/calculator?city=atlantis&lang=en")
    assert response.status == 404
    links = page.eval_on_selector_all("a", "as => as.map(a => a.getAttribute('href'))")
    assert "/calculator?city=xian&lang=en" in links


def test_first_total_is_shown_soon_after_load(live_server, page):
    fragment = "#" + "&".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}"
                              for k, v in flat(XIAN).items() if not isinstance(v, list))
    open_calculator(page, live_server, "xian", "en", fragment)
    settle(page)
    first = page.evaluate(
        "performance.getEntriesByName('hukou:first-total')[0].startTime")
    print(f"\ncalculator: first total {first:.0f} ms after navigation (werkzeug test server)")
    assert first > 0  # the figure bench/bench_calculator.py reports under gunicorn
