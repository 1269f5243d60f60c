"""Hostile requests to every endpoint of a real gunicorn (deploy/gunicorn.conf.py, three
workers) with a real redis-server and an API keys file, all on 127.0.0.1.

The requests (tests/fuzz/hostile_cases.py) carry hostile bodies, headers, paths and
methods, with keys of every scope, no key and wrong keys; they go out over plain sockets
so that malformed ones are sent as written. Each answer is checked: no 5xx (nor a 5xx item
in a batch answer), no connection reset or timeout (10 s a request), every 4xx from the
service is application/problem+json with type, title and status, no stack trace text in
any body. A request that timed out, was reset or was slow is sent again alone once the
workers are idle; only one that fails alone too counts (the others waited behind it).
Afterwards the gunicorn log must hold no worker timeout, killed or exited worker and no
unhandled error, and the workers' summed RSS must have grown by at most 150 MB.

The summary line (cases, answers per status) is printed, then every failure grouped by
root cause: for a 5xx, the error class and the frames from the service's log line for
that request id; for a timeout, where gunicorn found the worker when it killed it.
gunicorn's own answers to requests its parser refuses (400, 414, 431...) are counted
apart and only held to "no 5xx". The normal run sends about 2,700 requests (about 15 s
against a sound server); the `slow` one about 17,000, with bigger YAML bombs, bodies
and drift windows. HOSTILE_FUZZ_REPORT=path writes every case and its answer as JSON.
"""

from __future__ import annotations

import collections
import concurrent.futures
import json
import os
import resource
import threading
import time
from pathlib import Path

import pytest
from gunicorn_process import Gunicorn
from hostile_cases import (
    Case,
    Outcome,
    answered_by_gunicorn,
    bearer,
    build_cases,
    check,
    describe,
    enc,
    exchange,
    request_bytes,
    score_body,
    simulate_body,
    whatif_body,
)
from policy_edits import policy_copy

pytestmark = pytest.mark.redis

SEED = 20261130
WORKERS = 3
CLIENTS = 2  # concurrent connections: fewer than the workers, so one stuck worker
#             does not make the others' requests wait
TIMEOUT = 10.0  # seconds a request may take, all in all
SLOW = 5.0  # an answer slower than this counts as a failure
MEMORY_GROWTH_MB = 150
ADDRESS_SPACE = 4 << 30  # per gunicorn process: a runaway YAML expansion fails, not the host
CONFIRM_MAX, CONFIRM_SECONDS = 12, 90.0
BAD_LOG = ("WORKER TIMEOUT", "was sent SIG", "exited with code", "Worker exiting (pid",
           "Exception in worker process", "Traceback", "Error handling request")

NORMAL = pytest.param({"random": 400, "large": False, "budget": 120.0}, id="normal")
LARGE = pytest.param({"random": 12000, "large": True, "budget": 900.0},
                     marks=[pytest.mark.slow, pytest.mark.timeout(1800)], id="large")


