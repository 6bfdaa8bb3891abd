"""The xlsx/calamine scan: opening the file, a sheet's cells and merged ranges, and what calamine
does not show (Excel error values, formulas without a cached value, links to other workbooks).

What Excel hides is not guessed at:

- Excel error values (#REF!, #DIV/0!, #N/A, ...) and formulas saved without a
  cached value (by programs that do not calculate) both read as empty. In a column
  the reader uses they are errors at the cell ("open and save the file in Excel");
  an error value in a column the reader does not use is a warning; an uncached
  formula in a computed score column or an unused column is ignored.
- A range merged over more than one data row in a used column is one error at the
  range ("Risici!B2:B4"): only its first cell holds a value, and filling the others
  down would be a guess. Its empty cells are not reported again as missing.
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import WorkbookError
from ..text import pair
from .headers import col_letter
from .parsers import COMPUTED, is_blank
from .problems import Problems, display, fill, printable

__all__ = ["excel_error_cells", "hidden_values", "merged_ranges", "open_workbook", "sheet_cells", "unreadable"]

ErrorCells = dict[tuple[int, int], tuple[str, str]]  # (Excel row, 0-based column) -> (kind, text)


# -- opening the file -------------------------------------------------------------------------
def unreadable(name: str, da: str, en: str) -> WorkbookError:
    """The refusal of a file that cannot be read, with the reason in Danish and English."""
    return WorkbookError(*fill(pair("workbook.cannot_read"), name=name, reason=(da, en)))


def open_workbook(path: Path) -> tuple[Any, dict[str, Any]]:
    """(the calamine workbook, the file's name, sha256 and size) after the safety gate;
    :class:`WorkbookError` with the reason when the file cannot be read."""
    from python_calamine import CalamineWorkbook

    from ..safety import check_file

    check_file(path)  # the safety gate: refuses hostile or broken files before any parser opens them
    name = path.name
    hint = pair("workbook.save_hint")
    if not path.exists():
        raise unreadable(name, *pair("workbook.file_missing"))
    if path.is_dir():
        raise unreadable(name, *pair("workbook.file_is_folder"))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise unreadable(name, *fill(pair("workbook.file_cannot_open"), error=exc.strerror)) from None
    if not data:
        raise unreadable(name, *fill(pair("workbook.file_empty"), hint=hint))
    source = {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    ole = data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    if ole and path.suffix.lower() in (".xlsx", ".xlsm", ".ods"):
        raise unreadable(name, *pair("workbook.file_encrypted"))
    if data[:2] != b"PK" and not ole:
        raise unreadable(name, *fill(pair("workbook.not_a_workbook"), hint=hint))
    try:
        wb = CalamineWorkbook.from_path(str(path))
        _ = wb.sheet_names
    except Exception as exc:  # calamine raises several error types for broken files
        msg = str(exc).lower()
        if "password" in msg or "encrypt" in msg:
            raise unreadable(name, *pair("workbook.file_password")) from None
        raise unreadable(name, *fill(pair("workbook.file_damaged"), hint=hint)) from None
    return wb, source


# A cell holding an Excel error value (t="e"), with or without the formula that produced it.
_ERROR_CELL = re.compile(rb'<c\b([^>]*\bt="e"[^>]*)>\s*(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)?\s*<v>([^<]*)</v>')
# A formula cell without a cached value: nothing after the <f> element, or an empty <v/>
# (openpyxl writes that); an empty <v/> in a t="str" cell is a formula that returned "".
_NO_CACHE_CELL = re.compile(rb"<c\b([^>]*)>\s*(?:<f\b[^>]*/>|<f\b[^>]*>([^<]*)</f>)\s*(<v\s*/>|<v></v>)?\s*</c>")
_ATTR_R = re.compile(rb'\br="([A-Z]+)(\d+)"')
# A formula cell with a cached value, and a reference to another workbook inside a formula
# ('[1]Ark!A1', "'[2]Ark 1'!B2"): Excel saves the value last read from the linked file.
_CACHED_CELL = re.compile(rb"<c\b([^>]*)>\s*<f\b[^>]*>([^<]*)</f>\s*<v>[^<]*</v>")
_EXTERNAL_REF = re.compile(r"\[\d+\][^!]*!")


def _ref(attrs: bytes) -> tuple[int, int] | None:
    """(Excel row, 0-based column) of a cell's r attribute."""
    ref = _ATTR_R.search(attrs)
    if not ref:
        return None
    col = 0
    for ch in ref.group(1).decode():
        col = col * 26 + ord(ch) - 64
    return int(ref.group(2)), col - 1


def sheet_cells(
    wb: Any, name: str
) -> tuple[list[list[Any]], dict[int, list[tuple[int, int]]], list[tuple[int, int, int, int]]]:
    """(a sheet's rows of cell values, horizontally merged column spans per first row,
    merged ranges as 0-based (r0, c0, r1, c1))."""
    ws = wb.get_sheet_by_name(name)
    rows = ws.to_python(skip_empty_area=False)
    merged_by_row: dict[int, list[tuple[int, int]]] = {}
    merged: list[tuple[int, int, int, int]] = []  # 0-based (r0, c0, r1, c1)
    try:
        for (r0, c0), (r1, c1) in ws.merged_cell_ranges or []:
            merged_by_row.setdefault(r0, []).append((c0, c1))
            merged.append((int(r0), int(c0), int(r1), int(c1)))
    except Exception:  # merged ranges are a hint only (not available for every format)
        merged_by_row, merged = {}, []
    return rows, merged_by_row, merged


def excel_error_cells(path: Path) -> dict[str, ErrorCells]:
    """Cells calamine reports as empty although they are not, per sheet of an .xlsx/.xlsm:
    ``{sheet: {(row, col): (kind, text)}}`` with kind ``"error"`` (text: #REF!, #N/A, ...)
    or ``"formula"`` (a formula without a cached value; text: the formula).

    A cheap scan of the sheet XML: sheets without ``t="e"`` or ``<f`` are skipped at
    the first substring test.
    """
    import zipfile

    out: dict[str, dict[tuple[int, int], tuple[str, str]]] = {}
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "xl/workbook.xml" not in names:
                return out
            wb_xml = z.read("xl/workbook.xml")
            external = any(n.startswith("xl/externalLinks/") for n in names)
            rels = z.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
            targets = {}
            for m in re.finditer(rb"<Relationship\b[^>]*>", rels):
                rid = re.search(rb'\bId="([^"]+)"', m.group())
                tgt = re.search(rb'\bTarget="([^"]+)"', m.group())
                if rid and tgt:
                    t = tgt.group(1).decode()
                    targets[rid.group(1).decode()] = t.lstrip("/") if t.startswith("/") else f"xl/{t}"
            for m in re.finditer(rb"<(?:\w+:)?sheet\b[^>]*>", wb_xml):
                sname = re.search(rb'\bname="([^"]*)"', m.group())
                rid = re.search(rb'\br:id="([^"]+)"', m.group()) or re.search(rb'\bid="([^"]+)"', m.group())
                if not sname or not rid or targets.get(rid.group(1).decode()) not in names:
                    continue
                xml = z.read(targets[rid.group(1).decode()])
                found: dict[tuple[int, int], tuple[str, str]] = {}
                if b"<f" in xml:
                    for c in _NO_CACHE_CELL.finditer(xml):
                        where = _ref(c.group(1))
                        returned_text = c.group(3) is not None and b't="str"' in c.group(1)
                        if where is not None and b't="e"' not in c.group(1) and not returned_text:
                            formula = html.unescape((c.group(2) or b"").decode("utf-8", "replace"))
                            found[where] = ("formula", f"={formula}" if formula else "=")
                if b't="e"' in xml:
                    for c in _ERROR_CELL.finditer(xml):
                        where = _ref(c.group(1))
                        if where is not None:
                            found[where] = ("error", c.group(2).decode("utf-8", "replace") or "#FEJL")
                if external and b"[" in xml:
                    for c in _CACHED_CELL.finditer(xml):
                        formula = html.unescape(c.group(2).decode("utf-8", "replace"))
                        where = _ref(c.group(1))
                        if where is not None and where not in found and _EXTERNAL_REF.search(formula):
                            found[where] = ("external", f"={formula}")
                if found:
                    out[html.unescape(sname.group(1).decode())] = found
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError):
        return {}
    return out


