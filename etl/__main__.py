"""Command line: `python -m etl template | ingest | export | remind` (see docs/interfaces.md).

Each command imports what only it needs (openpyxl for templates, Flask's catalogues for Arabic),
so that a batch ingest starts quickly."""

from __future__ import annotations

import argparse
import errno
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

from sqlalchemy import func, select

from data.db import Store
from data.models import User
from etl.ingest import Incoming, ingest_isolated
from etl.messages import Problem
from settings import Settings

CHUNK_FILES = 32
CHUNK_BYTES = 20 * 1024 * 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    template = commands.add_parser("template", help="write the template for an entity and quarter")
    template.add_argument("--entity", required=True)
    template.add_argument("--period", required=True, help="a quarter, e.g. 2025-Q3")
    template.add_argument("-o", "--output", required=True)
    load = commands.add_parser("ingest", help="validate and load filled templates")
    load.add_argument("files", nargs="+")
    load.add_argument("--user", required=True, help="e-mail of the uploading user")
    load.add_argument("--submit", action="store_true", help="submit (default: check only)")
    load.add_argument("--lang", choices=("en", "ar"), default="en")
    load.add_argument(
        "--entity",
        help="whose files these are (office users; default: each file's About sheet). "
        "An entity user's files are always its own entity's.",
    )
    out = commands.add_parser("export", help="write every figure as CSV")
    out.add_argument("-o", "--output", required=True)
    remind = commands.add_parser(
        "remind", help="e-mail the due reminders and escalations (each once; safe from cron)"
    )
    remind.add_argument("--dry-run", action="store_true", help="print what would be sent, only")
    remind.add_argument("--today", help="the day to act as of, YYYY-MM-DD (default: today)")
    remind.add_argument(
        "--resend-unknown",
        action="store_true",
        help="first forget the messages a stopped run may or may not have sent, to send them again",
    )
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    store = Store(settings.database_url)
    if args.command == "template":
        return _template(store, args)
    if args.command == "ingest":
        return _ingest(store, settings, args)
    if args.command == "remind":
        return _remind(store, settings, args)
    from etl.export import export_csv

    with store.session() as db:
        Path(args.output).write_text(export_csv(db), encoding="utf-8")
    return 0


def _template(store: Store, args) -> int:
    from etl.template import template_bytes

    with store.session() as db:
        try:
            data = template_bytes(db, args.entity, args.period)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    Path(args.output).write_bytes(data)
    print(f"wrote {args.output}")
    return 0


def _remind(store: Store, settings: Settings, args) -> int:
    """services.reminders does the work; this says what happened. Exit status 0 when every
    due message was sent, 1 when some were not (they are due again next run), 2 on bad usage."""
    from services import reminders

    try:
        today = reminders.today_of(args.today)
    except ValueError:
        print(f"error: --today must be a date like 2025-10-30, not {args.today!r}", file=sys.stderr)
        return 2
    if not args.dry_run and not settings.smtp_url:
        print(
            "error: no mail server configured: set SMTP_URL (e.g. smtp://mail.example.om:25, "
            "smtp+starttls://user:password@host:587) and MAIL_FROM; --dry-run shows what would "
            "be sent without one",
            file=sys.stderr,
        )
        return 2
    if args.resend_unknown and not args.dry_run:
        print(f"{reminders.release_unknown(store)} unknown messages will be sent again")
    outcome = reminders.run(
        store,
        today,
        smtp_url=settings.smtp_url,
        sender=settings.mail_from,
        public_url=settings.public_url,
        dry_run=args.dry_run,
    )
    for claim in outcome.unknown:
        print(
            f"unknown: {claim}: a run stopped while sending it; check the mail server's log, "
            "then run `python -m etl remind --resend-unknown` if it did not leave",
            file=sys.stderr,
        )
    if outcome.error:
        print(
            f"error: {outcome.error}; {len(outcome.failed)} messages not sent, due again at "
            "the next run",
            file=sys.stderr,
        )
    if not args.dry_run:
        print(f"{len(outcome.sent)} sent, {len(outcome.failed)} not sent")
    return 0 if outcome.ok else 1


