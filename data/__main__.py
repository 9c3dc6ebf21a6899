"""Command line for the store: `python -m data init | seed-demo | create-user | reset-password |
force-reset | catalogue | verify-audit | create-token | revoke-token | import-cycle | backup |
verify-backup | restore | rebuild-summaries`."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from data.catalogue import catalogue_csv, load_catalogue
from data.db import Store, migrate
from data.users import AccountError, create_user, force_password_reset
from services.cycles import import_cycle_command
from services.demo import seed_demo_command
from settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="apply migrations and load the reference catalogue")
    demo = commands.add_parser("seed-demo", help="create the demo history of the cycle")
    demo.add_argument("--scale", type=int, default=1, help="multiply the entities (load tests)")
    user = commands.add_parser("create-user", help="add a user; the password is read from stdin")
    user.add_argument("--email", required=True)
    user.add_argument(
        "--role", required=True, choices=("admin", "supervisor", "committee", "entity")
    )
    user.add_argument("--entity", help="entity code, for entity users")
    user.add_argument("--name", default="")
    invitation = commands.add_parser(
        "invite", help="add a user without a password and print their one-time link to set it"
    )
    invitation.add_argument("--email", required=True)
    invitation.add_argument(
        "--role", required=True, choices=("admin", "supervisor", "committee", "entity")
    )
    invitation.add_argument("--entity", help="entity code, for entity users")
    invitation.add_argument("--name", default="")
    invitation.add_argument("--language", choices=("en", "ar"), default="en")
    commands.add_parser("catalogue", help="print the KPI catalogue as CSV")
    commands.add_parser(
        "rebuild-summaries",
        help="recompute the national figures' sums (table kpi_summaries) from the stored figures",
    )
    reset = commands.add_parser(
        "reset-password",
        help="set a user's password from stdin; they must choose their own at the next sign-in",
    )
    reset.add_argument("--email", required=True)
    force = commands.add_parser(
        "force-reset",
        help="end a user's sessions; they must choose a new password at the next sign-in",
    )
    force.add_argument("--email", required=True)
    token = commands.add_parser(
        "create-token", help="make an API token for a user and print it (shown only this once)"
    )
    token.add_argument("--email", required=True)
    revoke = commands.add_parser("revoke-token", help="revoke every API token of a user")
    revoke.add_argument("--email", required=True)
    commands.add_parser(
        "verify-audit", help="check the audit trail's hash chain; name the first broken event"
    )
    cycle = commands.add_parser(
        "import-cycle", help="create the next programme cycle from its KPI catalogue (CSV)"
    )
    cycle.add_argument("--code", required=True, help="the cycle's years, e.g. 2026-2030")
    cycle.add_argument("--file", required=True, help="the catalogue, in the reference CSV format")
    cycle.add_argument("--dry-run", action="store_true", help="check and show; write nothing")
    _backup_commands(commands)
    args = parser.parse_args(argv)

    if args.command in ("backup", "verify-backup", "restore"):
        return backup_command(args)
    url = Settings.from_env().database_url
    if args.command == "init":
        return init(url)
    if args.command == "verify-audit":
        return verify_audit(url)
    store = Store(url)
    with store.transaction() as session:
        if args.command == "seed-demo":
            print(seed_demo_command(session, scale=max(1, args.scale)))
        elif args.command == "create-user":
            return _create_user(session, args)
        elif args.command == "invite":
            return _invite(session, args)
        elif args.command == "catalogue":
            sys.stdout.write(catalogue_csv(session))
        elif args.command == "rebuild-summaries":
            from data.summary import rebuild

            rebuild(session)
            print("national figures' sums recomputed")
        elif args.command in ("reset-password", "force-reset"):
            new = _read_password() if args.command == "reset-password" else None
            return _force_reset(session, args.email, new)
        elif args.command in ("create-token", "revoke-token"):
            return _token_command(session, args.command, args.email)
        elif args.command == "import-cycle":
            return import_cycle_command(session, args.code, args.file, args.dry_run)
    return 0


def init(url: str) -> int:
    migrate(url)
    with Store(url).transaction() as session:
        report = load_catalogue(session)
    changes = {**report.added, **{f"{k} (changed)": v for k, v in report.changed.items()}}
    print("catalogue up to date" if report.empty else f"catalogue loaded: {changes}")
    return 0


def verify_audit(url: str) -> int:
    """Exit status 0 when the chain is intact, 1 at the first broken event."""
    from data.audit import verify_chain

    store = Store(url)
    with store.session() as session:
        check = verify_chain(session)
    print(check.describe(), file=sys.stdout if check.ok else sys.stderr)
    return 0 if check.ok else 1


def _backup_commands(commands) -> None:
    backup = commands.add_parser(
        "backup", help="write one archive of the database and every kept file, with checksums"
    )
    backup.add_argument(
        "destination", help="the archive to write (.tar), or a folder for a dated one"
    )
    check = commands.add_parser(
        "verify-backup", help="check every checksum of an archive; restore nothing"
    )
    check.add_argument("source")
    restore = commands.add_parser(
        "restore", help="restore an archive into an empty database and folders, checked first"
    )
    restore.add_argument("source")
    restore.add_argument(
        "--force",
        action="store_true",
        help="replace the database's contents and different files already in the folders",
    )


def backup_command(args) -> int:
    """Exit status 0 done, 2 refused (nothing changed), 1 a PostgreSQL tool failed."""
    from data import backup

    settings = Settings.from_env()
    try:
        if args.command == "backup":
            _print_written(backup.write_backup(settings, args.destination))
        elif args.command == "verify-backup":
            manifest = backup.verify(Path(args.source))
            count, made = len(manifest["members"]), manifest["created_at"]
            print(f"{args.source}: every checksum matches ({count} members, made {made})")
        else:
            _print_restored(backup.restore(Path(args.source), settings, force=args.force), settings)
    except backup.BackupRefused as refused:
        print(f"refused: {refused}", file=sys.stderr)
        return 2
    except backup.BackupFailed as failed:
        print(f"error: {failed}", file=sys.stderr)
        return 1
    return 0


def _print_written(written) -> None:
    database = written.manifest["database"]["kind"]
    revision = written.manifest["alembic_revision"]
    print(f"wrote {written.path}")
    files = f"{written.files} kept file{'' if written.files == 1 else 's'}"
    print(f"  the {database} database at revision {revision}, and {files}")
    print(f"  {written.total_bytes:,} bytes in all; the archive's SHA-256: {written.sha256}")
    print(f"  (also in {written.path.name}.sha256: check it with `sha256sum -c`)")


def _print_restored(restored, settings: Settings) -> None:
    print(f"restored the database at revision {restored.revision}")
    print(
        f"  kept files: {restored.files_written} written into {settings.upload_dir} and "
        f"{settings.release_dir}; {restored.files_present} already there, the same"
    )
    for note in restored.notes:
        print(f"  {note}")


def _create_user(session, args) -> int:
    password = _read_password()
    try:
        user = create_user(
            session, args.email, args.role, password, entity_code=args.entity, name=args.name
        )
    except AccountError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"created {user.role} {user.email}")
    return 0


def _invite(session, args) -> int:
    """The invitation's one-time link on standard output (shown this once; nothing is mailed)."""
    from services.accounts import COMMAND_LINE, AccountRefused, invite

    try:
        issued = invite(
            session,
            COMMAND_LINE,
            args.email,
            role=args.role,
            name=args.name,
            entity_code=args.entity,
            language=args.language,
        )
    except AccountRefused as refused:
        print(f"error: cannot invite {args.email}: {refused}", file=sys.stderr)
        return 2
    until = f"{issued.expires_at:%Y-%m-%d %H:%M} UTC"
    print(f"invited {issued.role} {issued.email}; hand over this link (works once, until {until}):")
    print(issued.link(Settings.from_env().public_url))
    return 0


def _force_reset(session, email: str, new: str | None) -> int:
    try:
        user = force_password_reset(session, email, new)
    except AccountError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    done = "password set; " if new is not None else ""
    print(f"{user.email}: {done}sessions ended; a new password is asked for at the next sign-in")
    return 0


def _token_command(session, command: str, email: str) -> int:
    from data.tokens import create_token, revoke_tokens

    try:
        if command == "create-token":
            print(create_token(session, email))
        else:
            print(f"{email}: {revoke_tokens(session, email)} token(s) revoked")
    except AccountError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _read_password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\r\n")


if __name__ == "__main__":
    sys.exit(main())
