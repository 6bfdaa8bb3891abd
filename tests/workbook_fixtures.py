"""Fixture workbooks for the reader tests, built in code with openpyxl.

``workbook_data()`` returns a small, valid KL-style round (Om, Aktiver, Trusler,
Risici, Risikoprofil, SoA, Handlingsplan, Årshjul) as plain data; tests change
cells with ``set_value`` and write it with ``write``. Hand-computed facts about
the valid round (KL matrix, highest of C/I/A per perspective):

- R-01: A-01 x T-01, likelihood 3: municipality 3x3 = 9 (Middel), data subjects 4x3 = 12
- R-02: A-02 x T-03, likelihood 2: municipality 2x2 = 4, data subjects 3x2 = 6
- R-03: A-03 x T-02, likelihood 4: municipality 4x4 = 16 (Høj); A-03 has no personal data
- R-04: A-02 x T-01, likelihood 1: municipality 2, data subjects 3 (accepted, no who/when: fine)
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Font, PatternFill

from isms_analysis import layout as L

D = dt.date

META_VALUES = {
    "municipality": "Testkommune",
    "round": "2026-Q1",
    "assessment_date": D(2026, 3, 15),
    "prepared_by": "Informationssikkerhedskoordinatoren",
    "approved_by": "Informationssikkerhedsudvalget",
    "approved_date": D(2026, 3, 20),
    "matrix": "KL",
}

_ASSET_FIELDS = [c.field for c in L.ASSETS.columns if "_society_" not in c.field]
ASSETS = [
    {
        "asset_id": "A-01", "name": "Sagsbehandlingssystem", "type": "It-system", "area": "Social",
        "kle": "27.00", "system_owner": "IT-afdelingen", "data_owner": "Socialchef", "risk_owner": "Socialchef",
        "critical": "Ja", "personal_data": "Følsomme",
        "consequence_municipality_c": 3, "consequence_municipality_i": 2, "consequence_municipality_a": 3,
        "consequence_data_subject_c": 4, "consequence_data_subject_i": 3, "consequence_data_subject_a": 2,
        "tolerable_downtime": "1 dag",
    },
    {
        "asset_id": "A-02", "name": "Lønsystem", "type": "It-system", "area": "Økonomi",
        "risk_owner": "Økonomichef", "critical": "Nej", "personal_data": "CPR",
        "consequence_municipality_c": 2, "consequence_municipality_i": 2, "consequence_municipality_a": 1,
        "consequence_data_subject_c": 3, "consequence_data_subject_i": 3, "consequence_data_subject_a": 1,
    },
    {
        "asset_id": "A-03", "name": "Netværksudstyr", "type": "Infrastruktur", "area": "IT",
        "risk_owner": "IT-chef", "critical": "Ja", "personal_data": "Ingen",
        "consequence_municipality_c": 4, "consequence_municipality_i": 3, "consequence_municipality_a": 4,
        "notes": "Routere, switche og firewalls",
    },
]  # fmt: skip
THREATS = [
    {"threat_id": "T-01", "name": "Phishing", "category": "Cyber", "affects_c": "X", "affects_i": "X"},
    {"threat_id": "T-02", "name": "Ransomware", "category": "Cyber", "affects_c": "X", "affects_i": "X",
     "affects_a": "X"},
    {"threat_id": "T-03", "name": "Fejlsendte breve", "category": "Menneskelige fejl", "affects_c": "X"},
]  # fmt: skip
_RISK_FIELDS = [c.field for c in L.RISKS.columns if not c.field.startswith("risk_score")]
RISKS = [
    {
        "risk_id": "R-01", "asset_id": "A-01", "threat_id": "T-01", "vulnerability": "Manglende awareness",
        "existing_controls": "Spamfilter", "likelihood": 3, "treatment": "Mitiger", "controls": "6.3; 8.7",
        "residual_likelihood": 2, "owner": "Socialchef", "status": "Åben", "deadline": D(2026, 6, 30),
    },
    {
        "risk_id": "R-02", "asset_id": "A-02", "threat_id": "T-03", "likelihood": 2, "treatment": "Acceptér",
        "owner": "Økonomichef", "accepted_by": "Informationssikkerhedsudvalget",
        "accepted_date": D(2026, 3, 20), "status": "Lukket",
    },
    {
        "risk_id": "R-03", "asset_id": "A-03", "threat_id": "T-02", "likelihood": 4, "treatment": "Mitiger",
        "controls": "8.7, 8.13", "residual_likelihood": 2, "residual_consequence_municipality": 3,
        "owner": "IT-chef", "status": "I gang", "deadline": D(2026, 9, 30),
    },
    {
        "risk_id": "R-04", "asset_id": "A-02", "threat_id": "T-01", "likelihood": 1, "treatment": "Acceptér",
        "owner": "Økonomichef", "status": "Åben",
    },
]  # fmt: skip
PROFILE = [
    {"area": "Social", "max_accepted_level": "Middel"},
    {"area": "Økonomi", "max_accepted_level": "Under middel"},
]
SOA = [
    {"control_id": "5.15", "title": "Adgangsstyring", "theme": "Organisatoriske", "applicable": "Ja",
     "source": "Risikovurdering", "status": "Implementeret", "responsible": "IT-chef", "risks": "R-01"},
    {"control_id": "8.7", "title": "Beskyttelse mod malware", "theme": "Teknologiske", "applicable": "Ja",
     "source": "God praksis", "status": "Delvist implementeret", "risks": "R-01; R-03"},
    {"control_id": "7.4", "title": "Fysisk sikkerhedsovervågning", "theme": "Fysiske", "applicable": "Nej",
     "justification": "Ikke relevant"},
]  # fmt: skip
ACTIONS = [
    {"action_id": "H-01", "title": "Indfør MFA", "type": "Risikohåndtering", "risks": "R-01", "controls": "8.5",
     "responsible": "IT-chef", "deadline": D(2026, 6, 30), "status": "I gang"},
]  # fmt: skip
WHEEL = [
    {"activity_id": "Å-01", "title": "Kontrol af brugerrettigheder", "category": "Kontrol",
     "frequency": "Kvartalsvis", "month": "marts", "responsible": "ISK", "last_done": D(2026, 1, 15),
     "status": "Planlagt", "controls": "5.18"},
]  # fmt: skip

_ROWS = {
    "assets": (_ASSET_FIELDS, ASSETS),
    "threats": ([c.field for c in L.THREATS.columns], THREATS),
    "risks": (_RISK_FIELDS, RISKS),
    "profile": ([c.field for c in L.PROFILE.columns], PROFILE),
    "soa": ([c.field for c in L.SOA.columns], SOA),
    "actions": ([c.field for c in L.ACTIONS.columns], ACTIONS),
    "wheel": ([c.field for c in L.WHEEL.columns], WHEEL),
}


def workbook_data(lang: str = "da") -> dict[str, dict[str, Any]]:
    """The valid round as {sheet key: {"name", "fields", "headers", "rows", "title"}}."""
    data: dict[str, dict[str, Any]] = {}
    meta_rows = [[getattr(L.META.column(f), lang), v] for f, v in META_VALUES.items()]
    data["meta"] = {
        "name": getattr(L.META, lang),
        "fields": ["field", "value"],
        "headers": [h[0 if lang == "da" else 1] for h in L.META_HEADERS],
        "rows": meta_rows,
        "title": [],
    }
    for key, (fields, rows) in _ROWS.items():
        sheet = L.SHEETS_BY_KEY[key]
        data[key] = {
            "name": getattr(sheet, lang),
            "fields": list(fields),
            "headers": [getattr(sheet.column(f), lang) for f in fields],
            "rows": [[r.get(f, None) for f in fields] for r in copy.deepcopy(rows)],
            "title": [],
        }
    return data


def set_value(data: dict[str, Any], key: str, index: int, field: str, value: Any) -> None:
    """Set one cell: row ``index`` (0-based data row) of column ``field``."""
    sheet = data[key]
    sheet["rows"][index][sheet["fields"].index(field)] = value


def get_value(data: dict[str, Any], key: str, index: int, field: str) -> Any:
    sheet = data[key]
    return sheet["rows"][index][sheet["fields"].index(field)]


def set_meta(data: dict[str, Any], field: str, value: Any) -> None:
    header = L.META.column(field).da
    for row in data["meta"]["rows"]:
        if row[0] in (header, L.META.column(field).en):
            row[1] = value


def add_column(data: dict[str, Any], key: str, header: str, values: list[Any], field: str | None = None) -> None:
    sheet = data[key]
    sheet["fields"].append(field or header)
    sheet["headers"].append(header)
    for row, v in zip(sheet["rows"], values, strict=True):
        row.append(v)


def drop_column(data: dict[str, Any], key: str, field: str) -> None:
    sheet = data[key]
    i = sheet["fields"].index(field)
    for lst in (sheet["fields"], sheet["headers"], *sheet["rows"]):
        del lst[i]


def rename_header(data: dict[str, Any], key: str, field: str, header: str) -> None:
    sheet = data[key]
    sheet["headers"][sheet["fields"].index(field)] = header


def col_of(data: dict[str, Any], key: str, field: str) -> str:
    """Excel column letter of ``field`` (as written by ``write`` without a two-row header)."""
    return openpyxl.utils.get_column_letter(data[key]["fields"].index(field) + 1)


def write(
    path: Path,
    data: dict[str, dict[str, Any]],
    *,
    sheets: tuple[str, ...] | None = None,
    two_row_assets: bool = False,
    blank_rows_after: dict[str, list[int]] | None = None,
    formatted_tail: int = 0,
) -> Path:
    """Write ``data`` as a workbook.

    ``two_row_assets`` writes the asset consequences under merged group cells
    ("Konsekvens for kommunen" / "Konsekvens for de registrerede") with F/I/T (or
    C/I/A) sub-headers. ``blank_rows_after`` inserts an empty row after the given
    data rows; ``formatted_tail`` adds coloured but empty rows after the data.
    """
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    blank_rows_after = blank_rows_after or {}
    for key in sheets or tuple(data):
        sheet = data[key]
        ws = wb.create_sheet(sheet["name"])
        for title in sheet["title"]:
            ws.append([title])
            if title:
                ws.cell(ws.max_row, 1).font = Font(bold=True, size=14)
        if two_row_assets and key == "assets":
            _two_row_header(ws, sheet)
        else:
            ws.append(sheet["headers"])
        for i, row in enumerate(sheet["rows"]):
            ws.append(row)
            if i in blank_rows_after.get(key, []):
                ws.append([])
        fill = PatternFill("solid", fgColor="FFF2CC")
        start = ws.max_row + 1
        for r in range(start, start + formatted_tail):
            for c in range(1, len(sheet["headers"]) + 1):
                ws.cell(r, c).fill = fill
    wb.save(path)
    return Path(path)


def _two_row_header(ws: Any, sheet: dict[str, Any]) -> None:
    english = sheet["name"] == L.ASSETS.en
    groups = {
        "municipality": "Consequence for the municipality" if english else "Konsekvens for kommunen",
        "data_subject": "Consequence for data subjects" if english else "Konsekvens for de registrerede",
    }
    letters = {"c": "C", "i": "I", "a": "A"} if english else {"c": "F", "i": "I", "a": "T"}
    r1 = ws.max_row + 1
    for j, (fld, header) in enumerate(zip(sheet["fields"], sheet["headers"], strict=True), start=1):
        if fld.startswith("consequence_"):
            persp, prop = fld.removeprefix("consequence_").rsplit("_", 1)
            ws.cell(r1 + 1, j, letters[prop])
            if prop == "c":
                ws.cell(r1, j, groups[persp])
                ws.merge_cells(start_row=r1, start_column=j, end_row=r1, end_column=j + 2)
        else:
            ws.cell(r1, j, header)
            ws.merge_cells(start_row=r1, start_column=j, end_row=r1 + 1, end_column=j)
