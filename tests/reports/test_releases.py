"""Publishing a quarter (services/releases.py) on SQLite and PostgreSQL: editions 1 and 2 of the
demo's 2025-Q4, each file kept with its SHA-256, the quarter locked, the audit chain's head in the
edition; who may publish, list and download; what is refused and why."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from data.audit import verify_chain
from data.db import Store
from data.models import AuditEvent, Period, Release, ReleaseFile, User
from services.actors import Actor, Denied
from services.releases import (
    FileDamaged,
    NotFound,
    PublishRefused,
    edition_file,
    editions,
    keep_file,
    public_observations,
    publish,
)
from tests.conftest import ROLE_USERS

QUARTER = "2025-Q4"
KINDS = [("pdf", "ar"), ("pdf", "en"), ("excel", "ar"), ("excel", "en"), ("opendata", "mul")]


def actor_of(store: Store, role: str) -> Actor:
    with store.session() as db:
        user = db.scalar(select(User).where(User.email == ROLE_USERS[role][0]))
        return Actor.of(user)


@pytest.fixture
def demo_store(demo_db_url):
    store = Store(demo_db_url)
    yield store
    store.engine.dispose()


@pytest.fixture
def published(demo_store, tmp_path):
    """The demo's 2025-Q4 published twice: the second edition with its correction note."""
    folder = tmp_path / "releases"
    office = actor_of(demo_store, "supervisor")
    first = publish(demo_store, office, QUARTER, folder=folder)
    with pytest.raises(PublishRefused) as refused:
        publish(demo_store, office, QUARTER, "  ", folder=folder)
    assert refused.value.reason == "note_required"
    second = publish(demo_store, office, QUARTER, "T1.1 of MOH corrected", folder=folder)
    return demo_store, folder, first, second


def test_publishing_twice_gives_editions_1_and_2_and_keeps_both(published):
    store, _folder, first, second = published
    assert (first.number, second.number) == (1, 2)
    assert first.note == "" and second.note == "T1.1 of MOH corrected"
    with store.session() as db:
        listed = editions(db, actor_of(store, "committee"))
        assert db.scalar(select(Period.locked).where(Period.code == QUARTER)) is True
        assert db.scalar(select(Release.id).where(Release.number == 3)) is None
    assert [(e.period, e.number) for e in listed] == [(QUARTER, 2), (QUARTER, 1)]
    assert listed[1] == first  # edition 1 unchanged by edition 2
    for edition in listed:
        assert [(f.kind, f.language) for f in edition.files] == KINDS
        assert len({f.file_name for f in edition.files}) == 5
    # one publication per backend is slow (it renders the PDFs): the checks on it follow
    check_each_stored_file_has_the_sha256_shown(published)
    check_the_edition_carries_the_audit_head(published)
    check_public_observations_are_the_latest_editions(published)


def check_each_stored_file_has_the_sha256_shown(published):
    store, folder, first, second = published
    committee = actor_of(store, "committee")
    with store.session() as db:
        for edition in (first, second):
            for shown in edition.files:
                found, data = edition_file(db, committee, shown.id, folder=folder)
                assert hashlib.sha256(data).hexdigest() == shown.sha256 == found.sha256
                assert len(data) == shown.size
                assert data[:4] in (b"%PDF", b"PK\x03\x04")


def check_the_edition_carries_the_audit_head(published):
    store, _folder, first, second = published
    with store.session() as db:
        publishing = select(AuditEvent).where(AuditEvent.action == "release.publish")
        events = db.scalars(publishing.order_by(AuditEvent.seq)).all()
        lock = db.scalar(select(AuditEvent).where(AuditEvent.action == "period.lock"))
        assert verify_chain(db).ok
    assert [e.after["edition"] for e in events] == [1, 2]
    assert events[1].reason == "T1.1 of MOH corrected"
    assert events[0].after["files"] == {f.file_name: f.sha256 for f in first.files}
    # the head when the edition's figures were read and its files built; the lock and the
    # release's own event follow in the short write that publishes it
    assert first.audit_seq < lock.seq < events[0].seq
    assert first.audit_hash != second.audit_hash
    assert first.data_sha256 != second.data_sha256  # the EDITION column differs


