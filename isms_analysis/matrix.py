"""The risk matrix as data.

KL's playbook scores a risk as consequence x likelihood on a 4x4 matrix and gives
each cell a level (Lav, Under middel, Middel, Over middel, Høj), a colour and a
treatment rule. Danish municipalities also use other 4x4 scales (OS2compliance's
"Standard", "Herning" and "Datatilsynet") whose levels are defined cell by cell and
are not always symmetric -- so a level is looked up per (consequence, likelihood)
cell, never derived from thresholds on the product.

A :class:`RiskMatrix` is a frozen value built from a small TOML (or YAML) file. The
presets live in ``isms_analysis/data/matrices``; a municipality may write its own.
Every other module asks the matrix; nothing else knows that 12 means "Over middel".

Each level carries a *treatment class*, which the scoring flags use:

- ``acceptable``: no action needed (KL: Lav, Under middel);
- ``may_accept``: management may accept (and monitor) or reduce (KL: Middel);
- ``should_treat``: should not be accepted; treat or transfer (KL: Over middel);
- ``must_treat``: must not be accepted; act immediately (KL: Høj).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

TREATMENT_CLASSES = ("acceptable", "may_accept", "should_treat", "must_treat")
PRESETS = ("kl", "standard", "herning", "datatilsynet")


class MatrixError(ValueError):
    """A matrix definition is inconsistent. The message is in Danish and English."""


@dataclass(frozen=True)
class Level:
    key: str
    name_da: str
    name_en: str
    colour: str
    treatment: str
    advice_da: str
    advice_en: str

    def name(self, lang: str = "da") -> str:
        return self.name_en if lang == "en" else self.name_da

    def advice(self, lang: str = "da") -> str:
        return self.advice_en if lang == "en" else self.advice_da


@dataclass(frozen=True)
class RiskMatrix:
    """A consequence x likelihood matrix whose cells name their level.

    ``cells[c - 1, l - 1]`` is the index (into ``levels``, lowest first) of the
    level of consequence ``c`` and likelihood ``l``.
    """

    name: str
    consequence_da: tuple[str, ...]
    consequence_en: tuple[str, ...]
    likelihood_da: tuple[str, ...]
    likelihood_en: tuple[str, ...]
    levels: tuple[Level, ...]
    cells: np.ndarray = field(repr=False, compare=False)
    description_da: str = ""
    description_en: str = ""
    # The data-subject rule: a consequence this high deserves attention even when
    # the event is unlikely; flag these scores.
    very_high_consequence: int = 4
    very_high_scores: tuple[int, ...] = (4, 8)
    # Consequence at or below this may be screened out (risk can never exceed it x max likelihood).
    screening_max_consequence: int = 2
    # Default tolerance when the risk profile names none for an area.
    default_tolerance: str = "below_medium"

    # -- construction -----------------------------------------------------------------
    @classmethod
    def from_dict(cls, spec: dict[str, Any], source: str = "<matrix>") -> RiskMatrix:
        problems: list[str] = []

        def need(d: dict[str, Any], key: str, where: str) -> Any:
            if key not in d:
                problems.append(f"{source}: '{where}{key}' mangler / is missing")
                return None
            return d[key]

        name = str(spec.get("name", Path(source).stem))
        cons = spec.get("consequence", {})
        like = spec.get("likelihood", {})
        c_da = tuple(need(cons, "labels_da", "consequence.") or ())
        c_en = tuple(cons.get("labels_en", c_da))
        l_da = tuple(need(like, "labels_da", "likelihood.") or ())
        l_en = tuple(like.get("labels_en", l_da))
        level_specs = need(spec, "levels", "") or []
        levels: list[Level] = []
        for i, lv in enumerate(level_specs):
            missing = [k for k in ("key", "name_da", "colour", "treatment") if k not in lv]
            if missing:
                problems.append(
                    f"{source}: niveau nr. {i + 1} mangler {', '.join(missing)} / "
                    f"level no. {i + 1} is missing {', '.join(missing)}"
                )
                continue
            if lv["treatment"] not in TREATMENT_CLASSES:
                problems.append(
                    f"{source}: niveau '{lv['key']}' har ukendt treatment '{lv['treatment']}' "
                    f"(tilladt / allowed: {', '.join(TREATMENT_CLASSES)})"
                )
            levels.append(
                Level(
                    key=str(lv["key"]),
                    name_da=str(lv["name_da"]),
                    name_en=str(lv.get("name_en", lv["name_da"])),
                    colour=str(lv["colour"]),
                    treatment=str(lv["treatment"]),
                    advice_da=str(lv.get("advice_da", "")),
                    advice_en=str(lv.get("advice_en", lv.get("advice_da", ""))),
                )
            )
        keys = [lv.key for lv in levels]
        if len(set(keys)) != len(keys):
            problems.append(f"{source}: niveaunøgler er ikke entydige / level keys are not unique")
        rows = (spec.get("cells") or {}).get("rows")
        nc, nl = len(c_da), len(l_da)
        cells = np.full((max(nc, 1), max(nl, 1)), -1, dtype=np.int8)
        if rows is None:
            problems.append(f"{source}: 'cells.rows' mangler / is missing")
        else:
            if len(rows) != nc:
                problems.append(
                    f"{source}: cells har {len(rows)} rækker, men konsekvensskalaen har {nc} trin / "
                    f"cells has {len(rows)} rows but the consequence scale has {nc} steps"
                )
            for ci, row in enumerate(rows[:nc]):
                if len(row) != nl:
                    problems.append(
                        f"{source}: celle mangler i række {ci + 1} (konsekvens {ci + 1}): "
                        f"{len(row)} af {nl} / a cell is missing in row {ci + 1}"
                    )
                for li, key in enumerate(row[:nl]):
                    if key not in keys:
                        problems.append(
                            f"{source}: cellen (konsekvens {ci + 1}, sandsynlighed {li + 1}) "
                            f"har ukendt niveau '{key}' / unknown level '{key}'"
                        )
                    else:
                        cells[ci, li] = keys.index(key)
        if not problems:
            problems += _monotonicity_problems(cells, keys, source)
            tclass = [TREATMENT_CLASSES.index(lv.treatment) for lv in levels]
            if tclass != sorted(tclass):
                problems.append(
                    f"{source}: niveauernes håndteringsklasse skal stige med niveauet / "
                    "the levels' treatment classes must not fall as the level rises"
                )
        if len(c_en) != nc or len(l_en) != nl:
            problems.append(f"{source}: engelske etiketter passer ikke / English labels do not match")
        if problems:
            raise MatrixError("Ugyldig risikomatrix / invalid risk matrix:\n- " + "\n- ".join(problems))
        cells.setflags(write=False)
        extra = {
            k: spec[k]
            for k in ("very_high_consequence", "screening_max_consequence", "default_tolerance")
            if k in spec
        }
        if "very_high_scores" in spec:
            extra["very_high_scores"] = tuple(int(x) for x in spec["very_high_scores"])
        m = cls(
            name=name,
            consequence_da=c_da,
            consequence_en=c_en,
            likelihood_da=l_da,
            likelihood_en=l_en,
            levels=tuple(levels),
            cells=cells,
            description_da=str(spec.get("description_da", "")),
            description_en=str(spec.get("description_en", "")),
            **extra,
        )
        if m.default_tolerance not in keys:
            # Matrices without "below_medium" tolerate their highest acceptable level.
            acceptable = [lv.key for lv in levels if lv.treatment == "acceptable"]
            object.__setattr__(m, "default_tolerance", acceptable[-1] if acceptable else keys[0])
        return m

    @classmethod
    def from_file(cls, path: str | Path) -> RiskMatrix:
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            spec = yaml.safe_load(text)
        else:
            try:
                spec = tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                raise MatrixError(f"{path.name}: kan ikke læses som TOML / not valid TOML: {exc}") from None
        if not isinstance(spec, dict):
            raise MatrixError(f"{path.name}: forventede en tabel / expected a mapping")
        return cls.from_dict(spec, source=path.name)

    # -- scales -----------------------------------------------------------------------
    @property
    def n_consequence(self) -> int:
        return len(self.consequence_da)

    @property
    def n_likelihood(self) -> int:
        return len(self.likelihood_da)

    def consequence_labels(self, lang: str = "da") -> tuple[str, ...]:
        return self.consequence_en if lang == "en" else self.consequence_da

    def likelihood_labels(self, lang: str = "da") -> tuple[str, ...]:
        return self.likelihood_en if lang == "en" else self.likelihood_da

    def level_names(self, lang: str = "da") -> list[str]:
        return [lv.name(lang) for lv in self.levels]

    def level_index(self, key_or_name: str) -> int:
        """Index of a level given its key or its Danish/English name (case-insensitive)."""
        k = str(key_or_name).strip().casefold()
        for i, lv in enumerate(self.levels):
            if k in (lv.key.casefold(), lv.name_da.casefold(), lv.name_en.casefold()):
                return i
        raise KeyError(key_or_name)

    def first_level_with(self, treatment: str) -> int:
        """Index of the lowest level whose treatment class is at least ``treatment``."""
        rank = TREATMENT_CLASSES.index(treatment)
        for i, lv in enumerate(self.levels):
            if TREATMENT_CLASSES.index(lv.treatment) >= rank:
                return i
        return len(self.levels)

    # -- lookups (vectorised) ---------------------------------------------------------
    def lookup(self, consequence: Any, likelihood: Any) -> np.ndarray:
        """Level indices for arrays of consequence and likelihood; -1 where either is missing."""
        c, li = _ints(consequence), _ints(likelihood)
        ok = (c >= 1) & (c <= self.n_consequence) & (li >= 1) & (li <= self.n_likelihood)
        out = np.full(c.shape, -1, dtype=np.int8)
        out[ok] = self.cells[c[ok] - 1, li[ok] - 1]
        return out

    def level_of(self, consequence: int, likelihood: int) -> Level:
        return self.levels[int(self.cells[consequence - 1, likelihood - 1])]

    def level_dtype(self, lang: str = "da") -> pd.CategoricalDtype:
        return pd.CategoricalDtype(self.level_names(lang), ordered=True)

    def table(self, lang: str = "da") -> pd.DataFrame:
        """The matrix as a frame: rows consequence (highest first), columns likelihood."""
        idx = pd.Index(
            [f"{c} {self.consequence_labels(lang)[c - 1]}" for c in range(self.n_consequence, 0, -1)],
            name="Konsekvens" if lang != "en" else "Consequence",
        )
        cols = pd.Index(
            [f"{li} {self.likelihood_labels(lang)[li - 1]}" for li in range(1, self.n_likelihood + 1)],
            name="Sandsynlighed" if lang != "en" else "Likelihood",
        )
        data = [
            [
                f"{c * li} {self.levels[self.cells[c - 1, li - 1]].name(lang)}"
                for li in range(1, self.n_likelihood + 1)
            ]
            for c in range(self.n_consequence, 0, -1)
        ]
        return pd.DataFrame(data, index=idx, columns=cols)

    def cells_frame(self) -> pd.DataFrame:
        """One row per cell: consequence, likelihood, score, level index/key/names, colour."""
        c, li = np.meshgrid(
            np.arange(1, self.n_consequence + 1), np.arange(1, self.n_likelihood + 1), indexing="ij"
        )
        c, li = c.ravel(), li.ravel()
        idx = self.cells[c - 1, li - 1]
        return pd.DataFrame(
            {
                "consequence": c,
                "likelihood": li,
                "score": c * li,
                "level_index": idx,
                "level_key": [self.levels[i].key for i in idx],
                "level_da": [self.levels[i].name_da for i in idx],
                "level_en": [self.levels[i].name_en for i in idx],
                "colour": [self.levels[i].colour for i in idx],
            }
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, RiskMatrix)
            and self.name == other.name
            and self.levels == other.levels
            and np.array_equal(self.cells, other.cells)
            and self.consequence_da == other.consequence_da
            and self.likelihood_da == other.likelihood_da
        )

    def __hash__(self) -> int:
        return hash((self.name, self.levels, self.cells.tobytes()))


def _ints(values: Any) -> np.ndarray:
    """Integers as int16 with 0 for missing (fast path for integer arrays)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        return values.astype(np.int16, copy=False)
    return np.asarray(pd.array(values, dtype="Int16").fillna(0), dtype=np.int16)


