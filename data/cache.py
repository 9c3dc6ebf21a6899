"""Computed results, cached in each process and, with REDIS_URL, shared by every worker and machine.

A key is a tuple `(name, data version, ...)` (services.programme caches `("programme", version,
scope)`): a new or reviewed submission changes the version, so the next request asks for a new
key. Each process keeps its entries in memory (least recently used first out, at most `size`), and
only the two latest versions of each name: older ones are dropped as soon as a newer one is stored.
One thread per key computes a missing entry; the others wait for it.

With REDIS_URL, a process that misses looks in Redis before computing, and what it computes goes
there for the others: one worker computes a version's figures, every other worker and machine reads
them. Values travel pickled and compressed (zlib level 1); a Programme is pickled before any page
draws from it, so without the entities' pictures pages compute when they ask (measured at demo
scale: 66 KB pickled, 14 KB compressed, under 10 ms each way, against 80 to 200 ms to compute).
Entries expire after `SHARED_TTL` seconds and the versions before the latest two are deleted when a
newer one is stored. While one process computes a key the others wait for it (a lock in Redis)
rather than compute the same thing. Values are signed with SECRET_KEY: what the app did not write is
never unpickled. When Redis cannot be reached the process computes and keeps the result itself, and
says so in the log."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import pickle
import sys
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from redis import Redis, RedisError

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
KEPT_VERSIONS = 2  # the latest version, and the one before it for requests still drawing from it
SHARED_TTL = 3600  # seconds an entry stays in Redis, unread or not
MAKING_TTL = 300  # seconds a lock of a process computing an entry holds, should it die meanwhile
WAIT_FOR_MAKER = 30.0  # seconds a process waits for another computing the same entry
PAUSE_WHEN_DOWN = 30.0  # seconds a process leaves Redis alone after it failed to answer
# compressed pickles larger than this stay in their process (Redis holds a value up to 512 MB)
SHARED_MAX_BYTES = 64 * 1024 * 1024
# the code that defines what is cached: entries pickled by other code are other entries
CODE_FOLDERS = ("data", "kpis", "services")


class ResultCache:
    """Least-recently-used, thread-safe, bounded by size and by versions; plugs into Flask with
    `init_app` (which shares it through Redis when the app's REDIS_URL is set)."""

    def __init__(self, size: int = 32, shared: RedisResults | None = None) -> None:
        self.size = size
        self.shared = shared
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._versions: dict[Hashable, list[Hashable]] = {}  # name -> versions kept, latest last
        self._lock = threading.Lock()
        self._makers: dict[Hashable, threading.Lock] = {}

    def init_app(self, app) -> None:
        url = app.config.get("REDIS_URL")
        if url and self.shared is None:
            self.shared = RedisResults(url, app.config["SECRET_KEY"])
        app.extensions["results"] = self

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._versions.clear()

    def __len__(self) -> int:
        return len(self._items)

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value of `key`, computed by `make` once (per version, per process; with Redis, once
        for every process). The value is stored only once it is complete: no other thread sees
        it before. It is then shared: callers read it and must not change it."""
        found, value = self._get(key)
        if found:
            return value
        with self._only_maker(key):
            found, value = self._get(key)  # another thread made it while this one waited
            if found:
                return value
            value = self.shared.get_or_make(key, make) if self.shared else make()
            self._put(key, value)
            return value

    def _get(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            if key not in self._items:
                return False, None
            self._items.move_to_end(key)
            return True, self._items[key]

    def _put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            generation = versioned(key)
            if generation is not None:
                self._keep_latest_versions(*generation)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def _keep_latest_versions(self, name: Hashable, version: Hashable) -> None:
        """Called with the lock held: drop the entries of `name` older than its latest versions."""
        kept = self._versions.setdefault(name, [])
        if version in kept:
            return
        kept.append(version)
        dropped = kept[:-KEPT_VERSIONS]
        del kept[:-KEPT_VERSIONS]
        if dropped:
            for key in [k for k in self._items if versioned(k) in {(name, v) for v in dropped}]:
                del self._items[key]

    @contextmanager
    def _only_maker(self, key: Hashable) -> Iterator[None]:
        """One thread of this process computes `key`; others wait, then find it stored."""
        with self._lock:
            lock = self._makers.setdefault(key, threading.Lock())
        try:
            with lock:
                yield
        finally:
            with self._lock:
                if self._makers.get(key) is lock:
                    del self._makers[key]


def versioned(key: Hashable) -> tuple[Hashable, Hashable] | None:
    """(name, data version) of a key shaped `(name, version, ...)`; None for other keys."""
    if isinstance(key, tuple) and len(key) >= 2 and isinstance(key[0], str):
        return key[0], key[1]
    return None


def results_of(app) -> ResultCache:
    return app.extensions["results"]


class RedisResults:
    """Entries in Redis for every process: `{prefix}:{name}:{version digest}:{key digest}`, with
    `:versions` (a sorted set of a name's versions by first use) and `:entries` (the keys of one
    version) to delete a version's entries when it is two versions old, and a `:stats` hash
    counting entries made here and read from another process (`redis-cli hgetall`)."""

    def __init__(
        self, url: str, secret: str, *, ttl: int = SHARED_TTL, wait: float = WAIT_FOR_MAKER
    ) -> None:
        self.client = Redis.from_url(url, socket_timeout=10, socket_connect_timeout=3)
        self.signing_key = hashlib.sha256(b"tracker results\0" + secret.encode()).digest()
        self.ttl = ttl
        self.wait = wait
        self.prefix = f"tracker:results:{code_fingerprint()}"
        self.stats = f"{self.prefix}:stats"
        self._down_until = 0.0

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        if self._down():
            return make()  # Redis failed a moment ago: do not make every request wait for it
        entry = self.entry_key(key)
        found, value = self._read(entry)
        if found or self._down():
            return value if found else make()
        with self._making(entry):
            found, value = self._read(entry)  # made by the process this one waited for
            if found:
                return value
            value = make()
            if not self._down():
                self._write(key, entry, value)
            return value

    def _down(self) -> bool:
        return time.monotonic() < self._down_until

    def entry_key(self, key: Hashable) -> str:
        generation = versioned(key)
        name, version = generation if generation else ("other", None)
        return f"{self.prefix}:{_safe_name(name)}:{digest(version)}:{digest(key)}"

    def _read(self, entry: str) -> tuple[bool, Any]:
        try:
            stored = self.client.get(entry)
        except RedisError as error:
            return self._unavailable(error, (False, None))
        if stored is None:
            return False, None
        signature, blob = stored[:32], stored[32:]
        if not hmac.compare_digest(signature, self._sign(blob)):
            log.warning("shared result %s is not signed with this SECRET_KEY: ignored", entry)
            return False, None
        try:  # signed by this app (SECRET_KEY) just above: nothing else is unpickled
            value = pickle.loads(zlib.decompress(blob))  # noqa: S301
        except (pickle.UnpicklingError, zlib.error, EOFError, AttributeError, ImportError) as error:
            log.warning("shared result %s could not be read (%s): computed again", entry, error)
            return False, None
        self._count("read")
        return True, value

    def _write(self, key: Hashable, entry: str, value: Any) -> None:
        # level 1: a demo-scale Programme of 1.2 MB pickled is 0.2 MB in 10 ms (6 times smaller)
        blob = zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)
        if len(blob) > SHARED_MAX_BYTES:
            log.warning("result %s: %d bytes compressed, kept in this process", entry, len(blob))
            return
        name, version = versioned(key) or ("other", None)
        base = f"{self.prefix}:{_safe_name(name)}"
        entries = f"{base}:{digest(version)}:entries"
        try:
            with self.client.pipeline() as pipe:
                pipe.set(entry, self._sign(blob) + blob, ex=self.ttl)
                pipe.sadd(entries, entry)
                pipe.expire(entries, self.ttl)
                pipe.zadd(f"{base}:versions", {digest(version): time.time()}, nx=True)
                pipe.expire(f"{base}:versions", self.ttl)
                pipe.hincrby(self.stats, "made", 1)
                pipe.execute()
            self._drop_old_versions(base)
        except RedisError as error:
            self._unavailable(error, None)

    def _drop_old_versions(self, base: str) -> None:
        """Delete the entries of every version but the latest `KEPT_VERSIONS` of this name."""
        versions = f"{base}:versions"
        for old in self.client.zrevrange(versions, KEPT_VERSIONS, -1):
            entries = f"{base}:{old.decode()}:entries"
            stale = list(self.client.smembers(entries))
            self.client.delete(*stale, entries)
            self.client.zrem(versions, old)

    @contextmanager
    def _making(self, entry: str) -> Iterator[None]:
        """Hold the entry's lock while computing it, so that other processes wait and then read
        it; past `wait` seconds they compute it themselves."""
        lock = self.client.lock(
            f"{entry}:making", timeout=MAKING_TTL, blocking_timeout=self.wait, sleep=0.05
        )
        try:
            held = lock.acquire()
        except RedisError as error:
            held = self._unavailable(error, False)
        try:
            yield
        finally:
            if held:
                try:
                    lock.release()
                except RedisError as error:  # expired meanwhile: nothing to free
                    log.warning("shared result lock %s: %s", entry, error)

    def _sign(self, blob: bytes) -> bytes:
        return hmac.new(self.signing_key, blob, hashlib.sha256).digest()

    def _count(self, what: str) -> None:
        try:
            self.client.hincrby(self.stats, what, 1)
        except RedisError as error:
            self._unavailable(error, None)

    def _unavailable(self, error: Exception, default):
        """Log the failure, leave Redis alone for a while, and go on without it."""
        self._down_until = time.monotonic() + PAUSE_WHEN_DOWN
        log.warning("shared result cache (REDIS_URL) unavailable, computing here: %s", error)
        return default

    def counts(self) -> dict[str, int]:
        """Entries made by a process and read by another, since Redis started (for operators)."""
        return {k.decode(): int(v) for k, v in self.client.hgetall(self.stats).items()}


def _safe_name(name: Hashable) -> str:
    text = str(name)
    return text if text.isidentifier() else digest(text)[:16]


def digest(value: Any) -> str:
    """A short, stable digest of a key or version: the same in every process and machine."""
    return hashlib.sha256(stable_text(value).encode()).hexdigest()[:32]


def stable_text(value: Any) -> str:
    """Text of a key that is the same in every process (repr would not be for sets, whose order
    follows each process's string hashing, nor for objects printed with their address)."""
    if isinstance(value, tuple | list):
        return "(" + ",".join(stable_text(v) for v in value) + ")"
    if isinstance(value, set | frozenset):
        return "{" + ",".join(sorted(stable_text(v) for v in value)) + "}"
    if isinstance(value, dict):
        items = sorted(f"{stable_text(k)}:{stable_text(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = tuple(getattr(value, f.name) for f in dataclasses.fields(value))
        return type(value).__qualname__ + stable_text(parts)
    text = repr(value)
    if " at 0x" in text:
        raise TypeError(f"a cache key cannot hold {type(value).__name__}: its text is not stable")
    return text


_fingerprint: str | None = None


def code_fingerprint() -> str:
    """A digest of the code that makes and reads cached values (and of Python's version): after
    a deploy, processes of the new code neither read nor overwrite entries of the old."""
    global _fingerprint
    if _fingerprint is None:
        sha = hashlib.sha256(sys.version.encode())
        for folder in CODE_FOLDERS:
            for path in sorted((ROOT / folder).rglob("*.py")):
                sha.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
        _fingerprint = sha.hexdigest()[:12]
    return _fingerprint
