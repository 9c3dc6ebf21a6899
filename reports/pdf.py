"""The committee report as PDF, one per language: the content gathered once (reports.content), laid
out by the Jinja2 templates in reports/templates with reports/report.css, and printed to A4 by ONE
headless Chromium for every language (Playwright). Arabic is right to left in bundled fonts
embedded in the page (font_faces), so its text is shaped and extracts in logical order; charts are
inline SVG with their text."""

from __future__ import annotations

import base64
import io
import re
import shutil
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import cache
from gettext import NullTranslations
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from catalogues import SOURCE
from data.db import Store
from kpis.formatting import format_figure, format_number, format_omr, format_value
from kpis.initiatives import STATUSES as INITIATIVE_STATUSES
from kpis.status import STATUSES
from kpis.words import (
    CELL_WORDS,
    INITIATIVE_ICONS,
    INITIATIVE_WORDS,
    OVERDUE_ICON,
    OVERDUE_WORD,
    STATUS_ICONS,
    STATUS_WORDS,
    UNIT_WORDS,
    VERDICT_WORDS,
)
from reports.charts import kpi_chart, legend_swatch
from reports.content import KpiLine, Report, gather
from reports.stamp import EditionStamp

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STYLESHEET = HERE / "report.css"
FONTS = HERE.parent / "assets" / "fonts"
RTL = {"ar"}
# the statuses a column is given for in the summary (`not_due` only says "not yet")
SUMMARY_STATUSES = tuple(s for s in STATUSES if s != "not_due")


def chromium_path() -> str:
    return shutil.which("chromium") or "/usr/bin/chromium"


def render_pdfs(
    store: Store, period: str, stamp: EditionStamp, languages: Sequence[str] = ("ar", "en")
) -> dict[str, bytes]:
    """Language -> the PDF of quarter `period`'s committee report, edition `stamp`."""
    report = gather(store, period, stamp)
    pages = {lang: render_html(report, lang) for lang in languages}
    printed = print_pdfs(pages)
    return {lang: dated(data, stamp.published_at) for lang, data in printed.items()}


def print_pdfs(pages: dict[str, str]) -> dict[str, bytes]:
    """Language -> PDF of its HTML, all printed by one browser started once. In a thread of its
    own: Playwright's sync API refuses to start where an event loop already runs (another
    Playwright in the same thread, an async server)."""
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(_print_pdfs, pages).result()


def _print_pdfs(pages: dict[str, str]) -> dict[str, bytes]:
    from playwright.sync_api import sync_playwright  # the browser only where PDFs are made

    result = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path())
        try:
            for lang, html in pages.items():
                page = _offline_page(browser)  # a fresh page each: a language prints alike alone
                page.set_content(html, wait_until="load")
                page.evaluate("document.fonts.ready.then(() => true)")
                result[lang] = page.pdf(
                    print_background=True, prefer_css_page_size=True, tagged=True, outline=True
                )
                page.context.close()
        finally:
            browser.close()
    return result


def _offline_page(browser):
    """A page that fetches nothing: the report is self-contained (fonts and charts inline), so
    any request, say from markup that escaped escaping, is refused rather than sent. Generous
    time: a busy server prints slowly."""
    context = browser.new_context()
    context.route("**/*", lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(120_000)
    return page


PDF_DATES = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}\+00'00'\)")


def dated(pdf: bytes, moment: datetime) -> bytes:
    """The PDF dated `moment` (the edition's publication) instead of the moment it was printed,
    so that the same store and edition always give the same bytes. Same length: the PDF's cross
    reference offsets stay right."""
    stamp = moment.strftime("%Y%m%d%H%M%S").encode()
    return PDF_DATES.sub(lambda m: b"/%s (D:%s+00'00')" % (m[1], stamp), pdf)


def render_html(report: Report, lang: str) -> str:
    """The report as one self-contained HTML page in `lang` (fonts and styles inline)."""
    env = environment(lang)
    rtl = lang in RTL
    return env.get_template("report.html").render(
        report=report,
        lang=lang,
        direction="rtl" if rtl else "ltr",
        statuses=SUMMARY_STATUSES,
        css=ours(STYLESHEET.read_text(encoding="utf-8")),
        fonts=ours(font_faces()) if rtl else "",
        chart=lambda line: ours(kpi_chart(line, rtl=rtl, title=line.code)),
    )


def words_in(lang: str, words: dict[str, str], code: str) -> str:
    """`code`'s word from a kpis.words list in `lang` (the code itself when it has none); plain
    gettext, not Jinja's, whose %-formatting would trip on "Milestone (% complete)"."""
    return translations(lang).gettext(words[code]) if code in words else code


