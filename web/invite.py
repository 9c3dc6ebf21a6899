"""`/invite/<token>`: an invited user opens the one-time link from their e-mail (or the one the
admin handed over), chooses a password and is signed in (services/accounts.py). Open to anonymous
visitors (web/auth.py `guard` lets exactly this address through); links that do not work are
counted per address like failed sign-ins (LOGIN_ATTEMPTS), so that nobody can try tokens fast."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session
from flask_babel import force_locale, refresh
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from limits.strategies import FixedWindowRateLimiter
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo

from data.audit import record
from data.db import store_of
from data.passwords import MAX_PASSWORD, MIN_PASSWORD
from data.users import PasswordRefused, account
from services.accounts import InvitationInvalid, accept_invitation, check_invitation
from web import lockout
from web.auth import PASSWORD_RULES, TOO_MANY, WebUser
from web.i18n import LANGUAGES, language, requested_language
from web.sessions import start_session

blueprint = Blueprint("invite", __name__)


class InviteForm(FlaskForm):
    new_password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm_password = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("The two new passwords differ. Type them again.")),
        ],
    )


def _dead_link_text(state: str) -> str:
    texts = {
        "unknown": _(
            "This invitation link is not known. Check that you copied all of it, or ask the "
            "programme office for a new invitation."
        ),
        "expired": _(
            "This invitation link has expired. Ask the programme office for a new invitation."
        ),
        "used": _(
            "This invitation link has been used already: the password is chosen. Sign in with "
            "your e-mail and that password."
        ),
        "replaced": _(
            "This invitation link no longer works: a newer invitation replaced it, or the "
            "account was disabled. Use the newest link you received, or ask the programme office."
        ),
        "too_many": str(TOO_MANY),
    }
    return texts[state]


def _in_both_languages(state: str) -> list[tuple[str, str, str]]:
    """(language, direction, text): the page's language first, then the other one, since the
    visitor of a link that does not work may not have chosen a language yet."""
    current = language()
    order = [current] + [lang for lang in LANGUAGES if lang != current]
    texts = []
    for lang in order:
        with force_locale(lang):
            texts.append((lang, "rtl" if lang == "ar" else "ltr", _dead_link_text(state)))
    return texts


def _limiter() -> tuple[FixedWindowRateLimiter, object]:
    limits = lockout.signin_limits()
    return FixedWindowRateLimiter(limits.storage), limits.per_address


def _address() -> str:
    return (request.remote_addr or "")[:64]


def _too_many() -> bool:
    limiter, item = _limiter()
    return not limiter.test(item, "invite-link", _address())


def _count_dead_link() -> None:
    limiter, item = _limiter()
    limiter.hit(item, "invite-link", _address())


def _dead(state: str, status: int):
    return render_template("invite.html", dead=_in_both_languages(state), form=None), status


@blueprint.route("/invite/<token>", methods=["GET", "POST"])
def invitation(token: str):
    if _too_many():
        return _dead("too_many", 429)
    store = store_of(current_app)
    try:
        with store.session() as db:
            found = check_invitation(db, token)
    except InvitationInvalid as invalid:
        _count_dead_link()
        return _dead(invalid.state, 404 if invalid.state == "unknown" else 410)
    _speak(found.language)
    form = InviteForm()
    if current_user.is_authenticated:
        return _page(form, found, signed_in=True), 409
    if not form.validate_on_submit():
        return _page(form, found), 400 if request.method == "POST" else 200
    try:
        with store.transaction() as db:
            user = accept_invitation(db, token, form.new_password.data or "")
            session_token = start_session(db, user, _address())
            record(
                db,
                "auth.sign_in",
                "user",
                user.id,
                user=user,
                entity_id=user.entity_id,
                after={"address": _address(), "via": "invitation"},
            )
            acct = account(db, user.id)
    except PasswordRefused as refused:
        form.new_password.errors = [PASSWORD_RULES[refused.code]]
        return _page(form, found), 400
    except InvitationInvalid as invalid:  # spent by another tab a moment ago
        return _dead(invalid.state, 410)
    lang = session.get("lang") or acct.language
    session.clear()  # a fresh session at sign-in
    login_user(WebUser(acct, session_token))
    session["lang"] = lang
    return redirect("/")


def _speak(invitee_language: str) -> None:
    """The page speaks the invitee's language unless the visitor chose one."""
    if requested_language() or session.get("lang") in LANGUAGES:
        return
    if invitee_language in LANGUAGES:
        session["lang"] = invitee_language
        refresh()


def _page(form: InviteForm, found, *, signed_in: bool = False):
    return render_template(
        "invite.html",
        dead=None,
        form=form,
        found=found,
        signed_in=signed_in,
        min_length=MIN_PASSWORD,
        max_length=MAX_PASSWORD,
    )