def _translations(settings: Settings, lang: str):
    from babel.support import NullTranslations, Translations

    if lang == "en":
        return NullTranslations()
    from catalogues import SOURCE, compile_catalogues

    compiled = settings.instance_path / "translations"
    compile_catalogues(SOURCE, compiled)
    return Translations.load(str(compiled), [lang])


def _ingest(store: Store, settings: Settings, args) -> int:
    gettext = _translations(settings, args.lang).gettext
    with store.session() as db:
        user = db.scalar(select(User).where(func.lower(User.email) == args.user.lower()))
    if user is None:
        print(f"error: no user {args.user}", file=sys.stderr)
        return 2
    progress = _Progress(len(args.files))
    refused = 0
    for chunk in _chunks(args.files):
        lines: list[str] = [""] * len(chunk)
        incoming: list[tuple[int, Incoming]] = []
        for position, name in enumerate(chunk):
            try:
                data = read_regular_file(name)
                incoming.append((position, Incoming(data, Path(name).name, args.entity)))
            except OSError as error:
                lines[position] = f"{name}: refused: {error.strerror}"
                refused += 1
                progress.step()
        outcomes = ingest_isolated(
            store,
            [file for _, file in incoming],
            user.id,
            settings.upload_dir,
            submit=args.submit,
            progress=progress.step,
        )
        for (position, _), outcome in zip(incoming, outcomes, strict=True):
            lines[position] = _line(chunk[position], outcome, gettext)
            refused += not outcome.loaded
        progress.above("\n".join(lines))
    progress.done()
    return 1 if refused else 0


def read_regular_file(name: str) -> bytes:
    """A plain file's bytes. A symbolic link or a device is refused (OSError), not followed: a
    folder a clerk can write to could otherwise hand the tracker /proc/self/environ or the
    database, which would be kept and downloadable as that clerk's upload."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(name, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise OSError(
                errno.ELOOP, "a symbolic link, not a file: give the file itself"
            ) from error
        raise
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(errno.EINVAL, "not a plain file")
        return handle.read()


def _chunks(names: list[str]) -> Iterator[list[str]]:
    """Files in batches of one transaction each: few enough to hold in memory together, and
    printed once committed, so that a line never says a file was loaded before it was."""
    chunk: list[str] = []
    size = 0
    for name in names:
        with suppress(OSError):  # an unreadable file is reported when it is read
            size += Path(name).stat().st_size
        chunk.append(name)
        if len(chunk) == CHUNK_FILES or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _line(name: str, outcome, gettext) -> str:
    head = f"{name}: {outcome.outcome}"
    if outcome.entity or outcome.period:
        head += f" ({outcome.entity or '?'} {outcome.period or '?'}, {outcome.rows} rows)"
    reasons = [Problem.render(p, gettext) for p in outcome.errors]
    notes = [Problem.render(p, gettext) for p in outcome.warnings]
    return "\n".join(
        [head, *(f"  error: {r}" for r in reasons), *(f"  warning: {n}" for n in notes)]
    )


class _Progress:
    """A bar on standard error, for batches: one step per file."""

    WIDTH = 30

    def __init__(self, total: int) -> None:
        self.total, self.count = total, 0
        self._draw()

    def step(self) -> None:
        self.count += 1
        self._draw()

    def above(self, text: str) -> None:
        """Print `text` on standard output, with the bar drawn again below it."""
        if self.total > 1:
            sys.stderr.write("\r" + " " * (self.WIDTH + 20) + "\r")
            sys.stderr.flush()
        print(text, flush=True)
        self._draw()

    def done(self) -> None:
        if self.total > 1:
            sys.stderr.write("\n")

    def _draw(self) -> None:
        if self.total < 2:
            return
        filled = self.WIDTH * self.count // self.total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        sys.stderr.write(f"\r[{bar}] {self.count}/{self.total}")
        sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
