"""The committee report's reading order as pure functions: what changed, what the
committee is asked to decide, the escalations, the threat picture.

The section tables (:mod:`isms_analysis.sections`) hold every fact in the order the
data came; this module turns the facts into a document the committee acts on:

- :func:`summary_facts` and :func:`round_figures`: the facts behind the summary
  sentences and the key figures (changes since the previous round, risks above
  tolerance and where, overdue deadlines, what awaits a decision);
- :func:`decision_table` (the pending items, numbered as in the recommendation);
- :func:`escalations` and :func:`change_list`: the changes since the previous round,
  escalations first (all of them, most serious first), then new, closed and
  de-escalated risks with the attribution;
- :func:`recurring_threats` and :func:`levels_by_area`: the threat picture (which
  threats recur across assets, with the highest and typical residual level).

Every function takes frames and returns a frame or a dict of facts; the levels come
from the matrix (never hard-coded). Column headings are Danish by default, English with
``lang="en"``. The sentences made from these facts (summary, recommendation, key
figures with numbers and dates as the reader writes them) are rendering:
:mod:`isms_analysis.render.committee_text`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .assessment import Assessment
from .decisions import text as decision_text
from .matrix import RiskMatrix
from .text import t


def _levels(scores: pd.DataFrame, m: RiskMatrix) -> pd.DataFrame:
    from .sections import levelled

    return levelled(scores, m)


def open_residual(scores: pd.DataFrame, m: RiskMatrix) -> pd.DataFrame:
    """The residual rows of risks that are not closed, levelled with ``m``."""
    s = _levels(scores, m)
    status = s["status"].astype("string").str.strip().str.casefold() if "status" in s else pd.Series("", index=s.index)
    keep = (s["stage"].astype("string") == "residual") & (status.fillna("") != "closed")
    return s[keep.to_numpy(bool)]


# -- decisions ---------------------------------------------------------------------------
def decision_rows(all_dec: pd.DataFrame, status: str) -> pd.DataFrame:
    rows = all_dec[(all_dec["status"].astype("string") == status) & (all_dec["reason"].astype("string") != "round_approval")]
    codes = rows["level"].cat.codes if isinstance(rows["level"].dtype, pd.CategoricalDtype) else 0
    return (
        rows.assign(_lv=codes)
        .sort_values(["_lv", "score", "risk_id"], ascending=[False, False, True], kind="stable")
        .drop(columns="_lv")
        .reset_index(drop=True)
    )


def level_labels(values: pd.Series, m: RiskMatrix | None, lang: str = "da") -> np.ndarray:
    """Level values (identifiers, Danish or English names) as the matrix's names in ``lang``."""
    s = values.astype("string")
    if m is None:
        return s.fillna("").to_numpy(dtype=object)
    names = {}
    for lv in m.levels:
        names.update({lv.key: lv.name(lang), lv.name_da: lv.name(lang), lv.name_en: lv.name(lang)})
    return s.map(names).fillna(s).fillna("").to_numpy(dtype=object)


def decision_table(all_dec: pd.DataFrame, assessment: Assessment, status: str = "pending", *,
                   lang: str = "da", matrix: RiskMatrix | None = None) -> pd.DataFrame:  # fmt: skip
    """The rows of :func:`isms_analysis.decisions.decisions` with ``status`` (pending
    items other than the round's approval, or breaches), most serious level first,
    as a display table: number (pending only, as in the recommendation), risk, asset,
    area, perspective, level, tolerance, reason and proposal."""
    from .sections import risk_info

    rows = decision_rows(all_dec, status)
    ri = risk_info(assessment).set_index("risk_id").reindex(rows["risk_id"].astype("string"))
    out = pd.DataFrame(
        {
            t("committee.risk", lang): rows["risk_id"].astype("string").to_numpy(),
            t("common.asset", lang): ri["asset"].fillna(pd.Series(rows["asset_id"].astype("string").to_numpy(), index=ri.index)).to_numpy(),
            t("common.area", lang): rows["area"].astype("string").to_numpy(),
            t('common.perspective', lang): rows["perspective"].astype("string").map(lambda p: t(f"common.{p}", lang)).to_numpy(),
            t("common.level", lang): level_labels(rows["level"], matrix, lang),
            t("common.tolerance", lang): level_labels(rows["tolerance"], matrix, lang),
            t("common.reason", lang): rows["reason"].astype("string").map(lambda k: decision_text(k, lang)).to_numpy(),
            t("common.proposal", lang): rows["proposal"].astype("string").to_numpy(),
        }
    )
    if status == "pending":
        out.insert(0, t("common.number", lang), np.arange(1, len(out) + 1, dtype=np.int64))
    return out


