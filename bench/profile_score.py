"""Where the time of one POST /v1/score goes: cProfile over N requests through the real app.

The requests are bench_http.py's: the same body, `Content-Type: application/json` and a
bureau key (`Authorization: Bearer ...`, from bench_batch.keys_file_for_bench), sent
straight to the app's WSGI callable as gunicorn would (no HTTP parsing, no socket). The
Flask hello-world of bench_http.py is timed the same way, for the in-process ratio.

Writes bench/profiles/score.txt: the time per request (without the profiler), the share
of each area (auth, limiter, parsing, scoring, encoding, ...), then the top functions by
cumulative and by own time.

    .venv/bin/python bench/profile_score.py [N]
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, beijing_requests

sys.path.insert(0, str(ROOT))  # this checkout's service, before bench_batch imports it

from bench_batch import keys_file_for_bench  # noqa: E402
from bench_http import KEY  # noqa: E402

N = 5_000
OUT = Path(__file__).resolve().parent / "profiles" / "score.txt"

# Each area: the functions (file ending, name) whose inclusive time it is.
AREAS = {
    "auth (key check, principal)": [("service/api/auth.py", "current_principal")],
    "limiter (flask-limiter hooks)": [("service/api/__init__.py", "<lambda>")],
    "parsing (body, JSON, envelope, applicant)": [
        ("service/api/scoring.py", "json_body"), ("service/api/scoring.py", "load_request"),
        ("service/policy/applicant.py", "parse")],
    "scoring (policy, engine, notes)": [("service/scoring/application.py", "score_application")],
    "encoding (answer, orjson, Response)": [
        ("service/scoring/answer.py", "answer"), ("service/api/scoring.py", "json_response")],
    "recording (drift store, score metrics)": [("service/api/scoring.py", "__init__"),
                                               ("service/api/scoring.py", "__call__")],
    "metrics (request count, latency)": [("service/monitoring/metrics.py", "answered")],
    "logging (request line)": [("service/logs.py", "write")],
    "headers (request id, revision, security)": [("service/api/headers.py", "finish")],
    "request hooks (id, body limit, media type, log fields)": [
        ("service/api/__init__.py", "_before_request"),
        ("service/api/__init__.py", "_after_request")],
}
# Another area's functions called inside one, taken out of it: (its file, its name, the
# caller's file). Auth is first asked for by the limiter's hook; the applicant is parsed
# inside score_application; the log line, the metrics and the headers are written by
# _after_request.
NESTED = {
    "limiter (flask-limiter hooks)": [
        ("service/api/auth.py", "current_principal", "service/api/__init__.py")],
    "scoring (policy, engine, notes)": [
        ("service/policy/applicant.py", "parse", "service/scoring/application.py")],
    "request hooks (id, body limit, media type, log fields)": [
        ("service/logs.py", "write", "service/api/__init__.py"),
        ("service/monitoring/metrics.py", "answered", "service/api/__init__.py"),
        ("service/api/headers.py", "finish", "service/api/__init__.py")],
}


def environ(body: bytes) -> dict:
    """What gunicorn's sync worker hands the app for bench_http.py's request."""
    return {
        "REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": "/v1/score",
        "QUERY_STRING": "", "RAW_URI": "/v1/score", "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000", "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)), "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_AUTHORIZATION": f"Bearer {KEY}", "HTTP_CONTENT_TYPE": "application/json",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }


def caller(app, body: bytes):
    """One request through `app`'s WSGI callable: returns (status, headers, body)."""
    base = environ(body)

    def call():
        seen = []
        env = dict(base)
        env["wsgi.input"] = io.BytesIO(body)
        chunks = app(env, lambda status, headers, exc=None: seen.append((status, headers)))
        try:
            out = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        return seen[0][0], seen[0][1], out

    return call


def per_request(call, n: int) -> float:
    """CPU seconds of one request (no profiler): the lowest of five runs of n, in this
    process's CPU time, which other work on a shared machine disturbs little."""
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        for _ in range(n):
            call()
        best = min(best, (time.process_time() - started) / n)
    return best


