"""The peer report's figure (Plotly): the comparison rows of :mod:`isms_analysis.benchmark` in, a Figure out.

- :func:`peer_risk_figure`: per perspective and KLE main group, our share against the peers'
  median and middle half.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..benchmark import group_label
from ..text import t
from .theme import register


def peer_risk_figure(rows: pd.DataFrame, lang: str = "da") -> go.Figure:
    """Per perspective and KLE main group: our share (diamond), the peers' median
    (line) and middle half (bar); suppressed groups show only our share.

    ``rows``: the ``risk_share`` rows of :func:`isms_analysis.benchmark.compare`, in the
    order they are shown."""
    fig = go.Figure()
    for k, persp in enumerate(["municipality", "data_subject"]):
        r = rows[rows["dim2"] == persp]
        if r.empty:
            continue
        y = [f"{group_label(str(g), lang)} · {t(f'common.{persp}', lang).lower()}" for g in r["dim1"]]
        shown = ~r["suppressed"].to_numpy(dtype=bool)
        q1 = r["q1"].to_numpy(dtype=float) * 100
        q3 = r["q3"].to_numpy(dtype=float) * 100
        fig.add_trace(
            go.Bar(
                y=np.array(y)[shown], x=(q3 - q1)[shown], base=q1[shown], orientation="h",
                marker_color="#c9d7ea" if k == 0 else "#e7d3c1", name=f"{t('benchmark.iqr', lang)} – {t(f'common.{persp}', lang).lower()}",
                hovertemplate="%{base:.0f}–%{x:.0f} %<extra></extra>", width=0.6,
            )
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                y=np.array(y)[shown], x=(r["median"].to_numpy(dtype=float) * 100)[shown], mode="markers",
                marker={"symbol": "line-ns-open", "size": 14, "color": "#333", "line": {"width": 2}},
                name=t("benchmark.median", lang), showlegend=k == 0, hovertemplate="%{x:.0f} %<extra></extra>",
            )
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                y=y, x=r["share"].to_numpy(dtype=float) * 100, mode="markers",
                marker={"symbol": "diamond", "size": 10, "color": "#1f4e9c" if k == 0 else "#b5531b"},
                name=f"{t('benchmark.ours', lang)} – {t(f'common.{persp}', lang).lower()}", hovertemplate="%{x:.0f} %<extra></extra>",
            )
        )  # fmt: skip
    n = max(len(rows), 1)
    fig.update_layout(
        template=register(), width=900, height=120 + 22 * n,
        margin={"l": 260, "r": 20, "t": 30, "b": 40}, barmode="overlay",
        xaxis={"title": "%", "range": [0, 100]}, yaxis={"autorange": "reversed", "type": "category"},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )  # fmt: skip
    return fig
