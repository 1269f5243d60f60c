"""cProfile of the engine's `score` over the bench_engine.py workload (Beijing 2020.1).

Writes the profile, sorted by own time and by cumulative time, and the policy's generated
evaluating function (whose lines the profile names `<policy evaluator>`) to
bench/profiles/engine.txt.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
from pathlib import Path

from bench_engine import engine_inputs
from common import ROOT

sys.path.insert(0, str(ROOT))

from service.scoring.engine import compiled_of, score  # noqa: E402

N = 20_000
OUT = Path(__file__).resolve().parent / "profiles" / "engine.txt"


def main() -> None:
    policy, _, as_of, parsed = engine_inputs(N)
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
