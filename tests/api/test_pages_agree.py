"""The API's programme picture is what the overview page shows: for every KPI, the same figure and
the same status, read from the page's own table as a reader would see it."""

from __future__ import annotations

import pytest
from dash import html

from dashboards._text import kpi_status_word
from kpis.formatting import format_figure
from tests.dashboards.conftest import find, page, signed_in, text_of


def overview_rows(app, role: str) -> dict[str, str]:
    """KPI code -> the words of its row in the overview's track tables."""
    with signed_in(app, role):
        tree = page("home").render({"period": "2025-Q4", "unapproved": "0"})
        rows = {}
        for row in find(tree, lambda c: isinstance(c, html.Tr)):
            cells = row.children if isinstance(row.children, list) else []
            head = cells[0] if cells else None
            if len(cells) == 6 and isinstance(head, html.Th) and head.scope == "row":
                words = text_of(row)
                code = text_of(cells[0]).strip().split()[0].strip("\u2066\u2069")
                rows.setdefault(code, words)
    return rows


@pytest.mark.parametrize("role", ["committee", "supervisor", "entity"])
def test_every_kpi_reads_the_same_on_the_overview_and_in_the_api(api, role):
    answer = api.get("/api/v1/programme?period=2025-Q4", role).json
    units = {k["code"]: k["unit"] for k in api.get("/api/v1/kpis", role).json}
    shown = overview_rows(api.app, role)
    assert len(answer["kpis"]) == len(shown) >= 20
    for kpi in answer["kpis"]:
        words = shown[kpi["code"]]
        assert kpi_status_word(kpi["status"]) in words, (kpi["code"], words)
        if kpi["value"] is not None:
            assert format_figure(kpi["value"], units[kpi["code"]]) in words, (kpi["code"], words)
