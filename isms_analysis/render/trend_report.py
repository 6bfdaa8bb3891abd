"""The trend report's HTML: one section at a time, from a history of rounds.

The tables and numbers come from :mod:`isms_analysis.comparison`, the figures from
:mod:`isms_analysis.figures.rounds`; all workbook text is escaped.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..committee import change_display, change_list, escalations
from ..comparison import (
    compare_history,
    level_names,
    level_order,
    migration_matrix,
    report_term,
    rounds_in,
    term,
    time_to_treatment_table,
    trend,
    trend_headline,
    trend_title,
)
from ..figures import plotlyjs_html, to_html
from ..figures.escape import esc
from ..figures.rounds import level_distribution_figure, time_to_treatment_figure, trend_by_small_multiples
from ..scoring import PERSPECTIVES
from ..store import list_rounds, store_path


def trend_provenance(history: pd.DataFrame, store: Any, params: dict[str, Any], lang: str = "da") -> pd.DataFrame:
    """Where a trend report comes from: the store, each round with its version, dates,
    approval, matrix and source sha256, the package version and the parameters."""
    from .. import __version__

    path = store_path(store)
    listing = list_rounds(path)
    mun = str(history["municipality"].iloc[0]) if len(history) else ""
    labels = rounds_in(history)
    cur = listing[(listing["municipality"] == mun) & ~listing["superseded"].fillna(False) & listing["round"].isin(labels)]
    rows = [
        (report_term("store", lang), path.name),
        (report_term("municipality_name", lang), mun),
        (report_term("rounds", lang), ", ".join(labels)),
    ]
    for r in cur.itertuples(index=False):
        date = "" if pd.isna(r.date) else pd.Timestamp(r.date).strftime("%Y-%m-%d")
        approved = "" if pd.isna(r.approved_date) else pd.Timestamp(r.approved_date).strftime("%Y-%m-%d")
        by = "" if pd.isna(r.approved_by) else str(r.approved_by)
        rows.append(
            (
                f"{term('round', lang)} {r.round}",
                f"{report_term('version', lang)} {r.version}; {report_term('date', lang)} {date}; {report_term('approved_by', lang)} {by} {approved}; "
                f"{report_term('matrix', lang)} {r.matrix}; {report_term('source', lang)} {'' if pd.isna(r.source_name) else r.source_name}; "
                f"{report_term('sha256', lang)} {'' if pd.isna(r.sha256) else r.sha256}",
            )
        )
    rows.append((report_term("package_version", lang), __version__))
    for k, v in params.items():
        rows.append((f"{report_term('parameter', lang)}: {k}", "" if v is None else str(v)))
    return pd.DataFrame(rows, columns=[report_term("field", lang), report_term("value", lang)])


TREND_ROWS = 25  # rows of the trend report's time-to-treatment table


def trend_section_html(name: str, history: pd.DataFrame, *, store: Any = None, params: dict[str, Any] | None = None,
                       lang: str = "da") -> str:  # fmt: skip
    """One section of the trend report as an HTML fragment (all workbook text escaped).

    ``name``: header, distribution, migration, movers, areas, time_to_treatment."""
    from ..report import REPORT_CSS, SORT_JS, capped_table, generated_line, html_table

    def section(key: str, body: str) -> str:
        return f'<section class="isms-section isms-report" id="{key}"><h2>{esc(report_term(key, lang))}</h2>{body}</section>'

    def figure(fig: Any, div_id: str) -> str:  # the builders apply the reports' one plotly template
        return to_html(fig, div_id)

    labels = rounds_in(history)
    two = len(labels) >= 2
    if name == "header":
        mun = str(history["municipality"].iloc[0]) if len(history) else ""
        prov = trend_provenance(history, store, params or {}, lang)
        return (
            f"<style>{REPORT_CSS}</style>{plotlyjs_html()}<script>{SORT_JS}</script>"
            f'<section class="isms-report isms-header" id="header"><h1>{esc(trend_title(mun, labels, lang))}</h1>'
            f"{generated_line(lang)}"
            f"{html_table(trend_headline(history, lang), table_id='headline', lang=lang)}"
            f"<details><summary>{esc(report_term('details', lang))}</summary>"
            f'<div class="isms-provenance">{html_table(prov, table_id="provenance", lang=lang)}</div></details>'
            "</section>"
        )
    if name == "distribution":
        t = trend(history)
        wide = t.pivot_table(index=["perspective", "round"], columns="level", values="count", observed=True, aggfunc="sum")
        wide = wide.reset_index()  # perspective (categorical) and round order kept
        wide["perspective"] = wide["perspective"].astype("string").map(lambda p: term(p, lang))
        wide = wide.rename(columns={"perspective": term("perspective", lang), "round": term("round", lang)})
        level_text = level_names(history, lang)
        wide.columns = [level_text.get(str(c), str(c)) for c in wide.columns]
        return section(
            "sec_distribution",
            figure(level_distribution_figure(history, lang=lang), "fig-trend-levels")
            + html_table(wide, table_id="level-counts", lang=lang),
        )
    if name == "migration":
        if not two:
            return section("sec_migration", f'<p class="isms-empty">{esc(report_term("one_round", lang))}</p>')
        body = ""
        comp = compare_history(history, lang=lang)
        for persp in [p for p in PERSPECTIVES if (history["perspective"] == p).any()]:
            body += f"<h3>{esc(term(persp, lang))}</h3>"  # first vs last round as a table: readable for any number of rounds
            level_text = level_names(history, lang)
            mm = migration_matrix(comp, persp, "residual", lang=lang)
            first_col = f"{mm.index.name} \\ {mm.columns.name}"
            mm = mm.rename(index=level_text, columns=level_text).reset_index()
            mm.columns = [first_col, *[str(c) for c in mm.columns[1:]]]
            body += f"<p>{esc(report_term('migration_first_last', lang))} ({esc(labels[0])} → {esc(labels[-1])})</p>"
            body += html_table(mm, table_id=f"migration-{persp}", lang=lang)
        return section("sec_migration", body)
    if name == "movers":
        if not two:
            return section("sec_movers", f'<p class="isms-empty">{esc(report_term("one_round", lang))}</p>')
        comp = compare_history(history, lang=lang)
        order, names = level_order(history), level_names(history, lang)
        up, down = escalations(comp, order), change_list(comp, "de-escalated", order)
        body = f"<p>{esc(labels[0])} → {esc(labels[-1])}</p>"
        for key, rows, tid in (("escalated_n", up, "movers-up"), ("de_escalated_n", down, "movers-down")):
            body += f"<h3>{esc(report_term(key, lang).format(n=rows['risk_id'].nunique()))}</h3>"
            body += capped_table(change_display(rows, names, lang), TREND_ROWS, table_id=tid, sortable=True,
                                 lang=lang, more="more_plain")  # fmt: skip
        return section("sec_movers", body)
    if name == "areas":
        body = ""
        for by in ("area", "asset_type"):
            if by not in history.columns:
                continue
            body += f"<h3>{esc(term(by, lang))}</h3>"
            body += figure(trend_by_small_multiples(history, by=by, lang=lang), f"fig-trend-{by}")
        return section("sec_areas", body)
    if name == "time_to_treatment":
        return section(
            "sec_ttt",
            figure(time_to_treatment_figure(history, lang=lang), "fig-ttt")
            + capped_table(
                time_to_treatment_table(history, lang=lang, n=None), TREND_ROWS, table_id="ttt", sortable=True,
                lang=lang, more="more_plain",
            ),
        )
    raise ValueError(f"Ukendt afsnit / unknown section: {name!r}")
