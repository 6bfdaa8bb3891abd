"""The reader: one workbook in, one :class:`~isms_analysis.Assessment` and its problem list out.

:class:`Reader` finds the sheets (``find_sheet``), reads each data sheet once
(``read_sheet``: header detection in :mod:`.headers`, the cells from :mod:`.scan`,
parsed by :mod:`.parsers`, checked by :mod:`.rules`) and the ``Om`` sheet
(``read_meta``); :func:`read_workbook` and :func:`validate_workbook` add the
cross-sheet rules and the sheets the reader does not use (:mod:`.sheets`).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import layout as L
from ..assessment import Assessment
from ..errors import ValidationFailed
from ..folding import fold
from ..matrix import KL, MatrixError, RiskMatrix
from ..matrix import matrix as get_matrix
from ..text import pair
from . import rules
from .headers import candidates, col_letter, header_keys, locate_header, match_headers
from .mapping import name_list, resolve_mapping
from .parsers import (
    BAD,
    as_text,
    blank_uniques,
    extra_column,
    factorize,
    is_blank,
    kind_phrase,
    parse_column,
    parser_for,
)
from .problems import Problems, display, fill, format_problems, hidden_problem, printable
from .scan import excel_error_cells, hidden_values, merged_ranges, open_workbook, sheet_cells, unreadable
from .sheets import combined, name_ids, other_sheets, trailing_rows
from .table import Table, final_frame, union

__all__ = ["Reader", "read_meta", "read_workbook", "validate_workbook"]

_META_NAMES = frozenset({"municipality", "round"})  # Om fields that name the round everywhere


class Reader:
    """The state of one read: the file's problems, the round's matrix (from ``Om``), its hidden
    sheets and the cells calamine reads as empty although they are not."""

    def __init__(self, path: Path, mapping: dict[str, Any] | None) -> None:
        self.path = path
        self.mapping = mapping or {}
        self.problems = Problems(path.name)
        self.matrix: RiskMatrix = KL
        self.hidden: set[str] = set()
        self.error_cells: dict[str, dict[tuple[int, int], tuple[str, str]]] = {}
        self.covered: set[tuple[str, str]] = set()  # (sheet, cell) inside a reported merged range
        self.reported_sheets: set[str] = set()  # sheets an error already names (see sheets.other_sheets)

    # -- sheets -----------------------------------------------------------------------------
    def find_sheet(self, names: list[str], sheet: L.Sheet) -> str | None:
        """The workbook's name of ``sheet`` (the mapping's name, or Danish/English/aliases, folded), or None."""
        mapped = self.mapping.get("sheets", {}).get(sheet.key)
        wanted = name_list(mapped) if mapped else [sheet.da, sheet.en, sheet.key, *sheet.aliases]
        by_fold: dict[str, str] = {}
        for n in names:
            by_fold.setdefault(fold(n), n)
        for n in names:  # a visible sheet wins over a hidden one of the same name
            if n not in self.hidden:
                by_fold[fold(n)] = n
        self.ambiguous_sheets(names, wanted, sheet)
        for w in wanted:
            if fold(w) in by_fold:
                found = by_fold[fold(w)]
                if found in self.hidden:
                    self.problems.add(
                        "error", "hidden_sheet", *fill(pair("workbook.hidden_sheet"), sheet=found), sheet=found
                    )
                return found
        return None

    def ambiguous_sheets(self, names: list[str], wanted: list[str], sheet: L.Sheet) -> None:
        """Two or more sheets that all read as ``sheet`` ('Risici' and 'Rísici', 'Risici_',
        'RISICI ', 'Ri-sici', 'Risks') are an error naming each of them: which one holds the
        round is the user's decision, never the reader's."""
        keys = {fold(w) for w in wanted}
        hits = [n for n in names if fold(n) in keys]
        if len(hits) < 2:
            return
        self.reported_sheets.update(hits)  # named here; not "unused" sheets too
        listed = [f"'{printable(n)}'" for n in hits]
        and_ = pair("workbook.and")
        joined = tuple(", ".join(listed[:-1]) + f" {word} " + listed[-1] for word in and_)
        every = pair("workbook.both") if len(hits) == 2 else pair("workbook.all")
        self.problems.add(
            "error",
            "duplicate_sheet",
            *fill(pair("workbook.duplicate_sheet"), listed=joined, all=every, sheet=(sheet.da, sheet.en)),
            sheet=printable(hits[0]),
        )

    def missing_sheet(self, sheet: L.Sheet) -> None:
        """A required sheet is missing: an error naming the names looked for."""
        mapped = self.mapping.get("sheets", {}).get(sheet.key)
        wanted = name_list(mapped) if mapped else [sheet.da, sheet.en]
        looked = ", ".join(f"'{w}'" for w in wanted)
        self.problems.add(
            "error",
            "missing_sheet",
            *fill(pair("workbook.missing_sheet"), sheet=(sheet.da, sheet.en), looked=looked),
            sheet=sheet.da,
        )

    def read_sheet(self, wb: Any, name: str, sheet: L.Sheet) -> Table | None:
        """One data sheet, parsed and checked: every problem reported, bad cells set to missing."""
        rows, merged_by_row, merged = sheet_cells(wb, name)
        cells, last = locate_header(rows, sheet, self.mapping, merged_by_row)
        if cells is None and not sheet.required and all(is_blank(v) for row in rows for v in row):
            cells, last = [], len(rows)  # an empty optional sheet: no rows, no problem
        elif cells is None:
            required = [c for c in sheet.columns if c.required]
            looked = (", ".join(f"'{c.da}'" for c in required), ", ".join(f"'{c.en}'" for c in required))
            self.problems.add(
                "error",
                "missing_header",
                *fill(pair("workbook.missing_header"), sheet=name, looked=looked),
                sheet=name,
            )
            cells, last = [], 0 if not rows else -1
        matched, duplicate_headers = match_headers(cells, sheet, candidates(sheet, self.mapping))
        header_row = last + 1  # Excel row number of the (last) header row
        first_at = {f: j for j, f in matched.items()}
        for j, fld in duplicate_headers:
            h = display(cells[j])
            c0, c1 = f"{col_letter(first_at[fld])}{header_row}", f"{col_letter(j)}{header_row}"
            self.problems.add(
                "error",
                "duplicate_column",
                *fill(pair("workbook.duplicate_column"), header=h, first=c0, second=c1),
                sheet=name,
                cell=c1,
                row=header_row,
                column=h,
            )
        for col in sheet.columns:
            if col.required and col.field not in matched.values() and cells:
                names = [
                    col.da,
                    col.en,
                    *name_list(self.mapping.get("columns", {}).get(sheet.key, {}).get(col.field, [])),
                ]
                looked = ", ".join(f"'{n}'" for n in dict.fromkeys(names))
                self.problems.add(
                    "error",
                    "missing_column",
                    *fill(
                        pair("workbook.missing_column"),
                        sheet=name,
                        column=(col.da, col.en),
                        looked=looked,
                        row=header_row,
                    ),
                    sheet=name,
                    row=header_row,
                )
        data = rows[last + 1 :] if last >= 0 else rows
        width = max((len(r) for r in data), default=0)
        width = max(width, len(cells))
        n = len(data)
        if n:
            arr = np.empty((n, width), dtype=object)
            arr[:] = ""
            if all(len(r) == width for r in data):
                arr[:, :] = data
            else:
                for i, r in enumerate(data):
                    arr[i, : len(r)] = r
        else:
            arr = np.empty((0, width), dtype=object)
        hidden_values(self.problems, self.error_cells.get(name, {}), name, arr, cells, matched, last)
        # Columns to the right of the last recognised column and the last column holding data are
        # ignored, even with a header (a header row filled out to XFD would add 16,000 empty columns).
        used_width = max(matched, default=-1) + 1
        while width > used_width and all(is_blank(v) for v in arr[:, width - 1]):
            width -= 1
        arr = arr[:, :width]
        merged_ranges(self.problems, self.covered, name, merged, matched, last, n)

        # Factorise every column once; a row is blank when all its cells are.
        factorised = []
        blank = np.ones(n, dtype=bool)
        for j in range(width):
            codes, uniques = factorize(arr[:, j])
            ublank = blank_uniques(uniques)
            cblank = np.append(ublank, True)[codes]
            blank &= cblank
            factorised.append((codes, uniques, cblank))
        keep = trailing_rows(self, name, sheet, arr, matched, ~blank, last)  # totals/note rows named, not read
        excel_rows = np.arange(last + 2, last + 2 + n)[keep]
        if sheet.required and cells and not keep.any():
            self.problems.add(
                "error",
                "empty_sheet",
                *fill(pair("workbook.empty_sheet"), sheet=name, row=header_row),
                sheet=name,
                row=header_row,
            )

        frame: dict[str, Any] = {}
        positions: dict[str, int] = {}
        headers: dict[str, str] = {}
        raw: dict[str, np.ndarray] = {}
        parse_errors: list[tuple[str, np.ndarray]] = []
        extra: dict[str, Any] = {}
        cols_by_field = {c.field: c for c in sheet.columns}
        for j in range(width):
            codes, uniques, cblank = factorised[j]
            codes = codes[keep]
            fld = matched.get(j)
            header_text = cells[j] if j < len(cells) else ""
            if fld is None:
                if cblank[keep].all() and is_blank(header_text):
                    continue
                label = col_letter(j) if is_blank(header_text) else str(as_text(header_text))
                while label in extra or label in cols_by_field:
                    label += "_"
                extra[label] = extra_column(codes, uniques)
                continue
            col = cols_by_field[fld]
            values, bad = parse_column(codes, uniques, parser_for(col, self.matrix), col.kind)
            frame[fld] = values
            positions[fld] = j
            headers[fld] = str(header_text).strip().replace("\n", " ")
            raw[fld] = np.append(uniques.astype(object), "")[codes] if len(uniques) else np.full(len(codes), "", object)
            if bad.any():
                parse_errors.append((fld, bad))
        index = pd.Index(excel_rows, name="source_row")
        df = pd.DataFrame({k: pd.Series(v, index=index) for k, v in frame.items()}, index=index)
        tbl = Table(sheet, name, df, positions, headers, raw, header_row)
        for fld, bad in parse_errors:
            rules.cell_errors(self.problems, tbl, fld, bad, "unparseable", self.matrix)
            tbl.frame.loc[bad, fld] = pd.NA
        for fld in [f for f in tbl.frame.columns if cols_by_field[f].kind == "id"]:
            rules.id_errors(self.problems, tbl, fld)
        rules.validate(self.problems, tbl, self.matrix, self.covered)
        rules.case_duplicates(self.problems, tbl)
        if extra:  # one concat: inserting column by column fragments the frame (and warns) on wide sheets
            tbl.frame = pd.concat([tbl.frame, pd.DataFrame({k: pd.Series(v, index=index) for k, v in extra.items()})],
                                  axis=1)  # fmt: skip
        return tbl

    def read_meta(self, wb: Any, name: str | None) -> dict[str, Any]:
        """The round's facts from the ``Om`` sheet (label in one cell, value in the next filled one);
        the matrix it names becomes the reader's."""
        meta: dict[str, Any] = {c.field: None for c in L.META.columns}
        if name is None:
            self.missing_sheet(L.META)
            return meta
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        table = candidates(L.META, self.mapping)
        found: dict[str, tuple[int, int, Any]] = {}
        for i, row in enumerate(rows):
            for j, cell in enumerate(row):
                if not isinstance(cell, str) or not cell.strip():
                    continue
                fld = next((table[k] for k in header_keys(cell) if k in table), None)
                if fld is None or fld in found:
                    break
                value, vj = "", j + 1
                for k in range(j + 1, len(row)):
                    if not is_blank(row[k]):
                        value, vj = row[k], k
                        break
                found[fld] = (i + 1, vj, value)
                break
        for col in L.META.columns:
            r, j, value = found.get(col.field, (None, None, ""))
            cell = f"{col_letter(j)}{r}" if r else ""
            if is_blank(value):
                if col.mandatory:
                    self.problems.add(
                        "error",
                        "mandatory_missing",
                        *fill(pair("workbook.meta_missing"), field=(col.da, col.en), sheet=name),
                        sheet=name,
                        cell=cell,
                        row=r,
                        column=col.da,
                    )
                continue
            parsed = parser_for(col, self.matrix)(value)
            if parsed is BAD:
                noun, allowed = kind_phrase(col, col.da, self.matrix)
                said = fill(pair("workbook.the_value"), shown=display(value))
                self.problems.add(
                    "error",
                    "unparseable",
                    *fill(pair("workbook.not_allowed"), said=said, noun=noun, allowed=allowed),
                    sheet=name,
                    cell=cell,
                    row=r,
                    column=col.da,
                    value=display(value),
                )
                continue
            hidden = hidden_problem(parsed, pair("workbook.the_name")) if col.field in _META_NAMES else None
            if hidden is not None:  # the name reaches folder names, the store and the terminal
                self.problems.add(
                    "error",
                    "invalid_text",
                    *fill(pair("workbook.named_value"), name=(col.da, col.en), shown=display(value), problem=hidden),
                    sheet=name,
                    cell=cell,
                    row=r,
                    column=col.da,
                    value=display(value),
                )
                continue
            meta[col.field] = parsed
        if meta.get("matrix"):
            spec = str(meta["matrix"])
            if spec.lower().endswith((".toml", ".yaml", ".yml")) and not Path(spec).is_absolute():
                spec = str(self.path.parent / spec)
            try:
                self.matrix = get_matrix(spec)
            except MatrixError as exc:
                r, j, value = found["matrix"]
                detail = f" ({exc})" if spec != str(meta["matrix"]) else ""
                self.problems.add(
                    "error",
                    "unknown_matrix",
                    *fill(pair("workbook.unknown_matrix"), matrix=meta["matrix"], detail=detail),
                    sheet=name,
                    cell=f"{col_letter(j)}{r}",
                    row=r,
                    column=L.META.column("matrix").da,
                    value=meta["matrix"],
                )
                meta["matrix"] = None
        return meta


