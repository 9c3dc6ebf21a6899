"""Backups: one archive holding the database, every kept file and a manifest of checksums; and
restoring one into an empty database and folders, after checking every checksum.

The archive is a single uncompressed tar file: one file to copy off the machine and check
(`sha256sum -c` with the `.sha256` file written beside it), listed by `tar tvf`, readable without
this tracker. Its members are already compressed (pg_dump's custom format, xlsx, zip, PDF), so
compressing again would gain little and cost time. Members:

- `database/tracker.pgdump` (PostgreSQL: `pg_dump --format=custom --no-owner`, one snapshot) or
  `database/tracker.sqlite` (SQLite: a consistent copy through sqlite3's online backup API);
- `files/<folder>/<stored name>`: every kept file, byte for byte (`KEPT_FOLDERS`);
- `manifest.json`, last: each member's size and SHA-256, the database's Alembic revision, the
  settings that matter (no password) and the time.

The database is dumped before the folders are read: a file reaches the disk before the
transaction that names it commits (etl/storage.py, services/releases.py), so every file the
dumped database names is in the archive; a file kept by a transaction that had not committed
yet is in it too, harmlessly."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from data.db import alembic_config, make_engine
from settings import Settings

FORMAT = "tracker-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"postgresql": "database/tracker.pgdump", "sqlite": "database/tracker.sqlite"}
# the folders of kept files: the archive's folder name -> the Settings field naming it
KEPT_FOLDERS = {"uploads": "upload_dir", "releases": "release_dir"}
CHUNK = 1 << 20
PG_TOOLS = ("pg_dump", "pg_restore", "psql")


class BackupRefused(Exception):
    """Nothing was done, for the reason given (exit status 2)."""


class BackupFailed(Exception):
    """A tool (pg_dump, pg_restore, psql) failed part way; its message says why (exit status 1)."""


@dataclass(frozen=True)
class Member:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Written:
    """What `write_backup` wrote."""

    path: Path
    files: int
    total_bytes: int
    sha256: str
    manifest: dict[str, Any]


@dataclass(frozen=True)
class Restored:
    """What `restore` did."""

    revision: str
    files_written: int
    files_present: int
    notes: tuple[str, ...] = ()


# ------------------------------------------------------------------ the manifest


def make_manifest(
    members: list[Member],
    *,
    revision: str,
    settings: Settings,
    database: dict[str, Any],
    created_at: datetime,
) -> dict[str, Any]:
    """The manifest: every member with its size and SHA-256, the Alembic revision, the settings
    that matter to restore it (never a password) and the time, in UTC."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": created_at.astimezone(UTC).isoformat(timespec="seconds"),
        "alembic_revision": revision,
        "database": database,
        "settings": settings_summary(settings),
        "members": [{"name": m.name, "size": m.size, "sha256": m.sha256} for m in members],
    }


def settings_summary(settings: Settings) -> dict[str, Any]:
    url = make_url(settings.database_url)
    summary: dict[str, Any] = {
        "database_kind": database_kind(settings.database_url),
        "database": url.database,
        "app_env": settings.app_env,
    }
    if summary["database_kind"] == "postgresql":
        summary |= {"host": url.host, "port": url.port, "user": url.username}
    for folder, field in KEPT_FOLDERS.items():
        summary[f"{folder}_dir"] = str(getattr(settings, field))
    return summary


def database_kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in DATABASE_MEMBERS:
        raise BackupRefused(f"DATABASE_URL names a {backend} database: only PostgreSQL and SQLite")
    return backend


# ------------------------------------------------------------------ writing


