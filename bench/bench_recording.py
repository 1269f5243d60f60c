"""POST /v1/score with recording on (Redis store) as a ratio to recording off
(`"record": false`), same gunicorn (2 sync workers, REDIS_URL set), same wrk load.
A redis-server is started on a free loopback port for the run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time

from bench_batch import keys_file_for_bench
from bench_http import wrk
from common import beijing_requests, free_port, gunicorn, report


def main() -> bool:
    if not (shutil.which("wrk") and shutil.which("redis-server")):
        print("wrk and redis-server are needed (scripts/install-system-deps installs them)")
        return False
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                  "--save", "", "--dir", tmp], stdout=subprocess.DEVNULL)
        try:
            time.sleep(0.5)
            env = {"HUKOU_API_KEYS_FILE": keys_file_for_bench(tmp),
                   "REDIS_URL": f"redis://127.0.0.1:{port}/0"}
            on = beijing_requests(1)[0]
            off = {**on, "record": False}
            with gunicorn("service:create_app()", workers=2, env=env) as base:
                wrk(base, json.dumps(off), tmp)
                without = wrk(base, json.dumps(off), tmp)
                recorded = wrk(base, json.dumps(on), tmp)
        finally:
            redis.terminate()
            redis.wait(timeout=10)
    return report("POST /v1/score recording to Redis", recorded, "requests/s", without,
                  "the same with record: false", target=0.9)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
