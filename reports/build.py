"""Every file of an edition, built from the store: the committee report as PDF in Arabic and
English (`reports.pdf`), the Excel pack in Arabic and English, the open data package. Publishing
(`services.releases`) stores them; `python -m reports build` writes them into a folder."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from data.audit import chain_head
from data.db import Store
from data.models import Period, Release, Submission
from reports import opendata
from reports.excel import excel_pack
from reports.figures import EditionFigures, read_edition
from reports.stamp import EditionStamp

LANGUAGES = ("ar", "en")


@dataclass(frozen=True)
class BuiltFile:
    name: str
    kind: str  # pdf | excel | opendata
    language: str  # ar | en | mul (the open data package: both languages)
    data: bytes
    sha256: str

    @classmethod
    def of(cls, name: str, kind: str, language: str, data: bytes) -> BuiltFile:
        return cls(name, kind, language, data, hashlib.sha256(data).hexdigest())

    @property
    def size(self) -> int:
        return len(self.data)


def file_stem(period: str, number: int) -> str:
    return f"gdt-{period}-edition-{number}"


def build_edition(
    store: Store, period: str, stamp: EditionStamp, figures: EditionFigures | None = None
) -> list[BuiltFile]:
    """The edition's files, in a fixed order: PDFs, Excel packs, open data package.
    `reports.figures.UnknownPeriod` when `period` has no approved figures."""
    fig = figures or read_edition(store, period)
    stem = file_stem(fig.period.code, stamp.number)
    files = [
        BuiltFile.of(f"{stem}-report-{lang}.pdf", "pdf", lang, data)
        for lang, data in render_report(store, fig.period.code, stamp).items()
    ]
    files += [
        BuiltFile.of(f"{stem}-{lang}.xlsx", "excel", lang, excel_pack(fig, stamp, lang))
        for lang in LANGUAGES
    ]
    files.append(
        BuiltFile.of(f"{stem}-open-data.zip", "opendata", "mul", opendata.package_zip(fig, stamp))
    )
    return files


def render_report(store: Store, period: str, stamp: EditionStamp) -> dict[str, bytes]:
    from reports.pdf import render_pdfs  # starts a browser: imported only when a report is made

    rendered = render_pdfs(store, period, stamp, languages=LANGUAGES)
    return {lang: rendered[lang] for lang in LANGUAGES}


def data_sha256(fig: EditionFigures, number: int) -> str:
    """What identifies an edition's figures: the SHA-256 of its observations CSV."""
    return hashlib.sha256(opendata.observations_csv(fig, number)).hexdigest()


def preview_stamp(store: Store, fig: EditionFigures) -> EditionStamp:
    """The stamp for building an edition without publishing it (`python -m reports build`): the
    next edition's number, the time of the quarter's last review (or its end) and the audit
    chain's head now, so that the same store always gives the same files."""
    with store.session() as db:
        period_id = db.scalar(select(Period.id).where(Period.code == fig.period.code))
        last = db.scalar(select(func.max(Release.number)).where(Release.period_id == period_id))
        reviewed = db.scalar(
            select(func.max(Submission.reviewed_at)).where(Submission.period_id == period_id)
        )
        seq, head, _at = chain_head(db)
    number = (last or 0) + 1
    moment = reviewed or datetime.combine(fig.period.end, datetime.min.time())
    return EditionStamp(
        period=fig.period.code,
        number=number,
        published_at=moment.replace(microsecond=0),
        audit_seq=seq,
        audit_hash=head,
        data_sha256=data_sha256(fig, number),
    )
