"""Hostile HTTP requests for tests/fuzz/test_hostile_http.py, and a raw-socket client.

`build_cases(seed, random_count, large)` returns hostile requests for every endpoint,
the same list for the same arguments: hand-picked families (auth matrix, odd dates and
numbers, deep nesting, YAML alias bombs, oversized and short bodies, odd methods,
headers and paths) and `random_count` valid bodies with one to three hostile changes
(values of the kind the field holds, most often), drawn from random.Random(seed) and
shuffled with it.

`exchange()` sends one request's bytes over a plain socket to 127.0.0.1 (so malformed
requests go out as written) and reads the answer until the server closes, within a
deadline. `check()` says what is wrong with an answer. Nothing here starts servers.
"""

from __future__ import annotations

import json
import random
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

from conftest import POLICIES, SECRETS

# --------------------------------------------------------------------------- requests


@dataclass
class Case:
    """One request. `target` is the request-target as sent (already percent-encoded);
    `raw` replaces the whole request when set. `content_length` is the declared length
    when it differs from the body's; `half_close` shuts the write side after sending (a
    body shorter than declared then ends instead of leaving the server waiting).
    `gunicorn_may_refuse` marks requests gunicorn's own parser may answer (400, 431, ...)
    before the service sees them."""

    endpoint: str
    what: str
    family: str
    method: str = "GET"
    target: str = "/"
    headers: list = field(default_factory=list)
    body: bytes = b""
    content_length: int | None = None
    chunked: bool = False
    half_close: bool = False
    raw: bytes | None = None
    gunicorn_may_refuse: bool = False
    closing_ok: bool = False  # not HTTP at all: closing without an answer is right
    number: int = 0

    @property
    def request_id(self) -> str:
        return f"hostile-{self.number}"


def _bytes(value) -> bytes:
    if isinstance(value, bytes):
        return value
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def request_bytes(case: Case, port: int) -> bytes:
    if case.raw is not None:
        return case.raw.replace(b"{HOST}", b"127.0.0.1:%d" % port)
    names = {name.lower() for name, _ in case.headers}
    lines = [_bytes(f"{case.method} ") + _bytes(case.target) + b" HTTP/1.1"]
    if "host" not in names:
        lines.append(b"Host: 127.0.0.1:%d" % port)
    lines += [_bytes(name) + b": " + _bytes(value) for name, value in case.headers]
    if "x-request-id" not in names:
        lines.append(b"X-Request-ID: " + case.request_id.encode())
    if case.chunked:
        lines.append(b"Transfer-Encoding: chunked")
    elif case.body or case.content_length is not None:
        declared = len(case.body) if case.content_length is None else case.content_length
        lines.append(b"Content-Length: %d" % declared)
    if "connection" not in names:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + case.body


# --------------------------------------------------------------------------- client


@dataclass
class Outcome:
    status: int | None
    headers: dict
    body: bytes
    error: str | None
    seconds: float
    complete: bool = True


def _parse(data: bytes, method: str) -> tuple[int | None, dict, bytes, bool]:
    """(status, headers with lower-case names, body, complete) of the first final answer."""
    while True:
        end = data.find(b"\r\n\r\n")
        if end < 0:
            return None, {}, b"", False
        head, rest = data[:end].decode("latin-1"), data[end + 4:]
        lines = head.split("\r\n")
        parts = lines[0].split(" ", 2)
        try:
            status = int(parts[1])
        except (IndexError, ValueError):
            return None, {}, b"", False
        if 100 <= status < 200:  # 100 Continue: the answer follows
            data = rest
            continue
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            key = name.strip().lower()
            headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
        break
    if method == "HEAD" or status in (204, 304):
        return status, headers, b"", True
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body, pos = b"", 0
        while True:
            eol = rest.find(b"\r\n", pos)
            if eol < 0:
                return status, headers, body, False
            try:
                size = int(rest[pos:eol].split(b";")[0], 16)
            except ValueError:
                return status, headers, body, False
            if size == 0:
                return status, headers, body, True
            body += rest[eol + 2:eol + 2 + size]
            if len(rest) < eol + 2 + size:
                return status, headers, body, False
            pos = eol + 4 + size
    if "content-length" in headers:
        try:
            length = int(headers["content-length"])
        except ValueError:
            return status, headers, rest, False
        return status, headers, rest[:length], len(rest) >= length
    return status, headers, rest, True


def exchange(port: int, data: bytes, method: str, timeout: float,
             half_close: bool = False) -> Outcome:
    """Send `data` to 127.0.0.1:`port` and read until the server closes, at most `timeout`
    seconds in all. A large body is sent from a thread while the answer is read, so an early
    answer (413) is seen even if the server stops reading."""
    started = time.monotonic()
    deadline = started + timeout
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    except OSError as exc:
        return Outcome(None, {}, b"", f"connect failed: {type(exc).__name__}",
                       time.monotonic() - started, False)

    def send() -> None:
        try:
            sock.sendall(data)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server answered early and closed; the answer tells

    sender = None
    if len(data) > 256 * 1024:
        sender = threading.Thread(target=send, daemon=True)
        sender.start()
    else:
        send()
    chunks, error = [], None
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            error = "timeout"
            break
        sock.settimeout(left)
        try:
            chunk = sock.recv(1 << 16)
        except TimeoutError:
            error = "timeout"
            break
        except ConnectionResetError:
            error = "connection reset"
            break
        except OSError as exc:
            error = f"socket error {type(exc).__name__}"
            break
        if not chunk:
            break
        chunks.append(chunk)
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
    if sender is not None:
        sender.join(timeout=5)
    seconds = time.monotonic() - started
    status, headers, body, complete = _parse(b"".join(chunks), method)
    if status is not None and complete:
        error = None  # a whole answer arrived; a reset after it does not matter
    elif error is None:
        error = "closed without an answer" if status is None else "incomplete answer"
    return Outcome(status, headers, body, error, seconds, complete)


# --------------------------------------------------------------------------- checks

# 4xx answers that are pages on purpose, not API problems.
HTML_4XX = {("GET", "/calculator", 404), ("HEAD", "/calculator", 404)}
STACK_TEXT = (b"Traceback", b'File "')


def answered_by_gunicorn(outcome: Outcome) -> bool:
    """gunicorn's own error pages (a request its parser refused) carry none of the
    service's headers: every answer of the service has X-Request-ID."""
    return outcome.status is not None and "x-request-id" not in outcome.headers


def check(case: Case, outcome: Outcome, slow_seconds: float) -> list[str]:
    """What is wrong with this answer (empty: nothing)."""
    if outcome.status is None and case.closing_ok and outcome.error == "closed without an answer":
        return []
    if outcome.status is None or outcome.error:
        return [outcome.error or "no answer"]
    wrong = []
    status = outcome.status
    if status >= 500:
        wrong.append(f"HTTP {status}")
    if any(text in outcome.body for text in STACK_TEXT):
        wrong.append("stack trace text in the body")
    if outcome.seconds > slow_seconds:
        wrong.append(f"slow: {outcome.seconds:.1f} s")
    if 400 <= status < 500 and not answered_by_gunicorn(outcome):
        path = case.target.split("?")[0]
        kind = outcome.headers.get("content-type", "")
        if (case.method, path, status) in HTML_4XX:
            pass
        elif not kind.startswith("application/problem+json"):
            wrong.append(f"{status} as {kind or 'no content type'}, not problem+json")
        elif case.method != "HEAD":
            try:
                problem = json.loads(outcome.body)
            except ValueError:
                problem = None
            if not isinstance(problem, dict):
                wrong.append(f"{status} problem+json body is not a JSON object")
            else:
                missing = [k for k in ("type", "title", "status") if k not in problem]
                if missing:
                    wrong.append(f"{status} problem lacks {', '.join(missing)}")
                elif problem["status"] != status:
                    wrong.append(f"problem status {problem['status']} under HTTP {status}")
    if status == 200 and case.endpoint.startswith("POST /v1/score/batch"):
        try:
            results = json.loads(outcome.body).get("results", [])
        except (ValueError, AttributeError):
            results = []
        for item in results:
            if isinstance(item, dict) and isinstance(item.get("status"), int) \
                    and item["status"] >= 500:
                wrong.append(f"batch item {item.get('index')} answered {item['status']} "
                             f"({item.get('code')})")
                break
    return wrong


# --------------------------------------------------------------------------- JSON text


class Raw:
    """JSON text (or bytes, valid or not) put into a body as is."""

    def __init__(self, text: str | bytes, label: str | None = None):
        self.data = text.encode("utf-8") if isinstance(text, str) else text
        self.label = label or (self.data[:40].decode("latin-1") +
                               ("..." if len(self.data) > 40 else ""))

    def __repr__(self) -> str:
        return self.label


class Pairs:
    """A JSON object that may repeat a key."""

    def __init__(self, items: list[tuple]):
        self.items = items

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k!r}: {v!r}" for k, v in self.items) + "}"


def enc(value) -> bytes:
    """JSON bytes of `value`, with Raw inserted as is, any size of integer, and Pairs."""
    if isinstance(value, Raw):
        return value.data
    if isinstance(value, Pairs):
        return b"{" + b",".join(enc(k) + b":" + enc(v) for k, v in value.items) + b"}"
    if isinstance(value, dict):
        return b"{" + b",".join(enc(k) + b":" + enc(v) for k, v in value.items()) + b"}"
    if isinstance(value, (list, tuple)):
        return b"[" + b",".join(enc(v) for v in value) + b"]"
    if value is None or isinstance(value, bool):
        return json.dumps(value).encode()
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, float):
        return json.dumps(value).encode()
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def short(value, limit: int = 70) -> str:
    text = repr(value)
    text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"


def arrays(depth: int) -> Raw:
    return Raw("[" * depth + "]" * depth, f"[...] nested {depth} deep")


def objects(depth: int) -> Raw:
    return Raw('{"a":' * depth + "1" + "}" * depth, f'{{"a":...}} nested {depth} deep')


# --------------------------------------------------------------------------- pools

