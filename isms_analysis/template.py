"""KL-style risk assessment workbooks: the blank template and an Assessment written out.

One workbook holds one assessment round (sheets Om, Aktiver, Trusler, Risici and
the optional Risikoprofil, Roller, SoA, Handlingsplan, Årshjul), with the canonical
headers from :mod:`isms_analysis.layout`. The blank template adds drop-down lists
for the scales and vocabularies, an instructions sheet, the KL 4x4 matrix drawn in
its colours, the 93 ISO/IEC 27001:2022 Annex A controls in the SoA and the default
threat catalogue in Trusler. Both are written deterministically (fixed document
timestamps), so regenerating gives the same file.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from . import excel
from .assessment import Assessment
from .catalogue import annex_a, default_threats
from .layout import (
    ACTIONS,
    ASSETS,
    META,
    META_HEADERS,
    PROFILE,
    RISKS,
    ROLES_SHEET,
    SHEETS_BY_KEY,
    SOA,
    SOCIETY_FIELDS,
    THREATS,
    VOCABULARIES,
    WHEEL,
    Column,
    Sheet,
    label,
)
from .matrix import RiskMatrix
from .matrix import matrix as get_matrix
from .text import check_lang, pair, t

TEMPLATE_ROWS = 1000  # rows that carry drop-down lists in a blank sheet
INSTRUCTIONS = pair("template.instructions_sheet")  # (da, en): the reader skips these help sheets
# The instructions sheet's rows, in order: topic_<row> and instructions_<row> in data/text/template.toml.
INSTRUCTION_ROWS = (
    "about_this_workbook", "about", "assets", "threats", "risks", "risk_profile", "roles", "soa", "action_plan",
    "annual_wheel", "scales", "two_perspectives", "calculation", "levels", "rules", "sources",
)  # fmt: skip
# Computed score columns a municipality's workbook may carry; written only when present.
RISK_SCORE_FIELDS = tuple(c.field for c in RISKS.columns if c.field.startswith("risk_score_"))
MATRIX_SHEET = ("Matrix", "Matrix")


# -- drop-down lists ----------------------------------------------------------------------
def _choices(column: Column, m: RiskMatrix, lang: str) -> list[str] | None:
    """The values a column's drop-down offers, or None for free input."""
    if column.kind == "consequence":
        labels = m.consequence_labels(lang)
        return [str(i) for i in range(1, len(labels) + 1)] + [f"{i} - {x}" for i, x in enumerate(labels, 1)]
    if column.kind == "likelihood":
        labels = m.likelihood_labels(lang)
        return [str(i) for i in range(1, len(labels) + 1)] + [f"{i} - {x}" for i, x in enumerate(labels, 1)]
    if column.kind == "bool":
        return [t("common.yes", lang), t("common.no", lang)]
    if column.kind in ("choice", "text") and column.vocabulary:
        return [label(column.vocabulary, k, lang) for k in VOCABULARIES[column.vocabulary]]
    if column.kind == "level":
        return m.level_names(lang)
    return None


def add_dropdowns(ws: Worksheet, columns: list[Column], m: RiskMatrix, lang: str, last_row: int) -> None:
    """Data-validation lists on rows 2..last_row. A value outside the list gives a
    warning (it can still be kept: the reader checks every value anyway)."""
    for j, column in enumerate(columns, start=1):
        choices = _choices(column, m, lang)
        if not choices:
            continue
        formula = '"' + ",".join(choices) + '"'
        if len(formula) > 255:  # Excel's limit for an inline list
            continue
        dv = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle=t("template.dropdown_error_title", lang),
            error=t("template.dropdown_error", lang, choices=", ".join(choices)),
        )
        letter = get_column_letter(j)
        dv.add(f"{letter}2:{letter}{last_row}")
        ws.add_data_validation(dv)


