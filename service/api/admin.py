"""POST /v1/admin/policies/reload: load the policy directory again, atomically."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from .auth import require
from .errors import problem
from .operations import operation, problems, success
from .ops_answers import ReloadAnswer
from .scoring import json_response

blp = Blueprint("admin", __name__, url_prefix="/v1/admin", description="Administration.")


@blp.route("/policies/reload", methods=["POST"])
@blp.doc(**operation("reloadPolicies", "admin"),
         responses=problems(401, 403, 413, 415, 429, 422, s422="A file is invalid (`errors` "
                            "by file and field); the last good set serves on (`revision`)."))
@success(blp, ReloadAnswer, description="The new set serves.",
         example={"revision": "622dbfa6a3ccf5ad", "count": 6})
@require("admin")
def reload_policies():
    """Reload every policy file; a bad file is refused with its errors and nothing changes.
    A new set is announced: every worker and every instance sharing Redis follows."""
    registry = current_app.extensions["policies"]
    outcome = current_app.extensions["policy_sync"].reload_and_announce()
    if not outcome.ok:
        errors: dict[str, list[str]] = {}
        for p in outcome.problems:
            errors.setdefault(f"{p.file}: {p.path}" if p.path else p.file, []).append(p.message)
        return problem(422, "invalid_policy",
                       "The policy directory has problems; the last good set still serves.",
                       errors, extra={"revision": outcome.revision})
    return json_response({"revision": outcome.revision,
                          "count": sum(len(v) for v in registry.cities().values())})
