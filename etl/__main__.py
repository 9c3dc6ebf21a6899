"""Command line: `python -m etl template | ingest | export` (see DESIGN.md "Stable interfaces").

Each command imports what only it needs (openpyxl for templates, Flask's catalogues for Arabic),
so that a batch ingest starts quickly."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import func, select

from data.db import Store
from data.models import User
from etl.ingest import ingest
from etl.messages import Problem
from web.config import Settings


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
    out = commands.add_parser("export", help="write every figure as CSV")
    out.add_argument("-o", "--output", required=True)
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    store = Store(settings.database_url)
    if args.command == "template":
        return _template(store, args)
    if args.command == "ingest":
        return _ingest(store, settings, args)
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


def _translations(settings: Settings, lang: str):
    from babel.support import NullTranslations, Translations

    if lang == "en":
        return NullTranslations()
    from web.i18n import SOURCE, compile_catalogues

    compiled = settings.instance_path / "translations"
    compile_catalogues(SOURCE, compiled)
    return Translations.load(str(compiled), [lang])


def _ingest(store: Store, settings: Settings, args) -> int:
    gettext = _translations(settings, args.lang).gettext
    refused = 0
    with store.session() as db:
        user = db.scalar(select(User).where(func.lower(User.email) == args.user.lower()))
    if user is None:
        print(f"error: no user {args.user}", file=sys.stderr)
        return 2
    total = len(args.files)
    for number, name in enumerate(args.files, start=1):
        _progress(number - 1, total)
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as error:
            print(f"{name}: refused: {error.strerror}")
            refused += 1
            continue
        with store.transaction() as db:
            outcome = ingest(
                db, data, path.name, db.get(User, user.id), settings.upload_dir, submit=args.submit
            )
        refused += not outcome.loaded
        print(_line(name, outcome, gettext))
    _progress(total, total)
    return 1 if refused else 0


def _line(name: str, outcome, gettext) -> str:
    head = f"{name}: {outcome.outcome}"
    if outcome.entity or outcome.period:
        head += f" ({outcome.entity or '?'} {outcome.period or '?'}, {outcome.rows} rows)"
    reasons = [Problem.render(p, gettext) for p in outcome.errors]
    notes = [Problem.render(p, gettext) for p in outcome.warnings]
    return "\n".join(
        [head, *(f"  error: {r}" for r in reasons), *(f"  warning: {n}" for n in notes)]
    )


def _progress(done: int, total: int) -> None:
    if total < 2:
        return
    width = 30
    filled = width * done // total
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
