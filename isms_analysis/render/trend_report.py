"""The trend report's HTML: one section at a time, from a history of rounds.

The tables and numbers come from :mod:`isms_analysis.comparison`, the figures from
:mod:`isms_analysis.figures.rounds`; the page is put together by Jinja2 templates
(``templates/report_header.html.j2`` and ``templates/parts.html.j2``, autoescaped, the
same as the other reports) and the shared helpers of
:mod:`isms_analysis.render.html` (tables, figures, sections, the generated line).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..committee import change_display, change_list, escalations
from ..comparison import (
    BY_KEYS,
    PERSPECTIVE_KEYS,
    compare_history,
    level_names,
    level_order,
    migration_matrix,
    rounds_in,
    time_to_treatment_table,
    trend,
    trend_headline,
    trend_title,
)
from ..context import TrendContext
from ..figures.rounds import level_distribution_figure, time_to_treatment_figure, trend_by_small_multiples
from ..scoring import PERSPECTIVES
from ..store import list_rounds, store_path
from ..text import count_text, t
from ..version import __version__
from . import html as H
from . import render, safe


def trend_provenance(history: pd.DataFrame, store: Any, params: dict[str, Any], lang: str = "da") -> pd.DataFrame:
    """Where a trend report comes from: the store, each round with its version, dates,
    approval, matrix and source sha256, the package version and the parameters."""
    path = store_path(store)
    listing = list_rounds(path)
    mun = str(history["municipality"].iloc[0]) if len(history) else ""
    labels = rounds_in(history)
    cur = listing[(listing["municipality"] == mun) & ~listing["superseded"].fillna(False) & listing["round"].isin(labels)]
    rows = [
        (t("trend.store", lang), path.name),
        (t("common.municipality_name", lang), mun),
        (t("trend.rounds", lang), ", ".join(labels)),
    ]
    for r in cur.itertuples(index=False):
        date = "" if pd.isna(r.date) else pd.Timestamp(r.date).strftime("%Y-%m-%d")
        approved = "" if pd.isna(r.approved_date) else pd.Timestamp(r.approved_date).strftime("%Y-%m-%d")
        by = "" if pd.isna(r.approved_by) else str(r.approved_by)
        rows.append(
            (
                f"{t('common.round', lang)} {r.round}",
                f"{t('trend.version', lang)} {r.version}; {t('trend.date', lang)} {date}; {t('common.approved_by', lang)} {by} {approved}; "
                f"{t('common.matrix', lang)} {r.matrix}; {t('common.file', lang)} {'' if pd.isna(r.source_name) else r.source_name}; "
                f"{t('common.sha256', lang)} {'' if pd.isna(r.sha256) else r.sha256}",
            )
        )
    rows.append((t("common.package_version", lang), __version__))
    for k, v in params.items():
        rows.append((f"{t('common.parameter', lang)}: {k}", "" if v is None else str(v)))
    return pd.DataFrame(rows, columns=[t("common.field", lang), t("common.value", lang)])


TREND_ROWS = 25  # rows of the trend report's capped tables


def _section(key: str, parts: list[dict[str, Any]], lang: str) -> str:
    """A trend report section: the one section wrapper around the parts of
    ``templates/parts.html.j2`` (here: heading, paragraph, html, empty)."""
    return H.section(t(f"trend.{key}", lang), parts, key)


def trend_section_html(name: str, history: pd.DataFrame, *, store: Any = None, params: dict[str, Any] | None = None,
                       lang: str = "da") -> str:  # fmt: skip
    """One section of the trend report as an HTML fragment (all workbook text escaped).

    ``name``: header, distribution, migration, movers, areas, time_to_treatment."""

    def capped(frame: pd.DataFrame, table_id: str) -> Any:
        return safe(H.table(frame, cap=TREND_ROWS, more=t("common.more_plain", lang), table_id=table_id,
                            sortable=True, lang=lang))  # fmt: skip

    def table(frame: pd.DataFrame, table_id: str) -> Any:
        return safe(H.table(frame, table_id=table_id, lang=lang))

    def figure(fig: Any, div_id: str) -> Any:  # the builders apply the reports' one plotly template
        return safe(H.figure(fig, div_id))

    labels = rounds_in(history)
    two = len(labels) >= 2
    if name == "header":
        mun = str(history["municipality"].iloc[0]) if len(history) else ""
        prov = trend_provenance(history, store, params or {}, lang)
        return render(
            "report_header.html.j2",
            head=safe(H.head()),
            title=trend_title(mun, labels, lang),
            generated=safe(H.generated_line(lang)),
            headline=table(trend_headline(history, lang), "headline"),
            details=t("trend.details", lang),
            provenance=table(prov, "provenance"),
        )
    if name == "distribution":
        counts = trend(history)
        wide = counts.pivot_table(index=["perspective", "round"], columns="level", values="count", observed=True, aggfunc="sum")
        wide = wide.reset_index()  # perspective (categorical) and round order kept
        wide["perspective"] = wide["perspective"].astype("string").map(lambda p: t(PERSPECTIVE_KEYS[p], lang))
        wide = wide.rename(columns={"perspective": t("common.perspective", lang), "round": t("common.round", lang)})
        level_text = level_names(history, lang)
        wide.columns = [level_text.get(str(c), str(c)) for c in wide.columns]
        return _section("sec_distribution", [
            {"html": figure(level_distribution_figure(history, lang=lang), "fig-trend-levels")},
            {"html": table(wide, "level-counts")},
        ], lang)  # fmt: skip
    if name in ("migration", "movers") and not two:
        return _section(f"sec_{name}", [{"empty": t("trend.one_round", lang)}], lang)
    if name == "migration":
        parts = []
        comp = compare_history(history, lang=lang)
        level_text = level_names(history, lang)
        for persp in [p for p in PERSPECTIVES if (history["perspective"] == p).any()]:
            # first vs last round as a table: readable for any number of rounds
            mm = migration_matrix(comp, persp, "residual", lang=lang)
            first_col = f"{mm.index.name} \\ {mm.columns.name}"
            mm = mm.rename(index=level_text, columns=level_text).reset_index()
            mm.columns = [first_col, *[str(c) for c in mm.columns[1:]]]
            parts.append({
                "heading": t(PERSPECTIVE_KEYS[persp], lang),
                "paragraph": f"{t('trend.migration_first_last', lang)} ({labels[0]} → {labels[-1]})",
                "html": table(mm, f"migration-{persp}"),
            })  # fmt: skip
        return _section("sec_migration", parts, lang)
    if name == "movers":
        comp = compare_history(history, lang=lang)
        order, names = level_order(history), level_names(history, lang)
        up, down = escalations(comp, order), change_list(comp, "de-escalated", order)
        parts = [{"paragraph": f"{labels[0]} → {labels[-1]}"}]
        for key, rows, tid in (("escalated_n", up, "movers-up"), ("de_escalated_n", down, "movers-down")):
            parts.append({
                "heading": count_text(f"trend.{key}", rows["risk_id"].nunique(), lang),
                "html": capped(change_display(rows, names, lang), tid),
            })  # fmt: skip
        return _section("sec_movers", parts, lang)
    if name == "areas":
        parts = [
            {"heading": t(BY_KEYS[by], lang), "html": figure(trend_by_small_multiples(history, by=by, lang=lang), f"fig-trend-{by}")}
            for by in ("area", "asset_type")
            if by in history.columns
        ]
        return _section("sec_areas", parts, lang)
    if name == "time_to_treatment":
        return _section("sec_ttt", [
            {"html": figure(time_to_treatment_figure(history, lang=lang), "fig-ttt")},
            {"html": capped(time_to_treatment_table(history, lang=lang, n=None), "ttt")},
        ], lang)  # fmt: skip
    raise ValueError(f"Ukendt afsnit / unknown section: {name!r}")


def section_html(name: str, ctx: TrendContext) -> str:
    """One section of the trend report for :func:`isms_analysis.context.trend_context`'s
    result (see :func:`trend_section_html`)."""
    if name == "header":
        return trend_section_html(name, ctx.history, store=ctx.store, params=ctx.params, lang=ctx.lang)
    return trend_section_html(name, ctx.history, lang=ctx.lang)

