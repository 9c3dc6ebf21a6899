"""Load test (issue 17), run by `make bench-scale`: gunicorn with 4 workers on PostgreSQL and
Redis, production settings, on loopback; locust (benchmarks/locustfile.py) with 50 users who
sign in and move through the analytics pages and their callbacks for 60 s. Prints requests/s,
p50/p95/p99, errors, each worker's memory and the machine's load, and whether it meets p95 <
300 ms, no error and every worker under 300 MB.

The database is benchmarks/scale.py's at the chosen scale (tracker_bench_scale_<N> on the server
BENCH_DATABASE_URL or TEST_DATABASE_URL names; seeded here when missing), with 50 readers added
(half programme office, half committee). The callbacks each page sends are captured once from
Chromium (/usr/bin/chromium) signed in as the office, so the load is what a browser sends.
Redis is started here on its own port and stopped at the end, as are gunicorn and locust."""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from benchmarks.scale import (  # noqa: E402
    database,
    large_scale,
    migrated_demo,
    seed,
    server_url,
)
from data.db import Store  # noqa: E402
from data.models import User  # noqa: E402
from data.users import create_user  # noqa: E402

PAGES = ("/", "/track/T1", "/kpi/T1.5", "/entity/MOH", "/completeness")
PASSWORD = "load-test-password-7391"  # noqa: S105 - a throw-away benchmark store
AIM_P95_MS = 300
AIM_RSS_MB = 300
VENV_BIN = Path(sys.executable).parent


def readers(url: str, count: int) -> list[str]:
    """`count` accounts to sign in as, half office and half committee, made when missing."""
    emails = [f"reader{n:02d}@load.bench.om" for n in range(count)]
    store = Store(url)
    with store.transaction() as db:
        known = set(db.scalars(select(User.email).where(User.email.in_(emails))))
        for n, email in enumerate(emails):
            if email not in known:
                create_user(db, email, "supervisor" if n % 2 == 0 else "committee", PASSWORD)
    store.engine.dispose()
    return emails


def start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(50):
        ping = subprocess.run(
            ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True, check=False
        )
        if ping.stdout.strip() == "PONG":
            return process
        time.sleep(0.1)
    raise RuntimeError(f"redis-server did not answer on port {port}")