def hidden_values(
    problems: Problems,
    error_cells: ErrorCells,
    name: str,
    arr: np.ndarray,
    cells: list[Any],
    matched: dict[int, str],
    last: int,
) -> None:
    """Excel error values and formulas without a cached value (calamine returns both as empty).

    In a column the reader uses (other than the computed score columns) each is an
    error at its cell; an error value elsewhere is a warning; an uncached formula in
    a computed or unknown column is ignored (the reader recomputes or keeps it)."""
    n, width = arr.shape
    for (r, c), (kind, text) in sorted(error_cells.items()):
        i = r - (last + 2)
        if not (0 <= i < n and c < width):
            continue
        used = c in matched and matched[c] not in COMPUTED
        if kind != "external":
            arr[i, c] = ""  # reported here, then treated as missing
        if kind in ("formula", "external") and not used:
            continue
        h = display(cells[c]) if c < len(cells) and not is_blank(cells[c]) else ""
        where = {"sheet": name, "cell": f"{col_letter(c)}{r}", "row": r, "column": h}
        if kind == "external":
            problems.add(
                "warning",
                "external_link",
                *fill(pair("workbook.external_link"), formula=printable(text)),
                value=printable(text),
                **where,
            )
        elif kind == "formula":
            problems.add(
                "error",
                "formula_no_value",
                *pair("workbook.formula_no_value"),
                value=printable(text),
                **where,
            )
        elif used:
            problems.add(
                "error",
                "excel_error",
                *fill(pair("workbook.excel_error"), error=printable(text)),
                value=printable(text),
                **where,
            )
        else:
            problems.add(
                "warning",
                "excel_error",
                *fill(pair("workbook.excel_error_unused"), error=printable(text)),
                value=printable(text),
                **where,
            )


def merged_ranges(
    problems: Problems,
    covered: set[tuple[str, str]],
    name: str,
    merged: list[tuple[int, int, int, int]],
    matched: dict[int, str],
    last: int,
    n: int,
) -> None:
    """A range merged over more than one data row in a used column is an error at the range:
    only its first cell holds the value, the others read as empty; their cells go into ``covered``."""
    first_data = last + 1  # 0-based index of the first data row
    for r0, c0, r1, c1 in sorted(merged):
        if r1 <= r0 or r1 < first_data or r0 >= first_data + n:
            continue
        if not any(c in matched for c in range(c0, c1 + 1)):
            continue
        rng = f"{col_letter(c0)}{r0 + 1}:{col_letter(c1)}{r1 + 1}"
        first, second = f"{col_letter(c0)}{r0 + 1}", f"{col_letter(c0)}{r0 + 2}"
        problems.add(
            "error",
            "merged_cells",
            *fill(pair("workbook.merged_cells"), range=rng, first=first, second=second),
            sheet=name,
            cell=rng,
            row=max(r0, first_data) + 1,
            column="",
        )
        for r in range(max(r0, first_data), r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    covered.add((name, f"{col_letter(c)}{r + 1}"))
