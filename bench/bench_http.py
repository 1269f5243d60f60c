"""(a) POST /v1/score requests per second under gunicorn (2 sync workers), with wrk.

Baseline in the same run: a Flask hello-world JSON endpoint under the same
gunicorn settings, the same wrk load and the same request body. Both servers run
side by side and the wrk runs alternate (hello, ours, hello, ours, ...), so a
shared machine's slow minute falls on both; each side's median run is reported.
"""

from __future__ import annotations

import json
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
KEY = "bench-secret"


def wrk(base: str, body: str, tmp: str, path: str = "/v1/score",
        duration: str = DURATION) -> float:
    script = Path(tmp) / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {KEY}"\n'
        f"wrk.body = {json.dumps(body)}\n")
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{duration}", "-s", str(script),
                          base + path], capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{non2xx.group(1)} failed responses:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> bool:
    if not shutil.which("wrk"):
        print("wrk is not installed (scripts/install-system-deps installs it)")
        return False
    body = json.dumps(beijing_requests(1)[0])
    with tempfile.TemporaryDirectory() as tmp:
        env = {"HUKOU_API_KEYS_FILE": keys_file_for_bench(tmp)}
        with gunicorn("bench.hello_app:create_app()", workers=2) as hello_base, \
                gunicorn("service:create_app()", workers=2, env=env) as base:
            wrk(hello_base, body, tmp, duration="2s")  # warm up
            wrk(base, body, tmp, duration="2s")
            hellos, ours_runs = [], []
            for _ in range(ROUNDS):
                hellos.append(wrk(hello_base, body, tmp, duration="5s"))
                ours_runs.append(wrk(base, body, tmp, duration="5s"))
    hello, ours = statistics.median(hellos), statistics.median(ours_runs)
    return report("POST /v1/score under gunicorn, 2 sync workers", ours, "requests/s", hello,
                  "Flask hello-world JSON, same gunicorn and wrk", target=0.6)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
