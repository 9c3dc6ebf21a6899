"""Run code on untrusted bytes in worker processes under a memory and a time ceiling (issue 12).

A worker is a fresh interpreter (`python -c`, started with `subprocess`: nothing of the parent is
forked, so a threaded web server is safe, and unlike multiprocessing's spawn and forkserver the
parent's main module, `app.py`, is not imported again) that caps its own address space with
`RLIMIT_AS`, forbids itself core dumps and file writes, and then answers requests on its standard
input and output, one at a time. Workers are kept between files, a few at most (`READER_WORKERS`),
so that a file costs a round trip, not a start. One that runs out of memory, aborts or dies is
replaced; one that takes longer than the time ceiling is killed and replaced. The caller gets
`WorkerFailed` and refuses that one file; the server and the rest of a batch go on.

Frames are a 4-byte big-endian length and the bytes; a request is a JSON header and the file,
an answer is JSON (never pickle: a worker that a hostile file took over could not run code in
the server through its answer)."""

from __future__ import annotations

import atexit
import importlib
import json
import logging
import os
import resource
import selectors
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOG = logging.getLogger(__name__)
MEMORY_MB = int(os.environ.get("READER_MEMORY_MB", "512"))
SECONDS = float(os.environ.get("READER_SECONDS", "10"))
WORKERS = int(os.environ.get("READER_WORKERS", "2"))
_HEAD = struct.Struct(">I")
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from etl.sandbox import serve; serve()"


class WorkerFailed(Exception):
    """The worker died (`crashed`) or was killed after the time ceiling (`timeout`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Worker:
    """One worker process running `target` ("module:function", taking the header and the
    bytes and returning what JSON can carry)."""

    def __init__(self, target: str, memory_mb: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, str(ROOT), target, str(memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
            close_fds=True,
        )
        self._selector: selectors.BaseSelector | None = None

    def call(self, header: dict[str, Any], data: bytes, seconds: float) -> Any:
        head = json.dumps(header).encode()
        frame = _HEAD.pack(len(head)) + head + _HEAD.pack(len(data)) + data
        try:
            self.process.stdin.write(frame)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as error:
            raise WorkerFailed("crashed") from error
        return json.loads(self._answer(time.monotonic() + seconds), object_hook=_decode)

    def _answer(self, deadline: float) -> bytearray:
        """The answer's bytes, read into one buffer of its size (no chunks joined: the server
        holds an answer once, not twice), as they come, until `deadline`."""
        head = bytearray(_HEAD.size)
        self._read_into(memoryview(head), deadline)
        body = bytearray(_HEAD.unpack(head)[0])
        self._read_into(memoryview(body), deadline)
        return body

    def _read_into(self, view: memoryview, deadline: float) -> None:
        if self._selector is None:  # one per worker, not one per read
            self._selector = selectors.DefaultSelector()
            self._selector.register(self.process.stdout, selectors.EVENT_READ)
        stream, done = self.process.stdout.raw, 0
        while done < len(view):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._selector.select(remaining):
                raise WorkerFailed("timeout")
            count = stream.readinto(view[done : done + (1 << 20)])
            if not count:
                raise WorkerFailed("crashed")
            done += count

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, kill: bool = False) -> int | None:
        if self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.stdin.close()
        try:
            return self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()
        finally:
            if self._selector is not None:
                self._selector.close()
            for stream in (self.process.stdin, self.process.stdout):
                stream.close()


class Sandbox:
    """A small pool of workers for `target`, each under `memory_mb` of address space, each call
    under `seconds`. Safe to share between threads; a forked child starts its own workers."""

    def __init__(
        self,
        target: str,
        *,
        memory_mb: int = MEMORY_MB,
        seconds: float = SECONDS,
        workers: int = WORKERS,
    ) -> None:
        self.target, self.memory_mb, self.seconds = target, memory_mb, seconds
        self.workers = max(1, workers)
        self._slots = threading.BoundedSemaphore(max(1, workers))
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._pid = os.getpid()
        self.restarts = 0
        atexit.register(self.close)

    def call(self, header: dict[str, Any], data: bytes) -> Any:
        """The target's answer for `data`; `WorkerFailed` when the worker crashed or timed out
        (it is then killed, and the next call starts a new one)."""
        with self._slots:
            worker = self._take()
            try:
                answer = worker.call(header, data, self.seconds)
            except WorkerFailed as failure:
                status = worker.stop(kill=True)
                self.restarts += 1
                LOG.warning("reader worker %s (exit status %s)", failure.reason, status)
                raise
            if isinstance(answer, dict) and answer.get("worker_exits"):
                worker.stop()
            else:
                with self._lock:
                    self._idle.append(worker)
            return answer

    def warm(self) -> None:
        """Start a worker now (it boots while the caller does other work)."""
        with self._lock:
            if os.getpid() == self._pid and not self._idle:
                self._idle.append(_Worker(self.target, self.memory_mb))

    def _take(self) -> _Worker:
        with self._lock:
            if os.getpid() != self._pid:  # forked: the parent's workers are not ours
                self._idle, self._pid = [], os.getpid()
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
                worker.stop()
        return _Worker(self.target, self.memory_mb)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        if os.getpid() == self._pid:
            for worker in idle:
                worker.stop()


def _encode(value: Any) -> Any:
    """Cell values JSON has no type for, tagged (a cell never holds a dict, so no clash)."""
    from datetime import date, datetime, timedelta
    from datetime import time as clock

    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, clock):
        return {"$time": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$timedelta": value.total_seconds()}
    raise TypeError(f"cannot send {type(value).__name__}")


def _decode(item: dict[str, Any]) -> Any:
    if len(item) != 1:
        return item
    from datetime import date, datetime, timedelta
    from datetime import time as clock

    key, value = next(iter(item.items()))
    decoders = {
        "$datetime": datetime.fromisoformat,
        "$date": date.fromisoformat,
        "$time": clock.fromisoformat,
        "$timedelta": lambda seconds: timedelta(seconds=seconds),
    }
    return decoders[key](value) if key in decoders else item


def serve() -> None:
    """The worker's loop (`sys.argv`: root, target, memory ceiling in MB)."""
    target, memory_mb = sys.argv[2], int(sys.argv[3])
    module, _, name = target.partition(":")
    function = getattr(importlib.import_module(module), name)
    ceiling = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = _frame(source)
        data = _frame(source)
        if header is None or data is None:
            return
        try:
            answer = function(json.loads(header), data)
        except MemoryError:
            answer = {"worker_exits": True, "memory": True}
        text = json.dumps(answer, default=_encode).encode()
        sink.write(_HEAD.pack(len(text)))
        sink.write(text)  # not joined to its length: a large answer is not held twice
        sink.flush()
        if answer.get("worker_exits") if isinstance(answer, dict) else False:
            return


def _frame(source) -> bytes | None:
    head = source.read(_HEAD.size)
    if len(head) < _HEAD.size:
        return None
    size = _HEAD.unpack(head)[0]
    body = source.read(size)
    return body if len(body) == size else None
