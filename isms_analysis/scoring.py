"""Dual-perspective scoring, as KL's playbook prescribes.

Every risk (an asset exposed to a threat) is scored for each perspective:

- ``municipality`` -- consequences for the municipality (ISO 27001 context);
- ``data_subject`` -- consequences for the persons whose data it is (GDPR context);
  only for assets that have data-subject consequences: no personal data, no rows;
- ``society`` -- the optional NIS2 perspective, when the assets carry it
  (C, I, A and authenticity).

and for each stage:

- ``inherent`` -- consequence = the highest of the C, I and A consequences of that
  perspective (optionally only those the threat can affect), likelihood as assessed;
- ``residual`` -- after treatment: the residual likelihood and residual consequence
  recorded on the risk, each defaulting to the inherent one when blank.

score = consequence x likelihood; the level, colour and advice come from the
matrix cell (never from thresholds on the product). Flags, per row:

- ``decision_required``: level at which management must decide (KL: Middel or
  above) and no treatment recorded, on a risk that is not closed;
- ``not_acceptable``: level that should or must not be accepted (KL: Over middel,
  Høj), accepted anyway;
- ``top_management_acceptance_required``: a critical asset's risk that is accepted
  without naming who accepted it and when (top management must accept those);
- ``data_subject_very_high``: data-subject perspective, consequence 4 and score 4 or
  8 -- very high consequence, so consider reducing it even though it is unlikely;
- ``screening_candidate``: consequence at most 2 (the risk can never exceed 8);
- ``above_tolerance``: level above the tolerance the risk profile sets for the
  asset's area (default Under middel);
- ``residual_above_inherent``: residual score above inherent (a data error).

Everything is vectorised: one NumPy pass per perspective, no per-row Python.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .assessment import CIA, Assessment
from .matrix import TREATMENT_CLASSES, RiskMatrix
from .matrix import matrix as get_matrix

PERSPECTIVES = ("municipality", "data_subject", "society")
STAGES = ("inherent", "residual")
FLAGS = (
    "decision_required",
    "not_acceptable",
    "top_management_acceptance_required",
    "data_subject_very_high",
    "screening_candidate",
    "above_tolerance",
    "residual_above_inherent",
)
PERSPECTIVE_DTYPE = pd.CategoricalDtype(list(PERSPECTIVES))
STAGE_DTYPE = pd.CategoricalDtype(list(STAGES))
TREATMENT_DTYPE = pd.CategoricalDtype(["mitigate", "accept", "avoid", "transfer"])
STATUS_DTYPE = pd.CategoricalDtype(["open", "in_progress", "closed"])


def _int(values: pd.Series | np.ndarray) -> np.ndarray:
    """Nullable integers as int16 with 0 for missing."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.api.extensions.ExtensionDtype):
        return values.to_numpy(dtype=np.int16, na_value=0)
    return np.asarray(pd.array(values, dtype="Int16").fillna(0), dtype=np.int16)


def _codes(values: pd.Series) -> pd.Categorical:
    """Categorical of IDs in order of appearance (factorised once, no sorting)."""
    codes, uniques = pd.factorize(values, sort=False)
    return pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype="string"))


def _blank(values: pd.Series) -> np.ndarray:
    """Missing or empty text (the reader trims; code-built frames are taken as given)."""
    return (values.isna() | (values == "")).to_numpy(dtype=bool, na_value=True)


