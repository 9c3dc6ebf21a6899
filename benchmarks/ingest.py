"""Ingest benchmark: prints time and peak memory (run with `make bench`, not part of the tests).

1. read + validate + load of one entity's quarterly template (median of repeated runs);
2. read + validate of a 5,000-row workbook;
3. all 28 entities' templates of one quarter through `python -m etl ingest ... --submit`;
4. the same 28 files through a plain openpyxl + pandas + `to_sql` pipeline, for comparison;
5. ours on those 28 in one process, cold (as the command line) and warm (as a running server
   that has loaded the same entities' earlier files), each run interleaved with one of the
   plain pipeline's;
6. the 5,000-row workbook through the plain pipeline, against our read+validate of it.
"""

from __future__ import annotations

import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook, load_workbook  # noqa: E402
from sqlalchemy import select  # noqa: E402

from data.catalogue import load_catalogue  # noqa: E402
from data.db import Store, migrate  # noqa: E402
from data.models import Entity, User  # noqa: E402
from data.users import create_user  # noqa: E402
from etl.contract import header_label  # noqa: E402
from etl.due import due_kpis  # noqa: E402
from etl.ingest import Incoming, ingest, ingest_many  # noqa: E402
from etl.read import read_workbook  # noqa: E402
from etl.structure import Limits  # noqa: E402
from etl.template import template_bytes  # noqa: E402
from etl.validate import Expectation, validate  # noqa: E402
from kpis.periods import parse_period  # noqa: E402

PERIOD = "2025-Q3"
ROUNDS = 11  # runs of each pipeline, interleaved: this shared machine's speed drifts
BIG_LIMITS = Limits(rows=10_000)
PASSWORD = "benchmark-password"  # noqa: S105 - a throw-away benchmark store


