"""What the calculator says, in both languages (issue 15, items 3 and 8): no field id,
JSON term or phrase of the API's own reaches a person, before or after an error, in any
shipped city; Chinese says its boundaries as the rule means them, with no stray space and
no doubled bracket."""

from __future__ import annotations

import json
import re

import pytest
from calculator_support import (
    APPLICANTS,
    BEIJING,
    browser_page,
    call,
    control_id,
    fill,
    open_calculator,
    settle,
    shared_server,
    visible_text,
)

from service.web.calculator_strings import STRINGS

pytestmark = pytest.mark.browser

CITIES = ("beijing", "shanghai", "shenzhen", "tianjin", "xian")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# JSON's words as values ("false information" is English, "false" alone is JSON)
JSON_TERMS = re.compile(r"\b(?:null|undefined|NaN)\b|\b(?:true|false)\b(?! [a-z])|\[object|[{}]")
API_PHRASES = ("as_of", "applicant", "Is after", "Is before", "Is more than", "Must be",
               "Missing data", "Not a valid", "Not a whole", "Unknown field", "empty list",
               "YYYY", "not a number", "Field may not", "does not fit the policy",
               "提交空列表", "不认识的字段", "大于", "晚于评分日期", "必须是", "不是有效")
CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"


@pytest.fixture
def page(browser):
    yield from browser_page(browser)


@pytest.fixture(scope="module")
def live_server(keys_file):
    yield from shared_server(keys_file)


def names_of(document: dict) -> set[str]:
    """Every id a person must never read: field paths and their parts, fact, gate and
    criterion ids (those that are not plain words)."""
    names = set()
    for path in document["fields"]:
        names.add(path)
        names.update(part for part in path.split(".") if "_" in part)
    for fact in document.get("facts", {}):
        names.add(fact)
    for rule in document.get("gates", []) + document.get("criteria", []):
        names.add(rule["id"])
    return {n for n in names if "_" in n or "." in n}


def assert_no_internal_words(text: str, names: set[str], where: str) -> None:
    found = [n for n in names if n in text]
    assert not found, (where, found)
    assert not SNAKE.search(text), (where, SNAKE.findall(text)[:5])
    assert not JSON_TERMS.search(text), (where, JSON_TERMS.findall(text)[:5])
    phrases = [p for p in API_PHRASES if p in text]
    assert not phrases, (where, phrases)


def api_errors_naming_fields(form: list[dict]) -> dict:
    """A 422 as the service words it, every kind of message, naming real fields."""
    paths = [f["path"] for f in form if f["type"] in ("integer", "number")]
    dates = [f["path"] for f in form if f["type"] == "date"]
    records = [f["path"] for f in form if f["type"] == "records"]
    errors = {}
    if paths:
        errors[f"applicant.{paths[0]}"] = [f"Is more than {paths[-1]} (84)."]
        errors[f"applicant.{paths[-1]}"] = [
            "Must be greater than or equal to 0 and less than or equal to 1200.",
            "Is more than the 200 months since the applicant turned 16."]
    if dates:
        errors[f"applicant.{dates[-1]}"] = ["Is after as_of (2026-11-30).",
                                            f"Is before {dates[0]} (1990-01-01)."]
    if records:
        errors[f"applicant.{records[0]}"] = ["Send an empty list when there is none"]
        errors[f"applicant.{records[0]}.0.kind"] = ["Missing data for required field."]
    errors["applicant.made_up_field"] = ["Unknown field."]
    errors["applicant"] = ["Frobnicated by quux_value {\"x\": null}."]
    return {"type": "/problems/invalid_application", "title": "Unprocessable content",
            "status": 422, "detail": "The application does not fit the policy.",
            "errors": errors}


@pytest.mark.parametrize("city", CITIES)
def test_no_field_id_or_api_phrase_in_any_city_or_language(live_server, page, city):
    status, policy = call(f"{live_server.url}/v1/policies/{city}")
    assert status == 200
    names = names_of(policy["document"])
    open_calculator(page, live_server, city, "zh")
    settle(page, "incomplete")
    assert_no_internal_words(visible_text(page), names, "empty form")
    fill(page, APPLICANTS[city])
    settle(page)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    problem = api_errors_naming_fields(policy["form"])
    records = [f["path"] for f in policy["form"] if f["type"] == "records"]
    for lang in ("zh", "en"):
        if lang == "en":
            page.click("#switch-language")
            settle(page)
        assert_no_internal_words(visible_text(page), names, f"{lang} answer")
        # an error the page finds itself: text in a number field, a record's future date
        fields = policy["document"]["fields"]
        bound = {spec.get("at_most") for spec in fields.values()}
        number = next(f["path"] for f in policy["form"]
                      if f["type"] in ("integer", "number") and f["path"] not in bound
                      and not fields[f["path"]].get("at_most")
                      and page.is_visible(control_id(f["path"])))
        page.fill(control_id(number), "abc")
        if records:
            page.click(control_id(records[0]) + "-add")
            row = control_id(records[0]) + "-0"
            page.select_option(f"{row}-kind", index=1)
            page.fill(f"{row}-date", "2099-01-01")
        settle(page, "invalid")
        assert page.inner_text(control_id(number) + "-error")
        assert_no_internal_words(visible_text(page), names, f"{lang} page's error")
        page.fill(control_id(number), "1")
        if records:
            page.click(control_id(records[0]) + "-0-remove")
        # an error the API answers: every message it has, naming fields by their ids
        page.route("**/v1/what-if", lambda route: route.fulfill(
            status=422, content_type="application/problem+json", body=json.dumps(problem)))
        page.fill(control_id(number), "2")
        settle(page, "invalid")
        shown = visible_text(page)
        assert_no_internal_words(shown, names, f"{lang} API's error")
        assert STRINGS[lang]["err.other"] in shown  # the unknown message, said plainly
        page.unroute("**/v1/what-if")
        page.fill(control_id(number), "1")
        settle(page)
    # the 422s were the test's own; nothing else went wrong in the page
    assert not [p for p in page.problems if "status of 422" not in p]


def test_chinese_says_boundaries_as_the_rule_means_them(live_server, page):
    open_calculator(page, live_server, "beijing", "zh")
    fill(page, BEIJING)
    settle(page)
    rule = page.inner_text("tr[data-criterion=age] td:last-child")
    assert rule.startswith("不满46：20分")  # 以下 would include 46, which scores 16
    assert "46以下" not in visible_text(page)


@pytest.mark.parametrize("city", CITIES)
def test_chinese_has_no_stray_space_or_doubled_bracket(live_server, page, city):
    open_calculator(page, live_server, city, "zh")
    fill(page, APPLICANTS[city])
    settle(page)
    # the rule texts are the service's (tests/api hold them); the rest is the page's
    text = page.evaluate("""() => {
        const copy = document.body.cloneNode(true);
        copy.querySelectorAll('#breakdown-rows td:last-child, svg').forEach(n => n.remove());
        document.body.append(copy); copy.hidden = false;
        const text = copy.innerText; copy.remove(); return text; }""")
    for line in text.splitlines():
        assert not re.search(rf"{CJK} | {CJK}", line), line
        assert not re.search(r"[（(][（(]|[)）][)）]|[)）][（(]", line), line


def test_the_pages_own_chinese_has_no_space_beside_a_chinese_character():
    for key, text in STRINGS["zh"].items():
        assert not re.search(rf"{CJK} | {CJK}", text), key
        assert "以下：" not in text and "以上：" not in text, key
