"""What identifies an edition, printed in every file of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class EditionStamp:
    """Edition `number` of quarter `period`, published at `published_at`; the audit chain's head
    (`audit_seq`, `audit_hash`) at that moment and the SHA-256 of the edition's figures
    (`data_sha256`: of the open data package's observations CSV). `note` says why an edition
    after the first was made."""

    period: str
    number: int
    published_at: datetime
    audit_seq: int
    audit_hash: str
    data_sha256: str
    note: str | None = None