def _read(
    path: str | Path, mapping: str | Path | dict[str, Any] | None, activities: Any = None
) -> tuple[Assessment, pd.DataFrame]:
    path = Path(path)
    rd = Reader(path, resolve_mapping(mapping))
    wb, source = open_workbook(path)
    from python_calamine import CalamineError

    try:
        names = list(wb.sheet_names)
        rd.hidden = {m.name for m in wb.sheets_metadata if str(m.visible).rsplit(".", 1)[-1] != "Visible"}
        rd.error_cells = excel_error_cells(path)
        meta_name = rd.find_sheet(names, L.META)
        meta = rd.read_meta(wb, meta_name)
        used = {meta_name}
        tables: dict[str, Table | None] = {}
        for sheet in L.SHEETS[1:]:
            name = rd.find_sheet(names, sheet)
            used.add(name)
            if name is None:
                if sheet.required:
                    rd.missing_sheet(sheet)
                tables[sheet.key] = None
                continue
            tables[sheet.key] = rd.read_sheet(wb, name, sheet)
        extra = other_sheets(rd, wb, names, used, tables)  # every other sheet named; continuations read
    except CalamineError:
        raise unreadable(path.name, *pair("workbook.damaged_sheet")) from None
    finally:
        with contextlib.suppress(Exception):  # already closed
            wb.close()
    risks_t = tables["risks"]
    for part in [risks_t, *extra.get("risks", [])] if risks_t is not None else []:
        for key, fld in (("assets", "asset_id"), ("threats", "threat_id")):
            if tables[key] is not None:
                rules.check_references(rd.problems, part, union(tables[key], extra), fld)
    frames = {s.key: final_frame(tables[s.key], s) for s in L.SHEETS[1:]}
    if activities is not None and tables["assets"] is not None:  # KL's shared processing activities
        from ..activities import inherit_consequences

        at = tables["assets"]
        frames["assets"], found = inherit_consequences(
            frames["assets"], activities, sheet=at.name, headers=at.headers,
            letters={f: col_letter(j) for f, j in at.positions.items()},
        )  # fmt: skip
        for w in found:
            rd.problems.add(w["severity"], w["code"], w["da"], w["en"], sheet=w["sheet"], cell=w["cell"],
                            row=w["row"], column=w["column"], value=w["value"])  # fmt: skip
    for part in [tables["assets"], *extra.get("assets", [])] if tables["assets"] is not None else []:
        rules.asset_rules(
            rd.problems, part, frames["assets"] if part is tables["assets"] else final_frame(part, L.ASSETS)
        )
    frames = combined(frames, tables, extra)  # each sheet followed by its continuation sheets' rows
    optional = {
        k: (frames[k] if tables[k] is not None else None) for k in ("profile", "soa", "actions", "wheel", "roles")
    }
    for part in [risks_t, *extra.get("risks", [])] if risks_t is not None else []:
        rules.risk_rules(
            rd.problems, part, {**frames, "risks": final_frame(part, L.RISKS), "profile": optional["profile"]}, meta,
            rd.matrix,
        )  # fmt: skip
    problems = name_ids(rd.problems.frame(), [*tables.values(), *(t for more in extra.values() for t in more)])
    assessment = Assessment(
        assets=frames["assets"],
        threats=frames["threats"],
        risks=frames["risks"],
        profile=optional["profile"],
        meta=meta,
        soa=optional["soa"],
        actions=optional["actions"],
        wheel=optional["wheel"],
        problems=problems,
        source=source,
        roles=optional["roles"],
    )
    return assessment, problems


