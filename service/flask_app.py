"""The service's Flask class."""

from __future__ import annotations

from flask import Flask


class ServiceFlask(Flask):
    """Flask, remembering which hooks and views need an async adapter.

    Flask asks `ensure_sync` of every hook and view on every request, and each answer
    costs an `inspect` call; the answer for a given function never changes.
    """

    MEMO = 1024  # more than the app's hooks and views; bounds what odd callers could add

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync_memo: dict = {}

    def ensure_sync(self, func):
        found = self._sync_memo.get(func)
        if found is None:
            found = super().ensure_sync(func)
            if len(self._sync_memo) < self.MEMO:
                self._sync_memo[func] = found
        return found
