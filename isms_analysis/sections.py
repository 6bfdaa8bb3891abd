"""The quarterly committee report's tables, section by section, as DataFrames.

KL's playbook has the information security committee accept risks, approve the
risk assessment and follow the action plan. Each function here turns the scored
frame (:func:`isms_analysis.score`) plus the :class:`Assessment` (names, owners,
deadlines) into one section of that report: key figures, the decisions the
committee must take, the top risks, the two perspectives side by side, treatment
and action plan, data quality and an appendix describing the method.

Rules implemented here:

- levels and their treatment classes come from the :class:`RiskMatrix` (a risk
  "should or must be treated" when its level's class is ``should_treat`` or
  above) -- no score thresholds are written in this module;
- the committee's decisions come from one rule set, :func:`isms_analysis.decisions`
  (the current, residual risk of each open risk per perspective): the pending
  items and the breaches are listed, the decided ones counted, and the risks within
  tolerance that await the round's approval are one item;
- a risk is counted once per perspective; the municipality's and the data
  subjects' scores are never mixed into one number except "the highest of the two"
  used to rank the top risks.

Every function returns a DataFrame with Danish headings by default (English with
``lang="en"``); :mod:`isms_analysis.render.committee_report` renders them (all text
from workbooks HTML-escaped there). No HTML, figures or file reading here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .assessment import Assessment
from .decisions import committee_items, decision_summary
from .decisions import decisions as _decide
from .decisions import text as decision_text
from .layout import RISK_STATUSES, TREATMENTS
from .matrix import TREATMENT_CLASSES, RiskMatrix, resolve_matrix
from .matrix import matrix as get_matrix
from .scoring import rescore
from .text import t


# -- helpers ---------------------------------------------------------------------------
def levelled(scores: pd.DataFrame, m: RiskMatrix) -> pd.DataFrame:
    """The frame with levels from ``m`` (rescored when it was levelled with another matrix)."""
    if list(scores["level"].cat.categories) != m.level_names("da"):
        return rescore(scores, m)
    return scores


def _level_codes(scores: pd.DataFrame) -> np.ndarray:
    return scores["level"].cat.codes.to_numpy()


def _level_names(codes: Any, m: RiskMatrix, lang: str) -> pd.Categorical:
    codes = np.asarray(codes, dtype=np.int64)
    return pd.Categorical.from_codes(np.where(codes >= 0, codes, -1), dtype=m.level_dtype(lang))


def _vocab_labels(values: pd.Series, vocabulary: dict[str, tuple[str, str]], lang: str, blank: str = "") -> pd.Series:
    mapping = {k: (en if lang == "en" else da) for k, (da, en) in vocabulary.items()}
    s = values.astype("string")
    return s.map(mapping).fillna(s).fillna(blank).astype("string")


def _perspective_labels(values: pd.Series, lang: str) -> pd.Series:
    s = values.astype("string")
    return s.map({p: t(f"common.{p}", lang) for p in ("municipality", "data_subject", "society")}).astype("string")


def _date_text(values: pd.Series) -> pd.Series:
    d = pd.to_datetime(values, errors="coerce")
    return d.dt.strftime("%Y-%m-%d").astype("string")


def risk_info(assessment: Assessment) -> pd.DataFrame:
    """One row per risk: asset and threat names, area, owner (the risk's own, else the
    asset's risk owner), treatment, status, deadline, controls and acceptance."""
    r = assessment.risks
    a = assessment.assets.drop_duplicates("asset_id").set_index("asset_id")
    th = assessment.threats.drop_duplicates("threat_id").set_index("threat_id")
    owner = r["owner"].astype("string").str.strip().replace("", pd.NA)
    asset_owner = r["asset_id"].map(a["risk_owner"]).astype("string")
    return pd.DataFrame(
        {
            "risk_id": r["risk_id"].astype("string"),
            "asset_id": r["asset_id"].astype("string"),
            "asset": r["asset_id"].map(a["name"]).astype("string"),
            "asset_type": r["asset_id"].map(a["type"]).astype("string"),
            "threat": r["threat_id"].map(th["name"]).astype("string"),
            "area": r["asset_id"].map(a["area"]).astype("string"),
            "owner": owner.fillna(asset_owner),
            "treatment": r["treatment"].astype("string").str.strip().str.casefold(),
            "status": r["status"].astype("string").str.strip().str.casefold(),
            "deadline": r["deadline"],
            "controls": r["controls"].astype("string"),
            "accepted_by": r["accepted_by"].astype("string"),
            "accepted_date": r["accepted_date"],
        }
    ).drop_duplicates("risk_id")


def per_risk(scores: pd.DataFrame) -> pd.DataFrame:
    """Wide frame, one row per risk: score and level code per perspective and stage
    (``score_municipality_inherent``, ``level_data_subject_residual`` ...; level codes
    index the matrix's levels, -1 where the perspective does not apply)."""
    s = scores.assign(
        risk_id=scores["risk_id"].astype("string"),
        perspective=scores["perspective"].astype("string"),
        stage=scores["stage"].astype("string"),
        level_code=_level_codes(scores),
        score=scores["score"].astype("Int16"),
    )
    wide = s.set_index(["risk_id", "perspective", "stage"])[["score", "level_code"]].unstack(["perspective", "stage"])
    wide.columns = [f"{v.replace('_code', '')}_{p}_{st}" for v, p, st in wide.columns]
    for p in ("municipality", "data_subject"):
        for st in ("inherent", "residual"):
            if f"score_{p}_{st}" not in wide.columns:
                wide[f"score_{p}_{st}"] = pd.array([pd.NA] * len(wide), dtype="Int16")
                wide[f"level_{p}_{st}"] = -1
    for c in wide.columns:
        if c.startswith("level_"):
            wide[c] = wide[c].fillna(-1).astype(np.int64)
    order = pd.Index(scores["risk_id"].astype("string").unique())
    return wide.reindex(order).rename_axis("risk_id").reset_index()


# -- key figures ------------------------------------------------------------------------
def _counts(scores: pd.DataFrame, m: RiskMatrix) -> pd.DataFrame:
    codes = _level_codes(scores)
    frame = pd.DataFrame(
        {
            "perspective": scores["perspective"].astype("string").to_numpy(),
            "stage": scores["stage"].astype("string").to_numpy(),
            "level": codes,
        }
    )
    frame = frame[frame["level"] >= 0]
    counts = frame.groupby(["perspective", "stage", "level"]).size().unstack("level", fill_value=0)
    counts = counts.reindex(columns=range(len(m.levels)), fill_value=0)
    present = [p for p in ("municipality", "data_subject", "society") if (frame["perspective"] == p).any()]
    index = pd.MultiIndex.from_product([present, ["inherent", "residual"]], names=["perspective", "stage"])
    return counts.reindex(index, fill_value=0).astype(np.int64)


def key_figures(
    scores: pd.DataFrame,
    previous: pd.DataFrame | None = None,
    *,
    matrix: str | Path | RiskMatrix | None = None,
    lang: str = "da",
) -> pd.DataFrame:
    """Count of risks per level, one row per perspective x stage (inherent, residual),
    with a total; with ``previous`` (the previous round's scores) also the change
    per level and in total ("Δ ..." columns)."""
    m = resolve_matrix(scores, matrix)
    scores = levelled(scores, m)
    counts = _counts(scores, m)
    names = m.level_names(lang)
    out = pd.DataFrame(
        {
            t('common.perspective', lang): [t(f"common.{p}", lang) for p in counts.index.get_level_values(0)],
            t('common.stage', lang): [t(f"common.{s}", lang) for s in counts.index.get_level_values(1)],
        }
    )
    values = counts.to_numpy()
    for i, name in enumerate(names):
        out[name] = values[:, i]
    out[t("common.total", lang)] = values.sum(axis=1)
    if previous is not None:
        prev = _counts(levelled(previous, m), m).reindex(counts.index, fill_value=0).to_numpy()
        diff = values - prev
        for i, name in enumerate(names):
            out[f"Δ {name}"] = diff[:, i]
        out[f"Δ {t('common.total', lang)}"] = diff.sum(axis=1)
    return out


def headline(
    scores: pd.DataFrame,
    assessment: Assessment,
    *,
    matrix: str | Path | RiskMatrix | None = None,
    as_of: Any = None,
    lang: str = "da",
) -> pd.DataFrame:
    """A few numbers for the top of the report: assets, risks, the committee's pending
    items and breaches (as in the decisions section), overdue risks."""
    items = committee_items(all_decisions(scores, assessment, matrix=matrix, as_of=as_of, lang=lang))
    od = overdue(scores, assessment, as_of=as_of, matrix=matrix, lang=lang)
    rows = [
        (t("report.assets", lang), int(assessment.assets["asset_id"].nunique())),
        (t("common.risks", lang), int(scores["risk_id"].nunique())),
        (t("report.cases_pending", lang), items["pending"]),
        (t("report.cases_breach", lang), items["breaches"]),
        (t("report.risks_overdue", lang), len(od)),
    ]
    return pd.DataFrame(rows, columns=[t("common.field", lang), t("common.count", lang)])


# -- decisions ---------------------------------------------------------------------------
# The committee's list comes from isms_analysis.decisions (one rule set): the pending
# items and the breaches are listed, the decided ones only counted, and the risks
# within tolerance that await the round's approval are one approval item.
DECISION_KINDS = ("breach", "pending")


def all_decisions(
    scores: pd.DataFrame,
    assessment: Assessment,
    *,
    matrix: str | Path | RiskMatrix | None = None,
    as_of: Any = None,
    lang: str = "da",
) -> pd.DataFrame:
    """:func:`isms_analysis.decisions` for the report's round (one row per open or
    in-progress risk x perspective; English keys in ``status`` and ``reason``)."""
    m = resolve_matrix(scores, matrix)
    day = as_of_day(as_of, assessment) if as_of is not None else None
    return _decide(assessment, levelled(scores, m), as_of=day, lang=lang, matrix=m)


def decisions(
    scores: pd.DataFrame,
    assessment: Assessment,
    *,
    matrix: str | Path | RiskMatrix | None = None,
    as_of: Any = None,
    lang: str = "da",
) -> pd.DataFrame:
    """The committee's list: the breaches, then the pending items other than the
    round's approval, one row per risk x perspective, most serious level first.
    Columns: decision (status), reason, proposal, risk ID, asset, area, perspective,
    level, tolerance, score, treatment, owner, accepted by, review date, deadline."""
    m = resolve_matrix(scores, matrix)
    dec = all_decisions(scores, assessment, matrix=m, as_of=as_of, lang=lang)
    listed = dec[dec["status"].isin(DECISION_KINDS) & (dec["reason"] != "round_approval")]
    listed = listed.assign(
        _kind=listed["status"].astype("string").map({k: i for i, k in enumerate(DECISION_KINDS)}),
        _level=listed["level"].cat.codes,
    ).sort_values(["_kind", "_level", "score", "risk_id"], ascending=[True, False, False, True], kind="stable")
    ri = risk_info(assessment).set_index("risk_id").reindex(listed["risk_id"])
    out = pd.DataFrame(
        {
            t("report.decision", lang): listed["status"].astype("string").map(lambda k: decision_text(k, lang)).to_numpy(),
            t("common.reason", lang): listed["reason"].astype("string").map(lambda k: decision_text(k, lang)).to_numpy(),
            t("common.proposal", lang): listed["proposal"].to_numpy(),
            t("common.risk_id", lang): listed["risk_id"].to_numpy(),
            t("common.asset", lang): ri["asset"].to_numpy(),
            t("common.area", lang): ri["area"].to_numpy(),
            t("common.perspective", lang): _perspective_labels(listed["perspective"], lang).to_numpy(),
            t("common.level", lang): _level_names(listed["level"].cat.codes.to_numpy(), m, lang),
            t("common.tolerance", lang): _level_names(listed["tolerance"].cat.codes.to_numpy(), m, lang),
            t("common.score", lang): listed["score"].astype("Int16").to_numpy(),
            t("common.treatment", lang): _vocab_labels(ri["treatment"], TREATMENTS, lang).to_numpy(),
            t("common.owner", lang): listed["owner"].to_numpy(),
            t("report.accepted_by", lang): listed["accepted_by"].to_numpy(),
            t("report.review_date", lang): _date_text(listed["review_date"]).to_numpy(),
            t("common.deadline", lang): _date_text(listed["deadline"]).to_numpy(),
        }
    )
    return out.reset_index(drop=True)


def decision_counts(all_decisions_frame: pd.DataFrame, lang: str = "da") -> pd.DataFrame:
    """Cases per status and reason (every reason listed, zero included), counted per
    risk x perspective -- except the round's approval, which is one case however many
    risks it covers (the reason says how many)."""
    summary = decision_summary(all_decisions_frame, lang)
    approval = summary["reason"] == "round_approval"
    n = int(summary.loc[approval, "count"].sum())
    summary.loc[approval, "label"] = (t("report.round_approval_item", lang, n=n) if n else t("report.round_approved_item", lang))
    summary.loc[approval, "count"] = 1 if n else 0
    return pd.DataFrame(
        {
            t("report.decision", lang): summary["status"].map(lambda k: decision_text(k, lang)),
            t("common.reason", lang): summary["label"],
            t("common.count", lang): summary["count"].astype(np.int64),
        }
    )


MAX_ROWS = 15  # default cap of the report's detail tables (the register has them all)


def decision_details(
    decisions_frame: pd.DataFrame, per_kind: int = MAX_ROWS, lang: str = "da"
) -> list[tuple[str, str, pd.DataFrame, int]]:
    """The committee's list split into breaches and pending items, for reading in a
    meeting: per kind present, its key, its label, its ``per_kind`` most serious rows
    (the order of :func:`decisions`) without the decision column, and how many rows
    are not shown."""
    col = t("report.decision", lang)
    out = []
    for kind in DECISION_KINDS:
        label = decision_text(kind, lang)
        rows = decisions_frame[decisions_frame[col] == label] if len(decisions_frame) else decisions_frame
        if len(rows) == 0:
            continue
        shown = rows.head(max(int(per_kind), 0)).drop(columns=col).reset_index(drop=True)
        out.append((kind, label, shown, len(rows) - len(shown)))
    return out


# -- top risks ---------------------------------------------------------------------------
def _highest(wide: pd.DataFrame, stage: str) -> tuple[np.ndarray, np.ndarray]:
    """Per risk, the higher (level, then score) of the two perspectives at ``stage``."""
    lm = wide[f"level_municipality_{stage}"].to_numpy()
    ld = wide[f"level_data_subject_{stage}"].to_numpy()
    sm = wide[f"score_municipality_{stage}"].fillna(0).to_numpy(dtype=np.int64)
    sd = wide[f"score_data_subject_{stage}"].fillna(0).to_numpy(dtype=np.int64)
    take_ds = (ld > lm) | ((ld == lm) & (sd > sm))
    return np.where(take_ds, ld, lm), np.where(take_ds, sd, sm)


def top_risks(
    scores: pd.DataFrame,
    assessment: Assessment,
    n: int = 20,
    *,
    matrix: str | Path | RiskMatrix | None = None,
    lang: str = "da",
) -> pd.DataFrame:
    """The ``n`` largest risks, ordered by the higher of the two perspectives'
    inherent level (then score, then the residual level), with both scores, the risk
    owner, the treatment, the residual level (higher of the two) and the deadline."""
    m = resolve_matrix(scores, matrix)
    wide = per_risk(levelled(scores, m))
    lvl, sc = _highest(wide, "inherent")
    rlvl, rsc = _highest(wide, "residual")
    wide = wide.assign(_lvl=lvl, _sc=sc, _rlvl=rlvl, _rsc=rsc)
    wide = wide.sort_values(
        ["_lvl", "_sc", "_rlvl", "_rsc", "risk_id"], ascending=[False, False, False, False, True], kind="stable"
    ).head(n)
    ri = risk_info(assessment).set_index("risk_id").reindex(wide["risk_id"])
    return pd.DataFrame(
        {
            t("common.risk_id", lang): wide["risk_id"].to_numpy(),
            t("common.asset", lang): ri["asset"].to_numpy(),
            t("common.threat", lang): ri["threat"].to_numpy(),
            t("common.area", lang): ri["area"].to_numpy(),
            t("report.score_municipality", lang): pd.array(wide["score_municipality_inherent"], dtype="Int16"),
            t("report.score_data_subject", lang): pd.array(wide["score_data_subject_inherent"], dtype="Int16"),
            t("report.highest_level", lang): _level_names(wide["_lvl"], m, lang),
            t("common.owner", lang): ri["owner"].to_numpy(),
            t("common.treatment", lang): _vocab_labels(ri["treatment"], TREATMENTS, lang).to_numpy(),
            t("common.residual_level", lang): _level_names(wide["_rlvl"], m, lang),
            t("common.deadline", lang): _date_text(ri["deadline"]).to_numpy(),
            t("common.status", lang): _vocab_labels(ri["status"], RISK_STATUSES, lang).to_numpy(),
        }
    ).reset_index(drop=True)


# -- perspectives --------------------------------------------------------------------------
def perspective_pairs(scores: pd.DataFrame, stage: str = "inherent") -> pd.DataFrame:
    """Per risk assessed in both perspectives: ``risk_id``, ``municipality`` and
    ``data_subject`` scores at ``stage`` (for the comparison chart)."""
    wide = per_risk(scores)
    pairs = pd.DataFrame(
        {
            "risk_id": wide["risk_id"],
            "municipality": wide[f"score_municipality_{stage}"],
            "data_subject": wide[f"score_data_subject_{stage}"],
        }
    )
    return pairs.dropna(subset=["municipality", "data_subject"]).reset_index(drop=True)


def perspectives(
    scores: pd.DataFrame,
    assessment: Assessment,
    *,
    matrix: str | Path | RiskMatrix | None = None,
    lang: str = "da",
) -> pd.DataFrame:
    """Risks whose inherent data-subject score exceeds the municipality's, largest
    difference first: both scores and levels and the difference."""
    m = resolve_matrix(scores, matrix)
    wide = per_risk(levelled(scores, m))
    sm = wide["score_municipality_inherent"]
    sd = wide["score_data_subject_inherent"]
    sel = (sd.fillna(0) > sm.fillna(0)) & sd.notna()
    w = wide[sel.to_numpy(bool)].assign(_diff=(sd - sm.fillna(0))[sel.to_numpy(bool)])
    w = w.sort_values(
        ["_diff", "score_data_subject_inherent", "risk_id"], ascending=[False, False, True], kind="stable"
    )
    ri = risk_info(assessment).set_index("risk_id").reindex(w["risk_id"])
    return pd.DataFrame(
        {
            t("common.risk_id", lang): w["risk_id"].to_numpy(),
            t("common.asset", lang): ri["asset"].to_numpy(),
            t("common.area", lang): ri["area"].to_numpy(),
            t("report.score_municipality", lang): pd.array(w["score_municipality_inherent"], dtype="Int16"),
            t("report.level_municipality", lang): _level_names(w["level_municipality_inherent"], m, lang),
            t("report.score_data_subject", lang): pd.array(w["score_data_subject_inherent"], dtype="Int16"),
            t("report.level_data_subject", lang): _level_names(w["level_data_subject_inherent"], m, lang),
            t('report.difference', lang): w["_diff"].astype("Int16").to_numpy(),
        }
    ).reset_index(drop=True)


# -- treatment and action plan -----------------------------------------------------------------
def treatment_options(scores: pd.DataFrame, assessment: Assessment, *, lang: str = "da") -> pd.DataFrame:
    """Number of risks per treatment option chosen (and "no decision"), split by status."""
    ri = risk_info(assessment)
    ri = ri[ri["risk_id"].isin(scores["risk_id"].astype("string").unique())]
    treat_keys = [*TREATMENTS, "__none__"]
    status_keys = [*RISK_STATUSES, "__none__"]
    treat = ri["treatment"].where(ri["treatment"].isin(list(TREATMENTS)), "__none__")
    status = ri["status"].where(ri["status"].isin(list(RISK_STATUSES)), "__none__")
    table = pd.crosstab(treat, status).reindex(index=treat_keys, columns=status_keys, fill_value=0)
    if not table["__none__"].any():
        table = table.drop(columns="__none__")
        status_keys = status_keys[:-1]
    labels_t = {
        **{k: (en if lang == "en" else da) for k, (da, en) in TREATMENTS.items()},
        "__none__": t("report.no_decision", lang),
    }
    labels_s = {
        **{k: (en if lang == "en" else da) for k, (da, en) in RISK_STATUSES.items()},
        "__none__": t("report.no_status", lang),
    }
    out = pd.DataFrame({t('common.treatment', lang): [labels_t[k] for k in treat_keys]})
    for k in status_keys:
        out[labels_s[k]] = table[k].to_numpy(dtype=np.int64)
    out[t("common.total", lang)] = table.sum(axis=1).to_numpy(dtype=np.int64)
    return out


def as_of_day(as_of: Any, assessment: Assessment | None) -> pd.Timestamp:
    """The day deadlines are judged against: ``as_of`` (ISO or Danish day-first text, a
    date), else the round's assessment date, else today. A date that cannot be read
    raises :class:`UserError`."""
    if (as_of is None or (isinstance(as_of, str) and not as_of.strip())) and assessment is not None:
        as_of = assessment.meta.get("assessment_date")
    if as_of is None or pd.isna(as_of):
        return pd.Timestamp(dt.date.today())
    try:
        from .dates import to_day

        return to_day(as_of)  # day first for Danish slashed dates, as in the workbooks
    except (ValueError, TypeError) as exc:
        from .errors import UserError

        raise UserError(
            f"Ugyldig dato for 'opgjort pr.': {as_of!r} (brug ÅÅÅÅ-MM-DD eller DD-MM-ÅÅÅÅ).",
            f"Invalid as-of date: {as_of!r} (use YYYY-MM-DD or DD-MM-YYYY).",
        ) from exc


def overdue(
    scores: pd.DataFrame,
    assessment: Assessment,
    *,
    as_of: Any = None,
    matrix: str | Path | RiskMatrix | None = None,
    lang: str = "da",
) -> pd.DataFrame:
    """Risks not closed whose deadline lies before ``as_of`` (default: the round's
    assessment date), most overdue first, with the residual level (higher of the two)."""
    m = resolve_matrix(scores, matrix)
    day = as_of_day(as_of, assessment)
    wide = per_risk(levelled(scores, m))
    rlvl, _ = _highest(wide, "residual")
    ri = risk_info(assessment).set_index("risk_id").reindex(wide["risk_id"])
    deadline = pd.to_datetime(ri["deadline"])
    late = (deadline < day) & (ri["status"].fillna("") != "closed")
    late = late.to_numpy(bool)
    days = (day - deadline[late]).dt.days.to_numpy()
    out = pd.DataFrame(
        {
            t("common.risk_id", lang): wide["risk_id"].to_numpy()[late],
            t("common.asset", lang): ri["asset"].to_numpy()[late],
            t("common.owner", lang): ri["owner"].to_numpy()[late],
            t("common.treatment", lang): _vocab_labels(ri["treatment"], TREATMENTS, lang).to_numpy()[late],
            t("common.status", lang): _vocab_labels(ri["status"], RISK_STATUSES, lang).to_numpy()[late],
            t("common.deadline", lang): _date_text(deadline).to_numpy()[late],
            t("common.days_overdue", lang): days.astype(np.int64),
            t("common.residual_level", lang): _level_names(rlvl[late], m, lang),
        }
    )
    return out.sort_values(
        [t("common.days_overdue", lang), t("common.risk_id", lang)], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


def overdue_actions(assessment: Assessment, *, as_of: Any = None, lang: str = "da") -> pd.DataFrame:
    """Actions of the action plan (Handlingsplan sheet) not done whose deadline has passed."""
    from .layout import ACTION_STATUSES

    cols = [t(f"common.{k}", lang) for k in ("action_id", "risks", "responsible", "deadline", "status", "days_overdue")]
    cols.insert(1, t("report.action", lang))
    acts = assessment.actions
    if acts is None or len(acts) == 0 or "deadline" not in acts.columns:
        return pd.DataFrame(columns=cols)
    day = as_of_day(as_of, assessment)
    deadline = pd.to_datetime(acts["deadline"], errors="coerce")
    status = (
        acts["status"].astype("string").str.strip().str.casefold()
        if "status" in acts
        else pd.Series("", index=acts.index)
    )
    late = ((deadline < day) & (status.fillna("") != "done")).to_numpy(bool)
    a = acts[late]

    def col(name: str) -> Any:
        return a[name].astype("string").to_numpy() if name in a.columns else [""] * len(a)

    out = pd.DataFrame(
        {
            cols[0]: col("action_id"),
            cols[1]: col("title"),
            cols[2]: col("risks"),
            cols[3]: col("responsible"),
            cols[4]: _date_text(deadline[late]).to_numpy(),
            cols[5]: _vocab_labels(status[late], ACTION_STATUSES, lang).to_numpy(),
            cols[6]: (day - deadline[late]).dt.days.to_numpy().astype(np.int64),
        }
    )
    return out.sort_values([cols[6], cols[0]], ascending=[False, True], kind="stable").reset_index(drop=True)


def unchanged_by_controls(
    scores: pd.DataFrame,
    assessment: Assessment,
    *,
    matrix: str | Path | RiskMatrix | None = None,
    lang: str = "da",
) -> pd.DataFrame:
    """Risks, not closed, with planned controls whose residual level equals the
    inherent level in every perspective assessed: the controls change nothing the
    matrix can see. Only levels that are not acceptable by themselves are listed."""
    m = resolve_matrix(scores, matrix)
    scores = levelled(scores, m)
    wide = per_risk(scores)
    ri = risk_info(assessment).set_index("risk_id").reindex(wide["risk_id"])
    has_controls = ri["controls"].fillna("").str.strip().ne("").to_numpy(bool)
    not_closed = ri["status"].fillna("").ne("closed").to_numpy(bool)
    same = np.ones(len(wide), dtype=bool)
    for p in ("municipality", "data_subject"):
        li, lr = wide[f"level_{p}_inherent"].to_numpy(), wide[f"level_{p}_residual"].to_numpy()
        same &= (li < 0) | (li == lr)
    lvl, sc = _highest(wide, "inherent")
    relevant = lvl >= m.first_level_with("may_accept")
    sel = has_controls & not_closed & same & relevant
    out = pd.DataFrame(
        {
            t("common.risk_id", lang): wide["risk_id"].to_numpy()[sel],
            t("common.asset", lang): ri["asset"].to_numpy()[sel],
            t("common.owner", lang): ri["owner"].to_numpy()[sel],
            t("common.controls", lang): ri["controls"].to_numpy()[sel],
            t("report.highest_level", lang): _level_names(lvl[sel], m, lang),
            t("report.highest_score", lang): sc[sel].astype(np.int64),
        }
    )
    return out.sort_values(
        [t("report.highest_score", lang), t("common.risk_id", lang)], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


# -- data quality -----------------------------------------------------------------------------
def data_quality(scores: pd.DataFrame | None, assessment: Assessment, *, lang: str = "da") -> pd.DataFrame:
    """Every problem the workbook reader reported (errors first), plus risks whose
    residual score exceeds the inherent one (a data error found by scoring)."""
    p = assessment.problems if assessment.problems is not None else pd.DataFrame()
    msg_col = "message_en" if lang == "en" else "message_da"

    def get(name: str) -> pd.Series:
        return p[name].astype("string") if name in p.columns else pd.Series([""] * len(p), dtype="string")

    rows = pd.DataFrame(
        {
            "severity": get("severity").to_numpy(),
            "file": get("file").to_numpy(),
            "sheet": get("sheet").to_numpy(),
            "cell": get("cell").to_numpy(),
            "message": (get(msg_col).fillna(get("message_da"))).to_numpy(),
        }
    )
    if scores is not None and len(scores) and "residual_above_inherent" in scores:
        bad = scores[scores["residual_above_inherent"].to_numpy(bool)]
        ids = pd.Index(bad["risk_id"].astype("string").unique()).sort_values()
        if len(ids):
            text = t("report.residual_above_inherent_message", lang)
            from .layout import RISKS

            extra = pd.DataFrame(
                {
                    "severity": "warning",
                    "file": str(assessment.source.get("name", "")),
                    "sheet": RISKS.en if lang == "en" else RISKS.da,
                    "cell": "",
                    "message": ids.astype(str) + f": {text}",
                }
            )
            rows = pd.concat([rows, extra], ignore_index=True)
    order = rows["severity"].map({"error": 0, "warning": 1}).fillna(2)
    rows = rows.assign(_o=order.to_numpy()).sort_values(["_o"], kind="stable").drop(columns="_o")
    return pd.DataFrame(
        {
            t("report.severity", lang): rows["severity"]
            .map({"error": t("common.error", lang), "warning": t("common.warning", lang)})
            .fillna(rows["severity"])
            .to_numpy(),
            t("common.file", lang): rows["file"].to_numpy(),
            t("report.sheet", lang): rows["sheet"].to_numpy(),
            t("report.cell", lang): rows["cell"].to_numpy(),
            t("common.message", lang): rows["message"].to_numpy(),
        }
    ).reset_index(drop=True)


# -- changes since the previous round ----------------------------------------------------------
CHANGE_COLUMNS = ("new", "closed", "escalated", "de-escalated", "unchanged")


def round_changes(
    assessment: Assessment,
    scores: pd.DataFrame,
    previous: Assessment,
    previous_scores: pd.DataFrame,
    *,
    matrix: str | Path | RiskMatrix | None = None,
    lang: str = "da",
) -> pd.DataFrame:
    """:func:`isms_analysis.comparison.compare_rounds` of the previous round against this
    one, both levelled with one matrix (the report's), with asset and threat names and
    the controls added or removed taken from the two workbooks. Risks already closed
    in the previous round and still closed are left out (they are not changes)."""
    from .comparison import compare_rounds, enrich

    m = resolve_matrix(scores, matrix)
    old = enrich(levelled(previous_scores, m), previous.risks, previous.assets, previous.threats)
    new = enrich(levelled(scores, m), assessment.risks, assessment.assets, assessment.threats)
    comp = compare_rounds(old, new, old_matrix=m, new_matrix=m, lang=lang)

    def closed(a: Assessment) -> pd.Index:
        st = a.risks["status"].astype("string").str.strip().str.casefold()
        return pd.Index(a.risks.loc[(st == "closed").fillna(False).to_numpy(bool), "risk_id"].astype("string"))

    still_closed = closed(previous).intersection(closed(assessment))
    return comp[~comp["risk_id"].isin(still_closed)].reset_index(drop=True)


def change_counts(comparison: pd.DataFrame, *, stage: str = "residual", lang: str = "da") -> pd.DataFrame:
    """Per perspective (rows; only those present): how many risks are new, closed,
    escalated, de-escalated or at an unchanged level at ``stage``, and the total."""
    c = comparison[comparison["stage"].astype("string") == stage]
    table = pd.crosstab(c["perspective"].astype("string"), c["change"].astype("string"))
    present = [p for p in ("municipality", "data_subject", "society") if p in table.index]
    table = table.reindex(index=present, columns=list(CHANGE_COLUMNS), fill_value=0).astype(np.int64)
    out = pd.DataFrame({t('common.perspective', lang): [t(f"common.{p}", lang) for p in present]})
    for k in CHANGE_COLUMNS:
        out[t(f"common.{k}", lang)] = table[k].to_numpy()
    out[t("common.total", lang)] = table.sum(axis=1).to_numpy()
    return out


def change_migration(
    comparison: pd.DataFrame,
    perspective: str,
    matrix: str | Path | RiskMatrix,
    *,
    stage: str = "residual",
    lang: str = "da",
) -> pd.DataFrame:
    """The migration matrix (level before x level now, with new and closed) for one
    perspective as a display table, level names in ``lang``."""
    from .comparison import migration_matrix

    m = get_matrix(matrix)
    names = {lv.name_da: lv.name(lang) for lv in m.levels}
    mm = migration_matrix(comparison, perspective, stage, lang=lang)
    first = f"{mm.index.name} \\ {mm.columns.name}"
    mm = mm.rename(index=names, columns=names)
    out = mm.reset_index()
    out.columns = [first, *[str(c) for c in mm.columns]]
    return out


def change_movers(
    comparison: pd.DataFrame,
    matrix: str | Path | RiskMatrix,
    n: int = 15,
    *,
    lang: str = "da",
) -> pd.DataFrame:
    """The risks whose residual level or score moved most (both perspectives), with the
    reason the comparison found (likelihood, consequence and which of C/I/A, controls)."""
    from .comparison import movers_table

    m = get_matrix(matrix)
    return movers_table(comparison, n=n, lang=lang, level_names={lv.name_da: lv.name(lang) for lv in m.levels})


def identity_changes(
    comparison: pd.DataFrame,
    previous: Assessment | None = None,
    current: Assessment | None = None,
    lang: str = "da",
) -> pd.DataFrame:
    """Risks whose asset or threat changed under the same risk ID: they are compared as
    one risk, but the committee should know it is in fact another one. Names come
    from the two rounds' assessments when given ("A1 Journal", else "A1")."""
    c = comparison[comparison["identity_changed"].to_numpy(bool)].drop_duplicates("risk_id")

    def named(ids: pd.Series, a: Assessment | None, table: str, key: str) -> np.ndarray:
        ids = ids.astype("string")
        if a is None:
            return ids.fillna("").to_numpy(dtype=object)
        frame = getattr(a, table).drop_duplicates(key)
        names = pd.Series(frame["name"].astype("string").to_numpy(), index=frame[key].astype("string").to_numpy())
        text = ids.fillna("") + (" " + ids.map(names)).fillna("")
        return text.to_numpy(dtype=object)

    out = pd.DataFrame(
        {
            t("common.risk_id", lang): c["risk_id"].astype("string").to_numpy(),
            t("report.asset_before", lang): named(c["asset_id_old"], previous, "assets", "asset_id"),
            t("report.asset_after", lang): named(c["asset_id_new"], current, "assets", "asset_id"),
            t("report.threat_before", lang): named(c["threat_id_old"], previous, "threats", "threat_id"),
            t("report.threat_after", lang): named(c["threat_id_new"], current, "threats", "threat_id"),
        }
    )
    return out.sort_values(t("common.risk_id", lang), kind="stable").reset_index(drop=True)


# -- appendix ---------------------------------------------------------------------------------
def appendix_matrix(matrix: str | Path | RiskMatrix = "kl", lang: str = "da") -> pd.DataFrame:
    """The matrix as a table: consequence rows (highest first) x likelihood columns."""
    m = get_matrix(matrix)
    tab = m.table(lang)
    first = f"{tab.index.name} \\ {tab.columns.name}"
    out = tab.reset_index().rename(columns={tab.index.name: first})
    out.columns = [str(c) for c in out.columns]
    return out


def appendix_scales(matrix: str | Path | RiskMatrix = "kl", lang: str = "da") -> pd.DataFrame:
    """The consequence and likelihood scales: value and label."""
    m = get_matrix(matrix)
    n = max(m.n_consequence, m.n_likelihood)
    cons = list(m.consequence_labels(lang)) + [""] * (n - m.n_consequence)
    like = list(m.likelihood_labels(lang)) + [""] * (n - m.n_likelihood)
    return pd.DataFrame(
        {t('report.scale_value', lang): range(1, n + 1), t("common.consequence", lang): cons, t("common.likelihood", lang): like}
    )


def appendix_levels(matrix: str | Path | RiskMatrix = "kl", lang: str = "da") -> pd.DataFrame:
    """Each level: the scores that fall in it, its colour, treatment class and advice."""
    m = get_matrix(matrix)
    cells = m.cells_frame()
    scores_by_level = cells.groupby("level_index")["score"].apply(lambda s: ", ".join(str(x) for x in sorted(set(s))))
    return pd.DataFrame(
        {
            t("common.level", lang): m.level_names(lang),
            t("report.scores_in_level", lang): [scores_by_level.get(i, "") for i in range(len(m.levels))],
            t("report.colour", lang): [lv.colour for lv in m.levels],
            t('report.treatment_class', lang): [t(f"report.{lv.treatment}", lang) for lv in m.levels],
            t("report.advice", lang): [lv.advice(lang) for lv in m.levels],
        }
    )


def appendix_rules(matrix: str | Path | RiskMatrix = "kl", lang: str = "da") -> pd.DataFrame:
    """The method's rules in short form, with the numbers taken from the matrix."""
    m = get_matrix(matrix)
    vh = " / ".join(str(s) for s in m.very_high_scores)
    tol = m.levels[m.level_index(m.default_tolerance)].name(lang)
    lv_treat = ", ".join(lv.name(lang) for lv in m.levels if TREATMENT_CLASSES.index(lv.treatment) >= 2)
    fields = {"lv_treat": lv_treat, "very_high_scores": vh, "tolerance": tol,
              "very_high_consequence": m.very_high_consequence, "screening_max": m.screening_max_consequence}
    names = ("perspectives", "consequence", "score", "residual", "treatment", "critical", "data_subjects", "profile",
             "screening")
    rules = [(t(f"report.rule_{n}", lang), t(f"report.rule_{n}_text", lang).format(**fields)) for n in names]
    return pd.DataFrame(rules, columns=[t("report.rule", lang), t("report.description", lang)])


def appendix_tolerance(assessment: Assessment, lang: str = "da") -> pd.DataFrame:
    """The risk profile: maximum accepted level per area (and perspective, when the
    profile sets one; blank means both)."""
    p = assessment.profile
    if p is None or len(p) == 0:
        return pd.DataFrame(columns=[t("common.area", lang), t("report.max_accepted_level", lang)])
    try:
        m = get_matrix(assessment.meta.get("matrix") or "kl")
    except ValueError:  # an unknown matrix is reported elsewhere; show the levels as written
        m = None

    def name(level: Any) -> Any:
        try:
            return m.levels[m.level_index(str(level))].name(lang) if m is not None else level
        except KeyError:
            return level

    out = pd.DataFrame(
        {
            t("common.area", lang): p["area"].to_numpy(),
            t("report.max_accepted_level", lang): [name(v) for v in p["max_accepted_level"]],  # keys as level names
        }
    )
    if "perspective" in p.columns and p["perspective"].notna().any():
        out[t("common.perspective", lang)] = _perspective_labels(p["perspective"], lang).fillna("").to_numpy()
    return out


# -- provenance -------------------------------------------------------------------------------
def provenance(assessment: Assessment, params: dict[str, Any] | None = None, lang: str = "da") -> pd.DataFrame:
    """Where the report comes from: the round, the input file (name, SHA-256, size),
    the package version and every parameter the report was made with."""
    from .version import __version__

    meta, src = assessment.meta, assessment.source

    def text(v: Any) -> str:
        if v is None or (not isinstance(v, (list, tuple, dict)) and pd.isna(v)):
            return ""
        if isinstance(v, (dt.date, pd.Timestamp)):
            return pd.Timestamp(v).strftime("%Y-%m-%d")
        return str(v)

    rows = [
        (t("common.municipality_name", lang), text(meta.get("municipality"))),
        (t("common.round", lang), text(meta.get("round"))),
        (t("report.assessment_date", lang), text(meta.get("assessment_date"))),
        (t("common.approved_by", lang), text(meta.get("approved_by"))),
        (t("common.approved_date", lang), text(meta.get("approved_date"))),
        (t("report.input_file", lang), text(src.get("name"))),
        (t("common.sha256", lang), text(src.get("sha256"))),
        (t("report.size", lang), text(src.get("size"))),
        (t("common.package_version", lang), __version__),
    ]
    for k, v in (params or {}).items():
        rows.append((f"{t('common.parameter', lang)}: {k}", text(v)))
    return pd.DataFrame(rows, columns=[t("common.field", lang), t("common.value", lang)])
