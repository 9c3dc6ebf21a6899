"""`python -m data backup` and `restore` (data/backup.py), on SQLite and PostgreSQL: the demo with
a real upload and a published edition, backed up and restored into an empty database and empty
folders, gives the same export, the same published figures, the same files and an intact audit
chain; a damaged or hostile archive, or a database that is not empty, is refused and nothing
changes."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from data import backup
from data.__main__ import main
from data.db import Store
from data.models import Submission, Upload, User
from etl.export import export_csv
from etl.template import template_bytes
from services.actors import Actor
from services.releases import edition_file, editions, public_observations, publish
from services.submissions import check
from settings import Settings
from tests.conftest import PG_SKIP, ROLE_USERS

QUARTER = "2025-Q4"


class Site:
    """A database and its folders of kept files, as the settings of one installation."""

    def __init__(self, url: str, folder: Path) -> None:
        self.settings = Settings(
            database_url=url,
            app_env="test",
            instance_path=folder / "instance",
            upload_dir=folder / "uploads",
            release_dir=folder / "releases",
        )
        self.store = Store(url)

    @property
    def env(self) -> dict[str, str]:
        return {
            "DATABASE_URL": self.settings.database_url,
            "INSTANCE_PATH": str(self.settings.instance_path),
            "UPLOAD_DIR": str(self.settings.upload_dir),
            "RELEASE_DIR": str(self.settings.release_dir),
        }

    def actor(self, role: str) -> Actor:
        with self.store.session() as db:
            return Actor.of(db.scalar(select(User).where(User.email == ROLE_USERS[role][0])))

    def upload(self) -> int:
        """A clerk's workbook, sent through the upload path (kept, checked, recorded)."""
        with self.store.session() as db:
            data = template_bytes(db, "MOH", QUARTER)
        clerk, folder = self.actor("entity"), self.settings.upload_dir
        outcome = check(self.store, clerk, folder, data, "moh.xlsx", "MOH", None)
        assert outcome.upload_id is not None, outcome
        return outcome.upload_id

    def files(self) -> dict[str, str]:
        """Every kept file, by folder and name, with its SHA-256."""
        found = {}
        for folder in (self.settings.upload_dir, self.settings.release_dir):
            for path in sorted(folder.rglob("*")) if folder.exists() else []:
                if path.is_file():
                    key = f"{folder.name}/{path.relative_to(folder).as_posix()}"
                    found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
        return found

    def export(self) -> str:
        with self.store.session() as db:
            return export_csv(db)

    def published(self) -> tuple[list, list[dict], dict[int, bytes]]:
        """The editions listed, the public figures read back from the frozen open data package,
        and every edition file as downloaded (each checked against its SHA-256)."""
        committee = self.actor("committee")
        folder = self.settings.release_dir
        with self.store.session() as db:
            listed = editions(db, committee)
            figures = public_observations(db, folder=folder)
            files = {
                f.id: edition_file(db, committee, f.id, folder=folder)[1]
                for edition in listed
                for f in edition.files
            }
        return listed, figures, files

    def close(self) -> None:
        self.store.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request):
    """Fresh databases of one backend (the conftest's: templates copied per test)."""
    if request.param == "postgresql":
        found = request.getfixturevalue("postgres_databases")
        if found is None:
            pytest.skip(PG_SKIP)
        return found
    return request.getfixturevalue("sqlite_databases")


@pytest.fixture
def make_site(databases, tmp_path):
    """`make_site(kind, name)`: a database (`demo`, `catalogue` or `empty`) and its folders."""
    made: list[tuple[Site, str]] = []

    def make(kind: str, name: str) -> Site:
        url = databases.fresh(kind)
        site = Site(url, tmp_path / name)
        made.append((site, url))
        return site

    yield make
    for site, url in made:
        site.close()
        databases.drop(url)


@pytest.fixture
def source(make_site) -> Site:
    site = make_site("demo", "source")
    site.upload()
    return site


def run(monkeypatch, capsys, site: Site, *argv: str) -> tuple[int, str, str]:
    """`python -m data ...` with `site`'s settings in the environment."""
    for name, value in site.env.items():
        monkeypatch.setenv(name, value)
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_backup_then_restore_into_an_empty_database_gives_the_same_export_and_files(
    source, make_site, tmp_path, monkeypatch, capsys
):
    publish(source.store, source.actor("supervisor"), QUARTER, folder=source.settings.release_dir)
    archive = tmp_path / "backup.tar"
    before = source.export(), source.published(), source.files()
    assert any(name.startswith("uploads/") for name in before[2])
    assert sum(name.startswith("releases/") for name in before[2]) == 5  # the edition's files

    status, out, err = run(monkeypatch, capsys, source, "backup", str(archive))
    assert (status, err) == (0, "")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert f"wrote {archive}" in out and digest in out
    assert f"{len(before[2])} kept files" in out
    manifest = backup.verify(archive)
    assert f"{sum(m['size'] for m in manifest['members']):,} bytes" in out

    target = make_site("empty", "target")
    status, out, err = run(monkeypatch, capsys, target, "restore", str(archive))
    assert (status, err) == (0, ""), err
    assert f"kept files: {len(before[2])} written" in out

    assert target.export() == before[0]
    assert target.published() == before[1]
    assert target.files() == before[2]
    status, out, _err = run(monkeypatch, capsys, target, "verify-audit")
    assert status == 0 and out.startswith("audit chain intact")


