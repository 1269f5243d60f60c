"""GET /v1/policies, /v1/policies/{city} and the diff between two versions."""

from __future__ import annotations

import datetime as dt

from flask_smorest import Blueprint

from service.policy.applicant import parser_of
from service.policy.diff import diff_policies

from .context import request_policies
from .operations import operation
from .schemas import DiffQuery, PolicyList, PolicyQuery
from .scoring import documented, json_response

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
                item[key] = int(value) if value == int(value) else float(value)
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
@blp.alt_response(200, schema=PolicyList, description="Every city and its versions.")
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


@blp.route("/<city>", methods=["GET"])
@blp.arguments(PolicyQuery, location="query")
@blp.doc(**operation("getPolicy"),
         responses={"200": {"description": "The resolved policy and the form it asks for."},
                    "404": documented("Problem", "Unknown city or version."),
                    "422": documented("Problem", "No version in force on that date, or a "
                                                 "bad query.")})
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
@blp.doc(**operation("diffPolicies"),
         responses={"200": {"description": "Criteria, gates, threshold and fields that changed."},
                    "404": documented("Problem", "Unknown city or version."),
                    "422": documented("Problem", "A bad query.")})
def diff(query, city):
    """What changed between two versions: added, removed and changed entries per section."""
    registry = request_policies()
    old = registry.resolve(city, dt.date.today(), query["from_"])
    new = registry.resolve(city, dt.date.today(), query["to"])
    return json_response(diff_policies(old, new))
