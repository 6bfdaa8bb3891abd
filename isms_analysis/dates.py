"""One date convention everywhere: what a workbook cell accepts, ``--as-of`` and the
API's ``as_of`` arguments accept too.

Text dates are read as the workbook reader reads them: ISO ``2026-04-03``, or day
first for Danish slashed, dotted or dashed dates (``03/04/2026``, ``3.4.26``,
``03-04-2026`` are all 3 April 2026), or ``3. april 2026``. Dates, datetimes and
timestamps are taken as given. Never month first.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd

from .folding import fold
from .layout import MONTHS_DA, MONTHS_EN

__all__ = ["DATE_MAX", "DATE_MIN", "MONTH_NUMBERS", "parse_day", "to_day"]

_DMY = re.compile(r"^(\d{1,2})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{4}|\d{2})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DMONY = re.compile(r"^(\d{1,2})\.?\s*([^\d\s.]+)\.?\s*(\d{4})$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
# Plausible dates for a risk register: 31-12-9999 ("never") or 0001-01-01 is a placeholder, not a
# date; 2300-01-01 as a Vurderingsdato would make a round that can never get a report.
DATE_MIN, DATE_MAX = dt.date(1990, 1, 1), dt.date(2100, 12, 31)


def _month_names() -> dict[str, int]:
    names: dict[str, int] = {}
    for i, (da, en) in enumerate(zip(MONTHS_DA, MONTHS_EN, strict=True), start=1):
        for name in (da, en):
            names[fold(name)] = i
            names[fold(name)[:3]] = i
    names["maj"] = 5
    names["okt"] = 10
    return names


MONTH_NUMBERS = _month_names()  # folded Danish/English month name or its first three letters -> 1..12


def _date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def parse_day(u: Any) -> dt.date | None:
    """A date between ``DATE_MIN`` and ``DATE_MAX`` written any way a workbook cell may hold it
    (date or datetime, Excel serial, ``03-04-2026``, ``3.4.26``, ISO, ``3. april 2026``), else None."""
    d = _any_date(u)
    return d if d is not None and DATE_MIN <= d <= DATE_MAX else None


def _any_date(u: Any) -> dt.date | None:
    if isinstance(u, dt.datetime):
        return u.date()
    if isinstance(u, dt.date):
        return u
    if isinstance(u, bool):
        return None
    if isinstance(u, int | float):
        if 1 <= u < 2958466:  # Excel serial day numbers (1900 system)
            return _EXCEL_EPOCH + dt.timedelta(days=int(u))
        return None
    if isinstance(u, str):
        s = u.strip()
        if m := _DMY.match(s):
            y = int(m.group(3))
            return _date(y + 2000 if y < 100 else y, int(m.group(2)), int(m.group(1)))
        if m := _ISO.match(s):
            return _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _DMONY.match(s):
            month = MONTH_NUMBERS.get(fold(m.group(2))) or MONTH_NUMBERS.get(fold(m.group(2))[:3])
            return _date(int(m.group(3)), month, int(m.group(1))) if month else None
        if s.isdigit():
            return _any_date(int(s))
    return None


def to_day(value: Any) -> pd.Timestamp:
    """``value`` as a midnight ``pd.Timestamp``; ``ValueError`` when it is not a date.

    >>> to_day("03/04/2026")
    Timestamp('2026-04-03 00:00:00')
    """
    if isinstance(value, pd.Timestamp):
        if pd.isna(value):
            raise ValueError(f"not a date: {value!r}")
        return value.normalize()
    if isinstance(value, dt.date | dt.datetime):
        return pd.Timestamp(value).normalize()
    if isinstance(value, str):
        parsed = parse_day(value.strip())
        if parsed is None:
            raise ValueError(f"not a date: {value!r}")
        return pd.Timestamp(parsed)
    day = pd.Timestamp(value)
    if pd.isna(day):
        raise ValueError(f"not a date: {value!r}")
    return day.normalize()