BIG = 10 ** 400
NUMBERS = [
    Raw("1e308"), Raw("-1e308"), Raw("1.7976931348623157e308"), Raw("2e308"),
    2 ** 63 - 1, 2 ** 63, -(2 ** 63), 2 ** 64, -(2 ** 63) - 1,
    Raw(str(BIG), "400-digit integer"), Raw("-" + str(BIG), "-400-digit integer"),
    Raw("-0"), Raw("-0.0"), Raw("0e0"), Raw("1e-400"), Raw("4.9e-324"), Raw("-4.9e-324"),
    Raw("NaN"), Raw("Infinity"), Raw("-Infinity"), Raw("1E+2"), Raw("0.1e1"),
    -1, 0, 1.5, 99.999999999999999, 123456789.123456789, 10 ** 15 + 0.5, Raw("1e16"),
]
DATES = [
    "9999-12-31", "9999-12-30", "9999-01-01", "9998-12-31", "9990-06-15", "9989-01-01",
    "0000-01-01", "0001-01-01", "0001-12-31", "-0001-01-01", "-2024-01-01", "+2024-01-01",
    "2200-01-01", "2500-06-15", "3000-02-28", "10000-01-01", "2024-02-30", "2023-02-29",
    "2024-13-01", "2024-00-10", "1900-01-01", "1899-12-31", "1970-01-01",
    "9999-12-31T23:59:59Z", "2024-01-01T00:00:00+25:00", "２０２４-０１-０１", "20240101",
    "2024-W01-1", "2024-001", "2024-1-1", " 2024-01-01", "2024-01-01\x00", "",
]
STRINGS = [
    "", " ", "\x00", "a\x00b", "\u202e\u0645\u0631\u062d\u0628\u0627", "\ud800", "\udfff\ud800",
    "../../../etc/passwd", "..\\..\\windows\\win.ini", "%00", "%2e%2e%2f", "null", "true", "0",
    "<script>alert(1)</script>", "' OR 1=1 --", "{{7*7}}", "${jndi:ldap://127.0.0.1/a}",
    "\r\n\r\nHTTP/1.1 200 OK", "\t", "\U0001f600" * 300, "\x00" * 100, "e\u0301", "A" * 65,
    "x" * 100_000, Raw(b'"\xff\xfe"', "invalid UTF-8 \\xff\\xfe"),
    Raw(b'"\xc0\xaf"', "overlong UTF-8"), Raw(b'"\xed\xa0\x80"', "UTF-8 encoded surrogate"),
    Raw(b'"a\x00b"', "raw NUL byte in a string"), Raw(b'"a\nb"', "raw newline in a string"),
    Raw('"\\ud800"', "escaped lone surrogate"), Raw('"\\u0000"', "escaped NUL"),
]
STRUCTURES = [
    None, True, False, [], {}, [None], {"": None}, arrays(31), arrays(33), arrays(200),
    arrays(1100), objects(40), objects(32), [0] * 10_000, [{}] * 2000,
    Pairs([("a", 1), ("a", 2)]), {"__proto__": {"x": 1}}, {"$ref": "#"},
]
RECORDS = [
    [{"kind": "criminal", "date": "9999-12-31"}], [{"kind": "criminal", "date": "0001-01-01"}],
    [{"kind": "administrative_detention", "date": "0000-01-01"}],
    [{"kind": "criminal", "date": "2020-01-01", "extra": 1}], [{"kind": "criminal"}],
    [{"date": "2020-01-01"}], [[[]]], "criminal", [{"kind": "x" * 10_000, "date": "2020-01-01"}],
    [{"kind": "administrative_detention", "date": "2024-01-01"}] * 5000, [None], [1e308],
]


def pool(rng: random.Random):
    """One hostile value, any kind."""
    kind = rng.random()
    if kind < 0.3:
        return rng.choice(NUMBERS)
    if kind < 0.55:
        return rng.choice(DATES)
    if kind < 0.8:
        return rng.choice(STRINGS)
    if kind < 0.93:
        return rng.choice(STRUCTURES)
    return rng.choice(RECORDS)


# --------------------------------------------------------------------------- valid bodies

XIAN = {"birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
        "criminal_record": [], "local_knowledge_score": 86}
BEIJING = {"birth_date": "1988-03-15", "residence_permit": True, "gender": "female",
           "social_insurance_months": 120, "social_insurance_consecutive_months": 120,
           "housing": {"owned_months": 60, "rented_months": 0},
           "education": {"level": "bachelor", "diploma": True, "degree": True},
           "criminal_record": []}
SHANGHAI = {"birth_date": "1988-03-15", "residence_permit": True, "social_insurance_months": 60,
            "education": {"level": "master", "diploma": True, "degree": True}}
SHENZHEN = {"birth_date": "1986-11-20", "gender": "male", "residence_permit": True,
            "housing": {"owned_months": 65, "rented_months": 0, "owned_continuous_months": 65,
                        "rented_continuous_months": 0},
            "insurance": {"pension_months": 70, "medical_months": 70,
                          "unemployment_months": 64, "work_injury_months": 70,
                          "maternity_months": 64, "currently_paying": True}}
TIANJIN = {"birth_date": "1988-03-15", "residence_permit": True, "gender": "male",
           "stable_residence": True, "social_insurance_months": 60,
           "social_insurance_consecutive_months": 60}
APPLICANTS = {"xian": (XIAN, "2026-11-22"), "beijing": (BEIJING, "2026-06-30"),
              "shanghai": (SHANGHAI, "2026-06-30"), "shenzhen": (SHENZHEN, "2026-06-30"),
              "tianjin": (TIANJIN, "2026-06-30")}
# Every optional field too, so that random changes reach the criteria that read them.
FULL = {
    "xian": {**XIAN, "criminal_record": [{"kind": "administrative_detention",
                                          "date": "2023-05-01"}]},
    "beijing": {**BEIJING, "study_overlap": {"social_insurance_months": 0, "owned_months": 0,
                                             "rented_months": 0},
                "job_residence_outside_core": {"home_and_work_outside_months": 12,
                                               "home_outside_work_inside_months": 6},
                "innovation": {"kind": "sci_tech_award", "grade": 2}, "tax_years_over_100k": 1,
                "tax_violations": 0, "honour": False,
                "criminal_record": [{"kind": "administrative_detention", "date": "2020-01-01"}]},
    "shanghai": {**SHANGHAI, "professional_title": "senior", "skill_grade": 2,
                 "insurance_base": {"ratio_36_of_48": 1.4, "ratio_24_of_36": 1.6,
                                    "ratio_6_of_12": 1.3},
                 "entrepreneur_talent": False, "innovation_intermediary_talent": False,
                 "shortage_major": True, "investment_units": 1,
                 "public_service_sector_years": 2, "outer_suburb_years": 1,
                 "fresh_graduate": False, "commendation": "municipal_specific",
                 "spouse_hukou_marriage_years": 3, "false_materials_3y": 0,
                 "serious_crime": False, "family_planning_violation": False,
                 "criminal_record": []},
    "shenzhen": {**SHENZHEN, "credit": {"overdue_under_90_days": 1, "overdue_90_days_or_more": 0,
                                        "court_defaulter": False,
                                        "joint_punishment_blacklist": False},
                 "drug_record": False, "prohibited_organisation": False,
                 "criminal_record": []},
    "tianjin": {**TIANJIN, "housing_fund_months": 24,
                "residence": {"rented_months": 12,
                              "owned_months": {"central": 0, "ring": 0, "outer": 36,
                                               "binhai": 0}},
                "education": {"level": "bachelor"}, "professional_qualification": "none",
                "skill_grade": 3, "occupation": "generally_short",
                "spouse_insured_24_months": False, "skills_award": "none",
                "false_information_5y": 0, "criminal_record": []},
}
XIAN_TEXT = (POLICIES / "cities" / "xian" / "2024.1.yaml").read_text(encoding="utf-8")
DRAFT_TEXT = XIAN_TEXT.replace("threshold:\n  kind: fixed\n  points: 60\n",
                               "threshold:\n  kind: fixed\n  points: 50\n").replace(
    'version: "2024.1"', 'version: "draft"')
assert "  points: 50\n" in DRAFT_TEXT
CSV_HEADER = "birth_date,residence_permit_since,criminal_record,local_knowledge_score"
CSV_BODY = CSV_HEADER + "\n1990-05-01,2016-03-01,[],86\n1991-01-01,2020-01-01,[],60\n"
POPULATION = [XIAN, {**XIAN, "local_knowledge_score": 65},
              {**XIAN, "residence_permit_since": "2023-01-01"}]


def score_body(city: str = "xian", full: bool = False) -> dict:
    applicant, day = APPLICANTS[city]
    applicant = FULL[city] if full else applicant
    return {"city": city, "as_of": day, "applicant": json.loads(json.dumps(applicant))}


def whatif_body(city: str = "xian", full: bool = False) -> dict:
    return {**score_body(city, full), "horizon_years": 10, "scenarios": [
        {"name": "more", "add": {"social_insurance_months" if city != "xian"
                                 else "local_knowledge_score": 5}},
        {"name": "later", "as_of": "2027-06-01"}]}


def simulate_body(kind: str = "json") -> dict:
    body = {"city": "xian", "as_of": "2026-11-22", "candidate": {"version": "2024.1"}}
    if kind == "json":
        body["population"] = json.loads(json.dumps(POPULATION))
    elif kind == "ndjson":
        body["population_ndjson"] = "\n".join(json.dumps(a) for a in POPULATION)
    elif kind == "csv":
        body["population_csv"] = CSV_BODY
    elif kind == "draft":
        body["population"] = json.loads(json.dumps(POPULATION))
        body["candidate"] = {"policy": DRAFT_TEXT}
    return body


def baseline_body(kind: str = "histogram") -> dict:
    if kind == "range":
        return {"city": "xian", "from": "2026-11-01T00:00:00Z", "to": "2026-11-30T00:00:00Z"}
    return {"city": "xian", "histogram": {"bin_width": 0.5, "bins": {"100": 3, "120": 2},
                                          "count": 5, "passes": 2, "ineligible": 0}}


# --------------------------------------------------------------------------- auth

def bearer(name: str) -> tuple[str, str]:
    return ("Authorization", f"Bearer {SECRETS[name][0]}")


SCOPE_KEYS = {"score": ["scorer", "bureau", "everything"], "batch": ["bureau", "everything"],
              "simulate": ["admin", "everything"], "ops": ["ops", "admin", "everything"],
              "admin": ["admin", "everything"], None: list(SECRETS)}
WRONG_AUTH = [
    ("unknown key", "Bearer not-a-key"), ("empty bearer", "Bearer "), ("scheme only", "Bearer"),
    ("basic auth", "Basic dXNlcjpwYXNz"), ("token scheme", "Token secret-everything"),
    ("8000-char key", "Bearer " + "k" * 8000), ("latin-1 bytes", b"Bearer \xff\xfe\xfd"),
    ("tab in key", "Bearer secret-everything\tx"), ("lower-case scheme", "bearer secret-ops"),
    ("spaces around", "Bearer    secret-everything   "),
    ("UTF-8 bytes", "Bearer 密钥".encode()),
]


