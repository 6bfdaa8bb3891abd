"""Plotly figures: analysis frames in, a Figure out; one registered template (:mod:`.theme`).

- :mod:`.matrix`: the risk matrix as heat maps, level bars, the perspective comparison;
- :mod:`.rounds`: rounds over time (level distribution, migration, trends, time to treatment);
- :mod:`.soa`: the Statement of Applicability's coverage and control effectiveness;
- :mod:`.wheel`: the annual wheel (*årshjul*);
- :mod:`.benchmark`: the peer report's risk figure.

Every figure has a fixed size, axis titles, and text labels next to colour (plus
patterns or marker symbols), so it reads in black-and-white print; workbook text is
escaped (:mod:`.escape`).
"""

from __future__ import annotations

from .benchmark import peer_risk_figure
from .escape import esc, escape
from .matrix import (
    CARTESIAN_TRACES,
    heatmap,
    heatmap_panel,
    level_bars,
    perspective_comparison,
    save_png,
)
from .rounds import (
    level_distribution_figure,
    migration_sankey_figure,
    time_to_treatment_figure,
    trend_by_figure,
    trend_by_small_multiples,
)
from .soa import coverage_figure, effectiveness_figure
from .theme import FONT, NEUTRAL, SEMANTIC, apply, register
from .wheel import wheel_figure

__all__ = [
    "CARTESIAN_TRACES",
    "FONT",
    "NEUTRAL",
    "SEMANTIC",
    "apply",
    "coverage_figure",
    "effectiveness_figure",
    "esc",
    "escape",
    "heatmap",
    "heatmap_panel",
    "level_bars",
    "level_distribution_figure",
    "migration_sankey_figure",
    "peer_risk_figure",
    "perspective_comparison",
    "register",
    "save_png",
    "time_to_treatment_figure",
    "trend_by_figure",
    "trend_by_small_multiples",
    "wheel_figure",
]
