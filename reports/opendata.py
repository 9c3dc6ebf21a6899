"""The open data package of an edition: a Frictionless (Tabular) Data Package in one zip file,
`datapackage.json` beside three UTF-8 CSV files:

- `observations.csv`: one row per entity, KPI and period of the edition, and one per KPI for the
  national figure (ENTITY `_T`, the SDMX code for a total), in columns compatible with SDMX-CSV
  (STRUCTURE, STRUCTURE_ID, ACTION, REF_AREA, ENTITY, INDICATOR, TIME_PERIOD, OBS_VALUE,
  UNIT_MEASURE) plus NUMERATOR, DENOMINATOR, the national figure's coverage and the EDITION;
- `kpis.csv` and `entities.csv`: the code lists the observations refer to.

Only approved figures (as the committee sees them). The same figures and stamp give the same
bytes: rows in a fixed order, zip entries with the edition's time and fixed attributes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import zipfile

from reports.figures import EditionFigures
from reports.stamp import EditionStamp

STRUCTURE = "dataflow"
STRUCTURE_ID = "OM_MTCIT:GDT_KPI(1.0)"
REF_AREA = "OM"
TOTAL = "_T"
LICENCE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
OBSERVATION_FIELDS = (
    ("STRUCTURE", "string", "SDMX-CSV: the kind of structure (dataflow)"),
    ("STRUCTURE_ID", "string", "SDMX-CSV: agency, dataflow and version"),
    ("ACTION", "string", "SDMX-CSV: I (information)"),
    ("REF_AREA", "string", "Reference area (OM: Oman)"),
    ("ENTITY", "string", "Entity code (entities.csv); _T for the national figure"),
    ("INDICATOR", "string", "KPI code (kpis.csv)"),
    ("TIME_PERIOD", "string", "Quarter (2025-Q4) or year (2025)"),
    ("OBS_VALUE", "number", "The figure, in UNIT_MEASURE"),
    ("UNIT_MEASURE", "string", "percent, rank, count, milestone (% complete) or omr"),
    ("NUMERATOR", "number", "The numerator the figure was computed from, where given"),
    ("DENOMINATOR", "number", "The denominator, where given"),
    ("COVERAGE_REPORTED", "integer", "National figure: entities whose figures it counts"),
    ("COVERAGE_EXPECTED", "integer", "National figure: entities expected to report"),
    ("EDITION", "integer", "The edition of the quarter these figures were published in"),
)
KPI_FIELDS = (
    ("code", "string"),
    ("track", "string"),
    ("name_en", "string"),
    ("name_ar", "string"),
    ("unit", "string"),
    ("direction", "string"),
    ("scope", "string"),
    ("aggregation", "string"),
    ("frequency", "string"),
    ("baseline", "number"),
    ("baseline_year", "integer"),
    ("target", "number"),
    ("target_year", "integer"),
    ("comparator", "string"),
    ("owner", "string"),
)
ENTITY_FIELDS = (("code", "string"), ("name_en", "string"), ("name_ar", "string"))
TOTAL_NAMES = ("All entities (national figure)", "جميع الجهات (الرقم الوطني)")


def package_name(period: str, number: int) -> str:
    return f"gdt-kpis-{period.lower()}-edition-{number}"


def observation_rows(fig: EditionFigures, edition: int) -> list[dict]:
    """The national figures of the edition's periods, then every entity's, in catalogue order."""
    units = {s.code: s.unit for s in fig.specs}
    rows = []
    for kpi in fig.picture["kpis"]:
        pic = fig.national(kpi["code"])
        if pic.current is None or not fig.in_edition(pic.current.period):
            continue
        rows.append(
            _row(
                TOTAL,
                kpi["code"],
                pic.current.period.code,
                kpi["value"],
                units[kpi["code"]],
                edition,
                reported=kpi["coverage"]["reported"],
                expected=kpi["coverage"]["expected"],
            )
        )
    for f in fig.figures:
        rows.append(
            _row(
                f.entity,
                f.kpi,
                f.period,
                f.value,
                units.get(f.kpi, ""),
                edition,
                numerator=f.numerator,
                denominator=f.denominator,
            )
        )
    return rows


def _row(entity, kpi, period, value, unit, edition, **extra) -> dict:
    return {
        "STRUCTURE": STRUCTURE,
        "STRUCTURE_ID": STRUCTURE_ID,
        "ACTION": "I",
        "REF_AREA": REF_AREA,
        "ENTITY": entity,
        "INDICATOR": kpi,
        "TIME_PERIOD": period,
        "OBS_VALUE": value,
        "UNIT_MEASURE": unit,
        "NUMERATOR": extra.get("numerator"),
        "DENOMINATOR": extra.get("denominator"),
        "COVERAGE_REPORTED": extra.get("reported"),
        "COVERAGE_EXPECTED": extra.get("expected"),
        "EDITION": edition,
    }


def observations_csv(fig: EditionFigures, edition: int) -> bytes:
    """The edition's figures as CSV: its SHA-256 is the edition's `data_sha256`."""
    names = [name for name, _type, _about in OBSERVATION_FIELDS]
    return _csv(names, observation_rows(fig, edition))


def kpis_csv(fig: EditionFigures) -> bytes:
    names = [name for name, _type in KPI_FIELDS]
    rows = [{name: getattr(spec, name) for name in names} for spec in fig.specs]
    return _csv(names, rows)


def entities_csv(fig: EditionFigures) -> bytes:
    names = [name for name, _type in ENTITY_FIELDS]
    rows = [{"code": TOTAL, "name_en": TOTAL_NAMES[0], "name_ar": TOTAL_NAMES[1]}]
    rows += [{"code": e.code, "name_en": e.name_en, "name_ar": e.name_ar} for e in fig.entities]
    return _csv(names, rows)


def _csv(names: list[str], rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([csv_value(row.get(name)) for name in names])
    return out.getvalue().encode("utf-8")


def csv_value(value) -> str:
    """Numbers in their shortest exact form (`34.5`, `12`), nothing for none or non-finite;
    text starting like a spreadsheet formula gets a leading apostrophe, as in every export."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    text = str(value)
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def descriptor(stamp: EditionStamp, files: dict[str, bytes]) -> dict:
    """`datapackage.json`: the package, its licence, its version (the edition) and one Table
    Schema per CSV, with keys between them; each resource with its size and SHA-256."""
    return {
        "profile": "tabular-data-package",
        "name": package_name(stamp.period, stamp.number),
        "title": f"Government Digital Transformation Programme KPIs, {stamp.period}, "
        f"edition {stamp.number}",
        "description": "Approved figures of Oman's Government Digital Transformation Programme "
        "for one quarter, as published by the programme office (MTCIT). "
        "مؤشرات برنامج التحول الرقمي الحكومي المعتمدة للربع.",
        "version": str(stamp.number),
        "created": stamp.published_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "licenses": [LICENCE],
        "publisher": "Ministry of Transport, Communications and Information Technology (MTCIT)",
        "period": stamp.period,
        "edition": stamp.number,
        "audit_head": {"seq": stamp.audit_seq, "hash": stamp.audit_hash},
        "data_sha256": stamp.data_sha256,
        **({"correction_note": stamp.note} if stamp.note else {}),
        "resources": [
            _resource("observations", files, _observation_schema()),
            _resource("kpis", files, _schema(KPI_FIELDS, ["code"])),
            _resource("entities", files, _schema(ENTITY_FIELDS, ["code"])),
        ],
    }


