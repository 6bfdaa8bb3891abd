"""Årshjul due dates, the action plan and unverified residual risks, against hand-computed dates."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import one_asset_assessment

from isms_analysis import Assessment, score
from isms_analysis import actionplan as AP
from isms_analysis import wheel as W
from isms_analysis.figures import wheel_figure


def wheel_frame(rows: list[tuple]) -> pd.DataFrame:
    """Rows: (activity_id, frequency, month, last_done, controls[, status]) with reader dtypes."""
    rows = [r if len(r) == 6 else (*r, "planned") for r in rows]
    f = pd.DataFrame(rows, columns=["activity_id", "frequency", "month", "last_done", "controls", "status"])
    f["title"] = "Aktivitet " + f["activity_id"]
    f["responsible"] = "ISK"
    return f.astype(
        {
            "activity_id": "string",
            "title": "string",
            "frequency": "string",
            "month": "Int8",
            "last_done": "datetime64[ns]",
            "controls": "string",
            "status": "string",
            "responsible": "string",
        }
    )


def due(rows: list[tuple], as_of: str) -> pd.DataFrame:
    return W.due_dates(wheel_frame(rows), as_of).set_index("activity_id")


def ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s)


# -- due dates -----------------------------------------------------------------------------
def test_yearly_february_in_a_leap_year_is_due_on_the_29th() -> None:
    d = due([("Y", "yearly", 2, "2023-02-10", None)], "2023-12-01")
    assert d.loc["Y", "next_due"] == ts("2024-02-29")
    assert not d.loc["Y", "overdue"]
    d = due([("Y", "yearly", 2, None, None)], "2024-02-29")  # never done, on the due day
    assert d.loc["Y", "next_due"] == ts("2024-02-29") and not d.loc["Y", "overdue"]
    d = due([("Y", "yearly", 2, None, None)], "2024-03-01")  # the day after
    assert d.loc["Y", "overdue"] and d.loc["Y", "days_overdue"] == 1


def test_yearly_february_in_a_common_year_is_due_on_the_28th() -> None:
    d = due([("Y", "yearly", 2, "2024-02-15", None)], "2024-06-01")
    assert d.loc["Y", "next_due"] == ts("2025-02-28")


def test_monthly_is_due_every_month_end() -> None:
    d = due([("M", "monthly", None, "2024-01-31", None), ("N", "monthly", 7, "2023-11-30", None)], "2024-02-10")
    assert d.loc["M", "next_due"] == ts("2024-02-29") and not d.loc["M", "overdue"]
    assert d.loc["N", "next_due"] == ts("2023-12-31") and d.loc["N", "overdue"]  # month is ignored for monthly
    assert d.loc["N", "days_overdue"] == 41


def test_half_yearly_whose_month_has_passed_is_overdue() -> None:
    # March and September; done in March 2024, as of 15 October 2024 -> 30 Sep missed.
    d = due([("H3", "half_yearly", 3, "2024-03-20", None), ("H9", "half_yearly", 9, "2024-03-20", None)], "2024-10-15")
    for a in ("H3", "H9"):
        assert d.loc[a, "next_due"] == ts("2024-09-30")
        assert d.loc[a, "overdue"] and d.loc[a, "days_overdue"] == 15


def test_half_yearly_december_rolls_into_next_year() -> None:
    d = due([("H", "half_yearly", 12, "2024-12-15", None), ("Y", "yearly", 12, "2024-12-31", None)], "2025-01-05")
    assert d.loc["H", "next_due"] == ts("2025-06-30")
    assert d.loc["Y", "next_due"] == ts("2025-12-31")


def test_never_done_is_due_at_the_first_scheduled_date_of_the_year() -> None:
    d = due(
        [("H", "half_yearly", 3, None, None), ("Q", "quarterly", 11, None, None), ("D", "yearly", 12, None, None)],
        "2024-10-15",
    )
    assert d.loc["H", "next_due"] == ts("2024-03-31") and d.loc["H", "overdue"]
    assert d.loc["Q", "next_due"] == ts("2024-02-29") and d.loc["Q", "overdue"]  # Feb, May, Aug, Nov
    assert d.loc["D", "next_due"] == ts("2024-12-31") and not d.loc["D", "overdue"]


def test_quarterly_on_time_late_and_early() -> None:
    # Scheduled February, May, August, November.
    d = due(
        [
            ("ON", "quarterly", 2, "2024-05-10", None),  # counts for May -> next August
            ("LATE", "quarterly", 2, "2024-09-05", None),  # a month late for August -> next November
            ("EARLY", "quarterly", 2, "2024-10-20", None),  # a month early for November -> next February
        ],
        "2024-10-25",
    )
    assert d.loc["ON", "next_due"] == ts("2024-08-31") and d.loc["ON", "overdue"]
    assert d.loc["LATE", "next_due"] == ts("2024-11-30") and not d.loc["LATE", "overdue"]
    assert d.loc["EARLY", "next_due"] == ts("2025-02-28")


def test_yearly_done_late_or_early_counts_for_its_own_year() -> None:
    d = due([("LATE", "yearly", 3, "2024-04-10", None), ("EARLY", "yearly", 3, "2024-02-10", None)], "2024-05-01")
    assert d.loc["LATE", "next_due"] == ts("2025-03-31")
    assert d.loc["EARLY", "next_due"] == ts("2025-03-31")


def test_data_problems_are_flagged() -> None:
    d = due(
        [
            ("FUT", "yearly", 1, "2024-07-01", None),
            ("NOMONTH", "yearly", None, "2023-05-01", None),
            ("NOFREQ", None, 5, None, None),
            ("NODATE", "yearly", 11, None, None, "done"),
            ("OK", "yearly", 1, "2024-01-10", None),
        ],
        "2024-06-01",
    )
    # a future completion is ignored: never done -> 31 January, overdue
    assert d.loc["FUT", "problem"] == "last_done_in_future"
    assert d.loc["FUT", "next_due"] == ts("2024-01-31") and d.loc["FUT", "overdue"]
    assert d.loc["NOMONTH", "problem"] == "month_missing" and pd.isna(d.loc["NOMONTH", "next_due"])
    assert not d.loc["NOMONTH", "overdue"]
    assert d.loc["NOFREQ", "problem"] == "frequency_missing"
    assert d.loc["NODATE", "problem"] == "done_without_date"
    assert pd.isna(d.loc["OK", "problem"]) and d.loc["OK", "next_due"] == ts("2025-01-31")


def test_due_in_quarter() -> None:
    w = wheel_frame(
        [
            ("M1", "monthly", None, "2024-07-31", None),
            ("Q1", "quarterly", 1, None, None),
            ("Y1", "yearly", 9, "2023-09-10", None),
            ("Y2", "yearly", 3, "2024-03-05", None),
        ]
    )
    q = W.due_in_quarter(w, "2024-08-15")
    got = list(
        zip(q["activity_id"], q["due_date"].dt.strftime("%Y-%m-%d"), q["status"], q["carried_over"], strict=True)
    )
    assert got == [
        ("Q1", "2024-01-31", "overdue", True),  # never done: overdue since January
        ("M1", "2024-07-31", "done", False),
        ("Q1", "2024-07-31", "overdue", False),
        ("M1", "2024-08-31", "due", False),
        ("M1", "2024-09-30", "due", False),
        ("Y1", "2024-09-30", "due", False),
    ]


def test_quarter_of() -> None:
    assert W.quarter_of("2024-08-15") == (ts("2024-07-01"), ts("2024-09-30"))
    assert W.quarter_of("2024-12-31") == (ts("2024-10-01"), ts("2024-12-31"))


def test_wheel_figure_marks_each_scheduled_month() -> None:
    w = wheel_frame([("Q1", "quarterly", 1, "2024-04-15", None), ("Y<b>", "yearly", 10, None, None)])
    fig = wheel_figure(w, 2024, "2024-08-15")
    by = {t.name: t for t in fig.data}
    assert list(by["Udført"].x) == ["Jan", "Apr"]  # April's completion covers January too
    assert list(by["Overskredet"].x) == ["Jul"]
    assert sorted(by["Kommende"].x) == ["Okt", "Okt"]
    assert "Y&lt;b&gt; Aktivitet Y&lt;b&gt;" in set(by["Kommende"].y)
    assert list(by["Udført"].text) == ["✓", "✓"] and list(by["Overskredet"].text) == ["!"]
    assert fig.layout.width == 900


# -- action plan ---------------------------------------------------------------------------
def actions_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "action_id": ["A-1", "A-2", "A-3", "A-4"],
            "title": ["MFA", "Forsikring", "Kursus", "Backup"],
            "type": ["risk_treatment"] * 4,
            "risks": ["R-1", "R-5", "R-2", "R-3"],
            "responsible": ["Jens", "Jens", "Mette", None],
            "deadline": ["2024-01-01", "2024-12-31", "2023-12-01", "2024-02-01"],
            "status": ["in_progress", "not_started", "done", "not_started"],
        }
    ).astype(
        {c: "string" for c in ("action_id", "title", "type", "risks", "responsible", "status")}
        | {"deadline": "datetime64[ns]"}
    )


def test_action_status() -> None:
    st = AP.action_status(actions_frame(), "2024-03-01")
    by = st.by_status.set_index("status")
    assert by.loc["not_started"].tolist() == [2, 1]
    assert by.loc["in_progress"].tolist() == [1, 1]
    assert by.loc["done"].tolist() == [1, 0]
    assert st.overdue["action_id"].tolist() == ["A-1", "A-4"]
    assert st.overdue["days_overdue"].tolist() == [60, 29]  # 2024 is a leap year
    resp = st.by_responsible
    assert resp["responsible"].fillna("-").tolist() == ["Jens", "-", "Mette"]
    assert resp[["open", "overdue", "done"]].values.tolist() == [[2, 1, 0], [1, 1, 0], [0, 0, 1]]


def assessment(wheel: pd.DataFrame | None = None) -> Assessment:
    return one_asset_assessment(
        likelihood=[3, 2, 3, 1, 4, 3],
        residual_likelihood=[1, None, 2, None, None, 1],
        treatment=["mitigate", "mitigate", "mitigate", "mitigate", "accept", "mitigate"],
        controls=["5.1; 8.5", "5.1", "5.23", None, None, "8.5"],
        actions=actions_frame(),
        wheel=wheel,
    )


def test_actions_for_high_risks_asks_the_matrix() -> None:
    a = assessment()
    high = AP.actions_for_high_risks(a.actions, score(a))
    got = list(zip(high["risk_id"], high["level"].astype(str), high["action_id"].fillna("-"), strict=True))
    # inherent municipality scores: R-1 12, R-3 12, R-5 16, R-6 12 (Over middel / Høj); R-2 8, R-4 4.
    assert got == [
        ("R-5", "Høj", "A-2"),
        ("R-1", "Over middel", "A-1"),
        ("R-3", "Over middel", "A-4"),
        ("R-6", "Over middel", "-"),  # high risk without an action
    ]


# -- effective residual risk ---------------------------------------------------------------
def test_unverified_residuals() -> None:
    w = wheel_frame(
        [
            ("W1", "yearly", 1, "2023-01-15", "A.5.1"),  # due 31 Jan 2024 -> overdue on 1 Mar 2024
            ("W2", "quarterly", 2, "2024-02-10", "8.5"),  # due 31 May 2024 -> fine
            ("W3", "yearly", 6, None, "5.23"),  # never done, due 30 Jun 2024 -> not yet overdue
        ]
    )
    a = assessment(w)
    un = W.unverified_residuals(score(a), a.risks, a.wheel, "2024-03-01")
    got = list(
        zip(un["risk_id"], un["perspective"], un["residual_score"], un["residual_level"], un["control_id"], strict=True)
    )
    # R-1 residual: municipality 4 x 1 = 4, data subjects 3 x 1 = 3; R-2 residual = inherent (8, 6).
    assert got == [
        ("R-2", "municipality", 8, "Middel", "5.1"),
        ("R-2", "data_subject", 6, "Under middel", "5.1"),
        ("R-1", "municipality", 4, "Under middel", "5.1"),
        ("R-1", "data_subject", 3, "Lav", "5.1"),
    ]
    assert set(un["activity_id"]) == {"W1"}
    assert (un["due_date"] == ts("2024-01-31")).all()
    assert un.attrs["count"] == 2
    # once W1 is done, nothing is unverified
    w.loc[0, "last_done"] = pd.Timestamp("2024-02-20")
    assert W.unverified_residuals(score(a), a.risks, w, "2024-03-01").attrs["count"] == 0


@pytest.mark.parametrize("wheel", [None, wheel_frame([])])
def test_unverified_residuals_without_a_wheel(wheel: pd.DataFrame | None) -> None:
    a = assessment()
    un = W.unverified_residuals(score(a), a.risks, wheel, "2024-03-01")
    assert un.empty and un.attrs["count"] == 0
