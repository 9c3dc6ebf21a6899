"""Reminders before, on and after each quarter's deadline, and the escalation to the office
(`python -m etl remind`, safe to run from cron every hour).

Who: for each quarter whose deadline is near or past, each active entity expected in it
(services.overview.due_count: KPIs due, kpis.expected's reporting span) that has not submitted
(no current submission `submitted` or `approved`; a returned one not yet resubmitted counts as not
submitted) gets an e-mail to each of its active users, in the user's language. After
`ESCALATION` starts, each supervisor gets one e-mail listing the quarter's late entities.

When: each step is due on the days of its window, counted from the quarter's deadline
(data.deadlines: the office's override or the default rule). A run that finds a step's window
over does not send it: a tracker switched on late, or cron stopped for a while, does not flood
entities with reminders for long-past quarters.

Never twice, never silently lost. Each message's key (entity, quarter, step, recipient) is a
unique row of `reminders`. A run first claims the key (a `sending` row, committed on its own),
then hands the mail to the server, then marks the row `sent`. Two runs at once cannot both claim
a key. A refusal by the server (or no server at all) deletes the claim, so the next run sends
it. Only a run killed between the server taking the mail and the mark can leave a `sending` row
behind: whether that mail left is unknown, so it is not sent again by itself (that could send it
twice) but reported by every run (exit status 1) and on /admin/deadlines, until the operator,
having looked at the mail server's log, runs `remind --resend-unknown`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data import analytics as queries
from data.audit import record
from data.cycles import cycle_code_of
from data.db import Store
from data.deadlines import deadlines_of
from data.models import Entity, Period, Reminder, Submission, User, utcnow
from data.queries import kpi_specs
from kpis.periods import parse_period
from kpis.revisions import Status
from services.actors import ESCALATED_TO, REMINDED
from services.mail import Mail, MailError, send
from services.overview import due_count


@dataclass(frozen=True)
class Step:
    """A message due on the days [`starts`, `ends`) counted from the deadline (negative: before)."""

    name: str
    starts: int
    ends: int

    def due_on(self, today: date, deadline: date) -> bool:
        return self.starts <= (today - deadline).days < self.ends


# The steps and their windows, in days from the deadline. To change them, change these.
BEFORE = Step("before", -7, 0)  # a week before the deadline, until the day before it
ON_THE_DAY = Step("due", 0, 7)  # on the deadline, until the week after
AFTER = Step("after", 7, 14)  # a week after the deadline
ESCALATION = Step("escalation", 14, 28)  # to the supervisors, two weeks after the deadline
REMINDER_STEPS = (BEFORE, ON_THE_DAY, AFTER)
ALL_STEPS = (*REMINDER_STEPS, ESCALATION)
# a `sending` claim older than this was left by a run that stopped (a run takes one claim at a
# time and gives the server at most mail.send's timeout): whether its mail left is unknown
UNKNOWN_AFTER = timedelta(minutes=10)
SUBMITTED = (Status.SUBMITTED, Status.APPROVED)


@dataclass(frozen=True)
class Recipient:
    user_id: int
    email: str
    language: str
    name: str = ""


@dataclass(frozen=True)
class Late:
    """An entity that has not submitted its quarter: how many KPI figures it owes, and when and
    why the office returned its file (None: nothing submitted)."""

    entity_id: int
    code: str
    name_en: str
    name_ar: str
    kpis_due: int
    returned_on: date | None = None
    reason: str = ""

    def name(self, language: str) -> str:
        return (self.name_ar if language == "ar" else self.name_en) or self.name_en or self.code


@dataclass(frozen=True)
class Message:
    """One e-mail to send: a reminder names one entity, an escalation every late one."""

    step: Step
    period_id: int
    period: str
    deadline: date
    recipient: Recipient
    late: tuple[Late, ...]

    def keys(self) -> list[tuple[int, int, str, int]]:
        return [
            (e.entity_id, self.period_id, self.step.name, self.recipient.user_id) for e in self.late
        ]

    def line(self) -> str:
        codes = ", ".join(e.code for e in self.late)
        return (
            f"{self.step.name} {self.period} (deadline {self.deadline.isoformat()}) "
            f"{codes} to {self.recipient.email} ({self.recipient.language})"
        )


# ---------------------------------------------------------------------------------------------
# What is due


@dataclass(frozen=True)
class QuarterDue:
    period_id: int
    code: str
    deadline: date
    steps: tuple[Step, ...]


def due_quarters(session: Session, today: date) -> list[QuarterDue]:
    """The quarters with a step due `today`, the oldest first."""
    rows = session.execute(
        select(Period.id, Period.code).where(Period.quarter.is_not(None)).order_by(Period.end_date)
    ).all()
    deadlines = deadlines_of(session, [parse_period(code) for _id, code in rows])
    found = []
    for period_id, code in rows:
        steps = tuple(s for s in ALL_STEPS if s.due_on(today, deadlines[code]))
        if steps:
            found.append(QuarterDue(period_id, code, deadlines[code], steps))
    return found


def late_entities(session: Session, period_id: int, code: str) -> list[Late]:
    """The active entities expected in quarter `code` that have not submitted it (the reminders'
    and the office's notices' one rule)."""
    period = parse_period(code)
    cycle = cycle_code_of(session, period)
    specs = kpi_specs(session, cycle)
    assigned = queries.assignments(session, cycle)
    current = {
        s.entity_id: s
        for s in session.scalars(
            select(Submission).where(
                Submission.period_id == period_id,
                Submission.is_current,
                Submission.status != Status.REJECTED,
            )
        )
    }
    late = []
    for entity in session.scalars(select(Entity).where(Entity.active).order_by(Entity.code)):
        owed = due_count(entity.code, period, specs, assigned)
        submission = current.get(entity.id)
        if not owed or (submission is not None and submission.status in SUBMITTED):
            continue
        returned = submission is not None and submission.status == Status.RETURNED
        late.append(
            Late(
                entity.id,
                entity.code,
                entity.name_en,
                entity.name_ar,
                owed,
                submission.reviewed_at.date() if returned and submission.reviewed_at else None,
                submission.review_reason if returned else "",
            )
        )
    return late


def _recipients(session: Session, *conditions) -> list[Recipient]:
    users = session.scalars(select(User).where(User.active, *conditions).order_by(User.email))
    return [
        Recipient(u.id, u.email, u.language if u.language in ("en", "ar") else "en", u.name)
        for u in users
    ]


def entity_users(session: Session, entity_id: int) -> list[Recipient]:
    return _recipients(session, User.role == str(REMINDED), User.entity_id == entity_id)


def office_users(session: Session) -> list[Recipient]:
    """The supervisors: the programme office, who chase late entities."""
    return _recipients(session, User.role == str(ESCALATED_TO))


def logged_keys(session: Session, period_ids: Iterable[int]) -> set[tuple[int, int, str, int]]:
    """The keys already claimed or sent for these quarters."""
    rows = session.execute(
        select(Reminder.entity_id, Reminder.period_id, Reminder.step, Reminder.user_id).where(
            Reminder.period_id.in_(list(period_ids))
        )
    )
    return {tuple(row) for row in rows}


def plan(session: Session, today: date) -> list[Message]:
    """Every message due `today` and not sent (or being sent) already."""
    quarters = due_quarters(session, today)
    done = logged_keys(session, [q.period_id for q in quarters])
    messages: list[Message] = []
    for quarter in quarters:
        late = late_entities(session, quarter.period_id, quarter.code)
        for step in quarter.steps:
            if step is ESCALATION:
                messages += _escalations(session, quarter, late, done)
                continue
            for entity in late:
                for person in entity_users(session, entity.entity_id):
                    message = Message(
                        step, quarter.period_id, quarter.code, quarter.deadline, person, (entity,)
                    )
                    if message.keys()[0] not in done:
                        messages.append(message)
    return messages


def _escalations(session, quarter: QuarterDue, late: list[Late], done) -> list[Message]:
    """One message per supervisor, naming the late entities not yet escalated to them."""
    messages = []
    for person in office_users(session):
        news = tuple(
            e
            for e in late
            if (e.entity_id, quarter.period_id, ESCALATION.name, person.user_id) not in done
        )
        if news:
            messages.append(
                Message(ESCALATION, quarter.period_id, quarter.code, quarter.deadline, person, news)
            )
    return messages


# ---------------------------------------------------------------------------------------------
# The words (in the recipient's language: the interface's catalogue)


@cache
def translations(language: str):
    """The interface's catalogue for `language` (web/translations), compiled in memory."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import NullTranslations, Translations

    from catalogues import SOURCE

    po = SOURCE / language / "LC_MESSAGES" / "messages.po"
    if language == "en" or not po.exists():
        return NullTranslations()
    with po.open("rb") as source:
        catalogue = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled)


