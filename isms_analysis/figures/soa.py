"""Figures of the Statement of Applicability (Plotly): the frames of :mod:`isms_analysis.soa` in, a Figure out.

- :func:`coverage_figure`: the SoA's status per Annex A theme (and own controls);
- :func:`effectiveness_figure`: the controls with the largest risk reduction.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from ..catalogue import THEMES
from ..layout import SOA_STATUSES, label
from ..soa import COVERAGE_KEYS, OWN, ROW_KEYS
from ..text import labels_of, t
from .theme import register

# Colours and print patterns of the SoA statuses (figures must read in black and white).
STATUS_STYLE: dict[str, tuple[str, str]] = {
    "implemented": ("#2e9e44", ""),
    "partly": ("#9fd67f", "/"),
    "planned": ("#f5d329", "."),
    "not_started": ("#d62728", "x"),
    "status_missing": ("#7f7f7f", "-"),
    "not_applicable": ("#d9d9d9", "\\"),
}


def _resolve(frame: pd.DataFrame, keys: dict[str, str]) -> tuple[dict[str, str], str]:
    """Map keys to the frame's (Danish or English) headings; returns (key -> column, lang)."""
    da, en = labels_of(keys, "da"), labels_of(keys, "en")
    lang = "en" if any(en[k] in frame.columns and en[k] != da[k] for k in keys) else "da"
    names = en if lang == "en" else da
    return {k: v for k, v in names.items() if v in frame.columns}, lang


def coverage_figure(coverage_frame: pd.DataFrame) -> go.Figure:
    """A stacked horizontal bar per theme (and own controls) of the SoA's status:
    implemented, partly, planned, not started, status missing, not applicable. Colour,
    pattern and the count printed on each segment, so it reads in black and white."""
    cols, lang = _resolve(coverage_frame, COVERAGE_KEYS)
    keep_rows = [t(ROW_KEYS[k], lang) for k in (*THEMES, OWN)]
    frame = coverage_frame.loc[[r for r in keep_rows if r in coverage_frame.index]]
    y = [html.escape(str(r)) for r in frame.index]
    stacked = [
        k for k in ("implemented", "partly", "planned", "not_started", "status_missing", "not_applicable") if k in cols
    ]
    stack_max = int(frame[[cols[k] for k in stacked]].sum(axis=1).max()) if len(frame) else 0
    fig = go.Figure()
    for key in stacked:
        values = frame[cols[key]].to_numpy()
        colour, pattern = STATUS_STYLE[key]
        fig.add_trace(
            go.Bar(
                name=html.escape(cols[key]),
                y=y,
                x=values,
                orientation="h",
                marker={"color": colour, "line": {"color": "#333333", "width": 1}, "pattern": {"shape": pattern}},
                text=[str(v) if v else "" for v in values],
                textposition="inside",
                insidetextanchor="middle",
                textfont={"color": "#000000"},
            )
        )
    title = t("soa.fig_coverage_title", lang)
    fig.update_layout(
        barmode="stack",
        title=title,
        width=900,
        height=420,
        template=register(),
        xaxis={
            "title": t("soa.fig_number_of_controls", lang),
            "tickformat": "d",
            "rangemode": "tozero",
            **({"dtick": 1} if stack_max <= 10 else {}),
        },
        yaxis={"autorange": "reversed"},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "traceorder": "normal"},
        margin={"l": 260, "r": 30, "t": 110, "b": 60},
    )
    return fig


def _short(text: str, n: int = 45) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def effectiveness_figure(effectiveness_frame: pd.DataFrame, top: int = 10, lang: str = "da") -> go.Figure:
    """The ``top`` controls by total score reduction (over perspectives), one bar per
    perspective (colour + pattern), the value printed on each bar and the SoA status in
    the control's label."""
    f = effectiveness_frame
    total = f.groupby("control_id", observed=True)["reduction"].sum().sort_values(ascending=False, kind="stable")
    chosen = total.head(top).index
    f = f[f["control_id"].isin(chosen)]
    first = f.drop_duplicates("control_id").set_index("control_id")
    status_labels = {k: label("soa_status", k, lang) for k in SOA_STATUSES}
    unknown = t("soa.fig_status_unknown", lang)
    bar_label = {
        cid: html.escape(
            f"{cid} {_short(first.at[cid, 'title'] if pd.notna(first.at[cid, 'title']) else '')} "
            f"({status_labels.get(first.at[cid, 'status'], unknown) if pd.notna(first.at[cid, 'status']) else unknown})"
        )
        for cid in chosen
    }
    styles = {"municipality": ("#1f77b4", ""), "data_subject": ("#ff7f0e", "/"), "society": ("#7f7f7f", ".")}
    fig = go.Figure()
    for persp, (colour, pattern) in styles.items():
        part = f[f["perspective"] == persp].set_index("control_id").reindex(chosen)
        if part["reduction"].isna().all():
            continue
        values = part["reduction"].fillna(0).to_numpy()
        fig.add_trace(
            go.Bar(
                name=t(f"common.{persp}", lang),
                y=[bar_label[c] for c in chosen],
                x=values,
                orientation="h",
                marker={"color": colour, "line": {"color": "#333333", "width": 1}, "pattern": {"shape": pattern}},
                text=[f"{v:g}" for v in values],
                textposition="outside",
            )
        )
    fig.update_layout(
        barmode="group",
        title=t("soa.fig_effect_title", lang, top=top),
        width=900,
        height=200 + 45 * max(len(chosen), 1),
        template=register(),
        xaxis_title=t("soa.fig_effect_axis", lang),
        yaxis={"autorange": "reversed"},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "traceorder": "normal"},
        margin={"l": 380, "r": 40, "t": 100, "b": 60},
    )
    return fig
