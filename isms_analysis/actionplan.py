"""The action plan (*handlingsplan*): its status as of a day, and the actions for the
risks the committee must see treated.

An action is overdue when it is not done and its deadline is
before ``as_of``. Actions linked to risks whose level (any perspective, inherent or
residual) the matrix classes as ``should_treat`` or worse (KL: Over middel, Høj)
are the committee's priority.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from .assessment import column
from .dates import to_day
from .layout import ACTION_STATUSES
from .matrix import RiskMatrix
from .matrix import matrix as get_matrix
from .soa import explode_ids, level_index, worst_level


class ActionStatus(NamedTuple):
    """by_status: count and overdue count per status; overdue: the overdue actions;
    by_responsible: open, overdue and done actions per responsible person."""

    by_status: pd.DataFrame
    overdue: pd.DataFrame
    by_responsible: pd.DataFrame


def action_status(actions: pd.DataFrame | None, as_of: dt.date | dt.datetime | str | pd.Timestamp) -> ActionStatus:
    """The action plan's status as of ``as_of`` (see the module docstring).

    Returns ``ActionStatus(by_status, overdue, by_responsible)``: counts per status, the
    overdue actions (the action plan's columns) and counts per responsible person.
    """
    day = to_day(as_of)
    a = actions if actions is not None else pd.DataFrame({"action_id": pd.Series(dtype="string")})
    status = column(a, "status").astype("string").str.strip().str.casefold()
    deadline = pd.to_datetime(column(a, "deadline", "datetime64[ns]"))
    is_done = (status == "done").fillna(False).to_numpy(dtype=bool)
    overdue = ~is_done & (deadline < day).fillna(False).to_numpy(dtype=bool)
    keys = [*ACTION_STATUSES]
    st = status.where(status.isin(keys))
    by_status = pd.DataFrame(
        {
            "status": pd.array(keys + [pd.NA], dtype="string"),
            "count": [int((st == k).sum()) for k in keys] + [int(st.isna().sum())],
            "overdue": [int((overdue & (st == k).fillna(False).to_numpy(dtype=bool)).sum()) for k in keys]
            + [int((overdue & st.isna().to_numpy(dtype=bool)).sum())],
        }
    )
    by_status = by_status[(by_status["count"] > 0) | by_status["status"].notna()].reset_index(drop=True)
    cols = ["action_id", "title", "type", "responsible", "deadline", "status", "risks", "controls"]
    od = pd.DataFrame({c: column(a, c) for c in cols})[overdue].copy()
    od["days_overdue"] = (day - pd.to_datetime(od["deadline"])).dt.days.astype("Int64")
    od = od.sort_values(["deadline", "action_id"], kind="stable").reset_index(drop=True)
    resp = column(a, "responsible").astype("string").str.strip()
    per = pd.DataFrame({"responsible": resp, "open": ~is_done, "overdue": overdue, "done": is_done})
    by_resp = per.groupby("responsible", dropna=False)[["open", "overdue", "done"]].sum().astype("int64").reset_index()
    by_resp = by_resp.sort_values(["overdue", "open", "responsible"], ascending=[False, False, True], kind="stable")
    return ActionStatus(by_status, od, by_resp.reset_index(drop=True))


def actions_for_high_risks(
    actions: pd.DataFrame | None,
    scores: pd.DataFrame,
    matrix: str | Path | RiskMatrix = "kl",
) -> pd.DataFrame:
    """Actions linked (``Handlingsplan.Risici``) to risks whose highest level, over
    perspectives and stages, has treatment class ``should_treat`` or worse. High risks
    with no action appear once with a missing action_id.

    Columns: risk_id, level, score, perspective, action_id, title, responsible,
    deadline, status.

    Dtypes: ``level`` ordered category; ``score`` Int16; ``deadline`` datetime64; the
    others string.
    """
    m = get_matrix(matrix)
    worst = worst_level(scores, m, stages=("inherent", "residual"))
    high = worst[worst["level_index"] >= m.first_level_with("should_treat")].drop(columns="level_index")
    a = actions if actions is not None else pd.DataFrame({"action_id": pd.Series(dtype="string")})
    links = explode_ids(a, "action_id", "risks", out=("action_id", "risk_id"))
    info = pd.DataFrame({c: column(a, c) for c in ("action_id", "title", "responsible", "deadline", "status")})
    info["action_id"] = info["action_id"].astype("string").str.strip()
    j = high.merge(links, on="risk_id", how="left").merge(info.drop_duplicates("action_id"), on="action_id", how="left")
    names = m.level_names("da")
    j["_rank"] = -level_index(j["level"], m)
    j = j.sort_values(["_rank", "risk_id", "action_id"], kind="stable").drop(columns="_rank")
    j["level"] = pd.Categorical(j["level"], categories=names, ordered=True)
    return j.reset_index(drop=True)
