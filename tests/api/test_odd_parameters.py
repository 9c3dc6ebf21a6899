"""Parameters a script or an attacker sends, that no page would: always a 400 naming the
parameter, never a 500."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "query",
    [
        "endPeriod=9999-Q4",
        "endPeriod=9999",
        "startPeriod=0000-Q1",
        "startPeriod=%D9%A2%D9%A0%D9%A2%D9%A5-Q4",  # Arabic-Indic digits: not a period code
        "updatedAfter=0001-01-01T00:00%2B01:00",
        "updatedAfter=9999-12-31T23:59-01:00",
    ],
)
def test_odd_observation_queries_are_400(api, query):
    answer = api.get(f"/api/v1/observations?{query}", "supervisor")
    assert answer.status_code == 400, answer.text
    assert answer.json["error"]["field"] in ("startPeriod", "endPeriod", "updatedAfter")


def test_a_long_value_is_not_echoed_in_full(api):
    answer = api.get("/api/v1/observations?kpi=" + "X" * 30_000, "supervisor")
    assert answer.status_code == 404 and len(answer.data) < 2_000
