"""Background jobs: with REDIS_URL set, the long callbacks (the exports of every figure and of the
audit trail) run as Dash background callbacks on a Celery worker, so that no web worker is held
for seconds; without it they run in the request, as they always did, and nothing here is used.

Security stays on the server. A job is registered through `dashboards._access.guarded_callback`
(`job=True`): the request admits the user there (action and page, deny by default) before anything
is queued, and puts into the job a *ticket* signed with SECRET_KEY (itsdangerous): the callback,
the user, the hash of the user's session and the language. Nothing the browser sends becomes the
ticket. The worker checks the signature and its age, that the session is still open and within its
limits, runs the same admission again as that user inside the app (flask_babel's `force_locale`
for the user's language), and only then the callback. A refusal in the worker answers 403 when the
browser asks for the result. The key under which Dash keeps a result is random and signed for its
owner: another user cannot fetch it, nor guess it.

The worker: `celery -A web.jobs:celery_app worker` with the app's environment (it builds the app,
so that the pages' callbacks are its tasks)."""

from __future__ import annotations

import logging
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dash
from celery import Celery
from celery.signals import worker_process_init
from dash._callback import GLOBAL_CALLBACK_MAP
from flask import Flask, abort, current_app, g, request
from flask_babel import force_locale
from flask_login import current_user
from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from data.db import store_of
from data.models import Entity, User, UserSession, utcnow
from data.users import Account
from web.auth import WebUser, refuse
from web.i18n import LANGUAGES, language
from web.sessions import Timeouts, token_hash, why_over

log = logging.getLogger(__name__)

EXTENSION = "jobs"
TICKET = "tracker_job"  # the ticket's name in Dash's callback context (`dash.ctx.custom_data`)
TICKET_SALT = "tracker.job.ticket"
KEY_SALT = "tracker.job.result-key"
JOB_OWNER = "tracker-job-owner:"  # Redis key prefix: a job's id -> the user who asked for it
TICKET_MAX_AGE = 3600  # seconds a job may wait in the queue before its ticket is refused
RESULT_SECONDS = 3600  # Celery's own task records expire after this
REFUSED = "tracker job refused"


class JobRefused(Exception):
    """The worker will not run this job (ticket forged, stale, or the user may no longer)."""

    def __init__(self, why: str) -> None:
        super().__init__(f"{REFUSED}: {why}")


def celery_for(redis_url: str) -> Celery:
    """Celery on the app's Redis: the queue and the results (JSON only, never pickle)."""
    celery = Celery("tracker", broker=redis_url, backend=redis_url)
    celery.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        result_expires=RESULT_SECONDS,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    return celery


class TrackerJobs(dash.CeleryManager):
    """Dash's Celery manager whose result keys are random and signed for the user who asked:
    Dash's own key is a hash of the callback's source and its inputs, which anyone could
    compute and poll for another user's file."""

    def __init__(self, celery: Celery, secret_key: str) -> None:
        super().__init__(celery)
        self.keys = URLSafeSerializer(secret_key, salt=KEY_SALT)

    def build_cache_key(self, fn, args, cache_args_to_ignore, triggered) -> str:
        return self.keys.dumps({"user": _user_id(), "nonce": secrets.token_urlsafe(16)})

    def owner_of(self, key: str) -> int | None:
        try:
            return self.keys.loads(key).get("user")
        except (BadData, AttributeError):
            return None

    def call_job_fn(self, key, job_fn, args, context) -> str:
        """Queue the job and note whose it is: Dash ends any job whose id a request names
        (`job`, `oldJob`), so a request may name only its user's own jobs (`owns_job`)."""
        job = super().call_job_fn(key, job_fn, args, context)
        self.handle.backend.set(JOB_OWNER + job, str(_user_id()))  # expires with the results
        return job

    def owns_job(self, job: str, user_id: int | None) -> bool:
        owner = self.handle.backend.get(JOB_OWNER + job) if job else None
        return owner is not None and user_id is not None and owner.decode() == str(user_id)


def init_app(server: Flask, redis_url: str | None) -> TrackerJobs | None:
    """Background jobs for this app when REDIS_URL is set (before the pages are imported: they
    ask `jobs_of_app_being_built` how to register their jobs)."""
    manager = TrackerJobs(celery_for(redis_url), server.secret_key) if redis_url else None
    server.extensions[EXTENSION] = manager
    return manager


