"""Cell parsers: values typed the way people type them, read once per distinct value of a column.

Numbers stored as text, scale values as 3, "3 - Høj", "Høj" or "Sandsynligt" (labels of
the round's matrix), yes/no as Ja/Nej/X/✓/Yes/No/1/0, dates as 24-12-2026, 24.12.2026,
24/12/2026, ISO, Excel serials or date cells (the convention of :mod:`isms_analysis.dates`),
months as numbers or names, lists split on ; , and line breaks, vocabulary values by key,
Danish or English label. A value that cannot be parsed is :data:`BAD`; the reader
reports it at its cell. :func:`parse_column` parses a factorised column and
:func:`kind_phrase` says, for a message, what a column's kind allows.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import pandas as pd

from .. import layout as L
from ..dates import DATE_MAX, DATE_MIN, MONTH_NUMBERS, parse_day
from ..folding import fold
from ..matrix import RiskMatrix
from ..text import pair
from .problems import fill

BAD = object()  # a value that cannot be parsed

# -- cell parsers (run once per distinct value of a column) -------------------------------------
_NUM = re.compile(r"^([+-]?\d+)(?:[.,]0+)?(?:\s*[-–—:.)]?\s*(\D.*))?$")
_TRUE = {"ja", "j", "yes", "y", "x", "sand", "true", "1", "ok", "✓", "✔", "☑", "✅"}
_FALSE = {"nej", "n", "no", "falsk", "false", "0", "-", "✗", "✘", "☐"}


def as_int(u: Any) -> Any:
    if isinstance(u, bool):
        return BAD
    if isinstance(u, int):
        return u if abs(u) < 32768 else BAD
    if isinstance(u, float):
        return int(u) if u.is_integer() and abs(u) < 32768 else BAD
    if isinstance(u, str):
        m = _NUM.match(u.strip())
        if m:
            return as_int(int(m.group(1)))
    return BAD


def scale_parser(labels: dict[str, int]):
    def parse(u: Any) -> Any:
        v = as_int(u)
        if v is BAD and isinstance(u, str):
            return labels.get(fold(u), BAD)
        return v

    return parse


def parse_bool(u: Any) -> Any:
    if isinstance(u, bool):
        return u
    if isinstance(u, int | float):
        return bool(u) if u in (0, 1) else BAD
    if isinstance(u, str):
        s = u.strip().casefold()
        if s in _TRUE or fold(s) in _TRUE:
            return True
        if s in _FALSE or fold(s) in _FALSE:
            return False
    return BAD


def parse_date(u: Any) -> Any:
    """A date between ``dates.DATE_MIN`` and ``dates.DATE_MAX`` (any way a cell may hold one), or :data:`BAD`."""
    d = parse_day(u)
    return BAD if d is None else d


def parse_month(u: Any) -> Any:
    v = as_int(u)
    if v is BAD and isinstance(u, str):
        f = fold(u)
        return MONTH_NUMBERS.get(f, MONTH_NUMBERS.get(f[:3], BAD) if len(f) >= 3 else BAD)
    return v


def as_text(u: Any) -> Any:
    if isinstance(u, str):
        s = u.strip()
        return s or None
    if isinstance(u, bool):
        return "Ja" if u else "Nej"
    if isinstance(u, float) and u.is_integer():
        return str(int(u))
    if isinstance(u, dt.datetime):
        return u.date().isoformat() if u.time() == dt.time() else u.isoformat(sep=" ")
    if isinstance(u, dt.date | dt.time):
        return u.isoformat()
    return str(u)


def parse_list(u: Any) -> Any:
    s = as_text(u)
    if s is None:
        return None
    parts = [p.strip() for p in re.split(r"[;,\n]", s)]
    return "; ".join(p for p in parts if p) or None


_CONTROL_WITH_TEXT = re.compile(r"^(?:[Aa]\.?\s*)?(\d+(?:\.\d+)+)\s*[-–:]?\s+\D.*$")


def parse_controls(u: Any) -> Any:
    """A list of control IDs; text after an ID is dropped ("8.13 backup" -> "8.13")."""
    s = parse_list(u)
    if s is None:
        return None
    return "; ".join(_CONTROL_WITH_TEXT.sub(r"\1", p) for p in s.split("; "))


def lookup_parser(table: dict[str, str]):
    def parse(u: Any) -> Any:
        s = as_text(u)
        if s is None:
            return None
        return table.get(fold(s), s)

    return parse


def choice_table(vocabulary: str) -> dict[str, str]:
    vocab = L.VOCABULARIES[vocabulary]
    table: dict[str, str] = {}
    group = "treatment" if vocabulary == "treatment" else "status" if vocabulary.endswith("status") else None
    for alias, key in L.CHOICE_ALIASES.get(group, {}).items():
        if key in vocab:
            table[fold(alias)] = key
    for key, (da, en) in vocab.items():
        for name in (key, da, en):
            table[fold(name)] = key
    return table


# -- kinds: parser, nullable dtype during validation, final dtype -------------------------------
TEXT_KINDS = ("id", "text", "list", "choice", "level")
COMPUTED = frozenset({"risk_score_municipality", "risk_score_data_subject"})  # recomputed by the reader


def kind_phrase(col: L.Column, header: str, m: RiskMatrix) -> tuple[tuple[str, str], tuple[str, str]]:
    """((Danish, English) noun phrase, (Danish, English) allowed values) of a column's kind, for messages."""
    if col.kind in ("likelihood", "consequence"):
        labels = (
            (m.likelihood_da, m.likelihood_en) if col.kind == "likelihood" else (m.consequence_da, m.consequence_en)
        )
        allowed = tuple(f"1–{len(lab)} ({', '.join(f'{i} {x}' for i, x in enumerate(lab, start=1))})" for lab in labels)
        return fill(
            pair("workbook.kind_scale"),
            what=pair("workbook.scale_likelihood") if col.kind == "likelihood" else pair("workbook.scale_consequence"),
        ), allowed
    if col.kind == "bool":
        return pair("workbook.kind_bool"), pair("workbook.allowed_bool")
    if col.kind == "date":
        return pair("workbook.kind_date"), fill(pair("workbook.allowed_date"), first=DATE_MIN, last=DATE_MAX)
    if col.kind == "month":
        return pair("workbook.kind_month"), pair("workbook.allowed_month")
    if col.kind == "int":
        return pair("workbook.kind_int"), pair("workbook.allowed_int")
    if col.kind == "level":
        return fill(pair("workbook.kind_level"), matrix=m.name), (
            ", ".join(m.level_names("da")),
            ", ".join(m.level_names("en")),
        )
    if col.kind == "choice" and col.vocabulary:
        vocab = L.VOCABULARIES[col.vocabulary]
        allowed = (", ".join(v[0] for v in vocab.values()), ", ".join(v[1] for v in vocab.values()))
        return fill(pair("workbook.kind_choice"), header=header), allowed
    return pair("workbook.kind_text"), pair("workbook.allowed_text")


