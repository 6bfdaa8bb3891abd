"""One date convention everywhere: what a workbook cell accepts, ``--as-of`` and the
API's ``as_of`` arguments accept too.

Text dates are read as the workbook reader reads them: ISO ``2026-04-03``, or day
first for Danish slashed, dotted or dashed dates (``03/04/2026``, ``3.4.26``,
``03-04-2026`` are all 3 April 2026), or ``3. april 2026``. Dates, datetimes and
timestamps are taken as given. Never month first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd


def to_day(value: Any) -> pd.Timestamp:
    """``value`` as a midnight ``pd.Timestamp``; ``ValueError`` when it is not a date.

    >>> to_day("03/04/2026")
    Timestamp('2026-04-03 00:00:00')
    """
    from .workbook import _BAD, _parse_date

    if isinstance(value, pd.Timestamp):
        if pd.isna(value):
            raise ValueError(f"not a date: {value!r}")
        return value.normalize()
    if isinstance(value, dt.date | dt.datetime):
        return pd.Timestamp(value).normalize()
    if isinstance(value, str):
        parsed = _parse_date(value.strip())
        if parsed is _BAD or parsed is None:
            raise ValueError(f"not a date: {value!r}")
        return pd.Timestamp(parsed)
    day = pd.Timestamp(value)
    if pd.isna(day):
        raise ValueError(f"not a date: {value!r}")
    return day.normalize()
