"""The årshjul (annual wheel) and the *effective* residual risk.

**When an årshjul activity is due.** Every activity recurs with a period of
p = 1 (monthly), 3 (quarterly), 6 (half-yearly) or 12 (yearly) months. Its
*scheduled months* are its month M and every p months from there (quarterly: M,
M+3, M+6, M+9; half-yearly: M and M+6; monthly: every month, M is not needed).
Each occurrence is due on the **last day** of its scheduled month (so 29 February
in a leap year, 28 February otherwise).

- **Done before.** Only the latest completion (``last_done``) is recorded. A
  completion counts for the *nearest* scheduled month: done up to ⌊p/2⌋ months
  late still counts for the month it was late for, and done up to ⌈p/2⌉ - 1 months
  early counts for the coming one (a yearly March check done in April counts for
  March; done in February it counts for March too). Formally, with months numbered
  year * 12 + month - 1 and d the completion month, the covered occurrence is the
  first scheduled month on or after d - ⌊p/2⌋, and the **next due date** is the end
  of the scheduled month p months after it. Earlier occurrences count as done.
- **Never done.** The next due date is the first scheduled month-end in the
  calendar year of ``as_of`` (a never-done yearly March activity is overdue from
  1 April of that year).
- **Overdue** when the next due date is before ``as_of`` (the due date itself is the
  last day to do it).
- **Data problems** (column ``problem``): ``last_done_in_future`` (after ``as_of``;
  the date is then ignored, so the activity counts as never done),
  ``frequency_missing``, ``month_missing`` (not monthly and no month 1-12; no due
  date) and ``done_without_date`` (status "done" but no ``last_done``).

**Effective residual risk.** A residual risk assumes its controls work. When the
årshjul activity that checks a control is overdue, the residual level of every
risk that relies on that control (``Risici.Foranstaltninger``) is *unverified*
until the check is done.

The action plan (*handlingsplan*) is :mod:`isms_analysis.actionplan`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .assessment import column
from .dates import to_day
from .soa import explode_ids, normalise_control_ids

PERIODS = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}
# Texts in the catalogue (data/text/wheel.toml): each key's catalogue key.
OCCURRENCE_KEYS = {k: f"wheel.occurrence_{k}" for k in ("done", "due", "overdue")}
PROBLEM_KEYS = {k: f"wheel.problem_{k}" for k in (
    "last_done_in_future", "frequency_missing", "month_missing", "done_without_date",
)}  # fmt: skip


NOT_DONE = -(10**6)  # month number of "never"


def _month_end(months: np.ndarray) -> pd.Series:
    """Month-end dates of month numbers (year * 12 + month - 1); NaT where negative."""
    ok = months >= 0
    safe = np.where(ok, months, 0)
    first = pd.to_datetime({"year": safe // 12, "month": safe % 12 + 1, "day": np.ones(len(safe), dtype=np.int64)})
    return (first + pd.offsets.MonthEnd(0)).where(ok).astype("datetime64[ns]")


def _schedule(wheel: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per activity: period, anchor (scheduled months are anchor mod period), the
    covered month number (NOT_DONE if never), next due month number and problem."""
    freq = column(wheel, "frequency").astype("string").str.strip().str.casefold()
    period = freq.map(PERIODS).fillna(0).to_numpy(dtype=np.int64)
    month = pd.to_numeric(column(wheel, "month"), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    month_ok = np.isfinite(month) & (month >= 1) & (month <= 12)
    m0 = np.where(month_ok, month, 1).astype(np.int64) - 1
    safe_p = np.maximum(period, 1)
    anchor = m0 % safe_p
    last = pd.to_datetime(column(wheel, "last_done", "datetime64[ns]"))
    future = (last > as_of).fillna(False).to_numpy(dtype=bool)
    known = last.notna().to_numpy(dtype=bool) & ~future
    d = np.where(
        known,
        last.dt.year.fillna(0).to_numpy(dtype=np.int64) * 12 + last.dt.month.fillna(1).to_numpy(dtype=np.int64) - 1,
        0,
    )
    x = d - safe_p // 2
    covered = np.where(known, x + (anchor - x) % safe_p, NOT_DONE)
    start = as_of.year * 12
    first_this_year = start + (anchor - start) % safe_p
    next_due = np.where(known, covered + safe_p, first_this_year)
    valid = (period > 0) & (month_ok | (period == 1))
    status = column(wheel, "status").astype("string").str.strip().str.casefold()
    done_no_date = ((status == "done").fillna(False).to_numpy(dtype=bool)) & last.isna().to_numpy(dtype=bool)
    problem = np.select(
        [future, period == 0, ~valid, done_no_date],
        ["last_done_in_future", "frequency_missing", "month_missing", "done_without_date"],
        default="",
    )
    return pd.DataFrame(
        {
            "period": period,
            "anchor": anchor,
            "covered": covered,
            "next_due": np.where(valid, next_due, -1),
            "valid": valid,
            "problem": problem,
        },
        index=wheel.index,
    )


def due_dates(wheel: pd.DataFrame, as_of: dt.date | dt.datetime | str | pd.Timestamp) -> pd.DataFrame:
    """The årshjul with ``next_due`` (date), ``overdue`` (bool), ``days_overdue`` and
    ``problem`` (a data problem key or missing) added, as of ``as_of``. See the
    module docstring for the rule.

    Columns (dtype): the wheel's (``activity_id``, ``title``, ``category``, ``frequency``,
    ``responsible``, ``status``, ``controls`` string; ``month`` Int8; ``last_done``
    datetime64; ``source_row`` int64) plus ``next_due`` (datetime64), ``overdue``
    (bool), ``days_overdue`` (Int64), ``problem`` (string).
    """
    day = to_day(as_of)
    sch = _schedule(wheel, day)
    out = wheel.copy()
    out["next_due"] = _month_end(sch["next_due"].to_numpy()).to_numpy()
    overdue = (out["next_due"] < day).fillna(False).to_numpy(dtype=bool)
    out["overdue"] = overdue
    days = (day - out["next_due"]).dt.days
    out["days_overdue"] = pd.array(np.where(overdue, days.fillna(0), 0), dtype="Int64")
    out["days_overdue"] = out["days_overdue"].where(overdue)
    out["problem"] = pd.array(np.where(sch["problem"] == "", None, sch["problem"]), dtype="string")
    return out


def _occurrences(wheel: pd.DataFrame, first_month: int, n_months: int, as_of: pd.Timestamp) -> pd.DataFrame:
    """Scheduled occurrences in months [first_month, first_month + n_months) with status
    done (covered by the latest completion), overdue (due before as_of) or due."""
    sch = _schedule(wheel, as_of)
    acts = pd.DataFrame(
        {"row": np.arange(len(wheel)), **{c: sch[c].to_numpy() for c in ("period", "anchor", "covered", "valid")}}
    )
    acts = acts[acts["valid"]]
    months = pd.DataFrame({"month_no": np.arange(first_month, first_month + n_months)})
    occ = acts.merge(months, how="cross")
    occ = occ[(occ["month_no"] - occ["anchor"]) % occ["period"] == 0]
    due = _month_end(occ["month_no"].to_numpy()).to_numpy()
    done = occ["covered"].to_numpy() >= occ["month_no"].to_numpy()
    late = due < np.datetime64(as_of)
    status = np.where(done, "done", np.where(late, "overdue", "due"))
    return pd.DataFrame(
        {"row": occ["row"].to_numpy(), "month_no": occ["month_no"].to_numpy(), "due_date": due, "status": status}
    )


def _activity_columns(wheel: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    cols = ["activity_id", "title", "category", "frequency", "responsible", "last_done", "controls"]
    part = wheel.iloc[rows].reset_index(drop=True)
    out = pd.DataFrame({c: column(part, c) for c in cols})
    out["wheel_status"] = column(part, "status").astype("string")
    return out


def quarter_of(as_of: dt.date | dt.datetime | str | pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of the calendar quarter that contains ``as_of``."""
    day = to_day(as_of)
    start = pd.Timestamp(year=day.year, month=3 * ((day.month - 1) // 3) + 1, day=1)
    return start, start + pd.offsets.QuarterEnd(0)


def due_in_quarter(wheel: pd.DataFrame, as_of: dt.date | dt.datetime | str | pd.Timestamp) -> pd.DataFrame:
    """Activities due in the calendar quarter containing ``as_of``: one row per
    scheduled occurrence in the quarter, with status done / due / overdue; plus
    activities overdue since before the quarter (``carried_over`` True).

    Columns: activity_id, title, category, frequency, responsible, due_date, status,
    carried_over, last_done, wheel_status (as recorded), controls.

    Dtypes: ``due_date``, ``last_done`` datetime64; ``carried_over`` bool; the others
    string.
    """
    day = to_day(as_of)
    start, _ = quarter_of(day)
    first = start.year * 12 + start.month - 1
    occ = _occurrences(wheel, first, 3, day)
    occ["carried_over"] = False
    dd = due_dates(wheel, day)
    carried = np.flatnonzero((dd["next_due"] < start).fillna(False).to_numpy(dtype=bool))
    prior = pd.DataFrame(
        {
            "row": carried,
            "due_date": dd["next_due"].to_numpy()[carried],
            "status": "overdue",
            "carried_over": True,
        }
    )
    allocc = pd.concat([prior, occ.drop(columns="month_no")], ignore_index=True)
    acts = _activity_columns(wheel, allocc["row"].to_numpy())
    out = pd.concat([acts, allocc.drop(columns="row").reset_index(drop=True)], axis=1)
    out["status"] = out["status"].astype("string")
    out["due_date"] = out["due_date"].astype("datetime64[ns]")
    order = ["activity_id", "title", "category", "frequency", "responsible", "due_date", "status",
             "carried_over", "last_done", "wheel_status", "controls"]  # fmt: skip
    return out[order].sort_values(["due_date", "activity_id"], kind="stable").reset_index(drop=True)


def year_calendar(
    wheel: pd.DataFrame, year: int, as_of: dt.date | dt.datetime | str | pd.Timestamp
) -> pd.DataFrame:
    """The scheduled occurrences in the months of ``year``: ``row`` (the activity's row
    in ``wheel``), ``month_no`` (year * 12 + month - 1), ``due_date`` and ``status``
    (done, overdue or due on ``as_of``)."""
    return _occurrences(wheel, int(year) * 12, 12, to_day(as_of))


def activity_labels(wheel: pd.DataFrame) -> pd.Series:
    """Per activity (row of ``wheel``): its ID and title, at most 50 characters."""
    ids = column(wheel, "activity_id").astype("string").fillna("")
    titles = column(wheel, "title").astype("string").fillna("")
    return pd.Series([f"{i} {t}"[:50] for i, t in zip(ids, titles, strict=True)], index=wheel.index, dtype=object)


# -- effective residual risk ---------------------------------------------------------------
def unverified_residuals(
    scores: pd.DataFrame,
    risks: pd.DataFrame,
    wheel: pd.DataFrame | None,
    as_of: dt.date | dt.datetime | str | pd.Timestamp,
) -> pd.DataFrame:
    """Residual risks whose level is not trusted because the årshjul check of a control
    they rely on is overdue.

    One row per (risk, perspective, control, overdue activity): risk_id, perspective,
    residual_score, residual_level, control_id, activity_id, activity (title),
    due_date. ``attrs["count"]`` is the number of distinct risks.

    Dtypes: ``residual_score`` Int16; ``due_date`` datetime64; the others string.
    """
    cols = {
        "risk_id": "string", "perspective": "string", "residual_score": "Int16", "residual_level": "string",
        "control_id": "string", "activity_id": "string", "activity": "string", "due_date": "datetime64[ns]",
    }  # fmt: skip
    if wheel is None or wheel.empty:
        out = pd.DataFrame({c: pd.Series(dtype=d) for c, d in cols.items()})
        out.attrs["count"] = 0
        return out
    dd = due_dates(wheel, as_of)
    late = dd[dd["overdue"]].assign(activity_id=lambda f: f["activity_id"].astype("string").str.strip())
    checks = explode_ids(late, "activity_id", "controls", out=("activity_id", "control_id"))
    checks["control_id"] = normalise_control_ids(checks["control_id"])
    checks = checks.merge(
        late[["activity_id", "title", "next_due"]].rename(columns={"title": "activity", "next_due": "due_date"}),
        on="activity_id",
    )
    relies = explode_ids(risks, "risk_id", "controls", out=("risk_id", "control_id"))
    relies["control_id"] = normalise_control_ids(relies["control_id"])
    res = scores[scores["stage"].astype("string") == "residual"]
    res = pd.DataFrame(
        {
            "risk_id": res["risk_id"].astype("string"),
            "perspective": res["perspective"].astype("string"),
            "residual_score": res["score"].astype("Int16"),
            "residual_level": res["level"].astype("string"),
        }
    )
    j = relies.merge(checks, on="control_id").merge(res, on="risk_id")
    j = j.sort_values(["residual_score", "risk_id", "perspective", "control_id", "activity_id"],
                      ascending=[False, True, True, True, True], kind="stable")  # fmt: skip
    out = j[list(cols)].astype(cols).reset_index(drop=True)
    out.attrs["count"] = int(out["risk_id"].nunique())
    return out
