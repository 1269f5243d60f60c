"""`hukou-points simulate` of N synthetic Beijing rows (default 1,000,000) under two
policies, from the CLI as a user runs it (start-up included), on BENCH_SIMULATE_WORKERS
worker processes (default 2, the issue's 2 cores).

Baseline in the same run: pyarrow alone reading the same file into a table (its default
options: multi-threaded, types inferred), the rate the issue measures against (target
ratio >= 0.3). The same for the Parquet copy of the file. Then the CSV repeated to
BENCH_SIMULATE_BIG rows (default 10,000,000): peak memory of the whole process tree
(the CLI and its workers, summed, sampled every 20 ms), target < 500 MB.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, report

N = int(os.environ.get("BENCH_SIMULATE_ROWS", "1000000"))
BIG = int(os.environ.get("BENCH_SIMULATE_BIG", "10000000"))
WORKERS = os.environ.get("BENCH_SIMULATE_WORKERS", "2")
ROUNDS = 3
SIMULATE = [sys.executable, "-m", "service.cli", "simulate", "--city", "beijing",
            "--candidate-version", "2018.1", "--as-of", "2024-06-30", "--workers", WORKERS]


def pyarrow_rate(path: Path) -> float:
    """Rows per second of pyarrow reading the whole file into a table, best of ROUNDS."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    best = 0.0
    for _ in range(ROUNDS):
        start = time.perf_counter()
        table = pacsv.read_csv(path) if path.suffix == ".csv" else pq.read_table(path)
        best = max(best, table.num_rows / (time.perf_counter() - start))
        del table
    return best


def tree_rss_mb(root_pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total / 2**20


def simulate(path: Path, watch: bool = False) -> tuple[float, float]:
    """(seconds, peak MB of the process tree when `watch`) of one CLI simulation."""
    start, peak = time.perf_counter(), 0.0
    proc = subprocess.Popen([*SIMULATE, "--population", str(path)], cwd=ROOT,
                            stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 1800
    while proc.poll() is None and time.monotonic() < deadline:
        if watch:
            peak = max(peak, tree_rss_mb(proc.pid))
        time.sleep(0.02)
    if proc.poll() is None:
        proc.kill()
        raise RuntimeError("simulate ran past 30 minutes")
    if proc.returncode:
        raise RuntimeError(f"simulate failed ({proc.returncode})")
    return time.perf_counter() - start, peak


# The simulation proper, as pyarrow's read is measured: in a fresh process (the workers
# are forked from it) with the policies loaded, the clock around the call only.
IN_PROCESS = """
import datetime as dt, sys, time
from service.policy.loader import load_policy_dir
from service.scoring.simulate import Simulation
from service.simulate_files import simulate_csv, simulate_parquet
versions = {p.version: p for p in load_policy_dir("policies", city="beijing").cities["beijing"]}
def make():
    return Simulation(versions["2020.1"], versions["2018.1"], dt.date(2024, 6, 30))
path, workers = sys.argv[1], int(sys.argv[2])
run = simulate_csv if path.endswith(".csv") else simulate_parquet
start = time.perf_counter()
rows = run(make, path, workers).rows
print(rows / (time.perf_counter() - start))
"""


def in_process(path: Path) -> float:
    """Rows per second of the simulation call alone, best of ROUNDS."""
    return max(float(subprocess.run([sys.executable, "-c", IN_PROCESS, str(path), WORKERS],
                                    cwd=ROOT, check=True, capture_output=True,
                                    text=True).stdout) for _ in range(ROUNDS))


def generate(*paths: Path, rows: int = N) -> None:
    """The same synthetic population of `rows` rows into each path (format by extension),
    side by side."""
    procs = [subprocess.Popen([sys.executable, "-m", "service.cli", "population", "generate",
                               "--city", "beijing", "--n", str(rows), "--seed", "11", "--as-of",
                               "2024-06-30", "--out", str(path)], cwd=ROOT) for path in paths]
    if any(proc.wait(timeout=1800) for proc in procs):
        raise RuntimeError("population generate failed")


def repeated(source: Path, target: Path, rows: int) -> int:
    """`source`'s data rows repeated up to `rows` rows under one header; the row count."""
    with open(source, "rb") as handle:
        header = handle.readline()
        body = handle.read()
    per = body.count(b"\n")
    copies = max(1, rows // per)
    with open(target, "wb") as out:
        out.write(header)
        for _ in range(copies):
            out.write(body)
    return copies * per


def main() -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        csv_path, parquet_path = Path(tmp) / "population.csv", Path(tmp) / "population.parquet"
        generate(csv_path, parquet_path)
        ok = True
        for path, label in ((csv_path, "CSV"), (parquet_path, "Parquet")):
            floor = pyarrow_rate(path)
            met = report(f"simulate {N:,} {label} rows, 2 policies, {WORKERS} workers "
                         "(the call)", in_process(path), "rows/s", floor,
                         f"pyarrow reading the {label} file into a table",
                         target=0.3 if label == "CSV" else None)
            seconds = min(simulate(path)[0] for _ in range(ROUNDS))
            report(f"simulate {N:,} {label} rows, 2 policies, {WORKERS} workers, from the "
                   "CLI (start-up and policy loading included)", N / seconds, "rows/s",
                   floor, f"pyarrow reading the {label} file into a table")
            ok = ok and met
        if BIG and shutil.disk_usage(tmp).free > 3 * BIG * csv_path.stat().st_size // N:
            big = Path(tmp) / "big.csv"
            rows = repeated(csv_path, big, BIG)
            csv_path.unlink()
            seconds, peak = simulate(big, watch=True)
            within = peak < 500
            print(f"simulate {rows:,} CSV rows: {rows / seconds:,.0f} rows/s, peak memory of "
                  f"the CLI and its workers together {peak:,.0f} MB [target < 500 MB] "
                  f"{'OK' if within else 'ABOVE'}")
            ok = ok and within
    return ok


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
