"""Benchmarks at scale on PostgreSQL (issue 17), run with `make bench-scale`:

1. seeding the demo history in bulk (`seed_demo`, validated, written in batches): time and
   observations per second, at demo scale and at the scale that gives about a million
   observations;
2. each analytics page's server-side callback (as benchmarks/pages.py calls them, signed in as
   the programme office) and each read API answer (Flask test client, an API token), cold (the
   result cache cleared and the data's version changed) and warm: p50 and p95 per call at both
   scales, the ratio large ÷ demo, and whether each meets p95 < 150 ms and ratio < 2;
3. a quarter's ingest for 1,000 entities: filled templates through etl.ingest (read, checks,
   load) on PostgreSQL, in files per second.

Each scale runs in a process of its own (its peak memory is its own). Needs a PostgreSQL server
it may create databases on: BENCH_DATABASE_URL, else TEST_DATABASE_URL (a server URL such as
postgresql+psycopg://postgres@127.0.0.1:54329/postgres). The databases are named
tracker_bench_scale_<N> and kept (`--reuse` measures an existing one again without seeding).
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_login import login_user  # noqa: E402
from openpyxl import load_workbook  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app  # noqa: E402
from data.audit import record  # noqa: E402
from data.cache import results_of  # noqa: E402
from data.db import Store  # noqa: E402
from data.models import Entity, Observation, Submission, User  # noqa: E402
from data.tokens import create_token  # noqa: E402
from data.users import account, create_user  # noqa: E402
from etl.ingest import Incoming, ingest_many  # noqa: E402
from etl.template import template_bytes  # noqa: E402
from settings import Settings  # noqa: E402
from web.auth import WebUser  # noqa: E402

PERIOD = "2025-Q3"
INGEST_PERIOD = "2025-Q4"
OFFICE = "office@bench.om"
PASSWORD = "benchmark-password"  # noqa: S105 - a throw-away benchmark store
MILLION = 1_000_000
AIM_P95_MS = 150
AIM_RATIO = 2
PAGES = {
    "page overview /": ("home", {}),
    "page /track/T1": ("track", {"code": "T1"}),
    "page /kpi/T1.5": ("kpi", {"code": "T1.5"}),
    "page /entity/MOH": ("entity", {"code": "MOH"}),
    "page /completeness": ("completeness", {}),
    "page /initiatives": ("initiatives", {}),
    "page /procedures": ("procedures", {}),
    "page /budget": ("budget", {}),
}
API = {
    "api kpis": "/api/v1/kpis",
    "api entities": "/api/v1/entities",
    "api observations T1.5": f"/api/v1/observations?kpi=T1.5&startPeriod={PERIOD}",
    "api programme": f"/api/v1/programme?period={PERIOD}",
    "api initiatives": f"/api/v1/initiatives?period={PERIOD}",
    "api procedures": f"/api/v1/procedures?period={PERIOD}",
    "api budget": f"/api/v1/budget?period={PERIOD}",
}


def server_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        sys.exit(
            "bench-scale needs a PostgreSQL server it may create databases on: set "
            "BENCH_DATABASE_URL (or TEST_DATABASE_URL), e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:54329/postgres"
        )
    return url


def database(server: str, scale: int, fresh: bool) -> str:
    name = f"tracker_bench_scale_{scale}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if fresh and exists:
            conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        if fresh or not exists:
            conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def seed(url: str, scale: int) -> dict:
    """`python -m data init` and `python -m data seed-demo --scale N` as an operator runs them
    (in processes of their own: the seeding's memory is not the pages'), and a benchmark office
    user; the seeding timed from the command's start to its commit."""
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "data", "init"], cwd=ROOT, env=env, check=True)
    store = Store(url)
    with store.transaction() as db:
        if db.scalar(select(User.id).where(User.email == OFFICE)) is None:
            create_user(db, OFFICE, "supervisor", PASSWORD)
    store.engine.dispose()
    command = [sys.executable, "-m", "data", "seed-demo", "--scale", str(scale)]
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    seconds = time.perf_counter() - start
    store = Store(url)
    with store.session() as db:
        found = migrated_demo(db)
    store.engine.dispose()
    return {**found, "seed_seconds": seconds}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def touch(store: Store) -> None:
    """Change the data's version as an entity's change does, without changing a figure."""
    with store.transaction() as db:
        record(db, "benchmark.cold", "entity", "MOH")


