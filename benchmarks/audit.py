"""Audit benchmark: write 10,000 chained events, then time `verify_chain` over them (aim: under
a second). SQLite always; PostgreSQL too when BENCH_DATABASE_URL names a database it may fill
(it is emptied of events first: give it a throw-away one). Run with `make bench`."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data.audit import audit_event, record_all, verify_chain  # noqa: E402
from data.db import Store, migrate  # noqa: E402

EVENTS = 10_000
BATCH = 500


def fill(store: Store) -> None:
    for start in range(0, EVENTS, BATCH):
        with store.transaction() as db:
            record_all(
                db,
                [
                    audit_event(
                        "upload.submitted",
                        "upload",
                        number,
                        entity_id=None,
                        after={"file": f"entity-{number}.xlsx", "errors": 0, "warnings": 3},
                    )
                    for number in range(start, start + BATCH)
                ],
            )


def measure(label: str, url: str) -> None:
    migrate(url)
    store = Store(url)
    fill(store)
    times = []
    for _ in range(5):
        with store.session() as db:
            start = time.perf_counter()
            check = verify_chain(db)
            times.append(time.perf_counter() - start)
    assert check.ok and check.events >= EVENTS, check.describe()
    print(
        f"verify-audit {label:<10} {check.events:6d} events: "
        f"median {statistics.median(times):.3f} s"
        f" (min {min(times):.3f}, max {max(times):.3f}; aim < 1 s)"
    )
    store.engine.dispose()


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="tracker-audit-"))
    measure("SQLite", f"sqlite:///{folder / 'audit.db'}")
    if url := os.environ.get("BENCH_DATABASE_URL"):
        measure("PostgreSQL", url)


if __name__ == "__main__":
    main()
