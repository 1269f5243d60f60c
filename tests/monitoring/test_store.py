"""The score store, the same tests over both backends (memory, and a real redis-server)."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from service.monitoring.store import MemoryStore, RedisStore

NOW = time.time()
HOUR_AGO = NOW - 3600


@pytest.fixture(params=["memory", "redis"])
def store(request):
    if request.param == "memory":
        yield MemoryStore()
        return
    server = request.getfixturevalue("redis_server")
    made = RedisStore(server.url, flush_every=0.05)
    yield made
    made.close()


def window(store, city="xian", version="2024.1", hours=2):
    end = dt.datetime.fromtimestamp(NOW, dt.UTC)
    return store.window(city, version, end - dt.timedelta(hours=hours), end)


def test_records_add_up_per_series(store):
    for total in (55.0, 60.0, 61.5):
        store.record("xian", "2024.1", total, total >= 60, True, at=NOW)
    store.record("xian", "2024.1", 30.0, False, False, at=HOUR_AGO)
    store.record("beijing", "2020.1", 99.0, False, True, at=NOW)
    got = window(store)
    assert (got.count, got.passes, got.ineligible) == (4, 2, 1)
    assert got.mean == pytest.approx((55 + 60 + 61.5 + 30) / 4)
    assert got.bins == {110: 1, 120: 1, 123: 1, 60: 1}
    assert window(store, hours=0).count == 3  # only the current hour
    assert ("beijing", "2020.1") in store.series() and ("xian", "2024.1") in store.series()


def test_baselines(store):
    from service.monitoring.histogram import Histogram

    hist = Histogram.from_dict({"bins": {"120": 4}, "count": 4, "passes": 4})
    store.set_baseline("xian", "2024.1", hist)
    assert store.baseline("xian", "2024.1").to_dict() == hist.to_dict()
    assert store.baseline("xian", "1999.1") is None


def test_redis_flushes_in_the_background(redis_server):
    store = RedisStore(redis_server.url, flush_every=0.05)
    store.record("xian", "2024.1", 60.0, True, True, at=NOW)
    deadline = time.monotonic() + 5
    while store.flushes == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert store.flushes >= 1 and store.pending == {}
    assert RedisStore(redis_server.url).window(
        "xian", "2024.1", dt.datetime.fromtimestamp(HOUR_AGO, dt.UTC),
        dt.datetime.fromtimestamp(NOW, dt.UTC)).count == 1
    store.close()


def test_a_failed_flush_keeps_the_data_and_is_counted(redis_server):
    store = RedisStore(redis_server.url, flush_every=3600)  # flushed by hand here
    redis_server.stop()
    store.record("xian", "2024.1", 60.0, True, True, at=NOW)
    assert store.flush() is False
    assert store.flush_failures == 1 and store.status()["reachable"] is False
    assert sum(h.count for h in store.pending.values()) == 1
    redis_server.start()
    assert store.flush() is True and store.status()["reachable"] is True
    assert window(store).count == 1
