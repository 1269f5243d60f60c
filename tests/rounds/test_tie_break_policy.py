"""The threshold's `ties` and `tie_break` as a policy file declares them, now that rounds
read them: each key a declared field or fact that orders, with an order; refused with a
problem naming `threshold.tie_break.<i>.key` (or the key at fault) otherwise."""

from __future__ import annotations

import pytest
from rounds_support import FIELDS
from support import city_doc, label, write_dir

from service.policy.errors import PolicyInvalid
from service.policy.loader import load_policy_dir

QUOTA = {"kind": "quota", "quota": 10, "cutoffs": {2020: 50}}
FACTS = {"years": {"kind": "years_since", "from": "joined", "on": "as_of"}}


def load(tmp_path, threshold: dict, fields: dict | None = None, facts: dict | None = None):
    doc = city_doc(fields=fields or {**FIELDS, "joined": {"type": "date",
                                                          "label": label("joined")}},
                   facts=facts or {}, threshold=threshold)
    return load_policy_dir(write_dir(tmp_path, [doc]), check_published=False)


def problems(tmp_path, threshold: dict, **kwargs) -> dict:
    with pytest.raises(PolicyInvalid) as caught:
        load(tmp_path, threshold, **kwargs)
    return {p.path: p.message for p in caught.value.problems}


def test_fields_and_facts_that_order_are_accepted(tmp_path):
    found = load(tmp_path, {**QUOTA, "ties": "tie_break", "tie_break": [
        {"key": "k", "order": "desc"}, {"key": "years", "order": "desc"},
        {"key": "joined", "order": "asc"}, {"key": "n", "order": "asc"}]}, facts=FACTS)
    policy = found.cities["testcity"][0]
    assert [t["key"] for t in policy.spec["threshold"]["tie_break"]] == \
        ["k", "years", "joined", "n"]
    assert {"k", "joined", "n"} <= set(policy.reads)  # read, so demanded of applicants


def test_the_default_is_admit_all_with_no_keys(tmp_path):
    threshold = load(tmp_path, dict(QUOTA)).cities["testcity"][0].spec["threshold"]
    assert threshold["ties"] == "admit_all" and threshold["tie_break"] == []


def test_an_unknown_key_is_named(tmp_path):
    found = problems(tmp_path, {**QUOTA, "ties": "tie_break", "tie_break": [
        {"key": "k", "order": "desc"}, {"key": "nope", "order": "asc"}]})
    assert list(found) == ["threshold.tie_break.1.key"]
    assert "'nope'" in found["threshold.tie_break.1.key"]


@pytest.mark.parametrize("key, why", [
    ("criminal_record", "records"),   # a list of records does not order
    ("ok", "optional with no default"),
])
def test_a_key_that_cannot_order_every_applicant_is_refused(tmp_path, key, why):
    fields = {**FIELDS, "joined": {"type": "date", "label": label("joined")},
              "ok": {"type": "boolean", "label": label("ok"), "required": False}}
    found = problems(tmp_path, {**QUOTA, "ties": "tie_break",
                                "tie_break": [{"key": key, "order": "asc"}]}, fields=fields)
    assert why in found["threshold.tie_break.0.key"]


def test_an_optional_date_is_refused(tmp_path):
    found = problems(tmp_path, {**QUOTA, "ties": "tie_break",
                                "tie_break": [{"key": "joined", "order": "asc"}]},
                     fields={**FIELDS, "joined": {"type": "date", "label": label("joined"),
                                                  "required": False, "default": "2000-01-01"}})
    assert "optional date" in found["threshold.tie_break.0.key"]


def test_ties_and_keys_go_together(tmp_path):
    assert "threshold.tie_break" in problems(tmp_path, {**QUOTA, "ties": "tie_break"})
    assert "threshold.ties" in problems(tmp_path, {**QUOTA, "tie_break": [
        {"key": "k", "order": "asc"}]})


def test_a_key_twice_and_a_bad_order_are_refused(tmp_path):
    found = problems(tmp_path, {**QUOTA, "ties": "tie_break", "tie_break": [
        {"key": "k", "order": "asc"}, {"key": "k", "order": "desc"}]})
    assert "named twice" in found["threshold.tie_break.1.key"]
    found = problems(tmp_path, {**QUOTA, "ties": "tie_break", "tie_break": [
        {"key": "k", "order": "up"}]})
    assert list(found) == ["threshold.tie_break.0.order"]
    found = problems(tmp_path, {**QUOTA, "ties": "tie_break", "tie_break": ["k"]})
    assert [p.rsplit("._schema", 1)[0] for p in found] == ["threshold.tie_break.0"]