def measure_calls(app, store, user_id: int, token: str, cold_runs: int, warm_runs: int) -> dict:
    results: dict[str, dict] = {}
    calls = {label: ("page", spec) for label, spec in PAGES.items()}
    calls.update({label: ("api", path) for label, path in API.items()})
    client = app.server.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for label, (kind, spec) in calls.items():
        if kind == "page":
            module, extra = spec
            render = importlib.import_module(f"dashboards.{module}").render
            data = {"period": PERIOD, "unapproved": "0", **extra}

            def call(render=render, data=data):
                with app.server.test_request_context("/"):
                    with store.session() as db:
                        login_user(WebUser(account(db, user_id)))
                    render(data)

        else:

            def call(path=spec):
                answer = client.get(path, headers=headers)
                assert answer.status_code == 200, (path, answer.status_code)

        cold, warm = [], []
        for _ in range(cold_runs):
            touch(store)
            results_of(app.server).clear()
            start = time.perf_counter()
            call()
            cold.append((time.perf_counter() - start) * 1000)
        call()
        for _ in range(warm_runs):
            start = time.perf_counter()
            call()
            warm.append((time.perf_counter() - start) * 1000)
        results[label] = {
            "cold_p50": statistics.median(cold),
            "cold_p95": percentile(cold, 0.95),
            "warm_p50": statistics.median(warm),
            "warm_p95": percentile(warm, 0.95),
        }
        print(
            f"  {label:<24} cold p50 {results[label]['cold_p50']:7.0f} ms  "
            f"p95 {results[label]['cold_p95']:7.0f}   warm p50 {results[label]['warm_p50']:6.0f}"
            f"  p95 {results[label]['warm_p95']:6.0f}",
            flush=True,
        )
    return results


def filled(template: bytes, seed: int) -> bytes:
    """A template filled as a clerk fills it (as benchmarks/ingest.py does)."""
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


def quarter_ingest(store: Store, files: int) -> dict:
    """`files` entities' filled templates of a quarter through etl.ingest in one batch (as
    `python -m etl ingest FILE... --submit` takes them): read, checks, load, on PostgreSQL."""
    folder = Path(tempfile.mkdtemp(prefix="tracker-scale-ingest-"))
    with store.session() as db:
        codes = db.scalars(select(Entity.code).where(Entity.active).order_by(Entity.id)).all()
        codes = codes[:files]
        start = time.perf_counter()
        made = [
            Incoming(filled(template_bytes(db, code, INGEST_PERIOD), n), f"{code}.xlsx")
            for n, code in enumerate(codes)
        ]
    generated = time.perf_counter() - start
    start = time.perf_counter()
    with store.transaction() as db:
        user = db.scalar(select(User).where(User.email == OFFICE))
        outcomes = ingest_many(db, made, user, folder / "uploads", submit=True)
    seconds = time.perf_counter() - start
    submitted = sum(1 for outcome in outcomes if outcome.outcome == "submitted")
    return {
        "ingest_files": len(made),
        "ingest_submitted": submitted,
        "ingest_seconds": seconds,
        "ingest_generate_seconds": generated,
    }


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