def _monotonicity_problems(cells: np.ndarray, keys: list[str], source: str) -> list[str]:
    problems = []
    for ci in range(cells.shape[0]):
        for li in range(cells.shape[1]):
            if ci + 1 < cells.shape[0] and cells[ci + 1, li] < cells[ci, li]:
                problems.append(
                    f"{source}: niveauet falder når konsekvensen stiger fra {ci + 1} til {ci + 2} "
                    f"ved sandsynlighed {li + 1} ({keys[cells[ci, li]]} -> {keys[cells[ci + 1, li]]}) / "
                    "level not monotone in consequence"
                )
            if li + 1 < cells.shape[1] and cells[ci, li + 1] < cells[ci, li]:
                problems.append(
                    f"{source}: niveauet falder når sandsynligheden stiger fra {li + 1} til {li + 2} "
                    f"ved konsekvens {ci + 1} ({keys[cells[ci, li]]} -> {keys[cells[ci, li + 1]]}) / "
                    "level not monotone in likelihood"
                )
    return problems


@cache
def _preset(name: str) -> RiskMatrix:
    text = resources.files("isms_analysis").joinpath("data", "matrices", f"{name}.toml").read_text("utf-8")
    return RiskMatrix.from_dict(tomllib.loads(text), source=f"{name}.toml")


