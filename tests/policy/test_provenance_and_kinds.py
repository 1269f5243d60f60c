"""Provenance on every figure, declared omissions, the any_of gate and a quota scheme with
no pass mark, on a small draft city written here (not a shipped file, so the rules under
test are the ones the test states)."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from conftest import POLICIES

from service.policy.applicant import parser_of
from service.policy.errors import PolicyInvalid
from service.policy.loader import load_inline_policy, load_policy_dir
from service.scoring.engine import score, tally

TIERS = load_policy_dir(POLICIES).tiers
AS_OF = dt.date(2024, 9, 30)
SRC = {"source": "test: written in this file", "confidence": "high"}


def _label(text):
    return {"zh": text, "en": text}


BASE = {
    "city": "testville", "tier": "mega", "version": "t1", "effective_from": "2020-01-01",
    "source": {"title": "test"}, "title": _label("Testville"),
    "fields": {
        "owned_months": {"type": "integer", "unit": "month", "min": 0, "label": _label("owned")},
        "rented_months": {"type": "integer", "unit": "month", "min": 0,
                          "label": _label("rented")},
        "fines": {"type": "integer", "unit": "item", "min": 0, "required": False,
                  "default": 0, "label": _label("fines")},
    },
    "gates": [{
        "id": "home_60", "kind": "any_of", "label": _label("home"), "reason": _label("no home"),
        **SRC,
        "of": [
            {"id": "owned_60", "kind": "range", "input": "owned_months", "min": 60,
             "label": _label("owned 60"), "reason": _label("owned < 60")},
            {"id": "rented_60", "kind": "range", "input": "rented_months", "min": 60,
             "label": _label("rented 60"), "reason": _label("rented < 60")},
        ]}],
    "criteria": [
        {"id": "home", "kind": "best_of", "label": _label("home"), "source": "test",
         "confidence": "medium",
         "of": [{"id": "owned", "kind": "per_unit", "input": "owned_months", "points": 1,
                 "label": _label("owned")},
                {"id": "rented", "kind": "per_unit", "input": "rented_months",
                 "points": "0.2", "label": _label("rented")}]},
        {"id": "fines", "kind": "per_item", "input": "fines", "points": -15,
         "label": _label("fines"), **SRC},
    ],
    "threshold": {"kind": "fixed", "points": 100, **SRC},
    "omitted": [{"id": "education", "label": _label("Education"),
                 "reason": _label("value not found")}],
}


def draft(**changes):
    doc = copy.deepcopy(BASE)
    doc.update(changes)
    return load_inline_policy(doc, TIERS)


def run(policy, **applicant):
    return score(policy, parser_of(policy).parse(applicant, AS_OF), AS_OF)


def problems(doc) -> dict:
    with pytest.raises(PolicyInvalid) as caught:
        load_inline_policy(doc, TIERS)
    return {p.path: p.message for p in caught.value.problems}


@pytest.mark.parametrize("where,key", [
    ("criteria", "source"), ("criteria", "confidence"), ("gates", "source"),
    ("gates", "confidence"), ("threshold", "source"), ("threshold", "confidence")])
def test_a_figure_without_provenance_is_refused_naming_it(where, key):
    doc = copy.deepcopy(BASE)
    item = doc[where] if where == "threshold" else doc[where][-1]
    del item[key]
    found = problems(doc)
    path = "threshold" if where == "threshold" else f"{where}.{len(doc[where]) - 1}"
    assert any(p.startswith(path) and "confidence" in m for p, m in found.items()), found


def test_a_confidence_outside_the_three_levels_is_refused():
    doc = copy.deepcopy(BASE)
    doc["criteria"][1]["confidence"] = "certain"
    assert problems(doc) == {"criteria.1(fines).confidence": "Must be one of: high, medium, low."}


def test_provenance_is_not_part_of_the_hash_but_every_rule_is():
    plain = draft()
    assert draft(threshold={"kind": "fixed", "points": 100, "source": "elsewhere",
                            "confidence": "low", "choice": True}).sha256 == plain.sha256
    assert draft(omitted=[]).sha256 == plain.sha256
    assert draft(threshold={"kind": "fixed", "points": 101, **SRC}).sha256 != plain.sha256


def test_an_omitted_indicator_may_not_also_be_scored_nor_declared_twice():
    doc = copy.deepcopy(BASE)
    doc["omitted"] = [{"id": "fines", "label": _label("x"), "reason": _label("y")}]
    assert "omitted.0.id" in problems(doc)
    doc["omitted"] = [BASE["omitted"][0]] * 2
    assert "omitted.1.id" in problems(doc)


def test_answers_list_what_is_omitted_and_the_unsure_figures_that_gave_points():
    answer = run(draft(), owned_months=70, rented_months=0, fines=1).to_dict()
    assert answer["omitted"] == [{"id": "education", "label": _label("Education"),
                                  "reason": _label("value not found")}]
    assert any(n["code"] == "may_understate" and "Education" in n["en"]
               for n in answer["notes"])
    # home (medium) gave 70; fines (high) is not listed
    assert answer["uncertain"] == [{"id": "home", "label": _label("home"), "points": 70,
                                    "confidence": "medium", "choice": False,
                                    "source": "test"}]
    none_given = run(draft(), owned_months=0, rented_months=60).to_dict()
    assert [u["points"] for u in none_given["uncertain"]] == [12]  # 60 x 0.2


@pytest.mark.parametrize("owned,rented,eligible,failed", [
    (60, 0, True, []),     # the first alternative alone: 60 >= 60
    (0, 60, True, []),     # the second alone
    (59, 59, False, ["home_60"]),  # neither; the two are not added
    (120, 120, True, []),
])
def test_any_of_passes_when_one_alternative_passes(owned, rented, eligible, failed):
    result = run(draft(), owned_months=owned, rented_months=rented)
    assert result.eligible is eligible
    assert [g.id for g in result.gates if not g.passed] == failed


def test_any_of_alternatives_are_checked_against_the_fields():
    doc = copy.deepcopy(BASE)
    doc["gates"][0]["of"][1]["input"] = "no_such_field"
    assert any(p.startswith("gates.0(home_60).of.1(rented_60).input") for p in problems(doc))
    doc = copy.deepcopy(BASE)
    doc["gates"][0]["of"] = doc["gates"][0]["of"][:1]
    assert "Length must be between 2 and 8." in problems(doc)["gates.0(home_60).of"]


RANKED = {"kind": "quota", "pass_mark": "none", "quota": 10000, "cutoffs": {2023: 304},
          "expected_applicants": 30000, **SRC}


def test_a_scheme_with_no_pass_mark_answers_passes_null_with_the_published_line():
    policy = draft(threshold=RANKED)
    answer = run(policy, owned_months=400, rented_months=0).to_dict()
    assert answer["passes"] is None and answer["total"] == 400
    assert answer["threshold"] == 304 and answer["threshold_estimated"] is True
    assert answer["notes"][0]["code"] == "no_pass_mark"
    assert tally(policy, parser_of(policy).parse(
        {"owned_months": 400, "rented_months": 0}, AS_OF), AS_OF)[1] is None


def test_no_pass_mark_and_no_published_cutoff_gives_no_line():
    policy = draft(threshold={**RANKED, "cutoffs": {}})
    answer = run(policy, owned_months=70, rented_months=0).to_dict()
    assert answer["threshold"] is None and answer["margin"] is None
    assert answer["passes"] is None


def test_a_quota_with_a_pass_mark_still_needs_cutoffs_and_a_fixed_one_has_no_pass_mark():
    doc = copy.deepcopy(BASE)
    doc["threshold"] = {**RANKED, "pass_mark": "cutoff", "cutoffs": {}}
    assert "threshold.cutoffs" in problems(doc)
    doc["threshold"] = {"kind": "fixed", "points": 1, "pass_mark": "none", **SRC}
    assert "threshold.pass_mark" in problems(doc)


def test_every_shipped_figure_says_where_it_comes_from():
    shipped = load_policy_dir(POLICIES)
    for policy in shipped.all():
        items = [*policy.spec["criteria"], *policy.spec["gates"], policy.spec["threshold"]]
        for item in items:
            assert item["source"] and item["confidence"] in ("high", "medium", "low"), \
                (policy.file, item.get("id", "threshold"))


FIRST_GIVEN_FIELDS = {
    "since_2014": {"type": "integer", "unit": "month", "min": 0, "required": False,
                   "label": _label("since 2014")},
    "months": {"type": "integer", "unit": "month", "min": 0, "label": _label("months")},
}


def first_given(of):
    doc = copy.deepcopy(BASE)
    doc["fields"].update(FIRST_GIVEN_FIELDS)
    doc["facts"] = {"counted": {"kind": "first_given", "of": of}}
    doc["gates"] = [{"id": "counted_36", "kind": "range", "input": "counted", "min": 36,
                     "label": _label("36"), "reason": _label("< 36"), **SRC}]
    return doc


@pytest.mark.parametrize("given,eligible", [
    ({"since_2014": 36, "months": 10}, True),   # given: 36 counts, not the 10 months
    ({"since_2014": 35, "months": 99}, False),  # given: 35, though 99 months in all
    ({"months": 36}, True),                     # left out: the months, 36
    ({"months": 35}, False),
])
def test_first_given_takes_the_first_field_the_application_gives(given, eligible):
    policy = load_inline_policy(first_given(["since_2014", "months"]), TIERS)
    result = run(policy, owned_months=0, rented_months=0, **given)
    assert result.eligible is eligible


@pytest.mark.parametrize("of,why", [
    (["months", "since_2014"], "always has a value"),     # a required field first
    (["since_2014", "no_such"], "not a declared number field"),
    (["since_2014", "since_2014_b"], "not a declared number field"),
])
def test_first_given_is_refused_when_a_later_field_could_never_be_used(of, why):
    found = problems(first_given(of))
    assert any(why in message for message in found.values()), found