@pytest.fixture
def hostile_server(tmp_path, keys_file, redis_server):
    root = policy_copy(tmp_path / "policies")
    server = Gunicorn(tmp_path, {
        "HUKOU_POLICY_DIR": str(root), "HUKOU_CHECK_PUBLISHED": "0",
        "HUKOU_API_KEYS_FILE": keys_file, "REDIS_URL": redis_server.url,
        # Anonymous hostile bodies must reach the handlers, not the rate limit.
        "HUKOU_RATE_LIMIT_ANONYMOUS": "1000000/minute",
        # The wrong keys sent on purpose must not lock out the right ones (same address).
        "HUKOU_RATE_LIMIT_BAD_KEYS": "1000000/minute"}, workers=WORKERS, name="hostile")
    server.start()
    for pid in [server.process.pid, *server.workers()]:  # workers forked later inherit it
        resource.prlimit(pid, resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    yield server
    server.stop()


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def send(server: Gunicorn, case: Case) -> Outcome:
    return exchange(server.port, request_bytes(case, server.port), case.method, TIMEOUT,
                    case.half_close)


def wait_idle(server: Gunicorn, seconds: float = 60.0) -> bool:
    """True once every worker is free: as many /healthz at once as there are workers, all
    answered within a second."""
    probe = Case("GET /healthz", "idle probe", "probe", "GET", "/healthz")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            answers = list(pool.map(lambda _: exchange(server.port, request_bytes(
                probe, server.port), "GET", 1.0), range(WORKERS)))
        if all(a.status == 200 for a in answers):
            return True
        time.sleep(0.5)
    return False


def warm_up(server: Gunicorn) -> None:
    """Valid requests to every endpoint, several times over, so each worker has loaded what
    it loads lazily before memory is measured, and bureau scores are recorded for drift."""
    posts = [("/v1/score", score_body(city), "bureau") for city in
             ("xian", "beijing", "shanghai", "shenzhen", "tianjin")]
    posts += [("/v1/what-if", whatif_body(), "scorer"), ("/v1/score/batch",
                                                         [score_body()] * 50, "bureau")]
    posts += [("/v1/simulate", simulate_body(kind), "admin")
              for kind in ("json", "ndjson", "csv", "draft")]
    gets = [("/v1/monitoring/drift?history=3", "ops"), ("/metrics", "ops"),
            ("/v1/policies", None), ("/v1/policies/beijing/diff?from=2018.1&to=2020.1", None),
            ("/calculator?city=xian", None), ("/openapi.json", None), ("/docs", None)]
    cases = []
    for _ in range(4):
        for path, body, key in posts:
            cases.append(Case(path, "warm-up", "warm-up", "POST", path,
                              [bearer(key), ("Content-Type", "application/json")], enc(body)))
        for path, key in gets:
            cases.append(Case(path, "warm-up", "warm-up", "GET", path,
                              [bearer(key)] if key else []))
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        outcomes = list(pool.map(lambda c: send(server, c), cases))
    bad = [(c.target, o.status, o.error) for c, o in zip(cases, outcomes) if o.status != 200]
    assert not bad, f"valid requests failed before the fuzz started: {bad[:5]}"


def log_entries(text: str) -> tuple[dict, list[str], list[dict]]:
    """(request id -> the service's unhandled-error entries, gunicorn lines that show a
    stuck, killed or crashed worker or an error outside the app, and for each "Error
    handling request" its request line and where the worker was: the service's frames, the
    innermost frame and the exception line)."""
    errors: dict[str, list[dict]] = collections.defaultdict(list)
    bad, blocks, block = [], [], None
    for line in text.splitlines():
        if block is not None:
            if line.startswith(("[", "{")):
                blocks.append(block)
                block = None
            elif line.startswith('  File "'):
                where = line.strip()[len('File "'):]
                path, _, rest = where.partition('", line ')
                number, _, function = rest.partition(", in ")
                block["frames"].append(f"{Path(path).name}:{number} {function}")
                block["ours"].append("/service/" in path)
                continue
            elif line and not line.startswith(" "):
                block["exception"] = line.strip()[:200]
                continue
            else:
                continue
        if line.startswith("{") and '"unhandled error"' in line:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            errors[entry.get("request_id") or ""].append(entry)
        elif any(mark in line for mark in BAD_LOG):
            bad.append(line.strip()[:300])
            if "Error handling request" in line:
                request_line = line.split("Error handling request", 1)[1].strip()
                block = {"request": request_line, "frames": [], "ours": [], "exception": ""}
    if block is not None:
        blocks.append(block)
    for found in blocks:
        ours = [f for f, mine in zip(found["frames"], found["ours"]) if mine]
        found["where"] = " > ".join(ours[-4:] + ([found["frames"][-1]] if found["frames"]
                                                 and found["frames"][-1] not in ours else []))
    return errors, bad, blocks


SERVICE_FILES = {p.name for p in (Path(__file__).resolve().parents[2] / "service").rglob("*.py")
                 if p.name != "__init__.py"}


def signature(entry: dict) -> str:
    """The error class, the innermost frame of the service's own code and the innermost
    frame of all (a library's, often)."""
    trace = entry.get("trace") or []
    ours = [f for f in trace if f.split(":")[0] in SERVICE_FILES]
    frames = ([ours[-1]] if ours and ours[-1] != trace[-1] else []) + trace[-1:]
    return f"{entry.get('error')} at {' ... '.join(frames) or '?'}"


def run(server: Gunicorn, cases: list[Case], budget: float) -> dict:
    """Send every case (CLIENTS at a time, at most `budget` seconds), then send again, alone,
    each one that timed out, was reset or was slow. Returns outcomes and problems."""
    outcomes: dict[int, Outcome] = {}
    problems: dict[int, list[str]] = {}
    started = time.monotonic()
    lock = threading.Lock()

    def one(case: Case) -> None:
        if time.monotonic() - started > budget:
            return  # reported as not sent
        outcome = send(server, case)
        wrong = check(case, outcome, SLOW)
        with lock:
            outcomes[case.number] = outcome
            if wrong:
                problems[case.number] = wrong

    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(one, cases))
    elapsed = time.monotonic() - started
    by_number = {c.number: c for c in cases}
    transient = sorted(n for n, wrong in problems.items()
                       if outcomes[n].status is None or outcomes[n].error
                       or any(w.startswith("slow") for w in wrong))
    # One of each family first: the bound then covers as many kinds of hang as it can.
    seen, firsts, rest = set(), [], []
    for number in transient:
        group = (by_number[number].endpoint, by_number[number].family)
        (rest if group in seen else firsts).append(number)
        seen.add(group)
    collateral, tried, confirmed_at = [], set(), time.monotonic()
    for number in (firsts + rest)[:CONFIRM_MAX]:
        if time.monotonic() - confirmed_at > CONFIRM_SECONDS:
            break
        tried.add(number)
        wait_idle(server)
        case = by_number[number]
        again = send(server, case)
        wrong = check(case, again, SLOW)
        if wrong:
            problems[number] = [*wrong, f"(again alone: {outcomes[number].error or 'slow'} "
                                        f"then {again.error or again.status})"]
            outcomes[number] = again
        else:
            collateral.append(number)
            outcomes[number] = again
            del problems[number]
    unconfirmed = [n for n in transient if n not in tried]
    for number in unconfirmed:
        problems[number].append("(not sent again alone: bound reached)")
    idle = wait_idle(server)
    return {"outcomes": outcomes, "problems": problems, "elapsed": elapsed, "idle": idle,
            "collateral": collateral, "unconfirmed": unconfirmed,
            "not_sent": [c.number for c in cases if c.number not in outcomes]}


