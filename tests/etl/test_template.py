"""The generated template: bilingual headers, one row per KPI due, locks and validation."""

import io

from openpyxl import load_workbook

from etl.contract import COLUMNS, TEMPLATE_VERSION


def test_template_has_the_contract_sheets_and_headers(desk):
    workbook = load_workbook(io.BytesIO(desk.template("MOH", "2025-Q3")))
    assert workbook.sheetnames == ["Data", "Instructions", "About"]
    header = [c.value for c in workbook["Data"][1]]
    for (english, arabic), cell in zip(COLUMNS.values(), header, strict=False):
        assert cell.startswith(english) and arabic in cell
    about = {r[0].value.split(" /")[0]: r[1].value for r in workbook["About"].iter_rows()}
    assert about["Entity code"] == "MOH" and about["Period"] == "2025-Q3"
    assert about["Template version"] == TEMPLATE_VERSION


def test_quarterly_template_lists_entity_kpis_only(desk):
    sheet = load_workbook(io.BytesIO(desk.template("MOH", "2025-Q3")))["Data"]
    codes = [r[0].value for r in sheet.iter_rows(min_row=2)]
    assert codes == [
        "T1.1",
        "T1.3",
        "T1.4",
        "T1.5",
        "T1.6",
        "T2.3",
        "T2.4",
        "T2.6",
        "T3.1",
        "T3.3",
        "T3.4",
        "T4.1",
        "T4.3",
    ]
    periods = {r[2].value for r in sheet.iter_rows(min_row=2)}
    assert periods == {"2025-Q3"}


def test_fourth_quarter_adds_annual_and_owned_national_kpis(desk):
    sheet = load_workbook(io.BytesIO(desk.template("MTCIT", "2024-Q4")))["Data"]
    rows = {r[0].value: r[2].value for r in sheet.iter_rows(min_row=2)}
    assert rows["T2.1"] == "2024" and rows["T2.5"] == "2024"  # annual, with the year as period
    assert rows["T1.2"] == "2024" and rows["T4.6"] == "2024"  # biennial, owned by MTCIT
    assert rows["T2.2"] == "2024-Q4" and rows["T4.5"] == "2024-Q4"
    moh = load_workbook(io.BytesIO(desk.template("MOH", "2024-Q4")))["Data"]
    assert "T1.2" not in [r[0].value for r in moh.iter_rows(min_row=2)]


def test_inputs_are_unlocked_and_validated_the_rest_locked(desk):
    sheet = load_workbook(io.BytesIO(desk.template("MOH", "2025-Q3")))["Data"]
    assert sheet.protection.sheet
    assert sheet["A2"].protection.locked and sheet["B2"].protection.locked
    assert not sheet["G2"].protection.locked and not sheet["E2"].protection.locked
    ranges = " ".join(str(v.sqref) for v in sheet.data_validations.dataValidation)
    assert "G2" in ranges and "E2" in ranges
