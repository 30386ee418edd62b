"""gunicorn settings for Trend Sales (`gunicorn -c gunicorn.conf.py wsgi:server`).

Every value can be overridden from the environment; HOST and PORT pick the address.
The app is built in each worker (no preload), so no scheduler or database handle crosses a fork.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8050')}"
workers = int(os.environ.get("TRENDSALES_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("TRENDSALES_THREADS", "4"))
timeout = int(os.environ.get("TRENDSALES_WORKER_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
preload_app = False
accesslog = os.environ.get("TRENDSALES_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("TRENDSALES_LOG_LEVEL", "info").lower()
# gunicorn 27 opens a control socket under ~/.gunicorn by default; this app does not use it.
control_socket_disable = True
