"""Gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py 'service:create_app()'`.

The bind address and the worker count come from HUKOU_BIND and HUKOU_WORKERS.
With PROMETHEUS_MULTIPROC_DIR set (the Dockerfile sets it), the master empties
the metrics directory when it starts and marks a dead worker's files, so
`/metrics` adds up the live workers only. The module reads the environment and
nothing else, so it imports without gunicorn running (its test does that).
"""

import glob
import multiprocessing
import os
import secrets
import tempfile

MAX_DEFAULT_WORKERS = 8


def default_workers() -> int:
    """2 x CPU + 1, at most MAX_DEFAULT_WORKERS: CPU counts ignore container limits."""
    return min(2 * multiprocessing.cpu_count() + 1, MAX_DEFAULT_WORKERS)


def workers_from_env() -> int:
    """HUKOU_WORKERS when set (an explicit count is not capped), else the default."""
    value = os.environ.get("HUKOU_WORKERS", "").strip()
    if not value:
        return default_workers()
    count = int(value)
    if count < 1:
        raise ValueError(f"HUKOU_WORKERS must be at least 1, not {value!r}")
    return count


bind = os.environ.get("HUKOU_BIND", "").strip() or "0.0.0.0:8000"
workers = workers_from_env()
worker_class = "service.gunicorn_worker.PolicySyncWorker"  # sync, SIGHUP reloads
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 10000
max_requests_jitter = 1000
# The worker heartbeat file; on a container's overlay filesystem it can stall workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
proc_name = "hukou-points"
# No runtime control socket (gunicorn >= 25.1): every instance on a host would share
# ~/.gunicorn/gunicorn.ctl, and the image's user has no writable home.
control_socket_disable = True

# Our URLs are short and our headers small; bodies are limited by the service itself.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

accesslog = "-"
errorlog = "-"
# One JSON object a line: method, path without its query string, status, size and time.
# No query string, no body, no client address, nothing about applicants.
access_log_format = (
    '{"time":"%(t)s","method":"%(m)s","path":"%(U)s","status":%(s)s,'
    '"bytes":"%(b)s","duration_us":%(D)s,"request_id":"%({x-request-id}o)s"}'
)


def on_starting(server):
    """Create PROMETHEUS_MULTIPROC_DIR and remove the metric files of an earlier run."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    os.makedirs(directory, exist_ok=True)
    # Only prometheus_client's own *.db files, so a misconfigured path loses nothing else.
    for path in glob.glob(os.path.join(glob.escape(directory), "*.db")):
        os.remove(path)


def child_exit(server, worker):
    """Mark the dead worker's live gauges gone (prometheus_client multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)



# Decision ids are keyed (HMAC-SHA256) with HUKOU_DECISION_KEY. Unset, the master makes
# one key now and every worker inherits it, so ids are stable within this server; a
# deployment sets the key to keep them stable across instances and restarts.
if not os.environ.get("HUKOU_DECISION_KEY") and not os.environ.get("HUKOU_DECISION_KEY_FILE"):
    os.environ["HUKOU_DECISION_KEY"] = secrets.token_hex(32)

# SIGHUP reloads the policy directory in every worker, in place. gunicorn's own SIGHUP
# would restart the workers instead, and a worker that meets a bad policy file at start
# cannot boot, which stops the whole server; here a bad file is refused by each worker
# and the last good set keeps serving (service/policy_sync.py). A worker that starts
# later (recycled after max_requests, or replacing a crashed one) finds the last good
# set in the snapshot directory when the policy directory has gone bad meanwhile.
# Unset, the master makes one snapshot directory and on_exit removes it again. The
# marker names the directory this server made: a master re-executed by USR2 inherits
# it (and the directory) through the environment.
SNAPSHOTS_MADE = "HUKOU_POLICY_SNAPSHOT_DIR_MADE"
if not os.environ.get("HUKOU_POLICY_SNAPSHOT_DIR"):
    os.environ["HUKOU_POLICY_SNAPSHOT_DIR"] = os.environ[SNAPSHOTS_MADE] = tempfile.mkdtemp(
        prefix="hukou-policies-good-")


def on_exit(server):
    """Remove the snapshot directory this server made, unless a new master (started by
    USR2) is running and uses it."""
    made = os.environ.get(SNAPSHOTS_MADE)
    if made and made == os.environ.get("HUKOU_POLICY_SNAPSHOT_DIR") \
            and not getattr(server, "reexec_pid", 0):
        import shutil

        shutil.rmtree(made, ignore_errors=True)


def when_ready(server):
    import signal as signals

    def forward_hup():
        server.log.info("SIGHUP: reloading the policies in %d workers", len(server.WORKERS))
        for pid in list(server.WORKERS):
            try:
                os.kill(pid, signals.SIGHUP)
            except OSError:  # a worker that just exited
                pass

    server.handle_hup = forward_hup
