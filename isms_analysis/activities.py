"""KL's shared processing activities: read a user-supplied list, match assets by KLE
number and let them inherit the jointly assessed consequence for the data subjects.

KL and the municipalities described the common processing activities
(*fælleskommunale behandlingsaktiviteter*) per KLE number, including the
consequence for the data subjects; the playbook tells a municipality to build on
that assessment rather than start from scratch. The project ships no such list:
the user supplies one (CSV or XLSX) with the columns

    KLE | Behandlingsaktivitet | Konsekvens registrerede F | ... I | ... T | Kilde

(the three consequences may also be one column "Konsekvens registrerede F/I/T"
holding e.g. ``4/3/2``; English headers KLE, Processing activity, Consequence data
subjects C/I/A, Source are accepted too).

Rules (implemented by :func:`inherit_consequences`):

- **Matching.** An asset's KLE number is normalised to ``NN``, ``NN.NN`` or
  ``NN.NN.NN`` (the first number when a cell holds several). The most specific list
  entry that the asset's number falls under wins: for asset ``27.24.05`` the list's
  ``27.24.05`` before ``27.24`` before ``27``. A list entry more specific than the
  asset's own number does not match it. The match is recorded on the asset
  (``activity_kle``, ``activity``, ``activity_source``).
- **Inheriting.** Only assets of type *Behandlingsaktivitet* (``processing_activity``)
  inherit. A data-subject consequence (F, I or T) the asset left blank takes the
  shared value, and ``inherited_data_subject`` names the inherited properties
  (``"c,i,a"`` keys); the register and the report's method appendix show it.
- **Keeping own values.** A value the asset has is kept. When it is lower than the
  shared assessment, a warning names the cell ("lavere end den fælles vurdering").

Everything is vectorised over the assets (no per-row Python in the matching).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .assessment import CIA, Assessment
from .errors import UserError
from .layout import col_letter
from .text import LANGS, t

ACTIVITY_COLUMNS = ("kle", "activity", "consequence_c", "consequence_i", "consequence_a", "source")
MATCH_COLUMNS = ("activity_kle", "activity", "activity_source", "inherited_data_subject")
LOWER_CODE = "lower_than_shared"

# Header aliases (compared after folding case, spaces, punctuation and æ/ø/å).
_HEADERS: dict[str, tuple[str, ...]] = {
    "kle": ("KLE", "KLE-nummer", "KLE nr", "KLE number"),
    "activity": ("Behandlingsaktivitet", "Fælles behandlingsaktivitet", "Processing activity", "Activity"),
    "consequence_c": (
        "Konsekvens registrerede F", "Konsekvens for de registrerede F", "Konsekvens registrerede fortrolighed",
        "Consequence data subjects C", "Consequence data subjects confidentiality",
    ),
    "consequence_i": (
        "Konsekvens registrerede I", "Konsekvens for de registrerede I", "Konsekvens registrerede integritet",
        "Consequence data subjects I", "Consequence data subjects integrity",
    ),
    "consequence_a": (
        "Konsekvens registrerede T", "Konsekvens for de registrerede T", "Konsekvens registrerede tilgængelighed",
        "Consequence data subjects A", "Consequence data subjects availability",
    ),
    "combined": (
        "Konsekvens registrerede F/I/T", "Konsekvens for de registrerede F/I/T", "Konsekvens registrerede FIT",
        "Consequence data subjects C/I/A", "Consequence data subjects CIA",
    ),
    "source": ("Kilde", "Source"),
}  # fmt: skip
_KLE = re.compile(r"^\s*(\d{1,2})(?:\.(\d{1,2}))?(?:\.(\d{1,2}))?(?!\d)")


def _fold(text: Any) -> str:
    from .folding import fold

    return fold(text)


# -- KLE numbers --------------------------------------------------------------------------------
def normalise_kle(values: pd.Series) -> pd.Series:
    """KLE numbers as ``NN``, ``NN.NN`` or ``NN.NN.NN`` (two digits per part); missing
    when a value does not start with a KLE number. A number read from Excel as
    ``27.2`` (the cell held 27.20) becomes ``27.20``."""
    s = values.astype("string").str.strip()
    parts = s.str.extract(_KLE)
    one_decimal = s.str.fullmatch(r"\d{1,2}\.\d").fillna(False)
    # "27.2" from a numeric cell is 27.20: the group number lost its trailing zero.
    parts.loc[one_decimal, 1] = parts.loc[one_decimal, 1].str.ljust(2, "0")
    out = parts[0].str.zfill(2)
    for k in (1, 2):
        has = parts[k].notna()
        out = out.where(~has, out + "." + parts[k].str.zfill(2))
    return out.astype("string")


def kle_prefixes(kle: pd.Series) -> list[pd.Series]:
    """For each KLE number its own form, then its group, then its main group (most
    specific first); missing where the number is shorter."""
    parts = kle.str.split(".", expand=True).reindex(columns=range(3))
    main = parts[0].astype("string")
    group = (main + "." + parts[1].astype("string")).astype("string")
    topic = (group + "." + parts[2].astype("string")).astype("string")
    return [topic, group, main]


def main_group(kle: pd.Series) -> pd.Series:
    """The KLE main group (the first two digits) of each number; missing when none."""
    return normalise_kle(kle).str.slice(0, 2).astype("string")


def match_kle(asset_kle: pd.Series, list_kle: pd.Series) -> pd.DataFrame:
    """For every asset KLE number, the position in ``list_kle`` of the most specific
    entry it falls under (-1: none) and the matched number.

    Returns a frame with the index of ``asset_kle`` and columns ``position`` (int)
    and ``matched`` (string)."""
    wanted = normalise_kle(asset_kle)
    listed = pd.Index(normalise_kle(list_kle).fillna("\x00"))
    position = np.full(len(wanted), -1, dtype=np.int64)
    for candidate in kle_prefixes(wanted):  # most specific first: fill only what is still open
        found = listed.get_indexer(candidate.fillna("\x01"))
        position = np.where((position < 0) & (found >= 0), found, position)
    matched = pd.Series(pd.array([pd.NA] * len(wanted), dtype="string"), index=asset_kle.index)
    hit = position >= 0
    matched[hit] = listed.to_numpy()[position[hit]]
    return pd.DataFrame({"position": position, "matched": matched}, index=asset_kle.index)


# -- reading the list ---------------------------------------------------------------------------
def _raw_rows(path: Path) -> tuple[list[list[Any]], str]:
    suffix = path.suffix.lower()
    if not path.exists():
        raise UserError(*_texts("missing_file", path=path))
    if suffix == ".csv":
        import csv
        import io

        raw = path.read_bytes()
        for enc in ("utf-8-sig", "cp1252"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        dialect = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
        return [list(r) for r in csv.reader(io.StringIO(text), delimiter=dialect)], ""
    if suffix in (".xlsx", ".xlsm", ".ods"):
        from python_calamine import CalamineWorkbook

        from .safety import check_file

        check_file(path)
        wb = CalamineWorkbook.from_path(str(path))
        try:
            name = wb.sheet_names[0]
            return [list(r) for r in wb.get_sheet_by_name(name).to_python(skip_empty_area=False)], name
        finally:
            close = getattr(wb, "close", None)
            if close is not None:
                close()
    raise UserError(*_texts("wrong_suffix", file=path.name))


def _texts(key: str, prop: str | None = None, **fields: Any) -> tuple[str, str]:
    """(da, en) of ``activities.<key>``; ``prop`` (c/i/a) is shown as each language's letter."""
    da, en = (
        t(f"activities.{key}", lang, **fields, **({"prop": t(f"common.cia_{prop}", lang)} if prop else {}))
        for lang in LANGS
    )
    return da, en


