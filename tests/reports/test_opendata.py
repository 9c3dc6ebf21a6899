"""The open data package (reports/opendata.py): a Frictionless Data Package that validates, with
SDMX-CSV columns, approved figures only, the same bytes from the same store."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import datetime

import pytest
from frictionless import validate

from reports.build import data_sha256
from reports.figures import UnknownPeriod, read_edition
from reports.opendata import OBSERVATION_FIELDS, package_zip
from reports.stamp import EditionStamp
from tests.reports.conftest import APPROVED_COMMENT, PENDING, QUARTER

SDMX_COLUMNS = [
    "STRUCTURE",
    "STRUCTURE_ID",
    "ACTION",
    "REF_AREA",
    "ENTITY",
    "INDICATOR",
    "TIME_PERIOD",
    "OBS_VALUE",
    "UNIT_MEASURE",
]


@pytest.fixture(scope="module")
def edition(report_store):
    fig = read_edition(report_store, QUARTER)
    stamp = EditionStamp(
        period=QUARTER,
        number=3,
        published_at=datetime(2026, 2, 14, 9, 30),
        audit_seq=42,
        audit_hash="ab" * 32,
        data_sha256=data_sha256(fig, 3),
        note="Corrected T1.1",
    )
    return fig, stamp, package_zip(fig, stamp)


def unpacked(package: bytes, folder) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        archive.extractall(folder)
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_package_validates_with_frictionless(edition, tmp_path):
    _fig, _stamp, package = edition
    unpacked(package, tmp_path)
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert [task.name for task in report.tasks] == ["observations", "kpis", "entities"]


def test_a_broken_package_does_not_validate(edition, tmp_path):
    """The check can fail: an observation of an entity the package does not list, or a file
    that no longer has the size and hash the descriptor states."""
    _fig, _stamp, package = edition
    files = unpacked(package, tmp_path)
    text = files["observations.csv"].decode("utf-8")
    broken = text.replace(",OM,MOH,", ",OM,NOBODY,", 1)
    assert broken != text
    (tmp_path / "observations.csv").write_text(broken, encoding="utf-8", newline="")
    report = validate(str(tmp_path / "datapackage.json"))
    assert not report.valid
    codes = {row[0] for row in report.flatten(["type"])}
    assert codes & {"foreign-key", "hash-count", "byte-count"}


def test_columns_are_sdmx_csv_compatible_and_versioned_by_edition(edition, tmp_path):
    _fig, stamp, package = edition
    files = unpacked(package, tmp_path)
    meta = json.loads(files["datapackage.json"])
    assert meta["version"] == "3" and meta["edition"] == 3 and meta["period"] == QUARTER
    assert meta["licenses"][0]["name"] == "CC-BY-4.0"
    assert meta["correction_note"] == "Corrected T1.1"
    rows = list(csv.DictReader(io.StringIO(files["observations.csv"].decode("utf-8"))))
    assert list(rows[0])[: len(SDMX_COLUMNS)] == SDMX_COLUMNS
    assert list(rows[0]) == [name for name, _type, _about in OBSERVATION_FIELDS]
    assert {r["STRUCTURE"] for r in rows} == {"dataflow"}
    assert {r["EDITION"] for r in rows} == {"3"}
    assert {r["TIME_PERIOD"] for r in rows} <= {QUARTER, "2025"}
    assert hashlib.sha256(files["observations.csv"]).hexdigest() == stamp.data_sha256
    assert not files["observations.csv"].startswith(b"\xef\xbb\xbf")  # plain UTF-8


def test_only_approved_figures_are_published(edition):
    """MOH's pending 2025-Q4 revision of T1.1 (12.5) is not the published figure."""
    fig, _stamp, package = edition
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        text = archive.read("observations.csv").decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    moh = [r for r in rows if r["ENTITY"] == "MOH" and r["INDICATOR"] == PENDING.kpi_code]
    assert len(moh) == 1 and float(moh[0]["OBS_VALUE"]) != PENDING.value
    national = next(r for r in rows if r["ENTITY"] == "_T" and r["INDICATOR"] == "T1.1")
    assert float(national["OBS_VALUE"]) == pytest.approx(fig.national("T1.1").value)
    assert any(f.comment == APPROVED_COMMENT for f in fig.figures)


def test_the_same_store_gives_the_same_bytes(report_store, edition):
    _fig, stamp, package = edition
    again = package_zip(read_edition(report_store, QUARTER), stamp)
    assert again == package
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 2, 14, 9, 30, 0)}


@pytest.mark.parametrize("period", ["2031-Q1", "2025", "2025-Q5", ""])
def test_a_period_without_approved_figures_is_refused(report_store, period):
    with pytest.raises(UnknownPeriod):
        read_edition(report_store, period)
