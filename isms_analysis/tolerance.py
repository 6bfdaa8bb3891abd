"""The risk tolerance T(area, perspective) that the committee sets in the risk profile.

KL's playbook lets the committee set the tolerance per area (a lower tolerance for
risks to "liv, ære og velfærd" than for economic risks); the Risikoprofil sheet
may also set it per perspective (column Perspektiv: Kommunen / De registrerede,
blank = both). The tolerance of a risk is found, in this order:

1. the profile row for the asset's area and the risk's perspective;
2. the profile row for the area with a blank perspective;
3. the matrix's highest level whose treatment class is ``acceptable``
   (KL: Under middel).

Two rows for the same area and perspective: the lower (stricter) level holds.
Area names are compared after trimming spaces. Level names are the matrix's keys
or its Danish/English names; a name the matrix does not know is ignored (the
workbook reader reports it).

The tolerance travels with a scored frame (``attrs["tolerance"]``) as a JSON-able
*spec*: ``{area: level}`` for a row that holds for both perspectives and
``{area: {perspective or "": level}}`` when the area has per-perspective rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .matrix import RiskMatrix

BOTH = ""  # the spec's key for "both perspectives"
Spec = dict[str, Any]


def default_tolerance(m: RiskMatrix) -> int:
    """Index of the matrix's highest ``acceptable`` level (the lowest level if none is)."""
    acceptable = [i for i, lv in enumerate(m.levels) if lv.treatment == "acceptable"]
    return acceptable[-1] if acceptable else 0


def _level(m: RiskMatrix, name: Any) -> int | None:
    try:
        return m.level_index(str(name))
    except KeyError:
        return None


def spec_of(profile: pd.DataFrame | None) -> Spec:
    """The JSON-able tolerance spec of a risk profile (empty: no profile)."""
    if profile is None or profile.empty:
        return {}
    p = profile.dropna(subset=["area", "max_accepted_level"])
    persp = p["perspective"] if "perspective" in p.columns else pd.Series(pd.NA, index=p.index)
    nested: dict[str, dict[str, list[str]]] = {}
    for area, level, pv in zip(p["area"], p["max_accepted_level"], persp, strict=True):
        key = BOTH if pv is None or pd.isna(pv) or not str(pv).strip() else str(pv).strip()
        nested.setdefault(str(area).strip(), {}).setdefault(key, []).append(str(level).strip())
    spec: Spec = {}
    for area, by_persp in nested.items():
        if set(by_persp) == {BOTH} and len(by_persp[BOTH]) == 1:
            spec[area] = by_persp[BOTH][0]
        else:
            spec[area] = {k: v if len(v) > 1 else v[0] for k, v in by_persp.items()}
    return spec


def _resolve(m: RiskMatrix, entry: Any, perspective: str, default: int) -> int:
    """The level index one spec entry gives a perspective (strictest of several)."""
    if entry is None:
        return default
    if not isinstance(entry, dict):
        entry = {BOTH: entry}
    for key in (perspective, BOTH):
        names = entry.get(key)
        if names is None:
            continue
        found = [i for n in (names if isinstance(names, list) else [names]) if (i := _level(m, n)) is not None]
        if found:
            return min(found)
    return default


def tolerance_table(m: RiskMatrix, spec: Spec, areas: pd.Index, perspectives: pd.Index) -> np.ndarray:
    """Level index of the tolerance for every (area, perspective) pair, as a table of
    shape (len(areas) + 1, len(perspectives) + 1); the last row and column are for a
    missing area or perspective (code -1), so ``table[area_codes, persp_codes]``
    looks every row up at once."""
    default = default_tolerance(m)
    out = np.full((len(areas) + 1, len(perspectives) + 1), default, dtype=np.int16)
    for i, area in enumerate(areas):
        entry = spec.get(str(area).strip())
        for j, persp in enumerate(perspectives):
            out[i, j] = _resolve(m, entry, str(persp), default)
        out[i, -1] = _resolve(m, entry, BOTH, default)
    return out


def tolerance_index(m: RiskMatrix, spec: Spec, area: Any, perspective: Any) -> np.ndarray:
    """Tolerance level index per row, for categorical (or plain) area and perspective columns."""
    a = area.array if isinstance(area, pd.Series) else area
    p = perspective.array if isinstance(perspective, pd.Series) else perspective
    if not isinstance(a, pd.Categorical):
        a = pd.Categorical(a)
    if not isinstance(p, pd.Categorical):
        p = pd.Categorical(p)
    table = tolerance_table(m, spec, a.categories, p.categories)
    return table[np.asarray(a.codes), np.asarray(p.codes)]
