"""Hostile-file benchmark (issue 12): every case of the hostile suite (tests/etl/hostile_*.py)
checked as the web upload checks it, each in a fresh process with the reader's worker already
running (as in a server), printing a table: the case, what became of it, the time of the check,
the peak RSS of the process that stands for the server (and how much the check itself added to
what it held before it, from VmHWM reset before the check) and of the reader's worker, and two
cases of its own that hold as much text as the limits allow (`memory_cases`). The aims:
under 3 s and under 300 MB each. Not part of the tests (the machine's load would make timed
assertions flaky); run `python benchmarks/hostile.py` (add `--case NAME` for one case)."""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AIM_SECONDS = 3.0
AIM_MB = 300


def cases():
    from tests.etl.hostile_files import CASES as FILE_CASES

    try:
        from tests.etl.hostile_values import CASES as VALUE_CASES
    except ImportError:
        VALUE_CASES = []
    return [*FILE_CASES, *VALUE_CASES, *memory_cases()]


def memory_cases():
    """Files within every limit of the structure check whose cells hold as much text as the
    reader's worker survives: one shared string of 32,000 characters (Excel allows 32,767) in
    thousands of cells. Beside the loaded columns, they stay in the worker; in the loaded columns
    (the comment and the link, rows without figures), they reach the server."""
    from tests.etl.hostile_case import HostileCase

    return [
        HostileCase(
            "memory: long texts beside loaded columns", _texts_in("JKLMNOPQRS", 30, 330), None
        ),
        HostileCase("memory: long texts in comments and links", _texts_in("HI", 30, 1000), None),
    ]


def _texts_in(columns: str, first_row: int, end_row: int):
    def build(template: bytes) -> bytes:
        from tests.etl.hostile_files import (
            DATA,
            before_sheet_data_end,
            edit_part,
            noise,
            sst,
            with_strings,
        )

        data = with_strings(template, sst(["40", noise(32_000)]))
        rows = "".join(
            f'<row r="{row}">'
            + "".join(f'<c r="{col}{row}" t="s"><v>1</v></c>' for col in columns)
            + "</row>"
            for row in range(first_row, end_row)
        )
        return edit_part(data, DATA, before_sheet_data_end(rows))

    return build


def _resident(field: str) -> float:
    """MiB of this process's resident set now (`VmRSS`) or at its peak (`VmHWM`), Linux."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> None:
    """Reset `VmHWM` to the present resident set (Linux 4.0+, proc(5) clear_refs)."""
    Path("/proc/self/clear_refs").write_text("5")


def one(path: Path, url: str, good: Path) -> dict:
    """In a fresh process: warm the reader on a good file, then check `path` as the web does."""
    from sqlalchemy import select

    from data.db import Store
    from data.models import User
    from etl.ingest import ingest
    from etl.read import read_workbook, sandbox

    read_workbook(good.read_bytes())
    store = Store(url)
    before = _resident("VmRSS")
    _reset_peak()  # the peak of the check itself, not of the imports and setup before it
    data = path.read_bytes()
    with store.transaction() as db:
        user = db.scalar(select(User).where(User.email == "moh@test.om"))
        start = time.perf_counter()
        outcome = ingest(
            db, data, path.name, user, path.parent / "uploads", today=date(2026, 11, 22)
        )
        seconds = time.perf_counter() - start
    sandbox().close()  # waited for: its peak RSS joins RUSAGE_CHILDREN
    return {
        "outcome": outcome.outcome,
        "codes": [p.code for p in outcome.errors],
        "ms": seconds * 1000,
        "server_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "server_growth_mb": _resident("VmHWM") - before,
        "reader_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "restarts": sandbox().restarts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", help="only the cases whose name contains this")
    parser.add_argument("--one", nargs=3, metavar=("FILE", "URL", "GOOD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(Path(args.one[0]), args.one[1], Path(args.one[2]))))
        return

    from data.db import Store
    from etl.template import template_bytes
    from tests.conftest import build_catalogue
    from tests.etl.hostile_files import filled

    folder = Path(tempfile.mkdtemp(prefix="tracker-hostile-"))
    url = f"sqlite:///{folder / 'hostile.db'}"
    build_catalogue(url, with_users=True)
    store = Store(url)
    with store.session() as db:
        template = template_bytes(db, "MOH", "2025-Q3")
    store.engine.dispose()
    good = folder / "good.xlsx"
    good.write_bytes(filled(template))
    chosen = [c for c in cases() if not args.case or args.case.lower() in c.name.lower()]
    print(
        f"{'case':44} {'outcome':9} {'code':18} {'ms':>7} {'server MB':>9} {'(+MB)':>6} "
        f"{'reader MB':>9}"
    )
    worst = {"ms": 0.0, "server_mb": 0.0, "reader_mb": 0.0}
    for number, case in enumerate(chosen):
        path = folder / f"case{number:03d}.xlsx"
        path.write_bytes(case.build(template))
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(path), url, str(good)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if done.returncode:
            print(f"{case.name[:44]:44} FAILED: {done.stderr.strip().splitlines()[-1:]}")
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        code = row["codes"][0] if row["codes"] else "-"
        flag = "" if row["ms"] < AIM_SECONDS * 1000 else "  over 3 s"
        if max(row["server_mb"], row["reader_mb"]) >= AIM_MB:
            flag += "  over 300 MB"
        print(
            f"{case.name[:44]:44} {row['outcome']:9} {code[:18]:18} {row['ms']:7.0f} "
            f"{row['server_mb']:9.0f} {row['server_growth_mb']:6.0f} {row['reader_mb']:9.0f}{flag}"
        )
        for key in worst:
            worst[key] = max(worst[key], row[key])
    print(
        f"{len(chosen)} cases; slowest {worst['ms']:.0f} ms (aim {AIM_SECONDS:g} s), largest "
        f"server {worst['server_mb']:.0f} MB and reader {worst['reader_mb']:.0f} MB "
        f"(aim {AIM_MB} MB)"
    )


if __name__ == "__main__":
    main()
