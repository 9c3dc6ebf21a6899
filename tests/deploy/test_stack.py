"""The production layout of deploy/: gunicorn with deploy/gunicorn.conf.py restarts gracefully (an
upload sent slowly across a `kill -HUP` is answered, kept and recorded; new workers then answer),
its logs are JSON lines, and deploy/stack starts, reports and stops the whole stack."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
from urllib3 import encode_multipart_formdata

from data.db import Store
from data.models import Upload
from etl.template import template_bytes
from tests.conftest import PASSWORD, ROLE_USERS, _free_port
from tests.etl.hostile_files import filled

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
STACK = ROOT / "deploy" / "stack"
CLERK = ROLE_USERS["entity"][0]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {seconds} s")


def _children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (gunicorn's workers, for its master)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _status(base: str, path: str) -> int:
    try:
        headers = {"Connection": "close"}  # a new connection each time: any worker may answer
        return requests.get(base + path, headers=headers, timeout=10).status_code
    except requests.RequestException:
        return 0


class Gunicorn:
    """gunicorn started from the repository's root with deploy/gunicorn.conf.py, as systemd does."""

    def __init__(self, tmp_path: Path, database_url: str, workers: int = 2) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.access = tmp_path / "access.log"  # gunicorn's standard output
        self.errors = tmp_path / "error.log"  # gunicorn's and the app's log (standard error)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "APP_ENV": "test",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "k" * 48,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "UPLOAD_DIR": str(tmp_path / "uploads"),
        }
        command = [str(GUNICORN), "-c", str(CONFIG), "-w", str(workers)]
        command += ["-b", f"127.0.0.1:{self.port}", "app:server"]
        with self.access.open("w") as out, self.errors.open("w") as err:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)

    def wait_ready(self, seconds: float = 180) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn stopped:\n{self.errors.read_text()[-3000:]}")
            return _status(self.base, "/readyz") == 200

        _wait_for(ready, seconds, "gunicorn's /readyz")

    def workers(self) -> set[int]:
        return _children(self.process.pid)

    def two_workers(self) -> set[int] | None:
        workers = self.workers()
        return workers if len(workers) == 2 else None

    def access_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.access.read_text().splitlines() if line]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def gunicorn(app_db_url, tmp_path):
    if not GUNICORN.exists():
        pytest.skip("needs gunicorn in .venv (pip install -r requirements.txt)")
    server = Gunicorn(tmp_path, app_db_url)
    yield server
    server.stop()


def _signed_in_clerk(base: str) -> requests.Session:
    clerk = requests.Session()
    page = clerk.get(f"{base}/login", timeout=30)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)[1]
    data = {"email": CLERK, "password": PASSWORD, "csrf_token": token}
    assert clerk.post(f"{base}/login", data=data, timeout=30).status_code == 200
    assert clerk.get(f"{base}/submissions", timeout=30).status_code == 200
    assert clerk.cookies.get("_csrf_token"), "no CSRF cookie for the page's upload script"
    return clerk


def _good_workbook(database_url: str) -> bytes:
    store = Store(database_url)
    with store.session() as db:
        template = template_bytes(db, "MOH", "2025-Q3")
    store.engine.dispose()
    return filled(template)  # T1.5 = 40: a file that passes its check


