"""Where one simulation worker's CPU goes, per row: N synthetic Beijing rows (default
300,000) read from a CSV by one process and one thread, as a `--workers` process reads its
part, scored under 2020.1 and 2018.1. Each phase is timed with the process's CPU clock
(best of three passes, after one to warm), and the table goes to bench/profiles/simulate.txt:

- parse: pyarrow's read of a block into string columns;
- line checks: the rest of `parse_block` (line ends, quotes, carriage returns, the quoted
  lines read again by the csv module);
- typing: `arrow_columns`, the cells typed and checked by arrow compute;
- two policies: the vectorised twin's `run` for both;
- tallies: `Side.add_many`;
- the rest: reading the file, flips, rows read one by one.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench_simulate import generate
from common import ROOT

sys.path.insert(0, str(ROOT))

import pyarrow.csv as pacsv  # noqa: E402

from service import population_arrow, simulate_files  # noqa: E402
from service.csv_blocks import csv_header  # noqa: E402
from service.policy.loader import load_policy_dir  # noqa: E402
from service.scoring import arrow_columns, simulate, vector  # noqa: E402

N = int(os.environ.get("PROFILE_SIMULATE_ROWS", "300000"))
OUT = Path(__file__).resolve().parent / "profiles" / "simulate.txt"
AS_OF = dt.date(2024, 6, 30)
PHASES = {"parse": (pacsv, "read_csv"), "parse_block": (population_arrow, "parse_block"),
          "typing": (arrow_columns, "arrow_columns"),
          "two policies": (vector.VectorPolicy, "run"), "tallies": (simulate.Side, "add_many")}


def timed(spent: Counter, label: str, owner, name: str) -> None:
    """Wrap owner.name so that its CPU time adds to spent[label]."""
    inner = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - start

    setattr(owner, name, wrapper)


def one_pass(path: Path, make) -> int:
    with open(path, "rb") as handle:
        header, start, _ = csv_header(handle, "population")
        end = os.fstat(handle.fileno()).st_size
        return simulate_files._csv_part(make(), handle, header, start, end, "population",
                                        False).rows


def main() -> None:
    versions = {p.version: p for p in
                load_policy_dir(ROOT / "policies", city="beijing").cities["beijing"]}

    def make():
        return simulate.Simulation(versions["2020.1"], versions["2018.1"], AS_OF)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "population.csv"
        generate(path, rows=N)
        simulate_files.keep_freed_memory()  # as simulate_csv does
        spent: Counter = Counter()
        for label, (owner, name) in PHASES.items():
            timed(spent, label, owner, name)
        one_pass(path, make)
        best: dict = {}
        for _ in range(3):
            spent.clear()
            start = time.process_time()
            rows = one_pass(path, make)
            spent["total"] = time.process_time() - start
            for label, seconds in spent.items():
                best[label] = min(best.get(label, seconds), seconds)
    per_row = {label: seconds / rows * 1e6 for label, seconds in best.items()}
    phases = {"parse": per_row["parse"],
              "line checks": per_row["parse_block"] - per_row["parse"],
              "typing": per_row["typing"], "two policies": per_row["two policies"],
              "tallies": per_row["tallies"]}
    phases["the rest"] = per_row["total"] - sum(phases.values())
    lines = [f"one worker, {rows:,} Beijing rows, CPU microseconds per row (best of 3)"]
    lines += [f"  {label:<13} {value:6.3f}" for label, value in phases.items()]
    lines.append(f"  {'total':<13} {per_row['total']:6.3f}")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
