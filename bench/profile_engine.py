"""cProfile of the engine's `score` over the bench_engine.py workload (Beijing 2020.1).

Writes the profile, sorted by own time and by cumulative time, and the policy's generated
evaluating function (whose lines the profile names `<policy evaluator>`) to
bench/profiles/engine.txt.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import io
import pstats
import sys
from pathlib import Path

from common import ROOT, beijing_requests

sys.path.insert(0, str(ROOT))

from service.policy.applicant import parser_of  # noqa: E402
from service.policy.loader import load_policy_dir  # noqa: E402
from service.scoring.engine import compiled_of, score  # noqa: E402

N = 20_000
OUT = Path(__file__).resolve().parent / "profiles" / "engine.txt"


def main() -> None:
    policies = load_policy_dir(ROOT / "policies")
    policy = next(p for p in policies.cities["beijing"] if p.version == "2020.1")
    requests = beijing_requests(N)
    as_of = dt.date.fromisoformat(requests[0]["as_of"])
    parsed = [parser_of(policy).parse(r["applicant"], as_of) for r in requests]
    for values in parsed[:1000]:  # compile and warm the memos outside the profile
        score(policy, values, as_of)
    profiler = cProfile.Profile()
    profiler.enable()
    for values in parsed:
        score(policy, values, as_of)
    profiler.disable()
    out = io.StringIO()
    for order in ("tottime", "cumulative"):
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(40)
    out.write(compiled_of(policy).evaluate.source)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(out.getvalue())
    print(out.getvalue())


if __name__ == "__main__":
    main()
