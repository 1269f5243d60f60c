"""gunicorn's sync worker, with SIGHUP meaning "reload the policies" from the moment the
worker exists. (gunicorn's own workers die of a SIGHUP that arrives while they boot.)
deploy/gunicorn.conf.py names this class; the master forwards its SIGHUP to each worker."""

from __future__ import annotations

import signal

from gunicorn.workers.sync import SyncWorker


def _sync_of(app):
    return getattr(app, "extensions", {}).get("policy_sync")


class PolicySyncWorker(SyncWorker):
    hup_pending = False

    def init_signals(self) -> None:
        super().init_signals()
        signal.signal(signal.SIGHUP, self.handle_hup)

    def handle_hup(self, signum, frame) -> None:
        sync = _sync_of(getattr(self, "wsgi", None))
        if sync is None:  # still loading the app: reload once it is up
            self.hup_pending = True
        else:
            sync.request_reload()

    def load_wsgi(self) -> None:
        super().load_wsgi()
        sync = _sync_of(self.wsgi)
        if sync is not None:
            sync.master_pid = self.ppid  # a reload by request is passed to the siblings
            if self.hup_pending:
                sync.request_reload()
