"""Printing: every page, in English and Arabic, printed by Chromium to an A4 PDF, is a report
without the menu, the buttons, the forms or the language switch; it keeps its title; and nothing
on it is wider than the paper (charts are redrawn to the printed width)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.browser.test_responsive import PAGES, WIDE, built, new_page, settle, sign_in_at

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext (poppler-utils)"),
]

# A4 less tracker.css's @page margins: 210 - 2 x 12 mm = 186 mm, in CSS pixels (96 per inch).
PRINTED_WIDTH = 703
# What a reader can do but paper cannot: links of the menu, buttons, summaries of disclosures,
# the language switch. Their texts, unless the page also says them elsewhere, must not print.
CONTROLS = """() => {
  const text = (e) => e.textContent.replace(/\\s+/g, " ").trim();
  const controls = [...document.querySelectorAll(
    "#shell-nav a, #shell-nav button, button, summary, a.lang-switch, form label"
  )].map(text).filter(Boolean);
  const kept = document.getElementById("main").cloneNode(true);
  kept.querySelectorAll("nav, button, summary, form, details:not([open])")
    .forEach((e) => e.remove());
  const title = text(document.querySelector("h1"));
  return {controls: [...new Set(controls)], kept: text(kept), title: title};
}"""
# Elements wider than the printed page, with print styles applied at the printed width. Inside a
# chart, its texts only (plotly.js's invisible drag handles reach past its edges); a text turned
# upright (an axis title) by its glyphs' height, not by its box, which Chromium makes wider.
TOO_WIDE = """(width) => [...document.body.querySelectorAll("*")]
  .filter((e) => (!e.ownerSVGElement || e.tagName === "text") && !e.closest("#js-plotly-tester"))
  .map((e) => {
    const box = e.getBoundingClientRect();
    let [left, right] = [box.left, box.right];
    if (e.ownerSVGElement && /rotate\\(-?90/.test(e.getAttribute("transform") || "")) {
      const half = parseFloat(getComputedStyle(e).fontSize) / 2;
      [left, right] = [(left + right) / 2 - half, (left + right) / 2 + half];
    }
    const name = `${e.tagName.toLowerCase()}#${e.id}.${e.getAttribute("class") || ""}`;
    const seen = box.width > 0 && box.height > 0;
    return seen && (right > width + 0.5 || left < -0.5) ? `${name} (${left} to ${right} px)` : "";
  })
  .filter(Boolean)
  .slice(0, 5)"""

# assets/shell.js has redrawn the charts for paper (the sign-in page has neither script nor chart)
PRINT_READY = (
    "() => !window.dash_clientside || document.getElementById('main').dataset.printed === 'done'"
)

CHARTS = "[...document.querySelectorAll('.js-plotly-plot')]"


def words(text: str) -> str:
    """Spaces made plain, and the direction marks Chromium writes around Arabic removed."""
    return re.sub(r"\s+", " ", re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text)).strip()


def printed(title: str, text: str) -> bool:
    """Whether the heading is in the PDF's text. pdftotext reads Chromium's Arabic ligatures
    back in the wrong order (على as عىل, الأرقام as األرقام), so in Arabic most of its words
    must be there, not all."""
    if title in text:
        return True
    found = [w for w in title.split() if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]
    return bool(re.search("[\u0600-\u06ff]", title)) and len(found) >= 0.6 * len(title.split())


def pdf_text(page, tmp_path, name: str) -> tuple[str, str]:
    """Print as Chromium prints (print media: the page's script redraws the charts first) and
    read the PDF back: its text and what pdfinfo says of it."""
    page.emulate_media(media="print")
    page.wait_for_function(PRINT_READY)
    path = tmp_path / f"{name}.pdf"
    page.pdf(path=str(path), format="A4", prefer_css_page_size=True, print_background=True)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    page.emulate_media(media="screen")
    return words(text), info


def printed_problems(page, tmp_path, name: str) -> list[str]:
    seen = page.evaluate(CONTROLS)
    text, info = pdf_text(page, tmp_path, name)
    problems = []
    if "(A4)" not in info:
        problems.append(f"not A4: {info}")
    if not printed(seen["title"], text):
        problems.append(f"the title {seen['title']!r} is not printed")
    for label in seen["controls"]:
        if label not in seen["kept"] and re.search(rf"(?<!\w){re.escape(label)}(?!\w)", text):
            problems.append(f"{label!r} is printed")
    return problems


def too_wide_on_paper(page) -> list[str]:
    """Lay the page out as on paper: print styles, at the printed width."""
    viewport = page.viewport_size
    page.set_viewport_size({"width": PRINTED_WIDTH, "height": 1000})
    page.emulate_media(media="print")
    page.wait_for_function(PRINT_READY)
    wide = page.evaluate(TOO_WIDE, PRINTED_WIDTH)
    page.emulate_media(media="screen")
    page.set_viewport_size(viewport)
    return wide


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_page_prints_as_a_report(browser, live_server, lang, tmp_path):
    page = sign_in_at(browser, live_server, "supervisor", lang, WIDE)
    problems = []
    for path in [p for p in PAGES if built(p)]:
        settle(page, live_server, path)
        name = path.strip("/").replace("/", "-") or "overview"
        problems += [f"{path}: {p}" for p in printed_problems(page, tmp_path, f"{name}-{lang}")]
        problems += [f"{path}: {e} is wider than A4" for e in too_wide_on_paper(page)]
    assert problems == [], "\n".join(problems)
    page.context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_sign_in_page_prints_without_its_form(browser, live_server, lang, tmp_path):
    page = new_page(browser, WIDE)
    page.goto(f"{live_server}/login?lang={lang}")
    text, _info = pdf_text(page, tmp_path, f"login-{lang}")
    assert page.inner_text("h1") in text
    assert page.inner_text("label[for=password]") not in text  # the form does not print
    assert ("English" if lang == "ar" else "العربية") not in text
    page.context.close()


def test_printed_charts_are_redrawn_for_the_paper(browser, live_server, tmp_path):
    """A chart drawn for a 1440 px screen is redrawn at the printed width, and back after."""
    page = sign_in_at(browser, live_server, "committee", "ar", WIDE)
    settle(page, live_server, "/kpi/T1.1")
    screen = page.evaluate(
        "[...document.querySelectorAll('.js-plotly-plot')].map(c => c.offsetWidth)"
    )
    assert screen and min(screen) > PRINTED_WIDTH
    page.emulate_media(media="print")
    page.wait_for_function(PRINT_READY)
    drawn = page.evaluate(
        "[...document.querySelectorAll('.js-plotly-plot')].map(c => c._fullLayout.width)"
    )
    assert max(drawn) <= PRINTED_WIDTH
    page.emulate_media(media="screen")
    page.wait_for_function(
        f"(w) => {CHARTS}.every(c => c._fullLayout.width === w)",
        arg=screen[0],
    )
    page.context.close()


def test_print_check_does_find_a_printed_menu(browser, live_server, tmp_path):
    """The checks above can fail: a page whose menu and buttons print is caught."""
    page = sign_in_at(browser, live_server, "supervisor", "en", WIDE)
    # as a stylesheet without print rules would; style attributes, since the CSP refuses <style>
    page.evaluate(
        """() => {
          const show = (selector, display) => document.querySelectorAll(selector)
            .forEach((e) => e.style.setProperty("display", display, "important"));
          show(".main-nav, .header-tools, .logout, .logout button", "block");
          show("#shell-menu", "flex");
        }"""
    )
    problems = printed_problems(page, tmp_path, "menu-printed")
    assert "'Submissions' is printed" in problems
    assert "'Sign out' is printed" in problems
    page.context.close()
