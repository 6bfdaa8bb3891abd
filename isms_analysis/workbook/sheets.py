"""Nothing silently dropped: sheets and rows the reader does not use are named.

The workbook reader (:mod:`isms_analysis.workbook`) reads the sheets it knows by
name. This module handles what it would otherwise skip without a word:

- every other sheet is named in a warning (``unused_sheet``), except the template's
  own help sheets ("Vejledning"/"Instructions", "Matrix");
- a sheet whose header row matches a known sheet (Risici, Aktiver, ...) is read as a
  **continuation** of it when it has the same columns ("Risici IT" next to
  "Risici"); its IDs must be unique across the sheets (``duplicate_id_across_sheets``).
  With other columns, or without the sheet it would continue, it is an error
  (``lookalike_sheet``) naming it;
- a totals row ("I alt", "Total", "Sum") or a note row below a table is recognised
  and named in a warning (``summary_row``) instead of being read as a risk with
  empty mandatory cells;
- every warning about a row names its cell or, when it has none, the row's ID;
- Excel's lock files (``~$navn.xlsx``, written while a workbook is open) are skipped
  with a note when a file list or a glob picks them up (:func:`skip_lock_files`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .. import layout as L
from ..folding import fold
from ..text import pair, t
from .headers import candidates, col_letter, locate_header, match_headers
from .parsers import is_blank
from .problems import Problems, fill
from .table import Table, cell_ref, final_frame


class SheetReader(Protocol):
    """What these rules need of the reader (:class:`isms_analysis.workbook.reader.Reader`)."""

    mapping: dict[str, Any]
    problems: Problems
    hidden: set[str]
    reported_sheets: set[str]

    def read_sheet(self, wb: Any, name: str, sheet: L.Sheet) -> Table | None: ...


SUMMARY_WORDS = ("i alt", "ialt", "total", "totalt", "sum", "samlet", "subtotal", "antal i alt")
NOTE_PREFIXES = ("note", "noter", "bemærk", "bemaerk", "obs", "kilde", "source", "*")
_SUMMARY = re.compile(r"^\s*(" + "|".join(re.escape(w) for w in SUMMARY_WORDS) + r")\s*[:.]?\s*$", re.IGNORECASE)


def is_lock_file(path: str | Path) -> bool:
    """Excel's owner/lock file of an open workbook (``~$navn.xlsx``)."""
    return Path(path).name.startswith("~$")


def skip_lock_files(paths: Iterable[Path], lang: str = "da") -> tuple[list[Path], list[str]]:
    """(the paths without Excel lock files, one note per skipped file)."""
    kept: list[Path] = []
    notes: list[str] = []
    for p in paths:
        if is_lock_file(p):
            notes.append(t("workbook.lock_file_skipped", "en" if lang == "en" else "da", name=p.name))
        else:
            kept.append(p)
    return kept, notes


# -- other sheets ---------------------------------------------------------------------------------
def _best_match(rd: SheetReader, rows: list[list[Any]]) -> tuple[L.Sheet | None, set[str]]:
    """The known data sheet whose required columns this sheet's header has (most columns wins)."""
    best: tuple[int, L.Sheet | None, set[str]] = (0, None, set())
    for sheet in L.SHEETS[1:]:
        cells, _ = locate_header(rows, sheet, rd.mapping, {})
        if cells is None:
            continue
        fields = set(match_headers(cells, sheet, candidates(sheet, rd.mapping))[0].values())
        required = {c.field for c in sheet.columns if c.required}
        if required <= fields and len(fields) > best[0]:
            best = (len(fields), sheet, fields)
    return best[1], best[2]


