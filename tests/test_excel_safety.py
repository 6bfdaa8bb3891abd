"""Formula injection: text typed by users must come back as text, never as a formula."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from isms_analysis import Assessment, score
from isms_analysis.excel import new_workbook, put, save
from isms_analysis.register import write_register
from isms_analysis.template import write_workbook

DANGEROUS = ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def _assessment() -> Assessment:
    n = len(DANGEROUS)
    assets = pd.DataFrame(
        {
            "asset_id": [f"A{i}" for i in range(n)],
            "name": DANGEROUS,
            "notes": DANGEROUS,
            "consequence_municipality_c": [3] * n,
            "consequence_data_subject_c": [2] * n,
        }
    )
    threats = pd.DataFrame({"threat_id": ["T01"], "name": ['=HYPERLINK("http://x")']})
    risks = pd.DataFrame(
        {
            "risk_id": [f"R{i}" for i in range(n)],
            "asset_id": [f"A{i}" for i in range(n)],
            "threat_id": ["T01"] * n,
            "likelihood": [2] * n,
            "owner": DANGEROUS,
            "notes": DANGEROUS,
        }
    )
    return Assessment(assets=assets, threats=threats, risks=risks, meta={"municipality": "=cmd|' /C calc'!A0"})


def _column(ws, header: str, header_row: int = 1) -> list:
    heads = [c.value for c in ws[header_row]]
    col = heads.index(header) + 1
    return [ws.cell(row=r, column=col) for r in range(header_row + 1, ws.max_row + 1)]


@pytest.mark.parametrize("text", DANGEROUS)
def test_put_writes_text_not_formula(tmp_path, text):
    wb = new_workbook()
    ws = wb.create_sheet("S")
    put(ws, 1, 1, text)
    path = save(wb, tmp_path / "s.xlsx")
    cell = openpyxl.load_workbook(path)["S"]["A1"]
    assert cell.data_type == "s"
    assert cell.value == text
    assert cell.quotePrefix is True


def test_ordinary_text_and_numbers_untouched(tmp_path):
    wb = new_workbook()
    ws = wb.create_sheet("S")
    put(ws, 1, 1, "Sagsbehandling")
    put(ws, 2, 1, -3)
    put(ws, 3, 1, "tab\x00with\x07control")  # characters XML cannot hold are dropped
    path = save(wb, tmp_path / "s.xlsx")
    ws2 = openpyxl.load_workbook(path)["S"]
    assert ws2["A1"].value == "Sagsbehandling" and not ws2["A1"].quotePrefix
    assert ws2["A2"].value == -3 and ws2["A2"].data_type == "n"
    assert ws2["A3"].value == "tabwithcontrol"


def test_workbook_names_and_notes_are_text(tmp_path):
    path = write_workbook(_assessment(), tmp_path / "wb.xlsx")
    wb = openpyxl.load_workbook(path)
    for sheet, header in (
        ("Aktiver", "Aktiv"),
        ("Aktiver", "Bemærkninger"),
        ("Risici", "Risikoejer"),
        ("Risici", "Bemærkninger"),
    ):
        cells = _column(wb[sheet], header)
        assert [c.value for c in cells] == DANGEROUS
        assert {c.data_type for c in cells} == {"s"}
    threat = wb["Trusler"]["B2"]
    assert threat.data_type == "s" and threat.value == '=HYPERLINK("http://x")'
    municipality = wb["Om"]["B2"]
    assert municipality.data_type == "s" and municipality.value == "=cmd|' /C calc'!A0"


def test_register_names_are_text(tmp_path):
    a = _assessment()
    path = write_register(a, score(a), tmp_path / "reg.xlsx")
    ws = openpyxl.load_workbook(path)["Risikoregister"]
    assets = _column(ws, "Aktiv", header_row=2)
    owners = _column(ws, "Risikoejer", header_row=2)
    assert [c.value for c in assets] == DANGEROUS
    assert [c.value for c in owners] == DANGEROUS
    assert {c.data_type for c in assets + owners} == {"s"}
    # No formula anywhere in the register.
    wb = openpyxl.load_workbook(path)
    assert not [c.coordinate for s in wb for row in s.iter_rows() for c in row if c.data_type == "f"]
