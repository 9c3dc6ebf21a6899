"""Structured logs and plain error pages.

Every request has an id: a sane `X-Request-ID` from the proxy in front is kept, otherwise one is
made; it goes back in the answer's `X-Request-ID`. Records of the app's loggers (Flask's own,
named "tracker", and those of its packages) are written as JSON lines (python-json-logger) with
the UTC time, level, request id, method, path and user id; an uncaught exception in a route or a
Dash callback adds its type and traceback. The log goes to standard error (gunicorn keeps it with
its own), or appended to `LOG_FILE` when that is set.

The user never sees a traceback: a page gets a plain HTML page, a callback, upload or script a
JSON answer `{"error": {"code": 500, "message": ..., "request_id": ...}}`; both say what to do
and quote the request id, which finds the log line."""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
import uuid

from flask import Flask, g, has_request_context, jsonify, render_template, request, session
from flask.logging import default_handler
from flask_babel import gettext as _
from pythonjsonlogger.json import JsonFormatter
from werkzeug.exceptions import InternalServerError

REQUEST_ID_HEADER = "X-Request-ID"
# what a proxy's id looks like (a UUID, hex, base64url): anything else is replaced, never logged
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
APP_LOGGERS = ("tracker", "web", "dashboards", "data", "etl")  # "tracker" is Flask's app.logger
FIELDS = ["levelname", "name", "message", "request_id", "method", "path", "user_id"]
RENAMED = {"levelname": "level", "name": "logger", "exc_info": "traceback"}


def request_id() -> str:
    """This request's id: the incoming one when it is sane, otherwise a new random one."""
    if "request_id" not in g:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    return g.request_id


# a path that carries a secret (an invitation's one-time token) is logged without it, also
# where a log line quotes it (an access log's request line, `?next=/invite/…`, URL-encoded or not)
SECRET_IN_PATH = re.compile(r"((?:/|%2F)invite(?:/|%2F))[^/?#&\s\"%]+", re.IGNORECASE)
# the servers' own access logs, which never pass through the app's handler
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


def loggable_path(path: str) -> str:
    return SECRET_IN_PATH.sub(r"\1[token]", path)


class SecretsOut(logging.Filter):
    """On the servers' access logs: the line as logged, without an invitation's token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = loggable_path(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


class RequestContext(logging.Filter):
    """Adds the request's id, method, path and user, and the exception's type, to each record.
    A secret in the path is replaced, also in the message (Flask's "Exception on <path>")."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = request_id()
            record.method = request.method
            record.path = loggable_path(request.path)
            record.user_id = _user_id()
            if record.path != request.path:
                record.msg = str(record.msg).replace(request.path, record.path)
        if record.exc_info and record.exc_info[0] is not None:
            record.exception_type = record.exc_info[0].__qualname__
        return True


def _user_id() -> int | str | None:
    """The signed-in user's id without loading the user (the store may be what failed)."""
    user = g.get("_login_user")  # Flask-Login's user of this request, once loaded
    if user is not None:
        return getattr(user, "id", None)
    stored = session.get("_user_id")  # not loaded yet: the id Flask-Login keeps in the session
    return int(stored) if isinstance(stored, str) and stored.isdigit() else stored


class StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is when a record comes (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def json_handler(log_file: str | None) -> logging.Handler:
    if log_file:  # WatchedFileHandler reopens the file after logrotate moves it
        handler: logging.Handler = logging.handlers.WatchedFileHandler(log_file, encoding="utf-8")
    else:
        handler = StderrHandler()
    handler.setFormatter(
        JsonFormatter(FIELDS, rename_fields=RENAMED, timestamp="time", json_ensure_ascii=False)
    )
    handler.addFilter(RequestContext())
    handler.tracker_json = True  # marks the handler this module installed
    return handler


def configure_logging(log_file: str | None) -> None:
    """One JSON handler on the app's loggers (replacing the one of an earlier app in this
    process), instead of Flask's plain-text default handler."""
    handler = json_handler(log_file)
    for name in APP_LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, "tracker_json", False)]:
            logger.removeHandler(old)
            old.close()
        logger.removeHandler(default_handler)
        logger.addHandler(handler)
        if logger.level == logging.NOTSET or logger.level > logging.INFO:
            logger.setLevel(logging.INFO)


def send_request_id(response):
    response.headers[REQUEST_ID_HEADER] = request_id()
    return response


def wants_html() -> bool:
    """A browser opening a page names text/html; Dash's callbacks, the upload and scripts do not."""
    if request.path.startswith("/_"):
        return False
    return any(kind == "text/html" for kind, _quality in request.accept_mimetypes)


def server_error(error: InternalServerError):
    """The answer to an uncaught exception (Flask has logged it with its traceback): what to do and
    the request id, nothing of the exception."""
    if getattr(error, "original_exception", None) is None:  # abort(500): no traceback to log
        logging.getLogger("tracker").error("answered 500 without an exception")
    reference = request_id()
    message = _(
        "The tracker could not answer this request. Try again in a minute; if it happens "
        "again, tell the programme office and quote reference %(request_id)s.",
        request_id=reference,
    )
    if not wants_html():
        return jsonify(error={"code": 500, "message": message, "request_id": reference}), 500
    try:
        return render_template("error.html", code=500, request_id=reference), 500
    except Exception:  # the page itself failed (a broken template, say): plain text still helps
        logging.getLogger("tracker").exception("the error page failed")
        return message, 500, {"Content-Type": "text/plain; charset=utf-8"}


def keep_secrets_out_of_access_logs() -> None:
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, SecretsOut) for f in logger.filters):
            logger.addFilter(SecretsOut())


def init_app(app: Flask) -> None:
    configure_logging(app.config.get("LOG_FILE"))
    keep_secrets_out_of_access_logs()
    app.after_request(send_request_id)
    app.register_error_handler(InternalServerError, server_error)