def parser_for(col: L.Column, matrix: RiskMatrix):
    """The parser of one layout column; scale and level values follow ``matrix``."""
    kind = col.kind
    if kind in ("likelihood", "consequence"):
        labels = matrix.likelihood_da if kind == "likelihood" else matrix.consequence_da
        labels_en = matrix.likelihood_en if kind == "likelihood" else matrix.consequence_en
        table: dict[str, int] = {}
        for i, x in enumerate((*labels, *labels_en)):
            step = i % len(labels) + 1
            table.setdefault(fold(x), step)
            table.setdefault(fold(x).removesuffix("t"), step)  # "Sandsynlig" for "Sandsynligt"
        for alias, step in L.SCALE_ALIASES.get(kind, {}).items():
            if step <= len(labels):
                table.setdefault(fold(alias), step)
        return scale_parser(table)
    if kind == "int":
        return as_int
    if kind == "bool":
        return parse_bool
    if kind == "date":
        return parse_date
    if kind == "month":
        return parse_month
    if kind == "list":
        return parse_controls if col.field == "controls" else parse_list
    if kind == "choice" and col.vocabulary:
        return lookup_parser(choice_table(col.vocabulary))
    if kind == "level":
        t = {}
        for lv in matrix.levels:
            for n in (lv.key, lv.name_da, lv.name_en):
                t[fold(n)] = lv.name_da  # the level's identifier, as in scores["level"]
        return lookup_parser(t)
    return as_text


class _BoolKey:
    """A boolean cell as a factorisation key: Python has True == 1 and hash(True) == hash(1),
    so without it a TRUE cell and cells holding 1 would be parsed (and shown) as one value."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _BoolKey) and other.value is self.value

    def __hash__(self) -> int:
        return hash(("bool", self.value))


def factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pd.factorize of one column, with booleans kept apart from the numbers 1 and 0."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if not len(uniques) or not ((uniques == 1) | (uniques == 0)).any():  # elementwise; text compares unequal
        return codes, uniques
    is_bool = np.fromiter((type(v) is bool for v in values), dtype=bool, count=len(values))
    if not is_bool.any() or is_bool.all():
        return codes, uniques
    keys = values.copy()
    keys[is_bool] = [_BoolKey(v) for v in values[is_bool]]
    codes, ukeys = pd.factorize(keys, use_na_sentinel=True)
    uniques = np.empty(len(ukeys), dtype=object)
    uniques[:] = [u.value if isinstance(u, _BoolKey) else u for u in ukeys]
    return codes, uniques


def is_blank(u: Any) -> bool:
    return u is None or (isinstance(u, str) and not u.strip()) or (isinstance(u, float) and u != u)


def blank_uniques(uniques: Any) -> np.ndarray:
    return np.fromiter((is_blank(u) for u in uniques), dtype=bool, count=len(uniques))


def parse_column(codes: np.ndarray, uniques: Any, parse: Any, kind: str) -> tuple[Any, np.ndarray]:
    """Parse each distinct value once, then spread to the rows. Returns (values, bad mask)."""
    nu = len(uniques)
    if kind in ("id", "text"):  # the common, large case: text needs no checking
        texts = [as_text(u) for u in uniques]
        texts.append(None)
        return pd.array(texts, dtype="string").take(codes), np.zeros(len(codes), dtype=bool)
    parsed: list[Any] = []
    ubad = np.zeros(nu + 1, dtype=bool)
    for i, u in enumerate(uniques):
        if is_blank(u):
            parsed.append(None)
            continue
        v = parse(u)
        if v is BAD:
            ubad[i] = True
            v = None
        parsed.append(v)
    parsed.append(None)
    bad = ubad[codes]
    if kind in ("likelihood", "consequence", "month", "int"):
        arr = pd.array(parsed, dtype="Int64")
    elif kind == "bool":
        arr = pd.array(parsed, dtype="boolean")
    elif kind == "date":
        arr = pd.array(pd.to_datetime(pd.Series(parsed, dtype="object")).astype("datetime64[ns]"))
    else:
        arr = pd.array(parsed, dtype="string")
    return arr.take(codes), bad


def extra_column(codes: np.ndarray, uniques: Any) -> Any:
    """An unknown column, kept as it is (blank cells missing, text trimmed)."""
    vals = [None if is_blank(u) else (u.strip() if isinstance(u, str) else u) for u in uniques]
    vals.append(None)
    arr = np.empty(len(vals), dtype=object)
    arr[:] = vals
    return pd.Series(arr[codes], dtype=object).infer_objects().array
