"""Users `/admin/users` (admin): invite a user, change a user's role or entity, disable and enable,
force a new password; the list of users. A thin page over services/accounts.py, which checks
`Action.MANAGE_USERS` again and records every change in the audit trail."""

from __future__ import annotations

import dash
from dash import ClientsideFunction, Input, Output, dcc, html
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from dashboards._access import current_actor, guarded_callback, page_layout
from dashboards._components import field, notice, table
from dashboards._text import localized, ltr, role_label, when
from data.db import store_of
from data.models import ROLES, Entity, User
from services.accounts import (
    AccountRefused,
    IssuedInvitation,
    UserRow,
    change_role,
    force_reset,
    invite,
    list_users,
    needs_entity,
    note_mail_failure,
    reinvite,
    send_invitation,
    set_active,
)
from services.actors import Action, Actor
from services.mail import MailError, mail_configured

PATH = "/admin/users"
INVITE_EMAIL = "users-invite-email"
INVITE_NAME = "users-invite-name"
INVITE_ROLE = "users-invite-role"
INVITE_ENTITY = "users-invite-entity"
INVITE_LANGUAGE = "users-invite-language"
INVITE_BUTTON = "users-invite"
INVITE_RESULT = "users-invite-result"
CHANGE_USER = "users-change-user"
CHANGE_ROLE = "users-change-role"
CHANGE_ENTITY = "users-change-entity"
SAVE_ROLE = "users-save-role"
DISABLE = "users-disable"
ENABLE = "users-enable"
FORCE_RESET = "users-force-reset"
REINVITE = "users-reinvite"
CHANGE_RESULT = "users-change-result"
USERS_LIST = "users-list"
REQUEST = "users-request"  # what a button asked, gathered by assets/admin_users.js
CHANGE_BUTTONS = (SAVE_ROLE, DISABLE, ENABLE, FORCE_RESET, REINVITE)
LTR = {"direction": "ltr"}  # addresses and links read left to right in Arabic pages too

dash.register_page(__name__, path=PATH, title=lambda: _("Users"), name="Users")


@page_layout(PATH)
def layout(**_kwargs):
    actor = current_actor()
    with store_of(current_app).session() as db:
        rows = list_users(db, actor)
        entities = _entity_options(db)
    return html.Div(
        [
            html.H1(_("Users")),
            html.P(
                _(
                    "Invite people, change what they may do, disable accounts. Every change is "
                    "recorded in the audit trail."
                )
            ),
            dcc.Store(id=REQUEST),
            _invite_card(entities),
            _change_card(rows, entities),
            html.Section(
                [html.H2(_("All users")), html.Div(_users_table(rows), id=USERS_LIST)],
                className="card",
            ),
        ]
    )


def _entity_options(db) -> list[tuple[str, str]]:
    entities = db.scalars(select(Entity).order_by(Entity.code)).all()
    return [(e.code, f"{e.code} · {localized(e, 'name')}") for e in entities]


def _role_options() -> list[tuple[str, str]]:
    return [(role, role_label(role)) for role in ROLES]


def _choice(label: str, component_id: str, options, chosen=None, hint=None, empty=None) -> html.Div:
    """A native `<select>`: the browser's own control, labelled, reachable and readable
    everywhere. Its value is read by assets/admin_users.js when a button is pressed (Dash's own
    dropdown injects styles that the Content-Security-Policy refuses)."""
    items = [html.Option(empty, value="")] if empty else []
    items += [html.Option(text, value=key, selected=key == chosen) for key, text in options]
    return field(label, html.Select(items, id=component_id), component_id, hint)


def _mail_note():
    if mail_configured(current_app.config.get("SMTP_URL")):
        return html.P(
            _(
                "The invitation goes by e-mail to the address given, in the language chosen. "
                "The link in it works once, for 7 days."
            )
        )
    return notice(
        _(
            "No mail server is configured (SMTP_URL), so no e-mail is sent: after you invite "
            "someone, this page shows their one-time link once. Copy it and hand it to them "
            "yourself; it works once, for 7 days, and is not shown again."
        ),
        "info",
    )