def root_causes(cases: list[Case], result: dict, errors: dict, stuck: list[dict]) -> list[dict]:
    """Failures grouped: a 5xx by the error class and innermost frame the service logged for
    its request id; anything else by what went wrong, the endpoint and the case family. A
    timeout is shown with where gunicorn found a worker serving the same request line when
    it killed it (a GET's query included; a POST's path only, so that one may be another
    request to the same path)."""
    by_number = {c.number: c for c in cases}
    groups: dict[tuple, dict] = {}
    for number, wrong in sorted(result["problems"].items()):
        case, outcome = by_number[number], result["outcomes"][number]
        rid = outcome.headers.get("x-request-id") or case.request_id
        entries = errors.get(rid, [])
        if entries:
            key = ("5xx", signature(entries[0]))
            trace = entries[0].get("trace", [])[-5:]
        else:
            kind = wrong[0].split(":")[0].split(" (")[0]
            if kind.startswith("HTTP 5") or kind.startswith("batch item"):
                kind = "5xx without a log entry"
            key = (kind, case.endpoint, case.family)
            trace = []
            line = f"{case.method} {case.target}"
            for found in stuck:
                if found["request"] == line or (case.method != "GET"
                                                and found["request"] == line.split("?")[0]):
                    trace = [f"worker killed while serving {found['request'][:80]} was at "
                             f"{found['where']} ({found['exception']})"]
                    break
        group = groups.setdefault(key, {"cause": " / ".join(key), "count": 0, "endpoints": set(),
                                        "statuses": collections.Counter(), "examples": [],
                                        "trace": trace})
        group["count"] += 1
        group["endpoints"].add(case.endpoint)
        group["statuses"][outcome.error or outcome.status] += 1
        if len(group["examples"]) < 4:
            group["examples"].append(f"{describe(case)} -> {'; '.join(wrong)}")
    out = sorted(groups.values(), key=lambda g: -g["count"])
    for group in out:
        group["endpoints"] = sorted(group["endpoints"])
        group["statuses"] = dict(group["statuses"])
    return out


