"""Decision ids are keyed: stable for one key, different under another, and not an
unkeyed hash of the applicant's values that anyone could recompute from a guess."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from conftest import bearer, make_app

from service.policy.applicant import parser_of
from service.scoring.decision import DecisionKey
from service.scoring.engine import decision_material

APPLICANT = {"birth_date": "1977-03-29", "residence_permit_since": "2003-11-17",
             "criminal_record": [], "local_knowledge_score": 73}
BODY = {"city": "xian", "as_of": "2024-06-30", "applicant": APPLICANT}


def decision(app, body=BODY) -> str:
    answer = app.test_client().post("/v1/score", json=body, headers=bearer("bureau"))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["decision_id"]


@pytest.fixture(scope="module")
def keyed(keys_file):
    return [make_app(keys_file, DECISION_KEY=key) for key in
            ("deployment-key-one-0123456789", "deployment-key-one-0123456789",
             "deployment-key-two-0123456789")]


def test_same_key_same_input_same_id_in_another_process(keyed):
    first, same, _ = keyed
    assert decision(first) == decision(first) == decision(same)
    assert len(decision(first)) == 32


def test_another_key_gives_another_id(keyed):
    first, _, other = keyed
    assert decision(first) != decision(other)


def test_the_id_still_tells_inputs_apart(keyed):
    first = keyed[0]
    older = {**BODY, "applicant": {**APPLICANT, "birth_date": "1977-03-30"}}
    assert decision(first) != decision(first, older)
    assert decision(first) != decision(first, {**BODY, "as_of": "2024-07-01"})


def test_a_logged_id_does_not_give_the_birth_date_away(keyed):
    """The attack that worked on unkeyed ids: try every birth date of a decade through the
    engine's own canonical form, hashed with plain SHA-256 as the ids used to be. Without
    the key, no guess gives the logged id (with the unkeyed ids, the true date did)."""
    app = keyed[0]
    logged = decision(app)
    day = dt.date(2024, 6, 30)
    policy = app.extensions["policies"].resolve("xian", day)
    found = []
    for offset in range(3653):
        born = (dt.date(1970, 1, 1) + dt.timedelta(days=offset)).isoformat()
        values = parser_of(policy).parse({**APPLICANT, "birth_date": born}, day)
        guess = hashlib.sha256(decision_material(policy, values, day).encode()).hexdigest()
        if guess[:32] == logged:
            found.append(born)
    assert found == []
    true_values = parser_of(policy).parse(APPLICANT, day)
    assert decision_material(policy, true_values, day).count("1977-03-29") == 1


def test_unset_key_is_made_at_start_and_never_shown(keys_file):
    app = make_app(keys_file, DECISION_KEY=None)
    key = app.extensions["decision_key"]
    assert key.generated and "generated=True" in repr(key)
    assert decision(app) == decision(app)
    assert decision(app) != decision(make_app(keys_file, DECISION_KEY=None))


def test_a_short_key_is_refused_at_start(keys_file):
    with pytest.raises(ValueError, match="HUKOU_DECISION_KEY"):
        make_app(keys_file, DECISION_KEY="short")


def test_key_object_digest_is_hmac_sha256():
    import hmac

    key = DecisionKey(b"0123456789abcdef-key")
    expected = hmac.new(b"0123456789abcdef-key", b"material", hashlib.sha256).hexdigest()
    assert key.digest("material") == expected[:32]
