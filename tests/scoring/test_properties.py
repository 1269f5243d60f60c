"""Properties of the engine on the shipped policies, over generated applicants."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from conftest import POLICIES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import TEST_KEY

from service.policy.applicant import parser_of
from service.policy.loader import load_policy_dir
from service.scoring.engine import score

AS_OF = dt.date(2024, 6, 30)
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def shipped():
    return load_policy_dir(POLICIES)


def policy(shipped, city):
    return next(p for p in shipped.cities[city] if p.in_force(AS_OF))


dates = st.dates(min_value=dt.date(1960, 1, 1), max_value=AS_OF)
records = st.lists(st.fixed_dictionaries({
    "date": dates.map(dt.date.isoformat),
    "kind": st.sampled_from(["criminal", "administrative_detention"])}), max_size=4)


@st.composite
def xian_applicants(draw):
    born = draw(st.dates(min_value=dt.date(1960, 1, 1), max_value=dt.date(2006, 1, 1)))
    since = draw(st.dates(min_value=born, max_value=AS_OF))
    return {"birth_date": born.isoformat(), "residence_permit_since": since.isoformat(),
            "criminal_record": draw(records),
            "local_knowledge_score": draw(st.integers(0, 100) | st.floats(0, 100).map(
                lambda f: round(f, 2)))}


@st.composite
def beijing_applicants(draw):
    born = draw(st.dates(min_value=dt.date(1964, 1, 1), max_value=dt.date(2000, 1, 1)))
    work = max(0, (AS_OF.year - born.year - 17) * 12)
    insured = draw(st.integers(0, work))
    level = draw(st.sampled_from(["none", "associate", "bachelor", "master", "doctorate"]))
    overlap = draw(st.integers(0, min(insured, 72)))
    kind = draw(st.sampled_from([None, "sci_tech_award", "competition_award",
                                 "equity_financing"]))
    grade = None if kind is None else draw(st.integers(1, 3 if kind == "equity_financing"
                                                       else 9))
    return {
        "birth_date": born.isoformat(), "gender": draw(st.sampled_from(["male", "female"])),
        "residence_permit": draw(st.booleans()), "social_insurance_months": insured,
        "social_insurance_consecutive_months": draw(st.integers(0, insured)),
        "housing": {"owned_months": draw(st.integers(0, 300)),
                    "rented_months": draw(st.integers(0, 300))},
        "education": {"level": level, "diploma": draw(st.booleans()),
                      "degree": draw(st.booleans())},
        "study_overlap": {"social_insurance_months": overlap, "owned_months": 0,
                          "rented_months": 0},
        "job_residence_outside_core": {
            "home_and_work_outside_months": draw(st.integers(0, 80)),
            "home_outside_work_inside_months": draw(st.integers(0, 80))},
        "innovation": None if kind is None else {"kind": kind, "grade": grade},
        "tax_years_over_100k": draw(st.integers(0, 3)),
        "tax_violations": draw(st.integers(0, 2)), "honour": draw(st.booleans()),
        "criminal_record": draw(records),
    }


def run(policy, applicant, as_of=AS_OF):
    return score(policy, parser_of(policy).parse(applicant, as_of), as_of, TEST_KEY)


def check_sum_and_caps(policy, result):
    exact = sum(Fraction(b.ticks) / b.scale.denominator for b in result.breakdown)
    assert Fraction(result.total_exact) == exact
    assert abs(result.total - Decimal(exact.numerator) / Decimal(exact.denominator)) \
        <= Decimal("0.005")
    caps = {c["id"]: c.get("cap") for c in policy.document["criteria"]}
    for item in result.breakdown:
        if caps.get(item.criterion) is not None:
            assert abs(item.points) <= Decimal(str(caps[item.criterion]))


@SETTINGS
@given(applicant=xian_applicants())
def test_xian_total_is_the_sum_and_caps_hold(shipped, applicant):
    p = policy(shipped, "xian")
    check_sum_and_caps(p, run(p, applicant))


@SETTINGS
@given(applicant=beijing_applicants())
def test_beijing_total_is_the_sum_and_caps_hold(shipped, applicant):
    p = policy(shipped, "beijing")
    check_sum_and_caps(p, run(p, applicant))


@SETTINGS
@given(applicant=xian_applicants(), earlier=st.integers(1, 4000))
def test_more_residence_never_lowers_the_recommended_model_score(shipped, applicant, earlier):
    p = policy(shipped, "xian")
    since = dt.date.fromisoformat(applicant["residence_permit_since"])
    born = dt.date.fromisoformat(applicant["birth_date"])
    longer = {**applicant, "residence_permit_since":
              max(born, since - dt.timedelta(days=earlier)).isoformat()}
    assert run(p, longer).total >= run(p, applicant).total


@SETTINGS
@given(applicant=beijing_applicants(), seed=st.integers(0, 1000))
def test_same_input_same_decision_whatever_the_key_order(shipped, applicant, seed):
    p = policy(shipped, "beijing")

    def shuffled(value):
        if isinstance(value, dict):
            keys = list(value)
            random.Random(seed).shuffle(keys)
            return {k: shuffled(value[k]) for k in keys}
        return value

    a, b = run(p, applicant), run(p, shuffled(applicant))
    assert a.decision_id == b.decision_id and a.to_dict() == b.to_dict()


@SETTINGS
@given(applicant=beijing_applicants())
def test_tally_agrees_with_score(shipped, applicant):
    from service.scoring.engine import tally

    p = policy(shipped, "beijing")
    values = parser_of(p).parse(applicant, AS_OF)
    result = score(p, values, AS_OF)
    assert tally(p, values, AS_OF) == (result.eligible, result.passes, result.total,
                                       result.ticks)
