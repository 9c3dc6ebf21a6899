"""Configuration from the environment, refusing unsafe defaults in production."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DEFAULT_INSTANCE = ROOT / "instance"
DEV_SECRET = "dev-only-secret-change-me"  # noqa: S105 - the known default that production refuses
ENVIRONMENTS = ("development", "test", "production")


class ConfigError(RuntimeError):
    """The environment asks for something the app must not run with."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str = DEV_SECRET
    app_env: str = "development"
    port: int = 8050
    instance_path: Path = DEFAULT_INSTANCE
    upload_dir: Path = field(default=DEFAULT_INSTANCE / "uploads")
    # published editions' files (PDF, Excel, open data), kept byte for byte, never overwritten
    release_dir: Path = field(default=DEFAULT_INSTANCE / "releases")
    # anonymous visitors get /open-data and /api/v1/public/observations (published figures only)
    open_data_public: bool = False
    # where sign-in and upload limits are counted; None: REDIS_URL when set, else memory://
    ratelimit_storage_uri: str | None = None
    login_attempts: str = "5 per minute"
    # files one user may send to be checked: a clerk correcting a file needs a few a minute; a
    # flood would hold the reader's workers and fill the history for everyone
    upload_attempts: str = "30 per 10 minutes"
    log_file: str | None = None  # JSON-lines log; None: standard error (gunicorn keeps it)
    account_login_attempts: str = "10 per 15 minutes"
    session_idle_minutes: float = 30
    session_max_hours: float = 12
    # worker processes serving the app (gunicorn's WEB_CONCURRENCY); None when not said
    workers: int | None = None
    # reverse proxies in front of the app whose X-Forwarded-For names the client's address
    trusted_proxies: int = 0
    # outgoing mail (invitations, reminders): smtp://user:password@host:port, smtps://… for TLS
    # from the start, smtp+starttls://…; None: no mail is sent (invitations print a one-time code)
    smtp_url: str | None = None
    mail_from: str = "tracker@localhost"
    # the tracker's address as its users reach it, for links in e-mails and the open data
    # catalogue, e.g. https://tracker.example.om; None: the development server's
    public_url: str | None = None
    # Redis shared by every worker and machine: the rate limits (unless RATELIMIT_STORAGE_URI says
    # otherwise) and the computed figures (data/cache.py); None: each process keeps its own
    redis_url: str | None = None
    # machines serving the app behind a load balancer; above 1, production needs REDIS_URL
    machines: int = 1

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        instance = Path(env.get("INSTANCE_PATH", DEFAULT_INSTANCE))
        return cls(
            database_url=env.get("DATABASE_URL") or f"sqlite:///{instance / 'tracker.db'}",
            secret_key=env.get("SECRET_KEY", DEV_SECRET),
            app_env=env.get("APP_ENV", "development"),
            port=int(env.get("PORT", "8050")),
            instance_path=instance,
            upload_dir=Path(env.get("UPLOAD_DIR", instance / "uploads")),
            release_dir=Path(env.get("RELEASE_DIR", instance / "releases")),
            open_data_public=_switch(env, "OPEN_DATA_PUBLIC"),
            ratelimit_storage_uri=env.get("RATELIMIT_STORAGE_URI") or None,
            login_attempts=env.get("LOGIN_ATTEMPTS", "5 per minute"),
            upload_attempts=env.get("UPLOAD_ATTEMPTS", "30 per 10 minutes"),
            log_file=env.get("LOG_FILE") or None,
            account_login_attempts=env.get("ACCOUNT_LOGIN_ATTEMPTS", "10 per 15 minutes"),
            session_idle_minutes=_positive(env, "SESSION_IDLE_MINUTES", 30),
            session_max_hours=_positive(env, "SESSION_MAX_HOURS", 12),
            workers=_count(env, "WEB_CONCURRENCY"),
            trusted_proxies=_count(env, "TRUSTED_PROXIES") or 0,
            smtp_url=env.get("SMTP_URL") or None,
            mail_from=env.get("MAIL_FROM") or "tracker@localhost",
            public_url=(env.get("PUBLIC_URL") or "").rstrip("/") or None,
            redis_url=env.get("REDIS_URL", "").strip() or None,
            machines=_count(env, "MACHINES") or 1,
        )

    @property
    def site_url(self) -> str:
        """The address links are made from: PUBLIC_URL, else the development server's."""
        return self.public_url or f"http://127.0.0.1:{self.port}"

    @property
    def limits_storage(self) -> str:
        """Where the rate limits are counted: RATELIMIT_STORAGE_URI, else REDIS_URL, else each
        process's memory."""
        return self.ratelimit_storage_uri or self.redis_url or "memory://"

    @property
    def several_processes(self) -> bool:
        """Whether more than one process may serve the app: several workers (WEB_CONCURRENCY
        unset counts as several: gunicorn's own configuration may start them) or machines."""
        return self.workers != 1 or self.machines > 1

    @property
    def production(self) -> bool:
        return self.app_env == "production"

    def check(self) -> None:
        """Refuse settings that must never reach production."""
        if self.app_env not in ENVIRONMENTS:
            raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}")
        if self.production and (self.secret_key == DEV_SECRET or len(self.secret_key) < 32):
            raise ConfigError(
                "APP_ENV=production needs SECRET_KEY set to a random value of 32 characters "
                'or more, e.g. python -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        for name, limit in (
            ("LOGIN_ATTEMPTS", self.login_attempts),
            ("ACCOUNT_LOGIN_ATTEMPTS", self.account_login_attempts),
            ("UPLOAD_ATTEMPTS", self.upload_attempts),
        ):
            _check_limit(name, limit)
        if self.production and not self.public_url and (self.smtp_url or self.open_data_public):
            raise ConfigError(
                "APP_ENV=production sends links (e-mails, the open data catalogue): set "
                "PUBLIC_URL to the tracker's address as users reach it, e.g. "
                "https://tracker.example.om"
            )
        _check_redis_url(self.redis_url)
        self._check_shared_state()

    def _check_shared_state(self) -> None:
        """Production on several processes keeps limits and computed figures in one place."""
        if not (self.production and self.several_processes):
            return
        if self.limits_storage.startswith("memory://"):
            raise ConfigError(
                "APP_ENV=production keeps sign-in limits in RATELIMIT_STORAGE_URI, shared by every "
                "worker: memory:// is each worker's own, so the limits would be as many times "
                "looser as there are workers. Set REDIS_URL=redis://host:6379/0 (limits and "
                "computed figures shared by every worker and machine) and leave "
                "RATELIMIT_STORAGE_URI unset or pointing at Redis, or WEB_CONCURRENCY=1 when a "
                "single worker process on a single machine serves the app"
            )
        if not self.redis_url:
            raise ConfigError(
                "APP_ENV=production with several workers or machines shares computed figures "
                "through Redis: set REDIS_URL=redis://host:6379/0 (it then holds the sign-in "
                "limits too, unless RATELIMIT_STORAGE_URI names another store), or "
                "WEB_CONCURRENCY=1 when a single worker process on a single machine serves the app"
            )

    def flask_config(self) -> dict[str, object]:
        return {
            "SECRET_KEY": self.secret_key,
            "DATABASE_URL": self.database_url,
            "APP_ENV": self.app_env,
            "UPLOAD_DIR": str(self.upload_dir),
            "RELEASE_DIR": str(self.release_dir),
            "OPEN_DATA_PUBLIC": self.open_data_public,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.production,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": self.production,
            # a 10 MB workbook arrives base64-encoded in a callback (x 4/3): above that is refused
            "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
            "RATELIMIT_STORAGE_URI": self.limits_storage,
            "REDIS_URL": self.redis_url,
            "LOGIN_ATTEMPTS": self.login_attempts,
            "UPLOAD_ATTEMPTS": self.upload_attempts,
            "LOG_FILE": self.log_file,
            "TRUSTED_PROXIES": self.trusted_proxies,
            "ACCOUNT_LOGIN_ATTEMPTS": self.account_login_attempts,
            "SESSION_IDLE": timedelta(minutes=self.session_idle_minutes),
            "SESSION_MAX": timedelta(hours=self.session_max_hours),
            # the browser forgets the cookie when it closes; the server ends the session sooner
            # (idle and absolute timeouts, sign-out): see web/sessions.py
            "SESSION_COOKIE_NAME": "__Host-session" if self.production else "session",
            "SESSION_COOKIE_PATH": "/",
            "SESSION_COOKIE_DOMAIN": None,
            "WTF_CSRF_TIME_LIMIT": None,
            "SMTP_URL": self.smtp_url,
            "MAIL_FROM": self.mail_from,
            "PUBLIC_URL": self.site_url,
        }