def read_meta(path: str | Path) -> dict[str, Any]:
    """The round's facts (the ``Om`` sheet: municipality, round, assessment date, matrix, ...)
    without reading the rest of the workbook. The file passes the same safety gate and is
    refused the same way (:class:`WorkbookError`) as in :func:`read_workbook`; a fact that
    is missing or cannot be read is None (its problem is reported by the full read)."""
    path = Path(path)
    rd = Reader(path, None)
    book, _ = open_workbook(path)
    try:
        return rd.read_meta(book, rd.find_sheet(list(book.sheet_names), L.META))
    finally:
        with contextlib.suppress(Exception):  # already closed
            book.close()


def read_workbook(
    path: str | Path,
    mapping: str | Path | dict[str, Any] | None = None,
    *,
    strict: bool = True,
    activities: str | Path | pd.DataFrame | None = None,
) -> Assessment:
    """Read one assessment round from a KL-style workbook (.xlsx, .xlsm, .ods).

    ``strict=True`` raises :class:`ValidationFailed` listing every error (warnings
    do not raise); ``strict=False`` returns the round with the errors in
    ``assessment.problems`` and the bad cells set to missing. Unreadable files
    raise :class:`WorkbookError`. ``activities``: a list of KL's shared processing
    activities (path or frame, see :mod:`isms_analysis.activities`) whose
    data-subject consequences matching processing activities inherit.

    The :class:`~isms_analysis.Assessment`'s frames (columns with dtype) have one row per data row, in sheet
    order, with ``source_row`` (int64, the Excel row) last and ``source_sheet`` (string)
    when a continuation sheet was read: ``assets`` (``asset_id``, ``name``, ``type`` (a
    key), ``area``, ``kle``, owners (string), ``critical`` (boolean), ``personal_data``
    (a key), ``consequence_<perspective>_<c|i|a>`` (Int8), ...), ``threats``
    (``threat_id``, ``name``, ``category`` (string), ``affects_c|i|a`` (boolean)),
    ``risks`` (IDs, ``treatment``/``status`` (keys), ``likelihood``,
    ``residual_likelihood``, ``residual_consequence_*`` (Int8), ``controls`` ("8.7;
    8.13"), ``accepted_date``/``deadline`` (datetime64), free text (string)),
    ``profile`` (``area``, ``max_accepted_level`` (the level identifier)), ``soa``,
    ``actions``, ``wheel``. Categorical values are keys: see ``docs/vocabulary.md``.
    """
    if activities is not None:
        from ..activities import as_activities

        activities = as_activities(activities)  # a bad list fails before the workbook is read
    assessment, problems = _read(path, mapping, activities)
    errors = problems[problems["severity"] == "error"]
    if strict and len(errors):
        name = Path(path).name
        n_warn = len(problems) - len(errors)
        warnings = fill(pair("workbook.n_warnings"), n=n_warn) if n_warn else ""
        da, en = fill(pair("workbook.errors_to_correct"), file=name, errors=len(errors), warnings=warnings)
        raise ValidationFailed(problems, da + format_problems(errors, "da"), en + format_problems(errors, "en"))
    return assessment


def validate_workbook(
    path: str | Path, mapping: str | Path | dict[str, Any] | None = None, *, activities: Any = None
) -> pd.DataFrame:
    """Every error and warning in a workbook (columns of ``assessment.PROBLEM_COLUMNS``).

    Columns (object dtype, one row per problem, errors first): ``severity`` ("error" or
    "warning"), ``code`` (a key such as ``out_of_range``, ``unused_sheet``), ``file``,
    ``sheet``, ``cell`` (e.g. "F17"), ``row`` (int or None), ``column`` (the header as
    written), ``value`` (the cell as text), ``message_da``, ``message_en``.
    """
    if activities is not None:
        from ..activities import as_activities

        activities = as_activities(activities)
    return _read(path, mapping, activities)[1]
