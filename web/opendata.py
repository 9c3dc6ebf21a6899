"""Published editions' files, and the public open data.

- `/reports/file/<id>`: a file of an edition for the committee and the office (the guard in
  web/auth.py signs the user in; `services.releases` decides who may have it), its SHA-256
  checked against the one recorded at publication on every download.
- With `OPEN_DATA_PUBLIC=1` only: `/open-data` (a plain bilingual page listing the releases and
  their open data packages and reports), `/open-data/catalog.jsonld` (a DCAT catalogue for the
  national portal to harvest) and `/open-data/file/<id>` (the published open data packages and
  reports, nothing else). Switched off, these answer exactly like an unknown address."""

from __future__ import annotations

import io
import json
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, send_file
from flask_babel import gettext as _

from data.db import store_of
from kpis.periods import parse_period
from services import releases
from services.actors import Denied
from web.access import current_actor
from web.auth import limiter, refuse

blueprint = Blueprint("opendata", __name__)
OPEN_DATA_PREFIX = "/open-data"
PUBLIC_RATE = "120 per minute"  # per address, for every public path
MEDIA = "https://www.iana.org/assignments/media-types/"


def open_data_on() -> bool:
    return bool(current_app.config.get("OPEN_DATA_PUBLIC"))


def _folder() -> Path:
    return Path(current_app.config["RELEASE_DIR"])


@blueprint.route("/reports/file/<int:file_id>")
def edition_file(file_id: int):
    """A published file for whoever may view reports; 404 for an id that is no file."""
    try:
        with store_of(current_app).session() as db:
            found, data = releases.edition_file(db, current_actor(), file_id, folder=_folder())
    except Denied:
        refuse(403, release_file=file_id)
    except releases.NotFound:
        abort(404)
    except releases.FileDamaged:
        current_app.logger.error("release file %s does not match its SHA-256", file_id)
        abort(500)
    return _send(found, data)


def _send(found: releases.EditionFile, data: bytes):
    response = send_file(
        io.BytesIO(data),
        download_name=found.file_name,
        as_attachment=True,
        mimetype=found.media_type,
    )
    response.headers["X-Content-SHA256"] = found.sha256
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.route(OPEN_DATA_PREFIX)
@limiter.limit(PUBLIC_RATE)
def open_data_page():
    _only_when_open()
    with store_of(current_app).session() as db:
        shown = [e for e in releases.published(db, kinds=releases.PUBLIC_KINDS) if e.files]
    return render_template("open_data.html", editions=shown, kind_label=_kind_label)


@blueprint.route(OPEN_DATA_PREFIX + "/catalog.jsonld")
@limiter.limit(PUBLIC_RATE)
def catalogue():
    _only_when_open()
    with store_of(current_app).session() as db:
        shown = [e for e in releases.published(db, kinds=releases.PUBLIC_KINDS) if e.files]
    body = json.dumps(dcat_catalogue(shown, current_app.config["PUBLIC_URL"]), ensure_ascii=False)
    return current_app.response_class(body, mimetype="application/ld+json")


@blueprint.route(OPEN_DATA_PREFIX + "/file/<int:file_id>")
@limiter.limit(PUBLIC_RATE)
def public_file(file_id: int):
    _only_when_open()
    try:
        with store_of(current_app).session() as db:
            found, data = releases.public_file(db, file_id, folder=_folder())
    except releases.NotFound:
        abort(404)
    except releases.FileDamaged:
        current_app.logger.error("release file %s does not match its SHA-256", file_id)
        abort(500)
    response = _send(found, data)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _only_when_open() -> None:
    if not open_data_on():
        abort(404)


def _kind_label(kind: str, language: str) -> str:
    if kind == "opendata":
        return _("Open data package (CSV with datapackage.json, zip)")
    if language == "ar":
        return _("Committee report in Arabic (PDF)")
    return _("Committee report in English (PDF)")


def dcat_catalogue(editions: list[releases.Edition], base: str) -> dict:
    """A DCAT catalogue (JSON-LD): one dcat:Dataset per edition, one dcat:Distribution per file,
    each with its download address, media type, size and SHA-256 checksum."""
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "spdx": "http://spdx.org/rdf/terms#",
            "adms": "http://www.w3.org/ns/adms#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": f"{base}{OPEN_DATA_PREFIX}/catalog.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": [
            {"@value": "Government Digital Transformation Programme: open data", "@language": "en"},
            {"@value": "برنامج التحول الرقمي الحكومي: البيانات المفتوحة", "@language": "ar"},
        ],
        "dct:publisher": {
            "@type": "foaf:Organization",
            "foaf:name": "Ministry of Transport, Communications and Information Technology",
        },
        "dct:license": {"@id": "https://creativecommons.org/licenses/by/4.0/"},
        "foaf:homepage": {"@id": f"{base}{OPEN_DATA_PREFIX}"},
        "dcat:dataset": [_dataset(e, base) for e in editions],
    }


def _dataset(edition: releases.Edition, base: str) -> dict:
    quarter = parse_period(edition.period)
    dataset = {
        "@id": f"{base}{OPEN_DATA_PREFIX}#{edition.period}-edition-{edition.number}",
        "@type": "dcat:Dataset",
        "dct:identifier": f"gdt-kpis-{edition.period.lower()}-edition-{edition.number}",
        "dct:title": [
            {
                "@value": f"Programme KPIs, {edition.period}, edition {edition.number}",
                "@language": "en",
            },
            {
                "@value": f"مؤشرات البرنامج، {edition.period}، الإصدار {edition.number}",
                "@language": "ar",
            },
        ],
        "dct:issued": {"@value": edition.published_at.isoformat() + "Z", "@type": "xsd:dateTime"},
        "dct:temporal": {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": {"@value": quarter.start.isoformat(), "@type": "xsd:date"},
            "dcat:endDate": {"@value": quarter.end.isoformat(), "@type": "xsd:date"},
        },
        "dcat:version": str(edition.number),
        "dcat:keyword": ["digital transformation", "KPI", "Oman", edition.period],
        "dcat:distribution": [_distribution(f, base) for f in edition.files],
    }
    if edition.note:
        dataset["adms:versionNotes"] = edition.note
    return dataset


def _distribution(found: releases.EditionFile, base: str) -> dict:
    address = f"{base}{OPEN_DATA_PREFIX}/file/{found.id}"
    return {
        "@id": address,
        "@type": "dcat:Distribution",
        "dct:title": found.file_name,
        "dcat:downloadURL": {"@id": address},
        "dcat:accessURL": {"@id": address},
        "dcat:mediaType": {"@id": MEDIA + found.media_type},
        "dcat:byteSize": {"@value": str(found.size), "@type": "xsd:nonNegativeInteger"},
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": {"@id": "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"},
            "spdx:checksumValue": found.sha256,
        },
        **({"dct:language": found.language} if found.language in ("ar", "en") else {}),
    }
