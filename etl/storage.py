"""Keep every uploaded file byte for byte, outside the web root, under a generated name."""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
from pathlib import Path

from etl.load import StoredFile


class Keeping:
    """A file written and being flushed to disk in a background thread.

    fsync waits on the disk, not the processor, so the upload is checked while it runs; `wait()`
    must return before any row refers to the file, so no figure can outlive a lost upload."""

    def __init__(self, folder: Path, data: bytes, name: str) -> None:
        digest = hashlib.sha256(data).hexdigest()
        stored_name = f"{digest[:2]}/{uuid.uuid4().hex}.bin"
        target = folder / stored_name
        target.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(target, "xb")  # noqa: SIM115 - closed by the flushing thread
        self._handle.write(data)
        self._handle.flush()
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._sync, daemon=True)
        self._thread.start()
        self.stored = StoredFile(
            name=Path(name).name[:255] or "upload",
            sha256=digest,
            size=len(data),
            stored_name=stored_name,
        )

    def _sync(self) -> None:
        try:
            os.fsync(self._handle.fileno())
        except OSError as error:
            self._error = error
        finally:
            self._handle.close()

    def wait(self) -> StoredFile:
        """The stored file, once its bytes are on disk."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.stored


def read_original(folder: Path, stored_name: str) -> bytes:
    path = (folder / stored_name).resolve()
    if folder.resolve() not in path.parents:
        raise ValueError("not a stored upload")
    return path.read_bytes()
