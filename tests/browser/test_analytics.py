"""Every analytics page, for each reading role, in English and Arabic: it settles, says the right
heading and direction, and axe-core finds nothing. (Time to settle is measured by hand and in
`make bench`, not asserted here.)"""

import re
from pathlib import Path

import pytest

from tests.browser.conftest import axe_violations

PAGES = {
    "/": "#overview-content section",
    "/track/T1": "#track-content .main-svg",
    "/kpi/T1.5": "#kpi-content .main-svg",
    "/entity/MOH": "#entity-content section",
    "/completeness": "#completeness-content section",
    "/international": "table",
}


@pytest.mark.parametrize("role", ["supervisor", "committee", "entity"])
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_page_settles_and_is_accessible(sign_in, live_server, role, lang):
    page = sign_in(role, lang)
    # A reader's browser keeps plotly.js after the first chart; warm this fresh one.
    page.goto(f"{live_server}/kpi/T1.5")
    page.wait_for_selector(PAGES["/kpi/T1.5"])
    for path, ready in PAGES.items():
        page.goto(f"{live_server}{path}")
        page.wait_for_selector(ready)
        page.wait_for_function("!document.querySelector('[data-dash-is-loading]')")
        page.wait_for_load_state("networkidle")
        assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        assert page.locator("h1").count() == 1
        assert axe_violations(page) == [], path


def test_charts_draw_with_plotly_basic_bundle(sign_in, live_server):
    """The full plotly.js is four times the size and takes a second longer to start."""
    page = sign_in("committee", "ar")
    page.goto(f"{live_server}/track/T1")
    page.wait_for_selector(PAGES["/track/T1"])
    loaded = page.evaluate(
        "() => performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)"
    )
    assert "/assets/vendor/plotly-basic.min.js" in loaded
    assert not [path for path in loaded if path.endswith("/plotly.min.js")]
    assert page.locator("#track-chart .scatterlayer .trace").count() >= 12  # 6 KPIs x 2 lines


def test_state_is_in_the_address_and_drills_down(sign_in, live_server):
    page = sign_in("supervisor", "en")
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    page.goto(f"{live_server}/?period=2025-Q2")
    page.click("#overview-content a[href^='/track/T1?period=2025-Q2']")
    page.wait_for_selector("#track-content section")
    page.click("#track-content a[href^='/kpi/T1.5?period=2025-Q2']")
    page.wait_for_selector("#kpi-content .chart")
    assert "2025-Q2" in page.inner_text(".scope-note")
    page.click("text=Show the data as a table >> nth=1")
    summary = page.inner_text("#kpi-ranked-summary")
    reported = int(summary.split()[0])
    unreported = re.search(r"(\d+) have no figure shown", summary)
    assert reported >= 20
    rows = reported + (int(unreported[1]) if unreported else 0)  # "Not reported" has a row too
    assert page.locator("#kpi-content details[open] tbody tr").count() == rows
    assert downloads == []  # opening the page downloads nothing
    with page.expect_download() as saved:
        page.click("#kpi-csv")
    data = Path(saved.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, for Excel
    header = data.decode("utf-8-sig").splitlines()[0]
    assert header == (
        "Entity code,Entity,Indicator,As of quarter,Unit,Figure,Expected on the path,"
        "Target 2025,Status"
    )
    assert saved.value.suggested_filename == "T1.5-2025-Q2.csv"
