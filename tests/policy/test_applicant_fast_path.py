"""The compiled fast path of the applicant parser agrees with the marshmallow schema.

For applicants generated from each shipped policy's own field declarations,
valid and broken alike: whenever the fast path answers, marshmallow loads the
same values without error; whenever marshmallow loads cleanly, the fast path
answers too (so the fast path is the one that runs in production).
"""

from __future__ import annotations

import pytest
from conftest import POLICIES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.policy.applicant import parser_of
from service.policy.loader import load_policy_dir

SHIPPED = load_policy_dir(POLICIES)
POLICY_LIST = [p for p in SHIPPED.all()]

junk = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True),
                 st.text(max_size=12), st.lists(st.integers(), max_size=2),
                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


def valid_value(spec):
    kind = spec.type
    if kind == "date":
        return st.dates().map(lambda d: d.isoformat())
    if kind in ("integer", "number"):
        low = int(spec.min) if spec.min is not None else -10
        high = int(spec.max) if spec.max is not None else 400
        ints = st.integers(low - 1, high + 1)
        if kind == "integer":
            return ints | ints.map(float)
        return ints | st.floats(low - 1, high + 1, allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "enum":
        return st.sampled_from(sorted(spec.values) + ["nope"])
    record = st.fixed_dictionaries({"date": st.dates().map(lambda d: d.isoformat()),
                                    "kind": st.sampled_from(sorted(spec.kinds) + ["x"])})
    return st.lists(record, max_size=3)


@st.composite
def applicants(draw, policy):
    out: dict = {}
    for path, spec in policy.fields.items():
        choice = draw(st.sampled_from(["valid"] * 8 + ["missing", "null", "junk"]))
        if choice == "missing":
            continue
        value = {"valid": None, "null": None, "junk": draw(junk)}[choice]
        if choice == "valid":
            value = draw(valid_value(spec))
        node = out
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    if draw(st.integers(0, 20)) == 0:
        out["unexpected"] = 1
    return out


@pytest.mark.parametrize("policy", POLICY_LIST, ids=[p.file for p in POLICY_LIST])
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_path_agrees_with_marshmallow(policy, data):
    parser = parser_of(policy)
    applicant = data.draw(applicants(policy))
    fast = parser.fast(applicant)
    reference, errors = parser.load(applicant)
    if fast is not None:
        assert errors == {} and fast == reference
    if not errors:
        assert fast == reference
