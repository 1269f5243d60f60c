"""POST /v1/rounds/rank: a quota round over a population sent as JSON, NDJSON or CSV.

A CSV or NDJSON body is read as it arrives (a CSV in chunks through the engine's
vectorised twin), so a million rows are never held as Python objects; the answer is
written out in pieces as it is encoded."""

from __future__ import annotations

import io
import re

import orjson
from flask import Response, current_app, request
from flask_smorest import Blueprint
from marshmallow import ValidationError

from service.population import ndjson_rows
from service.scoring.cohort import MAX_ROWS, Cohort, CohortRefused
from service.scoring.rounds import rank_round

from .auth import require
from .context import request_policies
from .errors import ApiError, webargs_errors
from .operations import PROBLEMS, operation, success
from .rounds_answers import RoundAnswer, RoundParameters, RoundRequest
from .scoring import NDJSON, json_body

blp = Blueprint("rounds", __name__, url_prefix="/v1", description="Rank quota rounds.")

PATH = "/v1/rounds/rank"
CSV = ("text/csv",)
MEDIA_TYPES = frozenset({"application/json", *NDJSON, *CSV})  # service/api/__init__.py
_parameters = RoundParameters()
WHOLE = re.compile(r"-?[0-9]{1,12}")
QUERY = [{"name": name, "in": "query", "required": False, "schema": schema,
          "description": f"CSV and NDJSON bodies only (a JSON body holds it). {words}"}
         for name, schema, words in (
             ("city", {"type": "string"}, ""),
             ("as_of", {"type": "string", "format": "date"}, "The round's date."),
             ("quota", {"type": "integer", "minimum": 1}, "Places in the round."),
             ("policy_version", {"type": "string"}, "Pin a version."))]


def _load(given: dict, where: str) -> dict:
    try:
        return _parameters.load(given)
    except ValidationError as exc:
        raise ApiError(422, "invalid_request", f"The round's parameters do not fit ({where}).",
                       webargs_errors({"json": exc.messages})) from None


def _from_json(max_rows: int):
    """(parameters, population items) of a JSON body."""
    if request.args:
        raise ApiError(422, "invalid_request", "A JSON body holds the round's parameters.",
                       {"query": ["Give city, as_of, quota and policy_version in the body."]})
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_request", "The body must be a JSON object.",
                       {"body": ["Must be an object."]})
    population = body.get("population")
    params = _load({k: v for k, v in body.items() if k != "population"}, "RoundRequest")
    if not isinstance(population, list):
        raise ApiError(422, "invalid_request", "The request does not fit RoundRequest.",
                       {"population": ["Must be an array of {id, applicant}."]})
    if len(population) > max_rows:
        raise _too_many(max_rows)
    return params, population


def _from_query() -> dict:
    given = dict(request.args.items())
    if isinstance(given.get("quota"), str) and WHOLE.fullmatch(given["quota"]):
        given["quota"] = int(given["quota"])
    return _load(given, "query parameters")


def _too_many(max_rows: int) -> ApiError:
    return ApiError(413, "body_too_large", f"A round ranks at most {max_rows:,} rows.",
                    {"population": [f"At most {max_rows:,} rows."]})


def _refused(exc: CohortRefused, max_rows: int) -> ApiError:
    if exc.reason == "too_many_rows":
        return _too_many(max_rows)
    extra = {"duplicate_ids": list(exc.names[:1000])} if exc.names else None
    return ApiError(422, "invalid_request", exc.message, {exc.field: [exc.message]},
                    extra=extra)


def _lines():
    """The body as lines of text (UTF-8, a byte-order mark dropped), read as it comes."""
    return io.TextIOWrapper(io.BufferedReader(request.stream), encoding="utf-8-sig",
                            newline="")


def _stream(round_):
    """The answer as JSON, in pieces: the summary, then the ranking chunk by chunk."""
    head = orjson.dumps(round_.summary)
    yield head[:-1] + b',"ranking":['
    first = True
    for chunk in round_.entries():
        if chunk:
            yield (b"" if first else b",") + orjson.dumps(chunk)[1:-1]
            first = False
    yield b"]}"


@blp.route("/rounds/rank", methods=["POST"])
@blp.doc(**operation("rankRound", "batch"), parameters=QUERY, requestBody={
    "required": True, "content": {"application/json": {"schema": RoundRequest}}},
    responses=PROBLEMS)
@success(blp, RoundAnswer, description="The ranked round: the line at the quota, who is "
                                       "admitted and what decided each place.", policies=True)
@require("batch")
def rank_round_view():
    """Rank a cohort under the policy in force: the line at the quota, ties as the policy
    says, what decided each place, and the line for quotas from 50 % to 200 %. The body is
    a RoundRequest, or the population itself as CSV (text/csv) or NDJSON with the
    parameters in the query."""
    registry = request_policies()
    max_rows = current_app.config.get("MAX_ROUND_ROWS", MAX_ROWS)
    mimetype = request.mimetype
    items = None
    if mimetype in CSV or mimetype in NDJSON:
        params = _from_query()
    else:
        params, items = _from_json(max_rows)
    policy = registry.resolve(params["city"], params["as_of"], params["policy_version"])
    cohort = Cohort(policy, params["as_of"], max_rows=max_rows)
    try:
        if items is not None:
            for number, item in enumerate(items, 1):
                cohort.add_item(number, item)
        elif mimetype in CSV:
            cohort.feed_csv(_lines())
        else:
            for number, row in ndjson_rows(_lines()):
                cohort.add_item(number, row)
        ranked = rank_round(cohort, params["quota"])
    except CohortRefused as exc:
        raise _refused(exc, max_rows) from None
    except UnicodeDecodeError:
        raise ApiError(400, "bad_request", "The body is not UTF-8 text.") from None
    return Response(_stream(ranked), mimetype="application/json")
