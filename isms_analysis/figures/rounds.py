"""Figures of assessment rounds over time (Plotly): a history or comparison in, a Figure out.

- :func:`level_distribution_figure`: stacked level counts per round and perspective;
- :func:`migration_sankey_figure`: level migration between consecutive rounds;
- :func:`trend_by_figure` / :func:`trend_by_small_multiples`: risks to treat per
  area or asset type and round;
- :func:`time_to_treatment_figure`: rounds spent at a level that calls for treatment.

The numbers come from :mod:`isms_analysis.comparison`; workbook text is escaped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..comparison import (
    BY_KEYS,
    PERSPECTIVE_KEYS,
    STAGE_KEYS,
    consecutive_comparisons,
    level_colours,
    level_names,
    level_order,
    rounds_in,
    time_to_treatment,
    trend,
    trend_by,
)
from ..layout import label as vocab_label
from ..scoring import PERSPECTIVES
from ..text import t
from .escape import esc
from .theme import SEMANTIC, apply


def level_distribution_figure(history: pd.DataFrame, stage: str = "residual", lang: str = "da") -> Any:
    """Stacked bars: number of risks per level in each round, one panel per perspective."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    data = trend(history, stage)
    persps = [p for p in PERSPECTIVES if (data["perspective"] == p).any()]
    names, colours = level_names(history, lang), level_colours(history)
    fig = make_subplots(rows=1, cols=max(len(persps), 1), shared_yaxes=True,
                        subplot_titles=[esc(t(PERSPECTIVE_KEYS[p], lang)) for p in persps])  # fmt: skip
    for col, persp in enumerate(persps, start=1):
        d = data[data["perspective"] == persp]
        for level in data["level"].cat.categories:
            dl = d[d["level"] == level]
            fig.add_trace(
                go.Bar(
                    x=[esc(r) for r in dl["round"].astype(str)],
                    y=dl["count"].to_list(),
                    name=esc(names.get(str(level), level)),
                    legendgroup=str(level),
                    showlegend=col == 1,
                    marker_color=colours.get(str(level)),
                    hovertemplate="%{x}: %{y}<extra>" + esc(names.get(str(level), level)) + "</extra>",
                ),
                row=1,
                col=col,
            )
    fig.update_layout(barmode="stack", title=esc(f"{t('trend.level_dist', lang)} ({t(STAGE_KEYS[stage], lang).lower()})"),
                      yaxis_title=esc(t("common.number_of_risks", lang)), legend_traceorder="reversed")  # fmt: skip
    return apply(fig)  # the reports' one plotly template


def migration_sankey_figure(
    history: pd.DataFrame,
    perspective: str = "municipality",
    stage: str = "residual",
    lang: str = "da",
    *,
    comparisons: pd.DataFrame | None = None,
) -> Any:
    """Sankey of level migration between consecutive rounds (new and closed risks as
    their own nodes). ``comparisons`` may pass :func:`consecutive_comparisons` ready-made."""
    import plotly.graph_objects as go

    comps = comparisons if comparisons is not None else consecutive_comparisons(history, lang=lang)
    comps = comps[(comps["perspective"] == perspective) & (comps["stage"] == stage)]
    names, colours = level_names(history, lang), level_colours(history)
    new_label, closed_label = t("trend.row_new", lang), t("trend.col_closed", lang)
    change = comps["change"].astype("string")
    src_level = np.where(change == "new", new_label, comps["level_old"].astype("string").fillna("").to_numpy(dtype=object))
    dst_level = np.where(change == "closed", closed_label, comps["level_new"].astype("string").fillna("").to_numpy(dtype=object))
    links = pd.DataFrame(
        {
            "src": comps["round_old"].astype(str).to_numpy(dtype=object) + "|" + src_level,
            "dst": comps["round_new"].astype(str).to_numpy(dtype=object) + "|" + dst_level,
        }
    )
    links = links[~links["src"].str.endswith("|") & ~links["dst"].str.endswith("|")]
    flows = links.groupby(["src", "dst"]).size().rename("n").reset_index()
    nodes = pd.Index(pd.unique(pd.concat([flows["src"], flows["dst"]], ignore_index=True)))
    node_round = [s.split("|", 1)[0] for s in nodes]
    node_level = [s.split("|", 1)[1] for s in nodes]
    label = [esc(f"{r}: {names.get(lv, lv)}") for r, lv in zip(node_round, node_level, strict=True)]
    colour = [colours.get(lv, "#9e9e9e") for lv in node_level]
    # Fixed layout: one column per round (oldest left), rows by level with the
    # highest level on top, new risks above and closed risks below.
    rounds_order = rounds_in(history)
    row_order = [new_label, *reversed(level_order(history)), closed_label]
    col = {r: i for i, r in enumerate(rounds_order)}
    row = {lv: i for i, lv in enumerate(row_order)}
    span = max(len(rounds_order) - 1, 1)
    x = [min(max(col.get(r, 0) / span, 0.001), 0.999) for r in node_round]
    y = [min(max((row.get(lv, len(row_order) - 1) + 0.5) / len(row_order), 0.001), 0.999) for lv in node_level]
    fig = go.Figure(
        go.Sankey(
            arrangement="fixed",
            node={"label": label, "color": colour, "pad": 12, "x": x, "y": y},
            link={"source": nodes.get_indexer(flows["src"]).tolist(),
                  "target": nodes.get_indexer(flows["dst"]).tolist(),
                  "value": flows["n"].tolist()},  # fmt: skip
        )
    )
    fig.update_layout(title=esc(f"{t('trend.migration', lang)} – {t(PERSPECTIVE_KEYS[perspective], lang)} ({t(STAGE_KEYS[stage], lang).lower()})"))
    return apply(fig)  # the reports' one plotly template