def score(
    assessment: Assessment,
    matrix: str | Path | RiskMatrix = "kl",
    *,
    affected_only: bool = False,
) -> pd.DataFrame:
    """Score every risk per perspective and stage. Returns the long, tidy frame.

    ``affected_only=True`` uses only the C/I/A properties the threat is marked as
    able to affect (threats with no marks use all three); the default is the
    playbook's highest of all three.
    """
    m = get_matrix(matrix)
    risks, assets = assessment.risks, assessment.assets
    n = len(risks)
    a_pos = pd.Index(assets["asset_id"]).get_indexer(risks["asset_id"])
    if (a_pos < 0).any():
        unknown = risks.loc[a_pos < 0, "asset_id"].astype("string").unique()[:5]
        raise ValueError(f"Ukendte Aktiv-ID'er i risici / unknown asset IDs in risks: {list(unknown)}")

    # Per-risk context, gathered once.
    risk_cat = _codes(risks["risk_id"])
    asset_cat = _codes(risks["asset_id"])
    threat_cat = _codes(risks["threat_id"])
    area_cat = _codes(assets["area"])
    area_codes = area_cat.codes[a_pos]
    critical = assets["critical"].fillna(False).to_numpy(dtype=bool)[a_pos]
    treatment = pd.Categorical(risks["treatment"], dtype=TREATMENT_DTYPE)
    status = pd.Categorical(risks["status"], dtype=STATUS_DTYPE)
    accepted_undocumented = _blank(risks["accepted_by"]) | risks["accepted_date"].isna().to_numpy()
    likelihood = _int(risks["likelihood"])
    res_like = _int(risks["residual_likelihood"])
    res_like = np.where(res_like > 0, res_like, likelihood)

    affects = None
    if affected_only:
        t_pos = pd.Index(assessment.threats["threat_id"]).get_indexer(risks["threat_id"])
        marks = np.stack(
            [assessment.threats[f"affects_{p}"].fillna(False).to_numpy(dtype=bool) for p in CIA], axis=1
        )
        marks = np.vstack([marks, np.zeros((1, 3), dtype=bool)])[t_pos]  # unknown threat -> no marks
        affects = np.where(marks.any(axis=1, keepdims=True), marks, True)

    parts: list[dict[str, np.ndarray]] = []
    for persp in PERSPECTIVES:
        props = list(CIA) + (["authenticity"] if persp == "society" else [])
        cols = [f"consequence_{persp}_{p}" for p in props]
        if not all(c in assets.columns for c in cols):
            continue
        cia = np.stack([_int(assets[c])[a_pos] for c in cols], axis=1)  # n x 3|4, 0 = missing
        present = (cia > 0).any(axis=1)
        used = cia.copy()
        if affects is not None:
            mask = np.ones_like(cia, dtype=bool)
            mask[:, :3] = affects
            masked = np.where(mask, cia, 0)
            # A threat that can affect only unassessed properties falls back to all.
            used = np.where((masked > 0).any(axis=1, keepdims=True), masked, cia)
        cons = used.max(axis=1).astype(np.int16)
        res_col = f"residual_consequence_{persp}"
        res_cons = _int(risks[res_col]) if res_col in risks.columns else np.zeros(n, np.int16)
        explicit = res_cons > 0
        res_cons = np.where(explicit, res_cons, cons)
        sel = np.flatnonzero(present)
        inh_score = cons * likelihood
        res_score = res_cons * res_like
        shown = np.where(used > 0, used, 0)
        for stage in STAGES:
            residual = stage == "residual"
            part = {
                "pos": sel,
                "perspective": np.full(len(sel), PERSPECTIVES.index(persp), np.int8),
                "stage": np.full(len(sel), STAGES.index(stage), np.int8),
                "cia": np.where(explicit[:, None], 0, shown)[sel] if residual else shown[sel],
                "consequence": (res_cons if residual else cons)[sel],
                "likelihood": (res_like if residual else likelihood)[sel],
                "above_inherent": (res_score > inh_score)[sel] if residual else np.zeros(len(sel), bool),
            }
            parts.append(part)

    def cat(key: str) -> np.ndarray:
        return np.concatenate([p[key] for p in parts]) if parts else np.array([], dtype=np.int16)

    pos = cat("pos").astype(np.intp)
    cia_all = np.concatenate([p["cia"][:, :4] if p["cia"].shape[1] == 4 else
                              np.hstack([p["cia"], np.zeros((len(p["cia"]), 1), np.int16)])
                              for p in parts]) if parts else np.zeros((0, 4), np.int16)
    consequence = cat("consequence")
    like = cat("likelihood")
    persp_codes = cat("perspective")

    def nullable(values: np.ndarray) -> pd.arrays.IntegerArray:
        return pd.arrays.IntegerArray(values.astype(np.int8), values <= 0)

    out = {
        "risk_id": pd.Categorical.from_codes(risk_cat.codes[pos], dtype=risk_cat.dtype),
        "asset_id": pd.Categorical.from_codes(asset_cat.codes[pos], dtype=asset_cat.dtype),
        "threat_id": pd.Categorical.from_codes(threat_cat.codes[pos], dtype=threat_cat.dtype),
        "perspective": pd.Categorical.from_codes(persp_codes, dtype=PERSPECTIVE_DTYPE),
        "stage": pd.Categorical.from_codes(cat("stage"), dtype=STAGE_DTYPE),
        "consequence_c": nullable(cia_all[:, 0]),
        "consequence_i": nullable(cia_all[:, 1]),
        "consequence_a": nullable(cia_all[:, 2]),
    }
    if assessment.has_society:
        out["consequence_authenticity"] = nullable(cia_all[:, 3])
    out.update(
        {
            "consequence": nullable(consequence),
            "likelihood": nullable(like),
            "area": pd.Categorical.from_codes(area_codes[pos], dtype=area_cat.dtype),
            "critical": critical[pos],
            "treatment": pd.Categorical.from_codes(treatment.codes[pos], dtype=TREATMENT_DTYPE),
            "status": pd.Categorical.from_codes(status.codes[pos], dtype=STATUS_DTYPE),
            "top_management_acceptance_required": (
                critical & (treatment == "accept") & accepted_undocumented
            )[pos],
            "residual_above_inherent": cat("above_inherent").astype(bool),
        }
    )
    frame = pd.DataFrame(out, copy=False)
    tolerance = _tolerance_by_area(assessment.profile)
    return _level(frame, m, tolerance)