def test_a_changed_or_lost_file_is_not_served(demo_store, tmp_path):
    store, folder = demo_store, tmp_path
    first = publish(store, actor_of(store, "admin"), QUARTER, folder=folder)
    committee = actor_of(store, "committee")
    target = first.files[2]
    with store.session() as db:
        stored = db.get(ReleaseFile, target.id).stored_name
    path = folder / stored
    path.write_bytes(path.read_bytes() + b"x")
    with store.session() as db, pytest.raises(FileDamaged):
        edition_file(db, committee, target.id, folder=folder)
    path.unlink()
    with store.session() as db, pytest.raises(FileDamaged):
        edition_file(db, committee, target.id, folder=folder)


def check_public_observations_are_the_latest_editions(published):
    store, folder, _first, _second = published
    with store.session() as db:
        rows = public_observations(db, folder=folder)
    assert rows and {r["EDITION"] for r in rows} == {2}
    assert {r["TIME_PERIOD"] for r in rows} <= {QUARTER, "2025"}
    national = [r for r in rows if r["ENTITY"] == "_T"]
    assert national and all(isinstance(r["COVERAGE_EXPECTED"], int) for r in national)


def test_entity_and_committee_may_not_publish_and_entity_sees_no_editions(demo_store, tmp_path):
    for role in ("entity", "committee"):
        with pytest.raises(Denied):
            publish(demo_store, actor_of(demo_store, role), QUARTER, folder=tmp_path)
    entity = actor_of(demo_store, "entity")
    with demo_store.session() as db:
        with pytest.raises(Denied):
            editions(db, entity)
        with pytest.raises(Denied):
            edition_file(db, entity, 1, folder=tmp_path)
        assert db.scalar(select(Release.id)) is None
        assert db.scalar(select(Period.locked).where(Period.code == QUARTER)) is False
    assert not any(tmp_path.iterdir())


def test_only_a_quarter_with_approved_figures_is_published(users_db_url, tmp_path):
    store = Store(users_db_url)
    office = actor_of(store, "supervisor")
    try:
        with pytest.raises(PublishRefused) as refused:
            publish(store, office, QUARTER, folder=tmp_path)
        assert refused.value.reason == "no_approved_figures"
        for note in ("fixed\x00", "a\x07b"):  # PostgreSQL refuses NUL; no note has them
            with pytest.raises(PublishRefused) as refused:
                publish(store, office, QUARTER, note, folder=tmp_path)
            assert refused.value.reason == "note_control_characters"
        for unknown in ("2031-Q1", "2025", "nonsense"):
            with pytest.raises(NotFound):
                publish(store, office, unknown, folder=tmp_path)
        with store.session() as db:
            assert db.scalar(select(Period.locked).where(Period.code == QUARTER)) is False
    finally:
        store.engine.dispose()


def test_a_kept_file_is_never_overwritten(tmp_path: Path):
    stored = keep_file(tmp_path, "2025-Q4/abc", "report.pdf", b"first")
    with pytest.raises(FileExistsError):
        keep_file(tmp_path, "2025-Q4/abc", "report.pdf", b"second")
    assert (tmp_path / stored).read_bytes() == b"first"
    assert [p.name for p in (tmp_path / "2025-Q4/abc").iterdir()] == ["report.pdf"]


def test_the_command_line_builds_the_files_and_refuses_an_unknown_period(
    demo_db_url, tmp_path, monkeypatch, capsys
):
    from reports.__main__ import main

    monkeypatch.setenv("DATABASE_URL", demo_db_url)
    assert main(["build", "--period", "2031-Q1", "-o", str(tmp_path / "none")]) == 1
    refused = capsys.readouterr()
    assert "'2031-Q1' is not a quarter with approved figures" in refused.err
    assert "2025-Q4" in refused.err and not (tmp_path / "none").exists()
    outputs = []
    for run in ("one", "two"):
        assert main(["build", "--period", QUARTER, "-o", str(tmp_path / run)]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == 5
        for line in lines:
            digest, path = line.split()[:2]
            assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest
        outputs.append({Path(line.split()[1]).name: line.split()[0] for line in lines})
    ours = [name for name in outputs[0] if not name.endswith(".pdf")]
    assert len(ours) == 3  # the Excel packs and the open data package: the same bytes again
    assert all(outputs[0][name] == outputs[1][name] for name in ours)
    with Store(demo_db_url).session() as db:  # building is not publishing
        assert db.scalar(select(Release.id)) is None
