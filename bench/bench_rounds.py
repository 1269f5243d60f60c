"""`hukou-points rounds rank` over a CSV of N synthetic Beijing rows (default 1,000,000),
quota 6,000, the ranking written as CSV: rows per second and peak memory. Baseline in the
same run: `hukou-points simulate --workers 1` over the same rows (the same file without
its id column), the streaming read and scoring a round builds on, in one process as the
round is. The two commands alternate,
three times each (BENCH_ROUNDS_REPEATS); the medians are compared. Each runs as its own
child process, its peak memory read from its own rusage (the largest of its runs)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, report

N = int(os.environ.get("BENCH_ROUNDS_ROWS", "1000000"))
REPEATS = int(os.environ.get("BENCH_ROUNDS_REPEATS", "3"))
AS_OF = "2024-06-30"
TARGET_RATIO = 0.8
TARGET_MB = 500


def _timed(cmd: list[str]) -> tuple[float, float]:
    """(seconds, peak resident MB) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if status:
        raise SystemExit(f"{cmd[3:5]} failed ({status})")
    return elapsed, usage.ru_maxrss / 1024


def main() -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        plain, ranked = Path(tmp) / "population.csv", Path(tmp) / "round.csv"
        subprocess.run([sys.executable, "-m", "service.cli", "population", "generate",
                        "--city", "beijing", "--n", str(N), "--seed", "11",
                        "--as-of", AS_OF, "--out", str(plain)], cwd=ROOT, check=True)
        with open(plain, encoding="utf-8") as src, open(ranked, "w", encoding="utf-8") as out:
            out.write("id," + src.readline())
            for number, line in enumerate(src, 1):
                out.write(f"B{number:08d},{line}")
        # One process each: a round ranks every row in one place, so `rank` has no
        # workers; simulate's are set to one to compare like with like.
        simulate = [sys.executable, "-m", "service.cli", "simulate", "--city", "beijing",
                    "--population", str(plain), "--candidate-version", "2018.1",
                    "--as-of", AS_OF, "--workers", "1"]
        rank = [sys.executable, "-m", "service.cli", "rounds", "rank", "--city", "beijing",
                "--quota", "6000", "--as-of", AS_OF, "--population", str(ranked),
                "--out", str(Path(tmp) / "ranking.csv")]
        runs: dict = {"simulate": [], "rank": []}
        for _ in range(REPEATS):  # alternated, so that a busy moment falls on both
            runs["simulate"].append(_timed(simulate))
            runs["rank"].append(_timed(rank))
        simulate_s = statistics.median(s for s, _ in runs["simulate"])
        rank_s = statistics.median(s for s, _ in runs["rank"])
        simulate_mb = max(mb for _, mb in runs["simulate"])
        rank_mb = max(mb for _, mb in runs["rank"])
    ok = report(f"rank {N:,} CSV rows from the CLI (quota 6,000, ranking written as CSV, "
                f"median of {REPEATS})",
                N / rank_s, "rows/s", N / simulate_s,
                "simulate over the same rows, two policies, one process",
                   target=TARGET_RATIO)
    print(f"peak memory: rounds rank {rank_mb:,.0f} MB [target < {TARGET_MB} MB] "
          f"{'OK' if rank_mb < TARGET_MB else 'ABOVE'}; simulate {simulate_mb:,.0f} MB")
    return ok and rank_mb < TARGET_MB


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
