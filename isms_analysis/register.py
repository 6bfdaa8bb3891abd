"""The scored risk register for the coordinator (``isms score FILE -o OUT.xlsx``).

One row per risk: asset, threat, owner, treatment, status and deadline, then for
each perspective (the municipality, the data subjects, and society when assessed)
the inherent and the residual consequence, likelihood, score and level side by
side. Level cells carry the matrix colour; the scoring flags are spelled out as
text. Further sheets: a heat map per perspective (number of risks per matrix cell,
inherent and residual), a legend (matrix, scales, treatment advice, flags) and the
problems the reader found. Levels and colours come from the matrix, never from
thresholds on the score.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from . import excel
from .assessment import Assessment
from .decisions import REASONS, STATUSES
from .decisions import decisions as decide
from .decisions import text as decision_text
from .layout import ASSETS, META, RISKS, THREATS
from .matrix import RiskMatrix
from .matrix import matrix as get_matrix
from .scoring import FLAGS, PERSPECTIVES, STAGES
from .text import check_lang, t

VALUES = ("consequence", "likelihood", "score", "level")
DECISION_HEADERS = ("decision_status", "decision_reason", "proposal")


def _c(key: str, lang: str) -> str:
    """A shared term (perspective, stage, flag, heading) from the catalogue's common namespace."""
    return t(f"common.{key}", lang)


def _base(assessment: Assessment, lang: str) -> pd.DataFrame:
    """The descriptive columns, one row per risk, with the layout's headers."""
    risks = assessment.risks
    assets = assessment.assets.drop_duplicates("asset_id").set_index("asset_id")
    threats = assessment.threats.drop_duplicates("threat_id").set_index("threat_id")
    h = {c.field: excel.header(c, lang) for c in RISKS.columns}
    return pd.DataFrame(
        {
            h["risk_id"]: risks["risk_id"],
            h["asset_id"]: risks["asset_id"],
            excel.header(ASSETS.column("name"), lang): risks["asset_id"].map(assets["name"]),
            h["threat_id"]: risks["threat_id"],
            excel.header(THREATS.column("name"), lang): risks["threat_id"].map(threats["name"]),
            excel.header(ASSETS.column("area"), lang): risks["asset_id"].map(assets["area"]),
            h["owner"]: risks["owner"],
            h["treatment"]: excel.display_column(risks["treatment"], RISKS.column("treatment"), lang),
            h["status"]: excel.display_column(risks["status"], RISKS.column("status"), lang),
            h["deadline"]: excel.display_column(risks["deadline"], RISKS.column("deadline"), lang),
        }
    ).reset_index(drop=True)


def perspectives_in(scores: pd.DataFrame) -> list[str]:
    present = set(scores["perspective"].astype("string").dropna())
    return [p for p in PERSPECTIVES if p in present]


def wide_scores(scores: pd.DataFrame, risk_ids: pd.Series, m: RiskMatrix, lang: str = "da") -> pd.DataFrame:
    """Consequence, likelihood, score, level and colour per risk, columns
    (perspective, stage, value), rows in the order of ``risk_ids``."""
    keys = ["risk_id", "perspective", "stage"]
    frame = scores[[*keys, *VALUES, "colour"]].astype({k: "string" for k in keys})
    if lang == "en":
        names = {lv.name_da: lv.name_en for lv in m.levels}
        frame["level"] = frame["level"].astype("string").map(names)
    frame = frame.astype({"level": "object", "colour": "object"}).drop_duplicates(keys)
    wide = frame.set_index(keys).unstack(["perspective", "stage"])
    wide.columns = wide.columns.reorder_levels([1, 2, 0])
    order = pd.MultiIndex.from_tuples(
        [(p, s, v) for p in perspectives_in(scores) for s in STAGES for v in (*VALUES, "colour")]
    )
    return wide.reindex(index=pd.Index(risk_ids.astype("string")), columns=order)


