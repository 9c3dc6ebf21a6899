"""Failed sign-ins slow the attacker, not the owner: limits per address and per account and
address, a back-off per account that the owner's right password from another address gets past,
and limits shared by every gunicorn worker through Redis."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from app import create_app
from data.models import AuditEvent
from settings import ConfigError, Settings
from tests.conftest import PASSWORD, ROLE_USERS, _fresh_database, csrf_from

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
OWNER = ROLE_USERS["entity"][0]
REDIS_SKIP = "the shared-limit test needs redis-server (apt-get install redis-server; .ci/run does)"


@pytest.fixture(params=["sqlite", "postgresql"])
def app_db_url(request):
    yield from _fresh_database(request, "users")


class Browser:
    """A test client signing in from one address."""

    def __init__(self, app, address: str) -> None:
        self.client = app.server.test_client()
        self.address = address
        self.token = csrf_from(self.client.get("/login").text)

    def sign_in(self, password: str, email: str = OWNER) -> int:
        data = {"email": email, "password": password, "csrf_token": self.token}
        environ = {"REMOTE_ADDR": self.address}
        return self.client.post("/login", data=data, environ_base=environ).status_code


def test_an_attacker_does_not_lock_the_owner_out(app):
    attacker = Browser(app, "203.0.113.66")
    assert [attacker.sign_in("guess-number-one") for _ in range(6)] == [401] * 5 + [429]
    assert attacker.sign_in(PASSWORD) == 429  # not even the right password from there
    owner = Browser(app, "192.0.2.10")
    assert owner.sign_in(PASSWORD) == 302


def test_right_passwords_do_not_use_up_the_limits(app):
    for _ in range(8):  # eight browsers of the office, one address
        assert Browser(app, "192.0.2.20").sign_in(PASSWORD) == 302


@pytest.fixture
def strict_app(settings):
    """Limits small enough to reach: 3 per minute per address, 4 per 15 minutes per account."""
    strict = create_app(
        Settings(
            database_url=settings.database_url,
            app_env="test",
            instance_path=settings.instance_path,
            login_attempts="3 per minute",
            account_login_attempts="4 per 15 minutes",
        )
    )
    yield strict
    strict.server.extensions["store"].engine.dispose()


def test_an_account_under_attack_gets_one_try_per_address(strict_app):
    botnet = [Browser(strict_app, f"198.51.100.{n}") for n in range(1, 3)]
    assert [bot.sign_in("wrong-password-1") for bot in botnet for _ in range(2)] == [401] * 4
    # the account is now past its limit: addresses that failed on it wait ...
    assert botnet[0].sign_in("wrong-password-2") == 429
    # ... a new address gets one try, not three ...
    newcomer = Browser(strict_app, "198.51.100.50")
    assert [newcomer.sign_in("wrong-password-3") for _ in range(2)] == [401, 429]
    # ... and the owner, from an address that has not failed, gets past the back-off
    assert Browser(strict_app, "192.0.2.10").sign_in(PASSWORD) == 302
    # other accounts are not slowed by it
    other = ROLE_USERS["committee"][0]
    assert Browser(strict_app, "192.0.2.11").sign_in(PASSWORD, email=other) == 302


def test_one_address_is_limited_across_accounts(strict_app):
    scanner = Browser(strict_app, "203.0.113.7")
    codes = [scanner.sign_in("wrong-password", email=f"guess{n}@x.om") for n in range(4)]
    assert codes == [401, 401, 401, 429]


def test_failed_sign_ins_are_audited_without_the_password(app):
    browser = Browser(app, "203.0.113.9")
    assert browser.sign_in("secret-guess-123", email="Nobody@Example.om") == 401
    assert browser.sign_in("secret-guess-456") == 401
    assert browser.sign_in(PASSWORD) == 302
    with app.server.extensions["store"].session() as db:
        events = db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.in_(["auth.sign_in_failed", "auth.sign_in"]))
            .order_by(AuditEvent.id)
        ).all()
    unknown, known, success = events
    assert unknown.user_id is None and unknown.actor == "nobody@example.om"
    assert unknown.after == {
        "email": "nobody@example.om",
        "address": "203.0.113.9",
        "known_account": False,
    }
    assert known.actor == OWNER and known.user_id is None and known.after["known_account"]
    assert success.action == "auth.sign_in" and success.user_id is not None
    assert success.after == {"address": "203.0.113.9"}
    for event in events:
        text = repr((event.before, event.after, event.reason, event.actor))
        assert "secret-guess" not in text and PASSWORD not in text


def test_production_refuses_per_worker_limits_with_several_workers():
    base = {"APP_ENV": "production", "SECRET_KEY": "s" * 48}
    for workers in ({}, {"WEB_CONCURRENCY": "4"}):
        with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
            Settings.from_env({**base, **workers}).check()
    Settings.from_env({**base, "WEB_CONCURRENCY": "1"}).check()
    # shared limits alone are not enough: the computed figures are shared too (tests/test_settings)
    with pytest.raises(ConfigError, match="REDIS_URL"):
        Settings.from_env({**base, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"}).check()
    Settings.from_env({**base, "REDIS_URL": "redis://127.0.0.1:6379/0"}).check()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not come up within {seconds} s")


@pytest.fixture
def redis_url():
    """A Redis of this test's own on loopback, keeping nothing on disk; without redis-server, the
    throw-away one named by TEST_REDIS_URL (.ci/start-redis), whose database 15 it empties."""
    import redis

    server = shutil.which("redis-server")
    if server is None:
        shared = os.environ.get("TEST_REDIS_URL")
        if not shared:
            pytest.skip(REDIS_SKIP)
        url = shared.rstrip("/") + "/15"
        redis.Redis.from_url(url).flushdb()
        yield url
        return
    port = _free_port()
    process = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)

    def answers() -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    try:
        _wait_for(answers, 10, "redis-server")
        yield f"redis://127.0.0.1:{port}"
    finally:
        client.close()
        process.terminate()
        process.wait(10)


def _gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [
        str(GUNICORN),
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--access-logfile",
        str(log),
        "--access-logformat",
        "%(p)s %(m)s %(U)s %(s)s",
        "app:server",
    ]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _server_env(db_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": db_url,
        "SECRET_KEY": "k" * 48,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        **extra,
    }


def _stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output or ""


@pytest.mark.skipif(not GUNICORN.exists(), reason="needs gunicorn in .venv")
def test_four_gunicorn_workers_share_the_limit_through_redis(app_db_url, redis_url, tmp_path):
    port = _free_port()
    log = tmp_path / "access.log"
    env = _server_env(
        app_db_url,
        tmp_path,
        APP_ENV="test",
        RATELIMIT_STORAGE_URI=redis_url,
        LOGIN_ATTEMPTS="5 per minute",
    )
    server = _gunicorn(env, port, 4, log)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _answers(base), 120, "gunicorn")
        browser = requests.Session()
        token = csrf_from(browser.get(f"{base}/login", timeout=10).text)
        cookies = browser.cookies.get_dict()

        def attempt(password: str) -> int:
            data = {"email": OWNER, "password": password, "csrf_token": token}
            return requests.post(
                f"{base}/login",
                data=data,
                cookies=cookies,
                headers={"Connection": "close"},  # a new connection each: any worker answers
                allow_redirects=False,
                timeout=30,
            ).status_code

        with ThreadPoolExecutor(max_workers=4) as pool:
            codes = list(pool.map(attempt, [f"wrong-password-{n}" for n in range(16)]))
        assert sorted(codes) == [401] * 5 + [429] * 11
        assert attempt(PASSWORD) == 429  # this address stays locked out of the account
    finally:
        output = _stop(server)
    answered_by = {line.split()[0] for line in log.read_text().splitlines() if " POST " in line}
    assert len(answered_by) >= 2, f"the attempts did not spread over the workers\n{output}"


def _answers(base: str) -> bool:
    try:
        return requests.get(f"{base}/login", timeout=10).status_code == 200
    except requests.RequestException:
        return False


@pytest.mark.skipif(not GUNICORN.exists(), reason="needs gunicorn in .venv")
def test_production_gunicorn_with_several_workers_refuses_memory_limits(app_db_url, tmp_path):
    if not app_db_url.startswith("sqlite"):
        pytest.skip("the refusal happens before the store is used: SQLite shows it")
    env = _server_env(app_db_url, tmp_path, APP_ENV="production", WEB_CONCURRENCY="1")
    server = _gunicorn(env, _free_port(), 2, tmp_path / "access.log")
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(60)
    output = _stop(server) if server.returncode is None else server.communicate()[0]
    assert server.returncode not in (None, 0)
    assert "memory:// is each worker's own" in output


def test_behind_a_trusted_proxy_the_client_address_counts(settings):
    proxied = create_app(
        Settings(
            database_url=settings.database_url,
            app_env="test",
            instance_path=settings.instance_path,
            login_attempts="2 per minute",
            trusted_proxies=1,
        )
    )
    try:
        client = proxied.server.test_client()
        token = csrf_from(client.get("/login").text)

        def attempt(password: str, client_address: str) -> int:
            data = {"email": OWNER, "password": password, "csrf_token": token}
            headers = {"X-Forwarded-For": client_address}
            return client.post("/login", data=data, headers=headers).status_code

        assert [attempt("wrong-password", "203.0.113.5") for _ in range(3)] == [401, 401, 429]
        assert attempt(PASSWORD, "192.0.2.44") == 302  # another client behind the same proxy
    finally:
        proxied.server.extensions["store"].engine.dispose()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LOGIN_ATTEMPTS": "lots"}, "LOGIN_ATTEMPTS must read like"),
        ({"ACCOUNT_LOGIN_ATTEMPTS": "5 a day"}, "ACCOUNT_LOGIN_ATTEMPTS must read like"),
        ({"WEB_CONCURRENCY": "four"}, "WEB_CONCURRENCY must be a whole number"),
        ({"TRUSTED_PROXIES": "-1"}, "TRUSTED_PROXIES must be a whole number"),
    ],
)
def test_bad_limit_settings_are_refused_with_a_reason(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env).check()