def other_sheets(
    rd: SheetReader, wb: Any, names: list[str], used: set[str], tables: dict[str, Table | None]
) -> dict[str, list[Table]]:
    """Name every sheet the reader did not use; read continuations of known sheets.

    Returns the continuation tables per sheet key (in workbook order)."""
    from ..template import INSTRUCTIONS, MATRIX_SHEET

    reference = {fold(n) for n in (*INSTRUCTIONS, *MATRIX_SHEET)}  # the template's own help sheets
    extra: dict[str, list[Table]] = {}
    for name in names:
        if name in used or name in rd.reported_sheets or fold(name) in reference:
            continue
        try:
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception:  # an unreadable extra sheet is named, not fatal
            rows = []
        sheet, fields = _best_match(rd, rows) if rows else (None, set())
        if sheet is None:
            hidden = pair("workbook.hidden_tag") if name in rd.hidden else ""
            rd.problems.add(
                "warning", "unused_sheet", *fill(pair("workbook.unused_sheet"), sheet=name, hidden=hidden), sheet=name
            )
            continue
        primary = tables.get(sheet.key)
        if primary is not None and primary.name in rd.hidden:
            rd.problems.add(
                "warning",
                "unused_sheet",
                *fill(pair("workbook.like_hidden_sheet"), sheet=name, primary=primary.name),
                sheet=name,
            )
            continue
        if primary is not None and fields == set(primary.positions):
            tbl = rd.read_sheet(wb, name, sheet)
            if tbl is not None:
                extra.setdefault(sheet.key, []).append(tbl)
                rd.problems.add(
                    "warning",
                    "continuation_sheet",
                    *fill(pair("workbook.continuation_sheet"), sheet=name, primary=primary.name, rows=len(tbl.frame)),
                    sheet=name,
                )
            continue
        if primary is None:
            why = fill(pair("workbook.lookalike_no_sheet"), known=(sheet.da, sheet.en))
        else:
            missing = sorted(set(primary.positions) ^ fields)
            columns = (
                ", ".join(f"'{sheet.column(f).da}'" for f in missing),
                ", ".join(f"'{sheet.column(f).en}'" for f in missing),
            )
            why = fill(pair("workbook.lookalike_other_columns"), primary=primary.name, columns=columns)
        rd.problems.add(
            "error",
            "lookalike_sheet",
            *fill(pair("workbook.lookalike_sheet"), sheet=name, known=(sheet.da, sheet.en), why=why),
            sheet=name,
        )
    for key, more in extra.items():
        _duplicates_across(rd, [t for t in [tables[key], *more] if t is not None])
    return extra


def _duplicates_across(rd: SheetReader, parts: list[Table]) -> None:
    """IDs must be unique across a sheet and its continuations: each repeat is an error naming both cells."""
    from ..schema import key_column

    key = key_column(parts[0].sheet)
    first: dict[str, tuple[str, str]] = {}
    for tbl in parts:
        if key not in tbl.frame.columns:
            continue
        ids = tbl.frame[key]
        for row, value in zip(ids.index, ids, strict=True):
            if value is None or value is pd.NA or value != value:
                continue
            cell = cell_ref(tbl, key, int(row))
            if str(value) in first and first[str(value)][0] != tbl.name:
                where_sheet, where_cell = first[str(value)]
                rd.problems.add(
                    "error",
                    "duplicate_id_across_sheets",
                    *fill(pair("workbook.duplicate_id_across_sheets"), value=value, cell=f"{where_sheet}!{where_cell}"),
                    sheet=tbl.name,
                    cell=cell,
                    row=int(row),
                    column=tbl.headers.get(key, ""),
                    value=value,
                )
            else:
                first.setdefault(str(value), (tbl.name, cell))


def combined(
    frames: dict[str, pd.DataFrame], tables: dict[str, Table | None], extra: dict[str, list[Table]]
) -> dict[str, pd.DataFrame]:
    """Each sheet's frame followed by its continuations' rows; then ``source_sheet``
    names the sheet of each row (``source_row`` is the row in that sheet)."""
    out = dict(frames)
    for key, more in extra.items():
        primary = tables.get(key)
        if not more or primary is None:
            continue
        parts = [frames[key].assign(source_sheet=primary.name)]
        parts += [final_frame(t, t.sheet).assign(source_sheet=t.name) for t in more]
        whole = pd.concat(parts, ignore_index=True)
        whole["source_sheet"] = whole["source_sheet"].astype("string")
        out[key] = whole
    return out