def test_the_manifest_lists_each_member_with_its_size_and_sha256_and_no_password(source, tmp_path):
    written = backup.write_backup(source.settings, tmp_path / "b.tar")
    manifest = written.manifest
    with tarfile.open(written.path) as archive:
        names = archive.getnames()
        for entry in manifest["members"]:
            data = archive.extractfile(entry["name"]).read()
            assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["size"], entry["sha256"])
        stored = json.loads(archive.extractfile(backup.MANIFEST).read())
    assert stored == manifest
    assert names[-1] == backup.MANIFEST
    assert sorted(names[:-1]) == sorted(m["name"] for m in manifest["members"])
    kind = manifest["settings"]["database_kind"]
    assert backup.DATABASE_MEMBERS[kind] in names
    with source.store.session() as db:
        kept = db.scalar(select(Upload.stored_name).where(Upload.stored_name.is_not(None)))
    assert f"files/uploads/{kept}" in names
    assert manifest["alembic_revision"] == backup.current_revision(source.settings.database_url)
    assert written.sha256 == hashlib.sha256(written.path.read_bytes()).hexdigest()
    sidecar = Path(f"{written.path}.sha256").read_text()
    assert sidecar == f"{written.sha256}  b.tar\n"  # the format `sha256sum -c` reads


def test_a_folder_gets_a_dated_archive_and_nothing_is_overwritten(source, tmp_path):
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    dated = backup.write_backup(source.settings, f"{tmp_path}/nightly/", now=when)
    assert dated.path == tmp_path / "nightly" / "tracker-backup-20260102T030405Z.tar"
    before = dated.path.read_bytes()
    with pytest.raises(backup.BackupRefused, match="already exists"):
        backup.write_backup(source.settings, tmp_path / "nightly", now=when)
    assert dated.path.read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "nightly").iterdir()) == [
        dated.path.name,
        f"{dated.path.name}.sha256",
    ]


