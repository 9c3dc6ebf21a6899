"""Sign-in, sign-out and the one guard in front of every route, Dash's callbacks included."""

from __future__ import annotations

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
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect, generate_csrf
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from data.db import store_of
from data.models import User
from data.users import Account, account, authenticate
from web.access import is_page, page_allowed
from web.i18n import requested_language

CSRF_COOKIE = "_csrf_token"  # read by Dash's renderer and sent back as X-CSRFToken
OPEN_PATHS = ("/login", "/_favicon.ico")
OPEN_PREFIXES = ("/assets/",)
OWN_ROUTES = ("auth", "files", "uploads")

blueprint = Blueprint("auth", __name__)
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address)
csrf = CSRFProtect()


class WebUser(UserMixin):
    """The signed-in user as the web layer sees it: plain values, reloaded each request."""

    def __init__(self, acct: Account) -> None:
        self.id = acct.id
        self.email = acct.email
        self.name = acct.name
        self.role = acct.role
        self.entity_id = acct.entity_id
        self.entity_code = acct.entity_code
        self.language = acct.language


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


@login_manager.user_loader
def load_user(user_id: str) -> WebUser | None:
    with store_of(current_app).session() as db:
        acct = account(db, int(user_id)) if user_id.isdigit() else None
    return WebUser(acct) if acct else None


def _attempt_limit() -> str:
    return current_app.config["LOGIN_ATTEMPTS"]


def _account_key() -> str:
    return "account:" + request.form.get("email", "").strip().lower()


def _failed(response) -> bool:
    return response.status_code == 401


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(_attempt_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_attempt_limit, key_func=_account_key, methods=["POST"], deduct_when=_failed)
def login():
    form = LoginForm()
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next())
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("login.html", form=form, error=None), status
    with store_of(current_app).transaction() as db:
        user = authenticate(db, form.email.data or "", form.password.data or "")
        acct = account(db, user.id) if user else None
    if acct is None:
        error = _l("The e-mail or the password is not right. Check both and try again.")
        return render_template("login.html", form=form, error=error), 401
    lang = requested_language() or session.get("lang") or acct.language
    session.clear()  # a fresh session at sign-in
    login_user(WebUser(acct))
    session["lang"] = lang
    return redirect(_safe_next())


@blueprint.route("/logout", methods=["POST"])
def logout():
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))


def _safe_next() -> str:
    target = request.args.get("next", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def guard():
    """Deny by default: only the sign-in page and static assets are open to anonymous users."""
    path = request.path
    if path.startswith(OPEN_PREFIXES):
        return None
    _remember_language()
    if path in OPEN_PATHS:
        return None
    if not current_user.is_authenticated:
        if path.startswith("/_") or request.method != "GET":
            return jsonify(error="sign in first"), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if request.blueprint in OWN_ROUTES:
        return None  # sign-in and file routes check access themselves
    if not path.startswith("/_") and (not is_page(path) or not page_allowed(current_user, path)):
        abort(403 if is_page(path) else 404)
    if path == "/_dash-update-component":
        _check_page_navigation()
    return None


def _check_page_navigation() -> None:
    """Dash's page router renders a page's layout in a callback: apply the page table there too."""
    body = request.get_json(silent=True) or {}
    if "_pages_content.children" not in str(body.get("output", "")):
        return
    location = next(
        (
            i
            for i in body.get("inputs", [])
            if isinstance(i, dict) and i.get("property") == "pathname"
        ),
        None,
    )
    target = str((location or {}).get("value") or "/")
    if not page_allowed(current_user, target):
        abort(403)


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
    if current_user.is_authenticated and request.path not in OPEN_PATHS:
        response.set_cookie(
            CSRF_COOKIE,
            generate_csrf(),
            httponly=False,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def _too_many(error: RateLimitExceeded):
    message = _l("Too many attempts. Wait a minute, then try again.")
    return render_template("login.html", form=LoginForm(), error=message), 429


def _error_page(error):
    return render_template("error.html", code=error.code), error.code


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    limiter.init_app(app)
    csrf.init_app(app)
    app.register_blueprint(blueprint)
    app.before_request_funcs.setdefault(None, []).insert(0, guard)
    app.after_request(set_csrf_cookie)
    app.register_error_handler(RateLimitExceeded, _too_many)
    for code in (403, 404):
        app.register_error_handler(code, _error_page)
