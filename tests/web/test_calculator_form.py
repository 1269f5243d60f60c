"""The calculator's form as an applicant meets it (issue 15, items 1, 6, 9, 10 and 12):
the date each duration counts to, sections with subtotals and only the questions that
apply, durations no life could hold, the last good result kept beside an error, and the
local-knowledge test as test marks that may not have been taken yet."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from calculator_support import (
    BEIJING,
    XIAN,
    browser_page,
    call,
    control_id,
    day_words,
    fill,
    months_before,
    open_calculator,
    scored,
    sent_applications,
    settle,
    shared_server,
)

from service.rules.dates import completed_months, reference_date, shift_years
from service.web.calculator_strings import STRINGS

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    yield from browser_page(browser)


@pytest.fixture(scope="module")
def live_server(keys_file):
    yield from shared_server(keys_file)


def policy_of(server, city: str) -> dict:
    status, body = call(f"{server.url}/v1/policies/{city}")
    assert status == 200
    return body


def counts_to(document: dict, name: str, today: dt.date) -> dt.date:
    return today if name == "as_of" else reference_date(today, document["reference_dates"][name])


# ---- item 1: every duration says the date it counts to ---------------------------------

@pytest.mark.parametrize(("city", "lang"), [("beijing", "en"), ("beijing", "zh"),
                                            ("tianjin", "en"), ("shanghai", "zh")])
def test_every_duration_question_states_the_date_it_counts_to(live_server, page, city, lang):
    policy = policy_of(live_server, city)
    document, today = policy["document"], dt.date.today()
    open_calculator(page, live_server, city, lang)
    durations = [f for f in policy["form"] if document["fields"][f["path"]].get("accrues")
                 and f["unit"] in ("month", "year")]
    assert durations
    for field in durations:
        day = counts_to(document, document["fields"][field["path"]]["accrues"], today)
        said = STRINGS[lang]["duration." + field["unit"]].format(date=day_words(day, lang))
        label = page.text_content(f".field[data-path='{field['path']}'] label.label")
        assert said in label, (field["path"], label)
    intro = page.locator("#reference-intro")
    if city == "shanghai":  # counts run to the application date itself: nothing to warn of
        assert intro.is_hidden()
    else:
        assert intro.is_visible()


def test_a_start_date_gives_the_months_to_the_reference_date(live_server, page):
    """The issue's worker: 84 months of insurance today are fewer on 31 December of the
    year before the round, and the bureau refuses them; the page says so."""
    policy = policy_of(live_server, "beijing")
    today = dt.date.today()
    upto = counts_to(policy["document"], "durations", today)
    start = months_before(today, 84)
    expected = completed_months(start, upto)
    sent = sent_applications(page)
    open_calculator(page, live_server, "beijing", "en")
    fill(page, {k: v for k, v in BEIJING.items() if k != "social_insurance_consecutive_months"})
    field = control_id("social_insurance_consecutive_months")
    page.click(".field[data-path='social_insurance_consecutive_months'] summary")
    page.fill(f"{field}-start", start.isoformat())
    settle(page)
    assert page.input_value(field) == str(expected)
    assert page.inner_text(f"{field}-start-result") == STRINGS["en"]["start_result_month"].format(
        n=expected, date=day_words(upto, "en"))
    assert sent[-1]["applicant"]["social_insurance_consecutive_months"] == expected
    result = scored(live_server, "beijing", sent[-1]["applicant"])
    gate = next(g for g in result["gates"] if g["id"] == "insured_84_months")
    assert gate["passed"] is (expected >= 84)
    if expected < 84:
        assert page.is_visible("li[data-gate=insured_84_months]")
        assert page.inner_text("#verdict") == STRINGS["en"]["ineligible"]


# ---- item 6: sections, subtotals, only the questions that apply -------------------------

def test_the_form_is_in_sections_eligibility_first_records_last(live_server, page):
    open_calculator(page, live_server, "beijing", "en")
    sections = page.eval_on_selector_all(
        "#form .form-section", "ss => ss.map(s => [s.dataset.section, "
        "[...s.querySelectorAll('.field')].map(f => f.dataset.path)])")
    ids = [s for s, _ in sections]
    assert ids[0] == "eligibility" and ids[-1] == "records"
    first, last = dict(sections)["eligibility"], dict(sections)["records"]
    assert {"birth_date", "residence_permit", "gender",
            "social_insurance_consecutive_months"} <= set(first)
    assert {"criminal_record", "tax_violations"} <= set(last)
    assert len(ids) >= 5  # not 20 flat fields


def test_subtotals_by_section_add_up_to_the_total(live_server, page):
    open_calculator(page, live_server, "beijing", "en")
    fill(page, BEIJING)
    settle(page)
    result = scored(live_server, "beijing", BEIJING)
    exact = {row["criterion"]: Fraction(row["points_exact"]) for row in result["breakdown"]}
    rows = page.eval_on_selector_all("#breakdown-rows tr", """rs => rs.map(r =>
        [r.dataset.section || null, r.dataset.criterion || null,
         r.querySelector('td.num').dataset.subtotal || null])""")
    subtotals, current = {}, None
    for section, criterion, subtotal in rows:
        if section:
            current = section
            subtotals[section] = [Fraction(subtotal), Fraction(0)]
        else:
            subtotals[current][1] += exact[criterion]
    for section, (shown, summed) in subtotals.items():
        assert shown == round(summed, 2), section  # the exact sum, rounded as the total is
        in_form = page.get_attribute(f"#section-{section}-subtotal", "data-value")
        assert Fraction(in_form) == shown
    assert sum(s for s, _ in subtotals.values()) == pytest.approx(result["total"],
                                                                  abs=0.005 * len(subtotals))
    assert {c for _, c, _ in rows if c} == set(exact)


def test_only_the_questions_that_apply_are_asked(live_server, page):
    sent = sent_applications(page)
    open_calculator(page, live_server, "beijing", "en")
    owned, rented = control_id("housing.owned_months"), control_id("housing.rented_months")
    assert page.is_hidden(owned) and page.is_hidden(rented)
    page.check(f"{rented}-applies")  # a renter
    assert page.is_visible(rented) and page.is_hidden(owned)
    # the diploma and degree only once a level that reads them is chosen
    assert page.is_hidden(control_id("education.diploma"))
    page.select_option(control_id("education.level"), "none")
    assert page.is_hidden(control_id("education.diploma"))
    page.select_option(control_id("education.level"), "master")
    assert page.is_visible(control_id("education.diploma"))
    # an award's grade only once its kind is chosen
    assert page.is_hidden(control_id("innovation.grade"))
    page.select_option(control_id("innovation.kind"), "competition_award")
    assert page.is_visible(control_id("innovation.grade"))
    page.select_option(control_id("innovation.kind"), "")
    renter = {k: v for k, v in BEIJING.items() if k != "housing"} | {
        "housing": {"rented_months": 61}, "education": {"level": "associate"}}
    fill(page, renter)
    settle(page)
    applicant = sent[-1]["applicant"]
    # the request means what it always did: the owned months a renter has are 0
    assert applicant["housing"] == {"owned_months": 0, "rented_months": 61}
    assert applicant["education"] == {"level": "associate", "diploma": False,
                                      "degree": False}
    assert applicant["study_overlap"] == {"social_insurance_months": 0, "owned_months": 0,
                                          "rented_months": 0}
    result = scored(live_server, "beijing", applicant)
    assert float(page.get_attribute("#total", "data-value")) == result["total"]


# ---- item 9: no duration longer than an adult life ----------------------------------

def test_durations_longer_than_an_adult_life_are_refused_at_the_field(live_server, page):
    born = dt.date(dt.date.today().year - 36, 3, 15)
    policy = policy_of(live_server, "beijing")
    upto = counts_to(policy["document"], "durations", dt.date.today())
    limit = completed_months(shift_years(born, 16), upto)
    sent = sent_applications(page)
    open_calculator(page, live_server, "beijing", "en")
    applicant = {k: v for k, v in BEIJING.items() if k != "housing"}
    fill(page, applicant | {"birth_date": born.isoformat(), "housing": {"rented_months": 60}})
    settle(page)
    asked = len(sent)
    rented = control_id("housing.rented_months")
    page.fill(rented, "600")
    settle(page, "invalid")
    assert page.inner_text(f"{rented}-error") == STRINGS["en"]["err.life_months"].format(
        n=limit, date=day_words(upto, "en"))
    assert page.get_attribute(rented, "aria-invalid") == "true"
    assert len(sent) == asked  # nothing so implausible is sent
    # and a consecutive run longer than the whole
    page.fill(rented, "60")
    consecutive = control_id("social_insurance_consecutive_months")
    page.fill(consecutive, "130")
    settle(page, "invalid")
    assert page.inner_text(f"{consecutive}-error") == STRINGS["en"]["err.more_than"].format(
        label="Months of Beijing social insurance", value=123)


# ---- item 10: an error keeps the last good result; a new record is not flagged ------------

def test_an_error_keeps_the_last_result_marked_out_of_date(live_server, page):
    open_calculator(page, live_server, "xian", "en")
    fill(page, XIAN)
    settle(page)
    total = page.get_attribute("#total", "data-value")
    page.fill(control_id("birth_date"), "2099-01-01")
    settle(page, "invalid")
    assert page.is_visible("#summary") and page.get_attribute("#total", "data-value") == total
    assert page.inner_text("#stale") == STRINGS["en"]["stale"]
    assert "is-stale" in page.get_attribute("#result", "class")
    assert page.inner_text(control_id("birth_date") + "-error")
    page.fill(control_id("birth_date"), XIAN["birth_date"])
    settle(page)
    assert page.is_hidden("#stale")


def test_adding_a_record_flags_nothing_before_the_person_types(live_server, page):
    sent = sent_applications(page)
    open_calculator(page, live_server, "xian", "en")
    fill(page, XIAN)
    settle(page)
    records = control_id("criminal_record")
    page.click(f"{records}-add")
    settle(page)
    row = f"{records}-1"
    assert page.inner_text(f"{row}-kind-error") == ""
    assert page.inner_text(f"{row}-date-error") == ""
    assert page.get_attribute(f"{row}-kind", "aria-invalid") is None
    assert page.inner_text(f"{row}-pending") == STRINGS["en"]["record_incomplete"]
    assert len(sent[-1]["applicant"]["criminal_record"]) == 1  # the unfinished row waits
    page.select_option(f"{row}-kind", "administrative_detention")
    settle(page)
    assert page.inner_text(f"{row}-date-error") == ""
    page.fill(f"{row}-date", "2024-02-03")
    settle(page)
    assert len(sent[-1]["applicant"]["criminal_record"]) == 2
    assert page.inner_text(f"{row}-pending") == ""
    assert not page.problems


# ---- item 12: the local-knowledge test ------------------------------------------------------

def test_the_local_knowledge_test_is_in_marks_and_may_not_be_taken_yet(live_server, page):
    sent = sent_applications(page)
    open_calculator(page, live_server, "xian", "en")
    field = control_id("local_knowledge_score")
    assert page.inner_text(f"{field}-unit") == STRINGS["en"]["mark_unit"].format(max=100)
    assert STRINGS["en"]["mark_note"] in page.inner_text(f"{field}-help")
    applicant = {k: v for k, v in XIAN.items() if k != "local_knowledge_score"}
    applicant["criminal_record"] = []
    fill(page, applicant)
    settle(page, "incomplete")
    page.check(f"{field}-not-taken")
    settle(page)
    assert page.is_disabled(field)
    assert page.inner_text(f"{field}-not-taken-note") == STRINGS["en"]["not_taken_note"]
    assert sent[-1]["applicant"]["local_knowledge_score"] == 0
    result = scored(live_server, "xian", sent[-1]["applicant"])
    assert float(page.get_attribute("#total", "data-value")) == result["total"]
    if not result["passes"]:  # taking the test is the way: the path says which mark
        assert page.is_visible("#path-list [data-change=local_knowledge]")
    page.uncheck(f"{field}-not-taken")
    assert page.is_enabled(field)