def jobs_of_app_being_built() -> tuple[Flask, TrackerJobs] | None:
    """The Flask app whose pages are being imported and its jobs manager, when it has one. Dash
    imports the pages while it builds the app (`dash.get_app()` is that app then)."""
    try:
        server = dash.get_app().server
    except Exception:  # no app yet: a page module imported on its own
        return None
    manager = server.extensions.get(EXTENSION) if server is not None else None
    return (server, manager) if manager else None


def background_callback(
    server: Flask,
    manager: TrackerJobs,
    run: Callable,
    admitted: Callable[[], object],
    dependencies: tuple,
    options: dict,
):
    """Register `run` (the guarded callback) as a background callback of `server`'s app: in the
    request, `admitted()` then queue with a ticket (or hand back the asker's own result); in the
    worker, the ticket's user inside the app, then `run`."""
    name = run.__name__

    def in_worker(*args):
        with as_ticket_holder(server, dash.ctx.custom_data.get(TICKET), name):
            try:
                return run(*args)
            except HTTPException as refused:
                raise JobRefused(f"{name} answered {refused.code}") from refused

    in_worker.__name__ = in_worker.__qualname__ = name
    # Dash names the Celery task by the source this unwraps to (the page's callback): the same
    # in the web process and in the worker
    in_worker.__doc__, in_worker.__wrapped__ = run.__doc__, run
    in_worker.guarded_by = run.guarded_by
    dash.callback(*dependencies, background=True, on_error=_answer_refusal, **options)(in_worker)
    entry = next(
        (e for e in GLOBAL_CALLBACK_MAP.values() if _registers(e, in_worker)),
        None,
    )
    if entry is None:  # deny by default: a Dash that registers otherwise must not run unguarded
        raise RuntimeError(f"background callback {name} not found in Dash's callback map")
    entry["callback"] = _in_request(entry["callback"], manager, admitted, name)
    return run


def _registers(entry: dict, function) -> bool:
    return getattr(entry.get("callback"), "__wrapped__", None) is function


def _in_request(dispatch: Callable, manager: TrackerJobs, admitted: Callable, name: str):
    """What Dash calls in the request for a background callback: admit the user first (403, no
    job), then either queue the job with its ticket or answer a poll for the user's own result."""

    def queue_or_poll(*args, **kwargs):
        actor = admitted()
        key = request.args.get("cacheKey")
        if key is not None and not _owns(manager, key, actor):
            refuse(403, callback=name, job="another user's result")
        named = [*request.args.getlist("job"), *request.args.getlist("oldJob")]
        if any(not manager.owns_job(job, getattr(actor, "user_id", None)) for job in named):
            refuse(403, callback=name, job="another user's job")  # Dash would end it
        if key is None:
            context = kwargs["callback_context"]
            context.custom_data[TICKET] = ticket(name)
            # the worker needs neither the browser's cookies (the session) nor its headers
            context.cookies, context.headers = {}, {}
        return dispatch(*args, **kwargs)

    queue_or_poll.__name__ = name
    queue_or_poll.__wrapped__ = dispatch
    queue_or_poll.guarded_by = dispatch.guarded_by
    return queue_or_poll


def _owns(manager: TrackerJobs, key: str, actor) -> bool:
    owner = manager.owner_of(key)
    return owner is not None and owner == getattr(actor, "user_id", None)


def _answer_refusal(error: Exception):
    """Dash hands a worker's error to this in the request that asks for the result: a refusal
    answers 403 (the worker recorded it when it knew the user); anything else stays an error."""
    if isinstance(error, HTTPException):
        raise error
    if REFUSED in str(error):
        abort(403)
    raise error


def _user_id() -> int | None:
    return getattr(current_user, "id", None) if current_user else None


def ticket(callback: str) -> str:
    """The signed ticket of this request's user for `callback`."""
    token = getattr(current_user, "token", "")
    if not (current_user and current_user.is_authenticated and token):
        refuse(403, callback=callback, job="no browser session")
    payload = {
        "callback": callback,
        "user": current_user.id,
        "session": token_hash(token),
        "lang": language(),
    }
    return _tickets(current_app).dumps(payload)


