"""GET /v1/policies, /v1/policies/{city}, its applicant's JSON Schema and the diff between
two versions."""

from __future__ import annotations

import datetime as dt

from flask import request
from flask_smorest import Blueprint

from service.policy.applicant import parser_of
from service.policy.diff import diff_policies

from .applicant_schema import applicant_schema, number
from .context import request_policies
from .operations import operation, problems, success
from .policy_answers import ApplicantSchemaAnswer, PolicyDetail, PolicyDiff, PolicyList
from .schemas import DiffQuery, PolicyQuery
from .scoring import json_response

blp = Blueprint("policies", __name__, url_prefix="/v1/policies",
                description="The policies served: versions, hashes, contents, diffs.")


def _published(registry, policy) -> bool:
    return registry.policies.published.get(policy.city, {}).get(policy.version) == policy.sha256


def form_of(policy) -> list[dict]:
    """The inputs the policy reads, in declaration order: what a calculator must ask."""
    required = set(parser_of(policy).required)
    out = []
    for path in policy.reads:
        spec = policy.fields[path]
        item = {"path": path, "type": spec.type, "label": spec.label, "unit": spec.unit,
                "required": path in required, "default": spec.default}
        for key in ("min", "max"):
            value = getattr(spec, key)
            if value is not None:
                item[key] = number(value)
        if spec.values:
            item["values"] = [{"value": v, "label": label} for v, label in spec.values.items()]
        if spec.kinds:
            item["kinds"] = [{"value": v, "label": label} for v, label in spec.kinds.items()]
        if spec.help:
            item["help"] = spec.help
        out.append(item)
    return out


@blp.route("", methods=["GET"])
@blp.doc(**operation("listPolicies"))
@success(blp, PolicyList, description="Every city and its versions.", policies=True)
def list_policies():
    """Every city served, with its versions, effective dates and hashes."""
    registry = request_policies()
    cities = []
    for city, versions in sorted(registry.cities().items()):
        latest = versions[-1]
        cities.append({
            "city": city, "tier": latest.tier, "title": latest.document["title"],
            "versions": [{"version": p.version, "effective_from": p.effective_from.isoformat(),
                          "effective_to": p.effective_to and p.effective_to.isoformat(),
                          "sha256": p.sha256, "published": _published(registry, p),
                          "withdrawn": registry.withdrawal(p),
                          "file": p.file} for p in versions],
        })
    return json_response({"revision": registry.revision, "cities": cities})


# Policy reads take no key (a key sent is not even read) and are not rate-limited.
RESOLVE_PROBLEMS = problems(404, 422, s422="No version in force on that date, or a bad query.")


@blp.route("/<city>", methods=["GET"])
@blp.arguments(PolicyQuery, location="query")
@blp.doc(**operation("getPolicy"), responses=RESOLVE_PROBLEMS)
@success(blp, PolicyDetail, description="The resolved policy and the form it asks for.",
         policies=True)
def get_policy(query, city):
    """The resolved policy in force on `as_of` (default today), or the pinned `version`."""
    registry = request_policies()
    policy = registry.resolve(city, query["as_of"] or dt.date.today(), query["version"])
    return json_response({"policy": policy.ref, "published": _published(registry, policy),
                          "withdrawn": registry.withdrawal(policy),
                          "required": parser_of(policy).required,
                          "form": form_of(policy), "document": policy.document})


@blp.route("/<city>/diff", methods=["GET"])
@blp.arguments(DiffQuery, location="query")
@blp.doc(**operation("diffPolicies"), responses=problems(404, 422, s422="A bad query."))
@success(blp, PolicyDiff, description="Criteria, gates, threshold and fields that changed.",
         policies=True)
def diff(query, city):
    """What changed between two versions: added, removed and changed entries per section."""
    registry = request_policies()
    old = registry.resolve(city, dt.date.today(), query["from_"])
    new = registry.resolve(city, dt.date.today(), query["to"])
    return json_response(diff_policies(old, new))


@blp.route("/<city>/schema", methods=["GET"])
@blp.arguments(PolicyQuery, location="query")
@blp.doc(**operation("getApplicantSchema"), responses=RESOLVE_PROBLEMS)
@success(blp, ApplicantSchemaAnswer, policies=True,
         description="The JSON Schema (draft 2020-12) of the `applicant` this version takes: "
                     "validate an application with it before sending it.")
def applicant_json_schema(query, city):
    """The applicant form of the version in force on `as_of` (default today), or of the
    pinned `version`, as a JSON Schema: what POST /v1/score accepts as `applicant`."""
    registry = request_policies()
    policy = registry.resolve(city, query["as_of"] or dt.date.today(), query["version"])
    return json_response(applicant_schema(policy, f"{request.path}?version={policy.version}"))