def write_backup(
    settings: Settings, destination: Path | str, *, now: datetime | None = None
) -> Written:
    """Write the archive at `destination` (a folder, or a name ending in `/`: a dated file in
    it), never over an existing file, and its SHA-256 in `<archive>.sha256` beside it."""
    now = now or datetime.now(UTC)
    target = _archive_path(destination, now)
    kind = database_kind(settings.database_url)
    revision = current_revision(settings.database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    try:
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".backup-") as work:
            dump = Path(work) / "database"
            database = _dump_database(settings.database_url, kind, dump)
            with tarfile.open(partial, "x", format=tarfile.PAX_FORMAT) as archive:
                members = [_add(archive, DATABASE_MEMBERS[kind], dump)]
                members += [_add(archive, name, path) for name, path in kept_files(settings)]
                manifest = make_manifest(
                    members, revision=revision, settings=settings, database=database, created_at=now
                )
                _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode(), now)
            _fsync(partial)
            digest = file_sha256(partial)
            _move_into_place(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    Path(f"{target}.sha256").write_text(f"{digest}  {target.name}\n", encoding="utf-8")
    files = [m for m in members if m.name != DATABASE_MEMBERS[kind]]
    total = sum(m.size for m in members)
    return Written(target, len(files), total, digest, manifest)


def _move_into_place(partial: Path, target: Path) -> None:
    """Link the finished archive to its name: this fails, rather than overwrite, if the name
    appeared meanwhile. A folder that cannot link (some network shares) gets a rename."""
    try:
        os.link(partial, target)
    except FileExistsError:
        raise BackupRefused(
            f"{target} appeared meanwhile: a backup never overwrites a file"
        ) from None
    except OSError:
        if target.exists():
            raise BackupRefused(
                f"{target} already exists: a backup never overwrites a file"
            ) from None
        os.replace(partial, target)


def _archive_path(destination: Path | str, now: datetime) -> Path:
    folder = str(destination).endswith(("/", os.sep))
    destination = Path(destination)
    if folder or destination.is_dir():
        destination /= f"tracker-backup-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}.tar"
    if destination.exists():
        raise BackupRefused(f"{destination} already exists: a backup never overwrites a file")
    return destination


def kept_files(settings: Settings) -> Iterator[tuple[str, Path]]:
    """(member name, path) of every kept file, in a stable order. Only plain files: a symbolic
    link could point anywhere; a hidden `.…part` file is one being written."""
    for folder, field in KEPT_FOLDERS.items():
        root = Path(getattr(settings, field))
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if path.is_symlink() or not path.is_file() or _partial_name(path.name):
                continue
            yield f"files/{folder}/{relative.as_posix()}", path


def _partial_name(name: str) -> bool:
    return name.startswith(".") and name.endswith(".part")


def _add(archive: tarfile.TarFile, name: str, path: Path) -> Member:
    """Add the file at `path` as `name`, hashing it as it is written."""
    with open(path, "rb") as handle:
        info = tarfile.TarInfo(name)
        stat = os.fstat(handle.fileno())
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o640
        reader = _Hashing(handle)
        archive.addfile(info, reader)
    return Member(name, info.size, reader.hexdigest())


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, now: datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o640
    archive.addfile(info, _Hashing(_BytesReader(data)))


class _Hashing:
    """A reader that hashes what is read through it."""

    def __init__(self, handle: IO[bytes] | _BytesReader) -> None:
        self.handle = handle
        self.hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.hash.update(data)
        return data

    def hexdigest(self) -> str:
        return self.hash.hexdigest()


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self.data, self.position = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.position + size
        chunk, self.position = self.data[self.position : end], min(end, len(self.data))
        return chunk


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def current_revision(url: str) -> str:
    if database_kind(url) == "sqlite" and not sqlite_path(url).is_file():
        raise BackupRefused(f"no SQLite database at {sqlite_path(url)}")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            known = inspect(connection).has_table("alembic_version")
            revision = known and connection.scalar(text("select version_num from alembic_version"))
    except Exception as error:
        raise BackupRefused(
            f"cannot reach the database of DATABASE_URL: {_first_line(error)}"
        ) from error
    finally:
        engine.dispose()
    if not revision:
        raise BackupRefused(
            "the database has no Alembic revision: is DATABASE_URL the tracker's database? "
            "(`python -m data init` makes one)"
        )
    return str(revision)


# ------------------------------------------------------------------ the database


def _dump_database(url: str, kind: str, target: Path) -> dict[str, Any]:
    if kind == "sqlite":
        return _copy_sqlite(sqlite_path(url), target)
    return _pg_dump(url, target)


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupRefused("DATABASE_URL names an SQLite database in memory: nothing to back up")
    return Path(database)


def _copy_sqlite(source: Path, target: Path) -> dict[str, Any]:
    """A consistent copy through the online backup API (never a raw copy of a live file, which
    may be caught between writes or miss what is still in the -wal file)."""
    if not source.is_file():
        raise BackupRefused(f"no SQLite database at {source}")
    with _sqlite(f"file:{source}?mode=ro") as origin, _sqlite(str(target)) as copy:
        origin.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    return {"kind": "sqlite", "sqlite_version": sqlite3.sqlite_version}


class _sqlite:
    """A sqlite3 connection closed on leaving (sqlite3's own context manager only commits)."""

    def __init__(self, name: str) -> None:
        self.connection = sqlite3.connect(name, uri=name.startswith("file:"), timeout=30)

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *_exc) -> None:
        self.connection.close()


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """The SQLAlchemy URL (postgresql+psycopg://user:pw@host:port/db) as libpq's
    (postgresql://user@host:port/db), and the environment carrying the password (PGPASSWORD:
    never on a command line, where `ps` would show it)."""
    parsed = make_url(url)
    plain = URL.create(  # `set(password=None)` would keep the password
        "postgresql", parsed.username, None, parsed.host, parsed.port, parsed.database, parsed.query
    )
    env = {**os.environ}
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    return plain.render_as_string(hide_password=False), env