def auth_variants() -> list[tuple[str, list]]:
    out = [("no key", [])]
    out += [(f"key {name} ({'+'.join(scopes)})", [bearer(name)])
            for name, (_, scopes) in SECRETS.items()]
    out += [(f"wrong key: {label}", [("Authorization", value)]) for label, value in WRONG_AUTH]
    out.append(("two Authorization headers", [bearer("scorer"), bearer("admin")]))
    return out


# --------------------------------------------------------------------------- endpoints

JSON_TYPE = ("Content-Type", "application/json")


@dataclass
class Endpoint:
    name: str
    method: str
    path: str
    scope: str | None
    body: object = None  # a callable giving a valid body, or None
    content_type: str = "application/json"


ENDPOINTS = [
    Endpoint("score", "POST", "/v1/score", "score", score_body),
    Endpoint("batch json", "POST", "/v1/score/batch", "batch",
             lambda: [score_body(c) for c in APPLICANTS]),
    Endpoint("batch ndjson", "POST", "/v1/score/batch", "batch",
             lambda: Raw("\n".join(json.dumps(score_body(c)) for c in APPLICANTS), "ndjson"),
             "application/x-ndjson"),
    Endpoint("what-if", "POST", "/v1/what-if", "score", whatif_body),
    Endpoint("rank", "POST", "/v1/rounds/rank", "batch", lambda: {
        "city": "beijing", "as_of": "2026-06-30", "quota": 1,
        "population": [{"id": "a", "applicant": BEIJING},
                       {"id": "b", "applicant": FULL["beijing"]}]}),
    Endpoint("simulate json", "POST", "/v1/simulate", "simulate", simulate_body),
    Endpoint("simulate ndjson", "POST", "/v1/simulate", "simulate",
             lambda: simulate_body("ndjson")),
    Endpoint("simulate csv", "POST", "/v1/simulate", "simulate", lambda: simulate_body("csv")),
    Endpoint("simulate draft", "POST", "/v1/simulate", "simulate",
             lambda: simulate_body("draft")),
    Endpoint("baseline", "POST", "/v1/monitoring/baseline", "admin", baseline_body),
    Endpoint("reload", "POST", "/v1/admin/policies/reload", "admin"),
    Endpoint("policies", "GET", "/v1/policies", None),
    Endpoint("policy", "GET", "/v1/policies/beijing?as_of=2026-06-30", None),
    Endpoint("diff", "GET", "/v1/policies/beijing/diff?from=2018.1&to=2020.1", None),
    Endpoint("schema", "GET", "/v1/policies/shanghai/schema?as_of=2026-06-30", None),
    Endpoint("drift", "GET", "/v1/monitoring/drift?window=24h&history=3", "ops"),
    Endpoint("healthz", "GET", "/healthz", None),
    Endpoint("readyz", "GET", "/readyz", None),
    Endpoint("metrics", "GET", "/metrics", "ops"),
    Endpoint("calculator", "GET", "/calculator?city=xian&lang=en", None),
    Endpoint("embed.js", "GET", "/embed.js", None),
    Endpoint("ops page", "GET", "/ops", None),
    Endpoint("ops panel", "GET", "/ops/panel?lang=en", "ops"),
    Endpoint("openapi", "GET", "/openapi.json", None),
    Endpoint("docs", "GET", "/docs", None),
    Endpoint("unknown path", "GET", "/v1/nothing-here", None),
]
BY_NAME = {e.name: e for e in ENDPOINTS}


def label(method: str, target: str) -> str:
    path = target.split("?")[0]
    return f"{method} {path if len(path) <= 60 else path[:60] + '...'}"


def post(endpoint: str, what: str, family: str, body, key: str | None = "right",
         content_type: str | None = None, headers: list | None = None) -> Case:
    """A POST of `body` (an object encoded with enc(), or bytes) to a named endpoint."""
    e = BY_NAME[endpoint]
    data = body if isinstance(body, bytes) else enc(body)
    auth = [] if key is None else [bearer(SCOPE_KEYS[e.scope][0] if key == "right" else key)]
    kind = content_type or e.content_type
    return Case(f"{e.method} {e.path} ({endpoint})", what, family, e.method, e.path,
                auth + [("Content-Type", kind)] + (headers or []), data)


def get(target: str, what: str, family: str, key: str | None = None,
        headers: list | None = None, method: str = "GET") -> Case:
    auth = [] if key is None else [bearer(key)]
    return Case(label(method, target), what, family, method, target, auth + (headers or []),
                gunicorn_may_refuse=len(target) > 4000)  # gunicorn's request line limit


# --------------------------------------------------------------------------- families


def auth_matrix() -> Iterator[Case]:
    """Every endpoint with its valid request, sent with every key, none and wrong ones."""
    for e in ENDPOINTS:
        for what, auth in auth_variants():
            headers = list(auth)
            body = b""
            if e.body is not None:
                body = enc(e.body())
            if e.method == "POST":
                headers.append(("Content-Type", e.content_type))
            yield Case(f"{e.method} {e.path.split('?')[0]} ({e.name})", f"valid request, {what}",
                       "auth matrix", e.method, e.path, headers, body)


def set_path(doc, path: tuple, value):
    """A deep copy of `doc` with `value` at `path` (a key that is absent is added)."""
    doc = json.loads(json.dumps(doc))
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return doc


def score_families() -> Iterator[Case]:
    fam = "score values"
    for value in DATES:
        yield post("score", f"as_of {value!r}", "score as_of date", set_path(
            score_body(), ("as_of",), value))
        yield post("score", f"applicant.birth_date {value!r}", "score applicant date",
                   set_path(score_body(), ("applicant", "birth_date"), value))
    for value in NUMBERS:
        yield post("score", f"local_knowledge_score {short(value)}", fam, set_path(
            score_body(), ("applicant", "local_knowledge_score"), value))
        yield post("score", f"beijing social_insurance_months {short(value)}", fam, set_path(
            score_body("beijing"), ("applicant", "social_insurance_months"), value))
    for value in RECORDS:
        yield post("score", f"criminal_record {short(value)}", "score records", set_path(
            score_body(), ("applicant", "criminal_record"), value))
    for value in STRINGS + STRUCTURES:
        yield post("score", f"city {short(value)}", "score city", set_path(
            score_body(), ("city",), value))
        yield post("score", f"applicant {short(value)}", "score applicant shape", set_path(
            score_body(), ("applicant",), value))
    for version in ["2018.1", "../2020.1", "..", "2020.1\x00", "x" * 65, "", Raw("1e308")]:
        yield post("score", f"beijing policy_version {short(version)}", "score version",
                   set_path(score_body("beijing"), ("policy_version",), version))
    for value in [Raw("1"), Raw('"yes"'), Raw("null"), Raw("[]")]:
        yield post("score", f"record {value!r}", fam, set_path(score_body(), ("record",), value))
    yield post("score", "duplicate keys city and applicant", "duplicate keys", Pairs([
        ("city", "beijing"), ("city", "xian"), ("as_of", "2026-11-22"),
        ("applicant", BEIJING), ("applicant", XIAN)]))
    yield post("score", "duplicate key inside applicant", "duplicate keys", Pairs([
        ("city", "xian"), ("applicant", Pairs([*XIAN.items(), ("local_knowledge_score",
                                                               Raw("1e308"))]))]))
    yield post("score", "body 33 levels deep", "deep json", arrays(33))
    yield post("score", "applicant 40 levels deep", "deep json",
               set_path(score_body(), ("applicant", "x"), objects(40)))
    yield post("score", "body 1100 levels deep", "deep json", arrays(1100))
    yield post("score", "body 100000 levels deep", "deep json", arrays(100_000))
    yield post("score", "unknown top-level field", fam, {**score_body(), "extra": 1})
    for raw in [b"", b" ", b"null", b"[]", b"{", b"{}", b'{"city":', b"\xff\xfe{}", b"\x00",
                b"{\"city\":\"xian\"}" * 2, b"\xef\xbb\xbf" + enc(score_body()),
                enc(score_body()) + b"\x00", enc(score_body()).replace(b"xian", b"xi\xffan")]:
        yield post("score", f"raw body {short(raw, 40)}", "malformed json", raw)


def whatif_families() -> Iterator[Case]:
    for value in DATES:
        yield post("what-if", f"as_of {value!r}", "what-if as_of date",
                   set_path(whatif_body(), ("as_of",), value))
        yield post("what-if", f"scenario as_of {value!r}", "what-if scenario date",
                   set_path(whatif_body(), ("scenarios", 1, "as_of"), value))
        yield post("what-if", f"scenario set birth_date {value!r}", "what-if set date",
                   set_path(whatif_body(), ("scenarios", 0), {"name": "d", "set": {
                       "birth_date": value}}))
    for day in ["9999-12-31", "9990-01-01", "9989-06-30", "2200-01-01"]:
        for city in ("beijing", "shanghai", "shenzhen", "tianjin"):
            yield post("what-if", f"{city} as_of {day}", "what-if as_of date",
                       set_path(whatif_body(city), ("as_of",), day))
        yield post("what-if", f"as_of {day}, horizon_years 30", "what-if as_of date",
                   {**set_path(whatif_body(), ("as_of",), day), "horizon_years": 30})
    for value in NUMBERS:
        yield post("what-if", f"scenario add local_knowledge_score {short(value)}",
                   "what-if add number", set_path(whatif_body(), ("scenarios", 0, "add"), {
                       "local_knowledge_score": value}))
        yield post("what-if", f"scenario set local_knowledge_score {short(value)}",
                   "what-if set number", set_path(whatif_body(), ("scenarios", 0), {
                       "name": "n", "set": {"local_knowledge_score": value}}))
        yield post("what-if", f"beijing scenario add social_insurance_months {short(value)}",
                   "what-if add number", set_path(whatif_body("beijing"),
                                                  ("scenarios", 0, "add"), {
                                                      "social_insurance_months": value}))
        yield post("what-if", f"horizon_years {short(value)}", "what-if horizon",
                   set_path(whatif_body(), ("horizon_years",), value))
    for path in ["", ".", "a..b", "a." * 500 + "a", "__class__", "criminal_record.0.kind",
                 "criminal_record.999999", "local_knowledge_score.x", "applicant", "\x00",
                 "housing.owned_months.x", "birth_date"]:
        yield post("what-if", f"scenario set path {short(path, 40)}", "what-if paths",
                   set_path(whatif_body(), ("scenarios", 0), {"name": "p", "set": {path: 1}}))
        yield post("what-if", f"scenario add path {short(path, 40)}", "what-if paths",
                   set_path(whatif_body("beijing"), ("scenarios", 0), {"name": "p",
                                                                       "add": {path: 1}}))
    for city in ["beijing", "nowhere", "../xian", "", "x" * 65, Raw("null"), Raw("1")]:
        yield post("what-if", f"scenario city {short(city)}", "what-if scenario city",
                   set_path(whatif_body(), ("scenarios", 0), {"name": "c", "city": city}))
    for version in ["2018.1", "9999.1", "../..", "", Raw("1e308")]:
        yield post("what-if", f"beijing scenario policy_version {short(version)}",
                   "what-if scenario city", set_path(whatif_body("beijing"), ("scenarios", 0),
                                                     {"name": "v", "policy_version": version}))
    for count in (20, 21, 1000):
        yield post("what-if", f"{count} scenarios", "what-if scenario count", set_path(
            whatif_body(), ("scenarios",), [{"name": f"s{i}", "add": {
                "local_knowledge_score": 1}} for i in range(count)]))
    for name in ["", "n" * 81, "\x00", Raw("1"), Raw("null")]:
        yield post("what-if", f"scenario name {short(name)}", "what-if scenario shape",
                   set_path(whatif_body(), ("scenarios", 0, "name"), name))
    for shape in [None, {}, [], "x", [None], [[]], [{"name": "x", "set": []}],
                  [{"name": "x", "add": "y"}], [{"name": "x", "set": {"a": arrays(31)}}]]:
        yield post("what-if", f"scenarios {short(shape)}", "what-if scenario shape",
                   set_path(whatif_body(), ("scenarios",), shape))


