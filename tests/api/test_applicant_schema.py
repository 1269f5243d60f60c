"""GET /v1/policies/{city}/schema: each version's applicant as a JSON Schema (2020-12)
that says yes exactly where the service's applicant parser does, but for the rules
between fields (no date after the scoring date, a count within working life), which JSON
Schema cannot check and the schema states in words."""

from __future__ import annotations

import copy
import datetime as dt
import random

import jsonschema
import pytest
from conftest import POLICIES
from test_score_status import assert_problem

from service.api.applicant_schema import applicant_schema
from service.policy.applicant import parser_of
from service.policy.errors import ApplicantInvalid
from service.policy.loader import load_policy_dir
from service.synthetic import synthetic

AS_OF = dt.date(2024, 6, 30)
CROSS_FIELD = ("Is after ", "Is before ", "Is more than ")  # applicant.py's own rules
VERSIONS = [p for versions in load_policy_dir(POLICIES).cities.values() for p in versions]


def service_accepts(policy, applicant) -> bool:
    """The parser's verdict, its rules between fields left aside."""
    try:
        parser_of(policy).parse(applicant, AS_OF)
    except ApplicantInvalid as exc:
        return all(m.startswith(CROSS_FIELD) for ms in exc.errors.values() for m in ms)
    return True


def put(applicant: dict, path: str, value=None, delete: bool = False) -> dict:
    out = copy.deepcopy(applicant)
    node = out
    *parents, leaf = path.split(".")
    for part in parents:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    if delete:
        node.pop(leaf, None)
    else:
        node[leaf] = value
    return out


def wrong_values(spec) -> list:
    """Values of the wrong kind, or out of range, for a field."""
    out = ["1", True, {"x": 1}, [1]] if spec.type in ("integer", "number") else [5, False]
    if spec.type == "integer":
        out.append(1.5)
    if spec.max is not None:
        out.append(float(spec.max) + 1)
    if spec.min is not None:
        out.append(float(spec.min) - 1)
    out += {"date": ["2020-13-01", "2020-02-30", "1899-12-31", "2020-1-01", "20200101"],
            "enum": ["no_such_value", ""], "boolean": ["true", 0],
            "records": [[{"date": "2020-01-01", "kind": "no_such_kind"}],
                        [{"date": "2020-01-01"}], "none",
                        [{"date": "2020-01-01", "kind": next(iter(spec.kinds or {"k": 1})),
                          "extra": 1}]]}.get(spec.type, [])
    return out


def cases(policy, rng: random.Random):
    """Synthetic applicants of the city, and each one changed in every way that matters."""
    parser = parser_of(policy)
    for _ in range(4):
        base = synthetic(rng, policy.fields, AS_OF, policy.city)
        if base is None:
            pytest.skip(f"{policy.city} declares no synthetic population")
        yield base
        yield {**base, "no_such_field": 1}
        for path, spec in policy.fields.items():
            yield put(base, path, delete=True)
            yield put(base, path, None)
            if "." in path:
                group = path.split(".")[0]
                yield put(base, f"{group}.no_such_field", 1)
                yield put(base, group, None)
            if spec.default is not None and path not in parser.required:
                yield put(base, path, spec.default)
            for value in wrong_values(spec):
                yield put(base, path, value)
    yield []
    yield "applicant"


@pytest.mark.parametrize("policy", VERSIONS, ids=lambda p: f"{p.city}-{p.version}")
def test_the_schema_says_yes_exactly_where_the_service_does(policy):
    schema = applicant_schema(policy, f"/v1/policies/{policy.city}/schema")
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    checked = accepted = 0
    for applicant in cases(policy, random.Random(policy.sha256)):
        expected = service_accepts(policy, applicant)
        assert validator.is_valid(applicant) == expected, (applicant, expected)
        checked, accepted = checked + 1, accepted + expected
    assert checked > 100 and 0 < accepted < checked


def test_dotted_paths_nest_and_records_are_lists_of_date_and_kind(client):
    out = client.get("/v1/policies/beijing/schema?version=2020.1")
    assert out.status_code == 200 and out.headers["X-Policy-Revision"]
    schema = out.get_json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["x-policy"]["version"] == "2020.1" and schema["additionalProperties"] is False
    housing = schema["properties"]["housing"]
    assert housing["type"] == "object" and housing["additionalProperties"] is False
    assert "owned_months" in housing["properties"]
    record = schema["properties"]["criminal_record"]["items"]
    assert record["required"] == ["date", "kind"]
    assert set(record["properties"]) == {"date", "kind"}
    form = client.get("/v1/policies/beijing?version=2020.1").get_json()
    assert set(schema["required"]) == {path.split(".")[0] for path in form["required"]}


def test_a_date_picks_the_version_in_force_and_an_unknown_city_is_the_same_404(client):
    old = client.get("/v1/policies/beijing/schema?as_of=2019-05-01").get_json()
    assert old["x-policy"]["version"] == "2018.1"
    assert old["$id"] == "/v1/policies/beijing/schema?version=2018.1"
    missing, listed = client.get("/v1/policies/atlantis/schema"), \
        client.get("/v1/policies/atlantis")
    assert_problem(missing, 404)
    assert missing.get_json()["code"] == listed.get_json()["code"] == "unknown_city"
    assert_problem(client.get("/v1/policies/beijing/schema?version=9"), 404)
    assert_problem(client.get("/v1/policies/beijing/schema?as_of=tomorrow"), 422)
