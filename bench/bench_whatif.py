"""POST /v1/what-if with 5 scenarios and the path to the threshold, requests per second
as a ratio to POST /v1/score in the same run (same gunicorn, 2 sync workers, same wrk)."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile

from bench_batch import keys_file_for_bench
from bench_http import wrk
from common import beijing_requests, gunicorn, report


def main() -> bool:
    if not shutil.which("wrk"):
        print("wrk is not installed (scripts/install-system-deps installs it)")
        return False
    single = beijing_requests(1)[0]
    scenarios = [
        {"name": "another year", "add": {"social_insurance_months": 12,
                                         "social_insurance_consecutive_months": 12}},
        {"name": "buy a home", "add": {"housing.owned_months": 24}},
        {"name": "master's degree", "set": {"education.level": "master"}},
        {"name": "next round", "as_of": "2025-06-30"},
        {"name": "honour", "set": {"honour": True}},
    ]
    what_if = {**single, "scenarios": scenarios}
    with tempfile.TemporaryDirectory() as tmp:
        env = {"HUKOU_API_KEYS_FILE": keys_file_for_bench(tmp)}
        with gunicorn("service:create_app()", workers=2, env=env) as base:
            wrk(base, json.dumps(single), tmp)
            plain = wrk(base, json.dumps(single), tmp)
            ours = wrk(base, json.dumps(what_if), tmp, "/v1/what-if")
    return report("POST /v1/what-if, 5 scenarios and the path", ours, "requests/s", plain,
                  "POST /v1/score, same server and load", target=0.25)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
