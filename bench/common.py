"""Shared by the benchmarks: servers on free loopback ports, applicants, and reporting."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2024, 6, 30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(app: str, workers: int = 2, env: dict | None = None, timeout: float = 30.0):
    """A gunicorn on 127.0.0.1 (sync workers); yields its base URL, stops it afterwards."""
    port = free_port()
    cmd = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
           str(workers), "--worker-class", "sync", "--log-level", "warning", app]
    # Logs go to a file: a pipe nobody reads would fill and stall the workers.
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1):
                    break
            except OSError as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError("gunicorn did not start: "
                                       + log.read().decode(errors="replace")[-2000:]) from exc
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def beijing_applicant(rng: random.Random) -> dict:
    """A plausible Beijing applicant (the 2020.1 fields), every optional field given."""
    born = dt.date(rng.randint(1975, 1995), rng.randint(1, 12), rng.randint(1, 28))
    work = (AS_OF.year - born.year - 22) * 12
    insured = rng.randint(84, max(84, work))
    level = rng.choice(["associate", "bachelor", "bachelor", "master", "master", "doctorate"])
    owned = rng.randint(0, insured)
    return {
        "birth_date": born.isoformat(), "gender": rng.choice(["male", "female"]),
        "residence_permit": True, "social_insurance_months": insured,
        "social_insurance_consecutive_months": insured,
        "housing": {"owned_months": owned, "rented_months": rng.randint(0, insured - owned)},
        "education": {"level": level, "diploma": True, "degree": rng.random() < 0.8},
        "study_overlap": {"social_insurance_months": rng.choice([0, 0, 12, 36]),
                          "owned_months": 0, "rented_months": 0},
        "job_residence_outside_core": {"home_and_work_outside_months": rng.randint(0, 72),
                                       "home_outside_work_inside_months": 0},
        "innovation": rng.choice([None, None, None, {"kind": "sci_tech_award", "grade": 5}]),
        "tax_years_over_100k": rng.randint(0, 3), "tax_violations": 0,
        "honour": rng.random() < 0.02, "criminal_record": [],
    }


def beijing_requests(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    return [{"city": "beijing", "as_of": AS_OF.isoformat(), "applicant": beijing_applicant(rng)}
            for _ in range(n)]


def report(name: str, figure: float, unit: str, baseline: float, baseline_name: str,
           target: float | None = None, absolute_target: float | None = None) -> bool:
    """Print a figure beside its same-run baseline; return whether the targets are met."""
    ratio = figure / baseline if baseline else float("nan")
    ok = (target is None or ratio >= target) and (absolute_target is None
                                                  or figure >= absolute_target)
    goal = []
    if target is not None:
        goal.append(f"ratio target >= {target}")
    if absolute_target is not None:
        goal.append(f"target >= {absolute_target:,.0f} {unit}")
    print(f"{name}: {figure:,.0f} {unit}; baseline ({baseline_name}): {baseline:,.0f} {unit}; "
          f"ratio {ratio:.2f} [{', '.join(goal) or 'no target'}] {'OK' if ok else 'BELOW'}")
    return ok
