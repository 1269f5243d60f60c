"""Slowing down key guessing: wrong keys are counted per client address, and an address
over its budget is refused (429 with Retry-After) before any key it sends is checked.

The counts live where the rate limits live (Redis when configured, so every worker
and instance shares them; memory otherwise). If that store fails, the count goes on
in this process's memory until it answers again: refused sooner rather than never.
"""

from __future__ import annotations

import logging
import math
import time

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from .errors import ApiError

log = logging.getLogger("hukou.api")
NAMESPACE = "hukou-bad-key"


CLEAR_SECONDS = 1.0  # how long an address found within its budget is not asked again
MAX_CLEAR = 10_000  # addresses remembered as clear at most (forgotten all at once past it)


class AuthGuard:
    """Asking the shared store costs about as much as scoring an application, so an
    address found within its budget is remembered as clear for CLEAR_SECONDS in this
    process (a wrong key from it clears that at once). The budget therefore holds to
    within a second's worth of requests per worker."""

    def __init__(self, limiter, budget: str):
        self.limiter = limiter  # flask-limiter's extension: its storage and strategy
        self.item = parse(budget)
        self.fallback = MovingWindowRateLimiter(MemoryStorage())
        self.clear_until: dict[str, float] = {}

    def _strategy(self):
        try:
            return self.limiter.limiter
        except Exception:  # not initialised: count here
            return self.fallback

    def _call(self, method: str, *args):
        try:
            return getattr(self._strategy(), method)(self.item, NAMESPACE, *args)
        except Exception:  # the shared store failed: this process counts meanwhile
            return getattr(self.fallback, method)(self.item, NAMESPACE, *args)

    def check(self, address: str) -> None:
        """Refuse an address that spent its budget of wrong keys (429, Retry-After)."""
        now = time.monotonic()
        if self.clear_until.get(address, 0.0) > now:
            return
        if self._call("test", address):
            if len(self.clear_until) >= MAX_CLEAR:
                self.clear_until.clear()
            self.clear_until[address] = now + CLEAR_SECONDS
            return
        stats = self._call("get_window_stats", address)
        wait = max(1, math.ceil(stats.reset_time - time.time()))
        raise ApiError(429, "too_many_bad_keys",
                       f"Too many requests with a wrong key from this address; "
                       f"try again in {wait} s.", headers={"Retry-After": str(wait)})

    def failed(self, address: str) -> None:
        """Count one wrong key from `address`."""
        self.clear_until.pop(address, None)
        self._call("hit", address)
