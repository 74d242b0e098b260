"""Production serving: `gunicorn -c gunicorn.conf.py dashboard.app:server`."""

import multiprocessing
import os

bind = os.environ.get("MIRADOR_BIND", "0.0.0.0:8050")
workers = int(os.environ.get("MIRADOR_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("MIRADOR_THREADS", 2))
worker_class = "gthread"
timeout = 60
graceful_timeout = 20
keepalive = 5
max_requests = 5000          # recycle workers now and then: bounded memory over weeks
max_requests_jitter = 500
preload_app = True           # import once, fork many: faster start, shared pages
accesslog = "-"


def post_fork(server, worker):
    """Each worker opens its own database connections (never share a pool across fork)."""
    from queries import db

    db.reset_engines()


def when_ready(server):
    """Before the workers are forked: compress the static files once (brotli 11 takes
    seconds a file, dashboard/static_cache.py), so that every worker serves them at once."""
    from dashboard import static_cache
    from dashboard.app import app

    try:
        server.log.info("static files compressed: %d", static_cache.warm(app))
    except Exception:   # the workers compress them themselves: never a reason not to serve
        server.log.exception("static files not compressed before forking")
