"""The reader's rules on values: a sheet's IDs and cells, and the cross-sheet rules.

Per sheet: IDs with control or invisible characters or over ``MAX_ID_LENGTH``
characters, IDs that differ only in upper/lower case, duplicate IDs, empty
mandatory cells and values the sheet's pandera schema refuses (out of range,
unknown vocabulary values or levels). Across sheets: references to unknown assets
and threats (errors); risks accepted above the tolerance without who or when (a
pending decision, see :mod:`isms_analysis.decisions`), residual above inherent
risk, computed score columns that disagree with the recomputed score, missing
risk owners, assets with personal data but no data-subject consequences and
passed deadlines on risks that are not closed (warnings). A bad cell is set to
missing and its error names it; no row is dropped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from .. import layout as L
from .. import schema as S
from ..assessment import Assessment
from ..matrix import RiskMatrix
from ..text import pair
from .headers import col_letter
from .parsers import kind_phrase
from .problems import Problems, clean_id, display, fill, id_problem
from .table import Table, cell_ref

__all__ = ["asset_rules", "case_duplicates", "cell_errors", "check_references", "duplicate_errors", "id_errors",
           "mandatory_errors", "risk_rules", "validate"]  # fmt: skip


# -- one sheet ----------------------------------------------------------------------------------
def id_errors(problems: Problems, tbl: Table, fld: str) -> None:
    """IDs holding control or invisible (format) characters, or longer than MAX_ID_LENGTH:
    an error at the cell, the value shown escaped; the cell is then treated as missing."""
    s = tbl.frame[fld]
    uniques = pd.unique(s.dropna())
    verdict = {u: id_problem(str(u)) for u in uniques}
    bad_values = [u for u, v in verdict.items() if v is not None]
    if not bad_values:
        return
    header = tbl.headers[fld]
    letter = col_letter(tbl.positions[fld])
    mask = s.isin(bad_values).to_numpy(dtype=bool, na_value=False)
    for r, v in zip(tbl.frame.index.to_numpy()[mask], s.to_numpy()[mask], strict=True):
        cell = f"{letter}{r}"
        problems.add(
            "error",
            "invalid_id",
            *fill(pair("workbook.named_value"), name=header, shown=display(v), problem=verdict[v]),
            sheet=tbl.name,
            cell=cell,
            row=int(r),
            column=header,
            value=display(v),
        )
        tbl.rejected.setdefault(clean_id(str(v)), cell)
    tbl.frame.loc[mask, fld] = pd.NA


def case_duplicates(problems: Problems, tbl: Table) -> None:
    """The sheet's own IDs must not differ only in upper/lower case ('a-01' and 'A-01'):
    an error at every such cell naming all of them; the later rows' IDs are set to missing."""
    key = S.key_column(tbl.sheet)
    if key not in tbl.frame.columns:
        return
    s = tbl.frame[key].dropna()
    if s.empty:
        return
    folded = s.str.casefold()
    n_spellings = s.groupby(folded).transform("nunique")
    clash = s[(n_spellings > 1).to_numpy(dtype=bool)]
    if clash.empty:
        return
    col = tbl.sheet.column(key)
    header = tbl.headers[key]
    letter = col_letter(tbl.positions[key])
    for _, grp in clash.groupby(clash.str.casefold(), sort=False):
        rows = sorted(int(r) for r in grp.index)
        listed = [f"'{display(grp[r])}' ({letter}{r})" for r in rows]
        joined = tuple(", ".join(listed[:-1]) + f" {word} " + listed[-1] for word in pair("workbook.and"))
        for r in rows:
            problems.add(
                "error",
                "id_case",
                *fill(pair("workbook.id_case"), header=header, listed=joined, kind=(col.da, col.en)),
                sheet=tbl.name,
                cell=f"{letter}{r}",
                row=r,
                column=header,
                value=display(grp[r]),
            )
        tbl.frame.loc[rows[1:], key] = pd.NA