def _invite_card(entities) -> html.Section:
    languages = [("ar", "العربية"), ("en", "English")]
    return html.Section(
        [
            html.H2(_("Invite a user")),
            _mail_note(),
            html.Div(
                [
                    field(
                        _("E-mail"),
                        dcc.Input(id=INVITE_EMAIL, type="email", autoComplete="off", style=LTR),
                        INVITE_EMAIL,
                    ),
                    field(_("Name"), dcc.Input(id=INVITE_NAME, type="text"), INVITE_NAME),
                    _choice(_("Role"), INVITE_ROLE, _role_options(), "entity"),
                    _choice(
                        _("Entity"),
                        INVITE_ENTITY,
                        entities,
                        hint=_("For entity teams only."),
                        empty=_("Choose an entity"),
                    ),
                    _choice(_("Language of the invitation"), INVITE_LANGUAGE, languages, "ar"),
                ],
                className="users-grid",
            ),
            html.Button(_("Invite"), id=INVITE_BUTTON, className="button primary"),
            html.Div(id=INVITE_RESULT, className="users-result", **{"aria-live": "polite"}),
        ],
        className="card",
    )


def _user_options(rows: list[UserRow]) -> list:
    choices = [(str(row.id), _user_label(row)) for row in rows]
    return [html.Option(_("Choose a user"), value="")] + [
        html.Option(text, value=key) for key, text in choices
    ]


def _user_label(row: UserRow) -> str:
    who = row.email if row.name == row.email else f"{row.email} · {row.name}"
    entity = f" · {row.entity_code}" if row.entity_code else ""
    return f"{who} ({role_label(row.role)}{entity}; {_status_word(row)})"


def _change_card(rows: list[UserRow], entities) -> html.Section:
    return html.Section(
        [
            html.H2(_("Change a user")),
            field(_("User"), html.Select(_user_options(rows), id=CHANGE_USER), CHANGE_USER),
            html.Div(
                [
                    _choice(_("New role"), CHANGE_ROLE, _role_options(), empty=_("Choose a role")),
                    _choice(
                        _("New entity"),
                        CHANGE_ENTITY,
                        entities,
                        hint=_("For entity teams only."),
                        empty=_("Choose an entity"),
                    ),
                ],
                className="users-grid",
            ),
            html.Div(
                [
                    html.Button(
                        _("Save role and entity"), id=SAVE_ROLE, className="button primary"
                    ),
                    html.Button(_("Disable"), id=DISABLE, className="button"),
                    html.Button(_("Enable"), id=ENABLE, className="button"),
                    html.Button(_("Force a new password"), id=FORCE_RESET, className="button"),
                    html.Button(_("Send a new invitation"), id=REINVITE, className="button"),
                ],
                className="actions",
            ),
            html.P(
                _(
                    "Disabling ends the user's sessions and refuses their sign-in and API tokens "
                    "until they are enabled again. Forcing a new password ends their sessions and "
                    "revokes their API tokens. You cannot disable your own account or change your "
                    "own role: another administrator must."
                ),
                className="muted",
            ),
            html.Div(id=CHANGE_RESULT, className="users-result", **{"aria-live": "polite"}),
        ],
        className="card",
    )


def _status_word(row: UserRow) -> str:
    return {"active": _("Active"), "disabled": _("Disabled")}.get(row.status, _("Invited"))


def _status_text(row: UserRow) -> str:
    if row.status == "disabled":
        return _("Disabled")
    if row.status == "active":
        return _("Active")
    if row.invitation_expires is None:
        return _("Invited; link expired")
    return _("Invited; link until %(date)s", date=ltr(f"{row.invitation_expires:%Y-%m-%d}"))