def decided_counts(all_dec: pd.DataFrame, lang: str = "da") -> pd.DataFrame:
    """The decided rows counted per reason (only reasons that occur)."""
    rows = all_dec[all_dec["status"].astype("string") == "decided"]
    counts = rows["reason"].astype("string").value_counts()
    from .decisions import REASONS

    order = [r for r, st in REASONS.items() if st == "decided" and counts.get(r, 0)]
    return pd.DataFrame(
        {
            t("common.reason", lang): [decision_text(r, lang) for r in order],
            t("common.count", lang): np.array([int(counts[r]) for r in order], dtype=np.int64),
        }
    )


def decided_table(all_dec: pd.DataFrame, assessment: Assessment, lang: str = "da",
                  matrix: RiskMatrix | None = None) -> pd.DataFrame:  # fmt: skip
    """The decided rows (for the appendix), most serious level first."""
    return decision_table(all_dec, assessment, "decided", lang=lang, matrix=matrix).drop(columns=[t("common.proposal", lang)])


# -- summary -----------------------------------------------------------------------------
def above_tolerance_by_area(scores: pd.DataFrame, m: RiskMatrix) -> pd.Series:
    """Distinct risks above tolerance after treatment (either perspective) per area,
    most first (ties by area name)."""
    r = open_residual(scores, m)
    r = r[r["above_tolerance"].fillna(False).to_numpy(bool)]
    counts = r.drop_duplicates("risk_id").groupby(r["area"].astype("string").fillna("–"), observed=True).size()
    counts = counts.rename_axis("area").reset_index(name="n")
    counts = counts.sort_values(["n", "area"], ascending=[False, True], kind="stable")
    return pd.Series(counts["n"].to_numpy(dtype=np.int64), index=counts["area"].to_numpy(), name="risks")


def highest_levels(scores: pd.DataFrame, m: RiskMatrix) -> pd.Series:
    """Distinct risks per residual level (the higher of the two perspectives), in the
    matrix's level order, for the levels that call for treatment."""
    r = open_residual(scores, m)
    codes = r.groupby(r["risk_id"].astype("string"), observed=True)["level"].agg(
        lambda s: int(s.cat.codes.max())
    )
    names = m.level_names("da")
    treat = [i for i, lv in enumerate(m.levels) if lv.treatment in ("should_treat", "must_treat")]
    return pd.Series([int((codes == i).sum()) for i in treat], index=[names[i] for i in treat], dtype=np.int64)


def change_totals(comparison: pd.DataFrame | None) -> dict[str, int] | None:
    """Distinct risks per kind of change at the residual stage (a risk counts once:
    escalated if it rose in either perspective, else de-escalated if it fell)."""
    if comparison is None:
        return None
    c = comparison[comparison["stage"].astype("string") == "residual"]
    ch = c["change"].astype("string")
    up = set(c.loc[(ch == "escalated").to_numpy(bool), "risk_id"].astype(str))
    down = set(c.loc[(ch == "de-escalated").to_numpy(bool), "risk_id"].astype(str)) - up
    new = set(c.loc[(ch == "new").to_numpy(bool), "risk_id"].astype(str))
    closed = set(c.loc[(ch == "closed").to_numpy(bool), "risk_id"].astype(str)) - new
    return {"up": len(up), "down": len(down), "new": len(new), "closed": len(closed)}


def summary_facts(
    assessment: Assessment,
    scores: pd.DataFrame,
    m: RiskMatrix,
    *,
    comparison: pd.DataFrame | None,
    previous_round: str | None,
    overdue_risks: int,
    overdue_actions: int,
    as_of: Any,
) -> dict[str, Any]:
    """The facts the summary sentences are made of (plain numbers and labels)."""
    return {
        "assets": int(assessment.assets["asset_id"].nunique()),
        "risks": int(scores["risk_id"].nunique()),
        "changes": change_totals(comparison),
        "previous_round": previous_round,
        "above_by_area": above_tolerance_by_area(scores, m),
        "highest": highest_levels(scores, m),
        "overdue_risks": int(overdue_risks),
        "overdue_actions": int(overdue_actions),
        "as_of": as_of,
        "level_names": dict(zip(m.level_names("da"), m.level_names("en"), strict=True)),
    }


