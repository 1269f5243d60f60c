"""(a) POST /v1/score requests per second under gunicorn (2 sync workers), with wrk.

Baseline in the same run: a Flask hello-world JSON endpoint under the same
gunicorn settings, the same wrk load and the same request body. Both servers run
side by side and the wrk runs alternate (hello, ours, hello, ours, ...), so a
shared machine's slow minute falls on both; each side's median run is reported.

Beside it, for the same runs, the CPU time the servers' processes (gunicorn's master and
workers, read from /proc) spent per request: other work on a shared machine slows the
runs down but hardly changes what a request costs, so that ratio moves much less.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_batch import keys_file_for_bench
from common import beijing_requests, gunicorn, report

DURATION = "10s"
ROUNDS = 3  # alternating pairs of 5 s runs
CONNECTIONS = 16  # wrk -c of this benchmark (issue 16); 2 threads
KEY = "bench-secret"


def server_cpu(base: str) -> float | None:
    """CPU seconds used so far by the gunicorn listening at `base` and its workers (None
    without /proc)."""
    bind = base.removeprefix("http://").encode() + b"\0"  # an argument of its own
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return None
    stats = {}
    for pid in pids:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:  # gone meanwhile
            continue
        stats[pid] = (b"gunicorn" in cmdline and bind in cmdline, fields[1],
                      int(fields[11]) + int(fields[12]))  # ppid, utime + stime (ticks)
    masters = {pid for pid, (ours, _, _) in stats.items() if ours}
    ticks = sum(t for pid, (_, ppid, t) in stats.items() if pid in masters or ppid in masters)
    return ticks / os.sysconf("SC_CLK_TCK") if masters else None


def wrk(base: str, body: str, tmp: str, path: str = "/v1/score",
        duration: str = DURATION, connections: int = 8) -> float:
    """Requests per second of one wrk run (8 connections: the other benchmarks' load)."""
    return wrk_cpu(base, body, tmp, path, duration, connections)[0]


def wrk_cpu(base: str, body: str, tmp: str, path: str = "/v1/score",
            duration: str = DURATION, connections: int = CONNECTIONS
            ) -> tuple[float, float | None]:
    """(requests per second, the server's CPU microseconds per request) of one wrk run."""
    script = Path(tmp) / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {KEY}"\n'
        f"wrk.body = {json.dumps(body)}\n")
    before = server_cpu(base)
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}", "-s", str(script),
                          base + path], capture_output=True, text=True, check=True).stdout
    after = server_cpu(base)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{non2xx.group(1)} failed responses:\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    cpu = None if before is None or after is None or not requests \
        else (after - before) / requests * 1e6
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), cpu


def main() -> bool:
    if not shutil.which("wrk"):
        print("wrk is not installed (scripts/install-system-deps installs it)")
        return False
    body = json.dumps(beijing_requests(1)[0])
    with tempfile.TemporaryDirectory() as tmp:
        env = {"HUKOU_API_KEYS_FILE": keys_file_for_bench(tmp)}
        with gunicorn("bench.hello_app:create_app()", workers=2) as hello_base, \
                gunicorn("service:create_app()", workers=2, env=env) as base:
            wrk_cpu(hello_base, body, tmp, duration="2s")  # warm up
            wrk_cpu(base, body, tmp, duration="2s")
            hellos, ours_runs = [], []
            for _ in range(ROUNDS):
                hellos.append(wrk_cpu(hello_base, body, tmp, duration="5s"))
                ours_runs.append(wrk_cpu(base, body, tmp, duration="5s"))
    hello, ours = (statistics.median(r for r, _ in runs) for runs in (hellos, ours_runs))
    print("runs (hello / ours, requests/s):",
          ", ".join(f"{h:,.0f}/{o:,.0f}" for (h, _), (o, _) in zip(hellos, ours_runs)))
    cpus = [c for _, c in hellos + ours_runs]
    if None not in cpus:
        hello_cpu, ours_cpu = (statistics.median(c for _, c in runs)
                               for runs in (hellos, ours_runs))
        print(f"server CPU per request (median): hello {hello_cpu:,.0f} us, ours "
              f"{ours_cpu:,.0f} us; ratio {hello_cpu / ours_cpu:.2f} (runs: "
              + ", ".join(f"{h:,.0f}/{o:,.0f}" for (_, h), (_, o) in zip(hellos, ours_runs))
              + ")")
    return report("POST /v1/score under gunicorn, 2 sync workers", ours, "requests/s", hello,
                  "Flask hello-world JSON, same gunicorn and wrk", target=0.6)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
