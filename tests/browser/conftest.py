"""A live server with demo data on loopback, and Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import axe_playwright_python
import pytest
from werkzeug.serving import make_server

from app import create_app
from data.db import Store
from services.demo import seed_demo
from settings import Settings
from tests.conftest import PASSWORD, ROLE_USERS

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_SCRIPT = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(
    encoding="utf-8"
)
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def serve(url: str, folder: Path):
    """A fixture's body: the app on the database `url`, its files under `folder`, served on
    loopback in a thread; yields its address and stops it afterwards."""
    app = create_app(
        Settings(
            database_url=url,
            app_env="test",
            instance_path=folder / "instance",
            upload_dir=folder / "uploads",
            login_attempts="100 per minute",
        )
    )
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def live_server(sqlite_databases, tmp_path_factory):
    url = sqlite_databases.fresh("users")
    store = Store(url)
    with store.transaction() as db:
        seed_demo(db)
    store.engine.dispose()
    folder = tmp_path_factory.mktemp("live")
    yield from serve(url, folder)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(30_000)  # generous: a loaded 2-core machine is slow, not wrong
    yield tab
    context.close()


@pytest.fixture
def sign_in(page, live_server):
    def go(role: str, lang: str | None = None):
        query = f"?lang={lang}" if lang else ""
        page.goto(f"{live_server}/login{query}")
        page.fill("#email", ROLE_USERS[role][0])
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#overview-content section")
        return page

    return go


def axe_violations(page) -> list[str]:
    """Run axe-core with the WCAG 2.0/2.1/2.2 A and AA rules; describe each violation.
    axe is evaluated through the DevTools protocol: the page's CSP refuses an inline <script>."""
    page.evaluate(AXE_SCRIPT)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]