def compose(message: Message, public_url: str) -> Mail:
    """The e-mail of `message`, in its recipient's language."""
    language = message.recipient.language
    gettext = translations(language).gettext

    def _(text: str, **values) -> str:
        return gettext(text) % values if values else gettext(text)

    if message.step is ESCALATION:
        subject, body = _escalation_text(message, public_url, _)
    else:
        subject, body = _reminder_text(message, public_url, _)
    return Mail(message.recipient.email, subject, body, language)


def _reminder_text(message: Message, public_url: str, _) -> tuple[str, str]:
    entity = message.late[0]
    values = {
        "entity": entity.name(message.recipient.language),
        "period": message.period,
        "deadline": message.deadline.isoformat(),
    }
    if message.step is BEFORE:
        subject = _(
            "Reminder: the report of %(entity)s for %(period)s is due on %(deadline)s", **values
        )
        lead = _(
            "The quarterly report of %(entity)s for %(period)s is due on %(deadline)s.", **values
        )
    elif message.step is ON_THE_DAY:
        subject = _("Due today: the report of %(entity)s for %(period)s", **values)
        lead = _(
            "The quarterly report of %(entity)s for %(period)s is due today, %(deadline)s.",
            **values,
        )
    else:
        subject = _("Overdue: the report of %(entity)s for %(period)s", **values)
        lead = _(
            "The quarterly report of %(entity)s for %(period)s was due on %(deadline)s and has "
            "not been received.",
            **values,
        )
    if entity.returned_on:
        missing = _(
            "Missing: a corrected file. The programme office returned your submission on "
            "%(day)s: %(reason)s",
            day=entity.returned_on.isoformat(),
            reason=entity.reason or "—",
        )
    else:
        missing = _(
            "Missing: the filled template for %(period)s with its %(count)d KPI figures, "
            "submitted to the programme office.",
            period=message.period,
            count=entity.kpis_due,
        )
    act = _(
        "Download the template, fill it, upload it and submit it here: %(link)s",
        link=f"{public_url}/submissions?period={message.period}",
    )
    why = _(
        "An automatic message from the programme tracker, to the users of %(entity)s.", **values
    )
    return subject, "\n\n".join([lead, missing, act, why]) + "\n"


