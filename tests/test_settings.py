"""Configuration from the environment; production refuses unsafe defaults."""

import pytest

from app import create_app
from data.users import ensure_demo_accounts
from settings import DEV_SECRET, ConfigError, Settings


def test_defaults_use_sqlite_under_instance():
    settings = Settings.from_env({})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("instance/tracker.db")
    assert settings.port == 8050 and settings.app_env == "development"


def test_environment_overrides():
    env = {
        "DATABASE_URL": "postgresql+psycopg://u@h/db",
        "PORT": "9000",
        "APP_ENV": "production",
        "SECRET_KEY": "x" * 40,
    }
    settings = Settings.from_env(env)
    assert settings.database_url == env["DATABASE_URL"] and settings.port == 9000
    assert settings.flask_config()["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("secret", [DEV_SECRET, "short-secret"])
def test_production_refuses_a_default_or_weak_secret(secret):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Settings.from_env({"APP_ENV": "production", "SECRET_KEY": secret}).check()


def test_production_refuses_to_start_with_demo_accounts(settings, store):
    with store.transaction() as db:
        ensure_demo_accounts(db)
    production = Settings(
        database_url=store.engine.url.render_as_string(hide_password=False),
        secret_key="s" * 48,
        app_env="production",
        instance_path=settings.instance_path,
        workers=1,  # one worker may keep sign-in limits in memory://
    )
    with pytest.raises(ConfigError, match="demo accounts"):
        create_app(production)


def test_production_starts_with_a_real_secret_and_no_demo_accounts(settings):
    production = Settings(
        database_url=settings.database_url,
        secret_key="s" * 48,
        app_env="production",
        instance_path=settings.instance_path,
        workers=1,
    )
    app = create_app(production)
    assert app.server.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("sends", [{"SMTP_URL": "smtp://mail:25"}, {"OPEN_DATA_PUBLIC": "1"}])
def test_production_links_need_the_public_address(sends):
    """E-mails and the open data catalogue carry links: in production they must name the address
    users reach, never the development server's or what a request's Host header claims."""
    env = {"APP_ENV": "production", "SECRET_KEY": "x" * 40, "WEB_CONCURRENCY": "1", **sends}
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        Settings.from_env(env).check()
    settings = Settings.from_env({**env, "PUBLIC_URL": "https://tracker.example.om/"})
    settings.check()
    assert settings.flask_config()["PUBLIC_URL"] == "https://tracker.example.om"
