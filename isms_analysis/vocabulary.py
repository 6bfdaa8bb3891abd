"""One vocabulary for every frame: stable values in the data, labels at display.

The policy (documented in ``docs/vocabulary.md``):

- every categorical column of every frame the package returns (scores, decisions,
  comparisons, history, the assessment's sheets) holds a **stable, language-
  independent value**: the package's English key for the vocabularies it defines
  (``perspective``, ``stage``, ``treatment``, ``status``, ``type``/``asset_type``,
  ``personal_data``, ...), and for ``level`` the level's identifier in the matrix,
  which is the level name the matrix file defines (``name_da``: "Middel",
  "Over middel"); a risk profile's tolerance holds the same identifier;
- Danish or English **labels** are applied only at display (:func:`labels`);
- every **filter or comparison** goes through :func:`where` or the ``.isms``
  accessor, which accept the key, the Danish label or the English label (case and
  æ/ø/å folded), compare ordered columns (``level``) in matrix order, and raise a
  ``ValueError`` naming the closest values when a value is not in the column.

Examples::

    scores[scores["level"].isms >= "High"]          # the same as >= "Høj"
    assets[assets["type"].isms == "IT-system"]      # matches the key it_system
    isms.where(scores, area="Skoler", level=">= Over middel", perspective="De registrerede")
    isms.labels(scores, "en")                       # a display copy with English labels
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

import pandas as pd

from . import layout as L
from .matrix import PRESETS, RiskMatrix
from .matrix import matrix as get_matrix
from .text import LANGS, check_lang, has, pair, t
from .text import labels as text_labels

__all__ = ["check_choice", "labels", "where"]

# Column name -> the vocabulary of its keys (the frames' column names, not the sheets' headers).
COLUMN_VOCABULARIES: dict[str, tuple[str, ...]] = {
    "treatment": ("treatment",),
    "status": ("risk_status", "decision_status", "action_status", "soa_status", "wheel_status"),
    "reason": ("decision_reason",),
    "role": ("role",),
    "acceptor_role": ("role",),
    "type": ("asset_type", "action_type"),
    "asset_type": ("asset_type",),
    "personal_data": ("personal_data",),
    "source": ("soa_source",),
    "frequency": ("frequency",),
    "change": ("change",),
    "treatment_class": ("treatment_class",),
}
# Vocabularies of the frames the package computes (the workbook's are in layout.py); their
# labels are data/text/vocabulary.toml's <vocabulary>__<key> entries.
FRAME_VOCABULARIES = ("change", "treatment_class")


@cache
def _frame_vocabulary(name: str) -> dict[str, tuple[str, str]]:
    prefix = f"{name}__"
    return {k.removeprefix(prefix): pair(f"vocabulary.{k}") for k in text_labels("vocabulary") if k.startswith(prefix)}


def _common(value: str) -> tuple[str, str] | None:
    """The (da, en) label of a shared term (perspective, stage, severity, ...), if ``value`` is one."""
    key = f"common.{value}"
    return pair(key) if has(key) else None


@cache
def _decision_vocabularies() -> dict[str, dict[str, tuple[str, str]]]:
    """The committee list's status and reason keys with their Danish/English labels."""
    from .decisions import REASONS, STATUSES, text

    return {
        "decision_status": {k: (text(k, "da"), text(k, "en")) for k in STATUSES},
        "decision_reason": {k: (text(k, "da"), text(k, "en")) for k in REASONS},
    }


def _vocabulary(name: str) -> dict[str, tuple[str, str]]:
    if name.startswith("decision_"):
        return _decision_vocabularies()[name]
    if name in FRAME_VOCABULARIES:
        return _frame_vocabulary(name)
    return L.VOCABULARIES.get(name, {})
_OPERATORS = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(.+?)\s*$")


def fold(text: Any) -> str:
    """The reader's compare-key (case, spaces, punctuation and æ/ø/å folded)."""
    from .workbook import fold as _fold

    return _fold(text)


@cache
def _preset_levels() -> tuple[tuple[str, str, str], ...]:
    """(identifier, key, English name) of every preset matrix's levels."""
    out: list[tuple[str, str, str]] = []
    for name in PRESETS:
        out += [(lv.name_da, lv.key, lv.name_en) for lv in get_matrix(name).levels]
    return tuple(out)