def _positive(env: dict[str, str], name: str, default: float) -> float:
    """A positive number of minutes or hours from the environment."""
    raw = env.get(name, "")
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if not 0 < value < 1e6:
        raise ConfigError(f"{name} must be above 0 (and below a million), not {raw!r}")
    return value


def _switch(env: dict[str, str], name: str) -> bool:
    """An on/off setting: 1, true, yes or on; 0, false, no, off or unset; anything else refused."""
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be 1 (on) or 0 (off), not {raw!r}")


def _count(env: dict[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a whole number, not {raw!r}")
    return int(raw)


def _check_redis_url(url: str | None) -> None:
    """REDIS_URL names a Redis server: redis://host:port/db, or rediss:// for TLS."""
    if url is None:
        return
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    database = parts.path.strip("/")
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # not a number, or out of range
        port_ok = False
    if (
        parts.scheme not in ("redis", "rediss")
        or not parts.hostname
        or not port_ok
        or not (database.isdigit() or not database)
    ):
        raise ConfigError(
            "REDIS_URL must name a Redis server and database, like redis://127.0.0.1:6379/0 "
            f"(or rediss://... for TLS), not {_without_password(url)!r}"
        )


def _without_password(url: str) -> str:
    """A URL as it may be shown in a message or a log: without its password."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def _check_limit(name: str, limit: str) -> None:
    from limits import parse  # Flask-Limiter's own parser: "5 per minute", "10 per 15 minutes"

    try:
        parse(limit)
    except ValueError:
        raise ConfigError(
            f"{name} must read like '5 per minute' or '10 per 15 minutes', not {limit!r}"
        ) from None