def cell_errors(problems: Problems, tbl: Table, fld: str, bad: np.ndarray, code: str, matrix: RiskMatrix) -> None:
    """Report every flagged cell of ``fld`` with its value and what is allowed."""
    col = tbl.sheet.column(fld)
    header = tbl.headers[fld]
    noun, allowed = kind_phrase(col, header, matrix)
    letter = col_letter(tbl.positions[fld])
    rows = tbl.frame.index.to_numpy()[bad]
    values = tbl.raw[fld][bad]
    for r, v in zip(rows, values, strict=True):
        shown = display(v)
        said = fill(pair("workbook.the_value"), shown=shown)
        if col.kind == "date" and isinstance(v, dt.time):  # a date cell before 1900 reads as a time of day
            said = pair("workbook.the_value_before_1900")
        problems.add(
            "error",
            code,
            *fill(pair("workbook.not_allowed"), said=said, noun=noun, allowed=allowed),
            sheet=tbl.name,
            cell=f"{letter}{r}",
            row=int(r),
            column=header,
            value=shown,
        )


def validate(problems: Problems, tbl: Table, matrix: RiskMatrix, covered: set[tuple[str, str]]) -> None:
    """Run the sheet's pandera schema; report every failure and blank the bad cells."""
    df = tbl.frame
    key = S.key_column(tbl.sheet)
    if tbl.sheet.unique_with and key in df.columns:  # unique together (Risikoprofil: area, perspective)
        subset = [key, *(f for f in tbl.sheet.unique_with if f in df.columns)]
        twice = (df.duplicated(subset, keep=False) & df[key].notna()).to_numpy(dtype=bool)
        if twice.any():
            df.loc[duplicate_errors(problems, tbl, key, twice), key] = pd.NA
    fc = S.failures(df, S.sheet_schema(tbl.sheet, df.columns, matrix))
    if fc.empty:
        return
    pos = {r: i for i, r in enumerate(df.index)}
    for (fld, check), grp in fc.groupby(["column", "check"], sort=False):
        mask = np.zeros(len(df), dtype=bool)
        mask[[pos[int(r)] for r in grp["index"] if int(r) in pos]] = True
        if check == S.NOT_NULL:
            mandatory_errors(problems, tbl, fld, mask, covered)
        elif check == S.UNIQUE:
            mask = duplicate_errors(problems, tbl, fld, mask)
            df.loc[mask, fld] = pd.NA
        else:
            code = {S.RANGE: "out_of_range", S.VOCABULARY: "unknown_value", S.LEVEL: "unknown_level"}.get(
                check, "invalid"
            )
            cell_errors(problems, tbl, fld, mask, code, matrix)
            df.loc[mask, fld] = pd.NA


def mandatory_errors(problems: Problems, tbl: Table, fld: str, mask: np.ndarray, covered: set[tuple[str, str]]) -> None:
    """An empty mandatory cell is an error, unless it is already reported or inside a merged range."""
    header = tbl.headers[fld]
    letter = col_letter(tbl.positions[fld])
    reported = {(p["sheet"], p["cell"]) for p in problems.rows}
    for r in tbl.frame.index.to_numpy()[mask]:
        if (tbl.name, f"{letter}{r}") in reported or (tbl.name, f"{letter}{r}") in covered:
            continue  # already reported as unreadable, or an empty cell of a merged range
        problems.add(
            "error",
            "mandatory_missing",
            *fill(pair("workbook.mandatory_missing"), header=header),
            sheet=tbl.name,
            cell=f"{letter}{r}",
            row=int(r),
            column=header,
        )


