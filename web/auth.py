"""Sign-in, sign-out, password changes and the one guard in front of every route, Dash's
callbacks included. Sessions are held on the server (web/sessions.py); failed sign-ins are limited
per address and per account (web/lockout.py); each step is an audit event."""

from __future__ import annotations

import re
from typing import NoReturn
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect, generate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from data.audit import record
from data.db import store_of
from data.models import User
from data.passwords import MAX_PASSWORD, MIN_PASSWORD
from data.users import (
    Account,
    PasswordRefused,
    WrongPassword,
    account,
    authenticate,
    change_password,
    find_user,
)
from services.actors import is_page, page_allowed
from web import lockout
from web.access import current_actor
from web.i18n import requested_language
from web.sessions import Timeouts, end_session, resume_session, start_session

CSRF_COOKIE = "_csrf_token"  # read by Dash's renderer and sent back as X-CSRFToken
OPEN_PATHS = ("/login", "/_favicon.ico")
OPEN_PREFIXES = ("/assets/",)
# liveness and readiness (web/health.py): open to the balancer, no session or database touched
HEALTH_PATHS = ("/healthz", "/readyz")
OPEN_DATA = "/open-data"  # open to anonymous visitors only with OPEN_DATA_PUBLIC=1
# exactly web/opendata.py's addresses: anything else below /open-data stays an unknown address
PUBLIC_OPEN_DATA = re.compile(r"/open-data(/catalog\.jsonld|/file/[0-9]{1,18})?")
# an invited user's one-time link (web/invite.py): a URL-safe token, nothing else below /invite
INVITATION_LINK = re.compile(r"/invite/[A-Za-z0-9_-]{1,100}")
# the read API authenticates (session or bearer token) and answers its refusals as JSON itself
API_PREFIX = "/api/"
OWN_ROUTES = ("auth", "files", "uploads", "opendata")
PASSWORD_PAGE = "/account/password"  # noqa: S105 - a path, not a password
# what a user who must choose a new password may still reach
WHILE_RESET = (PASSWORD_PAGE, "/logout")

blueprint = Blueprint("auth", __name__)
login_manager = LoginManager()
# holds the rate-limit storage (RATELIMIT_STORAGE_URI); the sign-in limits are in web/lockout.py
limiter = Limiter(key_func=get_remote_address, strategy="fixed-window")
csrf = CSRFProtect()

TOO_MANY = _l("Too many attempts. Wait a few minutes, then try again.")
NOT_RIGHT = _l("The e-mail or the password is not right. Check both and try again.")
PASSWORD_RULES = {
    "too_short": _l("The password needs at least %(count)s characters.", count=MIN_PASSWORD),
    "too_long": _l("The password can have at most %(count)s characters.", count=MAX_PASSWORD),
    "repeated": _l(
        "The password repeats the same few characters. Choose a longer phrase, several words "
        "for example."
    ),
    "email": _l("The password cannot be your e-mail address."),
    "common": _l(
        "This password is one of the most common passwords, which are tried first. Choose another."
    ),
    "unchanged": _l("The new password must differ from the current one."),
}
TOO_LONG = PASSWORD_RULES["too_long"]


class WebUser(UserMixin):
    """The signed-in user as the web layer sees it: plain values, reloaded each request.
    Flask-Login keeps `get_id()` in the cookie: the session's token, not the user's id."""

    def __init__(self, acct: Account, token: str = "") -> None:
        self.id = acct.id
        self.email = acct.email
        self.name = acct.name
        self.role = acct.role
        self.entity_id = acct.entity_id
        self.entity_code = acct.entity_code
        self.language = acct.language
        self.must_change_password = acct.must_change_password
        self.token = token

    def get_id(self) -> str:
        return self.token


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD, message=TOO_LONG)]
    )


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=MAX_PASSWORD, message=TOO_LONG)],
    )
    new_password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm_password = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("The two new passwords differ. Type them again.")),
        ],
    )


@login_manager.user_loader
def load_user(token: str) -> WebUser | None:
    """One indexed lookup per request: the session must still be open and within its limits."""
    config = current_app.config
    timeouts = Timeouts(config["SESSION_IDLE"], config["SESSION_MAX"])
    acct = resume_session(store_of(current_app), token, timeouts)
    return WebUser(acct, token) if acct else None


