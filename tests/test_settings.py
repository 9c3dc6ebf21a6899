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


PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": "x" * 40}


@pytest.mark.parametrize(
    "processes",
    [{}, {"WEB_CONCURRENCY": "4"}, {"WEB_CONCURRENCY": "1", "MACHINES": "2"}],
)
def test_production_on_several_processes_needs_redis(processes):
    """Several workers (or an unsaid number) or machines: limits and computed figures are shared
    through REDIS_URL, or the app refuses to start and says what to set."""
    env = {**PRODUCTION, **processes}
    with pytest.raises(ConfigError, match="REDIS_URL=redis://"):
        Settings.from_env(env).check()
    with pytest.raises(ConfigError, match="shares computed figures through Redis: set REDIS_URL"):
        Settings.from_env({**env, "RATELIMIT_STORAGE_URI": "redis://limits:6379/1"}).check()
    Settings.from_env({**env, "REDIS_URL": "redis://cache:6379/0"}).check()
    Settings.from_env({**env, "REDIS_URL": "rediss://:pass@cache.example.om:6380"}).check()
    with pytest.raises(ConfigError, match="leave RATELIMIT_STORAGE_URI unset"):
        Settings.from_env(
            {**env, "REDIS_URL": "redis://cache:6379/0", "RATELIMIT_STORAGE_URI": "memory://"}
        ).check()


def test_one_worker_on_one_machine_needs_no_redis():
    Settings.from_env({**PRODUCTION, "WEB_CONCURRENCY": "1"}).check()
    Settings.from_env({**PRODUCTION, "WEB_CONCURRENCY": "1", "MACHINES": "1"}).check()


def test_redis_url_holds_the_limits_unless_they_are_named_apart():
    shared = Settings.from_env({"REDIS_URL": "redis://cache:6379/0"})
    config = shared.flask_config()
    assert config["REDIS_URL"] == "redis://cache:6379/0"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    apart = Settings.from_env(
        {"REDIS_URL": "redis://cache:6379/0", "RATELIMIT_STORAGE_URI": "redis://limits:6379/2"}
    )
    assert apart.flask_config()["RATELIMIT_STORAGE_URI"] == "redis://limits:6379/2"
    alone = Settings.from_env({}).flask_config()
    assert alone["REDIS_URL"] is None and alone["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.mark.parametrize(
    "url",
    ["memory://", "http://cache:6379/0", "redis://cache:6379/zero", "redis:///0", "redis://h:x/0"],
)
def test_a_redis_url_that_names_no_redis_is_refused(url):
    with pytest.raises(ConfigError, match="REDIS_URL must name a Redis server"):
        Settings.from_env({"REDIS_URL": url}).check()


def test_a_refused_redis_url_is_shown_without_its_password():
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"REDIS_URL": "https://user:hunter2-secret@cache/0"}).check()
    assert "hunter2-secret" not in str(refused.value) and ":***@" in str(refused.value)


@pytest.mark.parametrize("machines", ["two", "-1"])
def test_machines_is_a_whole_number(machines):
    with pytest.raises(ConfigError, match="MACHINES must be a whole number"):
        Settings.from_env({"MACHINES": machines})


def test_the_app_shares_its_results_through_redis_url(settings):
    """create_app hands REDIS_URL to the result cache (no connection is made until a result is
    asked for); without it, the cache is the process's own."""
    from dataclasses import replace

    from data.cache import results_of

    own = create_app(settings).server
    assert results_of(own).shared is None
    shared = create_app(replace(settings, redis_url="redis://127.0.0.1:6399/3")).server
    assert shared.config["REDIS_URL"] == "redis://127.0.0.1:6399/3"
    assert results_of(shared).shared.client.connection_pool.connection_kwargs["db"] == 3
