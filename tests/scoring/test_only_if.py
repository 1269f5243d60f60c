"""The only_if kind: a criterion's points count only while a condition holds. Built on a
draft of Shanghai 2018.1 whose title points are conditioned, as the 2018 rules say (a
title scores only if the insurance base was at least the average wage), on
`social_insurance_base_ratio` >= 1."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import POLICIES
from test_vector_twin import both_reports, population

from service.policy.applicant import parser_of
from service.policy.errors import PolicyInvalid
from service.policy.loader import load_inline_policy, load_policy_dir
from service.policy.yaml_io import load_yaml
from service.scoring.engine import score
from service.scoring.vector import VectorPolicy

SHIPPED = load_policy_dir(POLICIES)
AS_OF = dt.date(2024, 6, 30)
TITLE_ONLY_IF = {
    "id": "title", "kind": "only_if",
    "label": {"zh": "专业技术职称", "en": "Professional title"},
    "condition": {"input": "social_insurance_base_ratio", "min": 1},
    "then": {"id": "title_points", "kind": "lookup", "input": "professional_title",
             "label": {"zh": "职称分值", "en": "Title points"},
             "table": {"senior": 140, "intermediate": 100}},
}


def draft(condition=None):
    doc = load_yaml((POLICIES / "cities" / "shanghai" / "2018.1.yaml").read_text())
    doc["version"] = "draft"
    criterion = next(c for c in doc["criteria"] if c["id"] == "title_or_skill")
    conditioned = {**TITLE_ONLY_IF, "condition": condition or TITLE_ONLY_IF["condition"]}
    criterion["of"] = [conditioned if alt["id"] == "title" else alt for alt in criterion["of"]]
    return load_inline_policy(doc, SHIPPED.tiers)


def applicant(**overrides) -> dict:
    """Born 1990-06-30, a permit, 6 months insured, no education (as the Shanghai cases)."""
    base = {"birth_date": "1990-06-30", "residence_permit": True, "social_insurance_months": 6,
            "education": {"level": "none", "diploma": False, "degree": False}}
    return {**base, **overrides}


def title_points(policy, title: str, ratio, skill=0) -> float:
    person = applicant(professional_title=title, skill_grade=skill,
                       social_insurance_base_ratio=ratio)
    result = score(policy, parser_of(policy).parse(person, AS_OF), AS_OF)
    return next(b["points"] for b in result.to_dict()["breakdown"]
                if b["criterion"] == "title_or_skill")


@pytest.mark.parametrize("title,ratio,skill,points", [
    ("senior", 1.3, 0, 140),        # condition met: 1.3 >= 1, senior 140
    ("senior", 1, 0, 140),          # exactly 1 meets "at least the average wage"
    ("senior", 0.99, 0, 0),         # below: the title scores 0
    ("intermediate", 0.5, 3, 60),   # title 0 by the condition; skill grade 3 gives 60
    ("intermediate", 2, 3, 100),    # title 100 beats skill 60
    ("none", 3, 0, 0),              # no title: nothing to count, condition or not
])
def test_points_count_only_while_the_condition_holds(title, ratio, skill, points):
    assert title_points(draft(), title, ratio, skill) == points


def test_the_rule_says_the_condition_in_both_languages():
    policy = draft()
    person = applicant(professional_title="senior", social_insurance_base_ratio=1.2)
    result = score(policy, parser_of(policy).parse(person, AS_OF), AS_OF)
    rule = next(b for b in result.to_dict()["breakdown"]
                if b["criterion"] == "title_or_skill")["rule_i18n"]
    assert "仅当" in rule["zh"] and "only if" in rule["en"] and "at least 1" in rule["en"]


@pytest.mark.parametrize("condition,path", [
    ({"input": "no_such_field", "min": 1}, "condition.input"),
    ({"input": "professional_title", "min": 1}, "condition.input"),  # an enum compared as a number
    ({"input": "social_insurance_base_ratio"}, "condition"),         # no test at all
])
def test_a_bad_condition_is_refused_naming_the_field(condition, path):
    with pytest.raises(PolicyInvalid) as caught:
        draft(condition)
    assert any(path in p.path for p in caught.value.problems), caught.value.problems


def test_columnar_equals_scalar_with_the_condition():
    current = next(p for p in SHIPPED.cities["shanghai"] if p.in_force(AS_OF))
    candidate = draft()
    VectorPolicy(candidate)  # columnar: it raises NotVectorisable otherwise
    expected, got = both_reports(current, candidate, population(current, 1200, seed=7), 300)
    assert got == expected