def one_scale(args) -> dict:
    """Everything at one scale, in this process; the result as a JSON line at the end."""
    url = database(server_url(), args.one, fresh=not args.reuse)
    found: dict = {"scale": args.one}
    store = Store(url)
    with store.session() as db:
        seeded = migrated_demo(db) if args.reuse else None
    store.engine.dispose()
    if seeded is None:
        print(f"scale {args.one}: seeding … (load {loadavg()})", flush=True)
        found.update(seed(url, args.one))
        rate = found["observations"] / found["seed_seconds"]
        print(
            f"scale {args.one}: seeded {found['submissions']:,} submissions, "
            f"{found['observations']:,} observations in {found['seed_seconds']:.1f} s "
            f"({rate:,.0f} observations/s; load {loadavg()})",
            flush=True,
        )
    else:
        found.update(seeded)
    folder = Path(tempfile.mkdtemp(prefix="tracker-scale-"))
    app = create_app(
        Settings(database_url=url, app_env="test", instance_path=folder / "i", upload_dir=folder)
    )
    store = app.server.extensions["store"]
    with store.transaction() as db:
        user_id = db.scalar(select(User.id).where(User.email == OFFICE))
        token = create_token(db, OFFICE)
    print(f"scale {args.one}: calls (load {loadavg()})", flush=True)
    found["calls"] = measure_calls(app, store, user_id, token, args.cold, args.warm)
    found["calls_load"] = loadavg()
    if args.ingest:
        found.update(quarter_ingest(store, args.ingest))
        found["ingest_load"] = loadavg()
        print(
            f"scale {args.one}: ingest of {found['ingest_files']} files "
            f"({found['ingest_submitted']} submitted) in {found['ingest_seconds']:.1f} s: "
            f"{found['ingest_files'] / found['ingest_seconds']:.1f} files/s "
            f"(making the files took {found['ingest_generate_seconds']:.0f} s; "
            f"load {found['ingest_load']})",
            flush=True,
        )
    found["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    app.server.extensions["store"].engine.dispose()
    print("RESULT " + json.dumps(found), flush=True)
    return found


def migrated_demo(db) -> dict | None:
    """What an already seeded benchmark database holds, or None when it holds no demo."""
    made = db.scalar(select(func.count()).select_from(Submission).where(Submission.is_demo))
    if not made:
        return None
    observations = db.scalar(select(func.count()).select_from(Observation))
    return {"submissions": made, "observations": observations, "seed_seconds": None}


def observations_per_scale(server: str) -> tuple[int, int]:
    """Observations at scale 1 and what each further copy of the entities adds (measured once
    at scale 2 on a database of its own, kept as tracker_bench_scale_2)."""
    url = database(server, 2, fresh=False)
    store = Store(url)
    try:
        with store.session() as db:
            seeded = migrated_demo(db)
    except Exception:  # not migrated yet
        seeded = None
    store.engine.dispose()
    if seeded is None:
        url = database(server, 2, fresh=True)
        seed(url, 2)
    store = Store(url)
    with store.session() as db:
        copies = db.scalar(
            select(func.count())
            .select_from(Observation)
            .join(Entity, Entity.id == Observation.entity_id)
            .where(Entity.is_demo)
        )
        total = db.scalar(select(func.count()).select_from(Observation))
    store.engine.dispose()
    return total - copies, copies


def large_scale(server: str, observations: int = MILLION) -> int:
    """The smallest scale whose demo has at least `observations` observations."""
    base, per_copy = observations_per_scale(server)
    large = 1 + -(-(observations - base) // per_copy)
    print(
        f"the demo has {base:,} observations; each copy of its entities adds {per_copy:,}: "
        f"scale {large} gives about {base + per_copy * (large - 1):,}",
        flush=True,
    )
    return large


def run_child(scale: int, args) -> dict:
    command = [sys.executable, __file__, "--one", str(scale), "--cold", str(args.cold)]
    command += ["--warm", str(args.warm)]
    if args.reuse:
        command.append("--reuse")
    if args.ingest and scale == max(args.scales):
        command += ["--ingest", str(args.ingest)]
    result = None
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        for line in process.stdout:  # shown as it comes: the large scale takes many minutes
            if line.startswith("RESULT "):
                result = json.loads(line.removeprefix("RESULT "))
            else:
                print(line, end="", flush=True)
    if process.returncode or result is None:
        sys.exit(f"scale {scale} failed (exit status {process.returncode})")
    return result


def verdict(p95: float, ratio: float) -> str:
    met = p95 < AIM_P95_MS and ratio < AIM_RATIO
    return "MEETS" if met else "MISSES"


def report(small: dict, large: dict) -> None:
    print()
    print(
        f"calls: demo (scale {small['scale']}, {small['observations']:,} observations) against "
        f"scale {large['scale']} ({large['observations']:,} observations); aims: p95 < "
        f"{AIM_P95_MS} ms at the large scale and large ÷ demo < {AIM_RATIO}"
    )
    print(
        f"{'call':<24} {'':5} {'demo p50':>9} {'p95':>7} {'large p50':>10} {'p95':>7} "
        f"{'ratio':>6}  verdict"
    )
    met = total = 0
    for label, numbers in small["calls"].items():
        big = large["calls"][label]
        for kind in ("cold", "warm"):
            ratio = big[f"{kind}_p95"] / max(numbers[f"{kind}_p95"], 0.001)
            shown = verdict(big[f"{kind}_p95"], ratio)
            met += shown == "MEETS"
            total += 1
            print(
                f"{label:<24} {kind:<5} {numbers[f'{kind}_p50']:7.0f}ms "
                f"{numbers[f'{kind}_p95']:5.0f}ms {big[f'{kind}_p50']:8.0f}ms "
                f"{big[f'{kind}_p95']:5.0f}ms {ratio:6.2f}  {shown}"
            )
    print(f"{met} of {total} meet both aims")
    for found in (small, large):
        seeded = found["seed_seconds"]
        rate = f"{found['observations'] / seeded:,.0f} observations/s" if seeded else "reused"
        print(
            f"scale {found['scale']}: seeding {seeded or 0:.1f} s ({rate}); peak RSS "
            f"{found['peak_rss_mb']:.0f} MB; load during calls {found['calls_load']}"
        )
    if "ingest_files" in large:
        print(
            f"quarter's ingest: {large['ingest_files']} files ({large['ingest_submitted']} "
            f"submitted) in {large['ingest_seconds']:.1f} s = "
            f"{large['ingest_files'] / large['ingest_seconds']:.1f} files/s "
            f"(load {large['ingest_load']})"
        )
    print(f"load now: {loadavg()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", help="two scales, e.g. 1,4 (default: 1 and ≈1M observations)")
    parser.add_argument("--observations", type=int, default=MILLION, help="the large scale's aim")
    parser.add_argument("--cold", type=int, default=3, help="cold calls per page or route")
    parser.add_argument("--warm", type=int, default=10, help="warm calls per page or route")
    parser.add_argument("--ingest", type=int, help="files of the quarter's ingest (1000)")
    parser.add_argument("--reuse", action="store_true", help="measure existing databases again")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one_scale(args)
        return
    args.ingest = 1000 if args.ingest is None else args.ingest
    server = server_url()
    if args.scales:
        args.scales = [int(s) for s in args.scales.split(",")]
    else:
        args.scales = [1, large_scale(server, args.observations)]
    print(f"load at start: {loadavg()}")
    results = [run_child(scale, args) for scale in args.scales]
    report(results[0], results[-1])


if __name__ == "__main__":
    main()