def _address() -> str:
    return (request.remote_addr or "")[:64]


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next())
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("login.html", form=form, error=None), status
    email = (form.email.data or "").strip().lower()
    attempt = lockout.signin_limits().reserve(email, _address())
    if attempt is None:
        return render_template("login.html", form=form, error=TOO_MANY), 429
    acct, token = _sign_in(email, form.password.data or "")
    if acct is None:
        return render_template("login.html", form=form, error=NOT_RIGHT), 401
    attempt.give_back()  # only wrong passwords use up the limits
    lang = requested_language() or session.get("lang") or acct.language
    session.clear()  # a fresh session at sign-in
    login_user(WebUser(acct, token))
    session["lang"] = lang
    if acct.must_change_password:
        return redirect(PASSWORD_PAGE)
    return redirect(_safe_next())


def _sign_in(email: str, password: str) -> tuple[Account | None, str]:
    """Check the password; on success end this browser's earlier session and start a new one."""
    address = _address()
    with store_of(current_app).transaction() as db:
        user = authenticate(db, email, password)
        if user is None:
            target = find_user(db, email)
            record(
                db,
                "auth.sign_in_failed",
                "user",
                target.id if target else "",
                actor=email[:254],
                entity_id=target.entity_id if target else None,
                after={"email": email[:254], "address": address, "known_account": bool(target)},
            )
            return None, ""
        if current_user.is_authenticated:
            end_session(db, current_user.get_id(), "signed in again")
        token = start_session(db, user, address)
        record(
            db,
            "auth.sign_in",
            "user",
            user.id,
            user=user,
            entity_id=user.entity_id,
            after={"address": address},
        )
        return account(db, user.id), token


@blueprint.route("/logout", methods=["POST"])
def logout():
    lang = session.get("lang")
    if current_user.is_authenticated:
        with store_of(current_app).transaction() as db:
            if end_session(db, current_user.get_id(), "signed out"):
                record(
                    db,
                    "auth.sign_out",
                    "user",
                    current_user.id,
                    user=current_user,
                    entity_id=current_user.entity_id,
                    after={"address": _address()},
                )
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))


@blueprint.route(PASSWORD_PAGE, methods=["GET", "POST"])
def password():
    """Every user changes their own password here (and must, after a forced reset)."""
    form = PasswordForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        notice = session.pop("password_changed", False)
        return _password_page(form, None, status, changed=notice)
    attempt = lockout.signin_limits().reserve(current_user.email, _address())
    if attempt is None:
        return _password_page(form, TOO_MANY, 429)
    store = store_of(current_app)
    try:
        with store.transaction() as db:
            user = db.get(User, current_user.id)
            change_password(db, user, form.current_password.data, form.new_password.data)
            token = start_session(db, user, _address())
            acct = account(db, user.id)
    except WrongPassword:
        with store.transaction() as db:
            record(
                db,
                "auth.password_check_failed",
                "user",
                current_user.id,
                user=current_user,
                entity_id=current_user.entity_id,
                after={"address": _address()},
            )
        form.current_password.errors = [_l("This is not your current password.")]
        return _password_page(form, None, 400)
    except PasswordRefused as refused:
        attempt.give_back()
        form.new_password.errors = [PASSWORD_RULES[refused.code]]
        return _password_page(form, None, 400)
    attempt.give_back()
    lang = session.get("lang")
    session.clear()  # a new session id: the old one ended with every other of this user
    login_user(WebUser(acct, token))
    if lang:
        session["lang"] = lang
    session["password_changed"] = True
    return redirect(PASSWORD_PAGE)


def _password_page(form: PasswordForm, error, status: int, *, changed: bool = False):
    page = render_template(
        "password.html",
        form=form,
        error=error,
        changed=changed,
        forced=current_user.must_change_password,
        min_length=MIN_PASSWORD,
        max_length=MAX_PASSWORD,
    )
    return page, status


