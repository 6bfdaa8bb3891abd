"""One plotly template for every figure: registered as ``"isms"``.

Every builder in :mod:`isms_analysis.figures` sets it, so a figure looks the same in
a notebook and in a report; a builder states only what differs from it.

Fonts, margins, a white background with light grid lines, and a neutral colour
sequence. The matrix's level colours are for levels only (heat maps, level bars);
everything else uses the neutral sequence or the semantic colours below, and
nothing good is ever drawn red.
"""

from __future__ import annotations

from typing import Any

FONT = "DejaVu Sans, Arial, sans-serif"
NAME = "isms"

NEUTRAL = ("#1f4e79", "#5b8db8", "#7f7f7f", "#a6761d", "#6a3d9a", "#1b9e77", "#b15928", "#999999")
SEMANTIC = {
    "good": "#2f7d4f",  # treated, improved, closed
    "bad": "#c0392b",  # escalated, still open at a level to treat
    "warning": "#d9822b",  # overdue, pending
    "neutral": "#7f7f7f",  # unchanged, not given
    "accent": "#1f4e79",  # the municipality's own figure
}


def template() -> Any:
    """The report template (a plotly ``layout.Template``), built on ``plotly_white``."""
    import plotly.graph_objects as go
    import plotly.io as pio

    base = pio.templates["plotly_white"]
    t = go.layout.Template(base)
    t.layout.font = {"family": FONT, "size": 12, "color": "#222"}
    t.layout.title = {"font": {"size": 15}, "x": 0, "xanchor": "left"}
    t.layout.margin = {"l": 60, "r": 20, "t": 50, "b": 50}
    t.layout.colorway = list(NEUTRAL)
    t.layout.paper_bgcolor = "white"
    t.layout.plot_bgcolor = "white"
    t.layout.legend = {"orientation": "h", "y": -0.18, "x": 0}
    t.layout.xaxis = {"gridcolor": "#e5e5e5", "zeroline": False, "linecolor": "#999", "ticks": "outside"}
    t.layout.yaxis = {"gridcolor": "#e5e5e5", "zeroline": False, "linecolor": "#999"}
    return t


def register() -> str:
    """Register the template under :data:`NAME` (idempotent) and return the name."""
    import plotly.io as pio

    if NAME not in pio.templates:
        pio.templates[NAME] = template()
    return NAME


def apply(fig: Any) -> Any:
    """``fig`` with the report template."""
    return fig.update_layout(template=register())
