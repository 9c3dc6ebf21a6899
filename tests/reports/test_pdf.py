"""The committee report as a committee member reads it: the demo's 2025-Q4 report in Arabic and
English, rendered once per backend, read back with poppler (`pdftotext`, `pdffonts`, `pdfimages`,
`pdfinfo`) and compared with `/api/v1/programme` for the same quarter."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from playwright.sync_api import BrowserType
from sqlalchemy import select

from app import create_app
from data.models import Kpi
from kpis.formatting import format_figure
from reports import pdf
from reports.charts import kpi_chart
from reports.content import KpiLine, SeriesPoint, gather
from reports.stamp import EditionStamp
from settings import Settings
from tests.conftest import PASSWORD, ROLE_USERS, csrf_from
from tests.reports.conftest import APPROVED_COMMENT, OFFICE_NOTE, PENDING_COMMENT, QUARTER

ROOT = Path(__file__).resolve().parents[2]
STAMP = EditionStamp(
    period=QUARTER,
    number=2,
    published_at=datetime(2026, 2, 5, 9, 30),
    audit_seq=812,
    audit_hash="a1" * 32,
    data_sha256="5e" * 32,
    note="T1.1 of MOH corrected after review",
)
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
VOWEL_MARKS = re.compile("[\u064b-\u0652]")


@pytest.fixture(scope="module")
def rendered(report_store, tmp_path_factory) -> dict[str, Path]:
    """Language -> the PDF file of the report, rendered by one call (one browser)."""
    launches = []
    original = BrowserType.launch

    def counting(self, *args, **kwargs):
        launches.append(kwargs.get("executable_path"))
        return original(self, *args, **kwargs)

    BrowserType.launch = counting
    try:
        pdfs = pdf.render_pdfs(report_store, QUARTER, STAMP)
    finally:
        BrowserType.launch = original
    assert len(launches) == 1, "one browser for every language"
    folder = tmp_path_factory.mktemp("report")
    files = {}
    for lang, data in pdfs.items():
        files[lang] = folder / f"report-{lang}.pdf"
        files[lang].write_bytes(data)
    return files


def poppler(tool: str, *args) -> str:
    done = subprocess.run([tool, *map(str, args)], capture_output=True, text=True, check=True)
    return done.stdout


def text_of(path: Path, *options: str) -> str:
    return BIDI_CONTROLS.sub("", poppler("pdftotext", *options, path, "-"))


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def committee_programme(report_store, folder: Path) -> dict:
    """`/api/v1/programme` for the quarter, as the committee's signed-in session gets it."""
    url = report_store.engine.url.render_as_string(hide_password=False)
    settings = Settings(
        database_url=url,
        app_env="test",
        instance_path=folder / "instance",
        upload_dir=folder / "uploads",
    )
    app = create_app(settings)
    client = app.server.test_client()
    email, _entity = ROLE_USERS["committee"]
    token = csrf_from(client.get("/login").text)
    form = {"email": email, "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=form).status_code == 302
    answer = client.get(f"/api/v1/programme?period={QUARTER}")
    assert answer.status_code == 200, answer.text
    app.server.extensions["store"].engine.dispose()
    return answer.json


def test_both_languages_are_a4_pdfs_with_the_grid_in_landscape(rendered):
    for lang in ("ar", "en"):
        info = poppler("pdfinfo", "-f", "1", "-l", "40", rendered[lang])
        sizes = re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+) pts", info)
        assert len(sizes) >= 10, info
        portrait = [s for s in sizes if float(s[0]) < float(s[1])]
        landscape = [s for s in sizes if float(s[0]) > float(s[1])]
        assert round(float(portrait[0][0])) == 595 and round(float(portrait[0][1])) == 842
        assert landscape, "the ministry grid has a landscape page"


def test_national_figures_equal_the_api_value_for_value(report_store, rendered, tmp_path):
    """Every KPI card of the English report prints the API's figure, coverage, path and status,
    in the API's order (tracks, then KPIs), and the gathered content holds the same numbers."""
    api = committee_programme(report_store, tmp_path)
    report = gather(report_store, QUARTER, STAMP)
    assert api["figures"] == "approved" and api["period"] == QUARTER
    for kpi in api["kpis"]:
        line = report.kpis[kpi["code"]]
        assert line.value == kpi["value"], kpi["code"]
        assert (line.reported, line.expected_entities) == (
            kpi["coverage"]["reported"],
            kpi["coverage"]["expected"],
        )
        assert (line.expected, line.status, line.progress) == (
            kpi["expected"],
            kpi["status"],
            kpi["progress"],
        )
        assert (line.verdict, line.forecast_value) == (
            kpi["forecast"]["verdict"],
            kpi["forecast"]["value"],
        )
    cards = kpi_cards(rendered["en"])
    units = dict(report_store_units(report_store))
    assert sorted(cards) == sorted(k["code"] for k in api["kpis"])
    for kpi in api["kpis"]:
        figure, period, reported, expected = cards[kpi["code"]]
        assert figure == format_figure(kpi["value"], units[kpi["code"]]), kpi["code"]
        assert period == kpi["period"], kpi["code"]
        assert (int(reported), int(expected)) == (
            kpi["coverage"]["reported"],
            kpi["coverage"]["expected"],
        )
    counts = {s: 0 for s in api["tracks"][0]["counts"]}
    for track in api["tracks"]:
        for status, count in track["counts"].items():
            counts[status] += count
    off = counts["off_track"] + counts["at_risk"]
    summary = text_of(rendered["en"])
    assert re.search(r"Executive summary\s+(\d+)\s", summary)[1] == str(off)
    assert f"KPIsofftrackoratrisk,of{len(api['kpis'])}" in squeezed(summary)


