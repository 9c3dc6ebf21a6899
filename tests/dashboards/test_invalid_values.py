"""A bad number already in the store (issue 12): put there with SQL past the CHECK constraints, as
a database from before them would hold it, for APPROVED figures. Every page answers for every role
in both languages, shows the figure as "invalid" (never `nan` or `inf`), and leaves it out of the
national figures, scores and forecasts, with coverage saying so; the export says `invalid`."""

from __future__ import annotations

import csv
import io
import math
import re

import pytest
from sqlalchemy import select, text
from werkzeug.exceptions import Forbidden

from data import analytics as queries
from data import summary
from data.models import Entity, Kpi, Observation, Period, Submission
from data.queries import kpi_specs
from etl.export import export_csv
from kpis.formatting import format_figure
from kpis.values import usable
from services.programme import build
from tests.dashboards.conftest import page, text_of

AS_OF = "2025-Q4"
POISONED = [  # (entity, KPI, period) of approved figures made bad
    ("MOH", "T1.5", AS_OF),  # an entity's figure of a ratio-of-sums KPI
    ("MTCIT", "T4.5", AS_OF),  # the nation's figure of a KPI reported once
    ("EA", "T1.5", "2025-Q3"),  # the quarter before EA's file waiting for review
]
INVALID = {"en": "Invalid", "ar": "غير صالح"}
NOT_A_NUMBER = re.compile(r"\b(nan|inf|infinity)\b", re.IGNORECASE)
ROLES = ("admin", "supervisor", "committee", "entity")


def poison(app, bad: float) -> None:
    """Write `bad` into the value of each POISONED figure, bypassing the CHECK constraints."""
    store = app.server.extensions["store"]
    with store.transaction() as db:
        ids = [
            db.scalar(
                select(Observation.id)
                .join(Submission, Observation.submission_id == Submission.id)
                .join(Entity, Entity.id == Observation.entity_id)
                .join(Kpi, Kpi.id == Observation.kpi_id)
                .join(Period, Period.id == Observation.period_id)
                .where(
                    Entity.code == entity,
                    Kpi.code == kpi,
                    Period.code == period,
                    Submission.status == "approved",
                )
                .order_by(Submission.id.desc())
            )
            for entity, kpi, period in POISONED
        ]
        assert all(ids), ids
        connection = db.connection()
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(
                "ALTER TABLE observations DROP CONSTRAINT ck_observations_value_finite"
            )
        else:
            connection.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
        for id_ in ids:
            db.execute(
                text("UPDATE observations SET value = :bad WHERE id = :id"), {"bad": bad, "id": id_}
            )
        # a database from before the constraints got its national sums from its figures when
        # migrated (0014_summaries): so does this one
        summary.rebuild(db)
    with store.session() as db:  # the bad values are really there
        stored = db.scalars(select(Observation.value).where(Observation.id.in_(ids))).all()
        assert len(stored) == 3 and not any(usable(v) for v in stored), stored


def bad_values(app) -> list[float]:
    """NaN, the infinities and a finite number no unit allows; SQLite stores NaN as NULL."""
    found = [math.inf, -math.inf, 1e300]
    if app.server.extensions["store"].engine.dialect.name == "postgresql":
        found.insert(0, math.nan)
    return found


@pytest.fixture(params=[0, 1, 2, 3], ids=["first", "second", "third", "fourth"])
def poisoned_app(demo_app, request):
    values = bad_values(demo_app)
    if request.param >= len(values):
        pytest.skip("SQLite stores NaN as NULL: no fourth bad value to store")
    poison(demo_app, values[request.param])
    return demo_app


def params(**more):
    return {"period": AS_OF, "unapproved": "0", **more}


def _review_id(app) -> int:
    with app.server.extensions["store"].session() as db:
        return db.scalar(
            select(Submission.id)
            .join(Entity, Entity.id == Submission.entity_id)
            .where(Entity.code == "EA", Submission.status == "submitted", Submission.is_current)
        )