def report_text(summary: str, causes: list[dict], bad_log: list[str], memory: str,
                result: dict) -> str:
    lines = [summary, memory]
    if result["collateral"]:
        lines.append(f"{len(result['collateral'])} timeouts/slow answers passed when sent again "
                     f"alone (they waited behind a stuck worker): "
                     f"{result['collateral'][:20]}")
    if result["unconfirmed"]:
        lines.append(f"{len(result['unconfirmed'])} timeouts/slow answers not sent again alone "
                     "(bound reached); they count as failures")
    if result["not_sent"]:
        lines.append(f"{len(result['not_sent'])} cases not sent: the time budget ran out")
    for i, group in enumerate(causes, 1):
        lines.append(f"[{i}] {group['cause']}: {group['count']} cases, answers "
                     f"{group['statuses']}, endpoints {', '.join(group['endpoints'])}")
        if group["trace"]:
            lines.append("     log: " + " > ".join(group["trace"]))
        lines += [f"     e.g. {example}" for example in group["examples"]]
    if bad_log:
        lines.append(f"gunicorn log: {len(bad_log)} lines showing stuck, killed or crashed "
                     "workers or errors outside the app:")
        lines += [f"     {line}" for line in bad_log[:30]]
    return "\n".join(lines)


@pytest.mark.parametrize("size", [NORMAL, LARGE])
def test_hostile_requests_get_no_5xx_and_well_formed_problems(hostile_server, size):
    server = hostile_server
    cases = build_cases(SEED, size["random"], large=size["large"])
    warm_up(server)
    assert wait_idle(server)
    workers_before = sorted(server.workers())
    memory_before = rss_mb(workers_before)
    log_start = server.log_path.stat().st_size

    result = run(server, cases, size["budget"])

    workers_after = sorted(server.workers())
    memory_after = rss_mb(workers_after)
    with open(server.log_path, "rb") as log:
        log.seek(log_start)
        errors, bad_log, stuck = log_entries(log.read().decode("utf-8", "replace"))
    causes = root_causes(cases, result, errors, stuck)

    statuses = collections.Counter(o.status if o.status is not None else o.error
                                   for o in result["outcomes"].values())
    by_gunicorn = [n for n, o in result["outcomes"].items() if answered_by_gunicorn(o)]
    numbered = {c.number: c for c in cases}
    unexpected = [n for n in by_gunicorn if not numbered[n].gunicorn_may_refuse]
    fivexx = sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500)
    ordered = dict(sorted(statuses.items(), key=lambda kv: (isinstance(kv[0], str), kv[0])))
    summary = (f"hostile fuzz: {len(result['outcomes'])} cases in {result['elapsed']:.0f} s, "
               f"statuses {ordered}, 5xx: {fivexx}, failing cases: {len(result['problems'])} "
               f"({len(causes)} root causes), answered by gunicorn's parser: {len(by_gunicorn)} "
               f"({len(unexpected)} of them meant for the service)")
    growth = memory_after - memory_before
    memory = (f"worker RSS: {memory_before:.0f} MB before, {memory_after:.0f} MB after "
              f"({growth:+.0f} MB); workers {workers_before} -> {workers_after}"
              + ("" if result["idle"] else "; a worker was still busy (not idle within 60 s)"))
    text = report_text(summary, causes, bad_log, memory, result)
    print("\n" + text)
    target = os.environ.get("HOSTILE_FUZZ_REPORT")
    if target:
        Path(target).write_text(json.dumps({
            "summary": summary, "memory": memory, "causes": causes, "gunicorn_log": bad_log,
            "collateral": result["collateral"], "gunicorn_unexpected": unexpected,
            "cases": [{"number": c.number, "endpoint": c.endpoint, "family": c.family,
                       "what": c.what, "status": o.status, "error": o.error,
                       "seconds": round(o.seconds, 3), "by_gunicorn": answered_by_gunicorn(o),
                       "problems": result["problems"].get(c.number, [])}
                      for c in cases if (o := result["outcomes"].get(c.number))]},
            indent=1, default=str, ensure_ascii=False))

    assert not result["not_sent"], text
    assert not result["problems"], text
    assert not bad_log, text
    assert not errors, text
    assert workers_after == workers_before, text
    assert growth <= MEMORY_GROWTH_MB, text