def duplicate_errors(problems: Problems, tbl: Table, fld: str, mask: np.ndarray) -> np.ndarray:
    """Name every row of each duplicated ID; return the rows after the first (to blank)."""
    header = tbl.headers[fld]
    letter = col_letter(tbl.positions[fld])
    rows = tbl.frame.index.to_numpy()[mask]
    values = tbl.frame[fld].to_numpy()[mask]
    later = np.zeros(len(tbl.frame), dtype=bool)
    groups: dict[str, list[int]] = {}
    for r, v in zip(rows, values, strict=True):
        groups.setdefault(str(v), []).append(int(r))
    pos = {r: i for i, r in enumerate(tbl.frame.index)}
    for v, rs in groups.items():
        listed = tuple(", ".join(map(str, rs[:-1])) + f" {word} {rs[-1]}" for word in pair("workbook.and"))
        for r in rs:
            problems.add(
                "error",
                "duplicate_id",
                *fill(pair("workbook.duplicate_id"), header=header, shown=display(v), rows=listed),
                sheet=tbl.name,
                cell=f"{letter}{r}",
                row=r,
                column=header,
                value=v,
            )
        for r in rs[1:]:
            later[pos[r]] = True
    return later


# -- across sheets -------------------------------------------------------------------------------
def check_references(problems: Problems, risks: Table, target: Table | None, fld: str) -> None:
    """Risks must name assets and threats that exist; unknown references are errors (cell blanked)."""
    if target is None or fld not in risks.frame.columns or fld not in target.frame.columns:
        return
    known = target.frame[fld].dropna()
    values = risks.frame[fld]
    unknown = (values.notna() & ~values.isin(known)).to_numpy(dtype=bool)
    header = risks.headers[fld]
    by_case = dict(zip(known.str.casefold(), known, strict=True))
    for r, v in zip(risks.frame.index[unknown], values[unknown], strict=True):
        hint: tuple[str, str] | str = ""
        if clean_id(str(v)) in target.rejected:
            cell = f"{target.name}!{target.rejected[clean_id(str(v))]}"
            hint = fill(pair("workbook.hint_rejected_id"), cell=cell)
        elif str(v).casefold() in by_case:
            hint = fill(pair("workbook.hint_case"), twin=display(by_case[str(v).casefold()]))
        problems.add(
            "error",
            "unknown_reference",
            *fill(pair("workbook.unknown_reference"), header=header, shown=display(v), sheet=target.name, hint=hint),
            sheet=risks.name,
            cell=cell_ref(risks, fld, int(r)),
            row=int(r),
            column=header,
            value=v,
        )
    risks.frame.loc[unknown, fld] = pd.NA


def _scored(assets: pd.DataFrame, threats: pd.DataFrame, risks: pd.DataFrame, profile: Any, m: RiskMatrix):
    """Score the valid part of the round; risk_id is replaced by the Excel row."""
    from ..scoring import score

    a = assets[assets["asset_id"].notna()].drop_duplicates("asset_id")
    r = risks[risks["asset_id"].isin(a["asset_id"])].copy()
    r["risk_id"] = r["source_row"].astype("string")
    t = threats[threats["threat_id"].notna()]
    if r.empty:
        return None
    return score(Assessment(assets=a, threats=t, risks=r, profile=profile), m)


def _acceptance_missing(assets: Any, threats: Any, risks: Any, profile: Any, scores: Any, m: RiskMatrix) -> list[int]:
    """Excel rows of the risks whose decision is ``acceptance_missing`` (either perspective)."""
    from ..decisions import decisions

    a = assets[assets["asset_id"].notna()].drop_duplicates("asset_id")
    r = risks[risks["asset_id"].isin(a["asset_id"])].copy()
    r["risk_id"] = r["source_row"].astype("string")
    t = threats[threats["threat_id"].notna()]
    dec = decisions(Assessment(assets=a, threats=t, risks=r, profile=profile), scores, matrix=m)
    return sorted({int(x) for x in dec.loc[dec["reason"] == "acceptance_missing", "risk_id"]})