def flag_text(scores: pd.DataFrame, risk_ids: pd.Series, lang: str = "da") -> pd.Series:
    """The raised flags of each risk as readable text, e.g.
    "De registrerede: Meget høj konsekvens for de registrerede (iboende, rest)"."""
    keys = ["risk_id", "perspective", "stage"]
    flags = [f for f in FLAGS if f in scores.columns]
    long = scores[keys + flags].astype({k: "string" for k in keys}).melt(id_vars=keys, var_name="flag")
    long = long[long["value"].astype(bool)].copy()
    long["flag"] = pd.Categorical(long["flag"], categories=list(FLAGS))
    long["perspective"] = pd.Categorical(long["perspective"], categories=["", *PERSPECTIVES])
    long["stage"] = pd.Categorical(long["stage"], categories=["", *STAGES])
    long = long.drop_duplicates(keys + ["flag"]).sort_values(["risk_id", "perspective", "flag", "stage"])
    long["stage_text"] = long["stage"].astype("string").map(lambda s: _c(s, lang).lower() if s else "")
    per_flag = (
        long.groupby(["risk_id", "perspective", "flag"], observed=True, sort=False)["stage_text"]
        .agg(lambda s: ", ".join(x for x in s if x))
        .reset_index()
    )
    persp = per_flag["perspective"].astype("string").map(lambda p: f"{_c(p, lang)}: " if p else "")
    stages = per_flag["stage_text"].map(lambda s: f" ({s})" if s else "")
    per_flag["text"] = persp + per_flag["flag"].astype("string").map(lambda f: _c(f, lang)) + stages
    joined = per_flag.groupby("risk_id", sort=False)["text"].agg("; ".join)
    return joined.reindex(pd.Index(risk_ids.astype("string"))).fillna("").reset_index(drop=True)


def decision_columns(assessment: Assessment, scores: pd.DataFrame, m: RiskMatrix, lang: str = "da") -> pd.DataFrame:
    """Per risk (rows in the order of ``assessment.risks``): the decision status (the
    more serious of the perspectives: breach, then pending, then decided), the
    reason and the proposal, as text. A reason that differs between the
    perspectives is given per perspective. Closed risks are blank."""
    dec = decide(assessment, scores, matrix=m, lang=lang)
    ids = pd.Index(assessment.risks["risk_id"].astype("string"))
    if dec.empty:
        return pd.DataFrame({k: [""] * len(ids) for k in DECISION_HEADERS})
    dec = dec.assign(
        _rank=dec["status"].cat.codes,
        _persp=dec["perspective"].astype("string").map(lambda p: _c(p, lang)),
        _reason=dec["reason"].astype("string").map(lambda r: decision_text(r, lang)),
    )
    worst = dec.sort_values(["risk_id", "_rank"], kind="stable").groupby("risk_id", sort=False).head(1)
    status = worst.set_index("risk_id")["status"].astype("string").map(lambda k: decision_text(k, lang))

    def reasons(g: pd.DataFrame) -> str:
        if g["_reason"].nunique() == 1:
            return str(g["_reason"].iloc[0])
        return "; ".join(f"{p}: {r}" for p, r in zip(g["_persp"], g["_reason"], strict=True))

    def proposals(g: pd.DataFrame) -> str:
        return "; ".join(dict.fromkeys(str(x) for x in g["proposal"].dropna()))

    grouped = dec.groupby("risk_id", sort=False)[["_persp", "_reason", "proposal"]]
    out = pd.DataFrame(
        {
            "decision_status": status.reindex(ids),
            "decision_reason": grouped.apply(reasons).reindex(ids),
            "proposal": grouped.apply(proposals).reindex(ids),
        }
    )
    return out.fillna("").reset_index(drop=True)


