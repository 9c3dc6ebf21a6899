"""Audit events as sentences people can read, in the reader's language.

One entry per action name (`ACTIONS`): a human name for the filter and a few sentence forms, tried
in order; the first whose placeholders the event can fill is used, so a field another version of
the code did not record makes a shorter sentence, and an action without an entry (or without the
fields of any form) gets the generic sentence, "Event <name> on <object> by <who>" followed by its
values as "field: before → after". Never a raw Python dict. Numbers go through kpis.formatting.

Nothing here imports Flask or Dash: the caller passes its `gettext` (the page's, in the viewer's
language) and, for the page, a function that isolates codes (`2025-Q3`) in right-to-left text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kpis.formatting import format_baisa, format_figure, format_number

Translate = Callable[[str], str]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
HIDDEN_FIELDS = frozenset(
    {"sha256", "audit_hash", "data_sha256", "file_sha256", "files", "to_report", "entity_id"}
)
AS_WRITTEN = ("year", "seq", "id", "status")  # numbers that are names, not amounts: no 2,026
# facts that are codes, addresses, figures: isolated left to right on the page
CODE_FACTS = frozenset(
    {"id", "entity", "period", "actor", "email", "user", "file", "kpi", "code", "cycle", "from"}
    | {"path", "method", "old_entity", "new_entity", "to", "old", "new", "baseline", "target"}
)


def N_(message: str) -> str:
    return message


@dataclass(frozen=True)
class ActionText:
    """The human name of an action and its sentence forms, fullest first."""

    name: str
    forms: tuple[str, ...]
    facts: Callable[[Any, Translate], dict[str, object]] | None = None


def _after(event) -> Mapping[str, Any]:
    return _mapping(getattr(event, "after", None))


def _before(event) -> Mapping[str, Any]:
    return _mapping(getattr(event, "before", None))


def _mapping(value) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _first(*values) -> object:
    """The first value that says something (not None, not an empty text)."""
    return next((v for v in values if v is not None and v != ""), None)


# ----- facts read from an event, per kind of action (missing fields are simply left out) -----


def _upload(event, _: Translate) -> dict[str, object]:
    after = _after(event)
    return {
        "file": after.get("file"),
        "errors": after.get("errors"),
        "warnings": after.get("warnings"),
    }


def _submission(event, _: Translate) -> dict[str, object]:
    after = _after(event)
    return {"revision": after.get("revision"), "rows": after.get("rows")}


def _publish(event, _: Translate) -> dict[str, object]:
    return {"edition": _after(event).get("edition")}


def _sign_in_failed(event, _: Translate) -> dict[str, object]:
    after = _after(event)
    known = after.get("known_account")
    why = {True: _("wrong password"), False: _("no such account")}.get(known)
    return {"email": _first(after.get("email"), getattr(event, "actor", None)), "why": why}


def _session_expired(event, _: Translate) -> dict[str, object]:
    return {"why": _after(event).get("reason")}


def _sessions(event, _: Translate) -> dict[str, object]:
    after = _after(event)
    return {
        "email": _email(event),
        "sessions": after.get("sessions_ended"),
        "tokens": after.get("tokens_revoked"),
    }


def _email(event) -> object:
    after, before = _after(event), _before(event)
    return _first(after.get("email"), before.get("email"), after.get("user"), before.get("user"))


def _role_word(role, _: Translate) -> object:
    words = {
        "admin": N_("Administrator"),
        "supervisor": N_("Programme office"),
        "committee": N_("Committee member"),
        "entity": N_("Entity team"),
    }
    return _(words[role]) if role in words else role


def _user(event, _: Translate) -> dict[str, object]:
    after = _after(event)
    return {
        "email": _email(event),
        "role": _role_word(after.get("role"), _),
        "entity": _first(after.get("entity"), getattr(event, "entity", None)),
    }


def _role_change(event, _: Translate) -> dict[str, object]:
    before, after = _before(event), _after(event)
    facts: dict[str, object] = {"email": _email(event)}
    if "role" in after and before.get("role") != after.get("role"):
        facts |= {
            "old_role": _role_word(_first(before.get("role"), "—"), _),
            "new_role": _role_word(after.get("role"), _),
        }
    old_entity, new_entity = before.get("entity"), after.get("entity")
    if old_entity and new_entity and old_entity != new_entity:  # both named: else the role only
        facts |= {"old_entity": old_entity, "new_entity": new_entity}
    return facts


def _token(event, _: Translate) -> dict[str, object]:
    return {"user": _first(_after(event).get("user"), _after(event).get("email"))}


def _refused(event, _: Translate) -> dict[str, object]:
    after = _after(event)
    return {
        "role": _role_word(after.get("role"), _),
        "method": after.get("method"),
        "path": after.get("path"),
        "status": after.get("status"),
    }


def _catalogue(event, _: Translate) -> dict[str, object]:
    after = _after(event)
    return {"added": _count(after.get("added")), "changed": _count(after.get("changed"))}


def _count(value) -> object:
    """A count, or the sum of counts by kind (`{"kpi": 3, "entity": 1}`)."""
    if isinstance(value, Mapping):
        numbers = [v for v in value.values() if isinstance(v, int | float)]
        return sum(numbers) if len(numbers) == len(value) else None
    return value


def _entity(event, _: Translate) -> dict[str, object]:
    before, after = _before(event), _after(event)
    code = _first(after.get("code"), before.get("code"), getattr(event, "entity", None))
    old, new = (
        _first(before.get("name_en"), before.get("name")),
        _first(after.get("name_en"), after.get("name")),
    )
    renamed = {"old": old, "new": new} if old != new else {}  # only the web site changed
    return {
        "code": code or getattr(event, "object_id", None),
        "name": new,
        "from": _first(
            after.get("first_period"),
            after.get("deactivated_from"),
            after.get("from_period"),
            after.get("from"),
        ),
        "kpi": _first(after.get("kpi"), before.get("kpi")),
        **renamed,
    }


def _assign(event, _: Translate) -> dict[str, object]:
    after = _after(event)
    unit = after.get("unit")
    return {
        "kpi": _first(after.get("kpi"), after.get("kpi_code")),
        "code": _first(after.get("entity"), getattr(event, "entity", None)),
        "baseline": _figure(after.get("baseline"), unit),
        "target": _figure(after.get("target"), unit),
    }


def _restate(event, _: Translate) -> dict[str, object]:
    before, after = _before(event), _after(event)
    field = _first(after.get("field"), before.get("field"))
    if field is None:
        field = next((name for name in ("target", "baseline") if name in after), None)
    unit = _first(after.get("unit"), before.get("unit"))
    words = {"target": N_("Target"), "baseline": N_("Baseline")}
    return {
        "what": _(words[field]) if field in words else field,
        "kpi": _first(after.get("kpi"), before.get("kpi"), getattr(event, "object_id", None)),
        "old": _figure(_first(before.get(field), before.get("value")), unit),
        "new": _figure(_first(after.get(field), after.get("value")), unit),
        "from": _first(
            after.get("effective_from"),
            after.get("from_period"),
            after.get("from"),
            after.get("period"),
        ),
    }


def _figure(value, unit) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return format_figure(value, unit) if isinstance(unit, str) and unit else value


def _cycle(event, _: Translate) -> dict[str, object]:
    after = _after(event)
    return {
        "cycle": _first(after.get("cycle"), after.get("code"), getattr(event, "object_id", None)),
        "kpis": _count(_first(after.get("kpis"), after.get("added"))),
        "continuing": _count(
            _first(after.get("continued"), after.get("continuing"), after.get("mapped"))
        ),
    }


def _deadline(event, _: Translate) -> dict[str, object]:
    before, after = _before(event), _after(event)
    return {
        "old": _first(before.get("deadline"), before.get("due")),
        "new": _first(after.get("deadline"), after.get("due")),
    }


def _reminder(event, _: Translate) -> dict[str, object]:
    after = _after(event)
    steps = {
        "before": N_("before the deadline"),
        "on": N_("on the deadline"),
        "due": N_("on the deadline"),
        "after": N_("after the deadline"),
        "late": N_("after the deadline"),
        "escalation": N_("escalated to the programme office"),
        "escalate": N_("escalated to the programme office"),
    }
    step = after.get("step")
    to = _first(after.get("to"), after.get("recipient"), after.get("recipients"))
    return {
        "step": _(steps[step]) if step in steps else step,
        "to": to,
        "entity": _first(
            getattr(event, "entity", None), after.get("entity"), after.get("entities")
        ),
    }


def _allocation(event, _: Translate) -> dict[str, object]:
    before, after = _before(event), _after(event)
    return {
        "old": _amount(before.get("allocated_baisa")),
        "new": _amount(after.get("allocated_baisa")),
    }


def _budget_import(event, _: Translate) -> dict[str, object]:
    after = _after(event)
    return {"file": after.get("file"), "rows": after.get("rows"), "changed": after.get("changed")}


def _amount(baisa) -> object:
    """An amount kept in baisa as OMR with three decimals (the sentence names the currency)."""
    if isinstance(baisa, bool) or not isinstance(baisa, int):
        return baisa
    return format_baisa(baisa)


# ----- the actions -----

ACTIONS: dict[str, ActionText] = {
    "submission.submit": ActionText(
        N_("Submission sent for review"),
        (
            N_(
                "Submission %(id)s of %(entity)s for %(period)s (revision %(revision)s, "
                "figures: %(rows)s) sent for review by %(actor)s"
            ),
            N_("Submission %(id)s of %(entity)s for %(period)s sent for review by %(actor)s"),
            N_("Submission %(id)s sent for review by %(actor)s"),
        ),
        _submission,
    ),
    "submission.approve": ActionText(
        N_("Submission approved"),
        (
            N_("Submission %(id)s of %(entity)s for %(period)s approved by %(actor)s"),
            N_("Submission %(id)s approved by %(actor)s"),
        ),
    ),
    "submission.return": ActionText(
        N_("Submission returned"),
        (
            N_(
                "Submission %(id)s of %(entity)s for %(period)s returned to the entity by %(actor)s"
            ),
            N_("Submission %(id)s returned to the entity by %(actor)s"),
        ),
    ),
    "upload.checked": ActionText(
        N_("File checked"),
        (
            N_(
                "File %(file)s for %(entity)s, %(period)s, checked by %(actor)s: ready to "
                "submit (warnings: %(warnings)s)"
            ),
            N_("File %(file)s checked by %(actor)s: ready to submit"),
        ),
        _upload,
    ),
    "upload.refused": ActionText(
        N_("File refused"),
        (
            N_(
                "File %(file)s for %(entity)s, %(period)s, sent by %(actor)s was refused "
                "(errors to fix: %(errors)s)"
            ),
            N_("File %(file)s sent by %(actor)s was refused (errors to fix: %(errors)s)"),
            N_("File %(file)s sent by %(actor)s was refused"),
        ),
        _upload,
    ),
    "upload.submitted": ActionText(
        N_("File submitted"),
        (
            N_("File %(file)s for %(entity)s, %(period)s, submitted by %(actor)s"),
            N_("File %(file)s submitted by %(actor)s"),
        ),
        _upload,
    ),
    "upload.duplicate": ActionText(
        N_("File already received"),
        (N_("File %(file)s sent by %(actor)s had been received already: nothing changed"),),
        _upload,
    ),
    "upload.failed": ActionText(
        N_("File could not be loaded"),
        (N_("File %(file)s sent by %(actor)s could not be loaded: nothing changed"),),
        _upload,
    ),
    "period.lock": ActionText(N_("Quarter locked"), (N_("%(period)s locked by %(actor)s"),)),
    "period.unlock": ActionText(N_("Quarter unlocked"), (N_("%(period)s unlocked by %(actor)s"),)),
    "period.deadline": ActionText(
        N_("Deadline changed"),
        (
            N_("Deadline of %(period)s moved from %(old)s to %(new)s by %(actor)s"),
            N_("Deadline of %(period)s set to %(new)s by %(actor)s"),
        ),
        _deadline,
    ),
    "release.publish": ActionText(
        N_("Quarter published"),
        (
            N_("%(period)s published as edition %(edition)s by %(actor)s"),
            N_("%(period)s published by %(actor)s"),
        ),
        _publish,
    ),
    "reminder.sent": ActionText(
        N_("Reminder sent"),
        (
            N_("Reminder %(step)s about %(entity)s, %(period)s, sent to %(to)s"),
            N_("Reminder about %(entity)s, %(period)s, sent to %(to)s"),
            N_("Reminder about %(entity)s, %(period)s, sent"),
        ),
        _reminder,
    ),
    "auth.sign_in": ActionText(N_("Signed in"), (N_("%(actor)s signed in"),)),
    "auth.sign_out": ActionText(N_("Signed out"), (N_("%(actor)s signed out"),)),
    "auth.sign_in_failed": ActionText(
        N_("Sign-in failed"),
        (N_("Sign-in failed for %(email)s (%(why)s)"), N_("Sign-in failed for %(email)s")),
        _sign_in_failed,
    ),
    "auth.session_expired": ActionText(
        N_("Session ended"),
        (N_("Session of %(actor)s ended (%(why)s)"), N_("Session of %(actor)s ended")),
        _session_expired,
    ),
    "auth.password_check_failed": ActionText(
        N_("Wrong current password"),
        (N_("%(actor)s gave a wrong current password while changing it"),),
    ),
    "access.refused": ActionText(
        N_("Access refused"),
        (
            N_("%(actor)s (%(role)s) was refused %(method)s %(path)s (status %(status)s)"),
            N_("%(actor)s was refused %(path)s"),
        ),
        _refused,
    ),
    "user.create": ActionText(
        N_("Account created"),
        (
            N_("Account %(email)s created as %(role)s by %(actor)s"),
            N_("Account %(email)s created by %(actor)s"),
        ),
        _user,
    ),
    "user.invite": ActionText(
        N_("User invited"),
        (
            N_("%(email)s invited as %(role)s of %(entity)s by %(actor)s"),
            N_("%(email)s invited as %(role)s by %(actor)s"),
            N_("%(email)s invited by %(actor)s"),
        ),
        _user,
    ),
    "user.invitation_mail_failed": ActionText(
        N_("Invitation mail not sent"),
        (N_("The invitation mail to %(email)s could not be sent"),),
        _user,
    ),
    "user.invitation_accepted": ActionText(
        N_("Invitation accepted"),
        (N_("%(email)s accepted the invitation and chose a password"),),
        _user,
    ),
    "user.role_change": ActionText(
        N_("Role or entity changed"),
        (
            N_(
                "%(email)s changed from %(old_role)s of %(old_entity)s to %(new_role)s of "
                "%(new_entity)s by %(actor)s"
            ),
            N_("Role of %(email)s changed from %(old_role)s to %(new_role)s by %(actor)s"),
            N_("Entity of %(email)s changed from %(old_entity)s to %(new_entity)s by %(actor)s"),
        ),
        _role_change,
    ),
    "user.disable": ActionText(
        N_("Account disabled"), (N_("Account %(email)s disabled by %(actor)s"),), _user
    ),
    "user.enable": ActionText(
        N_("Account enabled"), (N_("Account %(email)s enabled again by %(actor)s"),), _user
    ),
    "user.force_reset": ActionText(
        N_("Password reset forced"),
        (N_("%(actor)s forced a password reset for %(email)s"),),
        _sessions,
    ),
    "user.password_reset_forced": ActionText(
        N_("Password reset forced"),
        (
            N_(
                "%(actor)s forced a password reset for %(email)s (sessions ended: "
                "%(sessions)s, tokens revoked: %(tokens)s)"
            ),
            N_("%(actor)s forced a password reset for %(email)s"),
        ),
        _sessions,
    ),
    "user.password_change": ActionText(
        N_("Password changed"),
        (
            N_("%(actor)s changed their password (sessions ended: %(sessions)s)"),
            N_("%(actor)s changed their password"),
        ),
        _sessions,
    ),
    "api_token.created": ActionText(
        N_("API token created"),
        (N_("API token %(id)s created for %(user)s by %(actor)s"),),
        _token,
    ),
    "api_token.revoked": ActionText(
        N_("API token revoked"),
        (N_("API token %(id)s of %(user)s revoked by %(actor)s"),),
        _token,
    ),
    "catalogue.load": ActionText(
        N_("Catalogue loaded"),
        (
            N_(
                "Catalogue of cycle %(id)s loaded by %(actor)s (rows added: %(added)s, "
                "changed: %(changed)s)"
            ),
            N_("Catalogue of cycle %(id)s loaded by %(actor)s"),
        ),
        _catalogue,
    ),
    "cycle.import": ActionText(
        N_("Cycle imported"),
        (
            N_(
                "Cycle %(cycle)s imported by %(actor)s (KPIs: %(kpis)s, continuing: %(continuing)s)"
            ),
            N_("Cycle %(cycle)s imported by %(actor)s"),
        ),
        _cycle,
    ),
    "entity.add": ActionText(
        N_("Entity added"),
        (
            N_("Entity %(code)s (%(name)s) added by %(actor)s, reporting from %(from)s"),
            N_("Entity %(code)s added by %(actor)s, reporting from %(from)s"),
            N_("Entity %(code)s added by %(actor)s"),
        ),
        _entity,
    ),
    "entity.rename": ActionText(
        N_("Entity renamed"),
        (
            N_("Entity %(code)s renamed from %(old)s to %(new)s by %(actor)s"),
            N_("Entity %(code)s renamed by %(actor)s"),
        ),
        _entity,
    ),
    "entity.deactivate": ActionText(
        N_("Entity deactivated"),
        (
            N_("Entity %(code)s deactivated from %(from)s by %(actor)s (its history is kept)"),
            N_("Entity %(code)s deactivated by %(actor)s (its history is kept)"),
        ),
        _entity,
    ),
    "entity.reactivate": ActionText(
        N_("Entity reactivated"),
        (N_("Entity %(code)s reactivated by %(actor)s"),),
        _entity,
    ),
    "entity.assign_kpi": ActionText(
        N_("KPI assigned to an entity"),
        (
            N_(
                "%(kpi)s assigned to %(code)s by %(actor)s (baseline %(baseline)s, target "
                "%(target)s)"
            ),
            N_("%(kpi)s assigned to %(code)s by %(actor)s"),
        ),
        _assign,
    ),
    "entity.unassign_kpi": ActionText(
        N_("KPI taken off an entity"),
        (
            N_("%(kpi)s taken off %(code)s by %(actor)s (its figures stay)"),
            N_("A KPI was taken off %(code)s by %(actor)s"),
        ),
        _entity,
    ),
    "kpi.restate": ActionText(
        N_("Target or baseline restated"),
        (
            N_("%(what)s of %(kpi)s restated from %(old)s to %(new)s from %(from)s by %(actor)s"),
            N_("%(what)s of %(kpi)s restated to %(new)s from %(from)s by %(actor)s"),
            N_("%(kpi)s restated by %(actor)s"),
        ),
        _restate,
    ),
    "budget.allocate": ActionText(
        N_("Budget allocation set"),
        (
            N_("Allocation of line %(id)s changed from OMR %(old)s to OMR %(new)s by %(actor)s"),
            N_("Allocation of line %(id)s set to OMR %(new)s by %(actor)s"),
        ),
        _allocation,
    ),
    "budget.import": ActionText(
        N_("Budget allocations imported"),
        (
            N_(
                "Allocations imported from %(file)s by %(actor)s (lines: %(rows)s, changed: "
                "%(changed)s)"
            ),
            N_("Allocations imported from %(file)s by %(actor)s"),
        ),
        _budget_import,
    ),
}
GENERIC = N_("Event %(name)s on %(object)s by %(actor)s")
WITH_REASON = N_("%(sentence)s. Reason: %(reason)s")
WITH_CHANGES = N_("%(sentence)s: %(changes)s")


def action_name(action: str, _: Translate) -> str:
    """The action's human name in the reader's language; an unknown one as it is stored."""
    known = ACTIONS.get(action)
    return _(known.name) if known else action


def sentence(
    event, _: Translate, code: Callable[[str], str] = str, free: Callable[[str], str] = str
) -> str:
    """The event as one sentence, with its reason. `event` has the attributes of
    `services.audit_log.LoggedEvent` (action, actor, object_type, object_id, entity, period,
    before, after, reason); any of them may be missing. For the page, `code` wraps codes, periods
    and e-mails, and `free` the text people typed (a reason in either language)."""
    action = str(getattr(event, "action", "") or "")
    texts = {name: _text(value, _, none="") for name, value in _facts(event, action, _).items()}
    facts = {
        name: code(text) if name in CODE_FACTS else text for name, text in texts.items() if text
    }
    known = ACTIONS.get(action)
    text = next(
        (_(form) % facts for form in (known.forms if known else ()) if _fills(form, facts)),
        None,
    )
    if text is None:
        text = _generic(event, action, facts, _)
    reason = str(getattr(event, "reason", "") or "").strip()
    return _(WITH_REASON) % {"sentence": text, "reason": free(reason)} if reason else text


def _facts(event, action: str, _: Translate) -> dict[str, object]:
    after = _after(event)
    object_id = getattr(event, "object_id", None)
    period = _first(
        getattr(event, "period", None),
        after.get("period"),
        object_id if getattr(event, "object_type", "") == "period" else None,
    )
    facts: dict[str, object] = {
        "id": object_id,
        "actor": getattr(event, "actor", None),
        "entity": _first(getattr(event, "entity", None), after.get("entity")),
        "period": period,
    }
    known = ACTIONS.get(action)
    if known and known.facts:
        facts |= {k: v for k, v in known.facts(event, _).items() if v is not None}
    return facts


def _fills(form: str, facts: Mapping[str, str]) -> bool:
    return all(name in facts for name in PLACEHOLDER.findall(form))


def _generic(event, action: str, facts: Mapping[str, str], _: Translate) -> str:
    subject = " ".join(
        str(part)
        for part in (getattr(event, "object_type", ""), getattr(event, "object_id", ""))
        if part
    )
    text = _(GENERIC) % {
        "name": action_name(action, _) or "—",
        "object": subject or "—",
        "actor": facts.get("actor", "—"),
    }
    listed = changes(event, _)
    return _(WITH_CHANGES) % {"sentence": text, "changes": listed} if listed else text


def changes(event, _: Translate) -> str:
    """Every field the event recorded, as `field: before → after` (or `field: value`), hashes and
    file digests left out; `; ` between them."""
    before, after = _before(event), _after(event)
    names = [n for n in [*before, *(k for k in after if k not in before)] if n not in HIDDEN_FIELDS]
    parts = []
    for name in names:
        if name in before and name in after:
            old, new = _text(before[name], _, name=name), _text(after[name], _, name=name)
            parts.append(f"{name}: {old} → {new}")
        else:
            parts.append(f"{name}: {_text(after.get(name, before.get(name)), _, name=name)}")
    return "; ".join(parts)


def _text(value, _: Translate, none: str = "—", name: str = "") -> str:
    """A value as words: numbers through kpis.formatting (a year, a sequence number or an id as
    written), yes/no, lists and mappings spelt out."""
    if value is None:
        return none
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int) and name.endswith(AS_WRITTEN):
        return str(value)
    if isinstance(value, int | float):
        return format_number(value, 0 if float(value).is_integer() else 2)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_text(v, _, name=str(k))}" for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return ", ".join(_text(v, _) for v in value)
    return str(value)