# -- totals and note rows --------------------------------------------------------------------------
def _is_summary(text: Any) -> bool:
    return isinstance(text, str) and bool(_SUMMARY.match(text))


def _is_note(values: list[Any]) -> bool:
    """One text cell only, written as a note ("Note: ...", "Bemærk ...", "* ...") or a long sentence."""
    texts = [v for v in values if not is_blank(v)]
    if len(texts) != 1 or not isinstance(texts[0], str):
        return False
    s = texts[0].strip()
    return s.casefold().startswith(NOTE_PREFIXES) or (len(s) >= 30 and " " in s)


def trailing_rows(
    rd: SheetReader, name: str, sheet: L.Sheet, arr: np.ndarray, matched: dict[int, str], keep: np.ndarray, last: int
) -> np.ndarray:
    """``keep`` without the totals and note rows at the bottom of a table, each named in a warning."""
    if not sheet.columns or not keep.any() or not matched:
        return keep
    key_field = next((c.field for c in sheet.columns if c.mandatory), None)
    key_col = next((j for j, f in matched.items() if f == key_field), None)
    keep = keep.copy()
    for i in np.flatnonzero(keep)[::-1]:
        values = list(arr[i])
        key_blank = key_col is None or key_col >= len(values) or is_blank(values[key_col])
        summary = next((j for j, v in enumerate(values) if _is_summary(v)), None)
        if summary is not None and (key_blank or summary == key_col):
            kind, j = pair("workbook.a_totals_row"), summary
        elif key_blank and _is_note(values):
            kind = pair("workbook.a_note")
            j = next(j for j, v in enumerate(values) if not is_blank(v))
        else:
            break  # the table's last real row
        keep[i] = False
        row = last + 2 + int(i)
        text = str(values[j]).strip()
        shown = text if len(text) <= 40 else text[:37] + "…"
        rd.problems.add(
            "warning",
            "summary_row",
            *fill(pair("workbook.summary_row"), row=row, shown=shown, kind=kind),
            sheet=name,
            cell=f"{col_letter(j)}{row}",
            row=row,
            value=text,
        )
    return keep


# -- IDs in warnings -------------------------------------------------------------------------------
def name_ids(problems: pd.DataFrame, tables: Iterable[Table | None]) -> pd.DataFrame:
    """Warnings about a row without a cell (e.g. the column is absent) name the row's ID
    ("A-003: aktivet har ingen risikoejer"), so none is anonymous."""
    from ..schema import key_column

    if problems.empty:
        return problems
    ids: dict[tuple[str, int], tuple[str, str]] = {}
    for tbl in tables:
        if tbl is None or tbl.sheet.key == "meta":
            continue
        key = key_column(tbl.sheet)
        if key not in tbl.frame.columns:
            continue
        header = tbl.headers.get(key, tbl.sheet.column(key).da)
        for row, value in zip(tbl.frame.index, tbl.frame[key], strict=True):
            if value is not None and value is not pd.NA and value == value:
                ids[(tbl.name, int(row))] = (header, str(value))
    out = problems.copy()
    for i, p in enumerate(out.to_dict("records")):
        row = p["row"]
        if p["severity"] != "warning" or p["cell"] or row is None or row != row:
            continue  # a warning with a cell already says where
        found = ids.get((p["sheet"], int(row)))
        if found is None or f"'{found[1]}'" in p["message_da"]:
            continue
        out.iat[i, out.columns.get_loc("message_da")] = f"{found[1]}: {p['message_da']}"
        out.iat[i, out.columns.get_loc("message_en")] = f"{found[1]}: {p['message_en']}"
    return out
