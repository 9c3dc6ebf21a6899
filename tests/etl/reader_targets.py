"""Worker targets for the sandbox tests (etl.sandbox): each misbehaves as a reader might."""

from __future__ import annotations

import os
import time


def echo(header: dict, data: bytes) -> dict:
    return {"size": len(data), "header": header}


def abort(header: dict, data: bytes) -> dict:
    os.abort()


def hog(header: dict, data: bytes) -> dict:
    """Allocate until the worker's address-space ceiling stops it."""
    blocks = []
    while True:
        blocks.append(bytearray(64 * 1024 * 1024))


def sleep(header: dict, data: bytes) -> dict:
    time.sleep(float(header.get("seconds", 60)))
    return {"slept": True}


def slow_then_abort(header: dict, data: bytes) -> dict:
    """A reader that takes its time on a file, then dies on it (for the live server test)."""
    time.sleep(2.0)
    os.abort()
