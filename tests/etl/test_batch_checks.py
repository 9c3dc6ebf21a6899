"""A batch's files are validated as each is read (etl.ingest._EarlyChecks), while the reader's
workers read the next ones; the outcome must be the one of validating after the claim, also when
the official history changed in between."""

from __future__ import annotations

from sqlalchemy import select

import etl.ingest
from data.models import Submission, User
from etl.ingest import Incoming, ingest_many
from etl.workflow import approve
from tests.conftest import ROLE_USERS
from tests.etl.conftest import TODAY, fill


def ingest_batch(desk, files: list[bytes], submit: bool = True):
    with desk.store.transaction() as db:
        user = db.scalar(select(User).where(User.email == ROLE_USERS["supervisor"][0]))
        incoming = [Incoming(data, f"file-{n}.xlsx") for n, data in enumerate(files)]
        return ingest_many(db, incoming, user, desk.uploads, submit=submit, today=TODAY)


def warnings_of(outcome) -> set[tuple[str, str | None]]:
    return {(p.code, p.params.get("code")) for p in outcome.warnings}


def approved_q2(desk) -> None:
    previous = desk.ingest(
        fill(desk.template("MOH", "2025-Q2"), {"T1.5": {"Value": 40}, "T1.1": {"Value": 80}})
    )
    with desk.store.transaction() as db:
        approve(db, db.get(Submission, previous.submission_id), None)


def test_a_batch_warns_as_single_files_do(desk):
    approved_q2(desk)
    moh = fill(desk.template(), {"T1.5": {"Value": 70}, "T1.1": {"Value": 75}})
    mof = fill(desk.template("MOF"), {"T1.5": {"Value": 50}})
    batch = ingest_batch(desk, [moh, mof], submit=False)
    alone = [ingest_batch(desk, [data], submit=False)[0] for data in (moh, mof)]
    assert [o.outcome for o in batch] == ["checked", "checked"]
    assert [warnings_of(o) for o in batch] == [warnings_of(o) for o in alone]
    assert {("jump", "T1.5"), ("below_cumulative", "T1.1")} <= warnings_of(batch[0])


def test_a_file_checked_before_an_approval_is_checked_again(desk, monkeypatch):
    """The history read for the early check misses an approval that the history read after the
    claim has: the file is validated again, and warns of the jump from the approved value."""
    approved_q2(desk)
    real = etl.ingest.official_histories
    calls = []

    def before_the_approval(session, entity_ids, before):
        calls.append(before.code)
        return {} if len(calls) == 1 else real(session, entity_ids, before)

    monkeypatch.setattr(etl.ingest, "official_histories", before_the_approval)
    moh = fill(desk.template(), {"T1.5": {"Value": 70}, "T1.1": {"Value": 75}})
    mof = fill(desk.template("MOF"), {"T1.5": {"Value": 50}})
    moh_outcome, mof_outcome = ingest_batch(desk, [moh, mof])
    assert len(calls) == 2  # the early read, then the one after the claim
    assert moh_outcome.outcome == "submitted"
    assert {("jump", "T1.5"), ("below_cumulative", "T1.1")} <= warnings_of(moh_outcome)
    assert mof_outcome.outcome == "submitted"


def test_a_file_twice_in_a_batch_is_loaded_once(desk):
    moh = fill(desk.template(), {"T1.5": {"Value": 70}})
    first, second = ingest_batch(desk, [moh, moh])
    assert (first.outcome, second.outcome) == ("submitted", "duplicate")
    assert first.rows == 1 and second.rows == 0