def test_a_url_with_a_password_passes_it_in_the_environment_only():
    address, env = backup.libpq("postgresql+psycopg://tracker:s3cret@db.example:5433/gdt")
    assert address == "postgresql://tracker@db.example:5433/gdt"
    assert env["PGPASSWORD"] == "s3cret"
    settings = Settings(database_url="postgresql+psycopg://tracker:s3cret@db.example:5433/gdt")
    manifest = backup.make_manifest(
        [backup.Member("database/tracker.pgdump", 3, "ab" * 32)],
        revision="0013",
        settings=settings,
        database={"kind": "postgresql"},
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    assert "s3cret" not in json.dumps(manifest)
    assert manifest["settings"]["database_kind"] == "postgresql"
    assert manifest["created_at"] == "2026-01-02T03:04:05+00:00"


def flip_a_byte(archive: Path, member: str) -> None:
    with tarfile.open(archive) as opened:
        offset = opened.getmember(member).offset_data
    data = bytearray(archive.read_bytes())
    data[offset + 1] ^= 0x01
    archive.write_bytes(bytes(data))


@pytest.mark.parametrize("which", ["database", "upload"])
def test_a_flipped_byte_is_refused_naming_the_member_and_nothing_changes(
    which, source, make_site, tmp_path, monkeypatch, capsys
):
    written = backup.write_backup(source.settings, tmp_path / "b.tar")
    names = [m["name"] for m in written.manifest["members"]]
    member = names[0] if which == "database" else next(n for n in names if "uploads/" in n)
    flip_a_byte(written.path, member)
    target = make_site("empty", "target")

    status, out, err = run(monkeypatch, capsys, target, "restore", str(written.path))
    assert (status, out) == (2, "")
    assert f"member {member!r} is damaged or altered" in err and "nothing was restored" in err
    status, _out, err = run(monkeypatch, capsys, target, "verify-backup", str(written.path))
    assert status == 2 and member in err
    kind = written.manifest["settings"]["database_kind"]
    assert not backup.database_has_tables(target.settings.database_url, kind)
    assert target.files() == {}


def test_the_whole_archive_is_checked_against_its_sha256_file(source, make_site, tmp_path):
    written = backup.write_backup(source.settings, tmp_path / "b.tar")
    Path(f"{written.path}.sha256").write_text(f"{'0' * 64}  b.tar\n")
    with pytest.raises(backup.BackupRefused, match=r"does not match the SHA-256 in b\.tar\.sha256"):
        backup.restore(written.path, make_site("empty", "target").settings)


def test_a_database_with_tables_is_refused_without_force_and_replaced_with_it(
    source, make_site, tmp_path, monkeypatch, capsys
):
    archive = tmp_path / "b.tar"
    backup.write_backup(source.settings, archive)
    target = make_site("catalogue", "target")
    before = target.export()

    status, out, err = run(monkeypatch, capsys, target, "restore", str(archive))
    assert (status, out) == (2, "")
    assert "already has tables" in err and "--force" in err
    assert target.export() == before
    assert target.files() == {}
    with target.store.session() as db:
        assert db.scalar(select(Submission.id).limit(1)) is None

    status, _out, err = run(monkeypatch, capsys, target, "restore", "--force", str(archive))
    assert (status, err) == (0, "")
    target.store.engine.dispose()
    assert target.export() == source.export()
    assert target.files() == source.files()


def test_a_different_file_in_the_way_is_refused_without_force(source, make_site, tmp_path):
    archive = tmp_path / "b.tar"
    written = backup.write_backup(source.settings, archive)
    target = make_site("empty", "target")
    upload = next(m["name"] for m in written.manifest["members"] if "uploads/" in m["name"])
    in_the_way = target.settings.upload_dir / upload.removeprefix("files/uploads/")
    in_the_way.parent.mkdir(parents=True)
    in_the_way.write_bytes(b"another file")
    with pytest.raises(backup.BackupRefused, match="a different file is already at"):
        backup.restore(archive, target.settings)
    assert not backup.database_has_tables(target.settings.database_url, _kind(written))
    assert in_the_way.read_bytes() == b"another file"
    backup.restore(archive, target.settings, force=True)
    assert target.files() == source.files()


def _kind(written: backup.Written) -> str:
    return written.manifest["settings"]["database_kind"]


def hostile_copy(archive: Path, out: Path, name: str, kind: bytes = tarfile.REGTYPE) -> None:
    """The archive with one more member, `name`, listed in its manifest with its right SHA-256,
    so that only the name (or the member's type) is wrong."""
    payload = b"evil"
    with tarfile.open(archive) as original, tarfile.open(out, "w") as copy:
        manifest = json.loads(original.extractfile(backup.MANIFEST).read())
        manifest["members"].append(
            {"name": name, "size": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}
        )
        for info in original.getmembers():
            if info.name != backup.MANIFEST:
                copy.addfile(info, original.extractfile(info))
        extra = tarfile.TarInfo(name)
        extra.type = kind
        if kind == tarfile.SYMTYPE:
            extra.linkname = "/etc/passwd"
        else:
            extra.size = len(payload)
        copy.addfile(extra, io.BytesIO(payload) if kind == tarfile.REGTYPE else None)
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo(backup.MANIFEST)
        info.size = len(data)
        copy.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("../evil", tarfile.REGTYPE),
        ("files/uploads/../../evil", tarfile.REGTYPE),
        ("/tmp/evil", tarfile.REGTYPE),
        ("files/elsewhere/evil", tarfile.REGTYPE),
        ("files/uploads/evil", tarfile.SYMTYPE),
    ],
)
def test_a_member_outside_the_target_folders_is_refused(
    name, kind, sqlite_databases, tmp_path, monkeypatch, capsys
):
    source = Site(sqlite_databases.fresh("catalogue"), tmp_path / "source")
    archive = backup.write_backup(source.settings, tmp_path / "b.tar").path
    hostile = tmp_path / "hostile" / "sub" / "hostile.tar"
    hostile.parent.mkdir(parents=True)
    hostile_copy(archive, hostile, name, kind)
    target = Site(sqlite_databases.fresh("empty"), tmp_path / "target")

    monkeypatch.chdir(hostile.parent)
    status, out, err = run(monkeypatch, capsys, target, "restore", str(hostile))
    assert (status, out) == (2, "")
    assert f"member {name!r} is refused" in err
    assert not list(tmp_path.rglob("evil"))
    assert not Path(target.settings.database_url.removeprefix("sqlite:///")).exists()
    source.close()
    target.close()


def test_a_server_newer_than_pg_dump_is_refused_with_what_to_install(monkeypatch, tmp_path):
    """The one check that cannot run for real here (client and server are both 15)."""
    monkeypatch.setattr(backup, "server_major", lambda url: (16, "16.4"))
    monkeypatch.setattr(backup, "current_revision", lambda url: "0013")
    settings = Settings(database_url="postgresql+psycopg://u@127.0.0.1:1/none")
    with pytest.raises(backup.BackupRefused, match=r"pg_dump 15 cannot dump a PostgreSQL 16 .*16"):
        backup.write_backup(settings, tmp_path / "b.tar")
    assert list(tmp_path.iterdir()) == []
