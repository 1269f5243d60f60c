"""POST /v1/simulate: a population under the policy in force and a candidate policy."""

from __future__ import annotations

import base64
import binascii
import io
import json

import pyarrow as pa
from flask import current_app
from flask_smorest import Blueprint

from service.policy.errors import PolicyInvalid
from service.policy.loader import load_inline_policy
from service.population import RowError, rows_of
from service.population_arrow import ParquetColumnUnreadable, ParquetTooLarge
from service.scoring.simulate import Simulation
from service.simulate_files import simulate_csv_text, simulate_parquet

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
MAX_PARQUET_ROWS = 1_000_000  # a Parquet population's rows, read from its footer
MAX_PARQUET_BYTES = 128 << 20  # its columns once decompressed: 4 times the largest body
POPULATION_KINDS = {"population": "json", "population_csv": "csv",
                    "population_ndjson": "ndjson", "population_parquet": "parquet"}


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


def _give_memory_back() -> None:
    """A web worker's pyarrow allocates with the system allocator, which returns a large
    freed block at once, instead of jemalloc, which keeps freed memory for reuse: one large
    population then does not stay resident in every worker that read one."""
    pa.set_memory_pool(pa.system_memory_pool())


_give_memory_back()


def _population_kind(body: dict) -> str:
    given = [k for k in POPULATION_KINDS if body[k] is not None]
    if len(given) != 1:
        raise ApiError(422, "invalid_request", "Give the population one way.",
                       {"population": ["Give exactly one of population, population_csv, "
                                       "population_ndjson and population_parquet."]})
    return given[0]


def _parquet(text: str) -> io.BytesIO:
    """The decoded Parquet file, refused (naming the field) when it is not base64, not
    Parquet, or would hold more than the service reads in one request."""
    import pyarrow.parquet as pq

    def refuse(status: int, code: str, title: str, message: str) -> ApiError:
        return ApiError(status, code, title, {"population_parquet": [message]})

    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise refuse(422, "invalid_request", "The Parquet population is not base64.",
                     "Not base64 (RFC 4648, standard alphabet).") from None
    try:
        metadata = pq.ParquetFile(io.BytesIO(data)).metadata
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise refuse(422, "invalid_request", "The population is not a Parquet file.",
                     f"Not a readable Parquet file: {str(exc)[:200]}") from None
    limit = current_app.config.get("MAX_PARQUET_ROWS", MAX_PARQUET_ROWS)
    if metadata.num_rows > limit:
        raise refuse(413, "body_too_large", "The Parquet population has too many rows.",
                     f"At most {limit:,} rows; this file holds {metadata.num_rows:,}.")
    unpacked = sum(metadata.row_group(i).total_byte_size
                   for i in range(metadata.num_row_groups))
    if unpacked > MAX_PARQUET_BYTES:
        raise refuse(413, "body_too_large", "The Parquet population is too large unpacked.",
                     f"At most {MAX_PARQUET_BYTES >> 20} MiB once decompressed.")
    return io.BytesIO(data)


def _from_file(body: dict, given: str, make) -> Simulation:
    """A CSV or Parquet population, read by pyarrow in blocks (service/simulate_files).
    pyarrow is imported when the app is made, so that its libraries are part of a
    worker's memory from the start rather than a jump on the first population."""

    if given == "population_csv":
        return simulate_csv_text(make, body[given], given)
    source = _parquet(body[given])
    try:
        return simulate_parquet(make, source, workers=1, text_budget=MAX_PARQUET_BYTES)
    except ParquetTooLarge as exc:
        raise ApiError(413, "body_too_large", "The Parquet population is too large unpacked.",
                       {"population_parquet": [f"Refused: {exc}."]}) from None
    except ParquetColumnUnreadable as exc:
        raise ApiError(422, "invalid_request", "A Parquet column cannot be read.",
                       {f"population_parquet.{exc.column}": [str(exc)]}) from None
    except (pa.ArrowException, OSError) as exc:
        raise ApiError(422, "invalid_request", "The Parquet population cannot be read.",
                       {"population_parquet": [str(exc)[:200]]}) from None


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
    given = _population_kind(body)

    def make():
        return Simulation(current, candidate, as_of)

    if given in ("population_csv", "population_parquet"):
        # a CSV the csv module cannot read on raises CsvUnreadable: a 422 naming the row
        return json_response(_from_file(body, given, make).report())
    simulation = make()
    for number, row in rows_of(body[given], POPULATION_KINDS[given], simulation.fields):
        if isinstance(row, RowError):
            simulation.unreadable(number, str(row))
        else:
            simulation.add(number, row)
    return json_response(simulation.report())