def start_gunicorn(url: str, port: int, redis_port: int, folder: Path) -> subprocess.Popen:
    """The app as production runs it: deploy/gunicorn.conf.py (read through the top-level
    gunicorn.conf.py), 4 workers, APP_ENV=production, limits and cache in Redis."""
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": url,
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{redis_port}/0",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/1",
        # 50 readers sign in from one address within seconds: the per-address limits are
        # raised for the test (a real deployment sees them from many addresses)
        "LOGIN_ATTEMPTS": "1000 per minute",
        "ACCOUNT_LOGIN_ATTEMPTS": "1000 per 15 minutes",
        "WEB_CONCURRENCY": "4",
        "BIND": f"127.0.0.1:{port}",
        "INSTANCE_PATH": str(folder / "instance"),
        "UPLOAD_DIR": str(folder / "uploads"),
        "RELEASE_DIR": str(folder / "releases"),
    }
    log = (folder / "gunicorn.log").open("w")
    command = [str(VENV_BIN / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{port}", "app:server"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped: see {folder / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer: see {folder / 'gunicorn.log'}")


def capture_callbacks(base: str, email: str) -> dict[str, list[dict]]:
    """The bodies Chromium posts to /_dash-update-component on opening each page (signed in)."""
    from playwright.sync_api import sync_playwright

    found: dict[str, list[dict]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page()
        page.set_default_timeout(180_000)  # a cold page at a million observations is slow
        page.goto(f"{base}/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        for path in PAGES:
            bodies: list[dict] = []

            def keep(request, bodies=bodies):
                if request.method == "POST" and "/_dash-update-component" in request.url:
                    bodies.append(json.loads(request.post_data))

            page.on("request", keep)
            page.goto(f"{base}{path}")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(500)
            page.remove_listener("request", keep)
            found[path] = bodies
        browser.close()
    return found


def worker_rss(master: int) -> dict[int, float]:
    """Resident memory (MB) of each of gunicorn's workers, from ps."""
    shown = subprocess.run(
        ["ps", "-o", "pid=,rss=", "--ppid", str(master)], capture_output=True, text=True
    ).stdout
    return {int(pid): int(rss) / 1024 for pid, rss in (line.split() for line in shown.splitlines())}


class PeakMemory(threading.Thread):
    """Samples the workers' memory every second while the load runs; keeps each one's peak."""

    def __init__(self, master: int) -> None:
        super().__init__(daemon=True)
        self.master = master
        self.peak: dict[int, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(1):
            for pid, rss in worker_rss(self.master).items():
                self.peak[pid] = max(rss, self.peak.get(pid, 0))


def run_locust(base: str, folder: Path, users: int, rate: int, duration: str, env: dict) -> Path:
    prefix = folder / "locust"
    command = [
        str(VENV_BIN / "locust"),
        "-f",
        str(ROOT / "benchmarks" / "locustfile.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(rate),
        "-t",
        duration,
        "--host",
        base,
        "--csv",
        str(prefix),
        "--only-summary",
        "--stop-timeout",
        "10",
    ]
    subprocess.run(command, env={**os.environ, **env}, check=False, cwd=folder)
    return Path(f"{prefix}_stats.csv")


def summary(stats: Path) -> dict:
    with stats.open() as handle:
        rows = list(csv.DictReader(handle))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    return {
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "p50": float(total["50%"]),
        "p95": float(total["95%"]),
        "p99": float(total["99%"]),
        "rows": rows,
    }


def stop(process: subprocess.Popen | None) -> None:
    """Stop a server this script started; gunicorn's workers too when the master does not stop
    them in time (a worker busy with a long page at a million observations)."""
    if process is None or process.poll() is not None:
        return
    workers = list(worker_rss(process.pid))
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for pid in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def prepared_database(scale: int) -> str:
    url = database(server_url(), scale, fresh=False)
    store = Store(url)
    try:
        with store.session() as db:
            seeded = migrated_demo(db)
    except Exception:  # an empty database: not migrated yet
        seeded = None
    store.engine.dispose()
    if seeded is None:
        url = database(server_url(), scale, fresh=True)
        seed(url, scale)
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale", default="1", help="the demo's scale (default 1), or `million`: ≈1M observations"
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--time", default="60s")
    parser.add_argument("--port", type=int, default=8193)
    parser.add_argument("--redis-port", type=int, default=6393)
    args = parser.parse_args()
    if not shutil.which("redis-server"):
        sys.exit("the load test needs redis-server (Debian: apt-get install redis-server)")
    if args.scale == "million":
        args.scale = large_scale(server_url())
    args.scale = int(args.scale)
    url = prepared_database(args.scale)
    emails = readers(url, args.users)
    folder = Path(tempfile.mkdtemp(prefix="tracker-load-"))
    base = f"http://127.0.0.1:{args.port}"
    redis = gunicorn = None
    try:
        redis = start_redis(args.redis_port)
        gunicorn = start_gunicorn(url, args.port, args.redis_port, folder)
        callbacks = capture_callbacks(base, emails[0])
        counts = ", ".join(f"{path} {len(bodies)}" for path, bodies in callbacks.items())
        print(f"callbacks captured from Chromium per page: {counts}")
        (folder / "callbacks.json").write_text(json.dumps(callbacks))
        (folder / "accounts.json").write_text(json.dumps(emails))
        env = {
            "BENCH_CALLBACKS": str(folder / "callbacks.json"),
            "BENCH_ACCOUNTS": str(folder / "accounts.json"),
            "BENCH_PASSWORD": PASSWORD,
        }
        before = Path("/proc/loadavg").read_text().strip()
        memory = PeakMemory(gunicorn.pid)
        memory.start()
        stats = run_locust(base, folder, args.users, args.spawn_rate, args.time, env)
        memory.done.set()
        during = Path("/proc/loadavg").read_text().strip()
        report(summary(stats), memory.peak, worker_rss(gunicorn.pid), before, during, args)
        print(f"(locust's tables and gunicorn's log: {folder})")
    finally:
        stop(gunicorn)
        stop(redis)


def report(found: dict, peak: dict, now: dict, before: str, during: str, args) -> None:
    print(
        f"\nload: {args.users} users (spawn {args.spawn_rate}/s) for {args.time}, gunicorn 4 "
        f"workers, PostgreSQL, Redis, demo scale {args.scale}"
    )
    print(f"{'request':<58} {'count':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6}")
    for row in found["rows"]:
        print(
            f"{row['Name'][:58]:<58} {row['Request Count']:>6} {row['Failure Count']:>5} "
            f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
        )
    print(
        f"requests/s {found['rps']:.1f}; p50 {found['p50']:.0f} ms, p95 {found['p95']:.0f} ms, "
        f"p99 {found['p99']:.0f} ms; {found['failures']} errors of {found['requests']} requests"
    )
    peaks = ", ".join(f"{pid}: {mb:.0f} MB" for pid, mb in sorted(peak.items()))
    print(f"workers' peak RSS during the run: {peaks or 'not sampled'}")
    print(f"workers' RSS after: {', '.join(f'{mb:.0f} MB' for mb in now.values())}")
    print(f"load before: {before}; at the end: {during}")
    highest = max(peak.values(), default=0)
    checks = (
        (f"p95 < {AIM_P95_MS} ms", found["p95"] < AIM_P95_MS),
        ("no error", found["failures"] == 0 and found["requests"] > 0),
        (f"every worker < {AIM_RSS_MB} MB", 0 < highest < AIM_RSS_MB),
    )
    for label, met in checks:
        print(f"{label}: {'MEETS' if met else 'MISSES'}")


if __name__ == "__main__":
    main()