def _write_register_sheet(
    ws: Worksheet, assessment: Assessment, scores: pd.DataFrame, m: RiskMatrix, lang: str
) -> None:
    base = _base(assessment, lang)
    wide = wide_scores(scores, assessment.risks["risk_id"], m, lang).reset_index(drop=True)
    flags = flag_text(scores, assessment.risks["risk_id"], lang)
    decided = decision_columns(assessment, scores, m, lang)
    groups = list(dict.fromkeys((p, s) for p, s, _ in wide.columns))
    value_cols = [(p, s, v) for p, s in groups for v in VALUES]
    sub = [_c(v, lang) for _ in groups for v in VALUES]
    shown = pd.concat(
        [base, pd.DataFrame(wide[value_cols].to_numpy(dtype=object), columns=range(len(value_cols)))], axis=1
    )
    for key in DECISION_HEADERS:
        shown[_c(key, lang)] = decided[key]
    shown[t("register.flags_header", lang)] = flags
    headers = [*base.columns, *sub, *(_c(k, lang) for k in DECISION_HEADERS), t("register.flags_header", lang)]
    nb = len(base.columns)

    # Row 1: groups (perspective - stage) over their four columns; row 2: headers.
    excel.style_header(ws, 1, 1, len(headers), colour=excel.HEADER_FILL)
    for k, (p, s) in enumerate(groups):
        first = nb + 1 + k * len(VALUES)
        excel.put(ws, 1, first, f"{_c(p, lang)} – {_c(s, lang).lower()}")
        ws.merge_cells(start_row=1, start_column=first, end_row=1, end_column=first + len(VALUES) - 1)
        ws.cell(row=1, column=first).alignment = Alignment(horizontal="center")
    for j, name in enumerate(headers, start=1):
        excel.put(ws, 2, j, name)
    excel.style_header(ws, 2, 1, len(headers))
    date_col = list(base.columns).index(excel.header(RISKS.column("deadline"), lang))
    last = excel.write_rows(ws, shown.itertuples(index=False, name=None), start_row=3, date_cols=[date_col], lang=lang)
    # Level cells in their matrix colour.
    for k, (p, s) in enumerate(groups):
        col = nb + 1 + k * len(VALUES) + VALUES.index("level")
        for r, colour in enumerate(wide[(p, s, "colour")].tolist(), start=3):
            if isinstance(colour, str) and colour:
                cell = ws.cell(row=r, column=col)
                cell.fill = excel.fill(colour)
                cell.font = excel.font_for(colour)
    ws.freeze_panes = "C3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(headers))}{max(last, 2)}"
    widths = pd.DataFrame(shown.to_numpy(dtype=object), columns=headers)
    excel.set_widths(ws, widths, maximum=50)
    for j in range(nb + 1, nb + len(sub) + 1):
        ws.column_dimensions[get_column_letter(j)].width = 13
    for j in range(nb + len(sub) + 1, nb + len(sub) + len(DECISION_HEADERS) + 1):
        ws.column_dimensions[get_column_letter(j)].width = 40
    ws.column_dimensions[get_column_letter(len(headers))].width = 70


def heat_counts(scores: pd.DataFrame, perspective: str, stage: str, m: RiskMatrix) -> np.ndarray:
    """Number of risks per (consequence, likelihood) cell, indexed [c - 1, l - 1]."""
    sel = scores[(scores["perspective"] == perspective) & (scores["stage"] == stage)]
    sel = sel.dropna(subset=["consequence", "likelihood"])
    counts = pd.crosstab(sel["consequence"].astype(int), sel["likelihood"].astype(int))
    counts = counts.reindex(index=range(1, m.n_consequence + 1), columns=range(1, m.n_likelihood + 1), fill_value=0)
    return counts.to_numpy()


def _write_heatmap(ws: Worksheet, scores: pd.DataFrame, perspective: str, m: RiskMatrix, lang: str) -> None:
    row = 1
    for stage in STAGES:
        counts = heat_counts(scores, perspective, stage, m)
        title = t(
            "register.heatmap_title",
            lang,
            perspective=_c(perspective, lang),
            stage=_c(stage, lang).lower(),
            n=int(counts.sum()),
        )
        row = excel.draw_matrix(ws, m, lang, start_row=row, values=counts, title=title) + 2


def _flag_explanations(m: RiskMatrix, lang: str) -> list[tuple[str, str]]:
    vh, vs = m.very_high_consequence, " / ".join(str(s) for s in m.very_high_scores)
    sc = m.screening_max_consequence
    hi = sc * m.n_likelihood
    fields = {"vh": vh, "vs": vs, "sc": sc, "hi": hi}
    return [(_c(f, lang), t(f"register.flag_{f}", lang, **fields)) for f in FLAGS]