def _escalation_text(message: Message, public_url: str, _) -> tuple[str, str]:
    language = message.recipient.language
    subject = _(
        "Entities late for %(period)s: %(count)d",
        count=len(message.late),
        period=message.period,
    )
    lead = _(
        "These entities have not submitted their report for %(period)s, due on %(deadline)s. "
        "Their users are reminded by e-mail before the deadline, on it and after it.",
        period=message.period,
        deadline=message.deadline.isoformat(),
    )
    lines = []
    for entity in message.late:
        state = (
            _("returned on %(day)s, not resubmitted", day=entity.returned_on.isoformat())
            if entity.returned_on
            else _("nothing submitted")
        )
        lines.append(f"- {entity.name(language)} ({entity.code}): {state}")
    act = _(
        "The completeness page shows every entity's quarters: %(link)s",
        link=f"{public_url}/completeness?period={message.period}",
    )
    why = _("An automatic message from the programme tracker, to the programme office.")
    return subject, "\n\n".join([lead, "\n".join(lines), act, why]) + "\n"


# ---------------------------------------------------------------------------------------------
# Sending, once


@dataclass
class Outcome:
    """What a run did: messages sent, the ones the server refused (due again next run), and the
    claims left by an earlier run that stopped while sending (unknown whether they left)."""

    sent: list[Message] = field(default_factory=list)
    failed: list[Message] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.failed and not self.unknown and not self.error


def unknown_claims(session: Session, now: datetime) -> list[Reminder]:
    """`sending` rows older than UNKNOWN_AFTER: left by a run that stopped while sending."""
    return list(
        session.scalars(
            select(Reminder)
            .where(Reminder.state == "sending", Reminder.claimed_at < now - UNKNOWN_AFTER)
            .order_by(Reminder.id)
        )
    )


def describe_claim(row: Reminder) -> str:
    return (
        f"{row.step} {row.period.code} {row.entity.code} to {row.recipient} "
        f"(claimed {row.claimed_at:%Y-%m-%d %H:%M} UTC)"
    )


def release_unknown(store: Store, now: datetime | None = None) -> int:
    """Forget the claims whose outcome is unknown, so that their messages are due again (the
    operator checked the mail server's log: they did not leave)."""
    now = now or utcnow()
    with store.transaction() as db:
        ids = [row.id for row in unknown_claims(db, now)]
        if ids:
            db.execute(delete(Reminder).where(Reminder.id.in_(ids)))
    return len(ids)


