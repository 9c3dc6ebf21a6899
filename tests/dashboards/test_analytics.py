"""The analytics pages' callbacks, called directly: what each role sees, and the figures."""

import csv
import io
import re

import pytest
from werkzeug.exceptions import Forbidden

from etl.export import export_csv
from kpis.formatting import format_figure
from tests.dashboards.conftest import find, page, text_of

PERIOD = "2025-Q3"


def params(**more):
    return {"period": PERIOD, "unapproved": "0", **more}


@pytest.mark.parametrize("role", ["supervisor", "committee", "entity"])
def test_overview_shows_each_track_with_statuses_and_24_kpis(as_role, role):
    with as_role(role):
        content = page("home").render(params())
    words = text_of(content)
    for code in ("T1", "T2", "T3", "T4"):
        assert f"/track/{code}?period={PERIOD}" in str(content)
    links = find(content, lambda c: str(getattr(c, "href", "")).startswith("/kpi/"))
    assert {c.href.split("?")[0] for c in links} == {
        f"/kpi/T{t}.{n}" for t in range(1, 5) for n in range(1, 7)
    }
    assert "Rank 20 or better" in words and "Rank 25 or better" in words
    assert ("Entities furthest behind" in words) == (role != "entity")


def test_track_3_says_target_not_set_and_has_no_status_colour(as_role):
    with as_role("supervisor"):
        content = page("home").render(params())
    chips = find(content, lambda c: str(getattr(c, "className", "")).startswith("status "))
    t3 = [c for c in chips if "Target not set" in text_of(c)]
    assert t3 and all(c.className == "status status-no-target" for c in t3)


def test_ranks_improve_when_the_number_falls(as_role):
    """T4.6 went from rank 34 (2022) to 29 (2024): better by 5, not worse."""
    with as_role("supervisor"):
        words = text_of(page("home").render({"period": "2025-Q1", "unapproved": "0"}))
    assert re.search(r"T4\.6 Oman's rank in the UN E-Participation Index .*?better by 5", words)


def _official(demo_app, kpi, period):
    with demo_app.server.extensions["store"].session() as db:
        rows = list(csv.DictReader(io.StringIO(export_csv(db))))
    return [r for r in rows if r["kpi"] == kpi and r["period"] == period and r["official_value"]]


def test_t1_5_national_figure_is_the_ratio_of_sums_in_the_export(demo_app, as_role):
    approved = _official(demo_app, "T1.5", PERIOD)
    numerators = sum(float(r["official_numerator"]) for r in approved)
    denominators = sum(float(r["official_denominator"]) for r in approved)
    expected = format_figure(100 * numerators / denominators, "percent")
    for role in ("supervisor", "committee", "entity"):
        with as_role(role):
            content = page("kpi").render(params(code="T1.5"))
        facts = find(content, lambda c: getattr(c, "className", "") == "facts")[0]
        assert expected in text_of(facts), role
        assert f"{len(approved)} of 28 entities" in text_of(facts)


def test_committee_never_sees_unapproved_figures(demo_app, as_role):
    """2025-Q4 has files waiting for review: the office may include them, the committee not."""
    pending = {"period": "2025-Q4", "unapproved": "1", "code": "T1.5"}
    with as_role("supervisor"):
        office = text_of(page("kpi").render(pending))
    with as_role("committee"):
        committee = text_of(page("kpi").render(pending))
    approved = len(_official(demo_app, "T1.5", "2025-Q4"))
    assert f"{approved} of 28 entities" in committee
    assert f"{approved} of 28 entities" not in office


def test_entity_user_sees_only_its_own_entity(as_role):
    with as_role("entity"):
        ranked = page("kpi").ranked(
            page("kpi").programme(page("kpi").from_params(params(code="T1.5"))), "T1.5"
        )
        assert [e for e, _p in ranked] == ["MOH"]
        page("entity").render(params(code="MOH"))
        with pytest.raises(Forbidden):
            page("entity").render(params(code="MOF"))
        matrix = text_of(page("completeness").render(params()))
    assert "Ministry of Health" in matrix and "Ministry of Finance" not in matrix


def test_kpi_page_compares_every_entity_and_downloads_the_table(as_role):
    with as_role("supervisor"):
        kpi = page("kpi")
        prog = kpi.programme(kpi.from_params(params(code="T1.5")))
        download = kpi.comparison_table(prog, "T1.5")
        content = kpi.render(params(code="T1.5"))
    assert len(download.rows) == 28
    values = [row[download.headers.index("Figure")] for row in download.rows]
    assert values == sorted(values, reverse=True)  # best first
    assert "28 entities reported" in text_of(content)
    assert "Show the data as a table" in text_of(content)


def test_entity_page_has_scorecard_rank_and_lineage(as_role):
    with as_role("supervisor"):
        words = text_of(page("entity").render(params(code="MOH")))
    assert re.search(r"Score \d+\.\d of 100, rank \d+ of 28 entities", words)
    assert "T1.5" in words and "Uploaded by" in words


def test_completeness_lists_states_totals_and_overdue(as_role):
    with as_role("supervisor"):
        words = text_of(page("completeness").render(params()))
    assert "Approved" in words and "All entities" in words
    assert "Overdue" in words


def test_arabic_pages_speak_arabic(as_role):
    with as_role("supervisor", "ar"):
        words = text_of(page("home").render(params()))
    assert "المؤشرات الرئيسية للمسار" in words
    assert "Headline indicators" not in words


def test_entity_user_is_ranked_among_all_entities_on_approved_figures(as_role):
    with as_role("supervisor"):
        office = text_of(page("entity").render(params(code="MOH")))
    with as_role("entity"):
        own = text_of(page("entity").render(params(code="MOH")))
    standing = re.compile(r"Score \d+\.\d of 100, rank \d+ of \d+ entities with a score\.")
    assert standing.search(own)[0] == standing.search(office)[0]
    assert "Score and rank count approved figures only." in own


@pytest.mark.parametrize(
    ("role", "named"), [("supervisor", True), ("entity", True), ("committee", False)]
)
def test_the_committee_reads_the_lineage_without_the_staffs_addresses(as_role, role, named):
    """Who uploaded and who reviewed: e-mail addresses for the office and the entity's own team;
    the committee reads which side did it."""
    with as_role(role):
        content = page("entity").render(params(code="MOH"))
    lineage = text_of(content[-1])
    assert ("@" in lineage) == named
    assert ("Entity team" in lineage and "Programme office" in lineage) == (not named)


def test_the_scorecard_shows_the_target_that_rated_the_entitys_figure(demo_app, as_role):
    """An entity-specific target rates the entity's own figure: its scorecard row says so."""
    from sqlalchemy import select

    from data.models import Kpi, User
    from services.actors import Actor
    from services.entities_admin import assign_kpi

    store = demo_app.server.extensions["store"]
    with store.transaction() as db:
        admin = Actor.of(db.scalar(select(User).where(User.role == "admin")))
        kpi_id = db.scalar(select(Kpi.id).where(Kpi.code == "T1.5"))
        assign_kpi(db, admin, "MOH", kpi_id, baseline=0, target=42)
    with as_role("supervisor"):
        content = page("entity").render(params(code="MOH"))
    rows = find(
        content,
        lambda c: "T1.5" in text_of(getattr(c, "children", "")) and c.__class__.__name__ == "Tr",
    )
    assert rows and "42.0%" in text_of(rows[0])