def _spellings(value: str, column: str | None, m: RiskMatrix | None = None) -> set[str]:
    """Every folded spelling that denotes the stored ``value``: itself, its labels, its key."""
    found = {fold(value)}
    found |= {fold(x) for x in _common(value) or ()}
    vocabs = COLUMN_VOCABULARIES.get(column or "", (*L.VOCABULARIES, *FRAME_VOCABULARIES, *_decision_vocabularies()))
    for v in vocabs:
        texts = _vocabulary(v).get(value)
        if texts:
            found |= {fold(texts[0]), fold(texts[1])}
        group = "treatment" if v == "treatment" else "status" if v.endswith("status") else None
        found |= {fold(a) for a, k in L.CHOICE_ALIASES.get(group, {}).items() if k == value and texts}
    levels = [(lv.name_da, lv.key, lv.name_en) for lv in m.levels] if m is not None else []
    for ident, key, en in [*levels, *_preset_levels()]:
        if value in (ident, key):  # a key too: the benchmark extract's exchange format holds level keys
            found |= {fold(ident), fold(key), fold(en)}
    found.discard("")
    return found


def _values(s: pd.Series) -> list[str]:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return [str(c) for c in s.cat.categories]
    return sorted({str(v) for v in s.dropna().unique()})


def _matrix_of(s: pd.Series) -> RiskMatrix | None:
    name = s.attrs.get("matrix")
    if isinstance(name, RiskMatrix):
        return name
    try:
        return get_matrix(name) if name else None
    except (ValueError, KeyError, OSError):
        return None


def resolve(s: pd.Series, value: Any, *, column: str | None = None) -> Any:
    """The stored value of ``s`` that ``value`` denotes (key, Danish or English label).

    Raises ``ValueError`` naming the closest values when ``value`` denotes none of them.
    Non-text values (numbers, booleans, dates) are returned as given."""
    if not isinstance(value, str):
        return value
    column = column if column is not None else (str(s.name) if s.name is not None else None)
    stored = _values(s)
    if value in stored:
        return value
    key = fold(value)
    m = _matrix_of(s)
    hits = [v for v in stored if key in _spellings(v, column, m)]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise ValueError(
            f"'{value}' er tvetydig i kolonnen '{column}': {', '.join(hits)} / "
            f"'{value}' is ambiguous in column '{column}': {', '.join(hits)}"
        )
    raise ValueError(_unknown_message(value, column, stored))


def _unknown_message(value: str, column: str | None, stored: list[str]) -> str:
    close = difflib.get_close_matches(value, stored, n=3, cutoff=0.5)
    if not close:
        folded = {fold(v): v for v in stored}
        close = [folded[k] for k in difflib.get_close_matches(fold(value), list(folded), n=3, cutoff=0.5)]
    shown = ", ".join(stored[:30]) + (" …" if len(stored) > 30 else "")
    if close:
        hint_da, hint_en = f" Mente du: {', '.join(close)}?", f" Did you mean: {', '.join(close)}?"
    else:
        hint_da, hint_en = f" Gyldige værdier: {shown}.", f" Valid values: {shown}."
    return (
        f"'{value}' findes ikke i kolonnen '{column}'.{hint_da} / "
        f"'{value}' is not a value of column '{column}'.{hint_en}"
    )


def _compare(s: pd.Series, op: str, value: Any) -> pd.Series:
    target = resolve(s, value)
    if op in ("==", "!="):
        hit = s == target
        return ~hit if op == "!=" else hit
    if isinstance(s.dtype, pd.CategoricalDtype) and not s.cat.ordered:
        raise ValueError(
            f"Kolonnen '{s.name}' har ingen rækkefølge; brug == eller != / "
            f"column '{s.name}' has no order; use == or !="
        )
    ops = {">=": s.__ge__, "<=": s.__le__, ">": s.__gt__, "<": s.__lt__}
    return ops[op](target)


@pd.api.extensions.register_series_accessor("isms")
class SeriesVocabulary:
    """``series.isms``: compare a column by key or by Danish/English label.

    ``scores["level"].isms >= "High"``, ``assets["type"].isms == "It-system"``,
    ``scores["area"].isms.isin(["Skoler", "Ældre"])``, ``scores["treatment"].isms.label("da")``.
    Unknown values raise ``ValueError`` with the closest matches."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, series: pd.Series) -> None:
        self._s = series

    def __eq__(self, value: object) -> pd.Series:  # type: ignore[override]
        return _compare(self._s, "==", value)

    def __ne__(self, value: object) -> pd.Series:  # type: ignore[override]
        return _compare(self._s, "!=", value)

    def __ge__(self, value: object) -> pd.Series:
        return _compare(self._s, ">=", value)

    def __gt__(self, value: object) -> pd.Series:
        return _compare(self._s, ">", value)

    def __le__(self, value: object) -> pd.Series:
        return _compare(self._s, "<=", value)

    def __lt__(self, value: object) -> pd.Series:
        return _compare(self._s, "<", value)

    def isin(self, values: Iterable[Any]) -> pd.Series:
        """Membership by key or label; every value must denote one in the column."""
        return self._s.isin([resolve(self._s, v) for v in values])

    def resolve(self, value: Any) -> Any:
        """The stored value that ``value`` (key or label) denotes."""
        return resolve(self._s, value)

    def label(self, lang: str = "da") -> pd.Series:
        """The column as display labels in ``lang``."""
        return label_series(self._s, lang)


@pd.api.extensions.register_dataframe_accessor("isms")
class FrameVocabulary:
    """``frame.isms.where(...)`` and ``frame.isms.labels(lang)``; see :func:`where`."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._f = frame

    def where(self, **conditions: Any) -> pd.DataFrame:
        return where(self._f, **conditions)

    def labels(self, lang: str = "da") -> pd.DataFrame:
        return labels(self._f, lang)


