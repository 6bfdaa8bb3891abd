"""Numbers and dates as a Danish (or English) reader expects them, through Babel.

One place for every visible number and date of the reports: "1.500", "32,7" and
"30. september 2026" in Danish; "1,500", "32.7" and "30 September 2026" in English.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from babel.dates import format_date
from babel.numbers import format_decimal

LOCALES = {"da": "da_DK", "en": "en_GB"}


def locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["da"])


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, (list, tuple, dict, np.ndarray)) and bool(pd.isna(value)))


def number(value: Any, lang: str = "da") -> str:
    """A whole number with the language's thousands separator ("1.500" / "1,500")."""
    if _missing(value):
        return ""
    return format_decimal(int(value), locale=locale(lang))


def decimal(value: Any, lang: str = "da", digits: int = 1) -> str:
    """A number with at most ``digits`` decimals and the language's separators ("32,7")."""
    if _missing(value):
        return ""
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
    return format_decimal(float(value), format=pattern, locale=locale(lang))


def date(value: Any, lang: str = "da", form: str = "long") -> str:
    """A date as words ("30. september 2026"); ``form="short"`` gives "30. sep. 2026"
    (tables)."""
    if _missing(value):
        return ""
    day = pd.Timestamp(value).date() if not isinstance(value, dt.date) or isinstance(value, dt.datetime) else value
    if form == "short":
        return format_date(day, format="medium", locale=locale(lang))
    return format_date(day, format="long", locale=locale(lang))


def dates(values: pd.Series, lang: str = "da", form: str = "short") -> pd.Series:
    """A column of dates as text (blank where missing); each distinct date formatted once."""
    stamps = pd.to_datetime(values, errors="coerce")
    uniq = stamps.dropna().unique()
    text = {d: date(d, lang, form) for d in uniq}
    return pd.Series(stamps.map(text).fillna("").to_numpy(dtype=object), index=values.index)


def _value(v: Any, lang: str) -> Any:
    """One value of a mixed column as text when it is a number or a date; else as it is."""
    if isinstance(v, bool | np.bool_) or _missing(v):
        return v
    if isinstance(v, int | np.integer):
        return number(v, lang)
    if isinstance(v, float | np.floating):
        return number(v, lang) if float(v).is_integer() else decimal(v, lang)
    if isinstance(v, dt.date | pd.Timestamp):
        return date(v, lang, "short")
    return v


_ISO = r"^\d{4}-\d{2}-\d{2}$"


def _iso_dates(s: pd.Series) -> bool:
    """A text column holding only ISO dates (and blanks), as the data functions write them."""
    if not (pd.api.types.is_string_dtype(s.dtype) or s.dtype == object):
        return False
    text = s.dropna()
    text = text[text.astype(str) != ""]
    return bool(len(text)) and bool(text.astype(str).str.match(_ISO).all())


def display_frame(frame: pd.DataFrame, lang: str = "da") -> pd.DataFrame:
    """A display table with every numeric and date column as text in ``lang``: whole
    numbers with thousands separators, fractions with one decimal, dates as short dates.
    Text columns are left as they are."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_bool_dtype(s.dtype):
            continue
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            out[col] = dates(s, lang)
        elif pd.api.types.is_integer_dtype(s.dtype):
            uniq = s.dropna().unique()
            text = {v: number(v, lang) for v in uniq}
            out[col] = pd.Series(s.map(text).to_numpy(dtype=object), index=s.index)
        elif pd.api.types.is_float_dtype(s.dtype):
            whole = s.dropna()
            if len(whole) and bool((whole == whole.round()).all()):
                text = {v: number(v, lang) for v in whole.unique()}
            else:
                text = {v: decimal(v, lang) for v in whole.unique()}
            out[col] = pd.Series(s.map(text).to_numpy(dtype=object), index=s.index)
        elif _iso_dates(s):
            out[col] = dates(s.replace("", None), lang)
        elif s.dtype == object:  # mixed values (a key-figure column): each number or date by itself
            out[col] = s.map(lambda v: _value(v, lang)).astype(object)
    return out