# -- sheets -------------------------------------------------------------------------------
def _as_date(value: Any) -> Any:
    """A date-like value as a Timestamp (ISO text too); other text is kept as is."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return value
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        return value
    return None if pd.isna(stamp) else stamp


def _write_meta(wb: Workbook, meta: dict[str, Any], lang: str) -> Worksheet:
    i = 1 if lang == "en" else 0
    rows = []
    for c in META.columns:
        value = meta.get(c.field)
        if c.kind == "date" and value is not None:
            value = _as_date(value)
        rows.append((excel.header(c, lang), value))
    frame = pd.DataFrame(rows, columns=[META_HEADERS[0][i], META_HEADERS[1][i]])
    ws = wb.create_sheet(excel.sheet_title(META, lang))
    excel.write_table(ws, frame, lang=lang, autofilter=False)
    fmt = excel.date_format(lang)
    for r, c in enumerate(META.columns, start=2):
        if c.kind == "date":
            ws.cell(row=r, column=2).number_format = fmt
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = max(ws.column_dimensions["B"].width or 0, 30)
    return ws


def _write_sheet(
    wb: Workbook,
    sheet: Sheet,
    frame: pd.DataFrame | None,
    lang: str,
    m: RiskMatrix,
    *,
    dropdowns: bool,
    optional: tuple[str, ...] = (),
) -> Worksheet:
    ws = excel.write_layout_sheet(wb, sheet, frame, lang, optional=optional)
    if dropdowns:
        columns = excel.layout_columns(sheet, frame, optional=optional)
        n = 0 if frame is None else len(frame)
        add_dropdowns(ws, columns, m, lang, max(TEMPLATE_ROWS, n + 500))
    return ws


def _profile_names(profile: pd.DataFrame, m: RiskMatrix, lang: str) -> pd.DataFrame:
    """Profile levels written as the matrix's level names (keys such as 'medium' too)."""
    levels = profile["max_accepted_level"].astype("string")
    names = {}
    for value in levels.dropna().unique():
        try:
            names[value] = m.levels[m.level_index(value)].name(lang)
        except KeyError:
            names[value] = value
    return profile.assign(max_accepted_level=levels.map(names))


def _role_names(roles: pd.DataFrame, m: RiskMatrix, lang: str) -> pd.DataFrame:
    """Roller's highest levels written as the matrix's level names."""
    return _profile_names(roles.rename(columns={"max_level": "max_accepted_level"}), m, lang).rename(
        columns={"max_accepted_level": "max_level"}
    )


def _matrix_of(meta: dict[str, Any]) -> RiskMatrix:
    try:
        return get_matrix(meta.get("matrix") or "kl")
    except Exception:  # an unknown matrix name is the reader's concern, not the writer's
        return get_matrix("kl")


def _timestamp(meta: dict[str, Any]) -> dt.datetime | None:
    value = meta.get("assessment_date")
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(stamp) else stamp.to_pydatetime().replace(tzinfo=None)


def write_workbook(assessment: Assessment, path: str | Path, lang: str = "da", *, dropdowns: bool = True) -> Path:
    """Write ``assessment`` as a KL-style workbook with the canonical headers in ``lang``.

    Sheets: Om, Aktiver, Trusler, Risici, then Risikoprofil, Roller, SoA,
    Handlingsplan and Årshjul when the assessment has them. The society columns are written only
    when the assets carry them. Vocabulary keys become labels, booleans Ja/Nej.
    """
    check_lang(lang)
    m = _matrix_of(assessment.meta)
    wb = excel.new_workbook()
    _write_meta(wb, assessment.meta, lang)
    _write_sheet(wb, ASSETS, assessment.assets, lang, m, dropdowns=dropdowns, optional=SOCIETY_FIELDS)
    _write_sheet(wb, THREATS, assessment.threats, lang, m, dropdowns=dropdowns)
    _write_sheet(wb, RISKS, assessment.risks, lang, m, dropdowns=dropdowns, optional=RISK_SCORE_FIELDS)
    if assessment.profile is not None:
        _write_sheet(wb, PROFILE, _profile_names(assessment.profile, m, lang), lang, m, dropdowns=dropdowns)
    if assessment.roles is not None:
        _write_sheet(wb, ROLES_SHEET, _role_names(assessment.roles, m, lang), lang, m, dropdowns=dropdowns)
    for key in ("soa", "actions", "wheel"):
        frame = getattr(assessment, key)
        if frame is not None:
            _write_sheet(wb, SHEETS_BY_KEY[key], frame, lang, m, dropdowns=dropdowns)
    return excel.save(wb, path, _timestamp(assessment.meta))