def _users_table(rows: list[UserRow]):
    headers = [_("E-mail"), _("Name"), _("Role"), _("Entity"), _("Status"), _("Last sign-in")]
    lines = [
        [
            html.Span(row.email, dir="ltr"),
            row.name,
            role_label(row.role),
            ltr(row.entity_code) if row.entity_code else "—",
            html.Span(_status_text(row), className=f"user-status user-{row.status}"),
            when(row.last_sign_in) or _("Never"),
        ]
        for row in rows
    ]
    caption = _("%(count)d users", count=len(rows))
    return table(headers, lines, caption, table_id="users-table", row_headers=True)


def _refusal(refused: AccountRefused) -> str:
    texts = {
        "email": _("Write a valid e-mail address, like name@ministry.gov.om."),
        "exists": _(
            "A user with the e-mail %(email)s exists already: find them in the list below.",
            email=refused.detail,
        ),
        "role": _("Choose a role."),
        "entity_needed": _("An entity team belongs to an entity: choose it."),
        "entity_unknown": _("There is no entity with the code %(code)s.", code=refused.detail),
        "entity_not_allowed": _("Only entity teams belong to an entity."),
        "language": _("Choose the language of the invitation: English or Arabic."),
        "name": _("Name: one line of plain text, at most 200 characters."),
        "entity_inactive": _(
            "This entity is deactivated: it has no team any more. Reactivate it on the Entities "
            "page first."
        ),
        "not_found": _("Choose a user in the list first."),
        "unchanged": _("Nothing to change: the user is already so."),
        "self_disable": _(
            "You cannot disable your own account: nobody would be signed in to undo it. Ask "
            "another administrator."
        ),
        "self_demote": _(
            "You cannot change your own role or entity: you could lose the right to undo it. "
            "Ask another administrator."
        ),
        "invited": _(
            "This user has not chosen a password yet: send them a new invitation instead."
        ),
        "not_invited": _(
            "This user has chosen their password already: force a new password if they need one."
        ),
        "disabled": _("This account is disabled: enable it first."),
    }
    return texts.get(refused.code, _("This change cannot be made."))


def _language_name(code: str) -> str:
    return _("Arabic") if code == "ar" else _("English")


def _delivered(actor: Actor, issued: IssuedInvitation, inviter: str, *, new_link: bool = False):
    """Send the link by e-mail when a server is configured; otherwise, or when the server
    refuses, show it here once for the admin to hand over."""
    config = current_app.config
    expires = ltr(issued.expires_at.strftime("%Y-%m-%d %H:%M"))
    try:
        sent = send_invitation(
            issued,
            smtp_url=config.get("SMTP_URL"),
            sender=config["MAIL_FROM"],
            public_url=config["PUBLIC_URL"],
            inviter=inviter,
        )
        failed = False
    except MailError as error:
        sent, failed = False, True
        with store_of(current_app).transaction() as db:
            note_mail_failure(db, actor, issued, str(error))
    if sent:
        message = _(
            "Invitation sent by e-mail to %(email)s, in %(language)s. The link works once, "
            "until %(expires)s UTC.",
            email=issued.email,
            language=_language_name(issued.language),
            expires=expires,
        )
        if new_link:
            message += " " + _("Earlier links for this user no longer work.")
        return notice(message, "success")
    why = (
        _("The mail server could not be reached, so no e-mail left.")
        if failed
        else _("No mail server is configured.")
    )
    return notice(
        [
            html.P(
                [
                    why,
                    " ",
                    _(
                        "Hand this one-time link to %(email)s yourself. It is shown only now and "
                        "works once, until %(expires)s UTC.",
                        email=issued.email,
                        expires=expires,
                    ),
                ]
            ),
            html.Label(_("One-time link"), htmlFor="users-invite-link"),
            dcc.Input(
                id="users-invite-link",
                value=issued.link(config["PUBLIC_URL"]),
                readOnly=True,
                type="text",
                style=LTR,
                className="users-one-time-link",
            ),
        ],
        "success" if not failed else "error",
    )


def _fresh_list(db, actor: Actor):
    rows = list_users(db, actor)
    return _users_table(rows), _user_options(rows)


