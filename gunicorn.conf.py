"""gunicorn settings for Trend Sales (`gunicorn -c gunicorn.conf.py wsgi:server`).

Every value can be overridden from the environment; HOST and PORT pick the address.
The app is built in each worker (no preload), so no scheduler, thread or database handle crosses a
fork. Background work (the MASTER poller thread and, when TRENDSALES_SCHEDULER_ENABLED, the APScheduler
scheduler with its database leader lease) starts in ``post_worker_init`` — inside each worker after
the app is loaded — and stops in ``worker_exit``. Every worker runs a scheduler, but only the lease
holder runs jobs, so the nightly retrain runs once across all workers and hosts.
"""

import os
from typing import Any

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8050')}"
workers = int(os.environ.get("TRENDSALES_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("TRENDSALES_THREADS", "4"))
# Training runs in a child process of the leader worker, never inside a request: requests stay short,
# so the worker timeout only has to cover slow requests (uploads), not trainings.
timeout = int(os.environ.get("TRENDSALES_WORKER_TIMEOUT", "120"))
# On stop/restart a worker fails its running training and releases the lease within this time.
graceful_timeout = 30
keepalive = 5
# Never preload: the app (engine, model holder, scheduler) must be created inside each worker.
preload_app = False
accesslog = os.environ.get("TRENDSALES_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"
loglevel = os.environ.get("TRENDSALES_LOG_LEVEL", "info").lower()
# gunicorn 27 opens a control socket under ~/.gunicorn by default; this app does not use it.
control_socket_disable = True

# The product promises nightly retraining: a served app schedules it unless told otherwise.
# (Set here, so only gunicorn's processes see it: CLI commands never start a scheduler.)
os.environ.setdefault("TRENDSALES_SCHEDULER_ENABLED", "1")


def _services(worker: Any) -> Any:
    """The Services bundle of the app a worker serves (None if the app did not load)."""
    server = getattr(worker, "wsgi", None)
    extensions = getattr(server, "extensions", None) or {}
    return extensions.get("trendsales")


def post_worker_init(worker: Any) -> None:
    """Inside each worker, after the app loaded: start the MASTER poller and the scheduler."""
    from app import start_background

    services = _services(worker)
    if services is not None:
        start_background(services)


def worker_exit(server: Any, worker: Any) -> None:
    """A worker is stopping: fail its running training (if any) and release the leader lease."""
    services = _services(worker)
    if services is not None:
        from app import stop_background

        stop_background(services)