def tool(name: str) -> str:
    found = shutil.which(name) or (
        f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None
    )
    if found is None:
        raise BackupRefused(
            f"{name} is not installed: install PostgreSQL's client programs "
            "(Debian: apt-get install postgresql-client) of the server's version or newer"
        )
    return found


def tool_major(name: str) -> int:
    """The major version of pg_dump, pg_restore or psql ("pg_dump (PostgreSQL) 15.18" -> 15)."""
    output = subprocess.run(
        [tool(name), "--version"], capture_output=True, text=True, check=False
    ).stdout
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", output)
    if match is None:
        raise BackupFailed(f"cannot read the version of {name}: {output.strip()!r}")
    return int(match[1])


def server_major(url: str) -> tuple[int, str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            number = int(connection.scalar(text("show server_version_num")))
            shown = connection.scalar(text("show server_version"))
    except Exception as error:
        raise BackupRefused(
            f"cannot reach the database of DATABASE_URL: {_first_line(error)}"
        ) from error
    finally:
        engine.dispose()
    return number // 10000, str(shown)


def _pg_dump(url: str, target: Path) -> dict[str, Any]:
    server, shown = server_major(url)
    dumper = tool_major("pg_dump")
    if dumper < server:
        raise BackupRefused(
            f"pg_dump {dumper} cannot dump a PostgreSQL {server} server: install the client "
            f"programs of version {server} or newer (Debian: postgresql-client-{server}) and put "
            "them first on PATH"
        )
    address, env = libpq(url)
    command = [tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", address]
    _run(command, env, "pg_dump")
    return {"kind": "postgresql", "server_version": shown, "pg_dump_major": dumper}


def _run(command: list[str], env: dict[str, str], name: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupFailed(f"{name} failed (exit status {done.returncode}): {done.stderr.strip()}")


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


# ------------------------------------------------------------------ checking


def verify(source: Path) -> dict[str, Any]:
    """Check the archive: every member named safely and listed in the manifest with its size
    and SHA-256, nothing missing, nothing added; and the whole file against `<source>.sha256`
    when that is beside it. Returns the manifest; `BackupRefused` naming the first fault."""
    source = Path(source)
    if not source.is_file():
        raise BackupRefused(f"no archive at {source}")
    try:
        with tarfile.open(source, "r:") as archive:
            found = _safe_members(archive)
            manifest = _read_manifest(archive, found)
            listed = _listed(manifest)
            _compare(archive, found, listed)
    except tarfile.TarError as error:
        raise BackupRefused(f"{source} is not a readable tar archive ({error})") from None
    _check_sidecar(source)
    return manifest


def safe_member_name(name: str) -> bool:
    """A relative path of plain parts under `database/` or `files/<kept folder>/`, or the
    manifest: no absolute path, no `..`, no backslash, nothing else."""
    if name == MANIFEST or name in DATABASE_MEMBERS.values():
        return True
    path = PurePosixPath(name)
    parts = path.parts
    return (
        not path.is_absolute()
        and "\\" not in name
        and "\x00" not in name
        and len(parts) >= 3
        and parts[0] == "files"
        and parts[1] in KEPT_FOLDERS
        and all(part not in ("", ".", "..") for part in parts)
        and str(path) == name
    )


def _safe_members(archive: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    found: dict[str, tarfile.TarInfo] = {}
    for info in archive.getmembers():
        if not safe_member_name(info.name):
            raise BackupRefused(
                f"member {info.name!r} is refused: only relative names under database/ and "
                "files/ are restored (no absolute path, no '..'), so nothing can be written "
                "outside the target folders"
            )
        if not info.isreg():
            raise BackupRefused(f"member {info.name!r} is refused: not a plain file")
        if info.name in found:
            raise BackupRefused(f"member {info.name!r} is in the archive twice")
        found[info.name] = info
    return found


def _read_manifest(archive: tarfile.TarFile, found: dict[str, tarfile.TarInfo]) -> dict:
    if MANIFEST not in found:
        raise BackupRefused(f"the archive has no {MANIFEST}: not a tracker backup")
    try:
        manifest = json.loads(archive.extractfile(found[MANIFEST]).read())
    except ValueError as error:
        raise BackupRefused(f"member {MANIFEST} is damaged: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupRefused(f"member {MANIFEST} is not a tracker backup's manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupRefused(
            f"member {MANIFEST}: format version {manifest.get('format_version')!r}; this tracker "
            f"restores version {FORMAT_VERSION}"
        )
    return manifest


def _listed(manifest: dict) -> dict[str, Member]:
    listed: dict[str, Member] = {}
    try:
        for entry in manifest["members"]:
            member = Member(str(entry["name"]), int(entry["size"]), str(entry["sha256"]))
            if not safe_member_name(member.name) or member.name == MANIFEST:
                raise BackupRefused(f"member {member.name!r} of {MANIFEST} is refused")
            listed[member.name] = member
    except (KeyError, TypeError, ValueError):
        raise BackupRefused(
            f"member {MANIFEST} is damaged: its list of members is unreadable"
        ) from None
    return listed


def _compare(
    archive: tarfile.TarFile, found: dict[str, tarfile.TarInfo], listed: dict[str, Member]
) -> None:
    for name in found:
        if name != MANIFEST and name not in listed:
            raise BackupRefused(f"member {name!r} is not in the manifest: the archive was altered")
    for name, member in listed.items():
        if name not in found:
            raise BackupRefused(f"member {name!r} is missing from the archive")
        digest = _member_sha256(archive, found[name])
        if found[name].size != member.size or digest != member.sha256:
            raise BackupRefused(
                f"member {name!r} is damaged or altered: its SHA-256 is {digest}, the manifest "
                f"says {member.sha256}; nothing was restored"
            )


def _member_sha256(archive: tarfile.TarFile, info: tarfile.TarInfo) -> str:
    digest = hashlib.sha256()
    handle = archive.extractfile(info)
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _check_sidecar(source: Path) -> None:
    sidecar = Path(f"{source}.sha256")
    if not sidecar.is_file():
        return
    expected = sidecar.read_text(encoding="utf-8").split()[:1]
    if expected != [file_sha256(source)]:
        raise BackupRefused(
            f"{source.name} does not match the SHA-256 in {sidecar.name}: the archive was "
            "damaged or altered"
        )


# ------------------------------------------------------------------ restoring


def restore(source: Path, settings: Settings, *, force: bool = False) -> Restored:
    """Restore the archive into the database of `settings` and its folders, after `verify`.
    Refused, changing nothing: a damaged archive; a database that already has tables, or a
    different file already at a kept file's place (unless `force`); an archive of the other
    kind of database; a revision this tracker does not know."""
    source = Path(source)
    manifest = verify(source)
    kind = database_kind(settings.database_url)
    archived = _archived_kind(manifest)
    if archived != kind:
        raise BackupRefused(
            f"the archive holds a {archived} database and DATABASE_URL names a {kind} one"
        )
    revision = str(manifest["alembic_revision"])
    notes = [_revision_note(revision, settings.database_url)]
    listed = _listed(manifest)
    _check_target_database(settings.database_url, kind, force)
    plan = _plan_files(listed, settings, force)
    with tarfile.open(source, "r:") as archive, tempfile.TemporaryDirectory() as work:
        member = listed[DATABASE_MEMBERS[kind]]
        dump = _extract(archive, member, Path(work) / "database")
        _restore_database(settings.database_url, kind, dump, manifest, force)
        for target, file_member in plan.to_write:
            _write_file(archive, file_member, target, replace=force)
    return Restored(revision, len(plan.to_write), plan.present, tuple(n for n in notes if n))


def _archived_kind(manifest: dict) -> str:
    """The kind of database the archive holds; its member must be listed."""
    database = manifest.get("database")
    kind = database.get("kind") if isinstance(database, dict) else None
    listed = {str(m.get("name")) for m in manifest["members"] if isinstance(m, dict)}
    if kind not in DATABASE_MEMBERS or DATABASE_MEMBERS[kind] not in listed:
        raise BackupRefused(f"member {MANIFEST} names no database the archive holds")
    if not isinstance(manifest.get("alembic_revision"), str):
        raise BackupRefused(f"member {MANIFEST} has no Alembic revision")
    return kind


def _revision_note(revision: str, url: str) -> str:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    scripts = ScriptDirectory.from_config(alembic_config(url))
    try:
        known = scripts.get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        raise BackupRefused(
            f"the archive's database is at revision {revision!r}, which this tracker does not "
            "know: restore it with the tracker's version that made it (or a newer one)"
        )
    if revision not in scripts.get_heads():
        return f"the database is at revision {revision}: run `python -m data init` to migrate it"
    return ""


def database_has_tables(url: str, kind: str) -> bool:
    if kind == "sqlite":
        path = sqlite_path(url)
        if not path.exists():
            return False
        with _sqlite(f"file:{path}?mode=ro") as connection:
            count = "select count(*) from sqlite_master where type = 'table'"
            return connection.execute(count).fetchone()[0] > 0
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return bool(inspect(connection).get_table_names())
    except BackupRefused:
        raise
    except Exception as error:
        raise BackupRefused(
            f"cannot reach the database of DATABASE_URL: {_first_line(error)}"
        ) from error
    finally:
        engine.dispose()


def _check_target_database(url: str, kind: str, force: bool) -> None:
    if not force and database_has_tables(url, kind):
        raise BackupRefused(
            "the database of DATABASE_URL already has tables: restore into an empty database, "
            "or add --force to replace everything in it (its current contents are lost)"
        )


@dataclass
class _Plan:
    to_write: list[tuple[Path, Member]]
    present: int


def _plan_files(listed: dict[str, Member], settings: Settings, force: bool) -> _Plan:
    """Where each kept file goes; the same file already there is left; a different one is a
    conflict (refused, naming it, unless `force`)."""
    plan = _Plan([], 0)
    conflicts: list[Path] = []
    for name, member in listed.items():
        if not name.startswith("files/"):
            continue
        target = _target_path(name, settings)
        if target.exists() and file_sha256(target) == member.sha256:
            plan.present += 1
            continue
        if target.exists() or target.is_symlink():
            conflicts.append(target)
        plan.to_write.append((target, member))
    if conflicts and not force:
        shown = ", ".join(str(path) for path in conflicts[:3])
        more = f" and {len(conflicts) - 3} more" if len(conflicts) > 3 else ""
        raise BackupRefused(
            f"a different file is already at {shown}{more}: restore into empty folders, or add "
            "--force to replace them"
        )
    return plan


def _target_path(name: str, settings: Settings) -> Path:
    _files, folder, *rest = PurePosixPath(name).parts
    root = Path(getattr(settings, KEPT_FOLDERS[folder])).resolve()
    target = root.joinpath(*rest)
    if root not in target.resolve().parents:
        raise BackupRefused(f"member {name!r} would be written outside {root}")
    return target


def _extract(archive: tarfile.TarFile, member: Member, target: Path) -> Path:
    """Copy a member out, checking its SHA-256 again (the archive may have changed since)."""
    with open(target, "xb") as out:
        _copy_checked(archive, member, out)
    return target


def _copy_checked(archive: tarfile.TarFile, member: Member, out: IO[bytes]) -> None:
    digest = hashlib.sha256()
    handle = archive.extractfile(member.name)
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        out.write(chunk)
    if digest.hexdigest() != member.sha256:
        raise BackupRefused(f"member {member.name!r} changed while it was restored")
    out.flush()
    os.fsync(out.fileno())


def _write_file(archive: tarfile.TarFile, member: Member, target: Path, *, replace: bool) -> None:
    """Write through a temporary file beside the target, then move it into place (linked
    without `replace`, so that a file appearing meanwhile is never overwritten)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    try:
        with open(temporary, "xb") as out:
            _copy_checked(archive, member, out)
        if replace:
            os.replace(temporary, target)
        else:
            os.link(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _restore_database(url: str, kind: str, dump: Path, manifest: dict, force: bool) -> None:
    if kind == "sqlite":
        target = sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        with _sqlite(f"file:{dump}?mode=ro") as origin, _sqlite(str(target)) as copy:
            origin.backup(copy)  # page by page, under the target's own lock: never a half file
        return
    _pg_restore(url, dump, manifest, force)


def _pg_restore(url: str, dump: Path, manifest: dict, force: bool) -> None:
    """pg_restore's script run by psql in one transaction: all of it or nothing. With `force`,
    the public schema is emptied first, in the same transaction."""
    made_by = int(manifest["database"].get("pg_dump_major") or 0)
    restorer = tool_major("pg_restore")
    if made_by > restorer:
        raise BackupRefused(
            f"the archive was made by pg_dump {made_by}; pg_restore {restorer} cannot read it: "
            f"install the client programs of version {made_by} or newer"
        )
    server, _shown = server_major(url)
    if server < made_by:
        raise BackupRefused(
            f"the archive was made by pg_dump {made_by} and the server is PostgreSQL {server}: "
            f"restore into a PostgreSQL {made_by} server or newer"
        )
    address, env = libpq(url)
    script = [tool("pg_restore"), "--no-owner", "--exit-on-error", "--file=-", str(dump)]
    run_sql = [tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction"]
    run_sql += ["--set=ON_ERROR_STOP=1", f"--dbname={address}"]
    if force:
        run_sql += ["--command=DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;"]
    run_sql += ["--file=-"]
    with subprocess.Popen(script, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as reader:
        done = subprocess.run(
            run_sql, stdin=reader.stdout, env=env, capture_output=True, text=True, check=False
        )
        reader.stdout.close()
        read_errors = reader.stderr.read().decode(errors="replace").strip()
    if reader.returncode != 0:
        raise BackupFailed(f"pg_restore failed (exit status {reader.returncode}): {read_errors}")
    if done.returncode != 0:
        raise BackupFailed(
            f"psql failed (exit status {done.returncode}); nothing was restored: "
            f"{done.stderr.strip()}"
        )