def _write_legend(ws: Worksheet, assessment: Assessment, m: RiskMatrix, lang: str) -> None:
    meta = assessment.meta
    rows = [(excel.header(c, lang), meta.get(c.field)) for c in META.columns if c.field != "matrix"]
    rows.append((excel.header(META.column("matrix"), lang), m.name))
    if assessment.source.get("name"):
        rows.append((_c("file", lang), assessment.source["name"]))
    r = 1
    for name, value in rows:
        excel.put(ws, r, 1, name).font = Font(bold=True)
        if isinstance(value, (pd.Timestamp,)) or hasattr(value, "year"):
            excel.put(ws, r, 2, pd.Timestamp(value), excel.date_format(lang))
        else:
            excel.put(ws, r, 2, value)
        r += 1
    title = t("excel.matrix_title", lang, name=m.name)
    r = excel.draw_matrix(ws, m, lang, start_row=r + 1, title=title) + 2
    r = excel.draw_levels(ws, m, lang, start_row=r) + 2
    for heading, labels in (
        (_c("consequence", lang), m.consequence_labels(lang)),
        (_c("likelihood", lang), m.likelihood_labels(lang)),
    ):
        excel.put(ws, r, 1, heading)
        excel.put(ws, r, 2, "")
        excel.style_header(ws, r, 1, 2)
        for i, lab in enumerate(labels, start=1):
            excel.put(ws, r + i, 1, i)
            excel.put(ws, r + i, 2, lab)
        r += len(labels) + 2
    excel.put(ws, r, 1, t("register.flags_header", lang))
    excel.put(ws, r, 2, "")
    excel.style_header(ws, r, 1, 2)
    for i, (name, text) in enumerate(_flag_explanations(m, lang), start=1):
        excel.put(ws, r + i, 1, name).alignment = Alignment(wrap_text=True, vertical="top")
        excel.put(ws, r + i, 2, text).alignment = Alignment(wrap_text=True, vertical="top")
    r += len(FLAGS) + 2
    excel.put(ws, r, 1, _c("decision_status", lang))
    excel.put(ws, r, 2, _c("decision_reason", lang))
    excel.style_header(ws, r, 1, 2)
    rows_ = [
        (decision_text(st, lang), decision_text(rs, lang)) for st in STATUSES for rs, s_ in REASONS.items() if s_ == st
    ]
    for i, (name, text) in enumerate(rows_, start=1):
        excel.put(ws, r + i, 1, name).alignment = Alignment(wrap_text=True, vertical="top")
        excel.put(ws, r + i, 2, text).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 30


def _write_problems(ws: Worksheet, problems: pd.DataFrame | None, lang: str) -> None:
    cols = {
        "severity": t("register.severity", lang),
        "code": t("register.code", lang),
        "file": _c("file", lang),
        "sheet": t("register.sheet", lang),
        "cell": t("register.cell", lang),
        "value": _c("value", lang),
        "message": _c("message", lang),
    }
    p = problems if problems is not None else pd.DataFrame(columns=["severity"])
    if len(p) == 0:
        frame = pd.DataFrame({cols["message"]: [t("register.no_problems", lang)]})
    else:
        frame = pd.DataFrame(
            {
                cols["severity"]: p["severity"].astype("string").map(lambda s: _c(s, lang)),
                **{cols[k]: p[k] if k in p.columns else None for k in ("code", "file", "sheet", "cell", "value")},
                cols["message"]: p[f"message_{lang}"],
            }
        ).reset_index(drop=True)
    excel.write_table(ws, frame, lang=lang)


def _only_scored(assessment: Assessment, scores: pd.DataFrame) -> Assessment:
    """The assessment with only the risks of ``scores`` when ``scores`` was filtered."""
    rows = scores.attrs.get("rows")
    if rows is None or rows == len(scores):
        return assessment
    keep = assessment.risks["risk_id"].astype("string").isin(scores["risk_id"].astype("string").unique())
    return replace(assessment, risks=assessment.risks[keep.to_numpy(dtype=bool, na_value=False)].reset_index(drop=True))


def write_register(
    assessment: Assessment,
    scores: pd.DataFrame,
    path: str | Path,
    lang: str = "da",
    matrix: str | Path | RiskMatrix = "kl",
) -> Path:
    """Write the scored register (``scores`` from :func:`isms_analysis.score` with
    the same ``matrix``) as an Excel workbook for the coordinator.

    A filtered ``scores`` frame (fewer rows than :func:`~isms_analysis.score` or
    :func:`~isms_analysis.rescore` returned, e.g. one area) writes only the risks it
    holds; the unfiltered frame writes every risk of the assessment, scored or not."""
    check_lang(lang)
    m = get_matrix(matrix)
    assessment = _only_scored(assessment, scores)
    wb = excel.new_workbook()
    _write_register_sheet(wb.create_sheet(t("register.sheet_register", lang)), assessment, scores, m, lang)
    for p in perspectives_in(scores):
        _write_heatmap(wb.create_sheet(t(f"register.sheet_heatmap_{p}", lang)), scores, p, m, lang)
    _write_legend(wb.create_sheet(t("register.sheet_legend", lang)), assessment, m, lang)
    from .activities import write_inherited_sheet

    write_inherited_sheet(wb, assessment, lang)  # KL's shared processing activities, when used
    _write_problems(wb.create_sheet(t("register.sheet_problems", lang)), assessment.problems, lang)
    stamp = assessment.meta.get("assessment_date")
    try:
        ts = pd.Timestamp(stamp)
        ts = None if pd.isna(ts) else ts.to_pydatetime().replace(tzinfo=None)
    except (TypeError, ValueError):
        ts = None
    return excel.save(wb, path, ts)


__all__ = ["flag_text", "heat_counts", "wide_scores", "write_register"]
