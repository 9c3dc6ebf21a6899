"""Browser benchmark: how long each analytics page takes to settle in headless Chromium, for each
reading role in English and Arabic, at demo scale. Run with `make bench`.

It starts `python app.py` (the README's development server, with demo data) on a spare port in a
temporary folder, then for each role and language opens a fresh browser (nothing cached), signs in
and visits every page. A page has settled when its content is drawn and Dash has no callback in
flight. Prints seconds per page and the slowest."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# each page is timed until it shows what the browser tests wait for
from tests.browser.test_analytics import PAGES  # noqa: E402

SETTLED = "() => !document.querySelector('[data-dash-is-loading]')"
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


def spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_app(folder: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "INSTANCE_PATH": str(folder), "PORT": str(port)}
    env.pop("DATABASE_URL", None)
    app = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(240):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=1)
            return app
        except OSError:
            time.sleep(0.5)
    app.kill()
    raise SystemExit("the app did not start")


def settle(page, url: str, ready: str) -> float:
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(ready, timeout=30_000)
    page.wait_for_function(SETTLED, timeout=30_000)
    return time.perf_counter() - start


def visit(browser, base: str, role: str, lang: str) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(f"{base}/login?lang={lang}")
    page.fill("#email", f"{role}@demo.gov.om")
    page.fill("#password", "demo-password-2025")
    start = time.perf_counter()
    page.click("button[type=submit]")
    page.wait_for_selector(PAGES["/"], timeout=30_000)
    page.wait_for_function(SETTLED, timeout=30_000)
    times = {"sign-in": time.perf_counter() - start}
    for path, ready in PAGES.items():
        times[path] = settle(page, f"{base}{path}?lang={lang}", ready)
    context.close()
    return times


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="tracker-browser-"))
    port = spare_port()
    app = start_app(folder, port)
    slowest = (0.0, "")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            print("seconds to settle, fresh browser each row; sign-in = to the overview")
            print(f"{'':<14}" + "".join(f"{name:>15}" for name in ("sign-in", *PAGES)))
            for role in ("supervisor", "committee", "entity"):
                for lang in ("en", "ar"):
                    times = visit(browser, f"http://127.0.0.1:{port}", role, lang)
                    print(
                        f"{role + ' ' + lang:<14}" + "".join(f"{t:>15.2f}" for t in times.values())
                    )
                    worst = max(times.items(), key=lambda item: item[1])
                    slowest = max(slowest, (worst[1], f"{worst[0]} as {role} in {lang}"))
            browser.close()
    finally:
        app.terminate()
        app.wait()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"slowest: {slowest[0]:.2f} s ({slowest[1]})")


if __name__ == "__main__":
    main()