def round_figures(assessment: Assessment, scores: pd.DataFrame, m: RiskMatrix, lang: str = "da") -> dict[str, int]:
    """The key figures of one round that can be compared between rounds."""
    out = {
        t("committee.kf_assets", lang): int(assessment.assets["asset_id"].nunique()),
        t("committee.kf_risks", lang): int(scores["risk_id"].nunique()),
        t("committee.kf_above", lang): int(above_tolerance_by_area(scores, m).sum()),
    }
    hl = highest_levels(scores, m)
    names = dict(zip(m.level_names("da"), m.level_names(lang), strict=True))
    for lv, v in list(hl.items())[::-1]:
        out[t("committee.kf_level", lang).format(level=names[lv])] = int(v)
    return out


# -- changes since the previous round ------------------------------------------------------
Levels = RiskMatrix | Sequence[str]  # a matrix, or the (Danish) level names lowest first


def _level_order(m: Levels) -> dict[str, int]:
    names = m.level_names("da") if isinstance(m, RiskMatrix) else list(m)
    return {name: i for i, name in enumerate(names)}


def escalations(comparison: pd.DataFrame, m: Levels) -> pd.DataFrame:
    """Every residual row whose level rose, most serious first: level now (highest
    first), then the number of steps, the score now, the risk ID."""
    c = comparison[(comparison["stage"].astype("string") == "residual")
                   & (comparison["change"].astype("string") == "escalated")]  # fmt: skip
    order = _level_order(m)
    c = c.assign(_now=c["level_new"].astype("string").map(order).fillna(-1).astype(np.int64),
                 _steps=c["level_change"].fillna(0).astype(np.int64))  # fmt: skip
    c = c.sort_values(["_now", "_steps", "score_new", "risk_id"], ascending=[False, False, False, True], kind="stable")
    return c.drop(columns=["_now", "_steps"]).reset_index(drop=True)


def change_list(comparison: pd.DataFrame, kind: str, m: Levels) -> pd.DataFrame:
    """The residual rows of one kind of change (new, closed, de-escalated), most
    serious first (for closed risks: the level they had); a new or closed risk once,
    with its more serious perspective."""
    c = comparison[(comparison["stage"].astype("string") == "residual")
                   & (comparison["change"].astype("string") == kind)]  # fmt: skip
    col = "level_old" if kind == "closed" else "level_new"
    order = _level_order(m)
    c = c.assign(_lv=c[col].astype("string").map(order).fillna(-1).astype(np.int64))
    score = "score_old" if kind == "closed" else "score_new"
    c = c.sort_values(["_lv", score, "risk_id"], ascending=[False, False, True], kind="stable")
    if kind in ("new", "closed"):  # one row per risk: its more serious perspective
        c = c.drop_duplicates("risk_id")
    return c.drop(columns="_lv").reset_index(drop=True)


def change_display(rows: pd.DataFrame, m: RiskMatrix | dict[str, str], lang: str = "da") -> pd.DataFrame:
    """Rows of a comparison as a display table: risk, asset, area, perspective, level
    before → now, score before → now and the cause ("Sandsynlighed 2 → 3"). ``m``: the
    matrix, or a mapping from the stored (Danish) level names to the ones to show."""
    names = {lv.name_da: lv.name(lang) for lv in m.levels} if isinstance(m, RiskMatrix) else dict(m)

    def shown(values: pd.Series) -> pd.Series:
        s = values.astype("string")
        return s.map(names).fillna(s).fillna("–").astype(object)

    def arrow(old: pd.Series, new: pd.Series) -> np.ndarray:
        return (shown(old) + " → " + shown(new)).to_numpy(dtype=object)

    asset = rows["asset_name"] if "asset_name" in rows.columns else rows["asset_id"]
    return pd.DataFrame(
        {
            t("committee.risk", lang): rows["risk_id"].astype("string").to_numpy(),
            t("common.asset", lang): asset.astype("string").to_numpy(),
            t("common.area", lang): rows["area"].astype("string").to_numpy() if "area" in rows else "",
            t('common.perspective', lang): rows["perspective"].astype("string").map(lambda p: t(f"common.{p}", lang)).to_numpy(),
            t("committee.level_change", lang): arrow(rows["level_old"], rows["level_new"]),
            t("committee.score_change", lang): arrow(rows["score_old"].astype("Int64").astype("string"),
                                           rows["score_new"].astype("Int64").astype("string")),  # fmt: skip
            t("committee.why", lang): rows["reason"].astype("string").fillna("").to_numpy(),
        }
    )