def inclusive(stats: pstats.Stats, where: str, name: str, callers_in: str | None = None):
    """Seconds inside the functions `name` of files ending `where`; with `callers_in`, only
    the part called from functions of files ending `callers_in`."""
    total = 0.0
    for (path, _, func), (_, _, _, cum, callers) in stats.stats.items():
        if func != name or not path.endswith(where):
            continue
        if callers_in is None:
            total += cum
        else:
            total += sum(c[3] for (cpath, _, _), c in callers.items()
                         if cpath.endswith(callers_in))
    return total


def breakdown(stats: pstats.Stats, n: int) -> list[str]:
    total = stats.total_tt
    rows, counted = [], 0.0
    for area, entries in AREAS.items():
        seconds = sum(inclusive(stats, where, name) for where, name in entries)
        for where, name, within in NESTED.get(area, ()):
            seconds -= inclusive(stats, where, name, callers_in=within)
        counted += seconds
        rows.append((area, seconds))
    rows.append(("Flask, werkzeug, WSGI (routing, contexts, request, response)",
                 total - counted))
    lines = [f"{'area':<62} {'us/request':>10} {'share':>6}"]
    for area, seconds in rows:
        lines.append(f"{area:<62} {seconds / n * 1e6:>10.1f} {seconds / total:>6.1%}")
    lines.append(f"{'total (under the profiler)':<62} {total / n * 1e6:>10.1f} {1:>6.0%}")
    return lines


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else N
    from bench.hello_app import create_app as create_hello
    from service import create_app
    from service.logs import RequestLog

    body = json.dumps(beijing_requests(1)[0]).encode()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"API_KEYS_FILE": keys_file_for_bench(tmp),
                          "DECISION_KEY": "profile-decision-key-0123456789"})
    # The request log as in production (orjson into a buffer), but into /dev/null.
    app.extensions["request_log"] = RequestLog(
        io.BufferedWriter(io.FileIO(os.devnull, "wb"), 1 << 16))
    score, hello = caller(app, body), caller(create_hello(), body)
    status, headers, answer = score()
    if not status.startswith("200"):
        print(status, answer.decode(errors="replace"))
        return 1
    for _ in range(500):  # the memos and caches filled, as in a worker that has run a while
        score()
        hello()

    ours, base = per_request(score, min(n, 2000)), per_request(hello, min(n, 2000))
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        score()
    profiler.disable()

    stats = pstats.Stats(profiler)
    out = io.StringIO()
    out.write(f"POST /v1/score, {n} requests in process (bench_http.py's body and key), "
              f"cProfile\n\n")
    out.write(f"without the profiler: {ours * 1e6:.0f} us of CPU a request; the Flask "
              f"hello-world {base * 1e6:.0f} us; in-process ratio {base / ours:.2f}\n"
              "(over HTTP, gunicorn's own work for a request adds the same to both, a few "
              "hundred us: bench_http.py prints the servers' CPU per request)\n\n")
    out.write("Where the time goes: the inclusive time of each area's entry points, the "
              "rest is the framework.\nTimes are under the profiler, which inflates many "
              "small calls: read the shares.\n\n")
    out.write("\n".join(breakdown(stats, n)) + "\n\n")
    out.write("Response headers:\n" + "".join(f"  {k}: {v if k != 'X-Request-ID' else '...'}\n"
                                              for k, v in headers) + "\n")
    for order, title in (("cumulative", "by cumulative time"), ("tottime", "by own time")):
        out.write(f"Top functions {title}\n")
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(35)
        out.write(_table(text.getvalue()))
        out.write("\n")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(out.getvalue())
    print(out.getvalue())
    print(f"written: {OUT}")
    return 0


def _table(printed: str) -> str:
    """pstats' listing from its column header on (its preamble names the run's files)."""
    for prefix in sorted({str(ROOT) + "/", *(p + "/" for p in sys.path if p)}, key=len,
                         reverse=True):
        printed = printed.replace(prefix, "")
    lines = printed.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return "\n".join(lines[start:]).rstrip() + "\n"


if __name__ == "__main__":
    sys.exit(main())