@cache
def environment(lang: str) -> Environment:
    """The templates with `lang`'s translations and the helpers they call (built once)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_string"] = lambda text: ours(css_string(str(text)))
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        loc=lambda row: localized(row, lang),
        fig=format_figure,
        gap_text=gap_text,
        ltr=ltr,
        pct=percent_of,
        score=lambda value: f"{value:.1f}",
        isolate=isolate if lang in RTL else str,
        swatch=lambda kind: ours(legend_swatch(kind)),
        say=lambda words, code: words_in(lang, words, code),
        status_words=STATUS_WORDS,
        status_icons=STATUS_ICONS,
        verdict_words=VERDICT_WORDS,
        unit_words=UNIT_WORDS,
        cell_words=CELL_WORDS,
        initiative_words=INITIATIVE_WORDS,
        initiative_icons=INITIATIVE_ICONS,
        initiative_statuses=INITIATIVE_STATUSES,
        overdue_word=OVERDUE_WORD,
        overdue_icon=OVERDUE_ICON,
        omr=lambda baisa: money_text(baisa, lang),
        num=lambda value: format_number(value, 0),
    )
    return env


@cache
def translations(lang: str) -> NullTranslations:
    """The interface's catalogue for `lang` (web/translations), compiled in memory."""
    po = SOURCE / lang / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as source:
        catalogue = read_po(source, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled)


def ours(markup: str) -> Markup:
    """Markup this package wrote itself (the stylesheet, fonts, charts that escape their text)."""
    return Markup(markup)  # noqa: S704 - never user text: that goes through the templates


def css_string(text: str) -> str:
    """`text` as the inside of a CSS string (a running head): quotes and backslashes escaped,
    no line breaks; not HTML-escaped, since it sits in a <style> element."""
    flat = " ".join(text.split())
    return flat.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")


def localized(row, lang: str) -> str:
    """A row's Arabic name in Arabic (when it has one), its English name otherwise."""
    arabic = getattr(row, "name_ar", "")
    return arabic if lang in RTL and arabic else row.name_en


def ltr(text: object) -> Markup:
    """A left-to-right code or figure (`2025-Q4`, `71.3%`) kept whole and in order in Arabic."""
    return Markup('<bdi dir="ltr">{}</bdi>').format(escape(str(text)))


def money_text(baisa: int, lang: str) -> Markup | str:
    """An amount in OMR (kpis.formatting.format_omr): kept left to right in English; in Arabic
    the formatter isolates the number itself, and the rial's sign follows it as Arabic text."""
    text = format_omr(baisa, language=lang)
    return text if lang in RTL else ltr(text)


def isolate(code: str) -> str:
    """A code kept whole and in order inside Arabic plain text (Unicode isolates)."""
    return f"\u2066{code}\u2069"


def gap_text(value: float, unit: str) -> str:
    """A distance in the KPI's unit, without a percent sign for percentages (they are points)."""
    if unit in ("percent", "milestone"):
        return format_number(value, 1)
    return format_value(value, unit)


def percent_of(part: int, whole: int) -> str:
    return format_figure(100 * part / whole, "percent") if whole else "—"


# Where the report sets Arabic in Noto Naskh Arabic: the Arabic letters, and the spaces between
# Arabic words (a word per font run would make some extractors, MuPDF's, lose the line's order).
NASKH_RANGE = "U+0020, U+00A0, U+0600-06FF, U+0750-077F, U+08A0-08FF, U+200C-200D, U+FB50-FEFF"
# Noto Naskh's letters are smaller than Noto Sans's at one font size (alef 671 against 714 units)
NASKH_SIZE = "106%"
WEIGHTS = ((400, "Regular"), (700, "Bold"))


@cache
def font_faces() -> str:
    """@font-face rules embedding the bundled fonts as one family (so every machine prints alike):
    Noto Naskh Arabic for the Arabic letters, Noto Sans Arabic for digits and punctuation, as on
    the pages. Not Noto Sans Arabic's letters: it draws lam-alef (لا) as ONE glyph standing for
    two letters, and `pdftotext` (poppler), reversing a right-to-left line, does not reverse the
    letters inside a glyph, so every word with lam-alef came out with the two swapped
    ("اإللكترونية"). Noto Naskh draws it as two joined glyphs, lam and alef, one per letter;
    the bundled files have its marks moved for poppler's sake (reports.fontmarks). The Naskh
    rules come last: where ranges overlap, the last rule wins."""
    naskh = f"unicode-range: {NASKH_RANGE}; size-adjust: {NASKH_SIZE}; "
    rules = [face("NotoSansArabic", weight, style, "") for weight, style in WEIGHTS]
    rules += [face("NotoNaskhArabic", weight, style, naskh) for weight, style in WEIGHTS]
    return "\n".join(rules)


def face(font: str, weight: int, style: str, descriptors: str) -> str:
    """One @font-face rule of the family "Report Arabic": a bundled font inline (base64)."""
    data = base64.b64encode((FONTS / f"{font}-{style}.ttf").read_bytes()).decode()
    return (
        f'@font-face {{ font-family: "Report Arabic"; font-weight: {weight}; {descriptors}'
        f'src: url(data:font/ttf;base64,{data}) format("truetype"); }}'
    )


__all__ = ["KpiLine", "render_html", "render_pdfs"]