# -- threat picture ----------------------------------------------------------------------
def recurring_threats(
    scores: pd.DataFrame,
    assessment: Assessment,
    m: RiskMatrix,
    *,
    min_assets: int = 2,
    lang: str = "da",
) -> pd.DataFrame:
    """The threats that recur across assets (at least ``min_assets``), for the
    playbook's question which threats seem most obvious: per threat the number of
    assets and risks, how many are above tolerance, and the highest and typical
    (median) residual level of its risks, each risk at the higher of its two
    perspectives. Open risks only; most serious first (highest level, then typical
    level, then the number of assets)."""
    r = open_residual(scores, m)
    per_risk = (
        r.assign(_code=r["level"].cat.codes.to_numpy(), _above=r["above_tolerance"].fillna(False).to_numpy(bool))
        .groupby(r["risk_id"].astype("string"), observed=True)
        .agg(threat_id=("threat_id", "first"), asset_id=("asset_id", "first"), code=("_code", "max"),
             above=("_above", "any"))  # fmt: skip
    )
    g = per_risk.groupby(per_risk["threat_id"].astype("string"), observed=True)
    out = pd.DataFrame(
        {
            "assets": g["asset_id"].nunique(),
            "risks": g.size(),
            "above": g["above"].sum().astype(np.int64),
            "highest": g["code"].max(),
            "typical": g["code"].quantile(0.5, interpolation="lower").astype(np.int64),
        }
    )
    out = out[out["assets"] >= min_assets]
    out = out.sort_values(["highest", "typical", "assets"], ascending=[False, False, False], kind="stable")
    th = assessment.threats.drop_duplicates("threat_id").set_index(assessment.threats.drop_duplicates("threat_id")["threat_id"].astype("string"))
    names = m.level_names(lang)
    return pd.DataFrame(
        {
            t("common.threat", lang): th["name"].reindex(out.index).astype("string").fillna(pd.Series(out.index, index=out.index)).to_numpy(),
            t("common.category", lang): (th["category"].reindex(out.index).astype("string").fillna("").to_numpy()
                                  if "category" in th else ""),  # fmt: skip
            t("committee.assets_n", lang): out["assets"].to_numpy(dtype=np.int64),
            t("committee.risks_n", lang): out["risks"].to_numpy(dtype=np.int64),
            t("committee.above_n", lang): out["above"].to_numpy(dtype=np.int64),
            t("committee.highest", lang): [names[i] for i in out["highest"]],
            t("committee.typical", lang): [names[i] for i in out["typical"]],
        }
    ).reset_index(drop=True)


def levels_by_area(scores: pd.DataFrame, m: RiskMatrix, perspective: str, lang: str = "da") -> pd.DataFrame:
    """Open risks per area and residual level in one perspective (every level of the
    matrix a column, a total), areas with the most risks at the top levels first."""
    r = open_residual(scores, m)
    r = r[r["perspective"].astype("string") == perspective]
    names = m.level_names("da")
    table = pd.crosstab(r["area"].astype("string").fillna("–"), r["level"].astype("string"))
    table = table.reindex(columns=names, fill_value=0).astype(np.int64)
    table = table.sort_values(names[::-1], ascending=False, kind="stable")
    out = pd.DataFrame({t('common.area', lang): table.index.to_numpy(dtype=object)})
    for da_name, shown in zip(names, m.level_names(lang), strict=True):
        out[shown] = table[da_name].to_numpy()
    out[t("common.total", lang)] = table.sum(axis=1).to_numpy()
    return out
