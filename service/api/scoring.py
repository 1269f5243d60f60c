"""POST /v1/score and /v1/score/batch: load, resolve the policy, run the engine, answer."""

from __future__ import annotations

import datetime as dt
import gc

import orjson
from flask import Response, current_app, g, request
from flask_smorest import Blueprint

from service.monitoring import metrics as prom
from service.rules.dates import in_window, iso_date
from service.scoring.answer import answer
from service.scoring.application import score_application

from .answers import BatchResponse, ScoreAnswer
from .auth import current_principal, require
from .context import request_policies
from .errors import ApiError, as_problem, load_body, log_unhandled, problem_body
from .json_depth import nests_deeper_than
from .operations import PROBLEMS, operation, success
from .schemas import ScoreRequest

blp = Blueprint("score", __name__, url_prefix="/v1", description="Score applications.")
batch_blp = Blueprint("batch", __name__, url_prefix="/v1", description="Score many at once.")

NDJSON = ("application/x-ndjson", "application/jsonl", "application/ndjson")
_request_schema = ScoreRequest()


def score_request(body: dict, registry):
    """A loaded ScoreRequest -> (policy, ScoreResult); raises the domain's errors."""
    policy, _, result = score_application(
        registry, body["city"], body["as_of"], body["applicant"],
        current_app.extensions["decision_key"], version=body.get("policy_version"))
    return policy, result


class Recorder:
    """Where one request's scores go. Every decision id (with its city and policy version)
    goes to the request's log line. A bureau's score is also counted in the drift
    statistics, only its total and outcome; an anonymous one never is, nor one whose
    request says record: false. Made once a request: a batch asks who calls only once."""

    def __init__(self):
        self.decisions = g._get_current_object().setdefault("decisions", [])
        self.counted = not current_principal().anonymous
        self.store = current_app.extensions["store"]

    def __call__(self, body: dict, policy, result) -> None:
        self.decisions.append((result.decision_id, policy.city, policy.version))
        if self.counted and body.get("record", True):
            self.store.record(policy.city, policy.version, float(result.total), result.passes,
                              result.eligible)


def json_response(payload, status: int = 200) -> Response:
    """A JSON answer, encoded with orjson (the batch answers run to megabytes). Its
    content type is given whole: werkzeug would build the same from the mimetype."""
    return Response(orjson.dumps(payload), status=status, content_type="application/json")


def load_request(item) -> dict:
    """A ScoreRequest from decoded JSON: the fast path, else the schema (which words errors)."""
    body = fast_envelope(item)
    return body if body is not None else load_body(_request_schema, item, "ScoreRequest")


def parse_json(raw: bytes, where: str = "The body"):
    """orjson's parse, refused with 400 when malformed or nested past HUKOU_MAX_JSON_DEPTH."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ApiError(400, "malformed_json", f"{where} is not valid JSON.") from None
    limit = current_app.config["MAX_JSON_DEPTH"]
    if isinstance(value, (dict, list)) and nests_deeper_than(raw, limit):
        raise ApiError(400, "too_deep", f"{where} nests arrays and objects more than "
                       f"{limit} levels deep.")
    return value


def json_body():
    return parse_json(request.get_data(cache=False))


# One @doc per view: each flask-smorest decorator adds a wrapper to every call (`success`
# documents without one).
@blp.route("/score", methods=["POST"])
@blp.doc(**operation("scoreApplication", "score", anonymous=True),
         requestBody={"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/ScoreRequest"}}}}, responses=PROBLEMS)
@success(blp, ScoreAnswer, description="The explained score.", policies=True, limited=True)
@require("score", anonymous=True)
def score_one():
    """Score one application against the policy in force (or the pinned version)."""
    body = load_request(json_body())
    policy, result = score_request(body, request_policies())
    Recorder()(body, policy, result)
    return json_response(answer(result))


def _batch_items() -> list:
    """The request body as a list of raw items: a JSON array, or NDJSON, one item a line."""
    limit = current_app.config["MAX_BATCH_ITEMS"]
    mimetype = request.mimetype
    raw = request.get_data(cache=False)
    if mimetype in NDJSON:
        lines = [line for line in raw.splitlines() if line.strip()]
        if len(lines) > limit:
            raise ApiError(413, "batch_too_large", f"A batch holds at most {limit} items; "
                           f"this one has {len(lines)}.")
        items = []
        for number, line in enumerate(lines, 1):
            try:
                items.append(parse_json(line, f"Line {number}"))
            except ApiError as error:
                items.append(error)
        return items
    items = parse_json(raw)
    if not isinstance(items, list):
        raise ApiError(422, "invalid_request", "The body must be a JSON array of applications.",
                       {"body": ["Must be an array."]})
    if len(items) > limit:
        raise ApiError(413, "batch_too_large", f"A batch holds at most {limit} items; "
                       f"this one has {len(items)}.")
    return items


ENVELOPE_KEYS = frozenset({"city", "as_of", "policy_version", "applicant", "record"})


def fast_envelope(item) -> dict | None:
    """ScoreRequest for the plain cases, or None to let the marshmallow schema decide."""
    if type(item) is not dict or not ENVELOPE_KEYS.issuperset(item):
        return None
    city, as_of, version = item.get("city"), item.get("as_of"), item.get("policy_version")
    record = item.get("record", True)
    if (type(city) is not str or not 0 < len(city) <= 64 or type(item.get("applicant")) is not dict
            or type(record) is not bool
            or (version is not None and (type(version) is not str or len(version) > 64))):
        return None
    if as_of is None:
        if "as_of" in item:
            return None
        day = dt.date.today()
    else:  # exactly as the schema's WindowDate reads it; anything else, the schema words
        day = iso_date(as_of)
        if day is None or not in_window(day):
            return None
    return {"city": city, "as_of": day, "policy_version": version,
            "applicant": item["applicant"], "record": record}


def _score_item(item, registry, record: Recorder) -> dict:
    if isinstance(item, Exception):
        raise item
    body = load_request(item)
    policy, result = score_request(body, registry)
    record(body, policy, result)
    return answer(result)


@batch_blp.route("/score/batch", methods=["POST"])
@batch_blp.doc(**operation("scoreBatch", "batch"),
               requestBody={"required": True, "content": {
    "application/json": {"schema": {"type": "array", "maxItems": 10000,
                                    "items": {"$ref": "#/components/schemas/ScoreRequest"}}},
    "application/x-ndjson": {"schema": {"type": "string",
                                        "description": "One ScoreRequest JSON per line."}}}},
    responses=PROBLEMS)
@success(batch_blp, BatchResponse, description="Results in input order.", policies=True,
         limited=True)
@require("batch")
def score_batch():
    """Score up to 10,000 applications; a bad item gets its own problem, the rest are scored."""
    registry, record = request_policies(), Recorder()
    results, failed = [], 0
    # Tens of thousands of small acyclic objects: reference counting frees them, and the
    # cyclic collector would only rescan them again and again while the batch grows.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for index, item in enumerate(_batch_items()):
            try:
                results.append(_score_item(item, registry, record))
            except Exception as exc:  # every item answers for itself
                status, code, detail, errors, extra = as_problem(exc)
                if status >= 500:
                    log_unhandled(exc, index)
                failed += 1
                prom.batch_item_refused(status)
                results.append(problem_body(status, code, detail, errors,
                                            {**extra, "index": index}))
        return json_response({"results": results, "count": len(results), "failed": failed})
    finally:
        if collecting:
            gc.enable()
