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
matrix cell (never from thresholds on the product). Flags, per row -- facts about
the level, not decisions:

- ``data_subject_very_high``: data-subject perspective, consequence 4 and score 4 or
  8 -- very high consequence, so consider reducing it even though it is unlikely;
- ``screening_candidate``: consequence at most 2 (the risk can never exceed 8);
- ``above_tolerance``: level above the tolerance T(area, perspective) that the risk
  profile sets (see :mod:`isms_analysis.tolerance`; default the matrix's highest
  acceptable level, KL: Under middel);
- ``residual_above_inherent``: residual score above inherent (a data error).

What the committee must decide (pending, decided, breach) is judged in one place,
:func:`isms_analysis.decisions`, which builds on these flags; the earlier decision
flags (``decision_required``, ``not_acceptable``,
``top_management_acceptance_required``) are retired so that nothing counts
decisions two ways.

Everything is vectorised: one NumPy pass per perspective, no per-row Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .assessment import CIA, Assessment
from .matrix import TREATMENT_CLASSES, RiskMatrix
from .matrix import matrix as get_matrix
from .tolerance import spec_of, tolerance_index

PERSPECTIVES = ("municipality", "data_subject", "society")
STAGES = ("inherent", "residual")
FLAGS = (
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


def _small(codes: np.ndarray, n: int) -> np.ndarray:
    """Category codes in the smallest integer type pandas would store them in."""
    return codes.astype(np.int8 if n < 127 else np.int16 if n < 32_767 else np.int32, copy=False)


def _factorised(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes (-1 missing) and categories of an ID column, in order of appearance (no sorting)."""
    codes, uniques = pd.factorize(values, sort=False)
    categories = pd.Index(uniques, dtype="string")
    return _small(codes, len(categories)), categories


def _row_ids(values: pd.Series) -> tuple[np.ndarray | None, pd.Index]:
    """Codes and categories of the risk IDs. Risk IDs are normally unique, one per row:
    then the IDs themselves are the categories and the code of row i is i (``None``
    is returned for that identity), which costs one uniqueness check instead of a
    factorisation plus a second uniqueness check of the categories."""
    ids = pd.Index(values.array, dtype="string")
    if not ids.hasnans and ids.is_unique:
        return None, ids
    return _factorised(values)


def _recode(values: pd.Series, dtype: pd.CategoricalDtype) -> np.ndarray:
    """Codes of ``values`` in a fixed categorical dtype (-1 where missing or unknown),
    found per distinct value rather than per row."""
    codes, uniques = pd.factorize(values, sort=False)
    lookup = np.append(dtype.categories.get_indexer(pd.Index(uniques, dtype=object)), -1).astype(np.int8)
    return lookup[codes]


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

    Returns one row per risk x perspective x stage (a perspective only where the asset
    has consequences for it). Columns (dtype):

    - ``risk_id``, ``asset_id``, ``threat_id`` (category): the workbook's IDs;
    - ``perspective`` (category: municipality, data_subject, society), ``stage``
      (category: inherent, residual);
    - ``consequence_c``, ``consequence_i``, ``consequence_a`` (Int8; and
      ``consequence_authenticity`` for society), ``consequence``, ``likelihood``, ``score``
      (Int8, missing when not assessed);
    - ``level`` (ordered category of the matrix's level identifiers, e.g. "Middel"),
      ``colour`` (category, hex), ``advice`` (category, Danish);
    - the flags ``decision_required``, ``not_acceptable``,
      ``top_management_acceptance_required``, ``data_subject_very_high``,
      ``screening_candidate``, ``above_tolerance``, ``residual_above_inherent`` (bool);
    - ``area`` (category), ``critical`` (bool), ``treatment`` (category: mitigate, accept,
      avoid, transfer), ``status`` (category: open, in_progress, closed);
    - ``asset_name``, ``asset_type`` (category, a key such as it_system), ``threat_name``
      (category), as :func:`isms_analysis.load_rounds` gives them.

    ``attrs``: ``matrix`` (name), ``tolerance`` (area -> level), ``rows`` (row count; a
    frame with fewer rows was filtered). Filter with keys or labels in either language
    through :func:`isms_analysis.where` or ``frame["level"].isms >= "High"``.
    """
    m = get_matrix(matrix)
    risks, assets = assessment.risks, assessment.assets
    n = len(risks)
    # Assets per risk: factorise the (few distinct) asset IDs once and look only the
    # distinct ones up among the assets.
    asset_codes, asset_ids = _factorised(risks["asset_id"])
    a_pos = np.append(pd.Index(assets["asset_id"]).get_indexer(asset_ids), -1)[asset_codes]
    if (a_pos < 0).any():
        unknown = risks.loc[a_pos < 0, "asset_id"].astype("string").unique()[:5]
        raise ValueError(f"Ukendte Aktiv-ID'er i risici / unknown asset IDs in risks: {list(unknown)}")

    # Per-risk context, gathered once.
    risk_codes, risk_ids = _row_ids(risks["risk_id"])
    threat_codes, threat_ids = _factorised(risks["threat_id"])
    area_codes, areas = _factorised(assets["area"])
    critical_asset = assets["critical"].fillna(False).to_numpy(dtype=bool)
    treatment = _recode(risks["treatment"], TREATMENT_DTYPE)
    status = _recode(risks["status"], STATUS_DTYPE)
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

    # One part per perspective x stage: the risks it covers (``sel``) and its values.
    sel_parts: list[np.ndarray] = []
    part_codes: list[tuple[int, int]] = []  # (perspective, stage) of each part
    values: dict[str, list[np.ndarray]] = {k: [] for k in ("c", "i", "a", "auth", "cons", "like", "above")}
    for persp in PERSPECTIVES:
        props = list(CIA) + (["authenticity"] if persp == "society" else [])
        cols = [f"consequence_{persp}_{p}" for p in props]
        if not all(c in assets.columns for c in cols):
            continue
        per_asset = np.stack([_int(assets[c]) for c in cols], axis=1)  # assets x 3|4, 0 = missing
        if affects is None:
            # The consequence depends on the asset only: take the highest per asset, then per risk.
            present = (per_asset > 0).any(axis=1)[a_pos]
            cons = per_asset.max(axis=1).astype(np.int16)[a_pos]
            sel = np.flatnonzero(present)
            shown = np.clip(per_asset, 0, None).astype(np.int8)[a_pos[sel]]
        else:
            cia = per_asset[a_pos]
            present = (cia > 0).any(axis=1)
            mask = np.ones_like(cia, dtype=bool)
            mask[:, :3] = affects
            masked = np.where(mask, cia, 0)
            # A threat that can affect only unassessed properties falls back to all.
            used = np.where((masked > 0).any(axis=1, keepdims=True), masked, cia)
            cons = used.max(axis=1).astype(np.int16)
            sel = np.flatnonzero(present)
            shown = np.where(used > 0, used, 0).astype(np.int8)[sel]
        res_col = f"residual_consequence_{persp}"
        res_cons = _int(risks[res_col]) if res_col in risks.columns else np.zeros(n, np.int16)
        explicit = res_cons[sel] > 0
        cons_sel = cons[sel]
        res_cons_sel = np.where(explicit, res_cons[sel], cons_sel)
        like_sel, res_like_sel = likelihood[sel], res_like[sel]
        zero = np.zeros(len(sel), np.int8)
        for residual in (False, True):
            sel_parts.append(sel)
            part_codes.append((PERSPECTIVES.index(persp), int(residual)))
            for j, key in enumerate(("c", "i", "a", "auth")):
                col = shown[:, j] if j < shown.shape[1] else zero
                values[key].append(np.where(explicit, 0, col).astype(np.int8) if residual else col)
            values["cons"].append(res_cons_sel if residual else cons_sel)
            values["like"].append(res_like_sel if residual else like_sel)
            values["above"].append(res_cons_sel * res_like_sel > cons_sel * like_sel if residual else zero.astype(bool))

    def cat(key: str, dtype: type = np.int8) -> np.ndarray:
        return np.concatenate(values[key]) if values[key] else np.zeros(0, dtype)

    pos = np.concatenate(sel_parts) if sel_parts else np.zeros(0, np.intp)
    sizes = [len(s) for s in sel_parts]
    persp_codes = np.repeat(np.array([p for p, _ in part_codes], np.int8), sizes)
    stage_codes = np.repeat(np.array([st for _, st in part_codes], np.int8), sizes)
    row_asset = a_pos[pos]

    def nullable(v: np.ndarray) -> pd.arrays.IntegerArray:
        return pd.arrays.IntegerArray(v.astype(np.int8, copy=False), v <= 0)

    columns: dict[str, object] = {
        "risk_id": pd.Categorical.from_codes(
            _small(pos, len(risk_ids)) if risk_codes is None else risk_codes[pos],
            dtype=pd.CategoricalDtype(risk_ids), validate=False,
        ),
        "asset_id": pd.Categorical.from_codes(asset_codes[pos], dtype=pd.CategoricalDtype(asset_ids), validate=False),
        "threat_id": pd.Categorical.from_codes(threat_codes[pos], dtype=pd.CategoricalDtype(threat_ids), validate=False),
        "perspective": pd.Categorical.from_codes(persp_codes, dtype=PERSPECTIVE_DTYPE, validate=False),
        "stage": pd.Categorical.from_codes(stage_codes, dtype=STAGE_DTYPE, validate=False),
        "consequence_c": nullable(cat("c")),
        "consequence_i": nullable(cat("i")),
        "consequence_a": nullable(cat("a")),
    }  # fmt: skip
    if assessment.has_society:
        columns["consequence_authenticity"] = nullable(cat("auth"))
    cons_all, like_all = cat("cons", np.int16), cat("like", np.int16)
    columns.update(
        {
            "consequence": nullable(cons_all),
            "likelihood": nullable(like_all),
            "area": pd.Categorical.from_codes(area_codes[row_asset], dtype=pd.CategoricalDtype(areas), validate=False),
            "critical": critical_asset[row_asset],
            "treatment": pd.Categorical.from_codes(treatment[pos], dtype=TREATMENT_DTYPE, validate=False),
            "status": pd.Categorical.from_codes(status[pos], dtype=STATUS_DTYPE, validate=False),
            "residual_above_inherent": cat("above", bool).astype(bool, copy=False),
        }
    )
    columns.update(_descriptions(assessment, asset_ids, threat_ids, asset_codes[pos], threat_codes[pos]))
    tolerance = spec_of(assessment.profile)
    return _level(columns, m, tolerance, cons=cons_all, like=like_all)


def _descriptions(
    assessment: Assessment, asset_ids: pd.Index, threat_ids: pd.Index, asset_codes: np.ndarray, threat_codes: np.ndarray
) -> dict[str, pd.Categorical]:
    """``asset_name``, ``asset_type`` and ``threat_name`` per row, as ``load_rounds`` gives
    them: looked up once per distinct asset/threat and spread by category codes."""
    out: dict[str, pd.Categorical] = {}
    for names, table, key, ids, codes in (
        (("asset_name", "name"), assessment.assets, "asset_id", asset_ids, asset_codes),
        (("asset_type", "type"), assessment.assets, "asset_id", asset_ids, asset_codes),
        (("threat_name", "name"), assessment.threats, "threat_id", threat_ids, threat_codes),
    ):
        out_name, col = names
        if table is None or col not in table.columns or key not in table.columns:
            continue
        index = pd.Index(table[key])
        if not index.is_unique:
            keep = ~index.duplicated()
            table, index = table[keep], index[keep]
        pos = index.get_indexer(ids)  # per distinct ID: its row in the table, -1 when unknown
        values = table[col].astype("string").to_numpy(dtype=object, na_value=None)
        per_id = np.where(pos >= 0, values[np.clip(pos, 0, None)] if len(values) else None, None)
        id_codes, cats = pd.factorize(per_id, use_na_sentinel=True)
        lookup = np.append(id_codes, -1)  # -1 for rows whose ID is missing
        out[out_name] = pd.Categorical.from_codes(
            _small(lookup, len(cats))[codes],
            dtype=pd.CategoricalDtype(pd.Index(cats, dtype="string")),
            validate=False,
        )
    return out


def _categorical(values: object) -> pd.Categorical:
    return values.array if isinstance(values, pd.Series) else values  # type: ignore[return-value]


def _codes_in(values: object, dtype: pd.CategoricalDtype) -> np.ndarray:
    """Codes of a categorical column in ``dtype``'s categories, recoded by name when
    the column carries other categories (a history's are sorted, for instance)."""
    cat = _categorical(values)
    if not isinstance(cat, pd.Categorical):
        return _recode(pd.Series(cat), dtype)
    if list(cat.categories) == list(dtype.categories):
        return np.asarray(cat.codes)
    return np.append(dtype.categories.get_indexer(cat.categories.astype(object)), -1).astype(np.int8)[cat.codes]


def _level_index(m: RiskMatrix, cons: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``m.lookup`` as one table take: the cells padded with -1 on every side, so any
    consequence or likelihood outside the scales (0 = missing) lands on -1."""
    nc, nl = m.cells.shape
    padded = np.full((nc + 2, nl + 2), -1, dtype=np.int8)
    padded[1 : nc + 1, 1 : nl + 1] = m.cells
    kind = np.int16 if padded.size < 2**15 else np.intp
    flat = np.clip(cons, 0, nc + 1).astype(kind) * (nl + 2) + np.clip(like, 0, nl + 1).astype(kind)
    return padded.ravel().take(flat)


def _level(
    columns: Mapping[str, object],
    m: RiskMatrix,
    tolerance: dict[str, object],
    *,
    cons: np.ndarray | None = None,
    like: np.ndarray | None = None,
) -> pd.DataFrame:
    """Add score, level, colour, advice and the matrix-dependent flags (vectorised)
    to the columns of a scored frame; returns the frame in the documented order."""
    if cons is None:
        cons = pd.array(columns["consequence"], dtype="Int16").to_numpy(dtype=np.int16, na_value=0)
    if like is None:
        like = pd.array(columns["likelihood"], dtype="Int16").to_numpy(dtype=np.int16, na_value=0)
    idx = _level_index(m, cons, like)
    valid = idx >= 0
    score_ = (cons * like).astype(np.int8)
    # Tolerance per (area, perspective): one table lookup per row.
    tol = tolerance_index(m, tolerance, _categorical(columns["area"]), _categorical(columns["perspective"]))
    data_subject = _codes_in(columns["perspective"], PERSPECTIVE_DTYPE) == PERSPECTIVES.index("data_subject")
    very_high_score = np.zeros(len(score_), dtype=bool)
    for s in m.very_high_scores:
        very_high_score |= score_ == s

    new = {
        "score": pd.arrays.IntegerArray(score_, ~valid),
        "level": pd.Categorical.from_codes(idx, dtype=m.level_dtype("da"), validate=False),
        "colour": _per_level(idx, [lv.colour for lv in m.levels]),
        "advice": _per_level(idx, [lv.advice_da for lv in m.levels]),
        "data_subject_very_high": valid & data_subject & (cons == m.very_high_consequence) & very_high_score,
        "screening_candidate": valid & (cons <= m.screening_max_consequence),
        "above_tolerance": valid & (idx > tol),
    }
    merged = {c: columns[c] for c in columns if c not in new}
    merged.update(new)
    order = [c for c in _COLUMN_ORDER if c in merged] + [c for c in merged if c not in _COLUMN_ORDER]
    out = pd.DataFrame({c: merged[c] for c in order}, copy=False)
    out.attrs["matrix"] = m.name
    out.attrs["tolerance"] = dict(tolerance)
    out.attrs["rows"] = len(out)  # a frame with fewer rows was filtered (see write_register)
    return out


def _per_level(idx: np.ndarray, values: list[str]) -> pd.Categorical:
    """A categorical holding ``values[idx]`` (missing where idx is -1); values may repeat."""
    cats = pd.Index(values).unique()
    to_cat = np.append(cats.get_indexer(values), -1).astype(np.int8)
    return pd.Categorical.from_codes(to_cat[idx], categories=cats, validate=False)


_COLUMN_ORDER = (
    "risk_id", "asset_id", "threat_id", "perspective", "stage",
    "consequence_c", "consequence_i", "consequence_a", "consequence_authenticity",
    "consequence", "likelihood", "score", "level", "colour", "advice",
    *FLAGS,
    "area", "critical", "treatment", "status", "asset_name", "asset_type", "threat_name",
)  # fmt: skip


def rescore(
    scores: pd.DataFrame,
    matrix: str | Path | RiskMatrix,
    profile: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Re-level a scored frame under another matrix (scores do not change; levels,
    colours, advice and the level-dependent flags do). The risk profile defaults to
    the one the frame was scored with, matched by level name.

    Columns (dtype): the same as :func:`score`; ``level`` holds the new
    matrix's level identifiers (ordered category).
    """
    m = get_matrix(matrix)
    tolerance = spec_of(profile) if profile is not None else scores.attrs.get("tolerance", {})
    out = _level({c: scores[c] for c in scores.columns}, m, tolerance)
    out.attrs["rows"] = scores.attrs.get("rows", len(scores))  # a filtered frame stays marked as filtered
    return out


def treatment_class(level_names: pd.Series, matrix: str | Path | RiskMatrix = "kl") -> pd.Series:
    """The treatment class (acceptable ... must_treat) of each level name."""
    m = get_matrix(matrix)
    mapping = {lv.name_da: lv.treatment for lv in m.levels}
    return level_names.map(mapping).astype(pd.CategoricalDtype(list(TREATMENT_CLASSES), ordered=True))


def summarise(scores: pd.DataFrame, lang: str = "da") -> pd.DataFrame:
    """Count of risks per level (all levels shown), one row per perspective x stage,
    labelled in Danish (or English).

    A display table: index (perspective, stage) labels, one int64 column per level name
    in ``lang`` plus the total ("I alt"/"Total").
    """
    from .text import t

    counts = pd.crosstab([scores["perspective"], scores["stage"]], scores["level"], dropna=False)
    present = set(scores["perspective"].astype(str))
    counts = counts.loc[[ix for ix in counts.index if ix[0] in present]]
    counts[t("common.total", lang)] = counts.sum(axis=1)
    counts.index = pd.MultiIndex.from_tuples(
        [(t(f"common.{p}", lang), t(f"common.{s}", lang)) for p, s in counts.index],
        names=[t("common.perspective", lang), t("common.stage", lang)],
    )
    if lang == "en":
        counts = counts.rename(columns=dict(zip(scores["level"].cat.categories, _english_levels(scores), strict=True)))
    counts.columns.name = t("common.level", lang)
    return counts


def _english_levels(scores: pd.DataFrame) -> list[str]:
    names = list(scores["level"].cat.categories)
    try:
        m = get_matrix(scores.attrs.get("matrix", "kl"))
    except ValueError:  # a custom matrix known only by name: keep its Danish names
        return names
    return [lv.name_en for lv in m.levels] if m.level_names() == names else names