def _resource(name: str, files: dict[str, bytes], schema: dict) -> dict:
    data = files[f"{name}.csv"]
    return {
        "name": name,
        "path": f"{name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": len(data),
        "hash": f"sha256:{hashlib.sha256(data).hexdigest()}",
        "schema": schema,
    }


def _schema(fields, key: list[str]) -> dict:
    return {
        "fields": [{"name": name, "type": kind} for name, kind in fields],
        "primaryKey": key,
        "missingValues": [""],
    }


def _observation_schema() -> dict:
    fields = [
        {"name": name, "type": kind, "description": about}
        for name, kind, about in OBSERVATION_FIELDS
    ]
    required = {"STRUCTURE", "STRUCTURE_ID", "REF_AREA", "ENTITY", "INDICATOR", "TIME_PERIOD"}
    for field in fields:
        if field["name"] in required:
            field["constraints"] = {"required": True}
    return {
        "fields": fields,
        "primaryKey": ["ENTITY", "INDICATOR", "TIME_PERIOD"],
        "foreignKeys": [
            {"fields": "INDICATOR", "reference": {"resource": "kpis", "fields": "code"}},
            {"fields": "ENTITY", "reference": {"resource": "entities", "fields": "code"}},
        ],
        "missingValues": [""],
    }


def package_files(fig: EditionFigures, stamp: EditionStamp) -> dict[str, bytes]:
    """The package's files by name, `datapackage.json` first."""
    files = {
        "observations.csv": observations_csv(fig, stamp.number),
        "kpis.csv": kpis_csv(fig),
        "entities.csv": entities_csv(fig),
    }
    meta = json.dumps(descriptor(stamp, files), ensure_ascii=False, indent=2, sort_keys=False)
    return {"datapackage.json": (meta + "\n").encode("utf-8"), **files}


def package_zip(fig: EditionFigures, stamp: EditionStamp) -> bytes:
    """The package as one zip (the files at its root), byte for byte the same for the same
    figures and stamp."""
    moment = stamp.published_at.timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in package_files(fig, stamp).items():
            info = zipfile.ZipInfo(name, date_time=max(moment, (1980, 1, 1, 0, 0, 0)))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def read_observations(package: bytes) -> list[dict[str, str]]:
    """The observations of a stored package (for the public API: what was published)."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        text = archive.read("observations.csv").decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))
