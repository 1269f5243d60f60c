"""Structured logs: one JSON object a line, with the request id; never applicant data.

What a line may carry is closed: request id, method, route, status, duration, and for
scores the decision ids, cities and policy versions; for an unexpected error its class
and the frames it passed through. Bodies, query strings, field values and exception
messages are never logged.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
from pathlib import Path

import orjson

ALLOWED = ("request_id", "method", "route", "status", "duration_ms", "decisions", "cities",
           "policy_versions", "count", "path", "index")
_ALLOWED = frozenset(ALLOWED)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
                "level": record.levelname.lower(), "logger": record.name,
                "message": record.getMessage()}
        for key in ALLOWED:
            if hasattr(record, key):
                line[key] = getattr(record, key)
        if record.exc_info and record.exc_info[0]:
            # The class and the frames it passed through; never the message or the values.
            line["error"] = record.exc_info[0].__name__
            line["trace"] = [f"{Path(frame.filename).name}:{frame.lineno} {frame.name}"
                             for frame in traceback.extract_tb(record.exc_info[2])][-12:]
        return json.dumps(line, ensure_ascii=False)


def configure(level: str = "INFO") -> None:
    """JSON lines on stderr for the service's loggers (once per process)."""
    root = logging.getLogger("hukou")
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = True


class RequestLog:
    """The one line per request, written without the logging module's per-record cost:
    encoded with orjson into a buffer on standard error, flushed at least once a second
    and at exit. The time stamp (whole seconds) is formatted once a second."""

    def __init__(self, stream=None, every: float = 1.0):
        import atexit
        import io
        import os

        self.stream = stream or io.BufferedWriter(io.FileIO(os.dup(2), "wb"), 1 << 16)
        self.every, self.last = every, time.monotonic()
        self.second, self.stamp = None, ""
        atexit.register(self.flush)

    def write(self, fields: dict) -> None:
        second = int(time.time())
        if second != self.second:
            self.second = second
            self.stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))
        line = {"time": self.stamp, "level": "info", "logger": "hukou.requests",
                "message": "request"}
        for key, value in fields.items():
            if key in _ALLOWED:
                line[key] = value
        self.stream.write(orjson.dumps(line) + b"\n")
        now = time.monotonic()
        if now - self.last >= self.every:
            self.flush()
            self.last = now

    def flush(self) -> None:
        try:
            self.stream.flush()
        except (OSError, ValueError):
            pass
