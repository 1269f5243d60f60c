"""The score-distribution store: one interface, in-process or Redis.

Scores are aggregated in memory per (city, version, hour) and, with Redis,
flushed at most once a second by a background thread, so the request path never
waits on Redis. A total that is not finite or lies beyond MAX_ABS_TOTAL points is
refused by `record` and counted; nothing is ever raised to a caller.

A flush to Redis applies exactly once. Each batch of buckets gets a unique token and
is applied by one Lua script (one round trip) that, atomically, does nothing when the
token is already recorded, and otherwise applies every increment and records the
token. A batch whose outcome is unknown (the request left but no reply came: Redis
may have applied it) is kept with its token and content unchanged and is sent again,
alone, before anything newer; scores recorded meanwhile wait in `pending` and go in a
later batch with a token of their own. A batch that never left (no connection could
be made) goes back into `pending`. Pending and held buckets together are bounded by
MAX_PENDING; scores beyond are dropped and counted. A token is kept TOKEN_TTL while
its batch may be sent again; once the reply has come, the next batch shortens that to
SETTLED_TTL, so that Redis holds about one long-lived token per worker.

A batch that Redis refuses with a lasting error (a ResponseError such as WRONGTYPE,
as opposed to a connection error, a timeout, or a reply that says "try later") is
dropped, logged and counted, rather than sent again every second. The script checks
every increment before it writes anything: a bucket whose sum would leave the range
of a Redis integer (with a margin) is left out and reported, so one bad value never
fails the other buckets of its batch nor any later flush.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import time
import uuid

from . import metrics
from .histogram import Histogram, sane_total

log = logging.getLogger("hukou.store")

HOUR = 3600
MAX_PENDING = 20_000
FLUSH_EVERY = 1.0
TOKEN_TTL = 7 * 24 * HOUR  # seconds a token is kept while its batch may still be sent again
SETTLED_TTL = 15 * 60      # seconds a token is kept once its batch is confirmed, for any
                           # copy of the request still on its way to Redis
MAX_BATCH_FIELDS = 20_000  # hash fields in one batch: one script runs well under 0.1 s
MAX_ROUNDS = 8             # batches one flush() sends at most; the rest waits for the next
MAX_SETTLED = 64           # confirmed tokens whose expiry one batch shortens
SAFE_MAGNITUDE = 2**62     # the largest magnitude a stored value may reach (int64 is 2**63)
# Error replies after which Redis has applied nothing and may take the batch later.
TRANSIENT_REPLIES = frozenset({"BUSY", "CLUSTERDOWN", "LOADING", "MASTERDOWN", "MISCONF",
                               "NOPERM", "NOREPLICAS", "NOSCRIPT", "OOM", "READONLY",
                               "TRYAGAIN", "UNBLOCKED"})

# KEYS: the batch's token, the set of series, SETTLED tokens, then one hash per bucket.
# ARGV: TOKEN_TTL, the hashes' TTL, SETTLED, SETTLED_TTL, then for each bucket its series
#       member, its number of fields, and that many (field, increment) pairs.
# Replies {applied, refused bucket numbers...}: applied is 1 when this call applied the
# batch, 0 when the token was already recorded (the refused numbers are then those of the
# call that applied it). A refused bucket (a key that is not a hash, a stored value that
# is not an integer, or a sum that would reach SAFE_MAGNITUDE) is not applied at all.
# Every check runs before the first write, so an error reply means nothing was written.
APPLY_BATCH = """
local LIMIT = 4611686018427387904
local done = redis.call('GET', KEYS[1])
if done then
  local out = {0}
  for number in string.gmatch(done, '%d+') do out[#out + 1] = tonumber(number) end
  return out
end
local series_type = redis.call('TYPE', KEYS[2]).ok
if series_type ~= 'none' and series_type ~= 'set' then
  return redis.error_reply('WRONGTYPE the series key holds a value that is not a set')
end
local settled = tonumber(ARGV[3])
local first_key = 3 + settled
local pos = 5
local plan, refused = {}, {}
for b = 1, #KEYS - first_key + 1 do
  local key = KEYS[first_key + b - 1]
  local member, n = ARGV[pos], tonumber(ARGV[pos + 1])
  local from, last = pos + 2, pos + 1 + 2 * n
  pos = last + 1
  local key_type = redis.call('TYPE', key).ok
  local ok = key_type == 'none' or key_type == 'hash'
  if ok then
    for i = from, last, 2 do
      local step = tonumber(ARGV[i + 1])
      local stored = redis.call('HGET', key, ARGV[i])
      local now = 0
      if stored then now = tonumber(stored) end
      if step == nil or now == nil or step ~= math.floor(step) or now ~= math.floor(now)
          or math.abs(now + step) >= LIMIT then
        ok = false
        break
      end
    end
  end
  if ok then
    plan[#plan + 1] = {key, member, from, last}
  else
    refused[#refused + 1] = b
  end
end
for _, p in ipairs(plan) do
  for i = p[3], p[4], 2 do
    redis.call('HINCRBY', p[1], ARGV[i], ARGV[i + 1])
  end
  redis.call('EXPIRE', p[1], ARGV[2])
  redis.call('SADD', KEYS[2], p[2])
end
for s = 1, settled do
  redis.call('EXPIRE', KEYS[2 + s], ARGV[4])
end
redis.call('SET', KEYS[1], table.concat(refused, ','), 'EX', ARGV[1])
local out = {1}
for _, b in ipairs(refused) do out[#out + 1] = b end
return out
"""


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
        self.held = 0  # buckets sent to the store and not yet confirmed (Redis only)
        self.dropped = 0
        self.flush_failures = 0
        self.flushes = 0

    def record(self, city: str, version: str, total: float, passes: bool, eligible: bool,
               at: float | None = None) -> None:
        """Count one score. A total that is not a finite number within MAX_ABS_TOTAL points
        of zero is refused: counted as dropped (reason bad_total), never stored."""
        try:
            total = sane_total(total)
            key = (city, version, hour_of(time.time() if at is None else at))
        except (TypeError, ValueError, OverflowError):
            self.refuse(1, "bad_total")
            return
        with self.lock:
            bucket = self.pending.get(key)
            if bucket is None:
                if len(self.pending) + self.held >= self.max_buckets:
                    self.dropped += 1
                    metrics.DROPPED.inc()
                    return
                bucket = self.pending[key] = Histogram()
            bucket.add(total, passes, eligible)
        metrics.count_score(city, version, total, passes, eligible)
        self._recorded()

    def refuse(self, scores: int, reason: str) -> None:
        """Count `scores` scores that will never be stored, and why."""
        with self.lock:
            self.dropped += scores
        metrics.DROPPED.inc(scores)
        metrics.REFUSED.labels(reason).inc(scores)

    def _recorded(self) -> None:
        """A hook for backends that flush in the background."""

    def status(self) -> dict:
        return {"backend": self.backend, "reachable": True,
                "pending_buckets": len(self.pending) + self.held,
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


class Batch:
    """Buckets sent together under one token. Its content never changes once made, so
    that sending it again with the same token is a no-op if an earlier send landed."""

    __slots__ = ("token", "buckets", "maybe_sent", "first_sent")

    def __init__(self, buckets: dict[tuple, Histogram]):
        self.token = uuid.uuid4().hex
        self.buckets = buckets
        self.maybe_sent = False  # whether a send began: Redis may have applied it since
        self.first_sent = 0.0    # time.monotonic() when the first send began

    @property
    def scores(self) -> int:
        return sum(h.count for h in self.buckets.values())


class StoreUnavailable(Exception):
    """The shared store did not answer a read (Redis down or stalled past its timeout)."""


def _reads_redis(method):
    """A read of Redis: a connection failure or a timeout becomes StoreUnavailable (and
    the store counts as unreachable), so that callers answer 'unavailable' rather than
    fail; a reply that is an error stays what it is."""
    import functools

    @functools.wraps(method)
    def read(self, *args, **kwargs):
        import redis

        try:
            return method(self, *args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            self._observe(False)
            raise StoreUnavailable("the score store did not answer") from exc

    return read


class RedisStore(ScoreStore):
    """Shared by every worker and instance: hashes per (city, version, hour) in Redis."""

    backend = "redis"
    prefix = "hukou"

    def __init__(self, url: str, retention_days: int = 400, flush_every: float = FLUSH_EVERY):
        super().__init__(retention_days)
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._script = self.client.register_script(APPLY_BATCH)
        self.flush_every = flush_every
        self.reachable = True
        self.observed_at = 0.0  # time.monotonic() when `reachable` was last learned
        self.refused_batches = 0
        self.inflight: Batch | None = None  # sent, outcome unknown: sent again before others
        self.settled: list[str] = []  # confirmed tokens whose TTL the next batch shortens
        self._flush_lock = threading.Lock()  # one flush at a time: one batch in flight
        self._thread: threading.Thread | None = None
        self._pid = None
        self._stop = threading.Event()

    def _key(self, city: str, version: str, hour: int) -> str:
        return f"{self.prefix}:hist:{city}:{version}:{hour}"

    def _token_key(self, token: str) -> str:
        return f"{self.prefix}:flush:{token}"

    def _recorded(self) -> None:
        if self._pid != os.getpid():  # a gunicorn worker forked after the app was built
            self._pid = os.getpid()
            self._flush_lock = threading.Lock()  # a lock held at the fork stays held
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, name="score-store-flush",
                                            daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_every):
            self.flush()

    def flush(self) -> bool:
        """Send the batch in flight, if any, then what is pending, one script call a batch
        (usually one batch: one round trip). True when nothing is left waiting on Redis
        (a refused batch is dropped, so it counts as settled); False when Redis could not
        be reached, the data then kept for the next flush."""
        if self._pid is not None and self._pid != os.getpid():
            self._recorded()  # forked: a lock and a flush thread of this process's own
        with self._flush_lock:
            for _ in range(MAX_ROUNDS):
                with self.lock:
                    again = self.inflight is not None
                    if not again:
                        if not self.pending:
                            return True
                        self.inflight = self._take()
                        self.held = len(self.inflight.buckets)
                    batch, more = self.inflight, bool(self.pending)
                settled = self._send(batch)
                with self.lock:
                    if settled:
                        self.inflight, self.held = None, 0
                    elif not batch.maybe_sent:  # never left this process: merge it back
                        self._restore(batch)
                if not settled:
                    return False
                if not (again or more):
                    return True
            return not self.pending

    def _restore(self, batch: Batch) -> None:
        """Put back into pending a batch that was never sent; called with self.lock held.
        Its token is forgotten: its scores go in a later batch, under that one's token."""
        for key, hist in batch.buckets.items():
            if key in self.pending:
                self.pending[key].merge(hist)
            else:
                self.pending[key] = hist
        self.inflight, self.held = None, 0

    def _take(self) -> Batch:
        """Move pending buckets, up to MAX_BATCH_FIELDS hash fields (at least one bucket),
        into a new batch; called with self.lock held. A bucket whose values could not be
        stored in Redis is dropped and counted here, once."""
        taken: dict[tuple, Histogram] = {}
        fields = 0
        for key in list(self.pending):
            size = 4 + len(self.pending[key].bins)
            if taken and fields + size > MAX_BATCH_FIELDS:
                break
            hist = self.pending.pop(key)
            if _storable(hist):
                taken[key] = hist
                fields += size
            else:
                self.dropped += hist.count
                metrics.DROPPED.inc(hist.count)
                metrics.REFUSED.labels("redis_refused").inc(hist.count)
                log.error("recorded scores dropped: a sum too large for Redis",
                          extra={"count": hist.count, "cities": [key[0]],
                                 "policy_versions": [key[1]]})
        return Batch(taken)

    def _send(self, batch: Batch) -> bool:
        """One script call for `batch`. True when it is settled (applied now or before, or
        refused and dropped); False when it must be sent again."""
        import redis

        if not batch.buckets:  # every bucket was refused when the batch was made
            return True
        if batch.maybe_sent and time.monotonic() - batch.first_sent > TOKEN_TTL - HOUR:
            # Its token may have expired in Redis: sending it again could count it twice.
            self._drop(batch, "unconfirmed", "recorded scores dropped: unconfirmed for "
                       "longer than their token is kept")
            return True
        settled = self.settled[:MAX_SETTLED]
        items = list(batch.buckets.items())
        keys = [self._token_key(batch.token), f"{self.prefix}:series",
                *(self._token_key(t) for t in settled),
                *(self._key(*key) for key, _ in items)]
        args: list = [TOKEN_TTL, self.retention_hours * HOUR, len(settled), SETTLED_TTL]
        for (city, version, _), hist in items:
            args += [f"{city}|{version}", 4 + len(hist.bins), "n", hist.count,
                     "passes", hist.passes, "ineligible", hist.ineligible,
                     "sum", hist.total_centi]
            for index, n in hist.bins.items():
                args += [f"b{index}", n]
        try:
            reply = self._call(batch, keys, args)
        except Exception as exc:  # every failure, sorted by _transient below
            if _transient(exc):
                self.flush_failures += 1
                metrics.FLUSHES.labels("failure").inc()
                self._observe(False)
                return False
            self.refused_batches += 1
            metrics.FLUSHES.labels("refused").inc()
            self.reachable = self.reachable or isinstance(exc, redis.ResponseError)
            self._drop(batch, "redis_refused", "recorded scores dropped: Redis refused "
                       "their batch", exc)
            return True
        del self.settled[:len(settled)]
        self.settled.append(batch.token)
        del self.settled[:-MAX_SETTLED]  # any older ones expire after TOKEN_TTL
        for number in reply[1:]:
            key, hist = items[int(number) - 1]
            self.refuse(hist.count, "redis_refused")
            log.error("recorded scores dropped: Redis would not add them to their hash",
                      extra={"count": hist.count, "cities": [key[0]],
                             "policy_versions": [key[1]]})
        self.flushes += 1
        metrics.FLUSHES.labels("success").inc()
        self._observe(True)
        return True

    def _call(self, batch: Batch, keys: list, args: list):
        """EVALSHA of APPLY_BATCH on one connection of the pool, done by hand rather than
        by the client so that there is exactly one attempt (the client would send it again
        by itself after a timeout) and so that a failure to connect, before any byte of
        the batch left, is told apart from a failure after sending (Redis may then have
        applied it): the first sets nothing, the second sets batch.maybe_sent. After a
        NOSCRIPT reply (a restarted Redis; nothing applied) the script is sent in full."""
        import redis

        pool = self.client.connection_pool
        conn = pool.get_connection()  # connects, or raises before anything is sent
        try:
            if not batch.maybe_sent:
                batch.maybe_sent, batch.first_sent = True, time.monotonic()
            try:
                conn.send_command("EVALSHA", self._script.sha, len(keys), *keys, *args)
                return conn.read_response()
            except redis.exceptions.NoScriptError:
                conn.send_command("EVAL", self._script.script, len(keys), *keys, *args)
                return conn.read_response()
        finally:
            pool.release(conn)

    def _drop(self, batch: Batch, reason: str, message: str,
              error: Exception | None = None) -> None:
        scores = batch.scores
        self.refuse(scores, reason)
        log.error(message, exc_info=error, extra={
            "count": scores, "cities": sorted({k[0] for k in batch.buckets}),
            "policy_versions": sorted({k[1] for k in batch.buckets})})

    @_reads_redis
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

    @_reads_redis
    def series(self) -> list[tuple[str, str]]:
        members = self.client.smembers(f"{self.prefix}:series")
        return sorted(tuple(m.decode().split("|", 1)) for m in members)

    @_reads_redis
    def set_baseline(self, city: str, version: str, hist: Histogram) -> None:
        self.client.set(f"{self.prefix}:baseline:{city}:{version}", json.dumps(hist.to_dict()))

    @_reads_redis
    def baseline(self, city: str, version: str) -> Histogram | None:
        """The saved baseline; None when there is none, or when the saved one no longer
        holds (saved before its fields were checked), so that drift falls back to the
        first days in force instead of failing until the baseline is replaced."""
        raw = self.client.get(f"{self.prefix}:baseline:{city}:{version}")
        if raw is None:
            return None
        try:
            return Histogram.from_dict(json.loads(raw))
        except ValueError:  # json.JSONDecodeError and HistogramInvalid are ValueErrors
            log.warning("saved baseline ignored: it is not a valid histogram",
                        extra={"cities": [city], "policy_versions": [version]})
            return None

    PROBE_EVERY = 1.0  # seconds a learned reachability is trusted before status() asks

    def _observe(self, reachable: bool) -> None:
        self.reachable = reachable
        self.observed_at = time.monotonic()

    def status(self) -> dict:
        """The store's state. Reachability is what this process last learned from a flush
        or a read; older than PROBE_EVERY (a worker that had nothing to flush), Redis is
        asked (a PING, within the client's timeout), so that every worker answers alike
        during an outage instead of the idle ones saying "reachable"."""
        if time.monotonic() - self.observed_at > self.PROBE_EVERY:
            import redis

            try:
                self._observe(bool(self.client.ping()))
            except (redis.RedisError, OSError):
                self._observe(False)
        return {**super().status(), "reachable": self.reachable}

    def close(self) -> None:
        self._stop.set()
        self.flush()


def _storable(hist: Histogram) -> bool:
    """Whether every value of `hist` can be added to a Redis integer with room to spare."""
    values = (hist.count, hist.passes, hist.ineligible, hist.total_centi, *hist.bins.values())
    return all(abs(v) < SAFE_MAGNITUDE for v in values)


def _transient(error: Exception) -> bool:
    """Whether a failed script call may succeed later: a connection error or a timeout
    (Redis may have applied the batch: it is sent again with its token), or an error reply
    that says Redis applied nothing for now (BUSY, LOADING, READONLY, OOM...). Any other
    error reply, or an error raised before sending, is lasting."""
    import redis

    if isinstance(error, redis.ResponseError):
        if getattr(error, "status_code", None) in TRANSIENT_REPLIES:
            return True
        return str(error).split(" ", 1)[0] in TRANSIENT_REPLIES
    return isinstance(error, (redis.ConnectionError, redis.TimeoutError))


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
