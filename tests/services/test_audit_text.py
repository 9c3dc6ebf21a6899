"""The audit trail's sentences: a truth table in English and Arabic, for known actions, unknown
ones and events missing fields; never a raw dict; every form translated."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from services.audit_text import ACTIONS, action_name, changes, sentence

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = read_po(
    (ROOT / "web" / "translations" / "ar" / "LC_MESSAGES" / "messages.po").open("rb"), locale="ar"
)


def english(message: str) -> str:
    return message


def arabic(message: str) -> str:
    found = CATALOGUE.get(message)
    return found.string if found and found.string else message


def event(action: str, **fields) -> SimpleNamespace:
    base = dict(
        action=action,
        actor="supervisor@test.om",
        object_type=action.split(".")[0],
        object_id="",
        entity="",
        period="",
        before=None,
        after=None,
        reason="",
    )
    return SimpleNamespace(**(base | fields))


APPROVED = event(
    "submission.approve",
    object_id="12",
    entity="MOH",
    period="2025-Q3",
    before={"status": "submitted"},
    after={"status": "approved"},
)
RESTATED = event(
    "kpi.restate",
    actor="office@test.om",
    object_id="T1.5",
    before={"target": 80},
    after={"target": 85, "unit": "percent", "effective_from": "2026-Q1"},
    reason="the ministry's new plan",
)

TRUTH = [
    (
        APPROVED,
        "Submission 12 of MOH for 2025-Q3 approved by supervisor@test.om",
        "اعتمد supervisor@test.om التقديم 12 من MOH للفترة 2025-Q3",
    ),
    (  # no quarter known: the shorter form, and the reason after it
        event("submission.return", object_id="12", reason="Add the evidence link."),
        "Submission 12 returned to the entity by supervisor@test.om. "
        "Reason: Add the evidence link.",
        "أعاد supervisor@test.om التقديم 12 إلى الجهة. السبب: Add the evidence link.",
    ),
    (
        event(
            "submission.submit",
            object_id="40",
            entity="MOH",
            actor="moh@test.om",
            after={"period": "2025-Q2", "rows": 1200, "revision": 2},
        ),
        "Submission 40 of MOH for 2025-Q2 (revision 2, figures: 1,200) sent for review by "
        "moh@test.om",
        "أرسل moh@test.om التقديم 40 من MOH للفترة 2025-Q2 للمراجعة (النسخة 2، عدد الأرقام: 1,200)",
    ),
    (
        event(
            "auth.sign_in_failed",
            actor="x@y.om",
            after={"email": "x@y.om", "known_account": True, "address": "127.0.0.1"},
        ),
        "Sign-in failed for x@y.om (wrong password)",
        "فشل تسجيل الدخول باسم x@y.om (كلمة مرور خاطئة)",
    ),
    (
        event("auth.sign_in_failed", actor="who@y.om", after={"known_account": False}),
        "Sign-in failed for who@y.om (no such account)",
        "فشل تسجيل الدخول باسم who@y.om (لا يوجد حساب بهذا العنوان)",
    ),
    (
        event("period.unlock", object_type="period", object_id="2025-Q2", reason="a late fix"),
        "2025-Q2 unlocked by supervisor@test.om. Reason: a late fix",
        "فتح supervisor@test.om الفترة 2025-Q2. السبب: a late fix",
    ),
    (
        event("release.publish", object_id="3", after={"period": "2025-Q3", "edition": 2}),
        "2025-Q3 published as edition 2 by supervisor@test.om",
        "نشر supervisor@test.om الفترة 2025-Q3 في الإصدار 2",
    ),
    (
        RESTATED,
        "Target of T1.5 restated from 80.0% to 85.0% from 2026-Q1 by office@test.om. "
        "Reason: the ministry's new plan",
        "أعاد office@test.om تحديد المستهدف للمؤشر T1.5 من 80.0% إلى 85.0% اعتبارًا من 2026-Q1. "
        "السبب: the ministry's new plan",
    ),
    (  # the old value missing: the form without it
        event(
            "kpi.restate",
            object_id="T1.5",
            after={"field": "baseline", "value": 40, "unit": "percent", "from_period": "2026-Q1"},
        ),
        "Baseline of T1.5 restated to 40.0% from 2026-Q1 by supervisor@test.om",
        "أعاد supervisor@test.om تحديد خط الأساس للمؤشر T1.5 إلى 40.0% اعتبارًا من 2026-Q1",
    ),
    (  # nothing recorded but the KPI
        event("kpi.restate", object_id="T1.5"),
        "T1.5 restated by supervisor@test.om",
        "أعاد supervisor@test.om تحديد قيم المؤشر T1.5",
    ),
    (
        event(
            "user.role_change",
            actor="admin@test.om",
            before={"role": "entity", "entity": "MOH"},
            after={"email": "a@b.om", "role": "supervisor", "entity": None},
        ),
        "Role of a@b.om changed from Entity team to Programme office by admin@test.om",
        "غيّر admin@test.om دور a@b.om من فريق الجهة إلى مكتب البرنامج",
    ),
    (  # a known action without the fields of any form: the generic sentence, with its name
        event("user.invite", actor="admin@test.om", object_type="user", object_id="7"),
        "Event User invited on user 7 by admin@test.om",
        "الحدث دعوة مستخدم على user 7 بواسطة admin@test.om",
    ),
    (  # an unknown action: its code, then its values as field: before → after
        event(
            "thing.merge",
            actor="a@b.om",
            object_id="3",
            before={"size": 1200, "target_year": 2025},
            after={"size": 1500.5, "target_year": 2030, "kept": True, "parts": {"a": 1}},
        ),
        "Event thing.merge on thing 3 by a@b.om: size: 1,200 → 1,500.5; "
        "target_year: 2025 → 2030; kept: Yes; parts: a: 1",
        "الحدث thing.merge على thing 3 بواسطة a@b.om: size: 1,200 → 1,500.5; "
        "target_year: 2025 → 2030; kept: نعم; parts: a: 1",
    ),
    (
        event(
            "catalogue.load",
            actor="system",
            object_id="2021-2025",
            after={"added": {"kpi": 1200, "entity": 34}, "changed": {}},
        ),
        "Catalogue of cycle 2021-2025 loaded by system (rows added: 1,234, changed: 0)",
        "حمّل system دليل الدورة 2021-2025 (صفوف مضافة: 1,234، معدلة: 0)",
    ),
    (
        event(
            "entity.assign_kpi",
            actor="admin@test.om",
            entity="MOH",
            after={"kpi": "T1.5", "baseline": 40, "target": 85, "unit": "percent"},
        ),
        "T1.5 assigned to MOH by admin@test.om (baseline 40.0%, target 85.0%)",
        "أسند admin@test.om المؤشر T1.5 إلى MOH (خط الأساس 40.0%، المستهدف 85.0%)",
    ),
]


# the events as the administration pages, deadlines, cycles and reminders record them (issue 15)
RECORDED = [
    (
        event(
            "kpi.restate",
            actor="office@test.om",
            object_id="T1.5",
            before={
                "version": 1,
                "baseline": 40,
                "target": 80,
                "from": "2021-Q1",
                "unit": "percent",
                "cycle": "2021-2025",
            },
            after={
                "version": 2,
                "baseline": 40,
                "target": 85,
                "from": "2026-Q1",
                "unit": "percent",
                "cycle": "2021-2025",
                "changed": ["target"],
                "field": "target",
            },
            reason="new plan",
        ),
        "Target of T1.5 restated from 80.0% to 85.0% from 2026-Q1 by office@test.om. "
        "Reason: new plan",
    ),
    (
        event(
            "reminder.sent",
            actor="system",
            object_type="period",
            object_id="2025-Q3",
            after={
                "step": "after",
                "to": "moh@test.om",
                "period": "2025-Q3",
                "deadline": "2025-10-30",
                "language": "en",
                "entities": ["MOH", "MOF"],
            },
        ),
        "Reminder after the deadline about MOH, MOF, 2025-Q3, sent to moh@test.om",
    ),
    (
        event(
            "period.deadline",
            object_type="period",
            object_id="2025-Q3",
            before={"deadline": "2025-10-30", "set": False},
            after={"deadline": "2025-11-15", "set": True},
            reason="Eid",
        ),
        "Deadline of 2025-Q3 moved from 2025-10-30 to 2025-11-15 by supervisor@test.om. "
        "Reason: Eid",
    ),
    (
        event(
            "user.disable",
            actor="admin@test.om",
            object_id="9",
            before={"active": True, "email": "moh@test.om"},
            after={"active": False, "sessions_ended": 1, "links_stopped": 0},
        ),
        "Account moh@test.om disabled by admin@test.om",
    ),
    (
        event(
            "entity.deactivate",
            actor="admin@test.om",
            object_id="MOH",
            entity="MOH",
            before={"active": True, "deactivated_from": None},
            after={"active": False, "deactivated_from": "2026-Q1"},
        ),
        "Entity MOH deactivated from 2026-Q1 by admin@test.om (its history is kept)",
    ),
    (
        event(
            "entity.rename",
            actor="admin@test.om",
            object_id="MOH",
            entity="MOH",
            before={"name_en": "Health", "name_ar": "الصحة", "website": ""},
            after={"name_en": "Health", "name_ar": "الصحة", "website": "https://moh.gov.om"},
        ),
        "Entity MOH renamed by admin@test.om",
    ),
    (
        event(
            "cycle.import",
            actor="command line",
            object_id="2026-2030",
            after={"kpis": 26, "continued": 20, "new": 6, "file_sha256": "ab" * 32},
        ),
        "Cycle 2026-2030 imported by command line (KPIs: 26, continuing: 20)",
    ),
    (
        event(
            "entity.unassign_kpi",
            actor="admin@test.om",
            entity="MOH",
            before={"kpi": "T3.1", "baseline": None, "target": None},
        ),
        "T3.1 taken off MOH by admin@test.om (its figures stay)",
    ),
]


@pytest.mark.parametrize(("logged", "in_english"), RECORDED)
def test_sentences_of_the_events_recorded_today(logged, in_english):
    assert sentence(logged, english) == in_english
    in_arabic = sentence(logged, arabic)
    assert in_arabic != in_english and "{" not in in_arabic


@pytest.mark.parametrize(("logged", "in_english", "in_arabic"), TRUTH)
def test_sentences_in_both_languages(logged, in_english, in_arabic):
    assert sentence(logged, english) == in_english
    assert sentence(logged, arabic) == in_arabic


def test_codes_are_isolated_for_the_page_only():
    isolated = sentence(APPROVED, arabic, lambda text: f"\u2066{text}\u2069")
    assert "\u20662025-Q3\u2069" in isolated and "\u2066MOH\u2069" in isolated
    assert "\u2066" not in sentence(APPROVED, arabic)


def test_action_names_known_and_unknown():
    assert action_name("submission.approve", english) == "Submission approved"
    assert action_name("submission.approve", arabic) == "اعتماد تقديم"
    assert action_name("thing.merge", arabic) == "thing.merge"


def test_changes_leave_out_digests_and_show_before_and_after():
    published = event(
        "release.publish", after={"period": "2025-Q3", "files": {"a.pdf": "ab" * 32}, "sha256": "x"}
    )
    assert changes(published, english) == "period: 2025-Q3"
    assert changes(APPROVED, english) == "status: submitted → approved"
    assert changes(event("thing.x", before={"v": None}, after={"v": 2}), english) == "v: — → 2"


WEIRD = [None, {}, {"a": {"b": [1, {"c": None}]}}, {"email": None, "role": 3, "period": 2025}]


@pytest.mark.parametrize("action", [*ACTIONS, "no.such"])
@pytest.mark.parametrize("fields", WEIRD)
def test_never_a_raw_dict_nor_a_crash(action, fields):
    for gettext in (english, arabic):
        text = sentence(event(action, before=fields, after=fields, object_id="9"), gettext)
        assert text and "{" not in text and "[" not in text and "None" not in text


def test_every_form_is_translated_and_keeps_its_placeholders():
    strings = {
        message
        for _line, message, _c, _x in extract_from_file(
            "python", ROOT / "services" / "audit_text.py", keywords={"_": None, "N_": None}
        )
    }
    assert len(strings) > 100
    for message in strings:
        translated = CATALOGUE.get(message)
        assert translated and translated.string, message
        placeholders = sorted(re.findall(r"%\(\w+\)s", message))
        assert sorted(re.findall(r"%\(\w+\)s", translated.string)) == placeholders, message