def _tickets(server: Flask) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(server.secret_key, salt=TICKET_SALT)


@contextmanager
def as_ticket_holder(server: Flask, signed: object, callback: str) -> Iterator[None]:
    """Inside `server` as the ticket's user, in the ticket's language; `JobRefused` when the
    ticket is forged, older than TICKET_MAX_AGE, for another callback, or its session is over."""
    try:
        payload = _tickets(server).loads(str(signed or ""), max_age=TICKET_MAX_AGE)
    except BadData as bad:
        log.warning("job refused: %s (%s)", callback, type(bad).__name__)
        raise JobRefused("bad ticket") from None
    if not isinstance(payload, dict) or payload.get("callback") != callback:
        raise JobRefused("ticket for another job")
    lang = payload.get("lang") if payload.get("lang") in LANGUAGES else "en"
    with server.test_request_context("/_job/" + callback), force_locale(lang):
        account = _open_session_account(server, payload)
        if account is None:
            log.warning("job refused: %s (the session is over)", callback)
            raise JobRefused("session over")
        g._login_user = WebUser(account)  # flask_login's current_user for the job
        yield


def _open_session_account(server: Flask, payload: dict) -> Account | None:
    """The ticket's user while the session the job was asked in still works (not signed out,
    within its limits, same role, entity and password), else None."""
    query = (
        select(UserSession, User, Entity.code)
        .join(User, User.id == UserSession.user_id)
        .outerjoin(Entity, Entity.id == User.entity_id)
        .where(UserSession.token_hash == str(payload.get("session")))
    )
    timeouts = Timeouts(server.config["SESSION_IDLE"], server.config["SESSION_MAX"])
    with store_of(server).session() as db:
        row = db.execute(query).first()
        if row is None or row[0].ended_at is not None or row[1].id != payload.get("user"):
            return None
        held, user, entity_code = row
        if why_over(held, user, utcnow(), timeouts):
            return None
        return Account(
            user.id,
            user.email,
            user.name,
            user.role,
            user.entity_id,
            entity_code,
            user.language,
            user.must_change_password,
        )


_worker_celery: Celery | None = None


def worker_celery() -> Celery:
    """The Celery app of the worker command: builds the tracker's app from the environment (its
    pages register the jobs as tasks); refuses to start without REDIS_URL."""
    global _worker_celery  # built once per worker process
    if _worker_celery is None:
        root = str(Path(__file__).resolve().parents[1])
        if root not in sys.path:  # the celery command imports this module from the current folder
            sys.path.insert(0, root)
        from app import create_app
        from settings import ConfigError

        server = create_app().server
        manager = server.extensions.get(EXTENSION)
        if manager is None:
            raise ConfigError("the background worker needs REDIS_URL (the queue and the results)")
        store = store_of(server)

        @worker_process_init.connect(weak=False)
        def _own_connections(**_kwargs) -> None:
            """A forked worker process opens its own database connections."""
            store.engine.dispose(close=False)

        _worker_celery = manager.handle
    return _worker_celery


def __getattr__(name: str):
    """`celery -A web.jobs:celery_app worker`: the app is built when the worker asks for it."""
    if name == "celery_app":
        return worker_celery()
    raise AttributeError(name)


def preparing_note(note_id: str, text: str | None = None):
    """The words shown while a job prepares a file (`text`, or that the file downloads when
    ready): in a polite live region, hidden until the job's `running` outputs show it."""
    from dash import html
    from flask_babel import gettext as _

    return html.P(
        html.Span(
            text or _("Preparing the file. It downloads by itself when it is ready."),
            id=note_id,
            hidden=True,
        ),
        role="status",
        **{"aria-live": "polite"},
        className="muted",
    )


def while_running(buttons: list[str], note_id: str, region_id: str) -> list:
    """Dash `running` outputs: the buttons disabled, the note shown and the region marked busy
    while the callback runs (in the request or on the worker)."""
    from dash import Output

    return [
        *[(Output(button, "disabled"), True, False) for button in buttons],
        (Output(note_id, "hidden"), False, True),
        (Output(region_id, "aria-busy"), "true", "false"),
    ]
