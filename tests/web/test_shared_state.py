"""Two app processes on one Redis (REDIS_URL) and one database, as two machines behind a load
balancer would be: failed sign-ins count together, a figure one computes the other reads from the
shared cache, and approving a submission on one changes what the other shows at once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from data.db import Store
from data.models import Entity, Period, Submission
from data.tokens import create_token
from etl.load import Row, load_submission
from tests.conftest import PASSWORD, ROLE_USERS, _fresh_database, csrf_from

ROOT = Path(__file__).resolve().parents[2]
REDIS_SKIP = "the shared state test needs TEST_REDIS_URL (bash .ci/start-redis; .ci/run does)"
SECRET = "shared-state-test-secret-" * 2
LIMIT = 3  # failed sign-ins per address and minute (LOGIN_ATTEMPTS), whichever process counts
# MOH's revision of T1.1 for 2025-Q4, awaiting review: approving it changes the national figure
PENDING = Row("T1.1", "2025-Q4", 50.0, 1.0, 2.0)
# a process serving the app: werkzeug's threaded server, as a separate Python process
SERVE = """
import sys
from werkzeug.serving import make_server
from app import create_app
make_server("127.0.0.1", int(sys.argv[1]), create_app().server, threaded=True).serve_forever()
"""


@dataclass
class Pair:
    """Two processes A and B of the app, their database and their Redis."""

    a: str
    b: str
    db_url: str
    redis: object
    committee_token: str
    pending_id: int

    def programme(self, base: str, period: str = "2025-Q4") -> dict:
        answer = requests.get(
            f"{base}/api/v1/programme?period={period}",
            headers={"Authorization": f"Bearer {self.committee_token}"},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text[:500]
        return answer.json()

    def counts(self) -> dict[str, int]:
        """Results made by a process and read by another (data/cache.py's `:stats` hash; one
        per code fingerprint, and both processes run the same code)."""
        counted = {}
        for stats in self.redis.keys("tracker:results:*:stats"):
            counted.update(self.redis.hgetall(stats))
        return {"made": 0, "read": 0, **{k.decode(): int(v) for k, v in counted.items()}}

    def shared_programmes(self, name: str = "programme") -> list[bytes]:
        """The entries of `name` in Redis (not their version's index or a maker's lock)."""
        keys = self.redis.keys(f"tracker:results:*:{name}:*")
        return [k for k in keys if not k.endswith((b":entries", b":versions", b":making"))]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(base: str) -> bool:
    try:
        return requests.get(f"{base}/login", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def _start(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(port)],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    return process, f"http://127.0.0.1:{port}"


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _prepare(db_url: str) -> tuple[str, int]:
    """A submission awaiting review (MOH's T1.1 for 2025-Q4) and the committee's API token."""
    store = Store(db_url)
    with store.transaction() as db:
        moh = db.scalar(select(Entity).where(Entity.code == "MOH"))
        period = db.scalar(select(Period).where(Period.code == PENDING.period))
        pending = load_submission(db, moh, period, [PENDING], uploader=None)
        token = create_token(db, ROLE_USERS["committee"][0])
        pending_id = pending.id
    store.engine.dispose()
    return token, pending_id


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def pair(request, tmp_path_factory) -> Iterator[Pair]:
    import redis

    base = os.environ.get("TEST_REDIS_URL")
    if not base:
        pytest.skip(REDIS_SKIP)
    redis_url = base.rstrip("/") + "/14"  # this test's own database, emptied first
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    databases = _fresh_database(request, "demo")
    db_url = next(databases)
    token, pending_id = _prepare(db_url)
    folder = tmp_path_factory.mktemp("shared-state")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "APP_ENV": "test",
        "DATABASE_URL": db_url,
        "SECRET_KEY": SECRET,
        "INSTANCE_PATH": str(folder / "instance"),
        "UPLOAD_DIR": str(folder / "uploads"),
        "REDIS_URL": redis_url,
        "LOGIN_ATTEMPTS": f"{LIMIT} per minute",
        "TRUSTED_PROXIES": "1",  # the rate-limit test signs in from an address of its own
    }
    started = [_start(env, folder / f"{name}.log") for name in ("a", "b")]
    try:
        deadline = time.monotonic() + 120
        while not all(_answers(url) for _, url in started):
            if time.monotonic() > deadline or any(p.poll() is not None for p, _ in started):
                logs = "\n".join((folder / f"{n}.log").read_text() for n in ("a", "b"))
                raise AssertionError(f"the two processes did not come up\n{logs}")
            time.sleep(0.2)
        yield Pair(started[0][1], started[1][1], db_url, client, token, pending_id)
    finally:
        for process, _ in started:
            _stop(process)
        client.flushdb()
        client.close()
        next(databases, None)  # drops the database


def test_failed_sign_ins_on_either_process_count_together(pair):
    """LOGIN_ATTEMPTS is 3 a minute: the fourth wrong password is refused whichever process
    gets it, and so is then the right one from that address, on both."""
    address = "203.0.113.77"

    def attempt(base: str, password: str) -> int:
        browser = requests.Session()
        browser.headers["X-Forwarded-For"] = address
        token = csrf_from(browser.get(f"{base}/login", timeout=10).text)
        form = {"email": ROLE_USERS["entity"][0], "password": password, "csrf_token": token}
        sent = browser.post(f"{base}/login", data=form, allow_redirects=False, timeout=30)
        return sent.status_code

    spread = [pair.a, pair.b, pair.a, pair.b, pair.a]
    codes = [attempt(base, f"wrong-guess-{n}") for n, base in enumerate(spread)]
    assert codes == [401] * LIMIT + [429] * (len(spread) - LIMIT)
    assert attempt(pair.a, PASSWORD) == 429 and attempt(pair.b, PASSWORD) == 429
    # another address is not held back by this one's failures
    assert _sign_in(pair.b, ROLE_USERS["entity"][0]).get(f"{pair.b}/", timeout=30).ok


def test_a_figure_one_process_computed_is_read_by_the_other_from_redis(pair):
    before = pair.counts()
    first = pair.programme(pair.a, "2025-Q2")  # a quarter no other test asks for
    made = pair.counts()
    assert made["made"] > before["made"] and made["read"] == before["read"]
    assert pair.shared_programmes(), "A stored nothing in Redis"
    second = pair.programme(pair.b, "2025-Q2")
    after = pair.counts()
    assert after["made"] == made["made"], "B computed the figures again"
    assert after["read"] > made["read"]
    assert second == first


def test_scores_and_changes_one_process_computed_are_read_by_the_other(pair):
    """Every entity's score and the like-for-like changes are made from every entity's
    figures: the process that makes them stores them in Redis, and the other reads them."""
    before = pair.counts()
    first = pair.programme(pair.a, "2025-Q1")  # a quarter no other test asks for
    made = pair.counts()
    assert len(pair.shared_programmes("programme_part")) >= 2, "no score or change in Redis"
    assert made["made"] - before["made"] >= 3  # the programme, its scores, its changes
    second = pair.programme(pair.b, "2025-Q1")
    after = pair.counts()
    assert after["made"] == made["made"], "B computed scores or changes again"
    assert after["read"] - made["read"] >= 3
    assert second == first and [e["rank"] for e in second["entities"] if e["rank"]]


def test_approving_on_one_process_changes_what_the_other_shows_at_once(pair):
    national = {k["code"]: k for k in pair.programme(pair.b)["kpis"]}
    pair.programme(pair.a)  # both have drawn the figures before the approval
    supervisor = _sign_in(pair.a, ROLE_USERS["supervisor"][0])
    supervisor.get(f"{pair.a}/review", timeout=30)  # Dash's page gives the CSRF cookie
    decided = supervisor.post(
        f"{pair.a}/_dash-update-component",
        json=_approve(pair.pending_id),
        headers={"X-CSRFToken": supervisor.cookies.get("_csrf_token")},
        timeout=60,
    )
    assert decided.status_code == 200, decided.text[:500]
    store = Store(pair.db_url)
    with store.session() as db:
        assert db.get(Submission, pair.pending_id).status == "approved"
    store.engine.dispose()
    now = {k["code"]: k for k in pair.programme(pair.b)["kpis"]}
    assert now["T1.1"]["value"] != national["T1.1"]["value"]
    assert now["T1.1"]["coverage"] == national["T1.1"]["coverage"]  # MOH revised, not added
    assert pair.programme(pair.a) == pair.programme(pair.b)


def _sign_in(base: str, email: str) -> requests.Session:
    browser = requests.Session()
    token = csrf_from(browser.get(f"{base}/login", timeout=10).text)
    form = {"email": email, "password": PASSWORD, "csrf_token": token}
    answer = browser.post(f"{base}/login", data=form, allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text[:300]
    return browser


def _approve(submission_id: int) -> dict:
    """What the review page's Approve button sends."""
    return {
        "output": "review-result.children",
        "outputs": {"id": "review-result", "property": "children"},
        "inputs": [
            {"id": "review-approve", "property": "n_clicks", "value": 1},
            {"id": "review-return", "property": "n_clicks", "value": None},
        ],
        "state": [
            {"id": "review-submission", "property": "data", "value": submission_id},
            {"id": "review-reason", "property": "value", "value": ""},
        ],
        "changedPropIds": ["review-approve.n_clicks"],
    }