def filled(template: bytes, seed: int) -> bytes:
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook["Data"]
    for n, row in enumerate(sheet.iter_rows(min_row=2)):
        unit = row[3].value
        row[6].value = (
            "Yes" if unit == "Yes/No" else (3 if unit == "count" else 30 + (seed + n) % 60)
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def big_workbook(rows: int) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet.append(
        [
            header_label(k)
            for k in (
                "code",
                "name",
                "period",
                "unit",
                "numerator",
                "denominator",
                "value",
                "comment",
                "evidence",
            )
        ]
    )
    codes = ["T1.1", "T1.3", "T1.4", "T1.5", "T1.6", "T2.3", "T3.1", "T4.1", "T4.3"]
    for n in range(rows):
        sheet.append(
            [
                codes[n % len(codes)],
                "KPI",
                PERIOD,
                "%",
                n % 300,
                300 + n % 7,
                None,
                "ok",
                "https://example.om/e",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def measure(action, repeat: int = 1) -> tuple[float, float]:
    """Median seconds of `action` (untraced runs), then the peak MiB traced in one more run:
    tracemalloc slows Python down, so it never runs while the clock does."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return statistics.median(times), peak


def child_rss(workbook: Path, due_from: str) -> tuple[float, float, float]:
    """Peak RSS (MiB) of a fresh process before and after reading and validating `workbook`, and
    of the reader's worker process (etl.sandbox), where calamine's Rust memory now is, which
    tracemalloc cannot see."""
    script = (
        "import resource, sys; sys.path.insert(0, sys.argv[3])\n"
        "from data.db import Store; from etl.due import due_kpis\n"
        "from etl.read import read_workbook; from etl.validate import Expectation, validate\n"
        "from etl.structure import Limits\n"
        "from kpis.periods import parse_period\n"
        "with Store(sys.argv[2]).session() as db:\n"
        f"    due = due_kpis(db, 'MOH', parse_period('{PERIOD}'))\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        f"validate(read_workbook(data, Limits(rows=10_000)), Expectation('MOH', '{PERIOD}', due))\n"
        "import etl.read; etl.read.sandbox().close()\n"
        "print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,\n"
        "      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(workbook), due_from, str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
    )
    before, after, reader = (int(n) / 1024 for n in done.stdout.split())
    return before, after, reader


CPU_SECONDS: dict[str, list[float]] = {}  # CPU time of each `timed` run, by label


def timed(action, *args, label: str = "") -> float:
    """Seconds of one run of `action`, after flushing what earlier steps left to write, so that
    no run pays for another's writes. Its CPU seconds (this process's and the reader workers')
    go to `CPU_SECONDS[label]`: on a machine others share, they vary less than the clock."""
    os.sync()
    cpu = time.process_time() + reader_cpu()
    start = time.perf_counter()
    action(*args)
    wall = time.perf_counter() - start
    CPU_SECONDS.setdefault(label, []).append(time.process_time() + reader_cpu() - cpu)
    return wall


def reader_cpu() -> float:
    """CPU seconds the reader's worker processes (etl.sandbox) have used, from /proc (0 where
    there is none): they live on between files, so the children's rusage does not count them."""
    from etl.read import sandbox

    total = 0
    for worker in list(sandbox()._idle):
        try:
            stat = Path(f"/proc/{worker.process.pid}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def _spread(seconds: list[float]) -> str:
    return (
        f"median {statistics.median(seconds) * 1000:.0f} ms "
        f"(fastest {min(seconds) * 1000:.0f}, slowest {max(seconds) * 1000:.0f}, "
        f"{len(seconds)} runs)"
    )


def fresh_store(folder: Path, name: str) -> tuple[str, Store]:
    url = f"sqlite:///{folder / name}"
    migrate(url)
    store = Store(url)
    with store.transaction() as db:
        load_catalogue(db)
        create_user(db, "office@bench.om", "supervisor", PASSWORD)
    return url, store


def plain_pipeline(files: list[Path], url: str) -> None:
    """What a team might write first: openpyxl to pandas, a little cleaning, then to_sql."""
    import pandas as pd
    from sqlalchemy import create_engine

    engine = create_engine(url)
    for path in files:
        frame = pd.read_excel(path, sheet_name="Data", engine="openpyxl")
        frame.columns = [str(c).split("\n")[0] for c in frame.columns]
        frame = frame[["KPI code", "Period", "Numerator", "Denominator", "Value", "Comment"]]
        frame["Value"] = pd.to_numeric(frame["Value"].astype(str).str.rstrip("%"), errors="coerce")
        frame.to_sql("plain_observations", engine, if_exists="append", index=False)
    engine.dispose()


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    _url, store = fresh_store(folder, "bench.db")
    with store.session() as db:
        entities = list(db.scalars(select(Entity.code).order_by(Entity.code)))
        templates = {code: template_bytes(db, code, PERIOD) for code in entities}
    files = []
    for n, code in enumerate(entities):
        path = folder / f"{code}-{PERIOD}.xlsx"
        path.write_bytes(filled(templates[code], n))
        files.append(path)
    print(f"files: 28 templates of {PERIOD}, {sum(p.stat().st_size for p in files) / 1024:.0f} KB")

    queue = iter(files)

    def one_template():
        """The next entity's file, committed: every run does the same work on its own entity."""
        path = next(queue)
        with store.transaction() as db:
            user = db.scalar(select(User).where(User.email == "office@bench.om"))
            outcome = ingest(
                db, path.read_bytes(), path.name, user, folder / "uploads", submit=True
            )
            assert outcome.outcome == "submitted", outcome.errors

    seconds, peak = measure(one_template, repeat=15)
    print(
        f"1. one template, read+validate+load+commit: {seconds * 1000:.1f} ms "
        f"(median of 15 entities), peak {peak:.1f} MiB traced"
    )

    big = big_workbook(5000)
    with store.session() as db:
        due = due_kpis(db, "MOH", parse_period(PERIOD))

    def big_read():
        """A template never has 5,000 rows (ingest refuses more than 1,000): the reader's limits
        are raised here to time reading and validating that many."""
        validate(read_workbook(big, BIG_LIMITS), Expectation("MOH", PERIOD, due))

    seconds, peak = measure(big_read, repeat=3)
    big_path = folder / "big.xlsx"
    big_path.write_bytes(big)
    before, after, reader = child_rss(big_path, _url)
    print(
        f"2. 5,000-row workbook ({len(big) / 1024:.0f} KB), read+validate: "
        f"{seconds * 1000:.0f} ms, peak {peak:.1f} MiB traced; peak RSS of a fresh process "
        f"{after:.0f} MiB ({before:.0f} MiB of it before reading), of its reader worker "
        f"{reader:.0f} MiB"
    )

    cli_url, cli_store = fresh_store(folder, "cli.db")
    cli_store.engine.dispose()
    env = {
        "DATABASE_URL": cli_url,
        "PATH": "/usr/bin:/bin",
        "UPLOAD_DIR": str(folder / "up2"),
        "INSTANCE_PATH": str(folder / "instance"),
    }
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "etl",
            "ingest",
            *map(str, files),
            "--user",
            "office@bench.om",
            "--submit",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    cli_seconds = time.perf_counter() - start
    submitted = done.stdout.count(": submitted")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"3. 28 templates through the CLI: {cli_seconds:.2f} s wall (process start included), "
        f"{submitted}/28 submitted, peak RSS {usage:.0f} MiB"
    )

    earlier = []
    for n, code in enumerate(entities):
        path = folder / f"{code}-{PERIOD}-earlier.xlsx"
        path.write_bytes(filled(templates[code], n + 7))
        earlier.append(path)

    def ours(target: Store, submit: bool = True, batch: list[Path] = files) -> None:
        """The 28 as the command line takes them: one batch in one transaction."""
        with target.transaction() as db:
            user = db.scalar(select(User).where(User.email == "office@bench.om"))
            incoming = [Incoming(path.read_bytes(), path.name) for path in batch]
            ingest_many(db, incoming, user, folder / "up3", submit=submit)

    runs: dict[str, list[float]] = {"plain": [], "cold": [], "warm": []}
    for n in range(ROUNDS):
        cold = fresh_store(folder, f"cold{n}.db")[1]
        warm = fresh_store(folder, f"warm{n}.db")[1]
        # A running server has already prepared its statements: of checks and of submissions
        # (a dry run alone left the submissions' statements to the timed run). Its earlier
        # files differ from the timed ones, which then supersede them: more work, not less.
        ours(warm, batch=earlier)
        plain_url = f"sqlite:///{folder / f'plain{n}.db'}"
        runs["plain"].append(timed(plain_pipeline, files, plain_url, label="plain"))
        runs["cold"].append(timed(ours, cold, label="cold"))
        runs["warm"].append(timed(ours, warm, label="warm"))
    plain = statistics.median(runs["plain"])
    print(
        f"4. the same 28 through openpyxl + pandas + to_sql: {_spread(runs['plain'])} "
        f"(no validation, no report, no audit, nothing kept)"
    )
    for label, key, like in (("5a", "cold", "the command line"), ("5b", "warm", "a server")):
        paired = statistics.median(p / o for p, o in zip(runs["plain"], runs[key], strict=True))
        print(
            f"{label}. ours on the same 28, read+validate+load+audit+commit, {key} (as {like}): "
            f"{_spread(runs[key])}; {paired:.1f}x the plain pipeline run beside it (median of "
            f"the rounds), {plain / statistics.median(runs[key]):.1f}x median to median"
        )
    cpu = {key: statistics.median(CPU_SECONDS[key]) for key in runs}
    print(
        f"   CPU time (this process and the reader workers), medians: plain "
        f"{cpu['plain'] * 1000:.0f} ms, ours cold {cpu['cold'] * 1000:.0f} ms "
        f"({cpu['plain'] / cpu['cold']:.1f}x), warm {cpu['warm'] * 1000:.0f} ms "
        f"({cpu['plain'] / cpu['warm']:.1f}x)"
    )
    plain_peak = measure(lambda: plain_pipeline(files, f"sqlite:///{folder / 'plainm.db'}"))[1]
    stores = iter(fresh_store(folder, f"peak{n}.db")[1] for n in range(2))
    ours_peak = measure(lambda: ours(next(stores)))[1]
    print(f"   peak memory traced: plain {plain_peak:.1f} MiB, ours {ours_peak:.1f} MiB")

    plain_runs = iter(range(100))
    big_plain, _ = measure(
        lambda: plain_pipeline([big_path], f"sqlite:///{folder / f'plain{next(plain_runs)}.db'}"),
        repeat=3,
    )
    big_ours, _ = measure(big_read, repeat=3)
    print(
        f"6. the 5,000-row workbook through openpyxl + pandas + to_sql: {big_plain:.2f} s; "
        f"our read+validate of it: {big_ours:.3f} s, {big_plain / big_ours:.1f}x"
    )


if __name__ == "__main__":
    main()
