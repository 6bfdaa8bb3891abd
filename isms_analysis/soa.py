"""The Statement of Applicability (SoA) and its links to the risk assessment.

The SoA lists controls: the 93 of ISO/IEC 27001:2022 Annex A (four themes) and any
*own controls* the municipality adds (legal requirements, best practice). For each
control it records whether it is applicable, the justification, the source of the
requirement, the implementation status, the responsible person and the risks it
treats. Rules implemented here:

- **Coverage** is counted per Annex A theme; an SoA row whose control ID is not in
  Annex A is an own control and is counted apart. Implementation status is counted
  for applicable controls only. Control IDs are compared after trimming and
  dropping an "A." prefix ("A.5.15" = "5.15").
- **SoA checks**: a control marked not applicable needs a justification; an
  applicable control needs a responsible person; every Annex A control must be in
  the SoA; a control ID must appear once.
- **Control-risk links** come from both sides: the risk's controls
  (``Risici.Foranstaltninger``) and the control's risks (``SoA.Risici``).
- **Treatment gaps**: a risk whose inherent level calls for a management decision
  (the matrix's first level with treatment class ``may_accept``; KL: Middel) and
  whose treatment is *mitigate* must be linked to a control that the SoA knows,
  marks applicable and has started.
- **Control effectiveness**: per control and perspective, the reduction from
  inherent to residual score summed over the risks the control treats. The full
  reduction of a risk is credited to every control it relies on (``reduction``);
  ``reduction_shared`` splits it equally among them, so those sum to the total.

Analysis frames use English snake_case columns and English keys; ``display``
turns them into Danish (or English) tables for people.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .catalogue import THEMES, annex_a
from .layout import SOA_SOURCES, SOA_STATUSES, VOCABULARIES, label
from .matrix import RiskMatrix
from .matrix import matrix as get_matrix
from .text import labels_of, t

SOA_STATUS_KEYS = tuple(SOA_STATUSES)
OWN = "own"

# The texts are in the catalogue (data/text/soa.toml; shared terms in common.toml). These
# map each key to its catalogue key; the public tables below give (da, en) pairs.
HEADING_KEYS: dict[str, str] = {
    **{k: f"soa.{k}" for k in (
        "control_id", "title", "applicable", "justification", "via", "flag", "reduction", "reduction_shared",
        "residual_score", "activity_id", "activity", "frequency", "month", "last_done", "next_due", "due_date",
        "overdue", "problem", "carried_over", "wheel_status", "type", "open", "done",
    )},
    **{k: f"common.{k}" for k in (
        "theme", "source", "status", "responsible", "risks", "risk_id", "level", "score", "perspective",
        "treatment", "residual_level", "days_overdue", "controls", "action_id", "deadline", "count", "total",
        "category", "number_of_risks",
    )},
    "message": "common.note",
    "reason": "common.change_reason",
    "n_risks": "common.number_of_risks",
    "inherent": "soa.inherent_total",
    "residual": "soa.residual_total",
}  # fmt: skip
COVERAGE_KEYS: dict[str, str] = {k: f"soa.coverage_{k}" for k in (
    "in_soa", "applicable", "not_applicable", "applicability_missing", "implemented", "partly", "planned",
    "not_started", "status_missing", "missing_from_soa",
)}  # fmt: skip
ROW_KEYS: dict[str, str] = {
    **{k: f"common.theme_{k}" for k in THEMES},
    "annex_a": "soa.row_annex_a",
    OWN: "soa.row_own",
    "total": "common.total",
}
GAP_KEYS: dict[str, str] = {
    "annex_a": "soa.gap_annex_a",
    "not_applicable": "soa.coverage_not_applicable",
    "implemented": "soa.coverage_implemented",
    "gap": "soa.gap_gap",
    "missing_from_soa": "soa.gap_missing_from_soa",
    "gap_pct": "soa.gap_gap_pct",
    "priority": "soa.gap_priority",
}
FLAG_KEYS: dict[str, str] = {k: f"soa.flag_{k}" for k in (
    "not_applicable_without_justification", "applicable_without_responsible", "applicability_missing",
    "missing_from_soa", "duplicate_control",
)}  # fmt: skip
GAP_REASON_KEYS: dict[str, str] = {k: f"soa.gap_reason_{k}" for k in (
    "no_control", "unknown_control", "not_applicable", "not_started",
)}  # fmt: skip
VIA_KEYS: dict[str, str] = {"risk": "common.risks", "soa": "soa.via_soa", "both": "soa.via_both"}
# -- shared helpers ------------------------------------------------------------------------
def normalise_control_ids(ids: pd.Series) -> pd.Series:
    """Trimmed control IDs with an "A." / "A " prefix before a digit dropped."""
    s = ids.astype("string").str.strip()
    s = s.str.replace(r"^[Aa]\.?\s*(?=\d)", "", regex=True)
    return s.mask(s == "")


def explode_ids(frame: pd.DataFrame, id_col: str, list_col: str, *, out: tuple[str, str] | None = None) -> pd.DataFrame:
    """One row per (row ID, listed ID) from a text list column ("R-001; R-007" or "5.1, 5.2").

    Blank entries are dropped; duplicates are removed. ``out`` renames the two columns.
    """
    a, b = out or (id_col, list_col)
    if frame is None or frame.empty or list_col not in frame.columns:
        return pd.DataFrame({a: pd.Series(dtype="string"), b: pd.Series(dtype="string")})
    parts = frame[list_col].astype("string").str.split(r"[;,\n]", regex=True)
    long = pd.DataFrame({a: frame[id_col].astype("string").str.strip(), b: parts}).explode(b)
    long[b] = long[b].astype("string").str.strip()
    long = long[long[b].notna() & (long[b] != "") & long[a].notna()]
    return long.drop_duplicates().reset_index(drop=True)


def _blank(s: pd.Series) -> pd.Series:
    t = s.astype("string").str.strip()
    return t.isna() | (t == "")


def _key(s: pd.Series, vocabulary: dict[str, tuple[str, str]]) -> pd.Series:
    """Vocabulary keys (already keys from the reader); anything else becomes missing."""
    t = s.astype("string").str.strip().str.casefold()
    return t.where(t.isin(list(vocabulary)))


def _prepare(soa: pd.DataFrame | None) -> pd.DataFrame:
    """The SoA with normalised IDs, Annex A theme (or "own"), applicability and status keys."""
    if soa is None:
        soa = pd.DataFrame({"control_id": pd.Series(dtype="string")})
    annex = annex_a()
    cid = normalise_control_ids(soa["control_id"])
    theme = cid.map(dict(zip(annex["control_id"], annex["theme"].astype("string"), strict=True)))
    col = lambda c: soa[c] if c in soa.columns else pd.Series(pd.NA, index=soa.index, dtype="string")  # noqa: E731
    return pd.DataFrame(
        {
            "control_id": cid,
            "title": col("title").astype("string"),
            "group": theme.astype("string").fillna(OWN),
            "applicable": col("applicable").astype("boolean"),
            "justification": col("justification").astype("string"),
            "source": _key(col("source"), SOA_SOURCES),
            "status": _key(col("status"), SOA_STATUSES),
            "responsible": col("responsible").astype("string"),
            "risks": col("risks").astype("string"),
        },
        index=soa.index,
    ).dropna(subset=["control_id"])


def _soa_controls(soa: pd.DataFrame | None) -> pd.DataFrame:
    """One row per control ID (the first if repeated)."""
    return _prepare(soa).drop_duplicates("control_id")


def level_index(levels: pd.Series, m: RiskMatrix) -> np.ndarray:
    """Matrix level index of each level name (Danish or English); -1 when missing."""
    names = {lv.name_da: i for i, lv in enumerate(m.levels)} | {lv.name_en: i for i, lv in enumerate(m.levels)}
    return levels.astype("string").map(names).fillna(-1).to_numpy(dtype=np.int16)


def _control_sort(frame: pd.DataFrame, *, then: list[str] | None = None) -> pd.DataFrame:
    """Sort by control ID in Annex A order (5.2 before 5.10), own controls last."""
    parts = frame["control_id"].astype("string").str.extract(r"^(\d+)\.(\d+)$")
    tmp = frame.assign(
        _own=parts[0].isna(),
        _major=pd.to_numeric(parts[0]).astype("Int16"),
        _minor=pd.to_numeric(parts[1]).astype("Int16"),
    )
    keys = ["_own", "_major", "_minor", "control_id", *(then or [])]
    return tmp.sort_values(keys, kind="stable").drop(columns=["_own", "_major", "_minor"]).reset_index(drop=True)


def display(frame: pd.DataFrame, lang: str = "da", values: dict[str, str] | None = None) -> pd.DataFrame:
    """A table for people: headings in Danish (or English) and the vocabulary keys of
    the columns named in ``values`` (column -> vocabulary in layout.VOCABULARIES) as labels."""
    out = frame.copy()
    for col, vocab in (values or {}).items():
        if col in out.columns:
            labels = {k: label(vocab, k, lang) for k in VOCABULARIES[vocab]}
            out[col] = out[col].astype("string").map(lambda x, lb=labels: lb.get(x, x) if x is not pd.NA else x)
    for col in out.columns:
        if out[col].dtype == "boolean" or out[col].dtype == bool:
            yes, no = t("common.yes", lang), t("common.no", lang)
            out[col] = out[col].map({True: yes, False: no}).astype("string")
    return out.rename(columns=labels_of(HEADING_KEYS, lang))


# -- coverage ------------------------------------------------------------------------------
def _coverage_counts(soa: pd.DataFrame | None) -> pd.DataFrame:
    """Counts per group key (themes, "annex_a", "own", "total") and coverage column key."""
    s = _soa_controls(soa)
    app = s["applicable"]
    is_app = app.fillna(False).to_numpy(dtype=bool)
    ind = pd.DataFrame(
        {
            "in_soa": np.ones(len(s), dtype=np.int64),
            "applicable": is_app,
            "not_applicable": (~app.fillna(True)).to_numpy(dtype=bool),
            "applicability_missing": app.isna().to_numpy(dtype=bool),
            **{k: is_app & (s["status"] == k).fillna(False).to_numpy(dtype=bool) for k in SOA_STATUS_KEYS},
            "status_missing": is_app & s["status"].isna().to_numpy(dtype=bool),
        },
        index=s.index,
    ).astype(np.int64)
    groups = [*THEMES, OWN]
    by = ind.groupby(s["group"]).sum().reindex(groups, fill_value=0)
    annex = annex_a()
    missing = annex.loc[~annex["control_id"].isin(s["control_id"]), "theme"].astype("string")
    by["missing_from_soa"] = missing.value_counts().reindex(groups, fill_value=0).to_numpy()
    rows = [by.loc[list(THEMES)], by.loc[list(THEMES)].sum().rename("annex_a").to_frame().T]
    rows += [by.loc[[OWN]], by.sum().rename("total").to_frame().T]
    out = pd.concat(rows)
    return out[list(COVERAGE_KEYS)].astype(np.int64)


def coverage(soa: pd.DataFrame | None, lang: str = "da") -> pd.DataFrame:
    """SoA coverage per Annex A theme, Annex A in total, own controls and overall.

    Columns: controls in the SoA; applicable / not applicable / applicability not
    given; for applicable controls the implementation status (implemented, partly,
    planned, not started, status missing); and Annex A controls missing from the SoA.

    A display table (headers in ``lang``): index theme; int64 columns in SoA, applicable,
    not applicable, applicability not given, implemented, partly, planned, not started,
    status missing, missing from the SoA.
    """
    counts = _coverage_counts(soa)
    counts.index = pd.Index([t(ROW_KEYS[k], lang) for k in counts.index], name=t("common.theme", lang))
    counts.columns = [t(COVERAGE_KEYS[k], lang) for k in counts.columns]
    return counts


def own_controls(soa: pd.DataFrame | None, lang: str = "da") -> pd.DataFrame:
    """The SoA's controls that are not in Annex A, with their source of requirement.

    A display table (headers in ``lang``), all string: control ID, title, source,
    applicable, status, responsible, risks.
    """
    s = _prepare(soa)
    own = s[s["group"] == OWN][["control_id", "title", "source", "applicable", "status", "responsible", "risks"]]
    return display(_control_sort(own), lang, {"source": "soa_source", "status": "soa_status"})


def gap_view(soa: pd.DataFrame | None, lang: str = "da") -> pd.DataFrame:
    """The SoA's implementation status alone, per Annex A theme: a compliance gap check
    before (or without) a risk assessment. A control is a gap unless it is implemented
    or marked not applicable (controls missing from the SoA are gaps); the theme with
    the largest share of gaps gets priority 1.

    A display table (headers in ``lang``): index theme; int64 columns controls in
    Annex A, not applicable, implemented, not implemented, of which missing from the
    SoA, priority; float64 gap share in %.
    """
    c = _coverage_counts(soa).loc[list(THEMES)]
    annex_n = annex_a()["theme"].astype("string").value_counts().reindex(list(THEMES)).to_numpy()
    candidates = annex_n - c["not_applicable"].to_numpy()
    gap = candidates - c["implemented"].to_numpy()
    out = pd.DataFrame(
        {
            "annex_a": annex_n,
            "not_applicable": c["not_applicable"].to_numpy(),
            "implemented": c["implemented"].to_numpy(),
            "gap": gap,
            "missing_from_soa": c["missing_from_soa"].to_numpy(),
            "gap_pct": np.round(np.where(candidates > 0, 100 * gap / np.maximum(candidates, 1), 0.0), 1),
        },
        index=list(THEMES),
    )
    out["priority"] = out["gap_pct"].rank(method="min", ascending=False).astype(np.int64)
    out = out.sort_values(["priority", "gap"], ascending=[True, False], kind="stable")
    out.index = pd.Index([t(ROW_KEYS[k], lang) for k in out.index], name=t("common.theme", lang))
    out.columns = [t(GAP_KEYS[k], lang) for k in out.columns]
    return out


# -- checks --------------------------------------------------------------------------------
def soa_flags(soa: pd.DataFrame | None, lang: str = "da") -> pd.DataFrame:
    """SoA rows that need attention: control_id, title, flag (key), message.

    Flags: not applicable without justification; applicable without a responsible
    person; applicability not given; control ID repeated; Annex A control missing.

    Dtypes: all string (``flag`` a key, ``message`` in ``lang``).
    """
    s = _prepare(soa)
    annex = annex_a()
    checks = {
        "not_applicable_without_justification": (s["applicable"] == False).fillna(False) & _blank(s["justification"]),  # noqa: E712
        "applicable_without_responsible": s["applicable"].fillna(False) & _blank(s["responsible"]),
        "applicability_missing": s["applicable"].isna(),
        "duplicate_control": s["control_id"].duplicated(keep="first"),
    }
    parts = [s.loc[mask.to_numpy(dtype=bool), ["control_id", "title"]].assign(flag=key) for key, mask in checks.items()]
    missing = annex.loc[~annex["control_id"].isin(s["control_id"])]
    title_col = "title_en" if lang == "en" else "title_da"
    parts.append(
        pd.DataFrame({"control_id": missing["control_id"], "title": missing[title_col], "flag": "missing_from_soa"})
    )
    out = pd.concat(parts, ignore_index=True).astype("string")
    out["message"] = out["flag"].map(labels_of(FLAG_KEYS, lang)).astype("string")
    return _control_sort(out, then=["flag"])


def control_risk_links(soa: pd.DataFrame | None, risks: pd.DataFrame) -> pd.DataFrame:
    """Control-risk pairs from both sides: ``via`` is "risk" (Risici.Foranstaltninger
    only), "soa" (SoA.Risici only) or "both"."""
    from_risks = explode_ids(risks, "risk_id", "controls", out=("risk_id", "control_id"))
    from_risks["control_id"] = normalise_control_ids(from_risks["control_id"])
    if soa is not None and "risks" in soa.columns:
        s = soa.assign(control_id=normalise_control_ids(soa["control_id"]))
        from_soa = explode_ids(s, "control_id", "risks", out=("control_id", "risk_id"))
    else:
        from_soa = pd.DataFrame({"control_id": pd.Series(dtype="string"), "risk_id": pd.Series(dtype="string")})
    links = from_risks.drop_duplicates().merge(
        from_soa.drop_duplicates(), on=["control_id", "risk_id"], how="outer", indicator=True
    )
    via = links["_merge"].astype("string").map({"left_only": "risk", "right_only": "soa", "both": "both"})
    out = pd.DataFrame(
        {
            "control_id": links["control_id"].astype("string"),
            "risk_id": links["risk_id"].astype("string"),
            "via": via.astype("string"),
        }
    )
    return _control_sort(out, then=["risk_id"])


def treatment_gaps(
    scores: pd.DataFrame,
    risks: pd.DataFrame,
    soa: pd.DataFrame | None,
    matrix: str | Path | RiskMatrix = "kl",
    lang: str = "da",
) -> pd.DataFrame:
    """Risks to be mitigated whose controls do not (yet) exist.

    A risk qualifies when its highest inherent level (over the perspectives) is at
    or above the matrix's first ``may_accept`` level and its treatment is
    "mitigate". It is reported once per problem: no linked control (from either
    sheet), or a linked control that the SoA does not know, marks not applicable,
    or marks not started. Columns: risk_id, level, score, perspective, control_id,
    reason (key), message.

    Dtypes: ``score`` Int16, the others string (``level`` the level name in ``lang``,
    ``reason`` a key, ``message`` in ``lang``).
    """
    m = get_matrix(matrix)
    worst = worst_level(scores, m, stages=("inherent",))
    worst = worst[worst["level_index"] >= m.first_level_with("may_accept")]
    treat = pd.DataFrame(
        {
            "risk_id": risks["risk_id"].astype("string").str.strip(),
            "treatment": risks["treatment"].astype("string").str.strip().str.casefold(),
        }
    ).drop_duplicates("risk_id")
    cand = worst.merge(treat, on="risk_id", how="inner")
    cand = cand[cand["treatment"] == "mitigate"]
    links = control_risk_links(soa, risks)[["risk_id", "control_id"]]
    soa_c = _soa_controls(soa)[["control_id", "applicable", "status"]].assign(in_soa=True)
    j = cand.merge(links, on="risk_id", how="left").merge(soa_c, on="control_id", how="left")
    no_control = j["control_id"].isna()
    unknown = ~no_control & j["in_soa"].isna()
    not_app = ~no_control & ~unknown & (j["applicable"] == False).fillna(False)  # noqa: E712
    not_started = ~no_control & ~unknown & ~not_app & (j["status"] == "not_started").fillna(False)
    reason = np.select(
        [no_control.to_numpy(bool), unknown.to_numpy(bool), not_app.to_numpy(bool), not_started.to_numpy(bool)],
        ["no_control", "unknown_control", "not_applicable", "not_started"],
        default="",
    )
    j = j.assign(reason=reason)
    out = j.loc[j["reason"] != "", ["risk_id", "level", "score", "perspective", "control_id", "reason"]]
    out = out.assign(message=out["reason"].map(labels_of(GAP_REASON_KEYS, lang)))
    out = out.astype({"risk_id": "string", "control_id": "string", "reason": "string", "message": "string"})
    return out.sort_values(["risk_id", "control_id"], kind="stable", na_position="first").reset_index(drop=True)


def worst_level(scores: pd.DataFrame, m: RiskMatrix, stages: tuple[str, ...]) -> pd.DataFrame:
    """Per risk: the highest level over perspectives (and the given stages) with its
    score and perspective. Columns: risk_id, level_index, level, score, perspective."""
    sc = scores[scores["stage"].astype("string").isin(stages)]
    frame = pd.DataFrame(
        {
            "risk_id": sc["risk_id"].astype("string"),
            "level_index": level_index(sc["level"], m),
            "score": sc["score"].astype("Int16"),
            "perspective": sc["perspective"].astype("string"),
        }
    )
    frame = frame.sort_values(["level_index", "score"], ascending=False, kind="stable").drop_duplicates("risk_id")
    names = np.array(m.level_names("da") + [None], dtype=object)
    frame["level"] = pd.array(names[frame["level_index"].to_numpy()], dtype="string")
    return frame[["risk_id", "level_index", "level", "score", "perspective"]].reset_index(drop=True)


def control_effectiveness(
    scores: pd.DataFrame, soa: pd.DataFrame | None, risks: pd.DataFrame, lang: str = "da"
) -> pd.DataFrame:
    """Per control and perspective: how much score the control takes away.

    Columns: control_id, title, status, applicable, perspective, n_risks, inherent,
    residual (sums over the risks it treats), reduction (inherent - residual summed;
    each risk's full reduction counts for every control it relies on) and
    reduction_shared (each risk's reduction divided equally among its controls).
    Sorted by reduction, largest first. Planned controls show the reduction they
    would bring when the residual risk assumes them.

    Dtypes: ``control_id``, ``title``, ``status``, ``perspective`` string;
    ``applicable`` boolean; ``n_risks``, ``inherent``, ``residual``, ``reduction`` int64;
    ``reduction_shared`` Float64.
    """
    sc = scores[["risk_id", "perspective", "stage", "score"]].astype(
        {"risk_id": "string", "perspective": "string", "stage": "string", "score": "Int64"}
    )
    wide = sc.pivot_table(index=["risk_id", "perspective"], columns="stage", values="score", aggfunc="first")
    wide = wide.reindex(columns=["inherent", "residual"]).reset_index()
    wide["reduction"] = wide["inherent"] - wide["residual"]
    links = control_risk_links(soa, risks)[["control_id", "risk_id"]]
    links["n_controls"] = links.groupby("risk_id")["control_id"].transform("size")
    j = links.merge(wide, on="risk_id", how="inner")
    j["reduction_shared"] = j["reduction"] / j["n_controls"]
    agg = (
        j.groupby(["control_id", "perspective"], observed=True)
        .agg(
            n_risks=("risk_id", "nunique"),
            inherent=("inherent", "sum"),
            residual=("residual", "sum"),
            reduction=("reduction", "sum"),
            reduction_shared=("reduction_shared", "sum"),
        )
        .reset_index()
    )
    agg = agg.astype({"n_risks": "int64", "inherent": "int64", "residual": "int64", "reduction": "int64"})
    agg["reduction_shared"] = agg["reduction_shared"].round(2)
    info = _soa_controls(soa)[["control_id", "title", "status", "applicable"]]
    annex = annex_a()
    annex_title = dict(zip(annex["control_id"], annex["title_en" if lang == "en" else "title_da"], strict=True))
    out = agg.merge(info, on="control_id", how="left")
    out["title"] = out["title"].fillna(out["control_id"].map(annex_title)).astype("string")
    cols = ["control_id", "title", "status", "applicable", "perspective", "n_risks", "inherent", "residual"]
    out = out[[*cols, "reduction", "reduction_shared"]]
    return out.sort_values(["reduction", "control_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
