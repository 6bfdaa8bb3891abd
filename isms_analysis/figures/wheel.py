"""The annual wheel (*årshjul*) as a figure (Plotly): the wheel sheet in, a Figure out."""

from __future__ import annotations

import datetime as dt
import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..dates import to_day
from ..layout import MONTHS_DA, MONTHS_EN
from ..text import t
from ..wheel import OCCURRENCE_KEYS, activity_labels, year_calendar
from .theme import register


def wheel_figure(
    wheel: pd.DataFrame,
    year: int,
    as_of: dt.date | dt.datetime | str | pd.Timestamp,
    lang: str = "da",
) -> go.Figure:
    """A year calendar: one line per activity, a marker in each scheduled month of
    ``year``, coloured and shaped by status (done ✓, overdue !, due ○) with a text
    mark, so it reads in black and white."""
    day = to_day(as_of)  # day first for Danish slashed dates, as in the workbooks
    occ = year_calendar(wheel, year, day)
    labels = np.array([html.escape(text) for text in activity_labels(wheel)], dtype=object)
    months = MONTHS_EN if lang == "en" else MONTHS_DA
    month_names = [m[:3].capitalize() for m in months]
    style = {
        "done": ("#2e9e44", "circle", "✓"),
        "overdue": ("#d62728", "x", "!"),
        "due": ("#1f77b4", "circle-open", ""),
    }
    fig = go.Figure()
    for key, (colour, symbol, mark) in style.items():
        part = occ[occ["status"] == key]
        fig.add_trace(
            go.Scatter(
                x=[month_names[m % 12] for m in part["month_no"]],
                y=labels[part["row"].to_numpy()] if len(part) else [],
                mode="markers+text",
                name=t(OCCURRENCE_KEYS[key], lang),
                marker={"color": colour, "symbol": symbol, "size": 16, "line": {"color": "#000000", "width": 1}},
                text=[mark] * len(part),
                textposition="middle right",
                textfont={"color": "#000000", "size": 14},
            )
        )
    if day.year == int(year):
        fig.add_vline(x=day.month - 1.5 + (day.day - 1) / day.days_in_month, line_dash="dash", line_color="#555555")
    n = max(len(wheel), 1)
    fig.update_layout(
        title=t("wheel.fig_title", lang, year=year),
        width=900,
        height=int(min(220 + 32 * n, 1400)),
        template=register(),
        xaxis={"categoryorder": "array", "categoryarray": month_names, "range": [-0.5, 11.5], "type": "category"},
        yaxis={"categoryorder": "array", "categoryarray": list(labels[::-1]), "type": "category"},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        margin={"l": 330, "r": 30, "t": 100, "b": 50},
    )
    fig.update_xaxes(categoryarray=month_names)
    return fig
