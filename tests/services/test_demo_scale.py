"""The demo seeded in bulk (validated, written in batches: what `seed-demo --scale N` uses to
build a million observations) is the history the one-at-a-time load and review path makes: the
same submissions, figures and statuses, the same official figures, the same API answer.

The one-at-a-time path reviews each submission on its own (and refreshes the summaries each
time): it is compared at scale 1 here, and scale 2 against its known totals (measured with it,
and with the demo as it was before the bulk path existed: the same history, observation by
observation)."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, Table, Text, func, select

from app import create_app
from data.analytics import figures
from data.db import Store
from data.models import AuditEvent, Entity, Observation, Period, Submission
from data.tokens import create_token
from etl.load import insert_plain_rows
from services.demo import DemoInvalid, seed_demo
from settings import Settings
from tests.conftest import ROLE_USERS

# seed_demo(scale=2) one submission at a time: what the bulk path must make too
KNOWN_AT_2 = {
    "submissions": 1166,
    "statuses": {"approved": 1072, "returned": 75, "submitted": 19},
    "observations": 15869,
    "value_sum": 659361.5624,
    "official": (14571, 596909.6327),  # figures shown as approved: count, sum of values
    "with_pending": (14856, 616503.878),  # and with those awaiting review
}


@pytest.fixture(params=["sqlite", "postgresql"])
def two_databases(request):
    """Two fresh stores with the catalogue and one user per role, on one backend."""
    if request.param == "postgresql":
        databases = request.getfixturevalue("postgres_databases")
        if databases is None:
            pytest.skip("PostgreSQL store tests need TEST_DATABASE_URL (see .ci/run)")
    else:
        databases = request.getfixturevalue("sqlite_databases")
    urls = [databases.fresh("users"), databases.fresh("users")]
    yield urls
    for url in urls:
        databases.drop(url)


def history(db) -> list[tuple]:
    """Every observation with its submission's entity, quarter, status, revision and dates."""
    rows = db.execute(
        select(
            Submission.id,
            Entity.code,
            Period.code,
            Observation.kpi_id,
            Observation.value,
            Observation.numerator,
            Observation.denominator,
            Submission.status,
            Submission.revision,
            Submission.is_current,
            Submission.supersedes_id,
            Submission.uploaded_at,
            Submission.reviewed_at,
            Submission.review_reason,
        )
        .join(Submission, Observation.submission_id == Submission.id)
        .join(Entity, Entity.id == Observation.entity_id)
        .join(Period, Period.id == Observation.period_id)
        .order_by(Submission.id, Observation.kpi_id)
    )
    return [tuple(row) for row in rows]


def official(db) -> dict[str, list]:
    """data.analytics.figures, both views, as comparable tuples."""
    return {
        view: sorted(
            (f.entity, f.kpi, f.period.code, f.value, f.numerator, f.denominator, f.approved)
            for f in figures(db, include_unapproved=view == "pending")
        )
        for view in ("approved", "pending")
    }


def rounded(answer):
    """An API answer with every float to 10 significant digits."""
    if isinstance(answer, dict):
        return {key: rounded(value) for key, value in answer.items()}
    if isinstance(answer, list):
        return [rounded(value) for value in answer]
    return float(f"{answer:.10g}") if isinstance(answer, float) else answer


def programme_answer(url: str, tmp_path) -> dict:
    dash_app = create_app(
        Settings(
            database_url=url,
            app_env="test",
            instance_path=tmp_path / "instance",
            upload_dir=tmp_path / "uploads",
        )
    )
    store = dash_app.server.extensions["store"]
    try:
        with store.transaction() as db:
            token = create_token(db, ROLE_USERS["supervisor"][0])
        client = dash_app.server.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        answers = {}
        for query in ("period=2025-Q3", "period=2025-Q4&status=all"):
            answer = client.get(f"/api/v1/programme?{query}", headers=headers)
            assert answer.status_code == 200, answer.get_data(as_text=True)
            answers[query] = answer.get_json()
        return answers
    finally:
        store.engine.dispose()