def matrix(name: str | Path | RiskMatrix = "kl") -> RiskMatrix:
    """A preset by name (``kl``, ``standard``, ``herning``, ``datatilsynet``; case and
    OS2compliance-style names like "4x4 KL" accepted), a TOML/YAML file, or a matrix."""
    if isinstance(name, RiskMatrix):
        return name
    s = str(name).strip()
    key = s.casefold().replace("4x4", "").strip()
    if key in PRESETS:
        return _preset(key)
    p = Path(s)
    if p.suffix.lower() in (".toml", ".yaml", ".yml"):
        if not p.exists():
            raise MatrixError(f"Matrixfilen findes ikke / matrix file not found: {p.name}")
        return RiskMatrix.from_file(p)
    raise MatrixError(
        f"Ukendt risikomatrix '{s}' / unknown risk matrix. "
        f"Brug / use: {', '.join(PRESETS)} eller en .toml/.yaml-fil"
    )


_named = matrix  # (resolve_matrix's parameter is called matrix)


def resolve_matrix(scores: Any, matrix: str | Path | RiskMatrix | None = None) -> RiskMatrix:
    """The matrix to report with: the given one, else the one the frame was scored with
    (``scores.attrs["matrix"]``); KL's when that name is not a known matrix (a custom
    matrix file known only by name)."""
    if matrix is not None:
        return _named(matrix)
    try:
        return _named(scores.attrs.get("matrix", "kl"))
    except Exception:  # a custom matrix file known only by name
        return _named("kl")


