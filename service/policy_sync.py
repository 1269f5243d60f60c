"""Keeping every process on one policy set: reload on request, announce, follow.

How a new policy set reaches every worker of every instance:

1. Someone asks one process to reload: `POST /v1/admin/policies/reload`, or SIGHUP
   (to gunicorn's master, which forwards it to each worker: deploy/gunicorn.conf.py).
2. That process loads its policy directory off to the side and swaps only if all of
   it is valid. A bad directory is refused, counted and logged; the last good set
   keeps serving, and nothing is announced.
3. A successful reload that changed the set is announced: in Redis, the generation
   counter `hukou:policies:generation` goes up by one and `hukou:policies:announced`
   holds {generation, revision}. Under gunicorn the worker also sends SIGHUP to its
   master, so the other workers of its instance reload at once, Redis or not.
4. Every process polls the announcement (once a second). A newer generation makes it
   reload from its own directory. If its files do not give the announced revision yet
   (a ConfigMap still being updated, say), it keeps polling and reloads again until
   they do or a newer announcement arrives; meanwhile it serves its last good set and
   says so in /readyz (`policies.in_step: false`).

Each process reads its own directory: the announcement carries no policy content,
so a process can never be handed a set that its own checks did not accept.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time

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
        self.seen = 0
        self.seen = self._announced()[0]
        self.wanted: str | None = None  # the announced revision not reached yet
        self.failed_generation = 0
        self.master_pid: int | None = None  # set under gunicorn (post_worker_init)
        self._wake = threading.Event()
        self._asked = False
        self._stop = False
        self._thread: threading.Thread | None = None
        self.lock = threading.Lock()

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

    def status(self) -> dict:
        """What /readyz adds to the registry's own state: the generation seen, and whether
        this process serves the set last announced."""
        wanted = self.wanted
        return {"generation": self.seen,
                "in_step": wanted is None or self.registry.revision == wanted}

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

    def _announced(self) -> tuple[int, str | None]:
        if self.redis is None:
            return 0, None
        try:
            raw = self.redis.get(ANNOUNCED)
        except Exception:  # Redis away: nothing to follow until it is back
            return self.seen, None
        if not raw:
            return 0, None
        try:
            found = json.loads(raw)
            return int(found["generation"]), str(found["revision"])
        except (ValueError, KeyError, TypeError):
            return 0, None

    def _follow(self) -> None:
        generation, revision = self._announced()
        if generation > self.seen:
            self.seen, self.wanted = generation, revision
        if self.wanted is None:
            return
        with self.lock:
            if self.registry.revision != self.wanted:
                outcome = self.registry.reload()
                if not outcome.ok and self.failed_generation != self.seen:
                    self.failed_generation = self.seen  # count and log once per announcement
                    self._counted(outcome, "follow")
            if self.registry.revision == self.wanted:
                log.info("policy set %s serves (generation %d)", self.wanted, self.seen)
                self.wanted = None

    def _announce(self, revision: str, tell_master: bool) -> None:
        if self.redis is not None:
            try:
                generation = int(self.redis.incr(GENERATION))
                self.redis.set(ANNOUNCED, json.dumps({"generation": generation,
                                                      "revision": revision, "at": time.time()}))
                self.seen = generation
            except Exception:
                log.warning("policy set %s loaded here but not announced: Redis unreachable",
                            revision)
        if tell_master and self.master_pid:
            try:
                os.kill(self.master_pid, signal.SIGHUP)  # the master forwards it to each worker
            except OSError:
                pass

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


def _first(problems) -> str:
    if not problems:
        return "-"
    p = problems[0]
    return f"{p.file}: {p.path}: {p.message}" if p.path else f"{p.file}: {p.message}"
