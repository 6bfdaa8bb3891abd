"""The HTML building blocks every report shares, in one place.

- :func:`esc` -- the one escaper for text content and attribute values;
- :func:`table` -- the one table helper: every value and heading escaped, numbers and
  dates as the reader writes them (:func:`isms_analysis.render.fmt.display_frame`),
  optional click-to-sort columns (``sortable``, see ``static/sort.js``), and capping
  to ``cap`` rows with a line saying how many more there are (:func:`more_line`);
- :func:`figure` -- the one figure embedder (a plotly figure as a fragment with a
  fixed element id; plotly.js comes once per page from :func:`plotlyjs`);
- :func:`section` -- the one section wrapper (``<section>`` with its ``<h2>``), through
  ``templates/block.html.j2``;
- :func:`generated_line` -- the report's one time-dependent line;
- :func:`css` / :func:`sort_js` -- the shared style sheet and the sorting script,
  shipped as static package files.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from ..text import t
from . import fmt, render, static

PLOTLYJS_BUNDLE = "plotly-cartesian.min.js"  # vendored in isms_analysis/render/static/ with its licence



def esc(value: Any) -> str:
    """HTML-escape any value for text content and attributes (missing values as ''),
    spelled as the templates' autoescaping spells it (``'`` as ``&#39;``)."""
    if value is None or (not isinstance(value, (list, tuple, dict, np.ndarray)) and pd.isna(value)):
        return ""
    return str(escape(str(value)))


def more_line(hidden: int, text: str, lang: str = "da") -> str:
    """ "… og N flere (se …)" under a capped table: ``text`` with ``{n}`` for the number
    of rows not shown (written as the reader writes numbers); '' when nothing is hidden."""
    if hidden <= 0:
        return ""
    return f'<p class="isms-more" data-hidden="{int(hidden)}">{esc(text.replace("{n}", fmt.number(int(hidden), lang)))}</p>'


def table(
    frame: pd.DataFrame,
    *,
    table_id: str | None = None,
    sortable: bool = False,
    lang: str = "da",
    cap: int | None = None,
    more: str = "",
) -> str:
    """A frame as an HTML table; every value and heading escaped; empty frames say so.

    With ``cap``: the first ``cap`` rows, then :func:`more_line` with the text ``more``
    (``{n}`` = rows not shown; no line when ``more`` is empty)."""
    hidden = 0
    if cap is not None:
        n = max(int(cap), 0)
        hidden = len(frame) - min(len(frame), n)
        frame = frame.head(n)
    if len(frame) == 0:
        out = f'<p class="isms-empty">{esc(t("common.none", lang))}</p>'
    else:
        classes = ["isms-table"] + (["sortable"] if sortable else [])
        shown = fmt.display_frame(frame, lang)  # numbers and dates as the reader writes them (Babel)
        shown = shown.astype(object).where(shown.notna(), "")  # no "<NA>"/"nan" for blanks
        body = shown.to_html(
            index=False, escape=True, na_rep="", border=0, classes=classes, table_id=table_id, justify="left"
        )
        out = f'<div class="isms-table-wrap">{body}</div>'
    return out + (more_line(hidden, more, lang) if more else "")


def plotlyjs() -> str:
    """plotly.js inline, once per report (no network needed): the cartesian bundle of the
    same plotly.js version plotly.py bundles (1.5 MB instead of 4.8 MB)."""
    return (
        '<script type="text/javascript">window.PlotlyConfig = {MathJaxConfig: "local"};</script>'
        f'<script type="text/javascript">{static(PLOTLYJS_BUNDLE)}</script>'
    )


def figure(fig: Any, div_id: str) -> str:
    """A plotly figure as an HTML fragment with a fixed element id (deterministic output);
    plotly.js itself must already be on the page (:func:`plotlyjs`)."""
    body = fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": False},
    )
    return f'<div class="isms-figure" data-figure="{esc(div_id)}">{body}</div>'


def section(heading: str, body: str | list[dict[str, Any]], sid: str, *, classes: str = "") -> str:
    """A report section (``templates/block.html.j2``): ``<section id=sid>`` with
    ``heading`` as its ``<h2>``, then ``body``: the parts of ``templates/parts.html.j2``
    (text escaped by the template) or an HTML fragment already escaped by this module."""
    parts = [{"html": Markup(body)}] if isinstance(body, str) else body
    return render("block.html.j2", heading=heading, sid=sid, classes=classes, parts=parts)


def generated_line(lang: str = "da") -> str:
    """The report's one time-dependent line (UTC; ``SOURCE_DATE_EPOCH`` fixes it)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    now = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    word = t("report.generated", lang)
    return f'<p class="isms-generated" id="isms-generated">{esc(word)}: {fmt.date(now.date(), lang)} {now:%H:%M} UTC</p>'


def css() -> str:
    """The style sheet every report shares (``static/report.css``)."""
    return static("report.css")


def sort_js() -> str:
    """The click-to-sort script for ``table.sortable`` (``static/sort.js``)."""
    return static("sort.js")


def head() -> str:
    """What a report's first fragment starts with: the shared styles, plotly.js and the
    sorting script, each once."""
    return f"<style>{css()}</style>{plotlyjs()}<script>{sort_js()}</script>"
