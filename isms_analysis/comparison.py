"""Assessment rounds over time: comparison with attribution, migration and trends.

Analysis only: DataFrame in, DataFrame out (no figures, HTML or file I/O; the
figures are in :mod:`isms_analysis.figures.rounds`, the trend report's HTML in
:mod:`isms_analysis.render.trend_report`).

KL's playbook repeats the risk assessment with the same method so results are
comparable between rounds, and asks that risks are followed up: are the controls
in place and working, have assets, threats or consequences changed. This module
answers "what changed between two rounds, and why":

- :func:`compare_rounds` matches two scored frames on (risk_id, perspective, stage)
  and classifies each row as new, closed, unchanged, escalated or de-escalated (by
  the order of the matrix levels), then attributes the change: likelihood,
  consequence (which of C/I/A), controls (the residual changed while the inherent
  did not), or a new risk matrix (the level the new score would have had under the
  old matrix). A risk whose asset or threat changed under the same ID is flagged,
  not silently matched.
- :func:`migration_matrix`, :func:`trend`, :func:`trend_by`, :func:`movers` and
  :func:`time_to_treatment` summarise many rounds (a *history*: the long frame of
  :func:`stack_rounds` or :func:`isms_analysis.store.load_rounds`).

Levels are compared by the matrix's own order; the levels that call for treatment
are those whose treatment class is ``should_treat`` or ``must_treat`` -- the matrix
says which, nothing here knows level names. Everything is vectorised (merges and
group-bys, no per-risk loops).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .matrix import TREATMENT_CLASSES, MatrixError, RiskMatrix, from_json, to_json
from .matrix import matrix as get_matrix
from .scoring import PERSPECTIVES, STAGES, rescore
from .text import pair, t

KEYS = ["risk_id", "perspective", "stage"]
CHANGES = ("new", "closed", "unchanged", "escalated", "de-escalated")
CHANGE_DTYPE = pd.CategoricalDtype(list(CHANGES))
TREAT_CLASSES = ("should_treat", "must_treat")
CLASS_DTYPE = pd.CategoricalDtype(list(TREATMENT_CLASSES), ordered=True)

# The texts are in the catalogue: data/text/trend.toml (this module's) and common.toml (shared terms).
PERSPECTIVE_KEYS = {p: f"common.{p}" for p in PERSPECTIVES}
STAGE_KEYS = {s: f"common.{s}" for s in STAGES}
BY_KEYS = {"area": "common.area", "asset_type": "trend.asset_type"}  # trend_by's groups


# -- levels across matrices ----------------------------------------------------------------
def combine_levels(orders: Sequence[Sequence[str]]) -> list[str]:
    """Merge level orders (lowest first) into one order that respects each of them.

    The first order is the base; a level only another order knows is inserted right
    after the nearest lower level the two share (KL's "Middel" lands between "Under
    middel" and "Over middel" of a matrix that has no "Middel")."""
    merged: list[str] = []
    for order in orders:
        order = [str(x) for x in order]
        for i, name in enumerate(order):
            if name in merged:
                continue
            lower = [x for x in order[:i] if x in merged]
            pos = merged.index(lower[-1]) + 1 if lower else 0
            merged.insert(pos, name)
    return merged


def level_order(frame: pd.DataFrame) -> list[str]:
    """The level names of ``frame["level"]``, lowest first (in category order)."""
    d = frame["level"].dtype
    if isinstance(d, pd.CategoricalDtype):
        return [str(c) for c in d.categories]
    return sorted(frame["level"].dropna().astype(str).unique())


def history_matrices(history: pd.DataFrame) -> dict[str, RiskMatrix]:
    """Each round's RiskMatrix (kept in ``history.attrs["matrices"]`` as JSON text)."""
    return {r: from_json(spec) for r, spec in history.attrs.get("matrices", {}).items()}


def _resolve_matrix(m: str | RiskMatrix | None, frame: pd.DataFrame) -> RiskMatrix | None:
    candidate = m if m is not None else frame.attrs.get("matrix")
    if candidate is None:
        return None
    try:
        return get_matrix(candidate)
    except MatrixError:
        return None


# -- building a history ----------------------------------------------------------------------
def enrich(
    scores: pd.DataFrame,
    risks: pd.DataFrame | None = None,
    assets: pd.DataFrame | None = None,
    threats: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Add ``controls`` (from the risks), ``asset_name``/``asset_type`` (from the assets)
    and ``threat_name`` (from the threats) to a scored frame, as categoricals."""
    out = scores.copy()

    def lookup(keys: pd.Series, table: pd.DataFrame | None, key: str, col: str) -> pd.Categorical | None:
        if table is None or col not in table.columns:
            return None
        t = table.drop_duplicates(key)
        mapping = pd.Series(t[col].astype("string").to_numpy(), index=t[key].astype("string").to_numpy())
        return pd.Categorical(keys.astype("string").map(mapping).astype("string"))

    for name, (table, key, col) in {
        "controls": (risks, "risk_id", "controls"),
        "asset_name": (assets, "asset_id", "name"),
        "asset_type": (assets, "asset_id", "type"),
        "threat_name": (threats, "threat_id", "name"),
    }.items():
        values = lookup(out[key], table, key, col)
        if values is not None:
            out[name] = values
    return out


def stack_rounds(
    frames: Mapping[Any, pd.DataFrame],
    *,
    matrices: Mapping[Any, RiskMatrix] | None = None,
    sha256: Mapping[Any, str | None] | None = None,
    municipality: str | None = None,
) -> pd.DataFrame:
    """Stack scored frames of several rounds into one long *history*, oldest first.

    ``frames`` maps a round label (or a (municipality, round) pair) to the round's
    scored frame, in chronological order. Adds ``municipality``, ``round`` (ordered
    categorical), ``matrix`` and ``treatment_class``; the level becomes one ordered
    categorical across the rounds' matrices. ``attrs["matrices"]`` maps each round
    to its matrix (see :func:`history_matrices`), ``attrs["sha256"]`` to its source
    fingerprint."""
    parts = []
    labels: list[str] = []
    round_matrices: dict[str, RiskMatrix] = {}
    fingerprints: dict[str, str | None] = {}
    for key, frame in frames.items():
        mun, rnd = key if isinstance(key, tuple) else (municipality, key)
        rnd = str(rnd)
        m = (matrices or {}).get(key) or _resolve_matrix(None, frame)
        if m is None:
            raise ValueError(
                f"Runde {rnd}: ukendt risikomatrix; angiv matrices / round {rnd}: unknown matrix, pass matrices"
            )
        classes = {lv.name_da: lv.treatment for lv in m.levels} | {lv.name_en: lv.treatment for lv in m.levels}
        part = frame.assign(
            municipality=mun,
            round=rnd,
            matrix=m.name,
            treatment_class=frame["level"].astype("string").map(classes).astype("string"),
        )
        part["level"] = part["level"].astype("string")
        for col in part.columns:
            if isinstance(part[col].dtype, pd.CategoricalDtype) and col not in ("perspective", "stage"):
                part[col] = part[col].astype("string")
        parts.append(part)
        if rnd not in labels:
            labels.append(rnd)
        round_matrices[rnd] = m
        fingerprints[rnd] = (sha256 or {}).get(key)
    if not parts:
        return pd.DataFrame(columns=["municipality", "round", *KEYS, "level", "score", "treatment_class"])
    levels = combine_levels([level_order(f) for f in frames.values()])
    history = pd.concat(parts, ignore_index=True)
    history["round"] = pd.Categorical(history["round"], categories=labels, ordered=True)
    history["level"] = pd.Categorical(history["level"], categories=levels, ordered=True)
    history["treatment_class"] = pd.Categorical(history["treatment_class"], dtype=CLASS_DTYPE)
    history["perspective"] = pd.Categorical(history["perspective"].astype("string"), categories=list(PERSPECTIVES))
    history["stage"] = pd.Categorical(history["stage"].astype("string"), categories=list(STAGES))
    for col in history.columns:
        if history[col].dtype == "string" or history[col].dtype == object:
            history[col] = history[col].astype("category")
    front = ["municipality", "round", *KEYS]
    history = history[front + [c for c in history.columns if c not in front]]
    history.attrs["matrices"] = {r: to_json(m) for r, m in round_matrices.items()}
    history.attrs["sha256"] = fingerprints
    return history


def round_frame(history: pd.DataFrame, round: str) -> pd.DataFrame:
    """One round's scored frame out of a history (``attrs["matrix"]`` set)."""
    part = history[history["round"] == round].reset_index(drop=True)
    m = history_matrices(history).get(str(round))
    if m is not None:
        part.attrs = {"matrix": m.name}
    elif "matrix" in part.columns and len(part):
        part.attrs = {"matrix": str(part["matrix"].iloc[0])}
    return part


def rounds_in(history: pd.DataFrame) -> list[str]:
    """The round labels present in ``history``, in round order."""
    present = set(history["round"].astype(str).unique())
    return [str(r) for r in history["round"].cat.categories if str(r) in present]


# -- comparing two rounds -------------------------------------------------------------------
def _side(frame: pd.DataFrame, risks: pd.DataFrame | None, by: Sequence[str] = ()) -> pd.DataFrame:
    wanted = [
        "asset_id", "threat_id", "consequence_c", "consequence_i", "consequence_a",
        "consequence", "likelihood", "score", "level", "status", "controls",
        "area", "asset_name", "threat_name",
    ]  # fmt: skip
    cols = [c for c in wanted if c in frame.columns]
    side = frame[[*by, *KEYS, *cols]].copy()
    # Pairs cut from one history share its categoricals: they stay categorical through
    # the merge (by code) and become text afterwards; a lone pair of frames is matched on text.
    shared = ("risk_id", "asset_id", "threat_id", "perspective", "stage", "status", "controls", "area",
              "asset_name", "threat_name", "level") if by else ()  # fmt: skip
    for c in ("risk_id", "asset_id", "threat_id", "perspective", "stage", "status", "controls", "area",
              "asset_name", "threat_name"):  # fmt: skip
        if c in side.columns and not (c in shared and isinstance(side[c].dtype, pd.CategoricalDtype)):
            side[c] = _as_string(side[c])
    if "controls" not in side.columns and risks is not None and "controls" in risks.columns:
        r = risks.drop_duplicates("risk_id")
        mapping = pd.Series(r["controls"].astype("string").to_numpy(), index=r["risk_id"].astype("string").to_numpy())
        side["controls"] = side["risk_id"].map(mapping).astype("string")
    if not ("level" in shared and isinstance(side["level"].dtype, pd.CategoricalDtype)):
        side["level"] = _as_string(side["level"])
    for c in ("consequence_c", "consequence_i", "consequence_a", "consequence", "likelihood", "score"):
        if c not in side.columns:
            side[c] = pd.array([pd.NA] * len(side), dtype="Int16")
        side[c] = side[c].astype("Int16")
    return side


def _as_string(s: pd.Series) -> pd.Series:
    """A column as pandas "string"; a categorical via its (few) categories, not per row."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        text = s.cat.categories.astype(str).astype("string").array
        return pd.Series(text.take(s.cat.codes.to_numpy(), allow_fill=True), index=s.index, name=s.name)
    return s.astype("string")


def _coalesce(newer: pd.Series, older: pd.Series) -> pd.Series:
    """``newer.fillna(older)``; for Arrow-backed text of one dtype done by Arrow directly."""
    if newer.dtype == older.dtype and isinstance(newer.dtype, pd.StringDtype) and newer.dtype.storage == "pyarrow":
        import pyarrow.compute as pc

        merged = pc.coalesce(newer.array.__arrow_array__(), older.array.__arrow_array__())
        return pd.Series(pd.array(merged, dtype=newer.dtype), index=newer.index, name=newer.name)
    return newer.fillna(older)


def _differs(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise "a and b differ", where missing equals missing."""
    x = a.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    y = b.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return ~((x == y) | (np.isnan(x) & np.isnan(y)))


def _split_controls(risk_ids: pd.Series | pd.DataFrame, controls: pd.Series) -> pd.DataFrame:
    items = controls.fillna("").astype("string").str.replace(",", ";", regex=False).str.split(";")
    keys = risk_ids if isinstance(risk_ids, pd.DataFrame) else risk_ids.to_frame("risk_id")
    long = pd.DataFrame({**{k: keys[k].to_numpy() for k in keys.columns}, "control": items.to_numpy()})
    long = long.explode("control")
    long["control"] = long["control"].astype("string").str.strip()
    return long[long["control"].notna() & (long["control"] != "")].drop_duplicates()


def _controls_diff(both: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per risk whose controls text changed: controls added and removed between the
    rounds (sorted, ``", "``-joined). Indexed by risk_id (``by`` + risk_id)."""
    key = [*by, "risk_id"]
    per_risk = both.drop_duplicates(key)
    per_risk = per_risk[_str_differs(per_risk["controls_old"].fillna(""), per_risk["controls_new"].fillna(""))]
    if per_risk.empty:  # (merging empty Arrow-backed keys fails in pandas 3.1 with pyarrow installed)
        return pd.DataFrame(
            {"controls_added": pd.Series(dtype="string"), "controls_removed": pd.Series(dtype="string")},
            index=pd.Index([], name="risk_id") if not by else pd.MultiIndex.from_arrays([[]] * len(key), names=key),
        )
    old = _split_controls(per_risk[key], per_risk["controls_old"])
    new = _split_controls(per_risk[key], per_risk["controls_new"])
    merged = old.merge(new, on=[*key, "control"], how="outer", indicator=True)
    merged = merged.sort_values([*key, "control"], kind="stable")
    index = pd.Index(per_risk["risk_id"].unique(), name="risk_id") if not by else pd.MultiIndex.from_frame(per_risk[key])
    out = pd.DataFrame(index=index)
    for col, side in (("controls_added", "right_only"), ("controls_removed", "left_only")):
        sel = merged[merged["_merge"] == side]
        groups = sel["risk_id"] if not by else [sel[k] for k in key]
        joined = (sel["control"].astype("string") + ", ").groupby(groups).sum()
        out[col] = joined.str[:-2]
    return out.fillna("").astype("string")


def _join(parts: list[np.ndarray], sep: str = "; ") -> np.ndarray:
    """Join string arrays element-wise, skipping empty parts (only the rows a part
    has text for are touched)."""
    out = np.full(len(parts[0]) if parts else 0, "", dtype=object)
    for p in parts:
        p = np.asarray(p)
        rows = np.flatnonzero(p != "")
        if not len(rows):
            continue
        text, cur = p[rows].astype(object), out[rows]
        out[rows] = np.where(cur != "", cur + sep + text, text)
    return out


def _text_where(mask: np.ndarray, make: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``make(rows)`` for the rows in ``mask``, "" elsewhere (text built only where needed)."""
    out = np.full(len(mask), "", dtype=object)
    rows = np.flatnonzero(mask)
    if len(rows):
        out[rows] = make(rows)
    return out


def _arrow(a: pd.Series, b: pd.Series) -> np.ndarray:
    return (a.astype("string").fillna("–") + " → " + b.astype("string").fillna("–")).to_numpy(dtype=object)


def compare_rounds(
    old: pd.DataFrame,
    new: pd.DataFrame,
    *,
    old_risks: pd.DataFrame | None = None,
    new_risks: pd.DataFrame | None = None,
    old_matrix: str | RiskMatrix | None = None,
    new_matrix: str | RiskMatrix | None = None,
    lang: str = "da",
) -> pd.DataFrame:
    """Compare two scored frames row by row (risk_id x perspective x stage).

    The matrices default to ``frame.attrs["matrix"]``. Controls come from a
    ``controls`` column on the frames (see :func:`enrich`) or from ``old_risks`` /
    ``new_risks``; without them ``controls_added``/``controls_removed`` are empty.
    Returns one row per key with the levels and scores of both rounds, ``change``
    (new, closed, unchanged, escalated, de-escalated), ``level_change`` (steps in
    level order) and the attribution columns ``likelihood_changed``,
    ``consequence_changed``, ``changed_properties`` ("C,A"),
    ``residual_controls_changed``, ``controls_added``, ``controls_removed``,
    ``matrix_changed``, ``level_old_matrix``, ``identity_changed`` and ``reason``.

    Columns (dtype): ``risk_id``, ``asset_id``, ``threat_id`` (string); ``perspective``,
    ``stage`` (category); ``level_old``, ``level_new``, ``level_old_matrix`` (ordered
    category of level identifiers); ``score_old``, ``score_new``, ``level_change``,
    ``likelihood_old``, ``likelihood_new``, ``consequence_old``, ``consequence_new``
    (Int16); ``change`` (category); ``likelihood_changed``, ``consequence_changed``,
    ``residual_controls_changed``, ``matrix_changed``, ``identity_changed`` (bool);
    ``changed_properties``, ``controls_added``, ``controls_removed`` (string);
    ``matrix_old``, ``matrix_new`` (str); ``asset_id_old``, ``asset_id_new``,
    ``threat_id_old``, ``threat_id_new``, ``area``, ``asset_name``, ``threat_name``
    (string); ``reason`` (string, in ``lang``).
    """
    return _compare(old, new, (), old_risks=old_risks, new_risks=new_risks, old_matrix=old_matrix,
                    new_matrix=new_matrix, lang=lang)  # fmt: skip


def _compare(
    old: pd.DataFrame,
    new: pd.DataFrame,
    by: Sequence[str],
    *,
    old_risks: pd.DataFrame | None,
    new_risks: pd.DataFrame | None,
    old_matrix: str | RiskMatrix | None,
    new_matrix: str | RiskMatrix | None,
    lang: str,
) -> pd.DataFrame:
    """:func:`compare_rounds`, matching rows also on the ``by`` columns (several pairs
    of rounds compared in one pass; the ``by`` columns lead the result)."""
    by = list(by)
    keys = [*by, *KEYS]
    m_old = _resolve_matrix(old_matrix, old)
    m_new = _resolve_matrix(new_matrix, new)
    name_old = m_old.name if m_old is not None else old.attrs.get("matrix")
    name_new = m_new.name if m_new is not None else new.attrs.get("matrix")
    matrix_changed = bool(m_old != m_new) if (m_old is not None and m_new is not None) else name_old != name_new

    a, b = _side(old, old_risks, by), _side(new, new_risks, by)
    if m_old is not None and len(new):
        relevelled = rescore(new, m_old)["level"]
        b["level_old_matrix"] = relevelled.array if by else relevelled.astype("string").to_numpy()
    else:
        b["level_old_matrix"] = pd.array([pd.NA] * len(b), dtype="string")
    a = a.rename(columns={c: f"{c}_old" for c in a.columns if c not in keys})
    b = b.rename(columns={c: f"{c}_new" for c in b.columns if c not in keys and c != "level_old_matrix"})
    c = a.merge(b, on=keys, how="outer", indicator=True)
    for col in c.columns:
        if by and col not in (*KEYS, "level_old", "level_new", "level_old_matrix", "_merge") and isinstance(
            c[col].dtype, pd.CategoricalDtype
        ):
            c[col] = _as_string(c[col])
    both = (c["_merge"] == "both").to_numpy()
    only_old = (c["_merge"] == "left_only").to_numpy()
    only_new = (c["_merge"] == "right_only").to_numpy()
    closed_old = (c["status_old"] == "closed").fillna(False).to_numpy(dtype=bool) if "status_old" in c else False
    closed_new = (c["status_new"] == "closed").fillna(False).to_numpy(dtype=bool) if "status_new" in c else False
    closed_in_new = both & closed_new & ~closed_old
    closed = only_old | closed_in_new

    order = combine_levels([level_order(new), level_order(old)])
    level_dtype = pd.CategoricalDtype(order, ordered=True)
    lo = pd.Categorical(c["level_old"], dtype=level_dtype)
    ln = pd.Categorical(c["level_new"], dtype=level_dtype)
    valid = (lo.codes >= 0) & (ln.codes >= 0)
    step = ln.codes.astype(np.int16) - lo.codes.astype(np.int16)
    compared = both & ~closed
    change = np.select(
        [only_new, closed, compared & valid & (step > 0), compared & valid & (step < 0)],
        [CHANGES.index("new"), CHANGES.index("closed"), CHANGES.index("escalated"), CHANGES.index("de-escalated")],
        default=CHANGES.index("unchanged"),
    ).astype(np.int8)

    # Attribution (only meaningful where the risk is in both rounds).
    like_changed = both & _differs(c["likelihood_old"], c["likelihood_new"])
    cons_changed = both & _differs(c["consequence_old"], c["consequence_new"])
    props_en, props_da = [], []
    for p in ("c", "i", "a"):  # CIA letters: English C, I, A; Danish FIT
        da, en = pair(f"common.cia_{p}")
        d = both & _differs(c[f"consequence_{p}_old"], c[f"consequence_{p}_new"])
        props_en.append(np.where(d, en, ""))
        props_da.append(np.where(d, da, ""))
    changed_props = _join(props_en, ",")
    changed_props_da = _join(props_da, ",")

    out = pd.DataFrame(
        {
            **{k: c[k] for k in by},
            "risk_id": _as_string(c["risk_id"]),
            "perspective": pd.Categorical(c["perspective"], categories=list(PERSPECTIVES)),
            "stage": pd.Categorical(c["stage"], categories=list(STAGES)),
            "asset_id": _coalesce(c["asset_id_new"], c["asset_id_old"]),
            "threat_id": _coalesce(c["threat_id_new"], c["threat_id_old"]),
            "level_old": lo,
            "level_new": ln,
            "score_old": c["score_old"],
            "score_new": c["score_new"],
            "change": pd.Categorical.from_codes(change, dtype=CHANGE_DTYPE),
            "level_change": pd.array(np.where(both & valid, step, 0), dtype="Int16"),
            "likelihood_old": c["likelihood_old"],
            "likelihood_new": c["likelihood_new"],
            "consequence_old": c["consequence_old"],
            "consequence_new": c["consequence_new"],
            "likelihood_changed": like_changed,
            "consequence_changed": cons_changed,
            "changed_properties": pd.array(changed_props, dtype="string"),
        }
    )
    out.loc[~(both & valid), "level_change"] = pd.NA

    # Residual changed while the inherent assessment did not: the controls did it.
    inh = out.loc[out["stage"] == "inherent", [*by, "risk_id", "perspective", "likelihood_changed", "consequence_changed"]]
    inh = inh.rename(columns={"likelihood_changed": "_li", "consequence_changed": "_ci"})
    with_inh = out[[*by, "risk_id", "perspective"]].merge(inh, on=[*by, "risk_id", "perspective"], how="left")
    inherent_moved = (with_inh["_li"].fillna(False) | with_inh["_ci"].fillna(False)).to_numpy(dtype=bool)
    residual = (out["stage"] == "residual").to_numpy()
    out["residual_controls_changed"] = residual & (like_changed | cons_changed) & ~inherent_moved

    if "controls_old" in c.columns and "controls_new" in c.columns:
        diff = _controls_diff(c.loc[both, [*by, "risk_id", "controls_old", "controls_new"]], by)
        if by and diff.empty:
            added = removed = pd.Series("", index=out.index, dtype="string")
        elif by:
            looked_up = out[[*by, "risk_id"]].merge(diff.reset_index(), on=[*by, "risk_id"], how="left")
            added = pd.Series(looked_up["controls_added"].to_numpy(), index=out.index, dtype="string").fillna("")
            removed = pd.Series(looked_up["controls_removed"].to_numpy(), index=out.index, dtype="string").fillna("")
        else:
            added = out["risk_id"].map(diff["controls_added"]).astype("string").fillna("")
            removed = out["risk_id"].map(diff["controls_removed"]).astype("string").fillna("")
    else:
        added = pd.Series("", index=out.index, dtype="string")
        removed = pd.Series("", index=out.index, dtype="string")
    out["controls_added"] = added.where(both, "")
    out["controls_removed"] = removed.where(both, "")

    lom = pd.Categorical(c["level_old_matrix"] if by else c["level_old_matrix"].astype("string"), dtype=level_dtype)
    out["matrix_changed"] = matrix_changed
    out["level_old_matrix"] = lom
    out["matrix_old"] = name_old
    out["matrix_new"] = name_new
    asset_moved = both & _str_differs(c["asset_id_old"], c["asset_id_new"])
    threat_moved = both & _str_differs(c["threat_id_old"], c["threat_id_new"])
    out["identity_changed"] = asset_moved | threat_moved
    for col in ("asset_id", "threat_id"):
        out[f"{col}_old"] = c[f"{col}_old"]
        out[f"{col}_new"] = c[f"{col}_new"]
    for col in ("area", "asset_name", "threat_name"):
        if f"{col}_new" in c.columns or f"{col}_old" in c.columns:
            newer = c[f"{col}_new"] if f"{col}_new" in c.columns else pd.Series(pd.NA, index=c.index, dtype="string")
            older = c[f"{col}_old"] if f"{col}_old" in c.columns else pd.Series(pd.NA, index=c.index, dtype="string")
            out[col] = _coalesce(newer, older)

    # The reason, built column-wise.
    matrix_moved = both & matrix_changed & (lom.codes != ln.codes) & (ln.codes >= 0)
    props = changed_props_da if lang != "en" else changed_props

    def moved(key: str, col: str) -> Callable[[np.ndarray], np.ndarray]:
        return lambda r: t(f"trend.reason_{key}", lang) + " " + _arrow(c[f"{col}_old"].iloc[r], c[f"{col}_new"].iloc[r])

    def consequence(r: np.ndarray) -> np.ndarray:
        p = props[r].astype(object)
        return moved("consequence", "consequence")(r) + np.where(p != "", " (" + p + ")", "")

    def controls(r: np.ndarray) -> np.ndarray:
        added = out["controls_added"].iloc[r].to_numpy(dtype=object)
        removed = out["controls_removed"].iloc[r].to_numpy(dtype=object)
        ctrl = _join([np.where(added != "", "+" + added, ""), np.where(removed != "", "−" + removed, "")])
        return t("trend.reason_controls", lang) + np.where(ctrl != "", " (" + ctrl + ")", "")

    # Each part is built only for the rows it applies to (most rows have none).
    parts = [
        np.where(only_new, t("trend.reason_new", lang), ""),
        np.where(only_old, t("trend.reason_gone", lang), ""),
        np.where(closed_in_new, t("trend.reason_closed", lang), ""),
        _text_where(asset_moved, moved("asset_changed", "asset_id")),
        _text_where(threat_moved, moved("threat_changed", "threat_id")),
        _text_where(like_changed, moved("likelihood", "likelihood")),
        _text_where(cons_changed | (props != ""), consequence),
        _text_where(out["residual_controls_changed"].to_numpy(), controls),
        np.where(matrix_moved, f"{t('trend.reason_matrix', lang)} ({name_old} → {name_new})", ""),
    ]
    reason = _join(parts)
    reason = np.where(reason == "", t("trend.reason_unchanged", lang), reason)
    reason = pd.Series(reason, index=out.index, dtype="string")
    out["reason"] = reason.str[:1].str.upper() + reason.str[1:]
    rid = c["risk_id"]
    persp_codes, stage_codes = out["perspective"].cat.codes.to_numpy(), out["stage"].cat.codes.to_numpy()
    if (by and isinstance(rid.dtype, pd.CategoricalDtype) and rid.cat.categories.is_monotonic_increasing
            and (rid.cat.codes >= 0).all() and (persp_codes >= 0).all() and (stage_codes >= 0).all()):  # fmt: skip
        # The same order as sorting the text, from the (sorted) categories' codes.
        order = np.lexsort((stage_codes, persp_codes, rid.cat.codes.to_numpy(), *[out[k].to_numpy() for k in reversed(by)]))
        out = out.take(order).reset_index(drop=True)
    else:
        out = out.sort_values([*by, "risk_id", "perspective", "stage"], kind="stable").reset_index(drop=True)
    out.attrs = {"matrix_old": name_old, "matrix_new": name_new, "lang": lang}
    return out


def _str_differs(a: pd.Series, b: pd.Series) -> np.ndarray:
    x, y = a.astype("string"), b.astype("string")
    return ((x != y) & x.notna() & y.notna()).fillna(False).to_numpy(dtype=bool)


def migration_matrix(
    comparison: pd.DataFrame, perspective: str, stage: str = "residual", lang: str = "da"
) -> pd.DataFrame:
    """Counts of risks by level in the old round (rows, plus "ny") x level in the new
    round (columns, plus "lukket"), for one perspective and stage. All levels shown.

    A display table: index "Niveau før"/"Level before" (level names in ``lang`` and
    "ny"/"new"), one int64 column per level name plus "lukket"/"closed".
    """
    c = comparison[(comparison["perspective"] == perspective) & (comparison["stage"] == stage)]
    levels = [str(x) for x in comparison["level_new"].cat.categories]
    new_label, closed_label = t("trend.row_new", lang), t("trend.col_closed", lang)
    change = c["change"].astype("string")
    src = np.where(change == "new", new_label, c["level_old"].astype("string").fillna("").to_numpy(dtype=object))
    dst = np.where(change == "closed", closed_label, c["level_new"].astype("string").fillna("").to_numpy(dtype=object))
    rows = pd.Categorical(src, categories=[new_label, *levels])
    cols = pd.Categorical(dst, categories=[*levels, closed_label])
    table = pd.crosstab(rows, cols, dropna=False)
    table = table.reindex(index=[new_label, *levels], columns=[*levels, closed_label], fill_value=0)
    table.index.name = t("trend.level_before", lang)
    table.columns.name = t("trend.level_after", lang)
    return table.astype("int64")


# -- many rounds ---------------------------------------------------------------------------
def _active(history: pd.DataFrame, stage: str | None, include_closed: bool) -> pd.DataFrame:
    h = history
    if stage is not None:
        h = h[h["stage"] == stage]
    if not include_closed and "status" in h.columns:
        h = h[(h["status"].astype("string") != "closed").fillna(True)]
    return h


def _treat_mask(history: pd.DataFrame) -> np.ndarray:
    """Rows at a level whose treatment class is should_treat or must_treat."""
    if "treatment_class" in history.columns:
        return history["treatment_class"].astype("string").isin(TREAT_CLASSES).to_numpy(dtype=bool)
    m = _resolve_matrix(None, history) or get_matrix("kl")
    classes = {lv.name_da: lv.treatment for lv in m.levels}
    return history["level"].astype("string").map(classes).isin(TREAT_CLASSES).to_numpy(dtype=bool)


def trend(history: pd.DataFrame, stage: str = "residual", *, include_closed: bool = False) -> pd.DataFrame:
    """Level distribution per round and perspective: count and share of risks at each
    level (every level shown, zeros included). Closed risks are left out by default.

    Columns (dtype): ``round`` (ordered category), ``perspective`` (category), ``level``
    (ordered category of level identifiers), ``count`` (int64), ``total`` (int64, risks
    in that round and perspective), ``share`` (float64, 0-1).
    """
    h = _active(history, stage, include_closed)
    counts = h.groupby(["round", "perspective", "level"], observed=False).size().rename("count").reset_index()
    present = h.groupby(["round", "perspective"], observed=True).size().rename("total").reset_index()
    out = counts.merge(present, on=["round", "perspective"], how="inner")
    out["share"] = (out["count"] / out["total"]).where(out["total"] > 0, 0.0)
    out["count"] = out["count"].astype("int64")
    return out.sort_values(["round", "perspective", "level"]).reset_index(drop=True)


def trend_by(
    history: pd.DataFrame,
    by: str = "area",
    stage: str = "residual",
    *,
    include_closed: bool = False,
) -> pd.DataFrame:
    """Per round, perspective and ``by`` group (``area`` or ``asset_type``): number of
    risks, mean score, risks at a level that calls for treatment and their share.

    Columns (dtype): ``round`` (ordered category), ``perspective`` (category), the ``by``
    column (string), ``risks`` (int64), ``mean_score`` (Float64), ``to_treat`` (int64),
    ``share_to_treat`` (float64, 0-1).
    """
    if by not in ("area", "asset_type"):
        raise ValueError(f"by skal være area eller asset_type / by must be area or asset_type, not {by!r}")
    if by not in history.columns:
        raise ValueError(f"Historikken mangler kolonnen {by!r} / the history lacks column {by!r} (see enrich)")
    h = _active(history, stage, include_closed)
    h = h.assign(
        _treat=_treat_mask(h),
        _score=h["score"].astype("Float64"),
        _group=h[by].astype("string").fillna("–"),
    )
    out = (
        h.groupby(["round", "perspective", "_group"], observed=True)
        .agg(risks=("risk_id", "size"), mean_score=("_score", "mean"), to_treat=("_treat", "sum"))
        .reset_index()
        .rename(columns={"_group": by})
    )
    out["to_treat"] = out["to_treat"].astype("int64")
    out["share_to_treat"] = out["to_treat"] / out["risks"]
    return out.sort_values(["round", "perspective", by]).reset_index(drop=True)


def compare_history(
    history: pd.DataFrame, first: str | None = None, last: str | None = None, lang: str = "da"
) -> pd.DataFrame:
    """:func:`compare_rounds` between two rounds of a history (default: first and last)."""
    labels = rounds_in(history)
    if len(labels) < 2:
        raise ValueError("Der skal være mindst to runder / at least two rounds are needed")
    first = first or labels[0]
    last = last or labels[-1]
    matrices = history_matrices(history)
    return compare_rounds(round_frame(history, first), round_frame(history, last),
                          old_matrix=matrices.get(first), new_matrix=matrices.get(last), lang=lang)  # fmt: skip


def consecutive_comparisons(history: pd.DataFrame, lang: str = "da") -> pd.DataFrame:
    """:func:`compare_rounds` for each pair of consecutive rounds, stacked, with
    ``round_old`` and ``round_new`` columns.

    A history of several municipalities is compared within each municipality's own
    rounds, and the result then starts with a ``municipality`` column. When every
    round has the same matrix, all pairs are compared in one vectorised pass."""
    labels = rounds_in(history)
    fast = _consecutive_in_one_pass(history, labels, lang)
    if fast is not None:
        return fast
    if "municipality" in history.columns and history["municipality"].nunique() > 1:
        # Never match risks across municipalities: compare each one's own rounds.
        per_mun = []
        for mun, part in history.groupby("municipality", observed=True, sort=True):
            part = part.reset_index(drop=True)
            part.attrs = dict(history.attrs)
            comp = consecutive_comparisons(part, lang=lang)
            comp.insert(0, "municipality", mun)
            per_mun.append(comp)
        out = pd.concat(per_mun, ignore_index=True)
        out["municipality"] = out["municipality"].astype("category")
        return out
    parts = [
        compare_history(history, a, b, lang=lang).assign(round_old=a, round_new=b)
        for a, b in zip(labels[:-1], labels[1:], strict=True)
    ]
    if not parts:
        return pd.DataFrame(columns=[*KEYS, "change", "round_old", "round_new"])
    levels = combine_levels([[str(x) for x in p["level_new"].cat.categories] for p in parts])
    dtype = pd.CategoricalDtype(levels, ordered=True)
    for p in parts:
        for col in ("level_old", "level_new", "level_old_matrix"):
            p[col] = p[col].astype("string").astype(dtype)
    out = pd.concat(parts, ignore_index=True)
    out["round_old"] = pd.Categorical(out["round_old"], categories=labels, ordered=True)
    out["round_new"] = pd.Categorical(out["round_new"], categories=labels, ordered=True)
    return out


_BATCH_ROWS = 400_000


def _consecutive_in_one_pass(history: pd.DataFrame, labels: list[str], lang: str) -> pd.DataFrame | None:
    """All consecutive pairs (per municipality) as one comparison keyed by pair; None
    when the rounds' matrices differ (each pair is then compared on its own)."""
    if len(labels) < 2:
        return None
    specs = history.attrs.get("matrices", {})
    if specs:
        if any(r not in specs for r in labels) or len({specs[r] for r in labels}) != 1:
            return None
        m = from_json(specs[labels[0]])
    else:  # no per-round matrices (e.g. after rescore): each round's "matrix" column names it
        names = history["matrix"].dropna().astype(str).unique() if "matrix" in history.columns else []
        m = _resolve_matrix(str(names[0]), history) if len(names) == 1 else None
        if m is None:
            return None
    rounds = history["round"].cat
    n_rounds = len(rounds.categories) + 1
    if "municipality" in history.columns:
        mun = history["municipality"].astype("category").cat
        mun_codes, mun_names = mun.codes.to_numpy().astype(np.int64), mun.categories
    else:
        mun_codes, mun_names = np.zeros(len(history), np.int64), pd.Index([])
    multi = len(pd.unique(mun_codes)) > 1
    if multi and (mun_codes < 0).any():
        return None
    # (municipality, round) present -> its position; each with the next present round of
    # the same municipality forms a pair, identified by the older one's position.
    key = np.maximum(mun_codes, 0) * n_rounds + rounds.codes.to_numpy()
    seen = np.flatnonzero(np.bincount(key, minlength=1) > 0)
    where = np.full(int(key.max()) + 1 if len(key) else 0, -1, np.int64)
    where[seen] = np.arange(len(seen))
    at = where[key]
    s_mun, s_rnd = seen // n_rounds, seen % n_rounds
    first = np.r_[True, s_mun[1:] != s_mun[:-1]] if len(seen) else np.zeros(0, bool)
    last = np.r_[s_mun[1:] != s_mun[:-1], True] if len(seen) else np.zeros(0, bool)
    as_old = np.where(last, -1, np.arange(len(seen)))[at]
    as_new = np.where(first, -1, np.arange(len(seen)) - 1)[at]
    if not (as_old >= 0).any():
        return pd.DataFrame(columns=[*KEYS, "change", "round_old", "round_new"])
    # Pairs in batches of about _BATCH_ROWS rows bound the memory of the merge and text work.
    per_pair = np.bincount(as_old[as_old >= 0], minlength=len(seen)) + np.bincount(as_new[as_new >= 0], minlength=len(seen))
    bounds = [0]
    total = 0
    for i, size in enumerate(per_pair):
        if total and total + size > _BATCH_ROWS:
            bounds.append(i)
            total = 0
        total += int(size)
    bounds.append(len(seen))
    parts = []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        old_rows = np.flatnonzero((as_old >= lo) & (as_old < hi))
        new_rows = np.flatnonzero((as_new >= lo) & (as_new < hi))
        if not len(old_rows) and not len(new_rows):
            continue
        old = history.take(old_rows).assign(_pair=as_old[old_rows])
        new = history.take(new_rows).assign(_pair=as_new[new_rows])
        old.attrs, new.attrs = {}, {}  # the matrix is given; no per-operation copies of the history's attrs
        parts.append(_compare(old, new, ["_pair"], old_risks=None, new_risks=None, old_matrix=m, new_matrix=m,
                              lang=lang))  # fmt: skip
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    pair = out.pop("_pair").to_numpy()
    to_label = np.append(pd.Index(labels).get_indexer(rounds.categories.astype(str)), -1)
    label_dtype = pd.CategoricalDtype(labels, ordered=True)
    out["round_old"] = pd.Categorical.from_codes(to_label[s_rnd[pair]], dtype=label_dtype)
    out["round_new"] = pd.Categorical.from_codes(to_label[s_rnd[pair + 1]], dtype=label_dtype)
    if multi:
        out.insert(0, "municipality", pd.Categorical.from_codes(s_mun[pair], categories=mun_names))
    return out


def movers(
    data: pd.DataFrame,
    n: int = 10,
    *,
    stage: str = "residual",
    perspective: str | None = None,
    lang: str = "da",
) -> pd.DataFrame:
    """The risks that moved most, with the attribution columns and the reason.

    ``data`` is a comparison (:func:`compare_rounds`) or a history (then its first and
    last rounds are compared). Ranked by level steps, then score change, largest
    first; new and closed risks are left out.

    Columns (dtype): those of :func:`compare_rounds` plus ``score_change`` (Int16).
    """
    comp = data if "change" in data.columns else compare_history(data, lang=lang)
    c = comp[comp["stage"] == stage]
    if perspective is not None:
        c = c[c["perspective"] == perspective]
    c = c[c["change"].isin(["escalated", "de-escalated", "unchanged"])]
    delta = (c["score_new"].astype("Float64") - c["score_old"].astype("Float64")).fillna(0)
    c = c.assign(score_change=delta.astype("Int16"), _lv=c["level_change"].fillna(0).abs(), _sc=delta.abs())
    c = c[(c["_lv"] > 0) | (c["_sc"] > 0)]
    c = c.sort_values(["_lv", "_sc", "risk_id"], ascending=[False, False, True], kind="stable")
    return c.drop(columns=["_lv", "_sc"]).head(n).reset_index(drop=True)


def time_to_treatment(
    history: pd.DataFrame, stage: str = "residual", *, perspective: str | None = None
) -> pd.DataFrame:
    """How many consecutive rounds each risk has stayed at a level that calls for
    treatment (treatment class should_treat or must_treat in the round's matrix).

    One row per risk x perspective that ever reached such a level: ``rounds`` is the
    length of its latest run, ``first_round``/``last_round`` bound that run,
    ``longest`` is its longest run, ``still_open`` says whether the run reaches the
    last round of the history (not yet treated), ``level_last`` is its latest level.
    A round where the risk is missing, closed or below such a level ends a run.

    Columns (dtype): ``risk_id`` (string), ``perspective`` (category), ``rounds``,
    ``longest`` (int64), ``first_round``, ``last_round`` (ordered category),
    ``still_open`` (bool), ``level_last`` (ordered category of level identifiers).
    """
    h = history[history["stage"] == stage]
    if perspective is not None:
        h = h[h["perspective"] == perspective]
    labels = [str(x) for x in history["round"].cat.categories]
    pos = pd.Series(np.arange(len(labels)), index=labels)
    h = h.assign(
        _pos=h["round"].astype("string").map(pos).astype("int64").to_numpy(),
        _treat=_treat_mask(h) & (h["status"].astype("string") != "closed").fillna(True).to_numpy(dtype=bool),
        _rid=h["risk_id"].astype("string"),
    ).sort_values(["_rid", "perspective", "_pos"], kind="stable")
    key_new = (h["_rid"] != h["_rid"].shift()) | (h["perspective"] != h["perspective"].shift())
    gap = h["_pos"].diff().fillna(1) != 1
    prev_treat = h["_treat"].shift(fill_value=False)
    start = (h["_treat"] & (key_new | gap | ~prev_treat)).to_numpy(dtype=bool)
    h = h.assign(_run=start.cumsum())
    runs = (
        h[h["_treat"]]
        .groupby("_run")
        .agg(risk_id=("_rid", "first"), perspective=("perspective", "first"),
             first_pos=("_pos", "min"), last_pos=("_pos", "max"), rounds=("_pos", "size"))
    )  # fmt: skip
    last_seen = h.groupby(["_rid", "perspective"], observed=True).agg(
        last_any=("_pos", "max"), level_last=("level", "last")
    )
    last_present = int(h["_pos"].max()) if len(h) else -1
    if runs.empty:
        return pd.DataFrame(
            columns=["risk_id", "perspective", "rounds", "first_round", "last_round", "longest", "still_open", "level_last"]
        )
    runs = runs.sort_values(["risk_id", "perspective", "last_pos"])
    latest = runs.groupby(["risk_id", "perspective"], observed=True).tail(1).set_index(["risk_id", "perspective"])
    longest = runs.groupby(["risk_id", "perspective"], observed=True)["rounds"].max()
    out = latest.assign(longest=longest).join(last_seen.rename_axis(["risk_id", "perspective"]), how="left")
    out["still_open"] = out["last_pos"] == last_present
    out["first_round"] = pd.Categorical(np.asarray(labels, dtype=object)[out["first_pos"]], categories=labels, ordered=True)
    out["last_round"] = pd.Categorical(np.asarray(labels, dtype=object)[out["last_pos"]], categories=labels, ordered=True)
    out = out.reset_index()[
        ["risk_id", "perspective", "rounds", "first_round", "last_round", "longest", "still_open", "level_last"]
    ]
    out["risk_id"] = out["risk_id"].astype("string")
    out["rounds"] = out["rounds"].astype("int64")
    out["longest"] = out["longest"].astype("int64")
    return out.sort_values(["still_open", "rounds", "risk_id"], ascending=[False, False, True]).reset_index(drop=True)


# -- the trend report's tables ----------------------------------------------------------
def level_names(history: pd.DataFrame, lang: str) -> dict[str, str]:
    """Danish level name -> display name in ``lang`` (from the rounds' matrices)."""
    names = {str(lv): str(lv) for lv in history["level"].cat.categories}
    if lang == "en":
        for m in history_matrices(history).values():
            names.update({lv.name_da: lv.name_en for lv in m.levels})
    return names


def level_colours(history: pd.DataFrame) -> dict[str, str]:
    """Level name -> colour, from the history's ``colour`` column (empty without one)."""
    if "colour" not in history.columns:
        return {}
    pairs = history[["level", "colour"]].dropna().drop_duplicates("level")
    return dict(zip(pairs["level"].astype(str), pairs["colour"].astype(str), strict=True))


def trend_title(municipality: str, labels: Sequence[str], lang: str = "da") -> str:
    """The trend report's title: "Trendrapport – <municipality> <first> – <last>"."""
    span = f"{labels[0]} – {labels[-1]}" if len(labels) else ""
    return f"{t('trend.title', lang)} – {municipality} {span}".strip()


def trend_headline(history: pd.DataFrame, lang: str = "da") -> pd.DataFrame:
    """A few numbers for the top of the trend report: the rounds, the risks in the
    first and the last round, and per perspective the risks (residual, not closed) at
    a level that calls for treatment in the first and the last round."""
    labels = rounds_in(history)
    if not labels:
        return pd.DataFrame(columns=[t("common.field", lang), t("trend.first", lang), t("trend.last", lang)])
    first, last = labels[0], labels[-1]
    per_round = history.groupby("round", observed=True)["risk_id"].nunique()
    rows = [
        (t("trend.rounds", lang), first, last),
        (t("trend.n_rounds", lang), len(labels), ""),
        (t("common.risks", lang), int(per_round.get(first, 0)), int(per_round.get(last, 0))),
    ]
    active = _active(history, "residual", include_closed=False)
    treat = active[_treat_mask(active)]
    counts = treat.groupby(["perspective", "round"], observed=True).size()
    for persp in [p for p in PERSPECTIVES if (history["perspective"] == p).any()]:
        rows.append(
            (
                f"{t('trend.to_treat', lang)} – {t(PERSPECTIVE_KEYS[persp], lang)}",
                int(counts.get((persp, first), 0)),
                int(counts.get((persp, last), 0)),
            )
        )
    return pd.DataFrame(rows, columns=[t("common.field", lang), t("trend.first", lang), t("trend.last", lang)])


def movers_table(
    comparison: pd.DataFrame, n: int = 15, lang: str = "da", *, level_names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Top movers (residual stage, both perspectives) as a display table; ``level_names``
    maps the stored (Danish) level names to the ones to show."""
    top = movers(comparison, n=n, lang=lang)
    persp = top["perspective"].astype("string").map(lambda p: t(PERSPECTIVE_KEYS[p], lang))

    def level(col: str) -> pd.Series:
        values = top[col].astype("string")
        return values.map(dict(level_names)).fillna(values).astype("string") if level_names else values

    return pd.DataFrame(
        {
            t("common.risk_id", lang): top["risk_id"],
            t("common.asset", lang): top["asset_name"] if "asset_name" in top.columns else top["asset_id"],
            t("common.perspective", lang): persp,
            t("trend.level_before", lang): level("level_old"),
            t("trend.level_after", lang): level("level_new"),
            t("trend.score_before", lang): top["score_old"],
            t("trend.score_after", lang): top["score_new"],
            t("common.change", lang): top["change"].astype("string").map(lambda c: t(f"common.{c}", lang)),
            t("common.change_reason", lang): top["reason"],
        }
    )


def time_to_treatment_table(history: pd.DataFrame, lang: str = "da", n: int | None = 25) -> pd.DataFrame:
    """Risks still at a level that calls for treatment, longest first, as a display
    table (the first ``n``; all with ``n=None``)."""
    ttt = time_to_treatment(history)
    ttt = ttt[ttt["still_open"]]
    if n is not None:
        ttt = ttt.head(n)
    level_text = level_names(history, lang)
    names = history[["risk_id", "asset_name"]].drop_duplicates("risk_id") if "asset_name" in history else None
    asset = (
        ttt["risk_id"].map(pd.Series(names["asset_name"].astype("string").to_numpy(), index=names["risk_id"].astype("string").to_numpy()))
        if names is not None
        else pd.Series("", index=ttt.index)
    )
    return pd.DataFrame(
        {
            t("common.risk_id", lang): ttt["risk_id"],
            t("common.asset", lang): asset,
            t("common.perspective", lang): ttt["perspective"].astype("string").map(lambda p: t(PERSPECTIVE_KEYS[p], lang)),
            t("trend.rounds_at_level", lang): ttt["rounds"],
            t("trend.first_round", lang): ttt["first_round"].astype("string"),
            t("trend.longest", lang): ttt["longest"],
            t("trend.level_last", lang): ttt["level_last"].astype("string").map(level_text).astype("string"),
        }
    )
