"""Low-level helpers for writing KL-style workbooks safely with openpyxl.

Rules implemented here, for every workbook the project writes:

- headers come from :mod:`isms_analysis.layout` (Danish by default, English with
  ``lang="en"``); no module spells a workbook header itself;
- **safe text**: a string that starts with ``=``, ``+``, ``-``, ``@``, tab or
  carriage return is stored as text (cell type ``s`` with the quote prefix), never
  as a formula, so names and notes typed by users cannot run as formulas;
  characters XML cannot hold are removed;
- vocabulary keys are written as their labels (``layout.label``), booleans as
  Ja/Nej (Yes/No), dates as Excel dates;
- header rows are styled, frozen and filtered; columns get sensible widths;
- saving is deterministic: fixed document timestamps and zip entry times, so the
  same content gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .catalogue import annex_a
from .layout import VOCABULARIES, Column, Sheet, label
from .text import t

UNSAFE_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HEADER_FILL = "1F4E79"
HEADER_FONT_COLOUR = "FFFFFF"
GROUP_FILL = "D9E1F2"
FIXED_TIMESTAMP = dt.datetime(2024, 1, 1)
ZIP_TIME = (2024, 1, 1, 0, 0, 0)
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def header(column: Column, lang: str = "da") -> str:
    """The column's canonical header in ``lang``."""
    return column.en if lang == "en" else column.da


def sheet_title(sheet: Sheet, lang: str = "da") -> str:
    """The sheet's canonical name in ``lang``."""
    return sheet.en if lang == "en" else sheet.da


def date_format(lang: str = "da") -> str:
    return "yyyy-mm-dd" if lang == "en" else "dd-mm-yyyy"


def fill(colour: str) -> PatternFill:
    """A solid fill of a '#rrggbb' (or 'rrggbb') colour."""
    return PatternFill("solid", fgColor="FF" + colour.lstrip("#").upper())


def font_for(colour: str, bold: bool = False) -> Font:
    """Black or white text, whichever reads better on ``colour``."""
    c = colour.lstrip("#")
    r, g, b = (int(c[i : i + 2], 16) for i in (0, 2, 4))
    light = 0.299 * r + 0.587 * g + 0.114 * b > 150
    return Font(color="FF000000" if light else "FFFFFFFF", bold=bold)


