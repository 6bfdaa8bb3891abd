"""One data sheet after reading (:class:`Table`) and its final frame with the layout's dtypes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import layout as L
from .headers import col_letter

__all__ = ["FINAL_DTYPE", "Table", "cell_ref", "final_frame", "union"]


@dataclass
class Table:
    """One data sheet after reading: parsed frame (index = Excel row) and where each field sits."""

    sheet: L.Sheet
    name: str  # the sheet's name in the workbook
    frame: pd.DataFrame
    positions: dict[str, int]  # field -> 0-based column index
    headers: dict[str, str]  # field -> header text as written
    raw: dict[str, np.ndarray]  # field -> raw cell values of the kept rows
    header_row: int  # Excel row of the (last) header row
    rejected: dict[str, str] = field(default_factory=dict)  # ID without its invisible characters -> cell


# -- final frames ---------------------------------------------------------------------------
FINAL_DTYPE = {
    "likelihood": "Int8",
    "consequence": "Int8",
    "month": "Int8",
    "int": "Int16",
    "bool": "boolean",
    "date": "datetime64[ns]",
}


def final_frame(tbl: Table | None, sheet: L.Sheet) -> pd.DataFrame:
    """Final dtypes, every layout column present, extra columns after them, source_row last."""
    df = tbl.frame if tbl is not None else pd.DataFrame(index=pd.Index([], dtype="int64", name="source_row"))
    out: dict[str, Any] = {}
    n = len(df)
    for col in sheet.columns:
        dtype = FINAL_DTYPE.get(col.kind, "string")
        if col.field in df.columns:
            s = df[col.field]
            out[col.field] = s.astype(dtype) if dtype != "string" else s.astype("string")
        elif not col.field.startswith(("consequence_society", "risk_score")):
            out[col.field] = (
                pd.Series(pd.array([pd.NA] * n, dtype=dtype), index=df.index)
                if dtype != "datetime64[ns]"
                else pd.Series(pd.NaT, index=df.index, dtype=dtype)
            )
    for c in df.columns:
        if c not in out:
            out[c] = df[c]
    frame = pd.DataFrame(out, index=df.index)
    frame["source_row"] = df.index.to_numpy(dtype="int64")
    return frame.reset_index(drop=True)


def cell_ref(tbl: Table, fld: str, row: int) -> str:
    """The Excel cell ("F17") of ``fld`` in Excel row ``row``; empty when the sheet lacks the column."""
    return f"{col_letter(tbl.positions[fld])}{row}" if fld in tbl.positions else ""


def union(tbl: Table, extra: dict[str, list[Table]]) -> Table:
    """A sheet's table with its continuations' rows, for reference checks (cells are not read from it)."""
    more = extra.get(tbl.sheet.key, [])
    if not more:
        return tbl
    frame = pd.concat([tbl.frame, *(t.frame for t in more)])
    rejected = {k: v for t in (tbl, *more) for k, v in t.rejected.items()}
    return Table(tbl.sheet, tbl.name, frame, tbl.positions, tbl.headers, tbl.raw, tbl.header_row, rejected)
