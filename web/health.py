"""Health endpoints for process managers and load balancers, open without signing in.

`/healthz` (liveness): the process answers; it touches nothing else, so a slow or lost database
never gets a worker restarted. `/readyz` (readiness): the database answers `select 1` and, when the
app shares state through Redis (`REDIS_URL`, a redis:// `RATELIMIT_STORAGE_URI`), each Redis
answers PING. A balancer sends traffic only to a machine whose `/readyz` says 200.

The answers are small JSON bodies naming each check and how long it took; a failed check is named
with the kind of error only: never a traceback, a URL or its password (the log line has the
message). Neither is rate limited; both are `Cache-Control: no-store`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from data.db import store_of
from web.auth import limiter

REDIS_SCHEMES = ("redis://", "rediss://")
REDIS_TIMEOUT = 2.0  # seconds: a balancer checks every few seconds and gives up after a few more

blueprint = Blueprint("health", __name__)
log = logging.getLogger("web.health")


@blueprint.route("/healthz")
def healthz():
    return _answer({"status": "ok"}, 200)


@blueprint.route("/readyz")
def readyz():
    checks = {"database": _timed(_database)}
    for name, url in shared_redis(current_app.config).items():
        checks[name] = _timed(lambda url=url: _redis(url))
    failing = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "fail" if failing else "ok", "checks": checks}
    if failing:
        body["failing"] = failing
    return _answer(body, 503 if failing else 200)


def shared_redis(config) -> dict[str, str]:
    """The Redis servers the workers share, by check name: `redis` for REDIS_URL (or for the
    rate-limit storage when only that is a Redis), `ratelimit_redis` for a rate-limit storage on
    another Redis. Empty when the app keeps its state in the process (memory://)."""
    found: dict[str, str] = {}
    shared = config.get("REDIS_URL") or ""
    limits = config.get("RATELIMIT_STORAGE_URI") or ""
    if shared.startswith(REDIS_SCHEMES):
        found["redis"] = shared
    if limits.startswith(REDIS_SCHEMES) and limits != shared:
        found["ratelimit_redis" if found else "redis"] = limits
    return found


def _timed(check: Callable[[], None]) -> dict[str, object]:
    start = time.perf_counter()
    try:
        check()
    except Exception as error:  # any failure makes the machine not ready; the kind is enough
        result: dict[str, object] = {"ok": False, "error": type(error).__name__}
        log.warning("readiness check failed: %s: %s", type(error).__name__, error)
    else:
        result = {"ok": True}
    result["ms"] = round((time.perf_counter() - start) * 1000, 1)
    return result


def _database() -> None:
    with store_of(current_app).engine.connect() as connection:
        connection.execute(text("select 1"))


def _redis(url: str) -> None:
    """PING on a client kept per process (its pool reconnects after a failure, and after fork)."""
    clients = current_app.extensions.setdefault("health_redis", {})
    if url not in clients:
        import redis  # only when Redis is configured

        clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
        )
    if not clients[url].ping():
        raise ConnectionError("no PONG")


def _answer(body: dict, status: int):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    limiter.exempt(blueprint)
    app.register_blueprint(blueprint)