def run(
    store: Store,
    today: date,
    *,
    smtp_url: str | None,
    sender: str,
    public_url: str,
    dry_run: bool = False,
    say: Callable[[str], None] = print,
) -> Outcome:
    """Send every message due `today` once (see the module's note); with `dry_run`, only say
    what would be sent: nothing is written or sent."""
    outcome = Outcome()
    with store.session() as db:
        outcome.unknown = [describe_claim(r) for r in unknown_claims(db, utcnow())]
        messages = plan(db, today)
    if dry_run:
        for message in messages:
            say(f"would send {message.line()}")
        return outcome
    for position, message in enumerate(messages):
        claimed = _claim(store, message)
        if claimed is None:
            continue  # another run has it
        try:
            send(smtp_url, sender, [compose(claimed, public_url)])
        except MailError as refused:
            _release(store, claimed)
            outcome.failed.extend(messages[position:])
            outcome.error = str(refused)
            break  # the server is down or refusing: the rest waits for the next run
        _mark_sent(store, claimed)
        outcome.sent.append(claimed)
        say(f"sent {claimed.line()}")
    return outcome


def _claim(store: Store, message: Message) -> Message | None:
    """Claim each key of `message` in a transaction of its own; the message naming only the
    entities claimed (None: none, another run has them all)."""
    won = []
    for entity in message.late:
        try:
            with store.transaction() as db:
                db.add(
                    Reminder(
                        entity_id=entity.entity_id,
                        period_id=message.period_id,
                        step=message.step.name,
                        user_id=message.recipient.user_id,
                        recipient=message.recipient.email,
                        language=message.recipient.language,
                        deadline=message.deadline,
                        state="sending",
                    )
                )
        except IntegrityError:
            continue
        won.append(entity)
    if not won:
        return None
    return Message(
        message.step,
        message.period_id,
        message.period,
        message.deadline,
        message.recipient,
        tuple(won),
    )


def _where(message: Message):
    return (
        Reminder.period_id == message.period_id,
        Reminder.step == message.step.name,
        Reminder.user_id == message.recipient.user_id,
        Reminder.entity_id.in_([e.entity_id for e in message.late]),
        Reminder.state == "sending",
    )


def _mark_sent(store: Store, message: Message) -> None:
    """Mark the claims `sent` and write the audit event `reminder.sent`, in one transaction."""
    entities = [e.code for e in message.late]
    with store.transaction() as db:
        db.execute(update(Reminder).where(*_where(message)).values(state="sent", sent_at=utcnow()))
        record(
            db,
            "reminder.sent",
            "period",
            message.period,
            entity_id=message.late[0].entity_id if len(message.late) == 1 else None,
            actor="system",
            after={
                "step": message.step.name,
                "to": message.recipient.email,
                "period": message.period,
                "deadline": message.deadline.isoformat(),
                "language": message.recipient.language,
                ("entity" if len(entities) == 1 else "entities"): (
                    entities[0] if len(entities) == 1 else entities
                ),
            },
        )


def _release(store: Store, message: Message) -> None:
    with store.transaction() as db:
        db.execute(delete(Reminder).where(*_where(message)))


# ---------------------------------------------------------------------------------------------
# The log, for /admin/deadlines


@dataclass(frozen=True)
class LogRow:
    at: datetime
    step: str
    period: str
    entity: str
    recipient: str
    language: str
    state: str  # sent | sending | unknown


def reminder_log(session: Session, limit: int = 200, now: datetime | None = None) -> list[LogRow]:
    """The latest reminders and escalations, newest first."""
    now = now or utcnow()
    rows = session.execute(
        select(Reminder, Period.code, Entity.code)
        .join(Period, Reminder.period_id == Period.id)
        .join(Entity, Reminder.entity_id == Entity.id)
        .order_by(Reminder.claimed_at.desc(), Reminder.id.desc())
        .limit(limit)
    )
    return [
        LogRow(
            r.sent_at or r.claimed_at,
            r.step,
            period,
            entity,
            r.recipient,
            r.language,
            r.state if r.state == "sent" or r.claimed_at >= now - UNKNOWN_AFTER else "unknown",
        )
        for r, period, entity in rows
    ]


def today_of(text: str | None) -> date:
    """`--today YYYY-MM-DD` (for a catch-up or a test), else today."""
    return date.fromisoformat(text) if text else date.today()
