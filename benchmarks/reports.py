"""Edition benchmark: the time to build one edition of the demo's 2025-Q4 (every file: the two
PDF reports, the two Excel packs, the open data package), as `python -m reports build` and
publishing do (aim: under 20 s). Three rounds on a fresh demo database (SQLite); the median and
each part's share are printed. Run with `make bench`."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data.catalogue import load_catalogue  # noqa: E402
from data.db import Store, migrate  # noqa: E402
from reports import opendata  # noqa: E402
from reports.build import build_edition, preview_stamp, render_report  # noqa: E402
from reports.excel import excel_pack  # noqa: E402
from reports.figures import read_edition  # noqa: E402
from services.demo import seed_demo  # noqa: E402

QUARTER = "2025-Q4"
ROUNDS = 3
AIM = 20.0


def demo_store(folder: Path) -> Store:
    url = f"sqlite:///{folder / 'bench.db'}"
    migrate(url)
    store = Store(url)
    with store.transaction() as db:
        load_catalogue(db)
        seed_demo(db)
    return store


def timed(work) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        store = demo_store(Path(folder))
        fig = read_edition(store, QUARTER)
        stamp = preview_stamp(store, fig)
        totals = []
        for _ in range(ROUNDS):
            total, files = timed(lambda: build_edition(store, QUARTER, stamp))
            totals.append(total)
        parts = {
            "figures": timed(lambda: read_edition(store, QUARTER))[0],
            "PDF x2": timed(lambda: render_report(store, QUARTER, stamp))[0],
            "Excel x2": timed(lambda: [excel_pack(fig, stamp, lang) for lang in ("ar", "en")])[0],
            "open data": timed(lambda: opendata.package_zip(fig, stamp))[0],
        }
        store.engine.dispose()
    median = statistics.median(totals)
    size = sum(f.size for f in files)
    shares = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in parts.items())
    verdict = "within" if median < AIM else "OVER"
    print(
        f"edition build ({QUARTER}, {len(files)} files, {size / 1e6:.1f} MB, both languages): "
        f"median {median:.2f} s of {ROUNDS} (min {min(totals):.2f}, max {max(totals):.2f}); "
        f"{verdict} the {AIM:.0f} s aim. Parts: {shares}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