class SlowUpload:
    """The upload the submissions page's script sends, written to the socket a piece at a time."""

    def __init__(self, base_port: int, clerk: requests.Session, workbook: bytes) -> None:
        fields = {
            "entity": "MOH",
            "period": "2025-Q3",
            "file": ("moh-2025-Q3.xlsx", workbook, XLSX),
        }
        self.body, content_type = encode_multipart_formdata(fields)
        self.connection = http.client.HTTPConnection("127.0.0.1", base_port, timeout=90)
        self.connection.putrequest("POST", "/submissions/check")
        cookies = "; ".join(f"{c.name}={c.value}" for c in clerk.cookies)
        for name, value in (
            ("Content-Type", content_type),
            ("Content-Length", str(len(self.body))),
            ("Cookie", cookies),
            ("X-CSRFToken", clerk.cookies.get("_csrf_token")),
            # the session is bound to the browser's address and user agent (session_protection)
            ("User-Agent", clerk.headers["User-Agent"]),
        ):
            self.connection.putheader(name, value)
        self.connection.endheaders()
        self.sent = 0

    def send(self, share: float, pieces: int = 1, pause: float = 0.0) -> None:
        """Send `share` of the body (or what is left), in `pieces` with `pause` s between them."""
        end = len(self.body) if share >= 1 else self.sent + int(len(self.body) * share)
        step = max(1, -(-(end - self.sent) // pieces))
        while self.sent < end:
            piece = self.body[self.sent : min(end, self.sent + step)]
            self.connection.send(piece)
            self.sent += len(piece)
            time.sleep(pause)

    def answer(self) -> tuple[int, dict]:
        response = self.connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")


def test_an_upload_in_flight_survives_a_graceful_restart(gunicorn, app_db_url, tmp_path):
    gunicorn.wait_ready()
    clerk = _signed_in_clerk(gunicorn.base)
    workbook = _good_workbook(app_db_url)
    old_workers = _wait_for(gunicorn.two_workers, 30, "two workers")

    upload = SlowUpload(gunicorn.port, clerk, workbook)
    upload.send(0.25, pieces=3, pause=0.3)  # a worker has the request and is reading its body
    gunicorn.process.send_signal(signal.SIGHUP)

    def old_workers_left() -> tuple[set[int]] | None:
        left = gunicorn.workers() & old_workers
        return (left,) if len(left) < 2 else None

    # both old workers were told to stop: the idle one is gone, the one reading the upload stays
    (left,) = _wait_for(old_workers_left, 20, "an old worker to stop")
    assert len(left) == 1, "the old worker reading the upload stopped in the middle of it"
    (reading,) = left
    upload.send(1, pieces=5, pause=0.3)
    status, body = upload.answer()

    assert status == 200, body
    store = Store(app_db_url)
    with store.session() as db:
        row = db.get(Upload, body["upload_id"])
        assert row.outcome == "checked", row.report
        assert row.file_name == "moh-2025-Q3.xlsx"
        kept = (tmp_path / "uploads" / row.stored_name).read_bytes()
    store.engine.dispose()
    assert kept == workbook  # kept byte for byte
    _wait_for(lambda: reading not in gunicorn.workers(), 30, "the old worker to finish and exit")

    new_workers = _wait_for(gunicorn.two_workers, 30, "two new workers")
    assert not new_workers & old_workers
    _wait_for(lambda: _status(gunicorn.base, "/readyz") == 200, 120, "/readyz from new workers")

    def answered_by_new_workers() -> list[dict]:  # written just after the answer was sent
        lines = gunicorn.access_lines()
        return [line for line in lines if line["pid"] in new_workers] and lines

    # JSON lines: the access log as deploy/ configures it
    lines = _wait_for(answered_by_new_workers, 10, "an access line from a new worker")
    posted = [line for line in lines if line["path"] == "/submissions/check"]
    assert [(line["status"], line["pid"]) for line in posted] == [(200, reading)]
    assert posted[0]["method"] == "POST" and posted[0]["request_id"]
    from_new = [(line["path"], line["status"]) for line in lines if line["pid"] in new_workers]
    assert from_new[-1] == ("/readyz", 200)
    errors = [json.loads(line) for line in gunicorn.errors.read_text().splitlines() if line]
    assert any(line["message"].startswith("Hang up") for line in errors)
    assert gunicorn.process.poll() is None  # the same master throughout


def test_gunicorn_logs_are_json_lines_without_secrets(gunicorn):
    gunicorn.wait_ready()
    requests.get(f"{gunicorn.base}/invite/a-one-time-token-123", timeout=30)
    requests.get(f"{gunicorn.base}/login?next=/invite/another-token-456", timeout=30)
    gunicorn.stop()
    access = gunicorn.access_lines()
    assert {line["logger"] for line in access} == {"gunicorn.access"}
    assert {"time", "method", "path", "status", "duration_ms", "request_id", "pid"} <= set(
        access[-1]
    )
    assert [line["path"] for line in access[-2:]] == ["/invite/[token]", "/login"]
    assert access[-1]["query"] == "next=/invite/[token]"
    text = gunicorn.access.read_text() + gunicorn.errors.read_text()
    assert "a-one-time-token-123" not in text and "another-token-456" not in text
    errors = [json.loads(line) for line in gunicorn.errors.read_text().splitlines() if line]
    assert {"time", "level", "logger", "message"} <= set(errors[0])


def test_stack_script_is_valid_bash():
    subprocess.run(["bash", "-n", str(STACK)], check=True)


def _has_initdb() -> bool:
    """Where deploy/stack (like .ci/start-postgres) looks: PATH, then Debian's versioned folders."""
    return bool(shutil.which("initdb") or list(Path("/usr/lib/postgresql").glob("*/bin/initdb")))


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_stack_starts_reports_and_stops_the_whole_stack(tmp_path):
    """deploy/stack end to end: PostgreSQL in a folder, Redis, migrations, gunicorn, /readyz."""
    if not (_has_initdb() and shutil.which("redis-server") and GUNICORN.exists()):
        pytest.skip("deploy/stack needs initdb (postgresql), redis-server and .venv's gunicorn")
    ports = {"PORT": _free_port(), "PG_PORT": _free_port(), "REDIS_PORT": _free_port()}
    stack_dir = Path("/tmp") / f"tracker-stack-test-{os.getpid()}"  # postgres must reach it
    env = {**os.environ, **{k: str(v) for k, v in ports.items()}}
    env |= {"STACK_DIR": str(stack_dir), "WORKERS": "2"}

    def stack(*args: str, timeout: float = 300, given: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(STACK), *args], env=env, input=given, capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip

    try:
        stopped = stack("status")
        assert stopped.returncode == 3 and "gunicorn: stopped" in stopped.stdout
        started = stack("start")
        assert started.returncode == 0, started.stdout + started.stderr
        base = f"http://127.0.0.1:{ports['PORT']}"
        assert f"The tracker: {base}/" in started.stdout
        status = stack("status")
        assert status.returncode == 0, status.stdout
        assert "/readyz: 200" in status.stdout
        assert "jobs worker: running" in status.stdout  # the background jobs
        ready = requests.get(f"{base}/readyz", timeout=30).json()
        assert [name for name, check in ready["checks"].items() if check["ok"]] == [
            "database",
            "redis",
        ]
        secrets = [(stack_dir / name).read_text().strip() for name in ("pg-password",)]
        assert all(secret not in json.dumps(ready) for secret in secrets)
        # the README's first account, with the stack's settings (production: no demo accounts)
        made = stack(
            *["run", "python", "-m", "data", "create-user"],
            *["--email", "head@example.om", "--role", "admin"],
            given="a-long-pass-phrase-for-the-head\n",
        )
        assert made.returncode == 0, made.stdout + made.stderr
        assert "created admin head@example.om" in made.stdout
        assert requests.get(f"{base}/", allow_redirects=False, timeout=30).status_code == 302
    finally:
        done = stack("stop", timeout=120)
        shutil.rmtree(stack_dir, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    assert all(_port_free(port) for port in ports.values())
