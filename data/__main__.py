"""Command line for the store: `python -m data init | seed-demo | create-user | catalogue`."""

from __future__ import annotations

import argparse
import getpass
import sys

from data.catalogue import catalogue_csv, load_catalogue
from data.db import Store, migrate
from data.demo import seed_demo
from data.users import AccountError, create_user
from web.config import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="apply migrations and load the reference catalogue")
    demo = commands.add_parser("seed-demo", help="create the demo history 2021-Q1 to 2025-Q4")
    demo.add_argument("--scale", type=int, default=1, help="multiply the entities (load tests)")
    user = commands.add_parser("create-user", help="add a user; the password is read from stdin")
    user.add_argument("--email", required=True)
    user.add_argument(
        "--role", required=True, choices=("admin", "supervisor", "committee", "entity")
    )
    user.add_argument("--entity", help="entity code, for entity users")
    user.add_argument("--name", default="")
    commands.add_parser("catalogue", help="print the KPI catalogue as CSV")
    args = parser.parse_args(argv)

    url = Settings.from_env().database_url
    if args.command == "init":
        return init(url)
    store = Store(url)
    with store.transaction() as session:
        if args.command == "seed-demo":
            made = seed_demo(session, scale=max(1, args.scale))
            print(f"demo data: {made} submissions created" if made else "demo data already present")
        elif args.command == "create-user":
            return _create_user(session, args)
        elif args.command == "catalogue":
            sys.stdout.write(catalogue_csv(session))
    return 0


def init(url: str) -> int:
    migrate(url)
    with Store(url).transaction() as session:
        report = load_catalogue(session)
    changes = {**report.added, **{f"{k} (changed)": v for k, v in report.changed.items()}}
    print("catalogue up to date" if report.empty else f"catalogue loaded: {changes}")
    return 0


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


def _read_password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\r\n")


if __name__ == "__main__":
    sys.exit(main())