# -- safe values ------------------------------------------------------------------------
def put(ws: Worksheet, row: int, col: int, value: Any, number_format: str | None = None) -> Cell:
    """Write one value; text that could be read as a formula stays text."""
    cell = ws.cell(row=row, column=col)
    value = _plain(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        if value.startswith(UNSAFE_PREFIXES):
            cell.data_type = "s"
            cell.quotePrefix = True
    else:
        cell.value = value
    if number_format and value is not None:
        cell.number_format = number_format
    return cell


def _plain(value: Any) -> Any:
    """A Python scalar openpyxl can store (None for missing)."""
    if value is None:
        return None
    if isinstance(value, (list, tuple, set)):
        return "; ".join(str(v) for v in value)
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def yes_no(values: pd.Series, lang: str = "da") -> pd.Series:
    """Booleans as Ja/Nej (Yes/No); missing stays missing. Text like 'X' is kept."""
    s = pd.Series(values, dtype="object")
    out = s.map({True: t("common.yes", lang), False: t("common.no", lang)})
    keep = s.notna() & out.isna()
    return out.where(~keep, s.astype("string").astype("object"))


def display_column(values: pd.Series, column: Column, lang: str = "da") -> pd.Series:
    """One frame column converted to what the workbook shows (labels, Ja/Nej, dates)."""
    s = pd.Series(values).reset_index(drop=True)
    if column.kind == "bool":
        return yes_no(s, lang)
    if column.kind == "choice" and column.vocabulary:
        vocab = VOCABULARIES[column.vocabulary]
        mapping = {k: label(column.vocabulary, k, lang) for k in vocab}
        obj = s.astype("object")
        return obj.map(mapping).where(obj.isin(list(mapping)), obj)
    if column.kind == "date":
        return pd.Series(pd.to_datetime(s, errors="coerce"), dtype="object")
    if column.kind in ("consequence", "likelihood", "month", "int"):
        num = pd.to_numeric(s, errors="coerce")
        if num.notna().sum() == s.notna().sum():
            try:
                return pd.Series(pd.array(num, dtype="Int64"), dtype="object")
            except (TypeError, ValueError):
                pass
        return s.astype("object")
    if column.field == "theme":
        mapping = _theme_labels(lang)
        obj = s.astype("object")
        return obj.map(mapping).where(obj.isin(list(mapping)), obj)
    return s.astype("object")


def _theme_labels(lang: str) -> dict[str, str]:
    """Annex A theme keys -> the theme labels the SoA shows (as in the Annex A catalogue)."""
    a = annex_a().drop_duplicates("theme")
    return dict(zip(a["theme"].astype(str), a["theme_en" if lang == "en" else "theme_da"].astype(str), strict=True))


def layout_columns(sheet: Sheet, frame: pd.DataFrame | None, *, optional: Sequence[str] = ()) -> list[Column]:
    """The sheet's columns to write: all of them, except ``optional`` ones the frame lacks."""
    have = set() if frame is None else set(frame.columns)
    return [c for c in sheet.columns if c.field not in optional or c.field in have]


def display_frame(
    sheet: Sheet, frame: pd.DataFrame | None, lang: str = "da", columns: Sequence[Column] | None = None
) -> pd.DataFrame:
    """The frame with canonical headers and display values, in layout order."""
    cols = list(columns) if columns is not None else list(sheet.columns)
    n = 0 if frame is None else len(frame)
    data = {}
    for c in cols:
        if frame is not None and c.field in frame.columns:
            data[header(c, lang)] = display_column(frame[c.field], c, lang)
        else:
            data[header(c, lang)] = pd.Series([None] * n, dtype="object")
    return pd.DataFrame(data)


# -- tables -----------------------------------------------------------------------------
def style_header(ws: Worksheet, row: int, first_col: int, last_col: int, colour: str = HEADER_FILL) -> None:
    for col in range(first_col, last_col + 1):
        cell = ws.cell(row=row, column=col)
        cell.fill = fill(colour)
        cell.font = font_for(colour, bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = BORDER


def write_rows(
    ws: Worksheet,
    rows: Iterable[Sequence[Any]],
    *,
    start_row: int,
    start_col: int = 1,
    date_cols: Sequence[int] = (),
    lang: str = "da",
) -> int:
    """Write rows of values from (start_row, start_col); returns the last row written."""
    r = start_row - 1
    fmt = date_format(lang)
    dates = set(date_cols)
    for r, values in enumerate(rows, start=start_row):
        for j, v in enumerate(values):
            put(ws, r, start_col + j, v, fmt if j in dates else None)
    return r


def write_table(
    ws: Worksheet,
    frame: pd.DataFrame,
    *,
    start_row: int = 1,
    lang: str = "da",
    date_columns: Sequence[str] = (),
    freeze: str | None = "A2",
    autofilter: bool = True,
    widths: bool = True,
) -> int:
    """Write a display frame (its column names are the headers) as a styled table.

    Returns the last row written (the header row when the frame is empty).
    """
    ncol = len(frame.columns)
    for j, name in enumerate(frame.columns, start=1):
        put(ws, start_row, j, str(name))
    style_header(ws, start_row, 1, max(ncol, 1))
    date_idx = [frame.columns.get_loc(c) for c in date_columns if c in frame.columns]
    last = write_rows(
        ws, frame.itertuples(index=False, name=None), start_row=start_row + 1, date_cols=date_idx, lang=lang
    )
    last = max(last, start_row)
    if freeze:
        ws.freeze_panes = freeze
    if autofilter and ncol:
        ws.auto_filter.ref = f"A{start_row}:{get_column_letter(ncol)}{last}"
    if widths:
        set_widths(ws, frame)
    return last


def set_widths(ws: Worksheet, frame: pd.DataFrame, start_col: int = 1, minimum: int = 8, maximum: int = 60) -> None:
    """Column widths from the header and the longest of the first 500 values."""
    head = frame.head(500)
    for j, name in enumerate(frame.columns):
        longest = max((_text_len(v) for v in head.iloc[:, j]), default=0)
        width = min(max(minimum, len(str(name)) + 2, longest + 2), maximum)
        ws.column_dimensions[get_column_letter(start_col + j)].width = width


def _text_len(value: Any) -> int:
    v = _plain(value)
    if v is None:
        return 0
    if isinstance(v, dt.datetime):
        return 10
    return max(len(line) for line in str(v).split("\n"))


def write_layout_sheet(
    wb: Workbook,
    sheet: Sheet,
    frame: pd.DataFrame | None,
    lang: str = "da",
    *,
    optional: Sequence[str] = (),
) -> Worksheet:
    """Write ``frame`` (English field columns, vocabulary keys) as the layout's sheet."""
    columns = layout_columns(sheet, frame, optional=optional)
    shown = display_frame(sheet, frame, lang, columns)
    ws = wb.create_sheet(sheet_title(sheet, lang))
    dates = [header(c, lang) for c in columns if c.kind == "date"]
    write_table(ws, shown, lang=lang, date_columns=dates)
    return ws


# -- saving -----------------------------------------------------------------------------
_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def save(wb: Workbook, path: str | Path, timestamp: dt.datetime | None = None) -> Path:
    """Save deterministically: fixed document timestamps and zip entry times."""
    path = Path(path)
    stamp = (timestamp or FIXED_TIMESTAMP).replace(tzinfo=None)
    wb.properties.creator = "isms-analysis"
    wb.properties.created = stamp
    buf = io.BytesIO()
    wb.save(buf)
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _STAMP.sub(lambda m: m.group(1) + iso + m.group(2), data)
            if info.filename.endswith(".xml"):
                # A raw carriage return in XML text reads back as a line feed; the
                # character reference keeps it exactly.
                data = data.replace(b"\r", b"&#13;")
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())
    return path


def new_workbook() -> Workbook:
    """An empty workbook (its default sheet removed)."""
    wb = Workbook()
    wb.remove(wb.active)
    return wb


# -- matrix drawing ---------------------------------------------------------------------
def draw_matrix(
    ws: Worksheet,
    m: Any,
    lang: str = "da",
    *,
    start_row: int = 1,
    start_col: int = 1,
    values: np.ndarray | None = None,
    title: str | None = None,
) -> int:
    """Draw the matrix ``m`` (consequence rows, highest first; likelihood columns),
    each cell filled with its level colour. Cells show "score level", or ``values``
    (an n_consequence x n_likelihood array indexed [c - 1, l - 1]) when given.
    Returns the last row used."""
    r = start_row
    if title:
        put(ws, r, start_col, title).font = Font(bold=True, size=12)
        r += 1
    corner = f"{t('common.consequence', lang)} \\ {t('common.likelihood', lang)}"
    put(ws, r, start_col, corner)
    style_header(ws, r, start_col, start_col + m.n_likelihood)
    like = m.likelihood_labels(lang)
    for li in range(1, m.n_likelihood + 1):
        put(ws, r, start_col + li, f"{li} {like[li - 1]}")
    cons = m.consequence_labels(lang)
    for k, c in enumerate(range(m.n_consequence, 0, -1), start=1):
        row = r + k
        head = put(ws, row, start_col, f"{c} {cons[c - 1]}")
        head.fill = fill(HEADER_FILL)
        head.font = font_for(HEADER_FILL, bold=True)
        head.border = BORDER
        for li in range(1, m.n_likelihood + 1):
            level = m.level_of(c, li)
            shown = f"{c * li} {level.name(lang)}" if values is None else _plain(values[c - 1, li - 1])
            cell = put(ws, row, start_col + li, shown)
            cell.fill = fill(level.colour)
            cell.font = font_for(level.colour, bold=values is not None)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = BORDER
    ws.column_dimensions[get_column_letter(start_col)].width = max(
        ws.column_dimensions[get_column_letter(start_col)].width or 0, 24
    )
    for li in range(1, m.n_likelihood + 1):
        letter = get_column_letter(start_col + li)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, 20)
    return r + m.n_consequence


def draw_levels(ws: Worksheet, m: Any, lang: str = "da", *, start_row: int = 1, start_col: int = 1) -> int:
    """A table of the matrix levels: name (coloured), scores in the level, advice."""
    cells = m.cells_frame()
    scores = cells.groupby("level_index")["score"].agg(lambda s: ", ".join(str(v) for v in sorted(set(s))))
    heads = (t("common.level", lang), t("common.score", lang), t("excel.treatment_advice", lang))
    for j, h in enumerate(heads):
        put(ws, start_row, start_col + j, h)
    style_header(ws, start_row, start_col, start_col + len(heads) - 1)
    r = start_row
    for i, level in enumerate(m.levels):
        r = start_row + 1 + i
        name = put(ws, r, start_col, level.name(lang))
        name.fill = fill(level.colour)
        name.font = font_for(level.colour, bold=True)
        put(ws, r, start_col + 1, scores.get(i, ""))
        put(ws, r, start_col + 2, level.advice(lang)).alignment = Alignment(wrap_text=True, vertical="top")
    letter = get_column_letter(start_col + 2)
    ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, 70)
    return r
