"""The Excel pack of an edition (xlsxwriter): one sheet per view (overview, each track's KPIs, the
ministry × KPI grid, completeness, the entities' figures with their comments), native charts,
right-to-left sheets in the Arabic pack. Numbers are written as numbers, text as text, never a
formula: text that Excel would run as one is neutralised as in the CSV export (`safe_cell`).
The same figures and stamp give the same bytes (fixed creation time, no other clock)."""

from __future__ import annotations

import io
import math
import re

import xlsxwriter

from etl.export import safe_cell
from kpis.status import STATUSES
from reports.figures import EditionFigures
from reports.stamp import EditionStamp

# (English, Arabic) of every label the pack writes: the terms of the pages' catalogue
LABELS: dict[str, tuple[str, str]] = {
    "title": ("Government Digital Transformation Programme", "برنامج التحول الرقمي الحكومي"),
    "report": ("Quarterly performance report", "تقرير الأداء الفصلي"),
    "overview": ("Overview", "نظرة عامة"),
    "grid": ("Ministries by KPI", "الجهات حسب المؤشر"),
    "completeness": ("Completeness", "اكتمال التقارير"),
    "figures": ("Entity figures", "أرقام الجهات"),
    "period": ("Quarter", "الربع"),
    "edition": ("Edition", "الإصدار"),
    "published": ("Published (UTC)", "تاريخ النشر (UTC)"),
    "note": ("Correction note", "ملاحظة التصحيح"),
    "audit": ("Audit chain head (sequence, hash)", "رأس سلسلة التدقيق (الرقم، البصمة)"),
    "data_hash": ("SHA-256 of the figures (observations CSV)", "بصمة SHA-256 للأرقام (ملف CSV)"),
    "figures_note": (
        "Approved figures only, as the committee sees them.",
        "الأرقام المعتمدة فقط، كما تراها اللجنة.",
    ),
    "track": ("Track", "المسار"),
    "kpis": ("KPIs", "المؤشرات"),
    "programme": ("Programme", "البرنامج"),
    "status_counts": ("KPIs by status and track", "المؤشرات حسب الحالة والمسار"),
    "code": ("Code", "الرمز"),
    "kpi": ("KPI", "المؤشر"),
    "unit": ("Unit", "الوحدة"),
    "baseline": ("Baseline", "خط الأساس"),
    "target": ("Target", "المستهدف"),
    "value": ("National figure", "الرقم الوطني"),
    "value_period": ("Period of the figure", "فترة الرقم"),
    "expected": ("Expected on the path", "المتوقع على المسار"),
    "status": ("Status", "الحالة"),
    "progress": ("Progress to target", "التقدم نحو المستهدف"),
    "reported": ("Entities reported", "الجهات المبلِّغة"),
    "expected_entities": ("Entities expected", "الجهات المطلوبة"),
    "forecast": ("Forecast", "التوقع"),
    "progress_chart": ("Progress to target by KPI", "التقدم نحو المستهدف حسب المؤشر"),
    "entity": ("Entity", "الجهة"),
    "score": ("Score", "الدرجة"),
    "rank": ("Rank", "الترتيب"),
    "score_chart": ("Score by entity (0-100)", "درجة كل جهة (0-100)"),
    "due": ("KPIs due", "المؤشرات المطلوبة"),
    "received": ("Figures received", "الأرقام المستلمة"),
    "state": ("State", "الحالة"),
    "on_time": ("On time", "في الموعد"),
    "approved": ("Approved", "معتمد"),
    "yes": ("Yes", "نعم"),
    "no": ("No", "لا"),
    "due_chart": ("KPIs due and figures received", "المؤشرات المطلوبة والأرقام المستلمة"),
    "numerator": ("Numerator", "البسط"),
    "denominator": ("Denominator", "المقام"),
    "comment": ("Comment", "ملاحظات"),
    "entity_value": ("Value", "القيمة"),
    "invalid": ("invalid", "غير صالح"),
    "count": ("Number of KPIs", "عدد المؤشرات"),
    "share": ("Share", "النسبة"),
    "achieved": ("★ Achieved", "★ تحقق"),
    "on_track": ("✔ On track", "✔ على المسار"),
    "at_risk": ("⚠ At risk", "⚠ معرض للخطر"),
    "off_track": ("✖ Off track", "✖ خارج المسار"),
    "no_data": ("? No data", "? لا توجد بيانات"),
    "not_due": ("◷ Not due yet", "◷ لم يحن موعده"),
    "no_target": ("— Target not set", "— لم يُحدَّد المستهدف"),
    "likely": ("Likely to meet the target", "من المرجح تحقيق المستهدف"),
    "unlikely": ("Unlikely to meet the target", "من غير المرجح تحقيق المستهدف"),
    "insufficient_data": ("Insufficient data", "بيانات غير كافية"),
    "met": ("Target met", "تحقق المستهدف"),
    "not_met": ("Target not met", "لم يتحقق المستهدف"),
    "percent": ("Percent", "نسبة مئوية"),
    "rank_unit": ("Rank (lower is better)", "ترتيب (الأقل أفضل)"),
    "count_unit": ("Count", "عدد"),
    "milestone": ("Milestone (% complete)", "مرحلة إنجاز (% مكتمل)"),
    "omr": ("Omani rials", "ريال عماني"),
    "submitted": ("Submitted, awaiting review", "مقدم، بانتظار المراجعة"),
    "returned": ("Returned", "معاد"),
    "late": ("Late", "متأخر"),
    "missing": ("Missing", "غير مقدم"),
    "open": ("Open", "مفتوح"),
    "not_reported": ("not reported", "لم يُبلَّغ"),
    # the whole programme (issue 16): initiatives, the procedures plan, the budget
    "initiatives": ("Initiatives", "المبادرات"),
    "procedures": ("Procedures plan", "خطة تبسيط الإجراءات"),
    "budget": ("Budget", "الميزانية"),
    "initiative": ("Initiative", "المبادرة"),
    "lead": ("Lead entity", "الجهة المسؤولة"),
    "start": ("Start", "البداية"),
    "due_quarter": ("Due", "موعد الإنجاز"),
    "initiative_status": ("Status", "الحالة"),
    "overdue": ("Overdue", "متجاوز الموعد"),
    "percent_complete": ("Percent complete", "نسبة الإنجاز"),
    "planned_percent": ("Planned progress", "الإنجاز المخطط"),
    "report_period": ("Quarter of the report", "ربع التقرير"),
    "next_milestone": ("Next milestone", "المرحلة التالية"),
    "milestone_due": ("Milestone due", "موعد المرحلة التالية"),
    "year": ("Year", "السنة"),
    "planned_year": ("Planned in the year", "المخطط في السنة"),
    "simplified_year": ("Simplified in the year", "المبسَّط في السنة"),
    "planned_cumulative": ("Planned to date", "المخطط حتى تاريخه"),
    "simplified_cumulative": ("Simplified to date", "المبسَّط حتى تاريخه"),
    "plan_share": ("Share of the plan to date", "نسبة الإنجاز من الخطة حتى تاريخه"),
    "procedures_note": (
        "Procedures simplified, counted by the numerators of KPI",
        "الإجراءات المبسطة، محسوبة من بسط المؤشر",
    ),
    "allocated": ("Allocated (OMR)", "المخصص (ر.ع.)"),
    "committed": ("Committed (OMR)", "الملتزم به (ر.ع.)"),
    "spent": ("Spent (OMR)", "المصروف (ر.ع.)"),
    "burn": ("Burn (spent ÷ allocated to date)", "نسبة الصرف (المصروف ÷ المخصص حتى تاريخه)"),
    "planned_spend": ("Planned spend to date (OMR)", "الصرف المخطط حتى تاريخه (ر.ع.)"),
    "variance": ("Variance (OMR)", "الفرق (ر.ع.)"),
    "pace": ("Against the plan", "مقارنة بالخطة"),
    "cycle_budget": ("The cycle's budget (OMR)", "ميزانية الدورة (ر.ع.)"),
    "behind": ("▼ Behind plan", "▼ متأخر عن الخطة"),
    "on_plan": ("● On plan", "● وفق الخطة"),
    "ahead": ("▲ Ahead of plan", "▲ متقدم على الخطة"),
    "nothing_planned": ("Nothing planned yet", "لا صرف مخطط بعد"),
    "not_started": ("○ Not started", "○ لم يبدأ"),
    "delayed": ("◷ Delayed", "◷ متأخر"),
    "completed": ("★ Completed", "★ مكتمل"),
    "initiative_on_track": ("✔ On track", "✔ على المسار"),
    "initiative_at_risk": ("⚠ At risk", "⚠ معرض للخطر"),
    "initiative_not_reported": ("? Not reported", "? لم يُبلَّغ"),
}
# an initiative's status (kpis.initiatives) -> its label, icon and word
INITIATIVE_KEYS = {
    "not_started": "not_started",
    "on_track": "initiative_on_track",
    "at_risk": "initiative_at_risk",
    "delayed": "delayed",
    "completed": "completed",
    "not_reported": "initiative_not_reported",
}
UNIT_KEYS = {"rank": "rank_unit", "count": "count_unit"}
NUMBER_FORMATS = {
    "percent": '0.0"%"',
    "milestone": '0.0"%"',
    "omr": "#,##0.000",
    "count": "#,##0",
    "rank": "0",
}
# the pages' status colours; every status is also named in the series and the table
STATUS_COLOURS = {
    "achieved": "#1B5E20",
    "on_track": "#2E7D32",
    "at_risk": "#B26A00",
    "off_track": "#B71C1C",
    "no_data": "#757575",
    "not_due": "#90A4AE",
    "no_target": "#BDBDBD",
}
SHEET_NAME_UNSAFE = re.compile(r"[\[\]:*?/\\']")