# -- matrix <-> JSON (how the store and a history keep a round's matrix) ----------------------
def matrix_spec(m: RiskMatrix) -> dict[str, Any]:
    """A RiskMatrix as the dict :meth:`RiskMatrix.from_dict` reads (names, levels, cells)."""
    return {
        "name": m.name,
        "description_da": m.description_da,
        "description_en": m.description_en,
        "consequence": {"labels_da": list(m.consequence_da), "labels_en": list(m.consequence_en)},
        "likelihood": {"labels_da": list(m.likelihood_da), "labels_en": list(m.likelihood_en)},
        "levels": [
            {
                "key": lv.key,
                "name_da": lv.name_da,
                "name_en": lv.name_en,
                "colour": lv.colour,
                "treatment": lv.treatment,
                "advice_da": lv.advice_da,
                "advice_en": lv.advice_en,
            }
            for lv in m.levels
        ],
        "cells": {"rows": [[m.levels[int(i)].key for i in row] for row in m.cells]},
        "very_high_consequence": m.very_high_consequence,
        "very_high_scores": list(m.very_high_scores),
        "screening_max_consequence": m.screening_max_consequence,
        "default_tolerance": m.default_tolerance,
    }


def to_json(m: RiskMatrix) -> str:
    """``m`` as canonical JSON text (sorted keys): equal matrices give equal text, so the
    text identifies the matrix in a history's ``attrs["matrices"]``."""
    return json.dumps(matrix_spec(m), ensure_ascii=False, sort_keys=True)


@lru_cache(maxsize=64)
def from_json(spec: str, source: str = "history") -> RiskMatrix:
    """The RiskMatrix of :func:`to_json` text (cached: a history repeats the same text)."""
    return RiskMatrix.from_dict(json.loads(spec), source=source)


KL = matrix("kl")