# -- the blank template -------------------------------------------------------------------
def _soa_rows(lang: str) -> pd.DataFrame:
    a = annex_a()
    suffix = "en" if lang == "en" else "da"
    return pd.DataFrame({"control_id": a["control_id"], "title": a[f"title_{suffix}"], "theme": a[f"theme_{suffix}"]})


def _instructions(m: RiskMatrix, lang: str) -> list[tuple[str, str]]:
    """The instructions sheet's rows (topic, text), written for this project (``data/text/template.toml``)."""
    fields = {
        "cons": ", ".join(f"{i} {x}" for i, x in enumerate(m.consequence_labels(lang), 1)),
        "like": ", ".join(f"{i} {x}" for i, x in enumerate(m.likelihood_labels(lang), 1)),
        "levels": "\n".join(f"{lv.name(lang)}: {lv.advice(lang)}" for lv in m.levels),
        "n_threats": len(default_threats(lang)),
    }
    return [
        (t(f"template.topic_{row}", lang), t(f"template.instructions_{row}", lang, **fields))
        for row in INSTRUCTION_ROWS
    ]


def _write_instructions(wb: Workbook, m: RiskMatrix, lang: str) -> Worksheet:
    ws = wb.create_sheet(t("template.instructions_sheet", lang))
    rows = _instructions(m, lang)
    frame = pd.DataFrame(
        rows, columns=[t("template.instructions_topic", lang), t("template.instructions_explanation", lang)]
    )
    excel.write_table(ws, frame, lang=lang, autofilter=False, widths=False)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 110
    for r in range(2, len(rows) + 2):
        ws.cell(row=r, column=1).font = Font(bold=True)
        ws.cell(row=r, column=1).alignment = Alignment(vertical="top")
        ws.cell(row=r, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    return ws


def _write_matrix_sheet(wb: Workbook, m: RiskMatrix, lang: str) -> Worksheet:
    ws = wb.create_sheet(MATRIX_SHEET[1 if lang == "en" else 0])
    title = t("excel.matrix_title", lang, name=m.name)
    last = excel.draw_matrix(ws, m, lang, title=title)
    excel.draw_levels(ws, m, lang, start_row=last + 2)
    return ws


def write_template(path: str | Path, lang: str = "da") -> Path:
    """Write the blank KL-style template: every sheet with drop-downs, instructions,
    the KL matrix, Annex A in SoA and the default threat catalogue in Trusler."""
    check_lang(lang)
    m = get_matrix("kl")
    wb = excel.new_workbook()
    _write_instructions(wb, m, lang)
    _write_meta(wb, {"matrix": m.name}, lang)
    _write_sheet(wb, ASSETS, None, lang, m, dropdowns=True)
    threats = default_threats(lang).drop(columns="source")
    _write_sheet(wb, THREATS, threats, lang, m, dropdowns=True)
    _write_sheet(wb, RISKS, None, lang, m, dropdowns=True, optional=RISK_SCORE_FIELDS)
    _write_sheet(wb, PROFILE, None, lang, m, dropdowns=True)
    _write_sheet(wb, ROLES_SHEET, None, lang, m, dropdowns=True)
    _write_sheet(wb, SOA, _soa_rows(lang), lang, m, dropdowns=True)
    _write_sheet(wb, ACTIONS, None, lang, m, dropdowns=True)
    _write_sheet(wb, WHEEL, None, lang, m, dropdowns=True)
    _write_matrix_sheet(wb, m, lang)
    return excel.save(wb, path)
