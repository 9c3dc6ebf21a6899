"""Page benchmark: each analytics page's server-side callback time at demo scale, cold (first call
after the figures changed) and warm (median of repeated calls). Run with `make bench`."""

from __future__ import annotations

import importlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_login import login_user  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from data.catalogue import load_catalogue  # noqa: E402
from data.db import Store, migrate  # noqa: E402
from data.models import User  # noqa: E402
from data.users import account, create_user  # noqa: E402
from services.demo import seed_demo  # noqa: E402
from settings import Settings  # noqa: E402
from web.auth import WebUser  # noqa: E402

PERIOD = "2025-Q3"
CALLS = {
    "overview /": ("home", {}),
    "track /track/T1": ("track", {"code": "T1"}),
    "kpi /kpi/T1.5": ("kpi", {"code": "T1.5"}),
    "entity /entity/MOH": ("entity", {"code": "MOH"}),
    "completeness": ("completeness", {}),
}


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="tracker-pages-"))
    url = f"sqlite:///{folder / 'pages.db'}"
    migrate(url)
    with Store(url).transaction() as db:
        load_catalogue(db)
        create_user(db, "office@bench.om", "supervisor", "benchmark-password")
        seed_demo(db)
    app = create_app(
        Settings(database_url=url, app_env="test", instance_path=folder / "i", upload_dir=folder)
    )
    store = app.server.extensions["store"]
    with app.server.test_request_context("/"):
        with store.session() as db:
            user_id = db.scalar(select(User.id).where(User.email == "office@bench.om"))
            login_user(WebUser(account(db, user_id)))
        for label, (module, extra) in CALLS.items():
            render = importlib.import_module(f"dashboards.{module}").render
            app.server.extensions["results"].clear()  # cold: as after a new submission
            start = time.perf_counter()
            render({"period": PERIOD, "unapproved": "0", **extra})
            cold = time.perf_counter() - start
            warm = []
            for _ in range(7):
                start = time.perf_counter()
                render({"period": PERIOD, "unapproved": "0", **extra})
                warm.append(time.perf_counter() - start)
            middle = statistics.median(warm) * 1000
            print(f"{label:<22} cold {cold * 1000:6.0f} ms   warm {middle:5.0f} ms")


if __name__ == "__main__":
    main()
