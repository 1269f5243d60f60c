"""(b) Applications per second through POST /v1/score/batch with 10,000 items.

Baseline in the same run: the bare marshmallow load of the same 10,000
applications (the request envelope and the policy's applicant schema), the
floor cost of validating them at all.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request

from common import ROOT, beijing_requests, gunicorn, report

from service.policy.applicant import parser_of

sys.path.insert(0, str(ROOT))

from service.api.schemas import ScoreRequest  # noqa: E402
from service.policy.loader import load_policy_dir  # noqa: E402

N = 10_000
KEY = "bench-secret"


def marshmallow_floor(requests: list[dict]) -> float:
    policies = load_policy_dir(ROOT / "policies")
    policy = next(p for p in policies.cities["beijing"] if p.version == "2020.1")
    envelope, applicant = ScoreRequest(), parser_of(policy).schema
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        for item in requests:
            envelope.load(item)
            applicant.load(item["applicant"])
        best = max(best, N / (time.perf_counter() - start))
    return best


def through_http(base: str, body: bytes) -> float:
    best = 0.0
    for _ in range(3):
        request = urllib.request.Request(base + "/v1/score/batch", data=body, headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {KEY}"})
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as resp:
            raw = resp.read()
        elapsed = time.perf_counter() - start  # the client's own JSON decoding is not timed
        out = json.loads(raw)
        assert out["count"] == N and out["failed"] == 0, out.get("failed")
        best = max(best, N / elapsed)
    return best


def main(keys_file: str) -> bool:
    requests = beijing_requests(N)
    body = json.dumps(requests).encode()
    floor = marshmallow_floor(requests)
    with gunicorn("service:create_app()", workers=1,
                  env={"HUKOU_API_KEYS_FILE": keys_file}) as base:
        rate = through_http(base, body)
    return report("batch of 10,000 through HTTP", rate, "applications/s", floor,
                  "bare marshmallow load of the same items", target=0.6,
                  absolute_target=8_000)


def keys_file_for_bench(tmp: str) -> str:
    import hashlib
    from pathlib import Path

    path = Path(tmp) / "keys.yaml"
    digest = hashlib.sha256(KEY.encode()).hexdigest()
    path.write_text(f"- name: bench\n  sha256: {digest}\n  scopes: [score, batch]\n")
    return str(path)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        sys.exit(0 if main(keys_file_for_bench(tmp)) else 1)
