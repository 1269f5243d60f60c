"""Every numeric input has a maximum: its own `max`, else its tier's input limit for its unit.

The loader refuses a numeric field with neither; both applicant parsers (the fast path
and the marshmallow reference) refuse a value above the effective maximum, naming the
field; the form of GET /v1/policies/{city} shows it; a draft policy without maxima is
refused by POST /v1/simulate.
"""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from conftest import POLICIES, bearer
from support import TIER, city_doc, label, write_dir

from service.policy.applicant import parser_of
from service.policy.errors import ApplicantInvalid, PolicyInvalid
from service.policy.loader import load_policy_dir
from service.policy.yaml_io import load_yaml

FILE = "cities/testcity/1.yaml"
LIMITS = {"max": {"month": 1200, "year": 100, "item": 1000, "point": 1000, "ratio": 100},
          "source": "test bounds", "confidence": "high"}
LIMITED_TIER = {**TIER, "input_limits": LIMITS}
UNLIMITED_TIER = {k: v for k, v in TIER.items() if k != "input_limits"}
AS_OF = "2024-06-30"
TIANJIN = {"birth_date": "1990-01-01", "gender": "female", "residence_permit": True,
           "stable_residence": True, "social_insurance_months": 60,
           "social_insurance_consecutive_months": 60}


def problems_of(tmp_path, doc, tier=LIMITED_TIER) -> list[tuple[str, str, str]]:
    root = write_dir(tmp_path / "p", [doc], tier)
    with pytest.raises(PolicyInvalid) as caught:
        load_policy_dir(root)
    return [(p.file, p.path, p.message) for p in caught.value.problems]


def loaded(tmp_path, doc, tier=LIMITED_TIER):
    return load_policy_dir(write_dir(tmp_path / "p", [doc], tier)).cities["testcity"][0]


def count_field(**spec) -> dict:
    return {"m": {"type": "integer", "label": label("m"), "min": 0, **spec}}


# The loader ---------------------------------------------------------------------------

def test_a_numeric_field_without_max_or_unit_is_refused(tmp_path):
    [(file, path, message)] = problems_of(tmp_path, city_doc(fields=count_field()))
    assert (file, path) == (FILE, "fields.m.max")
    assert "no `max` and no `unit`" in message and "month" in message


def test_a_unit_the_tier_does_not_limit_is_refused(tmp_path):
    [(file, path, message)] = problems_of(tmp_path, city_doc(fields=count_field(unit="cny")))
    assert (file, path) == (FILE, "fields.m.max")
    assert "'cny'" in message


def test_a_tier_without_input_limits_limits_nothing(tmp_path):
    doc = city_doc(fields=count_field(unit="month"))
    [(file, path, message)] = problems_of(tmp_path, doc, tier=UNLIMITED_TIER)
    assert (file, path) == (FILE, "fields.m.max")
    assert "sets no input limits" in message


def test_the_effective_maximum_is_the_fields_own_else_the_tiers(tmp_path):
    fields = {**count_field(unit="month"),
              "k": {"type": "number", "label": label("k"), "unit": "point", "max": 5},
              "g": {"type": "integer", "label": label("g"), "min": 1, "max": 9}}
    policy = loaded(tmp_path, city_doc(fields=fields))
    assert (policy.fields["m"].max, policy.fields["m"].max_from) == (1200, "tier")
    assert (policy.fields["k"].max, policy.fields["k"].max_from) == (5, "field")
    assert (policy.fields["g"].max, policy.fields["g"].max_from) == (9, "field")
    # the document (and so the hash) is the files' content: no `max` was added to it
    assert "max" not in policy.document["fields"]["m"]


def test_min_and_default_must_lie_within_the_maximum(tmp_path):
    fields = {"m": {"type": "integer", "label": label("m"), "unit": "year", "min": 101},
              "d": {"type": "integer", "label": label("d"), "unit": "item", "required": False,
                    "default": 1001}}
    found = {path: message for _, path, message in problems_of(tmp_path,
                                                              city_doc(fields=fields))}
    assert set(found) == {"fields.m.min", "fields.d.default"}
    assert "100" in found["fields.m.min"] and "1000" in found["fields.d.default"]


def test_the_tier_input_limits_are_checked(tmp_path):
    tier = {**TIER, "input_limits": {"max": {"fortnight": 3}, "source": "x",
                                     "confidence": "certain"}}
    root = write_dir(tmp_path / "p", [city_doc()], tier)
    with pytest.raises(PolicyInvalid) as caught:
        load_policy_dir(root)
    paths = {p.path for p in caught.value.problems if p.file == "tiers/mega.yaml"}
    assert any(p.startswith("input_limits.max") for p in paths)
    assert "input_limits.confidence" in paths


def test_every_shipped_numeric_field_has_a_maximum():
    shipped = load_policy_dir(POLICIES)
    for policy in shipped.all():
        for spec in policy.fields.values():
            if spec.type in ("integer", "number"):
                assert spec.max is not None, (policy.file, spec.path)
    tianjin = next(p for p in shipped.cities["tianjin"] if p.version == "2022.1").fields
    assert tianjin["invention_patents"].max == 1000
    assert tianjin["social_insurance_months"].max == 1200
    assert tianjin["local_knowledge_score"].max == 100  # its own


# The parsers ---------------------------------------------------------------------------