def _tolerance_by_area(profile: pd.DataFrame | None) -> dict[str, str]:
    if profile is None or profile.empty:
        return {}
    p = profile.dropna(subset=["area", "max_accepted_level"])
    return dict(zip(p["area"].astype(str).str.strip(), p["max_accepted_level"].astype(str).str.strip(), strict=False))


def _level(frame: pd.DataFrame, m: RiskMatrix, tolerance: dict[str, str]) -> pd.DataFrame:
    """Add score, level, colour, advice and the matrix-dependent flags (vectorised)."""
    cons = frame["consequence"].to_numpy(dtype=np.int16, na_value=0)
    like = frame["likelihood"].to_numpy(dtype=np.int16, na_value=0)
    idx = m.lookup(cons, like)
    valid = idx >= 0
    score_ = (cons * like).astype(np.int8)
    treatment = frame["treatment"].cat.codes.to_numpy()
    closed = frame["status"].cat.codes.to_numpy() == STATUS_DTYPE.categories.get_loc("closed")

    # Tolerance per area: an index per row (default where the profile names none).
    default_tol = m.level_index(m.default_tolerance)
    areas = frame["area"].cat.categories
    tol_by_cat = np.array(
        [_tolerance_index(m, tolerance.get(str(a).strip()), default_tol) for a in areas] + [default_tol],
        dtype=np.int16,
    )
    tol = tol_by_cat[frame["area"].cat.codes.to_numpy()]
    data_subject = frame["perspective"].cat.codes.to_numpy() == PERSPECTIVES.index("data_subject")
    very_high_score = np.zeros(len(frame), dtype=bool)
    for s in m.very_high_scores:
        very_high_score |= score_ == s

    new = {
        "score": pd.arrays.IntegerArray(score_, ~valid),
        "level": pd.Categorical.from_codes(idx, dtype=m.level_dtype("da")),
        "colour": _per_level(idx, [lv.colour for lv in m.levels]),
        "advice": _per_level(idx, [lv.advice_da for lv in m.levels]),
        "decision_required": valid & (idx >= m.first_level_with("may_accept")) & (treatment < 0) & ~closed,
        "not_acceptable": valid
        & (idx >= m.first_level_with("should_treat"))
        & (treatment == TREATMENT_DTYPE.categories.get_loc("accept")),
        "data_subject_very_high": valid & data_subject & (cons == m.very_high_consequence) & very_high_score,
        "screening_candidate": valid & (cons <= m.screening_max_consequence),
        "above_tolerance": valid & (idx > tol),
    }
    columns = {c: frame[c] for c in frame.columns if c not in new}
    columns.update(new)
    order = [c for c in _COLUMN_ORDER if c in columns] + [c for c in columns if c not in _COLUMN_ORDER]
    out = pd.DataFrame({c: columns[c] for c in order}, copy=False)
    out.attrs["matrix"] = m.name
    out.attrs["tolerance"] = dict(tolerance)
    return out