def batch_families() -> Iterator[Case]:
    for size in (10_000, 10_001):
        yield post("batch json", f"JSON array of {size} empty objects", "batch size",
                   Raw("[" + ",".join(["{}"] * size) + "]"))
        yield post("batch ndjson", f"NDJSON of {size} lines of {{}}", "batch size",
                   ("{}\n" * size).encode())
    for depth in (32, 33, 100, 1023, 1024, 1025, 5000, 100_000):
        yield post("batch ndjson", f"NDJSON line nested {depth} deep (arrays)",
                   "ndjson deep line", enc(score_body()) + b"\n" + arrays(depth).data + b"\n")
        yield post("batch ndjson", f"NDJSON line nested {depth} deep (objects)",
                   "ndjson deep line", enc(score_body()) + b"\n" + objects(depth).data + b"\n")
        yield post("batch ndjson", f"NDJSON applicant nested {depth} deep",
                   "ndjson deep line", enc(set_path(score_body(), ("applicant", "x"),
                                                     arrays(depth))) + b"\n")
        yield post("batch json", f"JSON array item nested {depth} deep", "batch deep item",
                   Raw(b"[" + enc(score_body()) + b"," + arrays(depth).data + b"]"))
    lines = [b"", b"\r", b"\r\n\r\n", b"\x00", b"null", b"[]", b"1e308", b"NaN", b"\xff\xfe",
             b"{", b'"' + b"x" * 100_000 + b'"', b"9" * 5000, b"[" * 10 + b"]" * 9,
             b"\x0b\x0c\x1c\x1d\x1e\x85", "\u2028".encode(), b" " * 1000]
    for line in lines:
        yield post("batch ndjson", f"NDJSON line {short(line, 40)}", "ndjson odd line",
                   enc(score_body()) + b"\n" + line + b"\n" + enc(score_body("beijing")))
    for kind in ["application/jsonl", "application/ndjson",
                 "application/x-ndjson; charset=latin-1"]:
        yield post("batch ndjson", f"content type {kind}", "batch content type",
                   enc(score_body()) + b"\n", content_type=kind)
    yield post("batch json", "JSON object instead of array", "batch shape", score_body())
    yield post("batch json", "array of scalars and nulls", "batch shape",
               [None, 1, "x", [], Raw("1e308"), True])
    yield post("batch json", "NDJSON sent as application/json", "batch shape",
               enc(score_body()) + b"\n" + enc(score_body()))


def simulate_families(bomb_sizes: list[tuple[int, int]]) -> Iterator[Case]:
    for levels, width in bomb_sizes:
        leaves = f"{width ** levels:.0e}"
        yield post("simulate draft", f"YAML alias bomb {levels} levels x {width} ({leaves} "
                   "leaves) as the draft's notes", "yaml alias bomb",
                   set_path(simulate_body("draft"), ("candidate", "policy"),
                            with_notes(alias_bomb(levels, width))))
        yield post("simulate draft", f"YAML alias bomb {levels} levels x {width} ({leaves} "
                   "leaves) in a criterion label", "yaml alias bomb",
                   set_path(simulate_body("draft"), ("candidate", "policy"),
                            bomb_in_label(levels, width)))
    yield post("simulate draft", "YAML merge-key bomb 7 levels x 10", "yaml alias bomb",
               set_path(simulate_body("draft"), ("candidate", "policy"), merge_bomb(7, 10)))
    for depth in (100, 1000, 5000):
        yield post("simulate draft", f"YAML flow sequence nested {depth} deep",
                   "yaml deep nesting", set_path(simulate_body("draft"), ("candidate", "policy"),
                                                 "[" * depth + "]" * depth))
        yield post("simulate draft", f"YAML block mapping nested {depth} deep",
                   "yaml deep nesting", set_path(simulate_body("draft"), ("candidate", "policy"),
                                                 "".join(f"{' ' * i}a:\n" for i in range(depth))
                                                 + " " * depth + "b: 1\n"))
    drafts = [
        ("a python/object tag", "!!python/object/apply:os.system ['true']"),
        ("a binary tag", "a: !!binary AAAA"), ("null", "~"), ("empty text", ""),
        ("a repeated key", "a: 1\na: 2\n"), ("a list", "- 1\n- 2\n"),
        ("city repeated three times", "city: xian\n" * 3), ("a NUL", "\x00"),
        ("tabs and a colon", "\t\t:"), ("1,000,000 x", "x" * 1_000_000),
        ("threshold points 1e308", DRAFT_TEXT.replace("  points: 50\n", "  points: 1e308\n")),
        ("threshold points a 400-digit integer",
         DRAFT_TEXT.replace("  points: 50\n", f"  points: {BIG}\n")),
        ("threshold points .nan", DRAFT_TEXT.replace("  points: 50\n", "  points: .nan\n")),
        ("threshold points -.inf", DRAFT_TEXT.replace("  points: 50\n", "  points: -.inf\n")),
        ("effective_from 9999-12-31", DRAFT_TEXT.replace('"2024-01-01"', '"9999-12-31"')),
        ("effective_from 0000-01-01", DRAFT_TEXT.replace('"2024-01-01"', '"0000-01-01"')),
        ("effective_from unquoted", DRAFT_TEXT.replace('"2024-01-01"', "2024-01-01")),
        ("residence criterion per: 0", DRAFT_TEXT.replace("per: 1\n", "per: 0\n")),
        ("residence criterion per: 1e-320", DRAFT_TEXT.replace("per: 1\n", "per: 1e-320\n")),
        ("residence criterion per: 1e308", DRAFT_TEXT.replace("per: 1\n", "per: 1e308\n")),
        ("residence criterion points: 1e308",
         DRAFT_TEXT.replace("per: 1\n    points: 5\n", "per: 1\n    points: 1e308\n")),
        ("residence criterion cap: 1e308", DRAFT_TEXT.replace("cap: 50", "cap: 1e308")),
        ("band from: 1e308",
         DRAFT_TEXT.replace("{from: 90, points: 40}", "{from: 1e308, points: 40}")),
        ("band points: 1e308",
         DRAFT_TEXT.replace("{from: 90, points: 40}", "{from: 90, points: 1e308}")),
        ("count within 99999999 years", DRAFT_TEXT.replace("years: 10}", "years: 99999999}")),
        ("city: ../../etc", DRAFT_TEXT.replace("city: xian", "city: ../../etc")),
    ]
    for what, text in drafts:
        yield post("simulate draft", f"draft YAML with {what}", "draft yaml values",
                   set_path(simulate_body("draft"), ("candidate", "policy"), text))
    draft = yaml_doc()
    for path, value in [(("threshold", "points"), Raw("1e308")),
                        (("threshold", "points"), 2 ** 64), (("threshold",), None),
                        (("criteria", 0, "per"), 0), (("criteria", 0, "per"), -1),
                        (("criteria", 0, "cap"), Raw("-1e308")),
                        (("criteria", 1, "bands"), []), (("criteria", 1, "bands", 0, "to"),
                                                         Raw("1e308")),
                        (("effective_from",), "9999-12-31"), (("effective_from",), "0000-01-01"),
                        (("effective_to",), "0001-01-01"), (("version",), "\x00"),
                        (("tier",), "../tiers/mega"), (("facts", "age", "on"), "9999-12-31"),
                        (("criteria",), [{}] * 500), (("gates", 0, "min"), Raw("1e308"))]:
        yield post("simulate draft", f"draft object {'.'.join(map(str, path))} = {short(value)}",
                   "draft object values", set_path(simulate_body("draft"),
                                                    ("candidate", "policy"),
                                                    set_path(draft, path, value)))
    for candidate in [{"version": "2024.1", "policy": DRAFT_TEXT}, {}, {"version": "../.."},
                      {"version": "9999.1"}, {"policy": 12345}, {"policy": []},
                      {"policy": Raw("1e308")}, {"version": Raw("null")}, "x", None]:
        yield post("simulate json", f"candidate {short(candidate, 50)}", "simulate candidate",
                   set_path(simulate_body(), ("candidate",), candidate))
    for day in ["9999-12-31", "0001-01-01", "2200-01-01", "1900-01-01"]:
        for kind in ("json", "csv", "ndjson", "draft"):
            yield post(f"simulate {kind}", f"as_of {day}", "simulate as_of",
                       set_path(simulate_body(kind), ("as_of",), day))
    for row in [None, [], "x", {"birth_date": "9999-12-31"},
                {"local_knowledge_score": Raw("1e308")},
                {**XIAN, "criminal_record": RECORDS[0]}, {**XIAN, "x": arrays(31)},
                {**XIAN, "local_knowledge_score": 2 ** 63}]:
        yield post("simulate json", f"population row {short(row, 50)}", "simulate json rows",
                   set_path(simulate_body(), ("population",), [XIAN, row]))
    yield post("simulate json", "population of 20000 rows", "simulate json rows",
               set_path(simulate_body(), ("population",), [XIAN] * 20_000))
    ndjson_lines = ["[" * 1000 + "]" * 1000, "[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1"
                    + "}" * 3000, "NaN", "1e999", "\x00", "{", "null", '"x"', "[1,2]",
                    json.dumps({**XIAN, "local_knowledge_score": 1e308}),
                    json.dumps({**XIAN, "birth_date": "0000-01-01"}), "\ud800", "9" * 5000,
                    json.dumps({**XIAN, "local_knowledge_score": 10 ** 400})]
    for line in ndjson_lines:
        yield post("simulate ndjson", f"population_ndjson line {short(line, 40)}",
                   "simulate ndjson rows", set_path(simulate_body("ndjson"),
                                                    ("population_ndjson",),
                                                    json.dumps(XIAN) + "\n" + line + "\n"))
    cells = ["x" * 131_072, "x" * 131_073, '"' + "y\n" * 70_000 + '"', "[" * 5000 + "]" * 5000,
             "1e308", "-1e308", "nan", "inf", "-0", "9" * 5000, "1" * 4301, "0x10", "1_000",
             "9999-12-31", "0000-01-01", "\x00", '"unclosed', "a,b,c,d,e", "\ufeff86", "٨٦",
             "[{\"kind\": \"criminal\", \"date\": \"9999-12-31\"}]", "true", " 86 "]
    for cell in cells:
        for column in (1, 2, 3):
            row = ["1990-05-01", "2016-03-01", "[]", "86"]
            row[column] = cell
            yield post("simulate csv", f"CSV cell {column} = {short(cell, 40)}", "csv cells",
                       set_path(simulate_body("csv"), ("population_csv",),
                                CSV_BODY + ",".join(row) + "\n"))
    beijing = {"city": "beijing", "as_of": "2026-06-30", "current_version": "2018.1",
               "candidate": {"version": "2020.1"}}
    header = ",".join(_flatten(BEIJING, ""))
    for cell in ["9223372036854775807", "9223372036854775808", "-9223372036854775809",
                 "18446744073709551616", "9" * 400, "-" + "9" * 400, "1e308", "-0", "1.5",
                 "nan", "inf", "0x10", "1_000", "\u0661\u0662", " 12 ", "+12", "12.0"]:
        for column in ("social_insurance_months", "housing.owned_months"):
            row = _flatten(BEIJING, "")
            row[column] = cell
            text = header + "\n" + ",".join(
                "[]" if isinstance(v, list) else str(v).lower() if isinstance(v, bool)
                else str(v) for v in row.values()) + "\n"
            yield post("simulate csv", f"beijing CSV integer column {column} = "
                       f"{short(cell, 40)}", "csv integer cells",
                       {**beijing, "population_csv": text})
    for text in [CSV_HEADER, "", "\n\n\n", "a" * 131_073 + "\n1\n", ",,,\n,,,\n",
                 "birth_date,birth_date\n1990-01-01,1991-01-01\n", "\x00\n\x00\n",
                 CSV_HEADER + "\r1990-05-01,2016-03-01,[],86\r", CSV_HEADER + "\n" + "1,2\n" * 3,
                 ",".join(["c"] * 20_000) + "\n" + ",".join(["1"] * 20_000) + "\n",
                 CSV_HEADER.replace("birth_date", "__proto__") + "\n1,2,3,4\n",
                 CSV_HEADER + "\n" + "1990-05-01,2016-03-01,[],86\n" * 30_000]:
        yield post("simulate csv", f"population_csv {short(text, 50)}", "csv shape",
                   set_path(simulate_body("csv"), ("population_csv",), text))
    yield from parquet_families()
    yield post("simulate json", "two populations at once", "simulate shape",
               {**simulate_body(), "population_csv": CSV_BODY})
    yield post("simulate json", "no population", "simulate shape",
               {k: v for k, v in simulate_body().items() if k != "population"})


