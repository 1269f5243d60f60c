"""One application scored: the one entry point every caller uses.

The API (`POST /v1/score`, each batch item, what-if's baseline and scenarios, hence the
calculator) and `hukou-points score` all call `score_application`, so an answer is the
same wherever it is computed, notes included.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from service.policy.applicant import parser_of
from service.policy.model import Policy

from .decision import DecisionKey
from .engine import score
from .result import ScoreResult


class Scored(NamedTuple):
    policy: Policy
    values: dict  # the applicant as parsed (what the engine read, before derived facts)
    result: ScoreResult


def score_application(policies, city: str, as_of: dt.date, applicant: dict,
                      key: DecisionKey, *, version: str | None = None,
                      prefix: str = "applicant") -> Scored:
    """Resolve the policy (`version` pinned, else the one in force on `as_of`), parse the
    applicant (errors keyed under `prefix`), score, and add the notes the answer needs.

    `policies` is what resolves a city (a registry, or the one view a request holds).
    Raises PolicyNotFound or ApplicantInvalid, which callers turn into their answers."""
    policy = policies.resolve(city, as_of, version)
    return score_resolved(policies, policy, as_of, applicant, key, pinned=version is not None,
                          prefix=prefix)


def score_resolved(policies, policy: Policy, as_of: dt.date, applicant: dict,
                   key: DecisionKey, *, pinned: bool, prefix: str = "applicant") -> Scored:
    """score_application for a caller that has resolved the policy already (what-if's
    scenarios need its fields first); `pinned`: the request named the version."""
    values = parser_of(policy).parse(applicant, as_of, prefix=prefix)
    result = score(policy, values, as_of, key)
    if pinned and not policy.in_force(as_of):
        result.notes.append(version_not_in_force(policy, as_of))
    withdrawn = policies.withdrawal(policy)
    if withdrawn is not None:
        result.notes.append(version_withdrawn(policy, withdrawn))
    return Scored(policy, values, result)


def version_withdrawn(policy: Policy, withdrawn: dict) -> dict:
    """The note of a score under a withdrawn version (pinned, to reproduce a decision)."""
    new, reason = withdrawn["replaced_by"], withdrawn["reason"]
    return {"code": "version_withdrawn",
            "zh": f"版本{policy.version}已撤回，由版本{new}取代：{reason['zh']}",
            "en": f"Version {policy.version} is withdrawn and replaced by {new}: "
                  f"{reason['en']}"}


def version_not_in_force(policy: Policy, as_of: dt.date) -> dict:
    day = as_of.isoformat()
    return {"code": "version_not_in_force",
            "zh": f"指定的版本{policy.version}在{day}并不施行。",
            "en": f"The pinned version {policy.version} is not in force on {day}."}