CARD = re.compile(
    r"^\s*(T\d+\.\d+) .*?National figure +(\S+) \((\S+)\)[^\n]*\n+\s*Coverage +(\d+) of (\d+)",
    re.S | re.M,
)


def kpi_cards(path: Path) -> dict[str, tuple[str, ...]]:
    """KPI code -> (national figure, its period, entities reported, expected) as printed on the
    track pages' cards, read one column of cards at a time (two cards side by side)."""
    pages = int(re.search(r"Pages: +(\d+)", poppler("pdfinfo", path))[1])
    cards = {}
    for page in range(1, pages + 1):
        for left in (0, 298):
            column = text_of(
                path,
                "-layout",
                "-f",
                str(page),
                "-l",
                str(page),
                "-x",
                str(left),
                "-y",
                "0",
                "-W",
                "297",
                "-H",
                "842",
            )
            for code, *printed in CARD.findall(column):
                assert code not in cards, f"{code} printed twice"
                cards[code] = tuple(printed)
    return cards


def report_store_units(store) -> list[tuple[str, str]]:
    with store.session() as db:
        return list(db.execute(select(Kpi.code, Kpi.unit)))


def test_arabic_names_extract_in_logical_order_and_quarter_codes_whole(report_store, rendered):
    """Every KPI name of the catalogue comes out of `pdftotext` letter for letter (line breaks
    and spaces aside), lam-alef included: 18 of the 24 have one (الإلكترونية, الأساسية)."""
    text = text_of(rendered["ar"])
    flat = squeezed(text)
    with report_store.session() as db:
        names = {code: name for code, name in db.execute(select(Kpi.code, Kpi.name_ar))}
    assert len(names) == 24
    with_lam_alef = [n for n in names.values() if any(p in n for p in ("لا", "لأ", "لإ", "لآ"))]
    assert len(with_lam_alef) == 18
    missing = {code: name for code, name in names.items() if squeezed(name) not in flat}
    assert missing == {}
    assert "2025-Q4" in text and "2024-Q4" in text  # chart labels and figures kept whole
    assert "الملخص التنفيذي" in text and "ماذا تعني الأرقام" in text
    assert "وزارة النقل والاتصالات وتقنية المعلومات" in text  # lam-alef twice, words whole
    # a voweled word stays whole and on its line (reports.fontmarks); poppler gives a letter's
    # marks before it, hence compared without them
    assert "لم يحدد المستهدف" in VOWEL_MARKS.sub("", text)  # لم يُحدَّد المستهدف
    assert "Executive summary" not in text


def test_fonts_are_embedded_and_charts_are_vector_with_their_text(rendered):
    fonts = poppler("pdffonts", rendered["ar"])
    assert "NotoNaskhArabic" in fonts and "NotoSansArabic" in fonts  # letters; digits
    for line in fonts.splitlines()[2:]:
        assert " yes " in line, f"a font not embedded: {line}"
    for lang in ("ar", "en"):
        images = poppler("pdfimages", "-list", rendered[lang]).splitlines()[2:]
        assert images == [], f"raster images in the {lang} report: {images}"
    english = text_of(rendered["en"])
    assert "2021-Q4" in english and "Unit: Percent" in english and "100.0%" in english


def test_the_committee_reads_the_reasons_of_approved_figures_only(rendered):
    english = squeezed(text_of(rendered["en"]))
    assert squeezed(APPROVED_COMMENT) in english
    assert squeezed(OFFICE_NOTE) in english
    assert squeezed(PENDING_COMMENT) not in english
    assert squeezed(PENDING_COMMENT) not in squeezed(text_of(rendered["ar"]))


def test_the_edition_is_stamped(rendered):
    for lang in ("ar", "en"):
        text = text_of(rendered[lang])
        flat = squeezed(text)
        assert STAMP.audit_hash in flat and STAMP.data_sha256 in flat, lang
        assert "812" in text and "2026-02-05" in text
        assert squeezed(STAMP.note) in flat
    english = text_of(rendered["en"])
    assert "Committee report 2025-Q4, edition 2" in english  # the running head of every page
    assert english.count("Committee report 2025-Q4, edition 2") >= 10
    assert re.search(r"Page 3 of \d+", english)
    assert re.search(r"صفحة3من\d+", squeezed(text_of(rendered["ar"])))