def label(key: str, lang: str) -> str:
    english, arabic = LABELS[key]
    return arabic if lang == "ar" else english


def excel_pack(fig: EditionFigures, stamp: EditionStamp, lang: str) -> bytes:
    """The pack in `lang` ("ar": right-to-left sheets, Arabic headers and names)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    book.set_properties(
        {
            "title": f"{label('report', lang)} {stamp.period}",
            "subject": label("title", lang),
            "author": "MTCIT",
            "created": stamp.published_at,
            "comments": f"edition {stamp.number}; data SHA-256 {stamp.data_sha256}",
        }
    )
    pack = Pack(book, lang)
    pack.overview(fig, stamp)
    for track in fig.tracks:
        pack.track(fig, track)
    if fig.whole is not None:  # the whole programme: initiatives, procedures, budget
        pack.initiatives(fig.whole)
        pack.procedures(fig.whole)
        pack.budget(fig.whole)
    pack.grid(fig)
    pack.completeness(fig)
    pack.figures(fig)
    book.close()
    return buffer.getvalue()


class Pack:
    """One workbook being written: its formats and the sheets' common layout."""

    def __init__(self, book: xlsxwriter.Workbook, lang: str) -> None:
        self.book = book
        self.lang = lang
        base = {"font_name": "Arial", "font_size": 10, "valign": "top"}
        if lang == "ar":
            base["reading_order"] = 2
        self.text = book.add_format({**base, "text_wrap": True})
        self.head = book.add_format({**base, "bold": True, "bg_color": "#E8EEF4", "border": 1})
        self.title = book.add_format({**base, "bold": True, "font_size": 14})
        self.code = book.add_format({**base, "reading_order": 1})
        self.numbers = {
            unit: book.add_format({**base, "num_format": fmt})
            for unit, fmt in NUMBER_FORMATS.items()
        }
        self.plain = book.add_format({**base, "num_format": "General"})
        self.share = book.add_format({**base, "num_format": "0%"})
        self.score = book.add_format({**base, "num_format": "0.0"})

    def l(self, key: str) -> str:  # noqa: E743 - the pack's one translation helper
        return label(key, self.lang)

    def name(self, row) -> str:
        return (row.name_ar or row.name_en) if self.lang == "ar" else row.name_en

    def sheet(self, title: str, widths: list[int]):
        sheet = self.book.add_worksheet(sheet_name(title, self.book))
        if self.lang == "ar":
            sheet.right_to_left()
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        return sheet

    def put(self, sheet, row: int, column: int, value, fmt=None) -> None:
        """A number as a number (blank when there is none), text as neutralised text."""
        if value is None:
            sheet.write_blank(row, column, None, fmt or self.text)
        elif isinstance(value, bool):
            sheet.write_string(row, column, self.l("yes" if value else "no"), fmt or self.text)
        elif isinstance(value, int | float):
            if math.isfinite(value):
                sheet.write_number(row, column, value, fmt or self.plain)
            else:
                sheet.write_string(row, column, self.l("invalid"), self.text)
        else:
            sheet.write_string(row, column, str(safe_cell(str(value))), fmt or self.text)

    def header(self, sheet, row: int, keys: list[str]) -> None:
        for column, key in enumerate(keys):
            sheet.write_string(row, column, self.l(key), self.head)
        sheet.freeze_panes(row + 1, 0)

    def table(self, sheet, row: int, keys: list[str], rows: list[list[tuple]]) -> int:
        """Header `keys` at `row`, then `rows` of (value, format) pairs; returns the last row."""
        self.header(sheet, row, keys)
        for offset, cells in enumerate(rows, start=1):
            for column, (value, fmt) in enumerate(cells):
                self.put(sheet, row + offset, column, value, fmt)
        if rows:
            sheet.autofilter(row, 0, row + len(rows), len(keys) - 1)
        return row + len(rows)

    def chart(self, kind: str, title: str, y_title: str, subtype: str | None = None):
        chart = self.book.add_chart({"type": kind, **({"subtype": subtype} if subtype else {})})
        chart.set_title({"name": title, "name_font": {"size": 11}})
        axis = {"reverse": True} if self.lang == "ar" and kind == "column" else {}
        chart.set_x_axis(axis)
        chart.set_y_axis({"name": y_title})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 720, "height": 360})
        return chart

    # --- sheets ------------------------------------------------------------------------------

    def overview(self, fig: EditionFigures, stamp: EditionStamp) -> None:
        sheet = self.sheet(self.l("overview"), [34, 14, 14, 14, 14, 14, 14, 14, 14])
        sheet.write_string(0, 0, f"{self.l('title')}: {self.l('report')}", self.title)
        facts = [
            ("period", stamp.period, self.code),
            ("edition", stamp.number, self.plain),
            ("published", stamp.published_at.strftime("%Y-%m-%d %H:%M"), self.code),
            ("audit", f"{stamp.audit_seq} · {stamp.audit_hash}", self.code),
            ("data_hash", stamp.data_sha256, self.code),
        ]
        if stamp.note:
            facts.append(("note", stamp.note, self.text))
        for row, (key, value, fmt) in enumerate(facts, start=2):
            sheet.write_string(row, 0, self.l(key), self.head)
            self.put(sheet, row, 1, value, fmt)
        sheet.write_string(len(facts) + 2, 0, self.l("figures_note"), self.text)
        top = len(facts) + 4
        counts = {t["code"]: t["counts"] for t in fig.picture["tracks"]}
        rows = []
        for track in fig.tracks:
            found = counts.get(track.code, {})
            rows.append(
                [(f"{track.code} {self.name(track)}", self.text)]
                + [(found.get(s, 0), self.plain) for s in STATUSES]
                + [(sum(found.values()), self.plain)]
            )
        totals = [sum(c.get(s, 0) for c in counts.values()) for s in STATUSES]
        rows.append(
            [(self.l("programme"), self.head)]
            + [(n, self.plain) for n in totals]
            + [(sum(totals), self.plain)]
        )
        last = self.table(sheet, top, ["track", *STATUSES, "kpis"], rows)
        chart = self.chart("column", self.l("status_counts"), self.l("count"), "stacked")
        name = sheet.get_name()
        for column, status in enumerate(STATUSES, start=1):
            chart.add_series(
                {
                    "fill": {"color": STATUS_COLOURS[status]},
                    "name": [name, top, column],
                    "categories": [name, top + 1, 0, last - 1, 0],
                    "values": [name, top + 1, column, last - 1, column],
                }
            )
        sheet.insert_chart(last + 2, 0, chart)

    def track(self, fig: EditionFigures, track) -> None:
        specs = [s for s in fig.specs if s.track == track.code]
        if not specs:
            return
        keys = [
            "code",
            "kpi",
            "unit",
            "baseline",
            "target",
            "value",
            "value_period",
            "expected",
            "status",
            "progress",
            "reported",
            "expected_entities",
            "forecast",
        ]
        sheet = self.sheet(
            f"{track.code} {self.name(track)}", [8, 48, 16, 11, 11, 12, 11, 12, 18, 11, 10, 10, 24]
        )
        sheet.write_string(0, 0, f"{track.code} {self.name(track)}", self.title)
        pictures = {k["code"]: k for k in fig.picture["kpis"]}
        rows = [self._kpi_row(spec, pictures[spec.code]) for spec in specs]
        last = self.table(sheet, 2, keys, rows)
        chart = self.chart("bar", self.l("progress_chart"), self.l("progress"))
        name = sheet.get_name()
        chart.add_series(
            {
                "name": [name, 2, 9],
                "categories": [name, 3, 0, last, 0],
                "values": [name, 3, 9, last, 9],
                "data_labels": {"value": True, "num_format": "0%"},
            }
        )
        chart.set_y_axis({"name": self.l("progress"), "num_format": "0%"})
        chart.set_legend({"none": True})
        if self.lang == "ar":
            chart.set_x_axis({"reverse": True})
        sheet.insert_chart(last + 2, 1, chart)

    def _kpi_row(self, spec, kpi: dict) -> list[tuple]:
        number = self.numbers.get(spec.unit, self.plain)
        forecast = kpi["forecast"]["verdict"]
        return [
            (spec.code, self.code),
            (spec.name_ar if self.lang == "ar" else spec.name_en, self.text),
            (self.l(UNIT_KEYS.get(spec.unit, spec.unit)), self.text),
            (spec.baseline, number),
            (spec.target, number),
            (kpi["value"], number),
            (kpi["period"], self.code),
            (kpi["expected"], number),
            (self.l(kpi["status"]), self.text),
            (kpi["progress"], self.share),
            (kpi["coverage"]["reported"], self.plain),
            (kpi["coverage"]["expected"], self.plain),
            (self.l(forecast) if forecast in LABELS else forecast, self.text),
        ]

    def grid(self, fig: EditionFigures) -> None:
        """Entities down, entity-scoped KPIs across: each cell the status (icon and word)."""
        specs = [s for s in fig.specs if s.scope == "entity"]
        sheet = self.sheet(self.l("grid"), [36, 9, 9] + [16] * len(specs))
        sheet.write_string(0, 0, self.l("grid"), self.title)
        standing = {s["code"]: s for s in fig.picture["entities"]}
        pictures = {s.code: fig.prog.entity_pictures(s.code) for s in specs}
        top = 2
        sheet.write_string(top, 0, self.l("entity"), self.head)
        sheet.write_string(top, 1, self.l("score"), self.head)
        sheet.write_string(top, 2, self.l("rank"), self.head)
        for column, spec in enumerate(specs, start=3):
            sheet.write_string(top, column, spec.code, self.head)
        entities = sorted(
            fig.entities,
            key=lambda e: (standing.get(e.code, {}).get("rank") or 10_000, e.code),
        )
        for row, entity in enumerate(entities, start=top + 1):
            own = standing.get(entity.code, {})
            self.put(sheet, row, 0, self.name(entity))
            self.put(sheet, row, 1, own.get("score"), self.score)
            self.put(sheet, row, 2, own.get("rank"), self.plain)
            for column, spec in enumerate(specs, start=3):
                found = pictures[spec.code].get(entity.code)
                text = self.l(found.status) if found else ""
                self.put(sheet, row, column, text)
        last = top + len(entities)
        sheet.freeze_panes(top + 1, 1)
        sheet.autofilter(top, 0, last, 2 + len(specs))
        chart = self.chart("bar", self.l("score_chart"), self.l("score"))
        name = sheet.get_name()
        chart.add_series(
            {
                "name": [name, top, 1],
                "categories": [name, top + 1, 0, last, 0],
                "values": [name, top + 1, 1, last, 1],
            }
        )
        chart.set_legend({"none": True})
        chart.set_size({"width": 720, "height": 640})
        sheet.insert_chart(last + 2, 0, chart)

    def completeness(self, fig: EditionFigures) -> None:
        sheet = self.sheet(self.l("completeness"), [36, 12, 14, 24, 10, 10])
        sheet.write_string(0, 0, self.l("completeness"), self.title)
        names = {e.code: self.name(e) for e in fig.entities}
        rows = [
            [
                (names.get(c.entity, c.entity), self.text),
                (c.due, self.plain),
                (c.received, self.plain),
                (self.l(str(c.state)) if str(c.state) in LABELS else str(c.state), self.text),
                (c.on_time, self.text),
                (c.approved, self.text),
            ]
            for c in fig.completeness
        ]
        last = self.table(
            sheet, 2, ["entity", "due", "received", "state", "on_time", "approved"], rows
        )
        chart = self.chart("column", self.l("due_chart"), self.l("count"))
        name = sheet.get_name()
        for column in (1, 2):
            chart.add_series(
                {
                    "name": [name, 2, column],
                    "categories": [name, 3, 0, last, 0],
                    "values": [name, 3, column, last, column],
                }
            )
        chart.set_size({"width": 960, "height": 360})
        sheet.insert_chart(last + 2, 0, chart)

    def figures(self, fig: EditionFigures) -> None:
        sheet = self.sheet(self.l("figures"), [36, 8, 10, 14, 14, 14, 60])
        sheet.write_string(0, 0, self.l("figures"), self.title)
        names = {e.code: self.name(e) for e in fig.entities}
        units = {s.code: s.unit for s in fig.specs}
        rows = [
            [
                (names.get(f.entity, f.entity), self.text),
                (f.kpi, self.code),
                (f.period, self.code),
                (f.value, self.numbers.get(units.get(f.kpi, ""), self.plain)),
                (f.numerator, self.plain),
                (f.denominator, self.plain),
                (f.comment or None, self.text),
            ]
            for f in fig.figures
        ]
        keys = ["entity", "kpi", "period", "entity_value", "numerator", "denominator", "comment"]
        self.table(sheet, 2, keys, rows)

    # --- the whole programme (reports.programme: the services the pages and the API call) ---

    def initiatives(self, whole) -> None:
        keys = [
            "track",
            "code",
            "initiative",
            "lead",
            "start",
            "due_quarter",
            "initiative_status",
            "overdue",
            "percent_complete",
            "planned_percent",
            "report_period",
            "next_milestone",
            "milestone_due",
        ]
        sheet = self.sheet(
            self.l("initiatives"), [8, 8, 48, 10, 10, 10, 16, 10, 12, 12, 12, 36, 12]
        )
        sheet.write_string(0, 0, self.l("initiatives"), self.title)
        percent = self.numbers["percent"]
        rows = [
            [
                (item.track, self.code),
                (item.code, self.code),
                (self.name(item), self.text),
                (item.lead or None, self.code),
                (item.start, self.code),
                (item.due, self.code),
                (self.l(INITIATIVE_KEYS.get(item.status, "initiative_not_reported")), self.text),
                (item.overdue, self.text),
                (item.percent_complete, percent),
                (item.planned_percent, percent),
                (item.report.period if item.report else None, self.code),
                (item.report.next_milestone or None if item.report else None, self.text),
                (item.report.milestone_due or None if item.report else None, self.code),
            ]
            for item in whole.initiatives.initiatives
        ]
        self.table(sheet, 2, keys, rows)

    def procedures(self, whole) -> None:
        picture = whole.procedures
        sheet = self.sheet(self.l("procedures"), [10, 16, 16, 16, 16, 18])
        sheet.write_string(0, 0, self.l("procedures"), self.title)
        sheet.write_string(1, 0, f"{self.l('procedures_note')} {picture.kpi}", self.text)
        count = self.numbers["count"]
        rows = [
            [
                (year.year, self.plain),
                (year.planned, count),
                (year.simplified, count),
                (year.cumulative_planned, count),
                (year.cumulative_simplified, count),
                (year.cumulative_share, self.numbers["percent"]),
            ]
            for year in picture.years
        ]
        keys = [
            "year",
            "planned_year",
            "simplified_year",
            "planned_cumulative",
            "simplified_cumulative",
            "plan_share",
        ]
        self.table(sheet, 3, keys, rows)

    def budget(self, whole) -> None:
        picture = whole.budget
        money = self.numbers["omr"]
        sheet = self.sheet(self.l("budget"), [40, 18, 18, 18, 14, 18, 18, 18])
        sheet.write_string(0, 0, self.l("budget"), self.title)
        sheet.write_string(1, 0, self.l("cycle_budget"), self.head)
        self.put(sheet, 1, 1, omr(picture.budget_baisa), money)
        keys = [
            "track",
            "allocated",
            "committed",
            "spent",
            "burn",
            "planned_spend",
            "variance",
            "pace",
        ]

        def row(title: str, totals, fmt) -> list[tuple]:
            return [
                (title, fmt),
                (omr(totals.allocated), money),
                (omr(totals.committed), money),
                (omr(totals.spent), money),
                (totals.burn, self.share),
                (omr(totals.planned), money),
                (omr(totals.variance), money),
                (self.l(totals.pace), self.text),
            ]

        rows = [
            row(f"{track.code} {self.name(track)}", track.totals, self.text)
            for track in whole.budget_tracks()
        ]
        rows.append(row(self.l("programme"), picture.programme, self.head))
        self.table(sheet, 3, keys, rows)


def omr(baisa: int | None) -> float | None:
    """Baisa as OMR for a cell formatted with three decimals."""
    return None if baisa is None else baisa / 1000


def sheet_name(title: str, book: xlsxwriter.Workbook) -> str:
    """At most 31 characters, none of those Excel refuses, unique in the workbook."""
    base = " ".join(SHEET_NAME_UNSAFE.sub(" ", title).split())
    if len(base) > 31:  # cut at a word's end, not in its middle
        base = base[:32].rsplit(" ", 1)[0] if " " in base[:32] else base[:31]
    base = base or "Sheet"
    taken = {s.get_name() for s in book.worksheets()}
    name, number = base, 2
    while name in taken:
        suffix = f" {number}"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    return name
