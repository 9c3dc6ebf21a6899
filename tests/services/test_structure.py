"""The shape the services layer promises: arrows run one way, and every server callback goes
through the one guard."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# package -> packages it must never import (issue 13: pages, routes, API, command lines ->
# services -> etl -> data and kpis; kpis imports none of the app's layers)
FORBIDDEN = {
    "services": {"flask", "flask_login", "flask_babel", "dash", "web", "dashboards"},
    "data": {"etl", "web", "dashboards", "services", "flask", "dash"},
    "etl": {"web", "dashboards", "flask", "dash"},
    "kpis": {"flask", "dash", "sqlalchemy", "data", "etl", "web", "dashboards", "services"},
    # the published editions (PDF, Excel, open data): an adapter like the pages, over services
    "reports": {"flask", "flask_login", "flask_babel", "dash", "web", "dashboards"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def modules_of(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts)


# a package's command line (`python -m data ...`) is an adapter like a page: it may call services
ADAPTER_MAY_USE = {"services"}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_import_only_downwards(package):
    wrong = set()
    for path in modules_of(package):
        forbidden = FORBIDDEN[package]
        if path.name == "__main__.py":
            forbidden = forbidden - ADAPTER_MAY_USE
        if bad := imported_roots(path) & forbidden:
            wrong.add(f"{path.relative_to(ROOT)} imports {', '.join(sorted(bad))}")
    assert not wrong, sorted(wrong)


def test_the_check_sees_a_wrong_import(tmp_path):
    """The walk above would miss nothing: a module importing Flask is caught."""
    module = tmp_path / "bad.py"
    module.write_text("def f():\n    from flask import request\n", encoding="utf-8")
    assert "flask" in imported_roots(module)


def test_no_page_compares_role_names():
    """Roles are decided in services/actors.py; pages, routes and ingest ask it."""
    offenders = []
    for package in ("dashboards", "web", "etl", "data", "services"):
        for path in modules_of(package):
            text = path.read_text(encoding="utf-8")
            if path.name in {"actors.py", "users.py", "__main__.py"}:
                continue
            for needle in ('.role == "', '.role != "', ".role in (", ".role not in ("):
                if needle in text:
                    offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert not offenders, offenders


def test_every_server_callback_is_guarded(app, login):
    """Walk the app's callback map: every Python callback was registered by
    `dashboards._access.guarded_callback`, except Dash's own page router, which the request
    guard checks (`web.auth._check_page_navigation`) and which renders layouts wrapped by
    `page_layout`."""
    assert login("committee").get("/_dash-dependencies").status_code == 200  # Dash sets up
    callback_map = app.callback_map  # the `app` fixture is the Dash app
    guarded, unguarded = [], []
    for output, entry in callback_map.items():
        function = entry.get("callback")
        if function is None or "_pages_content" in output or "_pages_location" in output:
            continue
        (guarded if getattr(function, "guarded_by", None) else unguarded).append(output)
    assert len(guarded) >= 10, "the walk found too few callbacks to mean anything"
    assert not unguarded, unguarded


def test_no_callback_is_registered_twice(app):
    """A page module imported by another page runs twice (Dash Pages loads it by its path): its
    callbacks would then be registered twice. Shared pieces live in `_` modules."""
    from collections import Counter

    from dash._callback import GLOBAL_CALLBACK_LIST

    outputs = Counter(c["output"] for c in GLOBAL_CALLBACK_LIST)
    assert [o for o, n in outputs.items() if n > 1] == []
