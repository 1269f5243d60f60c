"""Keeping every process on one policy set: reload on request, announce, follow.

How a new policy set reaches every worker of every instance:

1. Someone asks one process to reload: `POST /v1/admin/policies/reload`, or SIGHUP
   (to gunicorn's master, which forwards it to each worker: deploy/gunicorn.conf.py).
2. That process loads its policy directory off to the side and swaps only if all of
   it is valid. A bad directory is refused, counted and logged (file, field and a
   message that quotes nothing of the file); the last good set keeps serving, and
   nothing is announced.
3. A successful reload that changed the set is announced: `hukou:policies:announced`
   in Redis holds {id, revision, at}, where `id` is new for every announcement (a
   random uuid) and `at` is when it was made. Under gunicorn the worker also sends
   SIGHUP to its master, so the other workers of its instance reload at once, Redis
   or not. (`hukou:policies:generation` still counts announcements, and each carries
   that count as `generation`, for processes of older releases during an upgrade; this
   module never compares it: the counter starts again at 1 when Redis loses its data.)
4. Every process polls the announcement (once a second). An announcement whose id is
   not the last one this process acted on makes it reload from its own directory. If
   its files do not give the announced revision yet (a ConfigMap still being updated,
   say), it keeps polling and reloads again until they do or another announcement
   arrives; meanwhile it serves its last good set and says so in /readyz
   (`policies.in_step: false`).

Ids, not a counter, so that losing Redis's data loses nothing that matters:

- Redis restarted empty: no announcement to read. A process keeps its set and the id
  it acted on, and announces nothing; the next announcement has a new id, which every
  process follows.
- Two processes announce at once: the last write stays; the other announcer sees an
  id that is not its own and reloads from its directory (a no-op if its files already
  give that revision).
- Redis unreachable: nothing is read and /readyz says `in_step: false` (never true
  unchecked). A process that reloaded meanwhile keeps its announcement pending and
  makes it once Redis answers, unless a later announcement is there by then (which
  it follows instead).
- A process acts on the announcement it finds at start only if that was made after
  it started (its own directory gave it its set); the first announcement it ever
  reads is otherwise taken as already acted on.

Each process reads its own directory: the announcement carries no policy content,
so a process can never be handed a set that its own checks did not accept.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import signal
import threading
import time
import uuid

from service.monitoring import metrics

log = logging.getLogger("hukou.policies")

GENERATION = "hukou:policies:generation"
ANNOUNCED = "hukou:policies:announced"
POLL_SECONDS = 1.0


class PolicySync:
    def __init__(self, registry, redis_url: str | None, poll: float = POLL_SECONDS):
        self.registry = registry
        self.poll = poll
        self.redis = None
        if redis_url:
            import redis

            self.redis = redis.Redis.from_url(redis_url, socket_timeout=1.0,
                                              socket_connect_timeout=1.0)
        self.started = time.time()
        self.acted: str | None = None  # id of the last announcement acted on (or made)
        self.announced_revision: str | None = None  # the revision that one named
        self.wanted: str | None = None  # the announced revision not reached yet
        self.failed_for: str | None = None  # the announcement whose failed follow was logged
        self.pending: dict | None = None  # made here while Redis was unreachable
        self.reachable: bool | None = None  # did the last read of Redis answer?
        self.checked_at: float | None = None  # when the announcement was last read
        self.master_pid: int | None = None  # set under gunicorn (post_worker_init)
        self._announces = 0  # own announcements made: a read taken before one is stale
        self._wake = threading.Event()
        self._asked = False
        self._stop = False
        self._thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self._check()

    # ---- the three ways in --------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="policy-sync", daemon=True)
            self._thread.start()

    def request_reload(self) -> None:
        """From a SIGHUP handler: only sets a flag; the sync thread does the work. The
        master sent the signal to every worker already, so it is not told again."""
        self._asked = True
        self._wake.set()

    def reload_and_announce(self, tell_master: bool = True):
        """Reload here now (the admin endpoint); announce the set if it changed."""
        with self.lock:
            before = self.registry.revision
            outcome = self.registry.reload()
            self._counted(outcome, "request")
            if outcome.ok and outcome.revision != before:
                self._announce(outcome.revision, tell_master)
            return outcome

    def stop(self) -> None:
        self._stop = True
        self._wake.set()

    # ---- status -------------------------------------------------------------

    def stale_after(self) -> float:
        """A read older than this no longer vouches for the process being in step."""
        return max(5 * self.poll, 5.0)

    def status(self) -> dict:
        """What /readyz adds to the registry's own state. `in_step` is true only when this
        process read the announcement lately (the last read answered) and serves the set
        it names; false when Redis did not answer or the files lag; null with no Redis
        (nothing is announced: SIGHUP alone keeps one instance's workers together)."""
        if self.redis is None:
            return {"redis": "off", "announcement": None, "announced_revision": None,
                    "in_step": None, "checked_at": None}
        wanted, checked = self.wanted, self.checked_at
        fresh = (self.reachable is True and checked is not None
                 and time.time() - checked <= self.stale_after())
        serves = wanted is None or self.registry.revision == wanted
        return {"redis": "reachable" if self.reachable else "unreachable",
                "announcement": self.acted, "announced_revision": self.announced_revision,
                "in_step": bool(fresh and serves),
                "checked_at": None if checked is None else
                dt.datetime.fromtimestamp(checked, dt.UTC).isoformat()}

    # ---- inside ------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop:
            self._wake.wait(self.poll)
            self._wake.clear()
            try:
                if self._asked:
                    self._asked = False
                    self.reload_and_announce(tell_master=False)
                self._follow()
            except Exception:  # a sync problem must never take the worker down
                log.exception("policy sync failed; the current set keeps serving")

    def _read(self) -> tuple[bool, dict | None]:
        """(answered, announcement): answered is false when Redis did not answer."""
        try:
            raw = self.redis.get(ANNOUNCED)
        except Exception:  # Redis away: nothing to follow until it is back
            return False, None
        return True, _parse(raw)

    def _check(self) -> None:
        """Read the announcement; note a new one as wanted (nothing is reloaded here)."""
        if self.redis is None:
            return
        made = self._announces
        answered, found = self._read()
        with self.lock:
            if made != self._announces:  # announced here meanwhile: this read is stale
                return
            if not answered:
                self.reachable = False
                return
            if self.pending is not None:
                if found is None or found["at"] <= self.pending["at"]:
                    self._publish(self.pending["revision"])  # ours is the latest reload
                    return
                self.pending = None  # a later announcement wins: follow it below
            self.reachable, self.checked_at = True, time.time()
            if found is None or found["id"] == self.acted:
                return  # nothing announced (Redis lost its data) or nothing new
            first = self.acted is None  # the first announcement this process reads
            self.acted, self.announced_revision = found["id"], found["revision"]
            if first and found["at"] < self.started:
                return  # made before this process loaded its own directory: known
            self.wanted = found["revision"]

    def _follow(self) -> None:
        self._check()
        if self.wanted is None:
            return
        with self.lock:
            wanted = self.wanted
            if wanted is None:
                return
            if self.registry.revision != wanted:
                outcome = self.registry.reload()
                if not outcome.ok and self.failed_for != self.acted:
                    self.failed_for = self.acted  # count and log once per announcement
                    self._counted(outcome, "follow")
            if self.registry.revision == wanted:
                log.info("policy set %s serves (announcement %s)", wanted, self.acted)
                self.wanted = None

    def _announce(self, revision: str, tell_master: bool) -> None:
        """Under self.lock: announce in Redis (or keep it pending), tell the master."""
        if self.redis is not None:
            self.wanted = None  # this process serves the newest set: its own
            self._publish(revision)
        if tell_master and self.master_pid:
            try:
                os.kill(self.master_pid, signal.SIGHUP)  # the master forwards it to each worker
            except OSError:
                pass

    def _publish(self, revision: str) -> None:
        """Under self.lock: write a new announcement; if Redis does not answer, keep it
        pending for the next poll that reaches Redis."""
        self._announces += 1
        announcement = {"id": uuid.uuid4().hex, "revision": revision, "at": time.time()}
        try:
            generation = int(self.redis.incr(GENERATION))  # for older releases only
            self.redis.set(ANNOUNCED, json.dumps({**announcement, "generation": generation}))
        except Exception:
            if self.pending is None:
                log.warning("policy set %s loaded here but not announced yet: Redis "
                            "unreachable", revision)
            self.pending = {"revision": revision, "at": announcement["at"]}
            self.reachable = False
            return
        self.pending = None
        self.acted, self.announced_revision = announcement["id"], revision
        self.reachable, self.checked_at = True, time.time()

    def _counted(self, outcome, how: str) -> None:
        if outcome.ok:
            metrics.RELOADS.labels("success").inc()
            metrics.publish_policies(self.registry.policies.all())
            log.info("policy reload (%s): revision %s serves", how, outcome.revision)
        else:
            metrics.RELOADS.labels("failure").inc()
            log.warning("policy reload (%s) refused: %d problem(s), first: %s; revision %s "
                        "serves on", how, len(outcome.problems),
                        _first(outcome.problems), outcome.revision)


def _parse(raw) -> dict | None:
    """The announcement stored, or None (none there, or not one this module can read).
    One written by an older release has no id: its generation and revision stand in."""
    if not raw:
        return None
    try:
        found = json.loads(raw)
        revision = str(found["revision"])
        ident = found.get("id") or f"generation-{int(found['generation'])}-{revision}"
        return {"id": str(ident), "revision": revision, "at": float(found.get("at", 0.0))}
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


# ---- problems, told without the contents of the files ------------------------

_QUOTED = re.compile(r"""(?<!\w)(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")
_MARK = re.compile(r"line (\d+), column (\d+)")
_AT_LINE = re.compile(r"at line (\d+)")
_ERRNO = re.compile(r"^\[Errno \d+\] ([A-Za-z ,]+)")
# Messages of the reading code that quote nothing of the file: kept as they are.
_PLAIN = re.compile(r"^(?:nesting deeper than \d+ levels at line \d+|Not a regular file\."
                    r"|Larger than \d+ bytes\.)$")


def safe_message(message: str) -> str:
    """A problem's message without anything it quotes of a file: PyYAML's errors show the
    offending line, the strict reader names keys, anchors and aliases, and the checks
    quote values and names found in the file. What is left: the kind of problem, the
    line and column, and the words of the checks."""
    if not message.startswith("Cannot read:"):
        return _QUOTED.sub("'…'", message)
    detail = message[len("Cannot read:"):].strip()
    if _PLAIN.match(detail):
        return message
    line = _AT_LINE.findall(detail)
    if detail.startswith("duplicate key") and line:
        return f"Cannot read: a key is repeated at line {line[-1]}."
    if "anchors and aliases are not allowed" in detail and line:
        return f"Cannot read: an anchor or alias at line {line[0]} (not allowed)."
    marks = _MARK.findall(detail)
    if marks:
        return f"Cannot read: not valid YAML at line {marks[-1][0]}, column {marks[-1][1]}."
    if "codec can't decode" in detail:
        return "Cannot read: not UTF-8 text."
    errno = _ERRNO.match(detail)
    if errno:
        return f"Cannot read: {errno.group(1).strip()}."
    if line:
        return f"Cannot read: not valid YAML at line {line[-1]}."
    return "Cannot read: the file is not valid YAML or cannot be opened."


def safe_problem(problem) -> str:
    """'file: field path: message', the message as safe_message leaves it."""
    message = safe_message(problem.message)
    return f"{problem.file}: {problem.path}: {message}" if problem.path else \
        f"{problem.file}: {message}"


def _first(problems) -> str:
    return safe_problem(problems[0]) if problems else "-"