@pytest.mark.parametrize("style", ["Regular", "Bold"])
def test_the_bundled_naskh_has_its_marks_moved(style):
    """assets/fonts/NotoNaskhArabic-*.ttf are reports.fontmarks's output: run on them again, it
    finds no mark to move (on Debian's files it moves 92)."""
    from fontTools.ttLib import TTFont

    from reports.fontmarks import attach_offsets

    font = TTFont(pdf.FONTS / f"NotoNaskhArabic-{style}.ttf")
    offsets = attach_offsets(font["GPOS"].table)
    assert len(offsets) > 80
    assert {mark: at for mark, at in offsets.items() if at != (0, 0)} == {}


def test_a_quarter_without_figures_is_refused(report_store):
    with pytest.raises(LookupError):
        pdf.render_pdfs(report_store, "2031-Q1", STAMP)


def test_every_report_string_has_an_arabic_translation():
    catalogue = read_po((ROOT / "web/translations/ar/LC_MESSAGES/messages.po").open("rb"), "ar")
    method_map = [("**/templates/**.html", "jinja2")]
    found = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / "reports", method_map, keywords={"_": None, "gettext": None}
        )
    }
    assert len(found) > 60
    missing = sorted(m for m in found if not (entry := catalogue.get(m)) or not entry.string)
    assert missing == []
    for message in found:
        for name in re.findall(r"%\(\w+\)s", message):
            assert name in catalogue.get(message).string, message


@pytest.mark.parametrize("quarter", ["2021-Q1", "2022-Q3"])
def test_an_early_quarter_renders_with_what_is_not_reported_said(report_store, quarter):
    """Early in the cycle a biennial KPI has no figure yet: the report says so, never 0."""
    report = gather(report_store, quarter, STAMP)
    english = pdf.render_html(report, "en")
    arabic = pdf.render_html(report, "ar")
    assert report.kpis["T1.2"].value is None
    assert "Not reported" in english and quarter in english
    assert 'lang="ar" dir="rtl"' in arabic and "Not reported" not in arabic


def test_user_text_is_shown_as_text(report_store):
    html = pdf.render_html(gather(report_store, QUARTER, STAMP), "en")
    assert "&lt;b&gt;(see annex)&lt;/b&gt;" in html and "<b>(see annex)" not in html


def test_charts_run_right_to_left_in_arabic_with_their_labels_as_text():
    line = KpiLine(
        **{
            **dict.fromkeys(["code", "track", "name_en", "name_ar", "period", "comparator"], ""),
            "unit": "percent",
            "lower_is_better": False,
            "value": 50.0,
            "invalid": False,
            "reported": 1,
            "expected_entities": 1,
            "expected": 60.0,
            "target": 80.0,
            "target_year": 2025,
            "status": "off_track",
            "progress": 0.5,
            "verdict": "unlikely",
            "forecast_value": 70.0,
            "forecast_final": False,
            "series": tuple(
                SeriesPoint(f"{y}-Q{q}", 10.0 * (y - 2020) + q, 12.0 * (y - 2020) + q)
                for y in (2021, 2022, 2023)
                for q in (1, 2, 3, 4)
            ),
        }
    )
    ltr, rtl = kpi_chart(line, rtl=False, title="T"), kpi_chart(line, rtl=True, title="T")
    for svg in (ltr, rtl):
        assert "<image" not in svg and ">2021-Q4</text>" in svg and ">80.0%</text>" in svg

    def x_of(svg: str, label: str) -> float:
        return float(re.search(rf'<text x="([\d.]+)"[^>]*>{label}</text>', svg)[1])

    assert x_of(ltr, "2021-Q4") < x_of(ltr, "2023-Q4")
    assert x_of(rtl, "2021-Q4") > x_of(rtl, "2023-Q4")


def test_completeness_says_whose_figures_count_meanwhile(rendered):
    """MOH's 2025-Q4 revision awaits review: the report says its approved revision counts."""
    text = text_of(rendered["en"], "-layout")
    assert re.search(r"Ministry of Health +Submitted +official: revision \d+, approved", text)


def test_the_same_edition_gives_the_same_bytes(report_store, rendered):
    """Dated by the edition's publication, not by the printing: built again, byte for byte."""
    again = pdf.render_pdfs(report_store, QUARTER, STAMP, languages=("en",))
    assert again["en"] == rendered["en"].read_bytes()
    info = poppler("pdfinfo", "-isodates", rendered["en"])
    assert re.search(r"CreationDate: +2026-02-05T09:30:00", info), info


def test_printing_fetches_nothing(tmp_path):
    """The renderer refuses every request: markup that got past escaping could not reach the
    network or a local service while the server prints."""
    import http.server
    import threading

    from reports.pdf import print_pdfs

    hits = []

    class Canary(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Canary)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"http://127.0.0.1:{server.server_port}"
    try:
        page = (
            f'<html><body><p>x</p><img src="{address}/img"><link rel="stylesheet" '
            f'href="{address}/css"><script>fetch("{address}/js")</script></body></html>'
        )
        printed = print_pdfs({"en": page})
    finally:
        server.shutdown()
    assert printed["en"].startswith(b"%PDF")
    assert hits == []