@guarded_callback(
    Output(INVITE_RESULT, "children"),
    Output(CHANGE_RESULT, "children"),
    Output(USERS_LIST, "children"),
    Output(CHANGE_USER, "children"),
    Output(INVITE_EMAIL, "value"),
    Output(INVITE_NAME, "value"),
    Input(REQUEST, "data"),
    action=Action.MANAGE_USERS,
    prevent_initial_call=True,
)
def act_on_users(actor: Actor, request):
    """One step asked by a button (assets/admin_users.js gathers the form into `request`); then
    the list, the user choice and the messages are redrawn from the store."""
    request = request if isinstance(request, dict) else {}
    step = str(request.get("step") or "")
    keep = dash.no_update
    inviting = step == INVITE_BUTTON
    try:
        result = _invite(actor, request) if inviting else _change(actor, step, request)
    except AccountRefused as refused:
        message = notice(_refusal(refused), "error")
        messages = (message, keep) if inviting else (keep, message)
        return (*messages, keep, keep, keep, keep)
    with store_of(current_app).session() as db:
        listing, options = _fresh_list(db, actor)
    if inviting:
        return result, "", listing, options, "", ""
    return "", result, listing, options, keep, keep


def _text(request: dict, key: str) -> str:
    value = request.get(key)
    return value.strip() if isinstance(value, str) else ""


def _invite(actor: Actor, request: dict):
    role = _text(request, "role")
    with store_of(current_app).transaction() as db:
        issued = invite(
            db,
            actor,
            _text(request, "email"),
            role=role,
            name=_text(request, "name"),
            entity_code=_text(request, "entity") if needs_entity(role) else None,
            language=_text(request, "language") or "en",
            by_mail=mail_configured(current_app.config.get("SMTP_URL")),
        )
        inviter = db.get(User, actor.user_id).name
    return _delivered(actor, issued, inviter)


def _change(actor: Actor, step: str, request: dict):
    if step not in CHANGE_BUTTONS:
        raise AccountRefused("unchanged")
    user_id = _text(request, "user")
    if not user_id.isdigit():
        raise AccountRefused("not_found")
    with store_of(current_app).transaction() as db:
        outcome = _apply(db, actor, step, int(user_id), request)
    if isinstance(outcome, tuple):
        return _delivered(actor, *outcome, new_link=True)
    return notice(outcome, "success")


def _apply(db, actor: Actor, step: str, user_id: int, request: dict):
    """Make the change asked by `step`: the success message, or (new invitation, inviter)."""
    if step == SAVE_ROLE:
        role = _text(request, "new_role")
        entity = _text(request, "new_entity") if needs_entity(role) else None
        user = change_role(db, actor, user_id, role, entity)
        where = f" ({user.entity_code})" if user.entity_code else ""
        return _(
            "%(email)s is now %(role)s%(entity)s. Their sessions have ended: they sign in again "
            "with the new rights.",
            email=user.email,
            role=role_label(user.role),
            entity=where,
        )
    if step in (DISABLE, ENABLE):
        user = set_active(db, actor, user_id, active=step == ENABLE)
        if user.active:
            return _(
                "%(email)s is enabled again: they can sign in and use their API tokens.",
                email=user.email,
            )
        return _(
            "%(email)s is disabled: their sessions have ended, and their sign-in and API tokens "
            "are refused.",
            email=user.email,
        )
    if step == FORCE_RESET:
        user = force_reset(db, actor, user_id)
        return _(
            "%(email)s must choose a new password at their next sign-in. Their sessions have "
            "ended and their API tokens are revoked.",
            email=user.email,
        )
    by_mail = mail_configured(current_app.config.get("SMTP_URL"))
    issued = reinvite(db, actor, user_id, by_mail=by_mail)
    return issued, db.get(User, actor.user_id).name


dash.clientside_callback(
    ClientsideFunction("adminUsers", "collect"),
    Output(REQUEST, "data"),
    *(Input(button, "n_clicks") for button in (INVITE_BUTTON, *CHANGE_BUTTONS)),
    prevent_initial_call=True,
)
