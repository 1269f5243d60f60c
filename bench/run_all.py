"""Run every benchmark; each prints its figure beside a baseline from the same run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = ["bench_engine.py", "bench_batch.py", "bench_http.py", "bench_whatif.py",
           "bench_recording.py", "bench_simulate.py", "bench_rounds.py", "bench_calculator.py"]


def main() -> int:
    failed = []
    for name in BENCHES:
        print(f"== {name}", flush=True)
        if subprocess.run([sys.executable, str(HERE / name)], cwd=HERE).returncode:
            failed.append(name)
    print("all targets met" if not failed else f"below target: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