def tianjin_policy():
    return next(p for p in load_policy_dir(POLICIES).cities["tianjin"] if p.version == "2022.2")


@pytest.mark.parametrize("path,value,accepted", [
    ("false_information_5y", 1000, True),
    ("false_information_5y", 1001, False),
    ("false_information_5y", 2**63 - 1, False),
    ("false_information_5y", 1000.0, True),
    ("housing_fund_months", 1200, True),
    ("housing_fund_months", 1201, False),
])
def test_both_parsers_agree_at_the_maximum(path, value, accepted):
    parser = parser_of(tianjin_policy())
    applicant = {**TIANJIN, path: value}
    fast = parser.fast(applicant)
    reference, errors = parser.load(applicant)
    assert (fast is not None) == accepted
    assert (not errors) == accepted
    if accepted:
        assert fast == reference and fast[path] == value
    else:
        [message] = errors[f"applicant.{path}"]
        assert "less than or equal to" in message


def test_parse_names_the_field_and_says_the_maximum():
    parser = parser_of(tianjin_policy())
    with pytest.raises(ApplicantInvalid) as caught:
        parser.parse({**TIANJIN, "false_information_5y": 2**63 - 1}, dt.date(2024, 6, 30))
    assert caught.value.errors == {"applicant.false_information_5y": [
        "Must be greater than or equal to 0 and less than or equal to 1000."]}


# The API -------------------------------------------------------------------------------

def score(client, applicant, city="tianjin"):
    return client.post("/v1/score", json={"city": city, "as_of": AS_OF,
                                          "applicant": applicant}, headers=bearer("bureau"))


def test_a_huge_count_is_a_422_naming_the_field(client):
    resp = score(client, {**TIANJIN, "false_information_5y": 9223372036854775807})
    assert resp.status_code == 422
    problem = resp.get_json()
    assert list(problem["errors"]) == ["applicant.false_information_5y"]
    assert "1000" in problem["errors"]["applicant.false_information_5y"][0]


def test_exactly_the_maximum_scores_and_one_more_does_not(client):
    resp = score(client, {**TIANJIN, "false_information_5y": 1000})
    assert resp.status_code == 200
    # insurance 36 x 22/12 + 24 x 28/12 = 66 + 56; age 33 on 2023-12-31: 10; 1000 x -30
    assert resp.get_json()["total"] == 66 + 56 + 10 - 30000
    resp = score(client, {**TIANJIN, "false_information_5y": 1001})
    assert resp.status_code == 422
    assert list(resp.get_json()["errors"]) == ["applicant.false_information_5y"]


def test_a_batch_item_above_the_maximum_fails_alone(client):
    items = [{"city": "tianjin", "as_of": AS_OF,
              "applicant": {**TIANJIN, "false_information_5y": n}} for n in (1000, 2**63 - 1)]
    out = client.post("/v1/score/batch", json=items, headers=bearer("bureau")).get_json()
    assert out["failed"] == 1
    assert out["results"][1]["status"] == 422
    assert list(out["results"][1]["errors"]) == ["applicant.false_information_5y"]


def test_the_form_shows_the_effective_maximum(client):
    resp = client.get("/v1/policies/tianjin", query_string={"as_of": AS_OF})
    assert resp.status_code == 200
    form = {item["path"]: item for item in resp.get_json()["form"]}
    assert form["false_information_5y"]["max"] == 1000
    assert form["social_insurance_months"]["max"] == 1200
    assert form["housing_fund_months"]["max"] == 1200
    for item in form.values():
        if item["type"] in ("integer", "number"):
            assert "max" in item, item["path"]


def test_a_draft_policy_without_a_maximum_is_refused_by_simulate(client):
    doc = load_yaml((POLICIES / "cities" / "xian" / "2024.1.yaml").read_text())
    doc["version"] = "draft"
    doc["fields"]["awards"] = {"type": "integer", "label": label("awards"), "min": 0}
    doc["fields"]["days_abroad"] = {"type": "integer", "label": label("days"), "unit": "day"}
    resp = client.post("/v1/simulate", json={
        "city": "xian", "as_of": AS_OF, "population": [],
        "candidate": {"policy": yaml.safe_dump(doc, allow_unicode=True)}},
        headers=bearer("admin"))
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert set(errors) == {"candidate.policy.fields.awards.max",
                           "candidate.policy.fields.days_abroad.max"}


@pytest.mark.parametrize("per,message", [(1e-320, "decimal places"), ("0.0000001", "decimal"),
                                         (1e12, "between")])
def test_a_draft_figure_too_fine_or_too_large_is_refused_not_a_500(client, per, message):
    """A `per` of 1e-320 made the exact division overflow its precision (a 500)."""
    doc = load_yaml((POLICIES / "cities" / "xian" / "2024.1.yaml").read_text())
    doc["version"] = "draft"
    residence = next(c for c in doc["criteria"] if c["id"] == "residence_years")
    residence["per"] = per
    resp = client.post("/v1/simulate", json={
        "city": "xian", "as_of": AS_OF, "population": [{
            "birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
            "criminal_record": [], "local_knowledge_score": 86}],
        "candidate": {"policy": yaml.safe_dump(doc, allow_unicode=True)}},
        headers=bearer("admin"))
    assert resp.status_code == 422, resp.get_json()
    errors = resp.get_json()["errors"]
    key = next(k for k in errors if k.endswith(".per"))
    assert message in " ".join(errors[key])
