"""What-if scenarios and the path search stay within every field's maximum.

Adding 1e308 to a count used to give absurd or null totals; now every numeric field
has a maximum, and a scenario whose addition passes it is a 422 naming the scenario's
field. The smallest change the path proposes never exceeds the maximum either.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import bearer
from support import TIER, city_doc, label, score_values, write_dir

from service.policy.applicant import parser_of
from service.policy.loader import load_policy_dir
from service.scoring.changes import smallest_changes

TIANJIN = {"birth_date": "1990-01-01", "gender": "female", "residence_permit": True,
           "stable_residence": True, "social_insurance_months": 60,
           "social_insurance_consecutive_months": 60, "false_information_5y": 1,
           "housing_fund_months": 10, "residence": {"rented_months": 12}}


def what_if(client, scenarios, applicant=None, city="tianjin", as_of="2024-06-30"):
    body = {"city": city, "as_of": as_of, "applicant": applicant or TIANJIN,
            "scenarios": scenarios}
    return client.post("/v1/what-if", json=body, headers=bearer("bureau"))


def errors_of(resp) -> dict:
    assert resp.status_code == 422, resp.get_data(as_text=True)
    return resp.get_json()["errors"]


@pytest.mark.parametrize("path", ["false_information_5y", "housing_fund_months",
                                  "residence.rented_months"])
@pytest.mark.parametrize("amount", [1e308, 10**30, 2**63 - 1])
def test_adding_past_the_maximum_names_the_scenario_field(client, path, amount):
    errors = errors_of(what_if(client, [{"name": "huge", "add": {path: amount}}]))
    assert list(errors) == [f"scenarios.0.add.{path}"]
    assert "above the maximum" in errors[f"scenarios.0.add.{path}"][0]


def test_adding_below_the_minimum_names_the_scenario_field(client):
    errors = errors_of(what_if(client, [{"name": "less", "add": {"false_information_5y": -2}}]))
    assert list(errors) == ["scenarios.0.add.false_information_5y"]
    assert "below the minimum 0" in errors["scenarios.0.add.false_information_5y"][0]


def test_adding_up_to_the_maximum_is_scored(client):
    resp = what_if(client, [{"name": "many", "add": {"false_information_5y": 999}}])
    assert resp.status_code == 200, resp.get_json()
    scenario = resp.get_json()["scenarios"][0]
    assert scenario["delta"]["criteria"]["false_information"] == 999 * -30
    assert scenario["result"]["total"] is not None


@pytest.mark.parametrize("value", [1e308, 1001, 2**63 - 1])
def test_setting_past_the_maximum_names_the_scenario_field(client, value):
    errors = errors_of(what_if(client, [{"name": "set", "set": {"false_information_5y": value}},
                                        {"name": "fund", "set": {"housing_fund_months":
                                                                 value}}]))
    assert set(errors) == {"scenarios.0.applicant.false_information_5y",
                           "scenarios.1.applicant.housing_fund_months"}


def test_a_number_too_long_for_json_is_refused_not_scored(client):
    body = {"city": "tianjin", "as_of": "2024-06-30", "applicant": TIANJIN,
            "scenarios": [{"name": "x", "set": {"false_information_5y": 0}}]}
    raw = json.dumps(body).replace('"false_information_5y": 0}', '"false_information_5y": ' +
                                   "9" * 400 + "}")
    resp = client.post("/v1/what-if", data=raw, content_type="application/json",
                       headers=bearer("bureau"))
    assert 400 <= resp.status_code < 500  # the JSON parser refuses it (no 500, no null total)
    raw = raw.replace("9" * 400, "9" * 300)  # read as a float near 1e300
    errors = errors_of(client.post("/v1/what-if", data=raw, content_type="application/json",
                                   headers=bearer("bureau")))
    assert list(errors) == ["scenarios.0.applicant.false_information_5y"]


def test_the_path_never_proposes_more_than_the_maximum(tmp_path):
    """A count bounded only by its tier's limit (1000 items): 0.1 point an item cannot
    reach 110 points within it, so no change is proposed; 50 points can (500 items)."""
    tier = {**TIER, "input_limits": {"max": {"item": 1000}, "source": "test",
                                     "confidence": "high"}}
    fields = {"n": {"type": "integer", "label": label("n"), "min": 0, "unit": "item"}}
    criteria = [{"id": "items", "label": label("items"), "kind": "per_item", "input": "n",
                 "points": "0.1"}]
    as_of = dt.date(2024, 6, 30)
    for threshold, needed in ((110, None), (50, {"n": 500})):
        doc = city_doc(version=str(threshold), fields=fields, criteria=criteria,
                       threshold={"kind": "fixed", "points": threshold})
        root = write_dir(tmp_path / str(threshold), [doc], tier)
        policy = load_policy_dir(root).cities["testcity"][0]
        assert policy.fields["n"].max == 1000
        values = parser_of(policy).parse({"n": 0}, as_of)
        [entry] = smallest_changes(policy, values, as_of, score_values(policy, {"n": 0}))
        assert entry["needed"] == needed

