"""Flushes to Redis apply exactly once, and no value can wedge them.

A small TCP proxy on 127.0.0.1 stands between the store and a real redis-server: it
always passes the store's requests on, and while told to it throws Redis's replies
away, so that a flush times out although Redis applied it, as when Redis stalls for
longer than the client's socket timeout."""

from __future__ import annotations

import datetime as dt
import select
import socket
import threading
import time

import pytest
import redis

from service.monitoring import store as store_module
from service.monitoring.store import RedisStore

NOW = time.time()
HOUR = int(NOW // 3600)


class ReplyDroppingProxy:
    """Forwards 127.0.0.1:<port> to a Redis port. While `drop` is set, what Redis sends
    back is read and discarded. One thread, select() with a short timeout, so close()
    stops it within a fraction of a second."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.setblocking(False)
        self.port = self.listener.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.drop = threading.Event()
        self.dropped_replies = 0
        self._partner: dict[socket.socket, socket.socket] = {}
        self._upstream: set[socket.socket] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="reply-dropping-proxy",
                                        daemon=True)
        self._thread.start()

    def _close_pair(self, sock: socket.socket) -> None:
        other = self._partner.pop(sock, None)
        self._upstream.discard(sock)
        sock.close()
        if other is not None:
            self._partner.pop(other, None)
            self._upstream.discard(other)
            other.close()

    def _accept(self) -> None:
        try:
            client, _ = self.listener.accept()
        except BlockingIOError:
            return
        client.setblocking(True)
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=2)
        self._partner[client], self._partner[upstream] = upstream, client
        self._upstream.add(upstream)

    def _serve(self) -> None:
        while not self._stop.is_set():
            readable, _, _ = select.select([self.listener, *self._partner], [], [], 0.05)
            for sock in readable:
                if sock is self.listener:
                    self._accept()
                    continue
                if sock not in self._partner:  # closed with its partner in this pass
                    continue
                try:
                    data = sock.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    self._close_pair(sock)
                elif sock in self._upstream and self.drop.is_set():
                    self.dropped_replies += 1
                else:
                    try:
                        self._partner[sock].sendall(data)
                    except OSError:
                        self._close_pair(sock)
        for sock in list(self._partner):
            sock.close()
        self.listener.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@pytest.fixture
def proxy(redis_server):
    made = ReplyDroppingProxy(redis_server.port)
    yield made
    made.close()


@pytest.fixture
def direct(redis_server):
    """A client that reaches Redis without the proxy: what Redis really holds."""
    client = redis.Redis(port=redis_server.port, socket_timeout=5)
    yield client
    client.close()


@pytest.fixture
def store(proxy):
    made = RedisStore(proxy.url, flush_every=3600)  # flushed by hand in these tests
    yield made
    proxy.drop.clear()
    made.close()


def stored(direct, city="xian", version="2024.1") -> dict:
    raw = direct.hgetall(f"hukou:hist:{city}:{version}:{HOUR}")
    return {k.decode(): int(v) for k, v in raw.items()}


def record(store, n, city="xian", total=60.0):
    for _ in range(n):
        store.record(city, "2024.1", total, total >= 60, True, at=NOW)


def connect(store):
    """One successful flush, so that the pool holds a connection made through the proxy
    (a connection is made with a handshake, which dropped replies would fail)."""
    record(store, 1, city="warmup")
    assert store.flush() is True


def test_a_flush_whose_reply_is_lost_is_applied_once(store, proxy, direct):
    connect(store)
    record(store, 10)
    proxy.drop.set()
    assert store.flush() is False  # timed out: the client cannot know it landed
    assert proxy.dropped_replies >= 1
    assert stored(direct)["n"] == 10  # but Redis applied it
    assert store.flush_failures == 1 and store.status()["reachable"] is False
    assert store.status()["pending_buckets"] == 1  # kept, to be sent again
    proxy.drop.clear()
    assert store.flush() is True  # sent again with the same token: a no-op
    assert stored(direct) == {"n": 10, "passes": 10, "ineligible": 0, "sum": 60_000,
                              "b120": 10}
    assert store.status()["reachable"] is True and store.status()["pending_buckets"] == 0


def test_scores_recorded_while_a_batch_is_unconfirmed_are_not_lost_nor_doubled(
        store, proxy, direct):
    connect(store)
    record(store, 10)
    proxy.drop.set()
    assert store.flush() is False
    record(store, 5)  # the same bucket as the unconfirmed batch
    record(store, 3, city="beijing")
    assert store.flush() is False  # the unconfirmed batch first, alone: lost again
    proxy.drop.clear()
    assert store.flush() is True  # that batch (a no-op), then the newer scores
    assert stored(direct)["n"] == 15 and stored(direct)["b120"] == 15
    assert stored(direct, "beijing")["n"] == 3
    assert store.flush() is True and stored(direct)["n"] == 15


def test_replies_lost_now_and_then_leave_exact_counts(store, proxy, direct):
    connect(store)
    for i in range(6):
        record(store, 3, total=50.0 + i)
        if i % 2 == 0:
            proxy.drop.set()
        else:
            proxy.drop.clear()
        store.flush()
    proxy.drop.clear()
    deadline = time.monotonic() + 10
    while not store.flush() and time.monotonic() < deadline:
        time.sleep(0.05)
    held = stored(direct)
    assert held["n"] == 18
    assert held["sum"] == sum(3 * (5000 + 100 * i) for i in range(6))
    assert sum(v for k, v in held.items() if k.startswith("b")) == 18


def test_confirmed_tokens_are_kept_only_briefly(store, direct):
    from service.monitoring.store import SETTLED_TTL

    for i in range(5):
        record(store, 1, total=60.0 + i)
        assert store.flush() is True
    tokens = direct.keys("hukou:flush:*")
    assert len(tokens) == 5
    ttls = sorted(direct.ttl(t) for t in tokens)
    # each confirmed token expires soon; only the last one, not yet known to be
    # confirmed by Redis, keeps the long TTL
    assert all(0 < t <= SETTLED_TTL for t in ttls[:-1])
    assert ttls[-1] > SETTLED_TTL


def test_a_batch_never_sent_goes_back_to_pending(redis_server):
    made = RedisStore(redis_server.url, flush_every=3600)
    redis_server.stop()
    record(made, 2)
    assert made.flush() is False
    assert made.inflight is None and sum(h.count for h in made.pending.values()) == 2
    redis_server.start()
    record(made, 1)
    assert made.flush() is True
    end = dt.datetime.fromtimestamp(NOW, dt.UTC)
    assert made.window("xian", "2024.1", end - dt.timedelta(hours=1), end).count == 3
    made.close()


def test_a_restarted_redis_without_the_script_still_takes_the_batch(store, direct):
    connect(store)
    direct.script_flush()
    record(store, 4)
    assert store.flush() is True and stored(direct)["n"] == 4


def test_an_overflowing_sum_in_redis_refuses_its_bucket_only_and_never_again_wedges(
        store, direct):
    direct.hset(f"hukou:hist:xian:2024.1:{HOUR}", "sum", 2**63 - 1000)
    record(store, 1)                   # would overflow the stored sum
    record(store, 2, city="beijing")   # fine
    assert store.flush() is True
    assert stored(direct) == {"sum": 2**63 - 1000}  # the bucket left untouched
    assert stored(direct, "beijing")["n"] == 2
    assert store.dropped == 1 and store.inflight is None and not store.pending
    for _ in range(3):  # later flushes go on as usual
        record(store, 1, city="beijing")
        assert store.flush() is True
    assert stored(direct, "beijing")["n"] == 5


def test_a_value_too_large_for_redis_is_dropped_before_sending(store, direct):
    from service.monitoring.histogram import Histogram

    with store.lock:  # as if many huge totals had added up in one bucket
        store.pending[("xian", "2024.1", HOUR)] = Histogram({120: 1}, 1, 1, 0, 2**70)
    record(store, 2, city="beijing")
    assert store.flush() is True
    assert stored(direct) == {} and stored(direct, "beijing")["n"] == 2
    assert store.dropped == 1
    record(store, 1, city="beijing")
    assert store.flush() is True and stored(direct, "beijing")["n"] == 3


@pytest.mark.parametrize("total", [2.0**63, -(2.0**63), 1e9 + 1, float("nan"),
                                   float("inf"), float("-inf"), 10**400, "60"])
def test_record_refuses_a_total_that_is_not_sane(store, direct, total):
    from service.monitoring import metrics

    def refused():
        return metrics.REFUSED.labels("bad_total")._value.get()

    before = refused()
    store.record("xian", "2024.1", total, True, True, at=NOW)
    record(store, 1)
    assert store.dropped == 1 and refused() == before + 1
    assert store.flush() is True
    assert stored(direct)["n"] == 1 and stored(direct)["sum"] == 6000
    assert max(int(k[1:]) for k in stored(direct) if k.startswith("b")) == 120


def test_a_huge_total_within_range_lands_in_the_last_bin(store, direct):
    store.record("xian", "2024.1", 1e9, True, True, at=NOW)
    store.record("xian", "2024.1", -1e9, False, True, at=NOW)
    assert store.flush() is True
    from service.monitoring.histogram import MAX_BIN, MIN_BIN

    held = stored(direct)
    assert held[f"b{MAX_BIN}"] == 1 and held[f"b{MIN_BIN}"] == 1 and held["sum"] == 0


def test_a_batch_redis_refuses_is_dropped_not_sent_again_forever(store, direct):
    direct.set("hukou:series", "not a set")  # every batch now gets a WRONGTYPE error
    record(store, 3)
    assert store.flush() is True  # settled: dropped and counted, not kept
    assert store.dropped == 3 and store.refused_batches == 1
    assert store.inflight is None and not store.pending
    assert stored(direct) == {}
    direct.delete("hukou:series")
    record(store, 2)
    assert store.flush() is True and stored(direct)["n"] == 2


def test_concurrent_recording_and_flushing_count_exactly(redis_server, direct):
    made = RedisStore(redis_server.url, flush_every=0.01)
    stop = threading.Event()

    def flusher():
        deadline = time.monotonic() + 20
        while not stop.is_set() and time.monotonic() < deadline:
            made.flush()

    def recorder():
        record(made, 300)

    threads = [threading.Thread(target=flusher)] + [threading.Thread(target=recorder)
                                                    for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads[1:]:
        t.join(timeout=20)
    stop.set()
    threads[0].join(timeout=20)
    assert made.flush() is True
    assert stored(direct)["n"] == 1200
    made.close()


def test_a_batch_is_split_when_it_has_too_many_fields(store, direct, monkeypatch):
    monkeypatch.setattr(store_module, "MAX_BATCH_FIELDS", 10)
    for city in ("a", "b", "c", "d", "e"):
        record(store, 2, city=city)  # 5 fields each: two buckets a batch
    assert store.flush() is True
    assert [stored(direct, c)["n"] for c in "abcde"] == [2] * 5
