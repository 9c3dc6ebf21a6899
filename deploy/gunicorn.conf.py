"""gunicorn's settings for the tracker in production, read by
`gunicorn -c deploy/gunicorn.conf.py app:server` from the repository's root (and by plain
`gunicorn app:server`: the top-level gunicorn.conf.py is this file). Each setting can be changed
from the environment (deploy/tracker.env.example) or on gunicorn's command line, which wins.

- Workers: WEB_CONCURRENCY, else 2 x cores + 1, at most MAX_WORKERS: each worker holds its own copy
  of the app and its cache of computed figures (150-400 MB), so more workers than that buy memory
  pressure, not speed. Each worker runs GUNICORN_THREADS threads (gthread), so a slow upload or a
  slow page holds one thread, not a whole worker.
- No preload: each worker imports and builds the app after the fork. A `kill -HUP` of the master
  (systemd's `reload`) starts new workers on the new code while the old ones finish what they are
  answering (up to graceful_timeout), so a deployment loses no request in flight;
  tests/deploy/test_stack.py shows it with an upload sent slowly across the restart.
- Logs: JSON lines, like the app's own (web/logs.py): the access log on standard output (one line
  per request: method, path, status, bytes, duration, the request id the app answered with, the
  worker's pid), gunicorn's own log on standard error, with the app's. An explicit
  --access-logformat is written as given.
- Each worker is told how many workers serve the app before it loads it (post_fork), so production
  refuses sign-in limits kept per worker (RATELIMIT_STORAGE_URI=memory://) whenever there are
  several: the limits would be as many times looser."""

import logging
import os

from gunicorn import glogging
from gunicorn.config import AccessLogFormat
from pythonjsonlogger.json import JsonFormatter

MAX_WORKERS = 8
DEFAULT_ACCESS_FORMAT = AccessLogFormat.default


def _number(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else default


def default_workers() -> int:
    return min(2 * (os.cpu_count() or 1) + 1, MAX_WORKERS)


bind = os.environ.get("BIND", "127.0.0.1:8000").split(",")
workers = _number("WEB_CONCURRENCY", default_workers())
worker_class = "gthread"
threads = _number("GUNICORN_THREADS", 4)
timeout = 60  # a worker silent this long is killed and replaced (a request may take longer)
graceful_timeout = 30  # after HUP or TERM, old workers get this long to finish their requests
keepalive = 5  # seconds an idle keep-alive connection from the balancer stays open
preload_app = False  # each worker builds its app after the fork: HUP reloads the code
max_requests = _number("MAX_REQUESTS", 0)  # 0: workers are never recycled
max_requests_jitter = max_requests // 10
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "tracker"
control_socket_disable = True  # gunicorn 27: one socket path per user, shared by every gunicorn


def post_fork(server, worker):
    os.environ["WEB_CONCURRENCY"] = str(server.cfg.workers)


RENAMED = {"levelname": "level", "name": "logger", "process": "pid", "exc_info": "traceback"}
ERROR_FIELDS = ["levelname", "name", "message", "process"]
ACCESS_FIELDS = ["levelname", "name", "message", "method", "path", "query", "status", "bytes"]
ACCESS_FIELDS += ["duration_ms", "request_id", "remote_addr", "user_agent", "process"]


def _json(fields: list[str]) -> JsonFormatter:
    return JsonFormatter(fields, rename_fields=RENAMED, timestamp="time", json_ensure_ascii=False)


class AccessFields(logging.Filter):
    """Turns gunicorn's access record (its message format and a mapping of "atoms") into fields.
    The path and query go through the app's own cleaning, which takes an invitation's one-time
    token out (web/logs.py: loggable_path), before anything is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args
        if not hasattr(atoms, "get") or record.msg != DEFAULT_ACCESS_FORMAT:
            return True
        from web.logs import loggable_path  # in the worker, after it loaded the app

        record.method = atoms.get("m")
        record.path = loggable_path(atoms.get("U") or "")
        record.query = loggable_path(atoms.get("q") or "")
        record.status = int(atoms.get("s")) if str(atoms.get("s")).isdigit() else atoms.get("s")
        record.bytes = atoms.get("B")
        record.duration_ms = round(atoms.get("D", 0) / 1000, 1)
        record.request_id = atoms.get("{x-request-id}o")
        record.remote_addr = atoms.get("h")
        record.user_agent = atoms.get("{user-agent}i")
        record.msg, record.args = f"{record.method} {record.path} {record.status}", ()
        return True


class JsonLogger(glogging.Logger):
    """gunicorn's logger with JSON lines on both logs (see the module's docstring)."""

    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(_json(ERROR_FIELDS))
        if cfg.access_log_format != DEFAULT_ACCESS_FORMAT:
            return  # a format of the operator's own: written as given
        for handler in self.access_log.handlers:
            handler.setFormatter(_json(ACCESS_FIELDS))
        if not any(isinstance(f, AccessFields) for f in self.access_log.filters):
            # on the logger, before the app's SecretsOut filter (added when a worker loads it)
            self.access_log.addFilter(AccessFields())


logger_class = JsonLogger
