"""Structure-check benchmark (issue 12): the time `etl.structure.inspect_workbook` takes on each of
the 28 entities' filled templates of a quarter, in this process (as in the reader's worker, whose
caches are warm after the first files), printing the median per file over several hundred runs.

`--compare OLD.py` loads another version of etl/structure.py (e.g. the one before a change) and
runs both in turn, file by file (this shared machine's speed drifts), checking that both answer
the same for every file. Not part of the tests; run `python benchmarks/structure.py`."""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from benchmarks.ingest import PERIOD, filled, fresh_store  # noqa: E402
from data.models import Entity  # noqa: E402
from etl import structure  # noqa: E402
from etl.template import template_bytes  # noqa: E402


def quarter() -> list[bytes]:
    """The 28 entities' templates of `PERIOD`, filled as a clerk would."""
    _url, store = fresh_store(Path(tempfile.mkdtemp(prefix="tracker-structure-")), "s.db")
    with store.session() as db:
        entities = list(db.scalars(select(Entity.code).order_by(Entity.code)))
        return [filled(template_bytes(db, code, PERIOD), n) for n, code in enumerate(entities)]


def load(path: str):
    spec = importlib.util.spec_from_file_location("structure_compared", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["structure_compared"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def answer(module, data: bytes) -> tuple:
    found = module.inspect_workbook(data, module.Limits())
    return (
        [(p.code, sorted(p.params.items())) for p in found.problems],
        len(found.findings),
        sorted(found.percent_cells),
    )


def timed(module, data: bytes) -> float:
    limits = module.Limits()
    start = time.perf_counter()
    module.inspect_workbook(data, limits)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="runs of each file (default 10)")
    parser.add_argument("--compare", help="another etl/structure.py to run beside this one")
    options = parser.parse_args()
    files = quarter()
    versions = {"this": structure}
    if options.compare:
        versions["compared"] = load(options.compare)
        for data in files:
            if answer(structure, data) != answer(versions["compared"], data):
                sys.exit("the two versions answer differently")
    runs: dict[str, list[float]] = {name: [] for name in versions}
    for _ in range(options.rounds):
        for data in files:
            for name, module in versions.items():
                runs[name].append(timed(module, data))
    for name, seconds in runs.items():
        print(
            f"{name}: median {statistics.median(seconds) * 1000:.2f} ms per file "
            f"(fastest {min(seconds) * 1000:.2f}, {len(seconds)} runs over {len(files)} files)"
        )


if __name__ == "__main__":
    main()
