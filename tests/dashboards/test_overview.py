"""The overview `/` as each role sees it (its callbacks called directly, on the demo history):
the headline, the ministry × KPI grid and its controls, and what it would take."""

from __future__ import annotations

import re

import pytest
from dash import dcc, html

from dashboards._access import current_actor
from dashboards._text import kpi_status_word
from tests.dashboards.conftest import find, page, text_of


def params(period="2025-Q4"):
    return {"period": period, "unapproved": "0"}


def buttons(content) -> list[dict]:
    """The ids of the grid's choice buttons, as Dash hands them to the callback."""
    return [b.id for b in find(content, lambda c: isinstance(getattr(c, "id", None), dict))]


def choose(chosen: dict, pressed: dict | None = None, content=None):
    """The grid's callback, as a click on `pressed` with `chosen` in force: its table, the new
    choice and each button's aria-pressed."""
    ids = buttons(content) if content is not None else []
    return page("home").update_grid(current_actor(), params(), chosen, pressed, ids)


def by_id(content, component_id):
    return find(content, lambda c: getattr(c, "id", None) == component_id)[0]


def labelled(content, heading_id):
    """The section a heading names (aria-labelledby)."""
    return find(
        content,
        lambda c: (
            isinstance(c, html.Section)
            and c.to_plotly_json()["props"].get("aria-labelledby") == heading_id
        ),
    )[0]


def classed(content, name):
    return find(content, lambda c: name in str(getattr(c, "className", "")).split())


def headline_rows(content) -> dict[str, list[str]]:
    """The headline table: the track (or "Whole programme") -> the texts of its cells."""
    table = classed(content, "headline-table")[0]
    body = find(table, lambda c: isinstance(c, html.Tbody))[0]
    rows = {}
    for tr in body.children:
        cells = [text_of(c) for c in tr.children]
        rows[cells[0].split(" · ")[0]] = cells[1:]
    return rows


def headline_statuses(content) -> list[str]:
    """The headline table's status columns, in order, as their class names say."""
    table = classed(content, "headline-table")[0]
    head = find(table, lambda c: isinstance(c, html.Thead))[0]
    chips = find(head, lambda c: str(getattr(c, "className", "")).startswith("status "))
    return [c.className.split()[1].removeprefix("status-").replace("-", "_") for c in chips]


def test_headline_adds_up_and_equals_the_rows_of_the_track_tables(as_role):
    with as_role("committee"):
        content = page("home").render(params())
    rows = headline_rows(content)
    statuses = headline_statuses(content)
    whole = rows["Whole programme"]
    assert int(whole[0]) == 24
    assert sum(int(n) for n in whole[1 : 1 + len(statuses)]) == 24
    for track in ("T1", "T2", "T3", "T4"):
        section = labelled(content, f"overview-track-{track}")
        chips = find(
            section, lambda c: str(getattr(c, "className", "")).startswith("status status-")
        )
        seen = [c.className.split()[1].removeprefix("status-").replace("-", "_") for c in chips]
        counted = [int(n) for n in rows[track][1 : 1 + len(statuses)]]
        assert counted == [seen.count(s) for s in statuses], track
        assert int(rows[track][0]) == len(seen) == 6


def test_track_names_come_from_the_store_in_the_readers_language(as_role):
    with as_role("committee"):
        english = text_of(page("home").render(params()))
    with as_role("committee", "ar"):
        arabic = text_of(page("home").render(params()))
    assert "T1 · Excellence in digital services" in english
    assert "Track T1" not in english
    assert "T1 · التميز في الخدمات الرقمية" in arabic
    assert "نظرة سريعة" in arabic and "At a glance" not in arabic
    assert "المؤسسات حسب المؤشر" in arabic


def grid_cells(grid) -> dict[str, dict[str, str]]:
    """Ministry -> KPI code -> the cell's text, from the grid's table."""
    table = find(grid, lambda c: isinstance(c, html.Table))[0]
    head = find(table, lambda c: isinstance(c, html.Thead))[0].children
    codes = [text_of(th).strip().split()[0].strip("\u2066\u2069") for th in head.children]
    body = find(table, lambda c: isinstance(c, html.Tbody))[0]
    return {
        text_of(tr.children[0]).strip(): {
            code: text_of(td).strip() for code, td in zip(codes, tr.children, strict=True)
        }
        for tr in body.children
    }


def test_grid_shows_moh_t1_1_as_the_kpi_page_does(as_role):
    with as_role("supervisor"):
        content = page("home").render(params())
        kpi = page("kpi")
        prog = kpi.programme(kpi.from_params({**params(), "code": "T1.1"}))
        moh = dict(kpi.ranked(prog, "T1.1"))["MOH"]
        word = kpi_status_word(moh.status)
    cells = grid_cells(by_id(content, "overview-grid"))
    assert len(cells) == 28
    assert cells["Ministry of Health"]["T1.1"].endswith(word)
    assert any("Not reported" in row.get("T1.1", "") for row in cells.values())


