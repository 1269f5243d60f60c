"""POST /v1/what-if: the baseline, named scenarios with their deltas, the path to the threshold."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from service.policy.errors import ApplicantInvalid, PolicyNotFound
from service.scoring.answer import answer
from service.scoring.application import score_application, score_resolved
from service.scoring.changes import smallest_changes
from service.scoring.path import earliest_pass_date
from service.scoring.whatif import apply_changes, delta

from .auth import require
from .context import request_policies
from .errors import load_body
from .operations import operation, success
from .schemas import WhatIfRequest
from .scoring import PROBLEMS, json_body, json_response
from .whatif_answers import WhatIfAnswer

blp = Blueprint("whatif", __name__, url_prefix="/v1", description="What if, and what next.")
_schema = WhatIfRequest()


def _scenario(index: int, scenario: dict, body: dict, registry):
    where = f"scenarios.{index}"
    city = scenario["city"] or body["city"]
    as_of = scenario["as_of"] or body["as_of"]
    version = scenario["policy_version"]
    if version is None and city == body["city"]:
        version = body["policy_version"]
    try:
        policy = registry.resolve(city, as_of, version)
    except PolicyNotFound as exc:
        raise ApplicantInvalid({where: [str(exc)]}) from None
    applicant = apply_changes(body["applicant"], scenario["set"], scenario["add"],
                              policy.fields, where)
    return score_resolved(registry, policy, as_of, applicant,
                          current_app.extensions["decision_key"], pinned=version is not None,
                          prefix=f"{where}.applicant").result


def _no_mark(result) -> dict:
    """The path's answer where the scheme ranks with no pass mark: nothing to reach."""
    return {"date": None, "reason": "no_pass_mark", "gates": [], "total": float(result.total),
            "threshold": None if result.threshold is None else float(result.threshold),
            "words": {"zh": "本市按排名落户，没有合格分数线，因此没有可达到的分值。",
                      "en": "The city admits by rank with no pass mark: there is no line "
                            "to reach."}}


def _quota_notes(policy, result) -> list[dict]:
    if policy.threshold["kind"] != "quota" or result.threshold is None:
        return []
    return [{"code": "next_cutoff_unknown",
             "zh": f"未来年度的落户分值未知；按最近公布的分值{result.threshold}推算。",
             "en": f"The cutoff of coming rounds is unknown; the latest published cutoff, "
                   f"{result.threshold}, is used."}]


@blp.route("/what-if", methods=["POST"])
@blp.doc(**operation("whatIf", "score", anonymous=True),
         requestBody={"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/WhatIfRequest"}}}},
    responses=PROBLEMS)
@success(blp, WhatIfAnswer, description="Baseline, scenarios with deltas, path to the "
                                        "threshold.", policies=True, limited=True)
@require("score", anonymous=True)
def what_if():
    """Score the application, each scenario (up to 20), and the path to the threshold."""
    registry = request_policies()
    body = load_body(_schema, json_body(), "WhatIfRequest")
    as_of = body["as_of"]
    policy, values, baseline = score_application(
        registry, body["city"], as_of, body["applicant"], current_app.extensions["decision_key"],
        version=body["policy_version"])
    results, errors = [], {}
    for index, scenario in enumerate(body["scenarios"]):
        try:
            results.append((scenario["name"], _scenario(index, scenario, body, registry)))
        except ApplicantInvalid as exc:
            errors.update(exc.errors)
    if errors:
        raise ApplicantInvalid(errors)
    marked = baseline.passes is not None
    path = {
        "earliest_pass": earliest_pass_date(policy, values, as_of, body["horizon_years"])
        if marked else _no_mark(baseline),
        "horizon_years": body["horizon_years"],
        "changes": smallest_changes(policy, values, as_of, baseline) if marked else [],
        "threshold": None if baseline.threshold is None else float(baseline.threshold),
        "threshold_estimated": baseline.threshold_estimated,
        "notes": _quota_notes(policy, baseline),
    }
    return json_response({
        "baseline": answer(baseline),
        "scenarios": [{"name": name, "result": answer(result), "delta": delta(baseline, result)}
                      for name, result in results],
        "path_to_threshold": path,
    })