def pages(app, role: str) -> dict[str, object]:
    """Every page's content as its callback (or its layout) draws it; Forbidden where the role
    may not see it (which is a 403, not a failure)."""
    calls = {
        "/": lambda: page("home").render(params()),
        **{
            f"/track/T{n}": (lambda n=n: page("track").render(params(code=f"T{n}"))) for n in "1234"
        },
        "/kpi/T1.5": lambda: page("kpi").render(params(code="T1.5")),
        "/kpi/T4.5": lambda: page("kpi").render(params(code="T4.5")),
        "/entity/MOH": lambda: page("entity").render(params(code="MOH")),
        "/entity/MTCIT": lambda: page("entity").render(params(code="MTCIT")),
        "/completeness": lambda: page("completeness").render(params()),
        "/international": lambda: page("international").layout(),
        "/submissions": lambda: page("submissions").layout(entity="MOH"),
        "/review": lambda: page("review").layout(submission=str(_review_id(app))),
        "/audit": lambda: page("audit").layout(),
    }
    if role in ("admin", "supervisor"):
        calls["/ (with figures awaiting approval)"] = lambda: page("home").render(
            params(unapproved="1")
        )
    shown = {}
    for path, call in calls.items():
        try:
            shown[path] = call()
        except Forbidden:
            shown[path] = None
    return shown


def test_every_page_answers_and_says_invalid(poisoned_app, as_role):
    for role, lang in ((role, lang) for role in ROLES for lang in INVALID):
        with as_role(role, lang):
            shown = pages(poisoned_app, role)
        for path, content in shown.items():
            words = text_of(content)
            assert not NOT_A_NUMBER.search(words), (role, path, NOT_A_NUMBER.search(words))
            assert not NOT_A_NUMBER.search(str(content)), (role, path)
        invalid = INVALID[lang]
        for path in ("/", "/kpi/T1.5", "/kpi/T4.5", "/entity/MOH", "/track/T1", "/track/T4"):
            assert invalid in text_of(shown[path]), (role, path)
        if role in ("admin", "supervisor"):
            assert invalid in text_of(shown["/review"]), role  # EA's last official figure
        if role == "entity":
            assert shown["/entity/MTCIT"] is None  # another entity: refused, not failed


def test_the_bad_figure_is_left_out_and_coverage_says_so(poisoned_app, as_role):
    with as_role("supervisor"):
        kpi = page("kpi")
        scope = kpi.from_params(params(code="T1.5"))
        poisoned = kpi.programme(scope)
        words = text_of(kpi.render(params(code="T1.5")))
        with poisoned_app.server.extensions["store"].session() as db:
            shown = queries.figures(db, include_unapproved=False)
            specs, assigned = kpi_specs(db), queries.assignments(db)
    # the same programme with the bad figures simply absent
    clean = [f for f in shown if not f.reading.invalid]
    assert len(shown) - len(clean) == 3
    without = build(scope, specs, assigned, clean, [])
    now, then = poisoned.national["T1.5"], without.national["T1.5"]
    assert (now.value, now.forecast, now.progress, now.status) == (
        then.value,
        then.forecast,
        then.progress,
        then.status,
    )
    # the nation's latest T4.5 is invalid: shown so, not replaced by an older figure; its
    # forecast runs over the valid figures only
    assert poisoned.national["T4.5"].forecast == without.national["T4.5"].forecast
    assert poisoned.national["T4.5"].value is None
    assert poisoned.scores == without.scores and poisoned.ranks == without.ranks
    t15 = poisoned.national["T1.5"].current.national
    assert (t15.invalid, t15.reported) == (1, without.national["T1.5"].current.national.reported)
    assert f"{t15.reported} of 28 entities" in words and "Invalid figures left out: 1" in words
    assert poisoned.national["T4.5"].current.invalid
    assert poisoned.entity_pictures("T1.5")["MOH"].current.invalid
    # the national T1.5 is the ratio of sums over the other entities' official figures
    rows = list(csv.DictReader(io.StringIO(_export(poisoned_app))))
    official = [
        r
        for r in rows
        if r["kpi"] == "T1.5"
        and r["period"] == AS_OF
        and r["official_value"] not in ("", "invalid")
    ]
    ratio = (
        100
        * sum(float(r["official_numerator"]) for r in official)
        / sum(float(r["official_denominator"]) for r in official)
    )
    assert format_figure(ratio, "percent") in words


def _export(app) -> str:
    with app.server.extensions["store"].session() as db:
        return export_csv(db)


def test_the_export_writes_invalid(poisoned_app):
    exported = _export(poisoned_app)
    assert not NOT_A_NUMBER.search(exported)
    rows = {(r["entity"], r["kpi"], r["period"]): r for r in csv.DictReader(io.StringIO(exported))}
    for key in POISONED:
        assert rows[key]["official_value"] == "invalid", key