def _where(file: str, sheet: str, cell: str) -> str:
    return f"{file}: {sheet}!{cell}" if sheet else f"{file}: {cell}"


def read_activities(path: str | Path) -> pd.DataFrame:
    """Read a list of shared processing activities (CSV or XLSX; first sheet).

    Returns one row per activity with columns ``kle`` (normalised), ``activity``,
    ``consequence_c/i/a`` (Int8, 1-4 or missing), ``source`` and ``source_row``
    (the row in the file). Every problem is raised at once as a :class:`UserError`
    naming the file, sheet and cell (exit 1); an unreadable file exits 2.

    Columns (dtype): ``kle``, ``activity``, ``source`` (string), ``consequence_c``,
    ``consequence_i``, ``consequence_a`` (Int8), ``source_row`` (int64).
    """
    path = Path(path)
    rows, sheet = _raw_rows(path)
    header_at, cols = -1, {}
    aliases = {key: {_fold(a) for a in names} for key, names in _HEADERS.items()}
    for r, row in enumerate(rows[:30]):
        found = {}
        for j, cell in enumerate(row):
            f = _fold(cell) if cell is not None else ""
            for key, names in aliases.items():
                if f in names and key not in found:
                    found[key] = j
        if "kle" in found and ({"consequence_c", "consequence_i", "consequence_a"} <= set(found) or "combined" in found):
            header_at, cols = r, found
            break
    if header_at < 0:
        raise UserError(*_texts("no_header", file=path.name), exit_code=1)
    body = rows[header_at + 1 :]
    width = max((len(r) for r in body), default=0)
    body = [list(r) + [None] * (width - len(r)) for r in body]
    frame = pd.DataFrame(body, columns=range(width), dtype=object) if body else pd.DataFrame(columns=range(width))
    frame.index = pd.RangeIndex(header_at + 2, header_at + 2 + len(frame))  # Excel row numbers

    def text(key: str) -> pd.Series:
        if key not in cols:
            return pd.Series(pd.array([pd.NA] * len(frame), dtype="string"), index=frame.index)
        s = frame[cols[key]].map(lambda v: None if v is None or (isinstance(v, str) and not v.strip()) else v)
        s = s.map(lambda v: format(v, "g") if isinstance(v, float) else v)
        return s.astype("string").str.strip()

    kle_raw = text("kle")
    blank = kle_raw.isna() & text("activity").isna()
    cons_raw = {}
    if "combined" in cols and not {"consequence_c", "consequence_i", "consequence_a"} <= set(cols):
        split = text("combined").str.split(r"\s*[/;,]\s*", regex=True, expand=True).reindex(columns=range(3))
        for k, p in enumerate(CIA):
            cons_raw[p] = (split[k].astype("string"), cols["combined"])
    else:
        for p in CIA:
            cons_raw[p] = (text(f"consequence_{p}"), cols[f"consequence_{p}"])
    problems: list[tuple[str, str]] = []
    kle = normalise_kle(kle_raw)
    for r in np.flatnonzero((~blank & kle.isna()).to_numpy()):
        row = int(frame.index[r])
        where = _where(path.name, sheet, f"{col_letter(cols['kle'])}{row}")
        problems.append(_texts("bad_kle", where=where, value=kle_raw.iloc[r] if pd.notna(kle_raw.iloc[r]) else ""))
    out = {"kle": kle, "activity": text("activity")}
    for p in CIA:
        raw, j = cons_raw[p]
        value = pd.to_numeric(raw.str.extract(r"^(\d+)(?:[.,]0+)?\b", expand=False), errors="coerce")
        bad = (raw.notna() & (value.isna() | ~value.between(1, 4))) & ~blank
        for r in np.flatnonzero(bad.to_numpy()):
            row = int(frame.index[r])
            where = _where(path.name, sheet, f"{col_letter(j)}{row}")
            problems.append(_texts("bad_consequence", p, where=where, value=raw.iloc[r]))
        out[f"consequence_{p}"] = value.where(~bad).astype("Int8")
    out["source"] = text("source")
    result = pd.DataFrame(out)[~blank.to_numpy()]
    dup = result["kle"].notna() & result["kle"].duplicated(keep=False)
    for kle_value, group in result[dup].groupby("kle", sort=True):
        where = ", ".join(f"{col_letter(cols['kle'])}{int(r)}" for r in group.index)
        place = f"{path.name}: {sheet}!" if sheet else f"{path.name}: "
        problems.append(_texts("duplicate_kle", where=f"{place}{where}", kle=kle_value))
    if problems:
        da, en = _texts("list_errors", file=path.name, n=len(problems))
        raise UserError(
            "\n".join([da, *(x for x, _ in problems)]), "\n".join([en, *(x for _, x in problems)]), exit_code=1
        )
    result = result.rename_axis("source_row").reset_index()
    return result[[*ACTIVITY_COLUMNS, "source_row"]].reset_index(drop=True)