def where(frame: pd.DataFrame, **conditions: Any) -> pd.DataFrame:
    """The rows of ``frame`` that meet every condition, by key or label in either language.

    A condition is ``column=value`` (equality), ``column=[v1, v2]`` (membership) or
    ``column=">= value"`` (also ``>``, ``<=``, ``<``, ``==``, ``!=``; ordered columns such as
    ``level`` compare in matrix order). ``where(scores, level=">= High", area="Skoler")``.

    Raises ``ValueError`` for a column the frame lacks and for a value the column does not
    hold, naming the closest matches (``area="Skole"`` -> "Mente du: Skoler?")."""
    mask = pd.Series(True, index=frame.index)
    for column, cond in conditions.items():
        if column not in frame.columns:
            close = difflib.get_close_matches(column, [str(c) for c in frame.columns], n=3)
            raise ValueError(
                f"Kolonnen '{column}' findes ikke (mente du: {', '.join(close) or '-'}) / "
                f"no column '{column}' (did you mean: {', '.join(close) or '-'})"
            )
        s = frame[column]
        s.attrs.update(frame.attrs)
        if isinstance(cond, (list, tuple, set, pd.Index, pd.Series)):
            mask &= s.isin([resolve(s, v) for v in cond]).to_numpy()
            continue
        op, value = "==", cond
        if isinstance(cond, str):
            found = _OPERATORS.match(cond)
            if found:
                op, value = found.group(1), found.group(2)
        mask &= _compare(s, op, value).fillna(False).to_numpy(dtype=bool)
    return frame[mask.to_numpy()]


def check_choice(value: str, valid: Iterable[str], what: tuple[str, str]) -> str:
    """``value`` if it is one of ``valid`` (a key, or its Danish/English label);
    otherwise a ``ValueError`` that lists the valid values."""
    valid = list(valid)
    for key in valid:
        if fold(value) in {fold(key), *(fold(x) for x in _common(key) or ())}:
            return key
    shown = ", ".join(f"'{k}'" for k in valid)
    raise ValueError(f"Ukendt {what[0]} '{value}'; gyldige: {shown} / unknown {what[1]} '{value}'; valid: {shown}")


def label_series(s: pd.Series, lang: str = "da", m: RiskMatrix | None = None) -> pd.Series:
    """Display labels of a column's stored values (unknown values shown as stored)."""
    column = str(s.name) if s.name is not None else ""
    m = m or _matrix_of(s)
    mapping: dict[str, str] = {}
    for v in _values(s):
        text = v
        if column in ("perspective", "stage", "severity") and has(f"common.{v}"):
            text = t(f"common.{v}", lang)
        elif column == "level":
            levels = [(lv.name_da, lv.key, lv.name_en) for lv in m.levels] if m is not None else []
            levels += list(_preset_levels())
            found = next(((ident, en) for ident, key, en in levels if v in (ident, key)), (v, v))
            text = dict(zip(LANGS, found, strict=True))[lang]
        else:
            for vocab in COLUMN_VOCABULARIES.get(column, ()):
                texts = _vocabulary(vocab).get(v)
                if texts:
                    text = dict(zip(LANGS, texts, strict=True))[lang]
                    break
        mapping[v] = text
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.rename_categories(lambda c: mapping.get(str(c), str(c))) if len(set(mapping.values())) == len(
            mapping
        ) else s.astype("string").map(mapping).astype("category")
    return s.map(lambda v: mapping.get(str(v), v) if isinstance(v, str) else v)


def labels(frame: pd.DataFrame, lang: str = "da") -> pd.DataFrame:
    """A display copy of ``frame`` whose categorical values are labels in ``lang``
    (keys -> "Mitiger"/"Mitigate", levels -> "Høj"/"High"); column names unchanged."""
    check_lang(lang)
    out = frame.copy()
    for column in out.columns:
        name = str(column)
        if name in ("perspective", "stage", "level") or name in COLUMN_VOCABULARIES:
            s = out[column]
            s.attrs.update(frame.attrs)
            out[column] = label_series(s, lang)
    return out
