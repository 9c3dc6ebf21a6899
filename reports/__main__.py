"""Command line for operators: `python -m reports build --period 2025-Q4 -o DIR` builds every
file of the quarter's next edition into DIR (the PDFs, the Excel packs, the open data package),
without publishing anything, and prints one line per file with its SHA-256. Publishing is done on
/review. Exit status 0 when every file was written, 1 for a quarter without approved figures,
2 for a bad command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from data.db import Store
from reports.build import build_edition, preview_stamp
from reports.figures import UnknownPeriod, approved_quarters, read_edition
from settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build a quarter's report files into a folder")
    build.add_argument("--period", required=True, help="a quarter with approved figures, 2025-Q4")
    build.add_argument("-o", "--output", required=True, type=Path, help="folder to write into")
    args = parser.parse_args(argv)
    store = Store(Settings.from_env().database_url)
    try:
        return build_into(store, args.period, args.output)
    finally:
        store.engine.dispose()


def build_into(store: Store, period: str, output: Path) -> int:
    try:
        fig = read_edition(store, period)
    except UnknownPeriod:
        with store.session() as db:
            known = approved_quarters(db)
        choices = ", ".join(known[:8]) or "none yet"
        print(
            f"error: {period!r} is not a quarter with approved figures. "
            f"Quarters with approved figures (newest first): {choices}.",
            file=sys.stderr,
        )
        return 1
    stamp = preview_stamp(store, fig)
    files = build_edition(store, fig.period.code, stamp, fig)
    output.mkdir(parents=True, exist_ok=True)
    for item in files:
        (output / item.name).write_bytes(item.data)
        print(f"{item.sha256}  {output / item.name}  ({item.size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