def _parquet_text(table) -> str:
    import base64
    import io

    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(table, out, compression="zstd")
    return base64.b64encode(out.getvalue()).decode()


def parquet_families() -> Iterator[Case]:
    """population_parquet: not base64, not Parquet, truncated, columns of every odd type,
    huge and hostile cells, and a file that unpacks far past its size."""
    import base64
    import datetime as dt

    import pyarrow as pa

    good = pa.table({"birth_date": ["1990-05-01"], "residence_permit_since": ["2016-03-01"],
                     "criminal_record": ["[]"], "local_knowledge_score": ["86"]})
    whole = _parquet_text(good)
    raw = base64.b64decode(whole)
    texts = ["", "!!!!", "PAR1", "=" * 8, base64.b64encode(b"PAR1" * 64).decode(),
             base64.b64encode(raw[: len(raw) // 2]).decode(),
             base64.b64encode(raw[:4] + bytes(len(raw) - 8) + raw[-4:]).decode(),
             base64.b64encode(CSV_BODY.encode()).decode(), whole + "A"]
    columns = {
        "timestamps": pa.array([dt.datetime(1990, 5, 1)]),
        "lists": pa.array([[1, 2]]), "maps": pa.array([[("a", 1)]], pa.map_(pa.string(),
                                                                              pa.int64())),
        "binary": pa.array([b"\x00\xff"]), "decimal": pa.array([1], pa.decimal128(38, 2)),
        "huge int": pa.array([2 ** 63 - 1]), "float inf": pa.array([float("inf")]),
        "float tiny": pa.array([1e-300]), "date far": pa.array([dt.date(9999, 12, 31)]),
        "null column": pa.nulls(1), "dictionary": pa.array(["86"]).dictionary_encode(),
        "struct": pa.array([{"x": 1}]), "NUL text": pa.array(["\x00"]),
        "long text": pa.array(["9" * 200_000]), "nested records": pa.array(["[" * 5000]),
    }
    for name, column in columns.items():
        table = good.set_column(3, "local_knowledge_score", column) if name != "struct" \
            else good.append_column("housing", column)
        texts.append(_parquet_text(table))
    texts.append(_parquet_text(pa.table({"criminal_record": ["[" + " " * 1_000_000 + "]"]
                                                            * 200})))
    texts.append(_parquet_text(pa.table({"birth_date": ["1990-05-01"] * 1_100_000})))
    for text in texts:
        yield post("simulate json", f"population_parquet {short(text, 40)}",
                   "simulate parquet", {**{k: v for k, v in simulate_body().items()
                                           if k != "population"},
                                        "population_parquet": text})


def alias_bomb(levels: int, width: int) -> str:
    """A YAML list of anchors b0..b{levels-1}, each a list of `width` references to the one
    before: width**levels leaves once expanded, a few hundred bytes written."""
    lines = ["  - &b0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"  - &b{i} [" + ", ".join([f"*b{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


NOTES = re.compile(r"^notes: >-\n(?:  .*\n)+", re.MULTILINE)


def with_notes(value_lines: str) -> str:
    """The draft with its notes replaced by a YAML block value (indented two spaces)."""
    return NOTES.sub(lambda _: "notes:\n" + value_lines, DRAFT_TEXT, count=1)


def bomb_in_label(levels: int, width: int) -> str:
    lines = ["&b0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"&b{i} [" + ", ".join([f"*b{i - 1}"] * width) + "]")
    nested = "      a0: " + lines[0] + "\n" + "".join(
        f"      a{i}: {line}\n" for i, line in enumerate(lines[1:], 1))
    return DRAFT_TEXT.replace("    label: {zh: 居住年限, en: Years of residence}\n",
                              "    label:\n      zh: 居住年限\n      en: Years\n" + nested, 1)


def merge_bomb(levels: int, width: int) -> str:
    lines = ["merge_anchors:", "  m0: &m0 {" + ", ".join(f"k{j}: lol" for j in range(width))
             + "}"]
    for i in range(1, levels):
        refs = ", ".join(f"k{j}: *m{i - 1}" for j in range(width))
        lines.append(f"  m{i}: &m{i} {{<<: *m{i - 1}, {refs}}}")
    return DRAFT_TEXT.replace("notes: >-", "\n".join(lines) + "\nnotes: >-", 1)


def yaml_doc() -> dict:
    import yaml

    return yaml.safe_load(DRAFT_TEXT)


def baseline_families() -> Iterator[Case]:
    good = baseline_body()["histogram"]
    for bins in [[1, 2, 3], "abc", "", 5, None, True, {"1": 10 ** 30}, {"0": Raw("1e308")},
                 {"abc": 1}, {"1.5": 1}, {"": 1}, {"-1": 1}, {"99999999999999999999": 1},
                 {"1" * 5000: 1}, {"\u0661": 1}, {"1": -1}, {"1": "x"}, {"1": None},
                 {"1": [1]}, {"1": {"a": 1}}, {"1": True}, {"1": 1.5},
                 {str(i): 1 for i in range(20_000)}, {"1": Raw(str(BIG), "400-digit")}]:
        hist = {k: v for k, v in good.items() if k not in ("count", "passes")}
        hist["bins"] = bins
        yield post("baseline", f"histogram.bins {short(bins, 50)}", "baseline bins",
                   {"city": "xian", "histogram": hist})
        yield post("baseline", f"histogram.bins {short(bins, 50)} with count 5",
                   "baseline bins", {"city": "xian", "histogram": {**good, "bins": bins}})
    for key, value in [("count", Raw("1e308")), ("count", 2 ** 63), ("count", "5"),
                       ("count", None), ("passes", Raw("1e308")), ("passes", -1),
                       ("passes", "x"), ("ineligible", []), ("bin_width", "abc"),
                       ("bin_width", None), ("bin_width", Raw("1e308")), ("bin_width", 0),
                       ("bin_width", "nan"), ("total_centi", "abc"), ("total_centi", []),
                       ("total_centi", Raw("1e308")), ("total_centi", Raw("-1e308")),
                       ("total_centi", {}), ("extra", 1)]:
        yield post("baseline", f"histogram.{key} {short(value)}", "baseline histogram fields",
                   {"city": "xian", "histogram": {**good, key: value}})
    yield post("baseline", "huge counts: bins {0: 1e308}, count 1e308", "baseline bins",
               {"city": "xian", "histogram": {"bins": {"0": Raw("1e308")},
                                              "count": Raw("1e308")}})
    yield post("baseline", "huge counts: bins {1e15: 2**62}", "baseline bins",
               {"city": "xian", "histogram": {"bins": {str(10 ** 15): 2 ** 62}}})
    for shape in [[], "x", None, {}, Raw("1e308")]:
        yield post("baseline", f"histogram {short(shape)}", "baseline shape",
                   {"city": "xian", "histogram": shape})
    ranges = [("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"),
              ("9999-12-31T00:00:00Z", "9999-12-31T23:59:59Z"),
              ("0001-01-01T00:00:00Z", "0001-01-02T00:00:00Z"),
              ("1970-01-01T00:00:00Z", "2026-11-30T00:00:00Z"),
              ("2026-11-01T00:00:00", "2026-11-30T00:00:00"),
              ("2026-11-01", "2026-11-30"), ("2026-11-30T00:00:00Z", "2026-11-01T00:00:00Z"),
              ("2026-11-30T00:00:00Z", "2026-11-30T00:00:00Z"),
              ("2026-11-01T00:00:00+23:59", "2026-11-30T00:00:00-23:59"),
              ("+10000-01-01T00:00:00Z", "+10001-01-01T00:00:00Z"),
              ("0000-01-01T00:00:00Z", "2026-01-01T00:00:00Z"),
              ("2026-11-01T00:00:00.999999999Z", "2026-11-30T25:00:00Z"), ("", ""),
              (Raw("1e308"), Raw("-1e308")), (None, "2026-11-30T00:00:00Z")]
    for start, end in ranges:
        yield post("baseline", f"from {short(start, 30)} to {short(end, 30)}", "baseline range",
                   {"city": "xian", "from": start, "to": end})
    for city in ["nowhere", "..", "../../etc/passwd", "", "XIAN", Raw("null"), "x" * 10_000]:
        yield post("baseline", f"city {short(city, 40)}", "baseline city",
                   {**baseline_body(), "city": city})
    for version in ["9999.1", "../..", "", Raw("1")]:
        yield post("baseline", f"policy_version {short(version)}", "baseline city",
                   {**baseline_body(), "policy_version": version})
    yield post("baseline", "both histogram and range", "baseline shape",
               {**baseline_body(), **baseline_body("range")})
    yield post("baseline", "neither histogram nor range", "baseline shape", {"city": "xian"})


WINDOWS = ["24h", "1h", "1d", "0h", "0d", "-1h", "-1", "0", "", "9999h", "9999d", "10000h",
           "9999999h", "1d1h", "24", "h", "24 h", "+24h", "２４h", "٢٤h", "1.5h", "1e3h", "24H",
           "7D", "1w", "99999999999999999999h", "nan", "%00", "24h%00", "24h%0A", "%FF", "0001h"]
HISTORIES = ["0", "-1", "1", "14", "90", "91", "999999999", "-999999999", "1d", "1.5", "1e3",
             "", "nan", "inf", "%205", "%D9%A3", "9" * 30, "0x10", "%2B5", "--5", "5_0",
             "9" * 5000]


def drift_families(large: bool) -> Iterator[Case]:
    for window in WINDOWS:
        yield get(f"/v1/monitoring/drift?window={quote(window, safe='%')}", f"window={window}",
                  "drift window", "ops")
    for history in HISTORIES:
        yield get(f"/v1/monitoring/drift?history={quote(history, safe='%')}",
                  f"history={short(history, 30)}", "drift history", "ops")
    windows = ["1h", "24h", "7d", "365d", "999d", "9999h", "9999d"] if large else \
        ["1h", "7d", "9999d"]
    histories = ["1", "14", "90", "1000"] if large else ["1", "90"]
    for window in windows:
        for history in histories:
            yield get(f"/v1/monitoring/drift?window={window}&history={history}",
                      f"window={window}&history={history}", "drift window x history", "ops")
    yield get("/v1/monitoring/drift?window=1h&window=9999d&history=1&history=90",
              "repeated window and history", "drift window", "ops")
    yield get("/v1/monitoring/drift?" + "&".join(f"p{i}=1" for i in range(300)),
              "300 unknown query parameters", "drift window", "ops")


CITY_NAMES = ["xian", "XIAN", "Xian", "beijing", "nowhere", "..", "...", "%2e%2e",
              "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%2f..%2fpolicies", "cities%2fxian",
              "xian%00", "%ff%fe", "%c0%ae%c0%ae", "x" * 300, "xian%2f2024.1", "tiers",
              "published", "published.yaml", "%E8%A5%BF%E5%AE%89", "xian;rm", "xian.yaml",
              "~root", "%5c..%5c", "%20xian", "xian%0d%0aSet-Cookie:x"]


def policy_families() -> Iterator[Case]:
    for city in CITY_NAMES:
        yield get(f"/v1/policies/{city}", f"city {city[:60]}", "policy city")
        yield get(f"/v1/policies/{city}/diff?from=2018.1&to=2020.1", f"city {city[:60]}",
                  "diff city")
        yield get(f"/v1/policies/{city}/schema", f"city {city[:60]}", "schema city")
        yield get(f"/calculator?city={city}&lang=en", f"city {city[:60]}", "calculator city")
    for day in [quote(d, safe="-:+") for d in DATES] + ["9999-12-31%00", "%ff"]:
        yield get(f"/v1/policies/beijing?as_of={day}", f"as_of={day}", "policy as_of")
    for version in ["2018.1", "../2020.1", "..", "%00", "x" * 300, "2020.1%00", "%ff", "",
                    "2020.1&version=2018.1"]:
        yield get(f"/v1/policies/beijing?version={version}", f"version={version[:40]}",
                  "policy version")
        yield get(f"/v1/policies/beijing/schema?version={version}", f"version={version[:40]}",
                  "schema version")
        yield get(f"/v1/policies/beijing/diff?from={version}&to=2020.1",
                  f"from={version[:40]}", "diff versions")
    for query in ["", "from=2018.1", "to=2020.1", "from=2020.1&to=2020.1",
                  "from=2018.1&to=2020.1&extra=1", "from=2018.1&to=2020.1&from=x"]:
        yield get(f"/v1/policies/beijing/diff?{query}", f"query {query!r}", "diff versions")
    yield get("/v1/policies/xian?as_of=2026-01-01&unknown=1", "unknown query parameter",
              "policy as_of")
    for lang in ["zh", "en", "fr", "", "zh%00", "%3Cscript%3E", "x" * 500]:
        for embed in ["1", "0", "%3Cx%3E"]:
            yield get(f"/calculator?city=xian&lang={lang}&embed={embed}",
                      f"lang={lang[:20]} embed={embed}", "calculator lang")


PATHS = ["/", "/v1", "/v1/", "/v2/score", "/v1/score/", "//v1/score", "/v1//score",
         "/v1/score/batch/", "/v1/policies/xian/diff/extra", "/admin", "/.env", "/.git/config",
         "/static/../../etc/passwd", "/assets/../../service/config.py",
         "/assets/%2e%2e/%2e%2e/service/config.py", "/assets/..%2f..%2fservice%2fconfig.py",
         "/docs-assets/../../../../etc/passwd", "/docs-assets/%2e%2e/%2e%2e/etc/passwd",
         "/docs-assets/..%2f..%2f..%2fetc%2fpasswd", "/docs-assets/%00",
         "/docs-assets/swagger-ui.css", "/metrics/", "/healthz/", "/%00", "/%ff",
         "/" + "a" * 3000, "/v1/score%00", "/v1/score;jsessionid=1", "/v1/score?%ff=%fe",
         "/embed.js/..", "/calculator/", "/ops/", "/openapi.json/", "/docs/",
         "/v1/policies/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/v1/policies/../../etc/passwd",
         "/v1/policies/./xian", "/v1/policies/xian/../beijing"]


def path_families() -> Iterator[Case]:
    for path in PATHS:
        yield get(path, f"path {path[:60]}", "paths")


METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "FOOBAR",
           "PROPFIND", "MKCOL", "CONNECT", "M-SEARCH", "A" * 20, "get"]
METHOD_PATHS = ["/v1/score", "/v1/score/batch", "/v1/what-if", "/v1/simulate",
                "/v1/monitoring/baseline", "/v1/admin/policies/reload", "/v1/policies",
                "/v1/policies/xian", "/v1/monitoring/drift", "/healthz", "/metrics",
                "/calculator", "/embed.js", "/docs", "/nowhere"]


def method_families() -> Iterator[Case]:
    for path in METHOD_PATHS:
        for method in METHODS:
            body = enc(score_body()) if method not in ("GET", "HEAD") else b""
            headers = [bearer("everything")]
            if body:
                headers.append(JSON_TYPE)
            yield Case(label(method, path), f"method {method}", "methods", method, path,
                       headers, body, gunicorn_may_refuse=method in ("get", "CONNECT"))


CONTENT_TYPES = ["text/plain", "application/xml", "application/x-www-form-urlencoded",
                 "multipart/form-data; boundary=x", "application/json; charset=utf-16",
                 "application/json; charset=latin-1", "application/JSON", "application/json;;;",
                 "application/x-ndjson", "", "*/*", "application/problem+json",
                 "application/json\t", "application/vnd.api+json", "application/json; q=0",
                 "APPLICATION/X-NDJSON", "application/json, text/plain", "x" * 4000]
CT_ENDPOINTS = ["score", "batch json", "what-if", "simulate json", "baseline", "reload"]


def content_type_families() -> Iterator[Case]:
    for name in CT_ENDPOINTS:
        e = BY_NAME[name]
        body = enc(e.body()) if e.body else b"{}"
        for kind in CONTENT_TYPES:
            data = body
            if "utf-16" in kind:
                data = body.decode().encode("utf-16")
            elif "latin-1" in kind:
                data = body.decode().replace("xian", "xiân").encode("latin-1")
            yield post(name, f"Content-Type {kind[:50]!r}", "content types", data,
                       content_type=kind)
        yield Case(f"POST {e.path} ({name})", "body with no Content-Type", "content types",
                   "POST", e.path, [bearer(SCOPE_KEYS[e.scope][0])], body)
        yield post(name, "multipart form body", "content types",
                   b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n",
                   content_type="multipart/form-data; boundary=x")


ACCEPT_LANGUAGES = ["zh", "zh-CN,zh;q=0.9", "en;q=0.1,zh;q=0.2", "zh;q=abc", "zh;q=",
                    "zh;q=1e309", "zh;q=nan", "zh;q=-1", "*", "*;q=0", ";;;,,,", "zh" * 3000,
                    ",".join(["zh"] * 2000), b"\xff\xfe", "zh;q=0.5;q=0.9", "zh-", "q=1",
                    "x-klingon", "zh;q=inf,en;q=inf", "\t", "zh-Hant-TW-x-private-use-subtag"]
REQUEST_IDS = ["ok-id-1", "a" * 128, "a" * 129, "\x01\x02", "\x7f", "a\tb", "../../", "%0d%0a",
               b"\xe9t\xe9", "a b", "", "\x1b[31mred", "id\x00nul", "{\"json\":1}", "é" * 64]


def header_families() -> Iterator[Case]:
    targets = [("score", None), ("what-if", None), ("batch json", None),
               ("simulate json", None), ("baseline", None)]
    for lang in ACCEPT_LANGUAGES:
        for name in ("score", "what-if"):
            body = set_path(score_body(), ("applicant", "birth_date"), "nonsense")
            yield post(name, f"Accept-Language {short(lang, 40)}", "accept-language", body,
                       headers=[("Accept-Language", lang)])
        yield get("/v1/policies/nowhere", f"Accept-Language {short(lang, 40)}",
                  "accept-language", headers=[("Accept-Language", lang)])
    for rid in REQUEST_IDS:
        refused = isinstance(rid, str) and any(c in rid for c in "\x00\x01\x02\x1b\x7f")
        case = post("score", f"X-Request-ID {short(rid, 40)}", "x-request-id", score_body(),
                    headers=[("X-Request-ID", rid)])
        case.gunicorn_may_refuse = refused
        yield case
        case = get("/v1/nothing", f"X-Request-ID {short(rid, 40)}", "x-request-id",
                   headers=[("X-Request-ID", rid)])
        case.gunicorn_may_refuse = refused
        yield case
    yield post("score", "two X-Request-ID headers", "x-request-id", score_body(),
               headers=[("X-Request-ID", "one"), ("X-Request-ID", "two")])
    flood = [(f"X-Flood-{i}", "v" * 80) for i in range(90)]
    for name, _ in targets:
        yield post(name, "90 extra headers of 80 bytes", "header flood",
                   BY_NAME[name].body(), headers=flood)
        yield post(name, "one 8000-byte header", "header flood", BY_NAME[name].body(),
                   headers=[("X-Big", "b" * 8000)])
    yield get("/readyz", "90 extra headers and an 8000-byte cookie", "header flood",
              headers=flood[:80] + [("Cookie", "c=" + "x" * 7990)])
    for case in (get("/healthz", "101 headers (over gunicorn's 100)", "header flood",
                     headers=[(f"X-F-{i}", "v") for i in range(101)]),
                 get("/healthz", "a header of 8191 bytes (over gunicorn's limit)",
                     "header flood", headers=[("X-Big", "b" * 8191)])):
        case.gunicorn_may_refuse = True
        yield case
    for name, value in [("X-Forwarded-For", "1.2.3.4, 5.6.7.8"), ("X-Forwarded-For", "x" * 4000),
                        ("Forwarded", "for=\"[::1]\";proto=https"), ("Origin", "https://evil"),
                        ("Host", "evil.example"), ("Host", ""), ("Host", "127.0.0.1:99999"),
                        ("If-None-Match", "*"), ("Range", "bytes=0-0,-1,5-3"),
                        ("Accept", "text/html;q=0, */*;q=0"), ("Accept-Encoding", "gzip;q=1e9"),
                        ("Expect", "100-continue"), ("Expect", "something-else"),
                        ("Upgrade", "h2c"), ("TE", "trailers")]:
        for case in (post("score", f"header {name}: {short(value, 30)}", "odd headers",
                          score_body(), headers=[(name, value)]),
                     get("/embed.js", f"header {name}: {short(value, 30)}", "odd headers",
                         headers=[(name, value)])):
            case.gunicorn_may_refuse = name == "Expect"
            yield case
    for case in (get("/healthz", "NUL in a header value", "odd headers",
                     headers=[("X-Nul", "a\x00b")]),
                 get("/healthz", "header name with a space", "odd headers",
                     headers=[("X Bad", "1")]),
                 get("/healthz", "header name with a colon only", "odd headers",
                     headers=[("", "1")])):
        case.gunicorn_may_refuse = True
        yield case


def body_size_families(big_bodies: int) -> Iterator[Case]:
    limit = 32 * 1024 * 1024
    sizes = [limit + 1, limit + 1024 * 1024][:big_bodies]
    for size in sizes:
        body = b"[" + b" " * (size - 2) + b"]"
        yield post("batch json", f"body of {size} bytes (over the 32 MiB limit)", "body size",
                   body)
        yield post("score", f"anonymous body of {size} bytes", "body size", body, key=None)
    yield post("batch json", "body of exactly 32 MiB of spaces", "body size",
               b"[" + b" " * (limit - 2) + b"]")
    for declared, sent in [(limit + 1, 64 * 1024), (40_000_000_000, 10), (10 ** 19, 10),
                           (1000, 10), (100_000, 99_999), (5, 0)]:
        for name in ("score", "batch ndjson", "simulate csv", "baseline"):
            body = enc(BY_NAME[name].body())[:sent]
            case = post(name, f"Content-Length {declared} with {len(body)} bytes sent, then "
                              f"half-close", "short body", body)
            case.content_length, case.half_close = declared, True
            case.gunicorn_may_refuse = declared > 2 ** 63
            yield case
    body = enc(score_body())
    for declared in [0, 3]:
        case = post("score", f"Content-Length {declared} with a {len(body)}-byte body",
                    "short body", body)
        case.content_length = declared
        yield case


def chunk(data: bytes, size: int = 64) -> bytes:
    out = b""
    for i in range(0, len(data), size):
        part = data[i:i + size]
        out += b"%x\r\n" % len(part) + part + b"\r\n"
    return out + b"0\r\n\r\n"


def protocol_families() -> Iterator[Case]:
    body = enc(score_body())
    auth = b"Authorization: Bearer secret-everything\r\n"
    yield Case("POST /v1/score", "chunked body", "chunked", "POST", "/v1/score",
               [JSON_TYPE], chunk(body), chunked=True)
    yield Case("POST /v1/score/batch", "chunked NDJSON body", "chunked", "POST",
               "/v1/score/batch", [bearer("bureau"), ("Content-Type", "application/x-ndjson")],
               chunk(body + b"\n" + body), chunked=True)
    bad_chunks = [(b"zz\r\nabc\r\n0\r\n\r\n", "invalid chunk size"),
                  (b"FFFFFFFFFFFFFFFF\r\nabc", "chunk size 2**64-1"),
                  (b"5;ext=\"x\"\r\n{\"a\":\r\n1\r\n1\r\n0\r\nX-Trailer: 1\r\n\r\n",
                   "chunk extension and trailer"),
                  (chunk(body)[:-5], "no last chunk, then half-close"),
                  (b"-1\r\nx\r\n0\r\n\r\n", "negative chunk size"),
                  (b"3\r\nabcdef\r\n0\r\n\r\n", "chunk longer than its size")]
    for data, what in bad_chunks:
        case = Case("POST /v1/score", what, "chunked", "POST", "/v1/score", [JSON_TYPE], data,
                    chunked=True, half_close=True)
        yield case
    big = chunk(b"[" + b" " * (33 * 1024 * 1024) + b"]", 1024 * 1024)
    yield Case("POST /v1/score/batch", "chunked body over 32 MiB", "chunked", "POST",
               "/v1/score/batch", [bearer("bureau"), JSON_TYPE], big, chunked=True)
    raws = [
        (b"GET /healthz HTTP/1.0\r\n\r\n", "HTTP/1.0 without Host"),
        (b"GET /healthz\r\n\r\n", "HTTP/0.9 request line"),
        (b"GET /healthz HTTP/9.9\r\nHost: {HOST}\r\n\r\n", "HTTP/9.9"),
        (b"GET /healthz HTTP/1.1\r\n\r\n", "HTTP/1.1 without Host"),
        (b"GET\t/healthz\tHTTP/1.1\r\nHost: {HOST}\r\n\r\n", "tabs in the request line"),
        (b"GET  /healthz  HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "double spaces"),
        (b"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nX-Bad\r\n\r\n", "header without a colon"),
        (b"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nX-A: 1\r\n folded\r\n\r\n", "folded header"),
        (b"POST /v1/score HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
         b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         "Content-Length and Transfer-Encoding"),
        (b"POST /v1/score HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 2\r\n"
         b"Content-Length: 3\r\n\r\n{}", "two Content-Lengths"),
        (b"POST /v1/score HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: -1\r\n\r\n{}",
         "Content-Length -1"),
        (b"POST /v1/score HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: abc\r\n\r\n{}",
         "Content-Length abc"),
        (b"POST /v1/score HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 1e3\r\n\r\n{}",
         "Content-Length 1e3"),
        (b"POST /v1/score HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 99999999999999999999\r\n"
         b"\r\n{}", "Content-Length of 20 digits"),
        (b"POST /v1/score HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
         b"0\r\n\r\n", "Transfer-Encoding gzip, chunked"),
        (b"POST /v1/score HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: identity\r\n\r\n{}",
         "Transfer-Encoding identity"),
        (b"POST /v1/score HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: chunked, chunked\r\n"
         b"\r\n0\r\n\r\n", "Transfer-Encoding chunked twice"),
        (b"GET /" + b"a" * 4100 + b" HTTP/1.1\r\nHost: {HOST}\r\n\r\n",
         "request line over 4094 bytes"),
        (b"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nHost: evil\r\n\r\n", "two Host headers"),
        (b"GET /v1/policies/\xff\xfe HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "raw bytes in the path"),
        (b"GET /v1/policies/xian\x00 HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "NUL in the path"),
        (b"GET * HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "asterisk target"),
        (b"OPTIONS * HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "OPTIONS *"),
        (b"GET http://127.0.0.1/healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "absolute-form"),
        (b"GET healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "target without a slash"),
        (b"\r\n\r\nGET /healthz HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n",
         "empty lines before the request"),
        (b"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\nGET /readyz HTTP/1.1\r\nHost: {HOST}"
         b"\r\nConnection: close\r\n\r\n", "two pipelined requests"),
        (b"GET /healthz HTTP/1.1\nHost: {HOST}\nConnection: close\n\n", "bare LF line ends"),
        (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 40, "TLS ClientHello"),
        (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "HTTP/2 preface"),
        (b"POST /v1/score HTTP/1.1\r\nHost: {HOST}\r\n" + auth + b"Content-Type: application/json"
         b"\r\nExpect: 100-continue\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
         % len(body) + body, "Expect: 100-continue with the body"),
    ]
    for data, what in raws:
        if b"Connection:" not in data and data.startswith((b"GET", b"POST", b"OPTIONS")) \
                and b"HTTP/1.1" in data:
            data = data.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1)
        yield Case("raw request", what, "protocol", "GET", "/", raw=data, half_close=True,
                   gunicorn_may_refuse=True, closing_ok=not data[:1].isalpha())


def reload_families() -> Iterator[Case]:
    for body in [b"", b"{}", b"[]", b"null", b"\xff", arrays(100).data]:
        yield post("reload", f"body {short(body, 30)}", "reload", body)


# --------------------------------------------------------------------------- random


DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
YEARS = [0, 1, 2, 1899, 1900, 1969, 1970, 2000, 2024, 2026, 2027, 2199, 2200, 2999, 9989, 9990,
         9998, 9999]


def hostile_like(rng: random.Random, current):
    """A hostile value, most often of the kind `current` is (a date for a date, a number
    for a number), so that it passes the first checks and reaches the code behind them."""
    if rng.random() < 0.3:
        return pool(rng)
    if isinstance(current, bool):
        return rng.choice([Raw("1"), Raw("0"), Raw('"true"'), None, *NUMBERS[:6]])
    if isinstance(current, (int, float)):
        return rng.choice(NUMBERS)
    if isinstance(current, str) and DAY.match(current):
        if rng.random() < 0.5:
            return rng.choice(DATES)
        year, month, day = rng.choice(YEARS), rng.randint(0, 13), rng.randint(0, 32)
        return f"{year:04d}-{month:02d}-{day:02d}"
    if isinstance(current, str):
        return rng.choice(STRINGS)
    if isinstance(current, list):
        return rng.choice(RECORDS + STRUCTURES)
    return pool(rng)


def mutate(rng: random.Random, doc, changes: int, notes: list | None = None):
    """`doc` with `changes` hostile edits at random places: a value replaced, a key added,
    a key repeated, a value replaced by an odd structure. Each edit is described in
    `notes` when given."""
    notes = [] if notes is None else notes
    for _ in range(changes):
        places = list(_places(doc, ()))
        path, node = rng.choice(places)
        if not path and rng.random() < 0.8 and len(places) > 1:
            path, node = rng.choice(places[1:])  # the whole body only now and then
        value = hostile_like(rng, node)
        action = rng.random()
        where = ".".join(map(str, path)) or "(body)"
        if action < 0.6 and path:
            doc = set_path_raw(doc, path, value)
            notes.append(f"{where} = {short(value, 50)}")
        elif action < 0.75 and isinstance(node, dict):
            key = rng.choice(["x", "", "\x00", "__proto__", "a" * 1000, "record", "city"])
            doc = set_path_raw(doc, (*path, key), value)
            notes.append(f"{where} gets key {short(key, 20)} = {short(value, 50)}")
        elif action < 0.88 and isinstance(node, dict) and node:
            key = rng.choice(list(node))
            doc = set_path_raw(doc, path, Pairs([*node.items(), (key, value)]))
            notes.append(f"{where} repeats key {short(key, 20)} = {short(value, 50)}")
        elif path:
            value = rng.choice(STRUCTURES + [value])
            doc = set_path_raw(doc, path, value)
            notes.append(f"{where} = {short(value, 50)}")
        else:
            doc = rng.choice([arrays(rng.randint(1, 40)), objects(rng.randint(1, 40)), value])
            notes.append(f"body = {short(doc, 50)}")
    return doc


def _places(node, path):
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _places(value, (*path, key))
    elif isinstance(node, list) and len(node) < 50:
        for index, value in enumerate(node):
            yield from _places(value, (*path, index))


def set_path_raw(doc, path: tuple, value):
    """Like set_path, for documents that may hold Raw and Pairs (copied by hand)."""
    if not path:
        return value
    if isinstance(doc, dict):
        copy = dict(doc)
        copy[path[0]] = set_path_raw(doc.get(path[0]), path[1:], value)
        return copy
    if isinstance(doc, list):
        copy = list(doc)
        copy[path[0]] = set_path_raw(doc[path[0]], path[1:], value)
        return copy
    return {path[0]: set_path_raw(None, path[1:], value)}


def random_body(rng: random.Random, e: Endpoint, notes: list):
    """A valid body for endpoint `e`, with a random city and every optional field when the
    endpoint takes applications."""
    cities = list(APPLICANTS)
    if e.name == "score":
        return score_body(rng.choice(cities), full=True)
    if e.name == "what-if":
        city = rng.choice(cities)
        body = whatif_body(city, full=True)
        fields = [k for k, v in FULL[city].items() if not isinstance(v, (dict, list))]
        field = rng.choice(fields)
        body["scenarios"].append({"name": "random", rng.choice(["set", "add"]): {
            field: FULL[city][field]}, "as_of": rng.choice([None, "2030-01-01"])})
        return body
    if e.name == "batch json":
        return [score_body(c, full=True) for c in rng.sample(cities, 3)]
    if e.name == "batch ndjson":
        return Raw("\n".join(json.dumps(score_body(c, full=True))
                             for c in rng.sample(cities, 3)), "ndjson")
    if e.name.startswith("simulate"):
        return random_simulation(rng, e.name.split()[-1], notes)
    return e.body()


def random_simulation(rng: random.Random, kind: str, notes: list) -> dict:
    """A simulation of a random city's applicants, its population mutated before it is
    written as JSON, NDJSON or CSV; for a draft, the draft (as an object) is mutated."""
    city = rng.choice(list(APPLICANTS))
    applicant, day = APPLICANTS[city]
    body = {"city": city, "as_of": day,
            "candidate": {"version": "2020.1" if city == "beijing" else None}}
    if city == "beijing":
        body["current_version"] = "2018.1"
    rows = json.loads(json.dumps([FULL[city], applicant]))
    if kind == "draft":
        draft = mutate(rng, yaml_doc(), rng.choice([1, 1, 2]), notes)
        notes[:] = [f"draft {n}" for n in notes]
        return {**simulate_body("json"), "candidate": {"policy": draft}}
    if city != "beijing":
        body["candidate"]["version"] = {"xian": "2024.1", "shanghai": "2023.1",
                                        "shenzhen": "2023.1", "tianjin": "2022.2"}[city]
    rows = mutate(rng, rows, rng.choice([1, 1, 2]), notes)
    notes[:] = [f"{kind} population row {n}" for n in notes]
    if kind == "json":
        body["population"] = rows
    elif kind == "ndjson":
        lines = rows if isinstance(rows, list) else [rows]
        body["population_ndjson"] = "\n".join(enc(r).decode("utf-8", "replace") for r in lines)
    else:
        body["population_csv"] = as_csv(rows)
    return body


def as_csv(rows) -> str:
    """Rows (objects, or anything a mutation left) as CSV text with a column per field
    path; a record list is written as its JSON."""
    rows = rows if isinstance(rows, list) else [rows]
    flat = [_flatten(r, "") if isinstance(r, dict) else {"value": r} for r in rows]
    header = list(dict.fromkeys(k for r in flat for k in r))

    def cell(value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (Raw, Pairs, list, dict)):
            text = enc(value).decode("utf-8", "replace")
            return text if not isinstance(value, Raw) or text.startswith('"') is False \
                else text.strip('"')
        text = str(value)
        return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n\r') \
            else text

    lines = [",".join(cell(k) for k in header)]
    lines += [",".join(cell(r.get(k)) for k in header) for r in flat]
    return "\n".join(lines) + "\n"


def _flatten(node: dict, prefix: str) -> dict:
    out = {}
    for key, value in node.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(_flatten(value, path + "."))
        else:
            out[path] = value
    return out


def random_cases(rng: random.Random, count: int) -> Iterator[Case]:
    posts = [e for e in ENDPOINTS if e.body is not None]
    auths = auth_variants()
    for _ in range(count):
        e = rng.choice(posts)
        notes: list[str] = []
        doc = random_body(rng, e, notes)
        changes = rng.choice([1, 1, 1, 2, 2, 3])
        if e.name.startswith("simulate") and rng.random() < 0.8:
            changes = 0  # the population or the draft was changed already
        if isinstance(doc, Raw):  # NDJSON: mutate one of its lines
            lines = [json.loads(line) for line in doc.data.decode().splitlines()]
            index = rng.randrange(len(lines))
            lines[index] = mutate(rng, lines[index], changes, line_notes := [])
            notes += [f"line {index + 1}: {n}" for n in line_notes]
            data = b"\n".join(enc(line) for line in lines)
        else:
            doc = mutate(rng, doc, changes, notes)
            data = enc(doc)
        headers = []
        if rng.random() < 0.85:
            headers.append(bearer(rng.choice(SCOPE_KEYS[e.scope])))
        else:
            headers += rng.choice(auths)[1]
        kind = e.content_type if rng.random() < 0.93 else rng.choice(CONTENT_TYPES)
        headers.append(("Content-Type", kind))
        if rng.random() < 0.15:
            headers.append(("Accept-Language", rng.choice(ACCEPT_LANGUAGES)))
        if rng.random() < 0.05:
            headers += [(f"X-Flood-{i}", "v" * rng.randint(1, 80)) for i in range(80)]
        what = "; ".join(notes) or "valid body"
        yield Case(f"{e.method} {e.path} ({e.name})", what, f"random {e.name}", e.method,
                   e.path, headers, data)
    gets = [e for e in ENDPOINTS if e.method == "GET"]
    for _ in range(count // 4):
        e = rng.choice(gets)
        params = []
        for _ in range(rng.randint(1, 3)):
            name = rng.choice(["window", "history", "as_of", "version", "from", "to", "city",
                               "lang", "embed", "x"])
            value = rng.choice(WINDOWS + HISTORIES + CITY_NAMES + ["2026-06-30", "9999-12-31",
                                                                     "0000-01-01", "2018.1"])
            params.append(f"{name}={quote(value, safe='%')}")
        base = e.path.split("?")[0]
        scope_keys = SCOPE_KEYS[e.scope]
        key = rng.choice(scope_keys + [None])
        yield get(f"{base}?{'&'.join(params)}", "query " + "&".join(params)[:80],
                  f"random {e.name}", key)


# --------------------------------------------------------------------------- all


def build_cases(seed: int, random_count: int, large: bool = False) -> list[Case]:
    """Every case, in an order shuffled by `seed` (so that requests that hold a worker long
    are spread out), numbered in that order. `large` adds bigger bombs, bodies and more
    drift windows."""
    bombs = [(6, 10), (7, 10), (9, 9)] if not large else [(6, 10), (7, 10), (8, 10), (9, 9),
                                                          (30, 2), (12, 5)]
    families = [auth_matrix(), score_families(), whatif_families(), batch_families(),
                simulate_families(bombs), baseline_families(), drift_families(large),
                policy_families(), path_families(), method_families(),
                content_type_families(), header_families(),
                body_size_families(2 if large else 1), protocol_families(), reload_families()]
    rng = random.Random(seed)
    cases = [case for family in families for case in family]
    cases += list(random_cases(rng, random_count))
    rng.shuffle(cases)
    for number, case in enumerate(cases, 1):
        case.number = number
    return cases


def describe(case: Case) -> str:
    return f"#{case.number} {case.endpoint}: {case.what}"
