"""The tracker's app factory. `python app.py` runs the development server with demo data;
`gunicorn app:server` serves production (the module builds `server` only when asked for it)."""

from __future__ import annotations

import sys
from pathlib import Path

import dash
from flask import Flask

from data.cache import ResultCache
from data.db import Store
from data.users import demo_accounts_exist
from settings import ConfigError, Settings
from web import api, auth, files, headers, health, i18n, invite, jobs, logs, opendata, uploads

ROOT = Path(__file__).resolve().parent


class TrackerDash(dash.Dash):
    """Dash whose index page carries the request's language and direction on `<html>`."""

    def interpolate_index(self, **kwargs) -> str:
        page = super().interpolate_index(**kwargs)
        return page.replace(
            "<html>", f'<html lang="{i18n.language()}" dir="{i18n.direction()}">', 1
        )


def create_app(settings: Settings | None = None) -> TrackerDash:
    settings = settings or Settings.from_env()
    settings.check()
    server = Flask(
        "tracker",
        root_path=str(ROOT),
        template_folder="web/templates",
        static_folder=None,
        instance_path=str(settings.instance_path),
    )
    server.config.from_mapping(settings.flask_config())
    logs.init_app(server)  # first: JSON lines with a request id, plain error pages
    store = Store(settings.database_url)
    store.init_app(server)
    ResultCache().init_app(server)
    if settings.production:
        _refuse_demo_accounts(store)
    i18n.init_app(server, settings.instance_path / "translations")
    auth.init_app(server)
    health.init_app(server)  # /healthz, /readyz: open, not rate limited
    server.register_blueprint(files.blueprint)
    server.register_blueprint(uploads.blueprint)
    server.register_blueprint(opendata.blueprint)
    server.register_blueprint(invite.blueprint)
    api.init_app(server)

    from dashboards._shell import register_menu, shell

    background = jobs.init_app(server, settings.redis_url)  # before the pages register their jobs

    app = TrackerDash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder=str(ROOT / "dashboards"),
        assets_folder=str(ROOT / "assets"),
        assets_path_ignore=["^vendor$"],  # loaded on demand (see assets/plotly-basic.js)
        title="GDT Programme Tracker",
        suppress_callback_exceptions=True,
        update_title=None,
        background_callback_manager=background,
    )
    app.layout = shell
    register_menu(app)
    server.extensions["dash_app"] = app  # for the callback-map test and the API
    headers.init_app(app, production=settings.production)
    return app


def _refuse_demo_accounts(store: Store) -> None:
    with store.session() as db:
        if demo_accounts_exist(db):
            raise ConfigError(
                "APP_ENV=production refuses to start while demo accounts exist; "
                "remove them or use a production database"
            )


def prepare_development_database(settings: Settings) -> list[tuple[str, str]]:
    """First start: schema, catalogue, one demo account per role and the demo history."""
    from data.__main__ import init
    from data.users import ensure_demo_accounts
    from services.demo import seed_demo

    init(settings.database_url)
    with Store(settings.database_url).transaction() as db:
        accounts = ensure_demo_accounts(db)
        made = seed_demo(db)
    if made:
        print(f"demo data: {made} submissions created")
    return accounts


def main() -> int:
    settings = Settings.from_env()
    try:
        settings.check()
        if settings.production:
            raise ConfigError("python app.py is the development server; use gunicorn app:server")
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from data.users import DEMO_PASSWORD

    accounts = prepare_development_database(settings)
    app = create_app(settings)
    print(
        f"\nTracker on http://127.0.0.1:{settings.port}/ - sign in with one of these "
        f"(password: {DEMO_PASSWORD}):"
    )
    for email, role in accounts:
        print(f"  {role:<11} {email}")
    app.run(host="127.0.0.1", port=settings.port, debug=False)
    return 0


def __getattr__(name: str):
    """`gunicorn app:server`: build the app on first access, not at import."""
    if name == "server":
        return create_app().server
    raise AttributeError(name)


if __name__ == "__main__":
    sys.exit(main())