def _trend_by(history: pd.DataFrame, by: str, perspective: str, stage: str) -> pd.DataFrame:
    """The risks to treat per ``by`` group and round, for one perspective."""
    data = trend_by(history, by=by, stage=stage)
    return data[data["perspective"] == perspective]


def _group_text(group: Any, by: str, lang: str) -> Any:
    """An area as written, an asset type as its label in ``lang``."""
    return vocab_label("asset_type", group, lang) if by == "asset_type" else group


def _trend_by_title(by: str, perspective: str, lang: str) -> str:
    return esc(f"{t('trend.trend_by', lang)} – {t(BY_KEYS[by], lang)}, {t(PERSPECTIVE_KEYS[perspective], lang)}")


def trend_by_figure(
    history: pd.DataFrame,
    by: str = "area",
    perspective: str = "municipality",
    stage: str = "residual",
    lang: str = "da",
) -> Any:
    """Lines per area (or asset type): risks at a level that calls for treatment, per round."""
    import plotly.graph_objects as go

    data = _trend_by(history, by, perspective, stage)
    fig = go.Figure()
    for group, d in data.groupby(by, sort=True):
        text = _group_text(group, by, lang)
        fig.add_trace(
            go.Scatter(
                x=[esc(r) for r in d["round"].astype(str)],
                y=d["to_treat"].to_list(),
                mode="lines+markers",
                name=esc(text),
                hovertemplate="%{x}: %{y}<extra>" + esc(text) + "</extra>",
            )
        )
    fig.update_layout(
        title=_trend_by_title(by, perspective, lang),
        xaxis_title=esc(t("common.round", lang)),
        yaxis_title=esc(t("trend.to_treat", lang)),
    )
    return apply(fig)  # the reports' one plotly template


def trend_by_small_multiples(
    history: pd.DataFrame,
    by: str = "area",
    perspective: str = "municipality",
    stage: str = "residual",
    lang: str = "da",
    cols: int = 4,
) -> Any:
    """Small multiples: one panel per area (or asset type), the risks at a level that
    calls for treatment per round, on a shared y axis; the last round's value labelled."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    data = _trend_by(history, by, perspective, stage)
    groups = sorted(data[by].dropna().astype(str).unique())
    text = {g: _group_text(g, by, lang) for g in groups}
    rows = max((len(groups) + cols - 1) // cols, 1)
    fig = make_subplots(rows=rows, cols=cols, shared_yaxes=True, shared_xaxes=True,
                        subplot_titles=[esc(text[g]) for g in groups], vertical_spacing=0.12 if rows > 1 else 0.2,
                        horizontal_spacing=0.03)  # fmt: skip
    for i, g in enumerate(groups):
        d = data[data[by].astype(str) == g]
        fig.add_trace(
            go.Scatter(
                x=[esc(r) for r in d["round"].astype(str)], y=d["to_treat"].to_list(), mode="lines+markers",
                line={"color": SEMANTIC["accent"], "width": 2}, marker={"size": 4}, showlegend=False,
                hovertemplate="%{x}: %{y}<extra>" + esc(text[g]) + "</extra>",
            ),
            row=i // cols + 1, col=i % cols + 1,
        )  # fmt: skip
    fig.update_yaxes(matches="y", rangemode="tozero")  # one scale for every panel
    fig.update_xaxes(showticklabels=False)
    fig.update_xaxes(showticklabels=True, tickangle=-45, tickfont={"size": 9}, row=rows)
    fig.update_annotations(font={"size": 11})
    fig.update_layout(
        title=_trend_by_title(by, perspective, lang),
        height=170 * rows + 110, width=1000, showlegend=False,
    )
    return apply(fig)  # the reports' one plotly template


def time_to_treatment_figure(history: pd.DataFrame, stage: str = "residual", lang: str = "da") -> Any:
    """Bars: how many risks have stayed 1, 2, 3 ... rounds at a level that calls for
    treatment (latest run), split into still open and treated."""
    import plotly.graph_objects as go

    ttt = time_to_treatment(history, stage)
    fig = go.Figure()
    for still_open, name in ((True, "trend.still_open"), (False, "trend.treated")):
        d = ttt[ttt["still_open"] == still_open]["rounds"].value_counts().sort_index()
        fig.add_trace(go.Bar(x=d.index.to_list(), y=d.to_list(), name=esc(t(name, lang)),
                             marker_color=SEMANTIC["warning" if still_open else "good"]))  # never red for the treated
    fig.update_layout(barmode="stack", title=esc(t("trend.ttt", lang)), xaxis_title=esc(t("trend.ttt", lang)),
                      yaxis_title=esc(t("common.risks", lang)))  # fmt: skip
    return apply(fig)  # the reports' one plotly template
