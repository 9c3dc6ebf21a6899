"""Configuration from the environment, refusing unsafe defaults in production."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
    ratelimit_storage_uri: str = "memory://"
    login_attempts: str = "5 per minute"

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
            ratelimit_storage_uri=env.get("RATELIMIT_STORAGE_URI", "memory://"),
            login_attempts=env.get("LOGIN_ATTEMPTS", "5 per minute"),
        )

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

    def flask_config(self) -> dict[str, object]:
        return {
            "SECRET_KEY": self.secret_key,
            "DATABASE_URL": self.database_url,
            "APP_ENV": self.app_env,
            "UPLOAD_DIR": str(self.upload_dir),
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.production,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": self.production,
            # a 10 MB workbook arrives base64-encoded in a callback (x 4/3): above that is refused
            "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_uri,
            "LOGIN_ATTEMPTS": self.login_attempts,
            "WTF_CSRF_TIME_LIMIT": None,
        }
