"""Gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py 'service:create_app()'`.

Workers and bind address come from HUKOU_WORKERS and HUKOU_BIND. With
PROMETHEUS_MULTIPROC_DIR set, the directory is emptied when the master starts
and a dead worker's metric files are marked so its gauges disappear.
"""

import multiprocessing
import os
import shutil

bind = os.environ.get("HUKOU_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("HUKOU_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 10000
max_requests_jitter = 1000
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
# Method, path and status only: no query strings, no bodies, nothing about applicants.
access_log_format = ('{"remote":"%(h)s","method":"%(m)s","path":"%(U)s","status":%(s)s,'
                     '"bytes":%(B)s,"duration_us":%(D)s,"request_id":"%({x-request-id}o)s"}')
errorlog = "-"


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
