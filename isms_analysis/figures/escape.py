"""Escaping of workbook text for plotly labels and hover text.

plotly.js renders some HTML-like markup in labels, so text from workbooks is
HTML-escaped; it decodes numeric entities but not ``&quot;``/``&#x27;``, so quotes
become ``&#34;``/``&#39;``.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd


def escape(values: pd.Series) -> pd.Series:
    """Vectorised HTML escaping of ``&``, ``<``, ``>`` and quotes for plotly text (quotes as
    numeric entities: plotly.js does not decode ``&quot;``)."""
    s = values.astype("string").fillna("")
    return (
        s.str.replace("&", "&amp;", regex=False)
        .str.replace("<", "&lt;", regex=False)
        .str.replace(">", "&gt;", regex=False)
        .str.replace('"', "&#34;", regex=False)
        .str.replace("'", "&#39;", regex=False)
    )


def esc(value: Any) -> str:
    """One value as escaped plotly text (see :func:`escape`)."""
    return html.escape(str(value), quote=False).replace('"', "&#34;").replace("'", "&#39;")
