"""The result cache: bounded by size and by data versions, one maker per key, and with Redis one
entry for every process, signed, expiring, and the old versions deleted."""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass

import pytest

from data.cache import KEPT_VERSIONS, SHARED_TTL, RedisResults, ResultCache, stable_text

REDIS_SKIP = "the shared cache tests need TEST_REDIS_URL (bash .ci/start-redis; .ci/run does)"
SECRET = "s" * 48


class Maker:
    """Counts how often a value was computed, and takes `seconds` to compute it."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.calls = 0
        self.seconds = seconds

    def __call__(self, value):
        def make():
            self.calls += 1
            time.sleep(self.seconds)
            return value

        return make


def test_a_newer_data_version_frees_the_entries_of_older_ones():
    cache, make = ResultCache(size=100), Maker()
    for version in range(1, 5):
        for scope in ("committee", "office"):
            cache.get_or_make(("programme", version, scope), make(f"{version}-{scope}"))
    assert len(cache) == KEPT_VERSIONS * 2  # versions 3 and 4, both scopes
    assert cache.get_or_make(("programme", 4, "office"), make("again")) == "4-office"
    assert cache.get_or_make(("programme", 1, "office"), make("recomputed")) == "recomputed"
    assert make.calls == 9


def test_versions_are_kept_per_name_and_the_size_is_bounded():
    cache, make = ResultCache(size=3), Maker()
    cache.get_or_make(("programme", 1, "a"), make("p1"))
    cache.get_or_make(("other", 7), make("o7"))
    cache.get_or_make(("programme", 2, "a"), make("p2"))
    cache.get_or_make(("programme", 3, "a"), make("p3"))  # version 1 of programme goes
    assert cache.get_or_make(("other", 7), make("x")) == "o7"  # another name keeps its own
    cache.get_or_make("a plain key", make("plain"))
    assert len(cache) == 3
    assert make.calls == 5


def test_one_thread_computes_a_missing_entry_while_the_others_wait_for_it():
    cache, make = ResultCache(), Maker(seconds=0.3)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_make(("p", 1), make("v"))))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["v"] * 8 and make.calls == 1


def test_a_failing_computation_stores_nothing_and_the_next_request_tries_again():
    cache = ResultCache()

    def broken():
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        cache.get_or_make(("p", 1), broken)
    assert cache.get_or_make(("p", 1), lambda: "made") == "made"


@dataclass(frozen=True)
class Scope:
    period: str
    entities: frozenset


def test_key_texts_are_the_same_whatever_the_order_of_a_set():
    one = ("programme", (3, 9), Scope("2025-Q4", frozenset({"MOH", "MOF", "MOE"})))
    other = ("programme", (3, 9), Scope("2025-Q4", frozenset({"MOE", "MOH", "MOF"})))
    assert stable_text(one) == stable_text(other)
    assert "2025-Q4" in stable_text(one) and "Scope" in stable_text(one)
    with pytest.raises(TypeError, match="not stable"):
        stable_text(("programme", 1, object()))


@pytest.fixture
def redis_url():
    """Database 13 of the test Redis (TEST_REDIS_URL), emptied before and after."""
    import redis

    base = os.environ.get("TEST_REDIS_URL")
    if not base:
        pytest.skip(REDIS_SKIP)
    url = base.rstrip("/") + "/13"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


def process(url: str, secret: str = SECRET) -> ResultCache:
    """The cache of one worker process: its own memory, the shared Redis."""
    return ResultCache(shared=RedisResults(url, secret))


def test_what_one_process_computes_another_reads_from_redis(redis_url):
    first, second, make = process(redis_url), process(redis_url), Maker()
    key = ("programme", (12, 345), Scope("2025-Q4", frozenset({"MOH"})))
    assert first.get_or_make(key, make({"T1.5": 41.5})) == {"T1.5": 41.5}
    assert second.get_or_make(key, make({"T1.5": "computed again"})) == {"T1.5": 41.5}
    assert make.calls == 1
    assert second.shared.counts() == {"made": 1, "read": 1}
    entry = second.shared.client.get(second.shared.entry_key(key))
    ttl = second.shared.client.ttl(second.shared.entry_key(key))
    assert entry is not None and 0 < ttl <= SHARED_TTL


def test_processes_missing_together_wait_for_one_maker(redis_url):
    make = Maker(seconds=0.5)
    results = []
    workers = [process(redis_url) for _ in range(4)]
    threads = [
        threading.Thread(target=lambda c=c: results.append(c.get_or_make(("p", 1), make("v"))))
        for c in workers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["v"] * 4 and make.calls == 1


def test_redis_keeps_the_latest_two_versions_only(redis_url):
    cache, make = process(redis_url), Maker()
    for version in range(1, 6):
        for scope in ("committee", "office"):
            cache.get_or_make(("programme", version, scope), make(version))
    client = cache.shared.client
    keys = client.keys("tracker:results:*")
    values = [k for k in keys if k.count(b":") == 5 and not k.endswith(b":entries")]
    assert len(values) == KEPT_VERSIONS * 2
    assert len([k for k in keys if k.endswith(b":entries")]) == KEPT_VERSIONS
    assert client.zcard(next(k for k in keys if k.endswith(b":versions"))) == KEPT_VERSIONS
    reader = process(redis_url)
    assert reader.get_or_make(("programme", 5, "office"), make("new")) == 5
    assert reader.get_or_make(("programme", 1, "office"), make("made again")) == "made again"


def test_an_entry_not_signed_with_this_secret_is_never_unpickled(redis_url):
    process(redis_url, secret="another-deployment-" * 3).get_or_make(("p", 1), lambda: "theirs")
    assert process(redis_url).get_or_make(("p", 1), lambda: "ours") == "ours"


def test_without_redis_each_process_computes_and_the_page_still_answers(caplog):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed once the block ends: nothing listens there
    cache, make = process(f"redis://127.0.0.1:{port}/0"), Maker()
    assert cache.get_or_make(("p", 1), make("here")) == "here"
    assert cache.get_or_make(("p", 1), make("again")) == "here"  # kept in the process
    assert make.calls == 1
    assert "shared result cache (REDIS_URL) unavailable" in caplog.text
