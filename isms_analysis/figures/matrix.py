"""Plotly figures for the committee report and for analysts: DataFrame in, Figure out.

- :func:`heatmap` / :func:`heatmap_panel`: the risk matrix in its own colours (the
  level of each cell comes from the :class:`RiskMatrix`), the number of risks per
  cell written in the cell together with the level name, the risk IDs on hover;
  the panel shows municipality and data subjects x inherent and residual.
- :func:`level_bars`: number of risks per level, inherent and residual, per perspective.
- :func:`perspective_comparison`: each risk's municipality score against its
  data-subject score (bubbles sized by the number of risks at that pair).

Every figure has a fixed size, axis titles, and text labels next to colour (plus
patterns or marker symbols), so it reads in black-and-white print. All text that
comes from workbooks (risk IDs, names) is HTML-escaped, since plotly renders some
HTML-like markup in labels and hover text.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..matrix import RiskMatrix, resolve_matrix
from ..text import count_text, t
from .escape import esc, escape
from .theme import register

MAX_HOVER_IDS = 30
IDS_PER_LINE = 6


def _id_list(ids: pd.Series, lang: str) -> str:
    """Escaped IDs, a few per line, at most MAX_HOVER_IDS then "+ n more"."""
    vals = list(ids)
    shown = vals[:MAX_HOVER_IDS]
    lines = [", ".join(shown[i : i + IDS_PER_LINE]) for i in range(0, len(shown), IDS_PER_LINE)]
    if len(vals) > MAX_HOVER_IDS:
        more = len(vals) - MAX_HOVER_IDS
        lines.append(t("figures.more_ids", lang, n=more))
    return "<br>".join(lines)


def _grouped_ids(frame: pd.DataFrame, keys: list[str], lang: str) -> pd.DataFrame:
    """Count and escaped, sorted ID list per group of ``keys``."""
    if frame.empty:
        return pd.DataFrame(columns=[*keys, "count", "ids"])
    f = frame.assign(risk_id=escape(frame["risk_id"])).sort_values([*keys, "risk_id"], kind="stable")
    g = f.groupby(keys, sort=True)["risk_id"]
    return pd.DataFrame({"count": g.size(), "ids": g.agg(lambda s: _id_list(s, lang))}).reset_index()


def _cells(
    scores: pd.DataFrame, m: RiskMatrix, perspective: str, stage: str, lang: str
) -> tuple[np.ndarray, np.ndarray]:
    """Count and hover text per matrix cell (arrays indexed [consequence-1, likelihood-1])."""
    sel = (
        (scores["perspective"].astype("string") == perspective)
        & (scores["stage"].astype("string") == stage)
        & scores["consequence"].notna()
        & scores["likelihood"].notna()
    ).to_numpy(bool)
    sub = pd.DataFrame(
        {
            "c": scores["consequence"].to_numpy()[sel].astype(np.int64),
            "l": scores["likelihood"].to_numpy()[sel].astype(np.int64),
            "risk_id": scores["risk_id"].astype("string").to_numpy()[sel],
        }
    )
    grouped = _grouped_ids(sub, ["c", "l"], lang)
    counts = np.zeros((m.n_consequence, m.n_likelihood), dtype=np.int64)
    ids = np.full((m.n_consequence, m.n_likelihood), "", dtype=object)
    if len(grouped):
        ok = grouped["c"].between(1, m.n_consequence) & grouped["l"].between(1, m.n_likelihood)
        g = grouped[ok]
        ci, li = g["c"].to_numpy(int) - 1, g["l"].to_numpy(int) - 1
        counts[ci, li] = g["count"].to_numpy(int)
        ids[ci, li] = g["ids"].to_numpy(object)
    return counts, ids


def _heatmap_trace(scores: pd.DataFrame, m: RiskMatrix, perspective: str, stage: str, lang: str) -> go.Heatmap:
    counts, ids = _cells(scores, m, perspective, stage, lang)
    n = len(m.levels)
    colorscale = []
    for i, lv in enumerate(m.levels):
        colorscale += [[i / n, lv.colour], [(i + 1) / n, lv.colour]]
    z = m.cells.astype(float)  # level index per cell
    names = np.array([esc(lv.name(lang)) for lv in m.levels], dtype=object)[m.cells]
    scores_ = np.outer(np.arange(1, m.n_consequence + 1), np.arange(1, m.n_likelihood + 1))
    text = np.char.add(np.char.add(np.char.add("<b>", counts.astype(str)), "</b><br>"), names.astype(str))
    x = [f"{li}<br>{esc(lab)}" for li, lab in enumerate(m.likelihood_labels(lang), start=1)]
    y = [f"{c} {esc(lab)}" for c, lab in enumerate(m.consequence_labels(lang), start=1)]
    persp, stg = esc(t(f"common.{perspective}", lang)), esc(t(f"common.{stage}", lang))
    hover = np.empty(counts.shape, dtype=object)
    for ci in range(counts.shape[0]):  # at most a 4x4 (or 5x5) grid
        for li in range(counts.shape[1]):
            head = (
                f"<b>{persp} – {stg}</b><br>{y[ci]} × {x[li].replace('<br>', ' ')} = {scores_[ci, li]} ({names[ci, li]})"
                f"<br>{count_text('figures.n_risks', int(counts[ci, li]), lang)}"
            )
            hover[ci, li] = head + (f"<br>{ids[ci, li]}" if ids[ci, li] else "")
    return go.Heatmap(
        z=z,
        x=x,
        y=y,
        text=text,
        texttemplate="%{text}",
        textfont={"size": 13},  # the family is the template's
        hovertext=hover,
        hoverinfo="text",
        colorscale=colorscale,
        zmin=-0.5,
        zmax=n - 0.5,
        showscale=False,
        xgap=3,
        ygap=3,
        name=f"{persp} – {stg}",
    )


def heatmap(
    scores: pd.DataFrame,
    matrix: str | Path | RiskMatrix | None = None,
    *,
    perspective: str = "municipality",
    stage: str = "inherent",
    lang: str = "da",
    title: str | None = None,
) -> go.Figure:
    """One risk matrix: count of risks per cell (filter ``scores`` first for one area).

    ``perspective`` is one of ``municipality``, ``data_subject``, ``society`` and
    ``stage`` one of ``inherent``, ``residual`` (the Danish/English labels, e.g.
    "De registrerede" or "Residual", are accepted too); anything else raises a
    ``ValueError`` that lists the valid values, rather than drawing an empty matrix."""
    from ..scoring import PERSPECTIVES, STAGES
    from ..vocabulary import check_choice

    perspective = check_choice(perspective, PERSPECTIVES, ("perspektiv", "perspective"))
    stage = check_choice(stage, STAGES, ("trin", "stage"))
    m = resolve_matrix(scores, matrix)
    fig = go.Figure(_heatmap_trace(scores, m, perspective, stage, lang))
    fig.update_layout(
        title={"text": esc(title) if title else f"{esc(t(f'common.{perspective}', lang))} – {esc(t(f'common.{stage}', lang))}"},
        template=register(),
        width=620,
        height=520,
        margin={"l": 130, "r": 20, "t": 60, "b": 80},
    )
    fig.update_xaxes(title_text=esc(t("common.likelihood", lang)), side="bottom", showgrid=False, tickangle=0)
    fig.update_yaxes(title_text=esc(t("common.consequence", lang)), showgrid=False)
    return fig


def heatmap_panel(
    scores: pd.DataFrame, matrix: str | Path | RiskMatrix | None = None, *, lang: str = "da"
) -> go.Figure:
    """The 2x2 panel: rows municipality / data subjects, columns inherent / residual."""
    m = resolve_matrix(scores, matrix)
    combos = [(p, s) for p in ("municipality", "data_subject") for s in ("inherent", "residual")]
    titles = [f"{esc(t(f'common.{p}', lang))} – {esc(t(f'common.{s}', lang))}" for p, s in combos]
    fig = make_subplots(rows=2, cols=2, subplot_titles=titles, horizontal_spacing=0.14, vertical_spacing=0.2)
    for k, (p, s) in enumerate(combos):
        fig.add_trace(_heatmap_trace(scores, m, p, s, lang), row=k // 2 + 1, col=k % 2 + 1)
    fig.update_layout(
        template=register(),
        width=960,
        height=660,
        font={"size": 11},
        margin={"l": 120, "r": 20, "t": 50, "b": 70},
    )
    fig.update_xaxes(title_text=esc(t("common.likelihood", lang)), showgrid=False, tickfont={"size": 10}, tickangle=0)
    fig.update_yaxes(title_text=esc(t("common.consequence", lang)), showgrid=False, tickfont={"size": 10})
    return fig


def level_bars(scores: pd.DataFrame, matrix: str | Path | RiskMatrix | None = None, *, lang: str = "da") -> go.Figure:
    """Number of risks per level, inherent (solid) and residual (hatched), per perspective."""
    m = resolve_matrix(scores, matrix)
    persps = [p for p in ("municipality", "data_subject", "society") if (scores["perspective"] == p).any()] or [
        "municipality"
    ]
    fig = make_subplots(rows=1, cols=len(persps), shared_yaxes=True, subplot_titles=[esc(t(f"common.{p}", lang)) for p in persps])
    names = [esc(n) for n in m.level_names(lang)]
    colours = [lv.colour for lv in m.levels]
    codes = scores["level"].cat.codes.to_numpy()
    p_arr = scores["perspective"].astype("string").to_numpy()
    s_arr = scores["stage"].astype("string").to_numpy()
    for k, p in enumerate(persps):
        for stage, pattern in (("inherent", ""), ("residual", "/")):
            sel = (p_arr == p) & (s_arr == stage) & (codes >= 0)
            counts = np.bincount(codes[sel], minlength=len(names))[: len(names)]
            fig.add_trace(
                go.Bar(
                    x=names,
                    y=counts,
                    name=esc(t(f"common.{stage}", lang)),
                    legendgroup=stage,
                    showlegend=k == 0,
                    text=[str(c) for c in counts],
                    textposition="outside",
                    marker={
                        "color": colours,
                        "line": {"color": "#222", "width": 1},
                        "pattern": {"shape": pattern, "fgcolor": "#222", "solidity": 0.3},
                    },
                    hovertemplate="%{x}: %{y}<extra>" + esc(t(f"common.{stage}", lang)) + "</extra>",
                ),
                row=1,
                col=k + 1,
            )
    fig.update_layout(
        template=register(),
        barmode="group",
        width=1000,
        height=420,
        margin={"l": 70, "r": 20, "t": 50, "b": 70},
        legend={"orientation": "h", "y": -0.2, "x": 0},
    )
    fig.update_xaxes(title_text=esc(t("common.level", lang)))
    fig.update_yaxes(title_text=esc(t("common.number_of_risks", lang)), col=1, gridcolor="#ddd")
    return fig


def perspective_comparison(scores: pd.DataFrame, *, stage: str = "inherent", lang: str = "da") -> go.Figure:
    """Municipality score (x) against data-subject score (y) per risk, one bubble per
    pair of scores with the number of risks written in it; above the diagonal the
    data subjects are hit harder (triangles up), below the municipality (triangles down)."""
    from ..sections import perspective_pairs

    pairs = perspective_pairs(scores, stage)
    frame = pd.DataFrame(
        {
            "m": pairs["municipality"].astype("int64"),
            "d": pairs["data_subject"].astype("int64"),
            "risk_id": pairs["risk_id"].astype("string"),
        }
    )
    g = _grouped_ids(frame, ["m", "d"], lang)
    top = int(max(16, g["m"].max() if len(g) else 0, g["d"].max() if len(g) else 0))
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[0, top + 1],
            y=[0, top + 1],
            mode="lines",
            line={"color": "#777", "dash": "dash", "width": 1},
            hoverinfo="skip",
            name=esc(t("figures.same_score", lang)),
        )
    )
    kinds = (
        ("up", "triangle-up", "#d62728", t("figures.data_subjects_higher", lang)),
        ("same", "circle", "#888888", t("figures.equal", lang)),
        ("down", "triangle-down", "#1f77b4", t("figures.municipality_higher", lang)),
    )
    if len(g):
        which = np.where(g["d"] > g["m"], "up", np.where(g["d"] == g["m"], "same", "down"))
        size = 14 + 30 * np.sqrt(g["count"].to_numpy(float) / max(1, g["count"].max()))
        xl, yl = esc(t("common.municipality", lang)), esc(t("common.data_subject", lang))
        for key, symbol, colour, label in kinds:
            sel = which == key
            if not sel.any():
                continue
            sub = g[sel]
            hover = (
                f"{xl}: " + sub["m"].astype(str) + f"<br>{yl}: " + sub["d"].astype(str)
                + "<br>" + sub["count"].map(lambda n: count_text("figures.n_risks", int(n), lang))
                + "<br>" + sub["ids"].astype(str)
            )  # fmt: skip
            fig.add_trace(
                go.Scatter(
                    x=sub["m"],
                    y=sub["d"],
                    mode="markers+text",
                    text=sub["count"].astype(str),
                    textposition="middle center",
                    textfont={"size": 10, "color": "#000"},
                    marker={
                        "symbol": symbol,
                        "size": size[sel],
                        "color": colour,
                        "opacity": 0.55,
                        "line": {"color": "#222", "width": 1},
                    },
                    hovertext=hover.to_numpy(object),
                    hoverinfo="text",
                    name=esc(label),
                )
            )
    axis = {"range": [0, top + 1], "dtick": 2, "gridcolor": "#ddd"}
    fig.update_layout(
        template=register(),
        width=760,
        height=620,
        margin={"l": 70, "r": 20, "t": 40, "b": 60},
        legend={"orientation": "h", "y": -0.12, "x": 0},
        xaxis={**axis, "title": {"text": esc(f"Score – {t('common.municipality', lang)} ({t(f'common.{stage}', lang).lower()})")}},
        yaxis={**axis, "title": {"text": esc(f"Score – {t('common.data_subject', lang)} ({t(f'common.{stage}', lang).lower()})")}},
    )
    return fig


# -- embedding --------------------------------------------------------------------------
def save_png(fig: go.Figure, path: str | Path, *, scale: float = 2.0) -> Path:
    """Write ``fig`` as a PNG. Needs the optional package ``kaleido``
    (``pip install kaleido``); without it, an ``ImportError`` says so in Danish and English.
    HTML export (``fig.write_html``) needs nothing extra."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        raise ImportError(
            "PNG-eksport kræver den valgfrie pakke kaleido: pip install kaleido "
            "(HTML-eksport med fig.write_html kræver intet ekstra) / "
            "PNG export needs the optional package kaleido: pip install kaleido "
            "(HTML export with fig.write_html needs nothing extra)"
        ) from None
    out = Path(path)
    fig.write_image(out, format="png", scale=scale)
    return out


# The trace types of plotly.js's cartesian bundle (npm plotly.js-cartesian-dist-min), which
# the reports embed instead of the full bundle; every report figure must use only these.
CARTESIAN_TRACES = frozenset({"bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour",
                              "image", "pie", "scatter", "scatterternary", "violin"})  # fmt: skip