def test_grid_is_an_accessible_region_that_scrolls_in_its_card(as_role):
    with as_role("committee"):
        grid = by_id(page("home").render(params()), "overview-grid")
    region = find(grid, lambda c: getattr(c, "role", None) == "region")[0]
    assert region.tabIndex == "0" and "aria-label" in region.to_plotly_json()["props"]
    table = find(region, lambda c: isinstance(c, html.Table))[0]
    assert find(table, lambda c: isinstance(c, html.Caption))
    heads = find(table, lambda c: isinstance(c, html.Th))
    assert {h.scope for h in heads} == {"col", "row"}
    abbrs = find(table, lambda c: isinstance(c, html.Abbr))
    assert abbrs and all(a.title for a in abbrs)
    # every status is icon and word: an icon hidden from screen readers, then the word
    chips = find(table, lambda c: str(getattr(c, "className", "")).startswith("status "))
    assert chips and all(len(text_of(c).split(maxsplit=1)) == 2 for c in chips)


def test_grid_filters_by_track_and_status_and_sorts(as_role):
    with as_role("committee"):
        content = page("home").render(params())
        chosen = {"track": "T2", "status": "off_track", "sort": "name"}
        grid, now, pressed, *_steps = choose(
            chosen, {"type": "overview-grid-choice", "group": "sort", "value": "off_track"}, content
        )
    assert now == {"track": "T2", "status": "off_track", "sort": "off_track", "page": 1}
    ids = buttons(content)
    on = [b for b, state in zip(ids, pressed, strict=True) if state == "true"]
    assert {(b["group"], b["value"]) for b in on} == {(g, v) for g, v in now.items() if g != "page"}
    cells = grid_cells(grid)
    assert cells
    for name, row in cells.items():
        kpis = [k for k in row if re.fullmatch(r"T\d\.\d", k)]
        assert kpis and all(k.startswith("T2.") for k in kpis), name
        assert any(row[k].endswith("Off track") for k in kpis), name
    counts = [int(row["KPIs"]) for row in cells.values()]  # the "KPIs off track" column
    assert counts == sorted(counts, reverse=True)
    caption = text_of(find(grid, lambda c: isinstance(c, html.Caption))[0])
    assert f"{len(cells)} of 28 ministries" in caption and "most KPIs off track first" in caption


def test_grid_by_name_in_arabic_sorts_arabic_names(as_role):
    with as_role("committee", "ar"):
        cells = grid_cells(choose({"track": "all", "status": "all", "sort": "name"})[0])
    names = list(cells)
    assert names == sorted(names, key=str.casefold) and "وزارة الصحة" in names


@pytest.mark.parametrize(
    ("chosen", "pressed"),
    [
        ({"track": "<x>", "status": "nope", "sort": "drop table"}, None),
        (None, {"type": "overview-grid-choice", "group": "__class__", "value": "x"}),
        ({"track": ["T1"], "status": {"a": 1}, "sort": 3}, "not an id"),
        ("text", {"group": "track", "value": ["T1"]}),
    ],
)
def test_a_forged_choice_shows_the_whole_grid(as_role, chosen, pressed):
    with as_role("committee"):
        grid, now, _pressed, *_steps = choose(chosen, pressed)
    cells = grid_cells(grid)
    assert len(cells) == 28 and "T1.1" in next(iter(cells.values()))
    assert now == {"track": "all", "status": "all", "sort": "name", "page": 1}


def test_an_entity_team_sees_its_own_row_and_no_other_ministry(as_role):
    with as_role("entity"):
        content = page("home").render(params())
        regridded = choose({"track": "T1", "status": "all", "sort": "score"})[0]
    words = text_of(content)
    assert list(grid_cells(by_id(content, "overview-grid"))) == ["Ministry of Health"]
    assert list(grid_cells(regridded)) == ["Ministry of Health"]
    assert "Entities furthest behind" not in words
    assert "Ministry of Finance" not in words and "Muscat Municipality" not in words
    assert "Your entity's figures received for" in words


def test_what_it_would_take_at_2025_q2(as_role):
    with as_role("committee"):
        content = page("home").render(params("2025-Q2"))
    words = " ".join(text_of(content).replace("\u2066", "").replace("\u2069", "").split())
    row = re.search(r"T1\.5 Share of government services completed fully online(.*?)T1\.6", words)
    assert row, "T1.5 is off its path in 2025-Q2"
    shown = re.search(
        r"(\d+\.\d)% \(2025-Q2\) At least (\d+\.\d)% by 2025-Q4 (\d) (\d+\.\d) points better "
        r"each quarter",
        row[1],
    )
    assert shown, row[1]
    now, target, left, gain = (float(x) for x in shown.groups())
    assert left == 2 and now + left * gain == pytest.approx(target, abs=0.15)  # shown rounded
    assert re.search(r"[A-Z][\w ]+: \d+\.\d%", row[1])  # a ministry and its share of the gap
    links = find(content, lambda c: isinstance(c, dcc.Link) and "/entity/" in str(c.href))
    assert links


def test_completeness_of_the_quarter_links_to_its_page(as_role):
    with as_role("supervisor"):
        content = page("home").render(params("2025-Q3"))
    link = find(
        content, lambda c: isinstance(c, dcc.Link) and str(c.href).startswith("/completeness")
    )[0]
    assert re.fullmatch(r"\d+ of \d+ KPI figures due \(\d+\.\d%\)", text_of(link))
