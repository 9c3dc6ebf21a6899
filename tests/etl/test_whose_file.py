"""Whose file it is (issue 12, item 4): the uploader decides the entity, the same file sent twice at
once makes one submission, nobody reviews their own upload, and every kept file has a row naming
its uploader, written before the file is read."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

import etl.__main__ as cli
from data.audit import verify_chain
from data.models import AuditEvent, Entity, Submission, Upload, User
from etl.ingest import Incoming, ingest_isolated
from etl.workflow import OwnSubmission, approve, return_for_changes
from tests.conftest import ROLE_USERS
from tests.etl.conftest import TODAY, fill


def _about_says(data: bytes, entity: str) -> bytes:
    """The template with its About sheet naming another entity."""

    def edit(sheet):
        about = sheet.parent["About"]
        for row in about.iter_rows():
            if str(row[0].value or "").startswith("Entity code"):
                row[1].value = entity

    return fill(data, {"T1.5": {"Value": 40}}, edit)


def _cli(monkeypatch, db_url, uploads, *args) -> int:
    for key, value in {
        "DATABASE_URL": db_url,
        "INSTANCE_PATH": str(Path(uploads).parent / "i"),
        "UPLOAD_DIR": str(uploads),
    }.items():
        monkeypatch.setenv(key, value)
    return cli.main(["ingest", *map(str, args)])


def test_an_entity_user_cannot_file_a_template_under_another_entity(
    desk, users_db_url, tmp_path, monkeypatch, capsys
):
    foreign = tmp_path / "mof.xlsx"
    foreign.write_bytes(_about_says(desk.template(), "MOF"))
    status = _cli(
        monkeypatch,
        users_db_url,
        desk.uploads,
        foreign,
        "--user",
        ROLE_USERS["entity"][0],
        "--submit",
    )
    out = capsys.readouterr().out
    assert status == 1
    assert "refused (MOH 2025-Q3" in out and "This template is for MOF, not MOH" in out
    with desk.store.session() as db:
        upload = db.scalars(select(Upload)).one()
        assert db.get(Entity, upload.entity_id).code == "MOH"
        rejected = db.scalars(select(Submission)).one()
        assert (db.get(Entity, rejected.entity_id).code, rejected.status) == ("MOH", "rejected")


def test_the_other_entity_cannot_download_what_was_sent_in_its_name(
    app, login, tmp_path, monkeypatch
):
    store = app.server.extensions["store"]
    with store.session() as db:
        from etl.template import template_bytes

        template = template_bytes(db, "MOH", "2025-Q3")
    foreign = tmp_path / "mof.xlsx"
    foreign.write_bytes(_about_says(template, "MOF"))
    url = store.engine.url.render_as_string(hide_password=False)
    _cli(
        monkeypatch,
        url,
        app.server.config["UPLOAD_DIR"],
        foreign,
        "--user",
        ROLE_USERS["entity"][0],
    )
    with store.session() as db:
        upload_id = db.scalar(select(Upload.id))
    # another entity's file answers like no file at all (ids reveal nothing)
    assert login("entity_other").get(f"/submissions/file/{upload_id}").status_code == 404


@pytest.mark.parametrize("role", ["entity", "supervisor"])
def test_the_same_file_sent_twice_at_once_makes_one_submission(desk, role):
    data = fill(desk.template(), {"T1.5": {"Value": 44}})
    with desk.store.session() as db:
        user_id = db.scalar(select(User.id).where(User.email == ROLE_USERS[role][0]))
    start = threading.Barrier(3)
    outcomes, errors = [], []

    def send() -> None:
        start.wait()
        try:
            incoming = Incoming(data, "moh.xlsx", "MOH")
            outcomes.extend(
                ingest_isolated(
                    desk.store, [incoming], user_id, desk.uploads, submit=True, today=TODAY
                )
            )
        except Exception as error:  # collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(o.outcome for o in outcomes) == ["duplicate", "duplicate", "submitted"]
    with desk.store.session() as db:
        assert db.scalar(select(func.count()).select_from(Submission)) == 1
        assert db.scalar(select(func.count()).select_from(Upload)) == 3


def test_nobody_reviews_a_submission_they_uploaded(desk):
    outcome = desk.ingest(
        fill(desk.template(), {"T1.5": {"Value": 44}}), role="supervisor", entity_code="MOH"
    )
    assert outcome.outcome == "submitted"
    with desk.store.transaction() as db:
        submission = db.get(Submission, outcome.submission_id)
        uploader = db.scalar(select(User).where(User.email == ROLE_USERS["supervisor"][0]))
        with pytest.raises(OwnSubmission):
            approve(db, submission, uploader)
        with pytest.raises(OwnSubmission):
            return_for_changes(db, submission, uploader, "check T1.5")
        assert submission.status == "submitted"
        other = db.scalar(select(User).where(User.email == ROLE_USERS["admin"][0]))
        approve(db, submission, other)
        assert submission.status == "approved"


def test_the_review_page_says_why_its_uploader_cannot_decide(app, login):
    """The page shows no buttons to the uploader, and a forged callback is refused all the same."""
    from tests.dashboards.conftest import page, signed_in, text_of
    from tests.web.test_auth import dash_post
    from tests.web.test_submission_access import callback

    store = app.server.extensions["store"]
    with store.session() as db:
        from etl.template import template_bytes

        template = template_bytes(db, "MOH", "2025-Q3")
        supervisor = db.scalar(select(User.id).where(User.email == ROLE_USERS["supervisor"][0]))
    incoming = Incoming(fill(template, {"T1.5": {"Value": 44}}), "moh.xlsx", "MOH")
    folder = Path(app.server.config["UPLOAD_DIR"])
    [outcome] = ingest_isolated(store, [incoming], supervisor, folder, submit=True, today=TODAY)
    review = page("review")
    with signed_in(app, "supervisor"):
        mine = text_of(review.layout(submission=str(outcome.submission_id)))
    with signed_in(app, "admin"):
        theirs = text_of(review.layout(submission=str(outcome.submission_id)))
    assert "You uploaded this submission" in mine
    assert "You uploaded this submission" not in theirs and "Approve" in theirs
    client = login("supervisor")
    client.get("/review")
    forged = callback(
        "review-result.children",
        [
            {"id": "review-approve", "property": "n_clicks", "value": 1},
            {"id": "review-return", "property": "n_clicks", "value": None},
        ],
        [
            {"id": "review-submission", "property": "data", "value": outcome.submission_id},
            {"id": "review-reason", "property": "value", "value": ""},
        ],
    )
    answer = dash_post(client, forged)
    assert answer.status_code == 200 and "You uploaded this submission" in answer.text
    with store.session() as db:
        assert db.get(Submission, outcome.submission_id).status == "submitted"


@pytest.fixture
def failing_comment(desk):
    """A store that fails to write any figure whose comment is 'store fault': a fault of the
    store, not of the file (a trigger, as a broken disk or a bad migration would)."""
    with desk.store.transaction() as db:
        if db.bind.dialect.name == "postgresql":
            db.execute(
                text(
                    "CREATE FUNCTION fault() RETURNS trigger AS $$ BEGIN IF NEW.comment = "
                    "'store fault' THEN RAISE EXCEPTION 'disk on fire'; END IF; RETURN NEW; END "
                    "$$ LANGUAGE plpgsql"
                )
            )
            db.execute(
                text(
                    "CREATE TRIGGER fault BEFORE INSERT ON observations "
                    "FOR EACH ROW EXECUTE FUNCTION fault()"
                )
            )
        else:
            db.execute(
                text(
                    "CREATE TRIGGER fault BEFORE INSERT ON observations "
                    "WHEN NEW.comment = 'store fault' "
                    "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
                )
            )
    return desk


def test_one_file_the_store_cannot_write_costs_no_other_file_of_the_batch(
    failing_comment, users_db_url, tmp_path, monkeypatch, capsys
):
    desk = failing_comment
    template = desk.template()
    names = []
    for number, comment in enumerate(["fine", "store fault", "fine too"]):
        value = 40 + number
        name = tmp_path / f"moh-{number}.xlsx"
        name.write_bytes(fill(template, {"T1.5": {"Value": value, "Comment": comment}}))
        names.append(name)
    monkeypatch.setattr(cli, "CHUNK_FILES", 32)
    status = _cli(
        monkeypatch,
        users_db_url,
        desk.uploads,
        *names,
        "--user",
        ROLE_USERS["entity"][0],
        "--submit",
    )
    out = capsys.readouterr().out
    assert status == 1
    assert f"{names[0]}: submitted" in out and f"{names[2]}: submitted" in out
    assert f"{names[1]}: failed" in out and "fault on its side" in out
    with desk.store.session() as db:
        outcomes = sorted(db.scalars(select(Upload.outcome)))
        assert outcomes == ["failed", "submitted", "submitted"]
        failure = db.scalars(select(AuditEvent).where(AuditEvent.action == "upload.failed")).one()
        assert "disk on fire" in failure.after["error"]
        assert verify_chain(db).ok
        stored = set(db.scalars(select(Upload.stored_name)))
    kept = {p.relative_to(desk.uploads).as_posix() for p in desk.uploads.rglob("*.bin")}
    assert kept == stored  # every kept file has its row, and no row lacks its file


def test_a_file_is_recorded_with_its_uploader_before_it_is_read(desk, monkeypatch):
    """Reading is where hostile files strike: by then the file and its row are committed."""
    import etl.ingest

    seen, read = {}, etl.ingest.read_workbook

    def look_then_read(data):
        with desk.store.session() as db:  # another connection: sees only what is committed
            seen["rows"] = db.execute(select(Upload.outcome, Upload.uploaded_by_id)).all()
        return read(data)

    monkeypatch.setattr(etl.ingest, "read_workbook", look_then_read)
    with desk.store.session() as db:
        user_id = db.scalar(select(User.id).where(User.email == ROLE_USERS["entity"][0]))
    data = fill(desk.template(), {"T1.5": {"Value": 44}})
    [outcome] = ingest_isolated(
        desk.store, [Incoming(data, "moh.xlsx")], user_id, desk.uploads, today=TODAY
    )
    assert seen["rows"] == [("received", user_id)]
    assert outcome.outcome == "checked"


def test_the_command_line_refuses_links_and_devices_and_keeps_nothing_of_them(
    desk, users_db_url, tmp_path, monkeypatch, capsys
):
    """A folder a clerk can write to could hold a link to the server's secrets: never followed."""
    good = tmp_path / "good.xlsx"
    good.write_bytes(fill(desk.template(), {"T1.5": {"Value": 41}}))
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET_KEY=do-not-leak")
    link = tmp_path / "link.xlsx"
    link.symlink_to(secret)
    status = _cli(
        monkeypatch,
        users_db_url,
        desk.uploads,
        link,
        "/dev/null",
        good,
        "--user",
        ROLE_USERS["entity"][0],
        "--submit",
    )
    out = capsys.readouterr().out
    assert status == 1
    assert f"{link}: refused: a symbolic link" in out and "/dev/null: refused: not a plain" in out
    assert f"{good}: submitted" in out
    kept = [p.read_bytes() for p in desk.uploads.rglob("*.bin")]
    assert len(kept) == 1 and b"do-not-leak" not in kept[0]


def test_a_file_name_is_kept_without_control_or_invisible_characters(desk):
    """NUL fails on PostgreSQL; a right-to-left override disguises the name in every list."""
    data = fill(desk.template(), {"T1.5": {"Value": 42}})
    outcome = desk.ingest(data, name="q3\x00\u202e.xlsx; status: approved")
    with desk.store.session() as db:
        upload = db.get(Upload, outcome.upload_id)
        assert upload.file_name == "q3.xlsx; status: approved"
        event = db.scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "upload", AuditEvent.object_id == str(upload.id)
            )
        ).one()
        assert event.after["file"] == "q3.xlsx; status: approved"