def risk_rules(
    problems: Problems, tbl: Table, assess: dict[str, Any], meta: dict[str, Any], matrix: RiskMatrix
) -> None:
    """Acceptance, residual, formula, owner and deadline rules on the risks."""
    risks: pd.DataFrame = assess["risks"]
    assets: pd.DataFrame = assess["assets"]
    m = matrix
    if risks.empty:
        return
    try:
        scores = _scored(assets, assess["threats"], risks, assess["profile"], m)
    except Exception:  # scoring is a check here; invalid cells are already reported
        scores = None
    row_of = risks["source_row"].to_numpy()
    if scores is not None and len(scores):
        srow = scores["risk_id"].astype("int64").to_numpy()
        inh = (scores["stage"] == "inherent").to_numpy()

        # An acceptance above the tolerance without who or when: a pending decision
        # (isms_analysis.decisions), not an error; warn at the cell that is empty.
        missing_acc = _acceptance_missing(assets, assess["threats"], risks, assess["profile"], scores, m)
        no_who = (risks["accepted_by"].isna() | (risks["accepted_by"] == "")).to_numpy(dtype=bool, na_value=True)
        no_when = risks["accepted_date"].isna().to_numpy()
        who_h = tbl.headers.get("accepted_by", L.RISKS.column("accepted_by").da)
        when_h = tbl.headers.get("accepted_date", L.RISKS.column("accepted_date").da)
        for i in np.flatnonzero(np.isin(row_of, missing_acc)):
            r = int(row_of[i])
            missing = [h for h, miss in ((who_h, no_who[i]), (when_h, no_when[i])) if miss]
            fld = "accepted_by" if no_who[i] else "accepted_date"
            if fld not in tbl.positions:
                fld = "treatment"
            problems.add(
                "warning",
                "acceptance_missing",
                *fill(
                    pair("workbook.acceptance_missing_one")
                    if len(missing) == 1
                    else pair("workbook.acceptance_missing_both"),
                    missing=tuple(f" {word} ".join(repr(x) for x in missing) for word in pair("workbook.and")),
                ),
                sheet=tbl.name,
                cell=cell_ref(tbl, fld, r),
                row=r,
                column=tbl.headers.get(fld, ""),
            )

        # Residual above inherent (any perspective).
        # (only where the inherent score could be computed: a blank likelihood is reported elsewhere)
        key = pd.MultiIndex.from_arrays([srow, scores["perspective"].cat.codes.to_numpy()])
        scored_inh = key[inh & scores["score"].notna().to_numpy()]
        res = (
            (scores["stage"] == "residual").to_numpy()
            & scores["residual_above_inherent"].to_numpy(dtype=bool)
            & key.isin(scored_inh)
        )
        for r in sorted(set(srow[res].tolist())):
            fld = next(
                (
                    f
                    for f in (
                        "residual_likelihood",
                        "residual_consequence_municipality",
                        "residual_consequence_data_subject",
                    )
                    if f in tbl.positions
                ),
                "likelihood",
            )
            problems.add(
                "warning",
                "residual_above_inherent",
                *pair("workbook.residual_higher"),
                sheet=tbl.name,
                cell=cell_ref(tbl, fld, r),
                row=r,
                column=tbl.headers.get(fld, ""),
            )

        # Computed score columns (often formulas) against the recomputed inherent score.
        for persp, fld in (("municipality", "risk_score_municipality"), ("data_subject", "risk_score_data_subject")):
            if fld not in risks.columns:
                continue
            sel = inh & (scores["perspective"] == persp).to_numpy()
            recomputed = pd.Series(scores["score"].to_numpy()[sel], index=srow[sel])
            cached = pd.Series(risks[fld].to_numpy(), index=row_of)
            both = cached.notna() & recomputed.reindex(cached.index).notna()
            differ = both & (cached != recomputed.reindex(cached.index)).fillna(False)
            header = tbl.headers[fld]
            for r in cached.index[differ.to_numpy(dtype=bool)]:
                got, want = int(cached[r]), int(recomputed[r])
                problems.add(
                    "warning",
                    "formula_mismatch",
                    *fill(pair("workbook.formula_mismatch"), header=header, got=got, want=want),
                    sheet=tbl.name,
                    cell=cell_ref(tbl, fld, int(r)),
                    row=int(r),
                    column=header,
                    value=got,
                )

    # Missing owners: a risk has an owner if it or its asset names one.
    asset_owner = assets.dropna(subset=["asset_id"]).drop_duplicates("asset_id").set_index("asset_id")["risk_owner"]
    inherited = risks["asset_id"].map(asset_owner)
    no_owner = (risks["owner"].isna() & inherited.isna()).to_numpy(dtype=bool, na_value=True)
    own_h = tbl.headers.get("owner", L.RISKS.column("owner").da)
    for i in np.flatnonzero(no_owner):
        r = int(row_of[i])
        problems.add(
            "warning",
            "missing_owner",
            *fill(pair("workbook.risk_without_owner"), header=own_h),
            sheet=tbl.name,
            cell=cell_ref(tbl, "owner", r),
            row=r,
            column=own_h,
        )

    # Deadlines before the round's assessment date on risks that are not closed.
    when = meta.get("assessment_date")
    if when is not None and "deadline" in tbl.positions:
        open_ = (risks["status"] != "closed").to_numpy(dtype=bool, na_value=True)
        late = (risks["deadline"] < pd.Timestamp(when)).to_numpy(dtype=bool, na_value=False) & open_
        header = tbl.headers["deadline"]
        for i in np.flatnonzero(late):
            r = int(row_of[i])
            d = risks["deadline"].iloc[i].strftime("%d-%m-%Y")
            problems.add(
                "warning",
                "deadline_passed",
                *fill(pair("workbook.deadline_passed"), deadline=d, when=when),
                sheet=tbl.name,
                cell=cell_ref(tbl, "deadline", r),
                row=r,
                column=header,
                value=d,
            )


