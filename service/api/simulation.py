"""POST /v1/simulate: a population under the policy in force and a candidate policy."""

from __future__ import annotations

import io
import json

from flask_smorest import Blueprint

from service.policy.errors import PolicyInvalid
from service.policy.loader import load_inline_policy
from service.population import RowError, csv_chunks, csv_row_reader, rows_of
from service.scoring.simulate import Simulation

from .auth import require
from .context import request_policies
from .errors import ApiError, load_body
from .operations import operation, success
from .schemas import SimulateRequest
from .scoring import PROBLEMS, json_body, json_response
from .simulation_answers import SimulationReport

blp = Blueprint("simulate", __name__, url_prefix="/v1", description="Simulate draft policies.")
_schema = SimulateRequest()
MAX_DRAFT_BYTES = 256 * 1024  # of an inline candidate policy, as UTF-8 YAML or JSON


def _candidate(body: dict, registry, as_of):
    given = body["candidate"]
    if (given["version"] is None) == (given["policy"] is None):
        raise ApiError(422, "invalid_request", "Give the candidate as a version or a policy.",
                       {"candidate": ["Give exactly one of version and policy."]})
    if given["version"] is not None:
        return registry.resolve(body["city"], as_of, given["version"])
    _check_draft_size(given["policy"])
    try:
        return load_inline_policy(given["policy"], registry.policies.tiers,
                                  name="candidate.policy")
    except PolicyInvalid as exc:
        errors: dict[str, list[str]] = {}
        for problem in exc.problems:
            key = f"candidate.policy.{problem.path}" if problem.path else "candidate.policy"
            errors.setdefault(key, []).append(problem.message)
        raise ApiError(422, "invalid_policy", "The candidate policy does not validate.",
                       errors) from None


def _check_draft_size(policy) -> None:
    """A draft is a few kilobytes; a larger one is refused before it is parsed."""
    text = policy if isinstance(policy, str) else json.dumps(policy, ensure_ascii=False)
    size = len(text.encode("utf-8", "surrogatepass"))  # JSON may carry lone surrogates
    if size > MAX_DRAFT_BYTES:
        raise ApiError(413, "draft_too_large", "The candidate policy is too large.",
                       {"candidate.policy": [f"At most {MAX_DRAFT_BYTES} bytes "
                                             f"({MAX_DRAFT_BYTES // 1024} KiB); this draft "
                                             f"has {size}."]})


def _rows(body: dict, fields: dict):
    given = [k for k in ("population", "population_csv", "population_ndjson")
             if body[k] is not None]
    if len(given) != 1:
        raise ApiError(422, "invalid_request", "Give the population one way.",
                       {"population": ["Give exactly one of population, population_csv and "
                                       "population_ndjson."]})
    kind = {"population": "json", "population_csv": "csv", "population_ndjson": "ndjson"}
    return rows_of(body[given[0]], kind[given[0]], fields)


@blp.route("/simulate", methods=["POST"])
@blp.doc(**operation("simulatePolicy", "simulate"),
         requestBody={"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/SimulateRequest"}}}},
    responses=PROBLEMS)
@success(blp, SimulationReport, description="Both policies' pass rates, distributions, mean "
                                            "points per criterion, flips and row errors.",
         policies=True)
@require("simulate")
def simulate():
    """Score a population under the policy in force and a candidate, and compare."""
    registry = request_policies()
    body = load_body(_schema, json_body(), "SimulateRequest")
    as_of = body["as_of"]
    current = registry.resolve(body["city"], as_of, body["current_version"])
    candidate = _candidate(body, registry, as_of)
    simulation = Simulation(current, candidate, as_of)
    fields = {**current.fields, **candidate.fields}
    rows = _rows(body, fields)
    if body["population_csv"] is not None:  # the vectorised twin takes the plain rows
        for header, chunk, first in csv_chunks(io.StringIO(body["population_csv"])):
            simulation.add_csv_chunk(header, chunk, first, csv_row_reader(header, fields))
        rows = ()
    for number, row in rows:
        if isinstance(row, RowError):
            simulation.unreadable(number, str(row))
        else:
            simulation.add(number, row)
    return json_response(simulation.report())
