"""Simulated readers for benchmarks/load.py (issue 17): each signs in through the login form
(with its CSRF token) and moves through the analytics pages, each page followed by the Dash
callbacks a browser sends for it (captured from Chromium by load.py: BENCH_CALLBACKS names the
JSON file, BENCH_ACCOUNTS the accounts to sign in as, one per user).

The app runs with APP_ENV=production, so its session cookie is `__Host-session`, Secure: a
browser on http://127.0.0.1 sends it (a loopback address is a secure context), the requests
library does not. Each user therefore sends its cookies itself, as a browser would."""

from __future__ import annotations

import itertools
import json
import os
import re
from pathlib import Path

from locust import HttpUser, between, task

CALLBACKS: dict[str, list[dict]] = json.loads(Path(os.environ["BENCH_CALLBACKS"]).read_text())
ACCOUNTS = json.loads(Path(os.environ["BENCH_ACCOUNTS"]).read_text())
PASSWORD = os.environ["BENCH_PASSWORD"]
_NEXT_ACCOUNT = itertools.count()
CSRF_FIELD = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'value="([^"]+)"[^>]*name="csrf_token"'
)


class Reader(HttpUser):
    """An office, committee or entity reader going through the pages."""

    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        self.email = ACCOUNTS[next(_NEXT_ACCOUNT) % len(ACCOUNTS)]
        page = self.client.get("/login", name="GET /login", headers=self._cookies())
        token = _csrf(page.text)
        self.client.post(
            "/login",
            data={"email": self.email, "password": PASSWORD, "csrf_token": token or ""},
            headers=self._cookies(),
            name="POST /login",
            allow_redirects=False,
        )
        if not any(cookie.name.endswith("session") for cookie in self.client.cookies):
            raise RuntimeError(f"{self.email} was not signed in")

    def _cookies(self, **more: str) -> dict[str, str]:
        jar = "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.client.cookies)
        return {"Cookie": jar, **more} if jar else dict(more)

    def visit(self, path: str) -> None:
        """The page, then each callback the browser sent on opening it."""
        with self.client.get(
            path, name=f"GET {path}", headers=self._cookies(), catch_response=True
        ) as answer:
            if answer.status_code != 200 or "_dash-renderer" not in answer.text:
                answer.failure(f"{path}: {answer.status_code}")
        csrf = next((c.value for c in self.client.cookies if c.name == "_csrf_token"), "")
        for body in CALLBACKS.get(path, []):
            output = body.get("output", "")
            with self.client.post(
                "/_dash-update-component",
                json=body,
                headers=self._cookies(**{"X-CSRFToken": csrf}),
                name=f"callback {path} {output[:40]}",
                catch_response=True,
            ) as answer:
                if answer.status_code not in (200, 204):
                    answer.failure(f"{path} {output}: {answer.status_code} {answer.text[:120]}")

    @task(3)
    def overview(self) -> None:
        self.visit("/")

    @task(2)
    def track(self) -> None:
        self.visit("/track/T1")

    @task(2)
    def kpi(self) -> None:
        self.visit("/kpi/T1.5")

    @task(2)
    def entity(self) -> None:
        self.visit("/entity/MOH")

    @task(1)
    def completeness(self) -> None:
        self.visit("/completeness")


def _csrf(page: str) -> str | None:
    found = CSRF_FIELD.search(page)
    return (found.group(1) or found.group(2)) if found else None
