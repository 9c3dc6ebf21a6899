"""Keep every uploaded file byte for byte, outside the web root, under a generated name."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from etl.load import StoredFile


def keep_original(folder: Path, data: bytes, name: str) -> StoredFile:
    digest = hashlib.sha256(data).hexdigest()
    stored_name = f"{digest[:2]}/{uuid.uuid4().hex}.bin"
    target = folder / stored_name
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return StoredFile(
        name=Path(name).name[:255] or "upload",
        sha256=digest,
        size=len(data),
        stored_name=stored_name,
    )


def read_original(folder: Path, stored_name: str) -> bytes:
    path = (folder / stored_name).resolve()
    if folder.resolve() not in path.parents:
        raise ValueError("not a stored upload")
    return path.read_bytes()
