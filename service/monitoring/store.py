"""The score-distribution store: one interface, in-process or Redis.

Scores are aggregated in memory per (city, version, hour) and, with Redis,
flushed in one pipeline at most once a second by a background thread, so the
request path never waits on Redis. A failed flush keeps the data for the next
one (up to MAX_PENDING buckets; scores beyond are dropped and counted) and is
never raised to a caller.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time

from . import metrics
from .histogram import Histogram

HOUR = 3600
MAX_PENDING = 20_000
FLUSH_EVERY = 1.0


def hour_of(moment: float) -> int:
    return int(moment // HOUR)


def hours(start: dt.datetime, end: dt.datetime) -> range:
    return range(hour_of(start.timestamp()), hour_of(end.timestamp()) + 1)


class ScoreStore:
    """What every backend offers; `record` never raises and never blocks on the network."""

    backend = "abstract"
    max_buckets = MAX_PENDING

    def __init__(self, retention_days: int = 400):
        self.retention_hours = retention_days * 24
        self.lock = threading.Lock()
        self.pending: dict[tuple, Histogram] = {}
        self.dropped = 0
        self.flush_failures = 0
        self.flushes = 0

    def record(self, city: str, version: str, total: float, passes: bool, eligible: bool,
               at: float | None = None) -> None:
        key = (city, version, hour_of(time.time() if at is None else at))
        with self.lock:
            bucket = self.pending.get(key)
            if bucket is None:
                if len(self.pending) >= self.max_buckets:
                    self.dropped += 1
                    metrics.DROPPED.inc()
                    return
                bucket = self.pending[key] = Histogram()
            bucket.add(total, passes, eligible)
        self._recorded()

    def _recorded(self) -> None:
        """A hook for backends that flush in the background."""

    def status(self) -> dict:
        return {"backend": self.backend, "reachable": True, "pending_buckets": len(self.pending),
                "dropped": self.dropped, "flush_failures": self.flush_failures,
                "flushes": self.flushes}


class MemoryStore(ScoreStore):
    """The embedded default: one process, nothing shared, nothing outlives a restart."""

    backend = "memory"
    max_buckets = 1_000_000
    PRUNE_EVERY = 10_000  # records between two passes that drop buckets past retention

    def __init__(self, retention_days: int = 400):
        super().__init__(retention_days)
        self.baselines: dict[tuple, Histogram] = {}
        self.since_prune = 0

    def _recorded(self) -> None:
        self.since_prune += 1
        if self.since_prune >= self.PRUNE_EVERY:
            self.since_prune = 0
            self.flush()

    def window(self, city: str, version: str, start: dt.datetime, end: dt.datetime) -> Histogram:
        out = Histogram()
        with self.lock:
            for hour in hours(start, end):
                bucket = self.pending.get((city, version, hour))
                if bucket is not None:
                    out.merge(bucket)
        return out

    def series(self) -> list[tuple[str, str]]:
        with self.lock:
            return sorted({(c, v) for c, v, _ in self.pending})

    def set_baseline(self, city: str, version: str, hist: Histogram) -> None:
        self.baselines[(city, version)] = hist

    def baseline(self, city: str, version: str) -> Histogram | None:
        return self.baselines.get((city, version))

    def flush(self) -> bool:
        cutoff = hour_of(time.time()) - self.retention_hours
        with self.lock:
            for key in [k for k in self.pending if k[2] < cutoff]:
                del self.pending[key]
        return True

    def close(self) -> None:
        pass


class RedisStore(ScoreStore):
    """Shared by every worker and instance: hashes per (city, version, hour) in Redis."""

    backend = "redis"
    prefix = "hukou"

    def __init__(self, url: str, retention_days: int = 400, flush_every: float = FLUSH_EVERY):
        super().__init__(retention_days)
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.flush_every = flush_every
        self.reachable = True
        self._thread: threading.Thread | None = None
        self._pid = None
        self._stop = threading.Event()

    def _key(self, city: str, version: str, hour: int) -> str:
        return f"{self.prefix}:hist:{city}:{version}:{hour}"

    def _recorded(self) -> None:
        if self._pid != os.getpid():  # a gunicorn worker forked after the app was built
            self._pid = os.getpid()
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, name="score-store-flush",
                                            daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_every):
            self.flush()

    def flush(self) -> bool:
        """Send what is pending in one pipeline; on failure keep it for the next try."""
        with self.lock:
            batch, self.pending = self.pending, {}
        if not batch:
            return True
        try:
            pipe = self.client.pipeline(transaction=False)
            ttl = self.retention_hours * HOUR
            for (city, version, hour), hist in batch.items():
                key = self._key(city, version, hour)
                pipe.hincrby(key, "n", hist.count)
                pipe.hincrby(key, "passes", hist.passes)
                pipe.hincrby(key, "ineligible", hist.ineligible)
                pipe.hincrby(key, "sum", hist.total_centi)
                for index, n in hist.bins.items():
                    pipe.hincrby(key, f"b{index}", n)
                pipe.expire(key, ttl)
                pipe.sadd(f"{self.prefix}:series", f"{city}|{version}")
            pipe.execute()
        except Exception:  # any Redis or network failure: keep the data, count the failure
            self.flush_failures += 1
            metrics.FLUSHES.labels("failure").inc()
            self.reachable = False
            with self.lock:
                for key, hist in batch.items():
                    if key in self.pending:
                        self.pending[key].merge(hist)
                    elif len(self.pending) < MAX_PENDING:
                        self.pending[key] = hist
                    else:
                        self.dropped += hist.count
                        metrics.DROPPED.inc(hist.count)
            return False
        self.flushes += 1
        metrics.FLUSHES.labels("success").inc()
        self.reachable = True
        return True

    def window(self, city: str, version: str, start: dt.datetime, end: dt.datetime) -> Histogram:
        self.flush()
        pipe = self.client.pipeline(transaction=False)
        for hour in hours(start, end):
            pipe.hgetall(self._key(city, version, hour))
        out = Histogram()
        for raw in pipe.execute():
            if raw:
                out.merge(_from_hash(raw))
        return out

    def series(self) -> list[tuple[str, str]]:
        members = self.client.smembers(f"{self.prefix}:series")
        return sorted(tuple(m.decode().split("|", 1)) for m in members)

    def set_baseline(self, city: str, version: str, hist: Histogram) -> None:
        self.client.set(f"{self.prefix}:baseline:{city}:{version}", json.dumps(hist.to_dict()))

    def baseline(self, city: str, version: str) -> Histogram | None:
        raw = self.client.get(f"{self.prefix}:baseline:{city}:{version}")
        return None if raw is None else Histogram.from_dict(json.loads(raw))

    def status(self) -> dict:
        return {**super().status(), "reachable": self.reachable}

    def close(self) -> None:
        self._stop.set()
        self.flush()


def _from_hash(raw: dict) -> Histogram:
    fields = {k.decode(): int(v) for k, v in raw.items()}
    bins = {int(k[1:]): v for k, v in fields.items() if k.startswith("b")}
    return Histogram(bins, fields.get("n", 0), fields.get("passes", 0),
                     fields.get("ineligible", 0), fields.get("sum", 0))


def store_from_config(config: dict) -> ScoreStore:
    retention = int(config.get("RETENTION_DAYS", 400))
    if config.get("REDIS_URL"):
        return RedisStore(config["REDIS_URL"], retention)
    return MemoryStore(retention)