def test_bulk_seeding_makes_the_same_history_as_one_submission_at_a_time(two_databases, tmp_path):
    bulk_url, one_by_one_url = two_databases
    made = {}
    for url, bulk in ((bulk_url, True), (one_by_one_url, False)):
        store = Store(url)
        with store.transaction() as db:
            made[bulk] = seed_demo(db, bulk=bulk)
        store.engine.dispose()
    # 28 entities, 20 quarters; some returned and sent again
    assert made[True] == made[False] > 28 * 18
    seen = {}
    for url in (bulk_url, one_by_one_url):
        store = Store(url)
        with store.session() as db:
            events = db.scalars(select(AuditEvent.action).order_by(AuditEvent.action)).all()
            seen[url] = (history(db), official(db), events)
        store.engine.dispose()
    bulk_history, bulk_figures, bulk_events = seen[bulk_url]
    assert len(bulk_history) > 7_500
    assert {row[7] for row in bulk_history} == {"approved", "returned", "submitted"}
    assert bulk_history == seen[one_by_one_url][0]
    assert bulk_figures == seen[one_by_one_url][1]
    assert bulk_events == seen[one_by_one_url][2]  # one event per submission and per review
    # the national sums kept in the store (data.summary) are added up in another order when
    # refreshed review by review than when rebuilt once: equal to 10 significant digits
    bulk_answer = programme_answer(bulk_url, tmp_path / "a")
    assert rounded(bulk_answer) == rounded(programme_answer(one_by_one_url, tmp_path / "b"))


def test_bulk_seeding_at_scale_2_gives_the_one_at_a_time_totals(db_url):
    store = Store(db_url)
    try:
        with store.transaction() as db:
            made = seed_demo(db, scale=2)
        with store.session() as db:
            statuses = Counter(db.scalars(select(Submission.status)))
            observations = db.scalar(select(func.count()).select_from(Observation))
            value_sum = db.scalar(select(func.sum(Observation.value)))
            shown = {
                view: figures(db, include_unapproved=view)
                for view in (False, True)  # approved only; with those awaiting review
            }
            copies = db.scalar(select(func.count()).select_from(Entity).where(Entity.is_demo))
    finally:
        store.engine.dispose()
    assert copies == 28
    assert made == KNOWN_AT_2["submissions"]
    assert dict(statuses) == KNOWN_AT_2["statuses"]
    assert observations == KNOWN_AT_2["observations"]
    assert value_sum == pytest.approx(KNOWN_AT_2["value_sum"], abs=1e-3)
    for view, key in ((False, "official"), (True, "with_pending")):
        count, total = KNOWN_AT_2[key]
        assert len(shown[view]) == count
        assert sum(f.value or 0 for f in shown[view]) == pytest.approx(total, abs=1e-3)


def test_bulk_seeding_refuses_a_figure_the_upload_would_refuse(db_url, monkeypatch):
    """The bulk path checks every generated submission with the upload's validator: a value
    beyond what the unit allows stops the seeding, naming the entity, quarter and cell."""
    import services.demo as demo

    real = demo._entity_row

    def beyond_a_percentage(kpi, entity, period, *rest):
        row = real(kpi, entity, period, *rest)
        if entity.code == "MOH" and period.year == 2023 and kpi.aggregation == "mean":
            return type(row)(row.kpi_code, row.period, 250.0)
        return row

    monkeypatch.setattr(demo, "_entity_row", beyond_a_percentage)
    store = Store(db_url)
    try:
        refused = pytest.raises(DemoInvalid, match=r"MOH 2023-Q\d: Data!\w+\d+")
        with refused, store.transaction() as db:
            seed_demo(db)
        with store.session() as db:
            assert db.scalar(select(func.count()).select_from(Observation)) == 0
    finally:
        store.engine.dispose()


def test_rows_sent_in_bulk_read_back_exactly(db_url):
    """Bulk rows (etl.load.insert_plain_rows: by COPY on PostgreSQL from 1,000 rows) keep texts
    with backslashes, tabs, new lines and Arabic, empty values, and every float bit for bit."""
    table = Table(
        "bulk_check",
        MetaData(),
        Column("n", Integer),
        Column("x", Float),
        Column("s", Text),
    )
    texts = ["a\\b", "tab\there", "two\nlines\r\n", "\\N", "نص عربي", "", None]
    rows = [
        {"n": n, "x": (None if n % 13 == 0 else n / 7 + 1e-12 * n), "s": texts[n % len(texts)]}
        for n in range(1500)
    ]
    store = Store(db_url)
    try:
        with store.transaction() as db:
            table.create(db.connection())
            insert_plain_rows(db.connection(), table, rows)
            back = [row._asdict() for row in db.execute(select(table).order_by(table.c.n))]
            table.drop(db.connection())
    finally:
        store.engine.dispose()
    assert back == rows