def as_activities(activities: str | Path | pd.DataFrame) -> pd.DataFrame:
    """A list given as a path (read it) or as a frame already read."""
    if isinstance(activities, pd.DataFrame):
        return activities
    return read_activities(activities)


# -- inheriting ---------------------------------------------------------------------------------
def inherit_consequences(
    assets: pd.DataFrame,
    activities: str | Path | pd.DataFrame,
    *,
    file: str = "",
    sheet: str = "",
    letters: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Match ``assets`` against the shared list and let processing activities inherit
    the data-subject consequences they left blank.

    Returns the assets with the columns of :data:`MATCH_COLUMNS` added and a list of
    warnings (dicts with the keys of :class:`isms_analysis.workbook` problems:
    severity, code, da, en, sheet, cell, row, column, value) for own values lower
    than the shared assessment. ``letters`` maps a consequence field to its column
    letter and ``assets["source_row"]`` gives the row, so the warning names the cell.
    """
    acts = as_activities(activities)
    letters = dict(letters or {})
    headers = dict(headers or {})
    out = assets.copy()
    m = match_kle(out["kle"] if "kle" in out.columns else pd.Series(pd.NA, index=out.index, dtype="string"),
                  acts["kle"])  # fmt: skip
    is_activity = (out["type"].astype("string") == "processing_activity").fillna(False).to_numpy(dtype=bool)
    pos = m["position"].to_numpy()
    hit = pos >= 0
    take = np.where(hit, pos, 0)

    def from_list(col: str) -> pd.Series:
        values = acts[col].take(take) if len(acts) else pd.Series(pd.NA, index=range(len(out)))
        s = pd.Series(values.to_numpy(), index=out.index).astype(acts[col].dtype if len(acts) else "string")
        return s.where(hit)

    out["activity_kle"] = m["matched"].astype("string")
    out["activity"] = from_list("activity").astype("string")
    out["activity_source"] = from_list("source").astype("string")
    inherited = pd.DataFrame(index=out.index)
    rows = out["source_row"].to_numpy() if "source_row" in out.columns else np.full(len(out), -1)
    warnings: list[dict[str, Any]] = []
    for p in CIA:
        fld = f"consequence_data_subject_{p}"
        own = out[fld].astype("Int8") if fld in out.columns else pd.Series(pd.NA, index=out.index, dtype="Int8")
        shared = from_list(f"consequence_{p}").astype("Int8")
        use = is_activity & hit & own.isna().to_numpy() & shared.notna().to_numpy()
        inherited[p] = use
        out[fld] = own.where(~use, shared)
        lower = is_activity & hit & (own < shared).fillna(False).to_numpy(dtype=bool)
        for i in np.flatnonzero(lower):
            r = int(rows[i]) if rows[i] is not None and rows[i] == rows[i] and int(rows[i]) > 0 else None
            cell = f"{letters[fld]}{r}" if fld in letters and r is not None else ""
            name = out["activity"].iloc[i]
            kle = out["activity_kle"].iloc[i]
            da, en = _texts(LOWER_CODE, p, own=int(own.iloc[i]), shared=int(shared.iloc[i]), kle=kle, name=name)
            warnings.append(
                {
                    "severity": "warning",
                    "code": LOWER_CODE,
                    "da": da,
                    "en": en,
                    "sheet": sheet,
                    "cell": cell,
                    "row": r,
                    "column": headers.get(fld, ""),
                    "value": str(int(own.iloc[i])),
                }
            )
    marks = np.where(inherited.to_numpy(), np.array(list(CIA), dtype=object), "")
    joined = [",".join(k for k in row if k) for row in marks]
    out["inherited_data_subject"] = pd.array([j or pd.NA for j in joined], dtype="string")
    return out, warnings


def apply_activities(assessment: Assessment, activities: str | Path | pd.DataFrame) -> Assessment:
    """The assessment with its assets matched and inherited (for a round from the
    store, where no cell references exist; warnings go to ``problems``)."""
    assets, found = inherit_consequences(assessment.assets, activities)
    problems = assessment.problems
    if found:
        file = assessment.source.get("name", "")
        extra = pd.DataFrame(
            [
                {
                    "severity": w["severity"], "code": w["code"], "file": file, "sheet": w["sheet"], "cell": w["cell"],
                    "row": w["row"], "column": w["column"], "value": w["value"], "message_da": w["da"],
                    "message_en": w["en"],
                }
                for w in found
            ]
        )  # fmt: skip
        problems = pd.concat([problems, extra], ignore_index=True) if problems is not None and len(problems) else extra
    return dataclasses.replace(assessment, assets=assets, problems=problems)


def inherited_table(assessment: Assessment, lang: str = "da") -> pd.DataFrame:
    """One row per asset that inherited a data-subject consequence: asset, KLE, the
    matched list entry, the inherited properties and the resulting values.

    A display table (headers in ``lang``, all string).
    """
    a = assessment.assets
    if "inherited_data_subject" not in a.columns:
        return pd.DataFrame()
    sel = a[a["inherited_data_subject"].notna()]
    letters = {p: t(f"common.cia_{p}", lang) for p in CIA}
    return pd.DataFrame(
        {
            t("common.asset_id", lang): sel["asset_id"].to_numpy(),
            t("common.asset", lang): sel["name"].to_numpy(),
            "KLE": sel["kle"].to_numpy(),
            t("activities.matched_kle", lang): sel["activity_kle"].to_numpy(),
            t("activities.shared_activity", lang): sel["activity"].to_numpy(),
            t("activities.inherited", lang): sel["inherited_data_subject"]
            .map(lambda v: ", ".join(letters[k] for k in str(v).split(",")))
            .to_numpy(),
            **{
                t("activities.consequence_data_subjects", lang, prop=letters[p]): sel[
                    f"consequence_data_subject_{p}"
                ].to_numpy()
                for p in CIA
            },
            t("common.source", lang): sel["activity_source"].to_numpy(),
        }
    )


__all__ = [
    "apply_activities",
    "inherit_consequences",
    "inherited_table",
    "kle_prefixes",
    "main_group",
    "match_kle",
    "normalise_kle",
    "read_activities",
]


def write_inherited_sheet(wb: Any, assessment: Assessment, lang: str = "da") -> None:
    """Add the register's sheet of inherited consequences (nothing when none)."""
    from . import excel

    table = inherited_table(assessment, lang)
    if table.empty:
        return
    ws = wb.create_sheet(t("activities.sheet", lang))
    excel.write_table(ws, table, lang=lang)
