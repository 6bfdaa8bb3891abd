"""Per-sheet validation schemas (pandera), built from the workbook layout.

The reader first coerces every cell to its column's type (scale values to
integers, vocabulary labels to their English keys, dates to timestamps). What is
left to check is the domain, sheet by sheet, and that is what these schemas hold:

- mandatory cells are filled in (``Column.mandatory`` in :mod:`isms_analysis.layout`);
- each sheet's own identifier (the first column: Risiko-ID, Aktiv-ID, ...) is unique
  (the risk profile's area together with its perspective: the reader checks that);
- consequences and likelihoods lie on the matrix's scales (KL: 1-4), months in 1-12;
- vocabulary columns hold a known key (treatment "mitigate" | "accept" | ...);
- risk-profile levels name a level of the round's matrix.

Validation is lazy: every failure in a sheet is collected in one pass and returned
as a frame (column, check, failure_case, index), which the reader turns into
problems with exact cell references. The frame's index must be the Excel row.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from .layout import VOCABULARIES, Sheet
from .matrix import RiskMatrix

# Names of the checks, as they appear in the ``check`` column of the failures.
NOT_NULL = "not_nullable"
UNIQUE = "field_uniqueness"
RANGE = "range"
VOCABULARY = "vocabulary"
LEVEL = "level"

FAILURE_COLUMNS = ("column", "check", "failure_case", "index")


def scale_range(kind: str, m: RiskMatrix) -> tuple[int, int] | None:
    """The allowed integer range of a column kind (None: no range)."""
    if kind == "consequence":
        return 1, m.n_consequence
    if kind == "likelihood":
        return 1, m.n_likelihood
    if kind == "month":
        return 1, 12
    return None


def key_column(sheet: Sheet) -> str:
    """The field that identifies a row of ``sheet`` (its first column)."""
    return sheet.columns[0].field


def sheet_schema(sheet: Sheet, present: Iterable[str], m: RiskMatrix):  # -> pandera DataFrameSchema
    """The schema for the columns of ``sheet`` found in the workbook (``present``).

    Data types are not checked (the reader has already coerced them); only the
    domain rules listed in the module docstring.
    """
    import pandera.pandas as pa

    present = set(present)
    columns = {}
    key = key_column(sheet)
    level_keys = [lv.name_da for lv in m.levels]  # the reader stores the level identifier
    for col in sheet.columns:
        if col.field not in present:
            continue
        checks = []
        bounds = scale_range(col.kind, m)
        if bounds is not None:
            lo, hi = bounds
            checks.append(pa.Check(lambda s, lo=lo, hi=hi: s.between(lo, hi), name=RANGE, ignore_na=True))
        if col.kind == "choice" and col.vocabulary:
            allowed = list(VOCABULARIES[col.vocabulary])
            checks.append(pa.Check(lambda s, a=allowed: s.isin(a), name=VOCABULARY, ignore_na=True))
        if col.kind == "level":
            checks.append(pa.Check(lambda s, a=level_keys: s.isin(a), name=LEVEL, ignore_na=True))
        columns[col.field] = pa.Column(
            None,
            checks=checks,
            nullable=not col.mandatory,
            unique=col.field == key and not sheet.unique_with,
            report_duplicates="all",
            required=False,
        )
    return pa.DataFrameSchema(columns, strict=False, name=sheet.key)


def failures(frame: pd.DataFrame, schema) -> pd.DataFrame:
    """Validate lazily; every failure as a row of (column, check, failure_case, index)."""
    import pandera.errors as pe

    try:
        schema.validate(frame, lazy=True)
    except pe.SchemaErrors as exc:
        fc = exc.failure_cases
        fc = fc[fc["column"].notna() & fc["index"].notna()]
        return fc.loc[:, list(FAILURE_COLUMNS)].reset_index(drop=True)
    return pd.DataFrame({c: pd.Series(dtype="object") for c in FAILURE_COLUMNS})