def asset_rules(problems: Problems, tbl: Table, assets: pd.DataFrame) -> None:
    """Missing risk owners; assets with personal data but no data-subject consequences."""
    row_of = assets["source_row"].to_numpy()
    own_h = tbl.headers.get("risk_owner", L.ASSETS.column("risk_owner").da)
    for i in np.flatnonzero(assets["risk_owner"].isna().to_numpy()):
        r = int(row_of[i])
        problems.add(
            "warning",
            "missing_owner",
            *fill(pair("workbook.asset_without_owner"), header=own_h),
            sheet=tbl.name,
            cell=cell_ref(tbl, "risk_owner", r),
            row=r,
            column=own_h,
        )
    ds = [f"consequence_data_subject_{p}" for p in ("c", "i", "a")]
    no_ds = assets[ds].isna().all(axis=1).to_numpy()
    critical = assets["critical"].to_numpy(dtype=bool, na_value=False)
    personal = (assets["personal_data"].notna() & (assets["personal_data"] != "none")).to_numpy(
        dtype=bool, na_value=False
    )
    fld = next((f for f in ds if f in tbl.positions), "personal_data")
    # Every asset with personal data needs the data subjects' perspective too: one
    # assessment (the municipality's) is not enough.
    for i in np.flatnonzero(personal & no_ds):
        r = int(row_of[i])
        kind = assets["personal_data"].iloc[i]
        holds = pair("workbook.critical_and_holds") if critical[i] else pair("workbook.holds")
        problems.add(
            "warning",
            "no_data_subject_consequence",
            *fill(
                pair("workbook.no_data_subject_consequence"),
                holds=holds,
                kind=(L.label("personal_data", kind), L.label("personal_data", kind, "en")),
            ),
            sheet=tbl.name,
            cell=cell_ref(tbl, fld, r),
            row=r,
            column=tbl.headers.get(fld, ""),
        )