def _safe_next() -> str:
    target = request.args.get("next", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def guard():
    """Deny by default: only the sign-in page, invitation links, the health checks and static
    assets are open to anonymous users (and the open data, when switched on)."""
    path = request.path
    if path.startswith(OPEN_PREFIXES) or path in HEALTH_PATHS:
        return None
    if path.startswith(API_PREFIX):
        return None  # web/api.py: its own authentication and access checks, JSON errors
    _remember_language()
    if path in OPEN_PATHS or _public_open_data(path) or INVITATION_LINK.fullmatch(path):
        return None
    if not current_user.is_authenticated:
        if path.startswith("/_") or request.method != "GET":
            return jsonify(error="sign in first"), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if current_user.must_change_password and path not in WHILE_RESET:
        if request.method == "GET" and not path.startswith("/_"):
            return redirect(PASSWORD_PAGE)
        return jsonify(error="choose a new password first"), 403
    if request.blueprint in OWN_ROUTES:
        return None  # sign-in and file routes check access themselves
    if not path.startswith("/_") and (not is_page(path) or not page_allowed(current_actor(), path)):
        refuse(403 if is_page(path) else 404)
    if path == "/_dash-update-component":
        _check_page_navigation()
    return None


def _public_open_data(path: str) -> bool:
    """`/open-data` and below, for everybody, only while OPEN_DATA_PUBLIC is on (web/opendata.py:
    published files and figures only); switched off, they are unknown addresses like any other."""
    if not current_app.config.get("OPEN_DATA_PUBLIC"):
        return False
    return PUBLIC_OPEN_DATA.fullmatch(path) is not None


def refuse(code: int = 403, **detail: object) -> NoReturn:
    """Answer `code` and, for a signed-in user, record the refusal (`audit_refusal`)."""
    if current_user.is_authenticated:
        audit_refusal(current_user, code, **detail)
    abort(code)


def audit_refusal(user, code: int, **detail: object) -> None:
    """An `access.refused` event: path, method, role, status and what was asked; at most
    `lockout.REFUSALS_AUDITED` per user (the rest go to the log), so a script cannot bury the
    chain. The pages, the file routes and the API all record refusals here."""
    if user is None or not getattr(user, "id", None) or not lockout.refusal_audited(user.id):
        return
    with store_of(current_app).transaction() as db:
        record(
            db,
            "access.refused",
            "path",
            request.path[:50],
            user=user,
            entity_id=user.entity_id,
            after={
                "path": request.path[:500],
                "method": request.method,
                "role": str(getattr(user, "role", "")),
                "status": code,
                **{key: str(value)[:500] for key, value in detail.items()},
            },
        )


def _check_page_navigation() -> None:
    """Dash's page router renders a page's layout in a callback: apply the page table there too."""
    body = request.get_json(silent=True) or {}
    if "_pages_content.children" not in str(body.get("output", "")):
        return
    inputs = [i for i in body.get("inputs", []) if isinstance(i, dict)]
    # Dash hands the router its inputs by position (pathname first), whatever property a forged
    # body names: check the first input and every one called pathname
    targets = {str(i.get("value") or "/") for i in inputs[:1]} | {
        str(i.get("value") or "/") for i in inputs if i.get("property") == "pathname"
    }
    for target in sorted(targets or {"/"}):
        if not page_allowed(current_actor(), target):
            refuse(403, page=target)


def _remember_language() -> None:
    lang = requested_language()
    if not lang:
        return
    session["lang"] = lang
    if current_user.is_authenticated and lang != current_user.language:
        with store_of(current_app).transaction() as db:
            db.get(User, current_user.id).language = lang
        current_user.language = lang


def set_csrf_cookie(response):
    """Give Dash's renderer the token it sends back with each callback (X-CSRFToken)."""
    if request.path.startswith(OPEN_PREFIXES) or request.path in HEALTH_PATHS:
        return response  # static files and health checks: no session lookup, no cookie
    if current_user.is_authenticated and request.path not in OPEN_PATHS:
        response.set_cookie(
            CSRF_COOKIE,
            generate_csrf(),
            httponly=False,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def _error_page(error):
    return render_template("error.html", code=error.code), error.code


def init_app(app: Flask) -> None:
    if app.config.get("TRUSTED_PROXIES"):
        # the limits per address need the client's address, not the proxy's
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"])
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    limiter.init_app(app)
    lockout.init_app(app, limiter.storage)
    csrf.init_app(app)
    app.register_blueprint(blueprint)
    app.before_request_funcs.setdefault(None, []).insert(0, guard)
    app.after_request(set_csrf_cookie)
    for code in (403, 404):
        app.register_error_handler(code, _error_page)