def _per_level(idx: np.ndarray, values: list[str]) -> pd.Categorical:
    """A categorical holding ``values[idx]`` (missing where idx is -1); values may repeat."""
    cats = pd.Index(values).unique()
    to_cat = np.append(cats.get_indexer(values), -1).astype(np.int8)
    return pd.Categorical.from_codes(to_cat[idx], categories=cats)


def _tolerance_index(m: RiskMatrix, name: str | None, default: int) -> int:
    if name is None:
        return default
    try:
        return m.level_index(name)
    except KeyError:
        return default


_COLUMN_ORDER = (
    "risk_id", "asset_id", "threat_id", "perspective", "stage",
    "consequence_c", "consequence_i", "consequence_a", "consequence_authenticity",
    "consequence", "likelihood", "score", "level", "colour", "advice",
    *FLAGS,
    "area", "critical", "treatment", "status",
)  # fmt: skip


def rescore(
    scores: pd.DataFrame,
    matrix: str | Path | RiskMatrix,
    profile: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Re-level a scored frame under another matrix (scores do not change; levels,
    colours, advice and the level-dependent flags do). The risk profile defaults to
    the one the frame was scored with, matched by level name."""
    m = get_matrix(matrix)
    tolerance = _tolerance_by_area(profile) if profile is not None else scores.attrs.get("tolerance", {})
    return _level(scores, m, tolerance)


def treatment_class(level_names: pd.Series, matrix: str | Path | RiskMatrix = "kl") -> pd.Series:
    """The treatment class (acceptable ... must_treat) of each level name."""
    m = get_matrix(matrix)
    mapping = {lv.name_da: lv.treatment for lv in m.levels}
    return level_names.map(mapping).astype(pd.CategoricalDtype(list(TREATMENT_CLASSES), ordered=True))


def summarise(scores: pd.DataFrame, lang: str = "da") -> pd.DataFrame:
    """Count of risks per level (all levels shown), one row per perspective x stage,
    labelled in Danish (or English)."""
    from .i18n import t

    counts = pd.crosstab([scores["perspective"], scores["stage"]], scores["level"], dropna=False)
    present = set(scores["perspective"].astype(str))
    counts = counts.loc[[ix for ix in counts.index if ix[0] in present]]
    counts[t("total", lang)] = counts.sum(axis=1)
    counts.index = pd.MultiIndex.from_tuples(
        [(t(p, lang), t(s, lang)) for p, s in counts.index], names=[t("perspective", lang), t("stage", lang)]
    )
    if lang == "en":
        counts = counts.rename(columns=dict(zip(scores["level"].cat.categories, _english_levels(scores), strict=True)))
    counts.columns.name = t("level", lang)
    return counts


def _english_levels(scores: pd.DataFrame) -> list[str]:
    names = list(scores["level"].cat.categories)
    try:
        m = get_matrix(scores.attrs.get("matrix", "kl"))
    except ValueError:  # a custom matrix known only by name: keep its Danish names
        return names
    return [lv.name_en for lv in m.levels] if m.level_names() == names else names
