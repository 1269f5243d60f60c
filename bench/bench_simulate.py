"""`hukou-points simulate` over a CSV of N synthetic Beijing rows (default 1,000,000):
rows per second and peak memory. Baseline in the same run: reading the same CSV with
csv.DictReader alone, the floor cost of streaming the file."""

from __future__ import annotations

import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, report

N = int(os.environ.get("BENCH_SIMULATE_ROWS", "1000000"))


def main() -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "population.csv"
        subprocess.run([sys.executable, "-m", "service.cli", "population", "generate",
                        "--city", "beijing", "--n", str(N), "--seed", "11",
                        "--as-of", "2024-06-30", "--out", str(path)], cwd=ROOT, check=True)
        start = time.perf_counter()
        with open(path, newline="") as handle:
            rows = sum(1 for _ in csv.DictReader(handle))
        floor = rows / (time.perf_counter() - start)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "service.cli", "simulate", "--city", "beijing",
                        "--population", str(path), "--candidate-version", "2018.1",
                        "--as-of", "2024-06-30"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        rate = N / (time.perf_counter() - start)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    ok = report(f"simulate {N:,} CSV rows from the CLI (two policies each)", rate, "rows/s",
                floor, "csv.DictReader over the same file", absolute_target=50_000)
    print(f"peak memory of the largest child: {peak_mb:,.0f} MB [target < 300 MB] "
          f"{'OK' if peak_mb < 300 else 'ABOVE'}")
    return ok and peak_mb < 300


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
