"""An open-loop load at a fixed rate against 127.0.0.1: requests are due at fixed times
whatever the answers, a bounded pool sends them, and every loop is bounded in count and
time. Used by the load and fault tests; each prints its report."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from conftest import SECRETS

XIAN = {"birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
        "criminal_record": [], "local_knowledge_score": 86}
BEIJING = {"birth_date": "1986-02-11", "residence_permit": True, "gender": "male",
           "social_insurance_months": 130, "social_insurance_consecutive_months": 130,
           "housing": {"owned_months": 40, "rented_months": 50},
           "education": {"level": "master", "diploma": True, "degree": True}}
BATCH_SIZE = 25


def _key(name: str) -> dict:
    return {"Authorization": f"Bearer {SECRETS[name][0]}"}


def mix(i: int) -> tuple[str, str, bytes, dict, int]:
    """(kind, path, body, headers, recorded scores) for the i-th request: 6 in 10 are
    scores, 3 what-ifs, 1 a batch of 25."""
    slot = i % 10
    applicant = dict(XIAN, local_knowledge_score=40 + i % 50)  # +5 stays within 100
    if slot < 6:
        city, who = ("beijing", BEIJING) if slot % 2 else ("xian", applicant)
        return "score", "/v1/score", json.dumps({"city": city, "applicant": who}).encode(), \
            _key("bureau"), 1
    if slot < 9:
        who = _key("scorer") if slot < 8 else {}  # one in three anonymous (rate-limited)
        return "what-if", "/v1/what-if", json.dumps({"city": "xian", "applicant": applicant,
                                                     "scenarios": [{"name": "more", "add": {
                                                         "local_knowledge_score": 5}}]}
                                                    ).encode(), who, 0
    items = [{"city": "xian", "applicant": dict(XIAN, local_knowledge_score=50 + k)}
             for k in range(BATCH_SIZE)]
    return "batch", "/v1/score/batch", json.dumps(items).encode(), _key("bureau"), BATCH_SIZE


@dataclass
class Report:
    name: str
    sent: int = 0
    failed: int = 0
    recorded: int = 0  # scores answered 200 by a bureau key: what the store must hold
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)
    latencies: list = field(default_factory=list)
    mixed: int = 0  # answers whose results name more than one policy set
    revisions: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0

    def line(self, lost: int | None = None) -> str:
        extra = "" if lost is None else f", lost {lost}"
        return (f"{self.name}: sent {self.sent}, failed {self.failed}{extra}; "
                f"p50 {self.percentile(0.5):.1f} ms, p99 {self.percentile(0.99):.1f} ms; "
                f"statuses {dict(self.statuses)}"
                + (f"; failures {dict(self.failures)}" if self.failures else ""))


def _one(base: tuple[str, int], i: int, report: Report) -> None:
    kind, path, body, headers, scores = mix(i)
    started = time.perf_counter()
    connection = http.client.HTTPConnection(*base, timeout=15)
    try:
        connection.request("POST", path, body, {"Content-Type": "application/json", **headers})
        response = connection.getresponse()
        data = response.read()
        status, revision = response.status, response.getheader("X-Policy-Revision")
    except (OSError, http.client.HTTPException) as error:
        status, data, revision = None, b"", None
        failure = type(error).__name__
    finally:
        connection.close()
    elapsed = time.perf_counter() - started
    mixed = False
    if status == 200 and kind == "batch":
        answers = json.loads(data)["results"]
        mixed = len({a["policy"]["sha256"] for a in answers}) > 1
    with report.lock:
        report.sent += 1
        report.latencies.append(elapsed)
        report.statuses[status] += 1
        report.mixed += mixed
        if revision:
            report.revisions[revision] += 1
        if status == 200:
            report.recorded += scores
        else:
            report.failed += 1
            report.failures[f"{kind} {status or failure}"] += 1


def drive(url: str, name: str, seconds: float, rate: float, pool: int = 16,
          during=None) -> Report:
    """`rate` requests a second for `seconds`; `during(report)` runs alongside (a fault)."""
    parts = urlsplit(url)
    base = (parts.hostname, parts.port)
    assert parts.hostname == "127.0.0.1"
    report = Report(name)
    total = int(seconds * rate)
    side = threading.Thread(target=during, args=(report,), daemon=True) if during else None
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=pool) as executor:
        if side:
            side.start()
        for i in range(total):
            due = start + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            executor.submit(_one, base, i, report)
    if side:
        side.join(timeout=seconds + 30)
    return report
