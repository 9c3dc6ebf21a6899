"""`python -m etl template | ingest | export` as operators run them."""

import csv
import io
import subprocess
import sys
from pathlib import Path

import etl.__main__ as cli
from data.db import Store
from etl.export import safe_cell
from etl.template import template_bytes
from tests.conftest import ROLE_USERS
from tests.etl.conftest import fill

ROOT = Path(__file__).resolve().parents[2]


def run(args, db_url, tmp_path):
    env = {
        "DATABASE_URL": db_url,
        "PATH": "/usr/bin:/bin",
        "INSTANCE_PATH": str(tmp_path / "i"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    return subprocess.run(
        [sys.executable, "-m", "etl", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )


def test_template_ingest_export(users_db_url, tmp_path):
    template = tmp_path / "moh.xlsx"
    assert (
        run(
            ["template", "--entity", "MOH", "--period", "2025-Q3", "-o", str(template)],
            users_db_url,
            tmp_path,
        ).returncode
        == 0
    )
    good = tmp_path / "good.xlsx"
    good.write_bytes(fill(template.read_bytes(), {"T1.5": {"Value": "45%"}}))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(fill(template.read_bytes(), {"T1.5": {"Value": "about half"}}))
    user = ROLE_USERS["entity"][0]

    both = run(["ingest", str(good), str(bad), "--user", user, "--submit"], users_db_url, tmp_path)
    assert both.returncode == 1
    assert f"{good}: submitted (MOH 2025-Q3, 1 rows)" in both.stdout
    assert f"{bad}: refused" in both.stdout
    assert "error: Data!G5: the value must be a number; you wrote 'about half'." in both.stdout

    again = run(["ingest", str(good), "--user", user, "--lang", "ar"], users_db_url, tmp_path)
    assert again.returncode == 0 and "duplicate" in again.stdout and "استُلم" in again.stdout

    out = tmp_path / "export.csv"
    assert run(["export", "-o", str(out)], users_db_url, tmp_path).returncode == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {
        k: rows[0][k] for k in ("entity", "kpi", "period", "value", "status", "official_value")
    } == {
        "entity": "MOH",
        "kpi": "T1.5",
        "period": "2025-Q3",
        "value": "45.0",
        "status": "submitted",
        "official_value": "",
    }


def test_export_cells_cannot_become_formulas():
    assert safe_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert safe_cell("+1") == "'+1" and safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("MOH") == "MOH" and safe_cell(-3.5) == -3.5 and safe_cell(None) == ""


def test_a_long_batch_commits_in_chunks_and_reports_every_file_in_order(
    users_db_url, tmp_path, monkeypatch, capsys
):
    for key, value in {
        "DATABASE_URL": users_db_url,
        "INSTANCE_PATH": str(tmp_path / "i"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(cli, "CHUNK_FILES", 2)
    with Store(users_db_url).session() as db:
        template = template_bytes(db, "MOH", "2025-Q3")
    first = fill(template, {"T1.5": {"Value": 40}})
    contents = [first, first, None, *(fill(template, {"T1.5": {"Value": v}}) for v in (41, "x"))]
    names = [tmp_path / f"moh-{n}.xlsx" for n in range(len(contents))]
    for name, data in zip(names, contents, strict=True):
        if data is not None:  # the third file is missing
            name.write_bytes(data)
    user = ROLE_USERS["entity"][0]

    status = cli.main(["ingest", *map(str, names), "--user", user, "--submit"])

    heads = [line for line in capsys.readouterr().out.splitlines() if not line.startswith(" ")]
    assert status == 1
    assert heads == [
        f"{names[0]}: submitted (MOH 2025-Q3, 1 rows)",
        f"{names[1]}: duplicate (MOH 2025-Q3, 0 rows)",
        f"{names[2]}: refused: No such file or directory",
        f"{names[3]}: submitted (MOH 2025-Q3, 1 rows)",
        f"{names[4]}: refused (MOH 2025-Q3, 0 rows)",
    ]
