"""The peer report ("Hvor står vi?") and the quarterly report's short peer section,
as DataFrames and escaped HTML. The figures come from :mod:`isms_analysis.benchmark`,
the plot from :mod:`isms_analysis.figures.benchmark`; this module only presents them
(Danish by default, English with ``lang="en"``).

A figure with fewer than ``k`` contributing municipalities is never shown: its
peer columns say "for få kommuner" ("too few municipalities") instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..benchmark import BenchmarkContext, group_label
from ..figures import peer_risk_figure
from ..text import t
from . import html as H
from . import render, safe


def pct(value: Any) -> str:
    """A share as a whole percentage ("23 %"); '' for missing."""
    if value is None or pd.isna(value):
        return ""
    return f"{float(value) * 100:.0f} %"


def _theme_label(key: str, lang: str) -> str:
    from ..catalogue import THEMES

    if key == "own":
        return t("benchmark.own_controls", lang)
    return t(f"common.theme_{key}", lang) if key in THEMES else key


def display_table(frame: pd.DataFrame, lang: str = "da", dims: tuple[str, ...] = ()) -> pd.DataFrame:
    """The comparison rows as a table for people: our share and count, the peers'
    median and middle half, how many municipalities contribute, and a remark."""
    too_few = t("benchmark.too_few", lang)
    cols: dict[str, Any] = {}
    if "kle_group" in dims:
        cols[t("benchmark.kle_group", lang)] = frame["dim1"].map(lambda g: group_label(str(g), lang))
    if "perspective" in dims:
        cols[t("common.perspective", lang)] = frame["dim2"].map(lambda p: t(f"common.{p}", lang))
    if "theme" in dims:
        cols[t("common.theme", lang)] = frame["dim1"].map(lambda g: _theme_label(str(g), lang))
    if "figure" in dims:
        cols[t("benchmark.figure", lang)] = [_figure_label(r, lang) for r in frame.to_dict("records")]
    cols[t("benchmark.ours", lang)] = frame["share"].map(pct)
    cols[t('benchmark.ours_n', lang)] = [f"{int(a)} / {int(b)}" for a, b in zip(frame["hits"], frame["total"], strict=True)]
    cols[t("benchmark.median", lang)] = np.where(frame["suppressed"], too_few, frame["median"].map(pct))
    cols[t("benchmark.iqr", lang)] = np.where(
        frame["suppressed"], too_few, [f"{pct(a)} – {pct(b)}" for a, b in zip(frame["q1"], frame["q3"], strict=True)]
    )
    cols[t("benchmark.peers_n", lang)] = frame["municipalities"].astype("int64")
    cols[t("benchmark.remark", lang)] = [
        too_few if s else (t(f"benchmark.{d}", lang) if d else "")
        for s, d in zip(frame["suppressed"], frame["direction"].fillna(""), strict=True)
    ]
    return pd.DataFrame(cols).reset_index(drop=True)


def _figure_label(row: dict[str, Any], lang: str) -> str:
    if row["metric"] == "risk_share":
        group = group_label(str(row["dim1"]), lang)
        perspective = t(f"common.{row['dim2']}", lang).lower()
        return f"{t('benchmark.risk_short', lang)}: {group}, {perspective}"
    if row["metric"] == "soa_implemented":
        return t("benchmark.figure_soa", lang, theme=_theme_label(str(row["dim1"]), lang))
    return t("benchmark.overdue_actions", lang)


def ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """Risk figures first (all groups, then by KLE number, then no KLE), SoA themes
    in Annex A order with own controls last, the action plan last."""
    from ..catalogue import THEMES

    metric = frame["metric"].map({"risk_share": 0, "soa_implemented": 1, "actions_overdue": 2}).fillna(3)
    themes = {k: f"{i}" for i, k in enumerate([*THEMES, "own"])}
    group = frame["dim1"].astype("string").map(lambda g: "0" if g == "*" else ("~" if g == "-" else themes.get(g, f"1{g}")))
    keyed = frame.assign(_m=metric.to_numpy(), _g=group.to_numpy())
    return keyed.sort_values(["_m", "_g", "dim2"], kind="stable").drop(columns=["_m", "_g"])


def risk_rows(ctx: BenchmarkContext) -> pd.DataFrame:
    c = ctx.comparison
    return ordered(c[c["metric"] == "risk_share"])


def differ_rows(ctx: BenchmarkContext) -> pd.DataFrame:
    c = ctx.comparison
    out = c[c["outside"] & ~c["suppressed"]]
    return out.sort_values("distance", ascending=False, kind="stable")


def headline(ctx: BenchmarkContext) -> pd.DataFrame:
    lang = ctx.lang
    rows = [
        (t("common.municipality_name", lang), ctx.municipality),
        (t("common.round", lang), ctx.round),
        (t("benchmark.municipalities_in_round", lang), ctx.municipalities),
        (t("benchmark.extracts", lang), ctx.extracts),
        (t("benchmark.k", lang), ctx.k),
    ]
    return pd.DataFrame(rows, columns=[t("common.field", lang), t("common.value", lang)])


def method_text(ctx: BenchmarkContext) -> list[str]:
    """The appendix on method and data, paragraph by paragraph."""
    return [t(f"benchmark.method_{i}", ctx.lang, k=ctx.k) for i in range(1, 5)]


def title(municipality: str, round_: str, lang: str = "da") -> str:
    return f"{t('benchmark.title', lang)} – {municipality} {round_}"


def section_html(name: str, ctx: BenchmarkContext) -> str:
    """One section of the peer report as an escaped HTML fragment.

    ``name``: header, risks, soa, actions, differ, method."""
    lang = ctx.lang

    def section(key: str, parts: list[dict[str, Any]]) -> str:
        return H.section(t(f"benchmark.{key}", lang), parts, key)

    c = ctx.comparison
    if name == "header":
        prov = pd.DataFrame(
            [(k, "" if v is None else str(v)) for k, v in ctx.params.items()],
            columns=[t("common.parameter", lang), t("common.value", lang)],
        )
        return render(
            "report_header.html.j2",
            head=safe(H.head()),
            title=title(ctx.municipality, ctx.round, lang),
            generated=safe(H.generated_line(lang)),
            headline=safe(H.table(headline(ctx), table_id="headline", lang=lang)),
            details=t("common.parameter", lang),
            provenance=safe(H.table(prov, table_id="provenance", lang=lang)),
        )
    if name == "risks":
        rows = risk_rows(ctx)
        if rows.empty:
            return section("sec_risks", [{"empty": t("benchmark.no_own", lang)}])
        return section("sec_risks", [
            {"paragraph": t("benchmark.intro_risks", lang), "html": safe(H.figure(peer_risk_figure(rows, lang), "fig-peer-risks"))},
            {"html": safe(H.table(display_table(rows, lang, ("kle_group", "perspective")), table_id="peer-risks",
                                  sortable=True, lang=lang))},
        ])  # fmt: skip
    if name == "soa":
        rows = ordered(c[c["metric"] == "soa_implemented"])
        if rows.empty:
            return section("sec_soa", [{"empty": t("benchmark.no_own", lang)}])
        return section("sec_soa", [{"paragraph": t("benchmark.intro_soa", lang),
                                    "html": safe(H.table(display_table(rows, lang, ("theme",)), table_id="peer-soa", lang=lang))}])  # fmt: skip
    if name == "actions":
        rows = c[c["metric"] == "actions_overdue"]
        if rows.empty:
            return section("sec_actions", [{"empty": t("benchmark.no_own", lang)}])
        return section("sec_actions", [{"paragraph": t("benchmark.intro_actions", lang),
                                        "html": safe(H.table(display_table(rows, lang), table_id="peer-actions", lang=lang))}])  # fmt: skip
    if name == "differ":
        rows = differ_rows(ctx)
        if rows.empty:
            return section("sec_differ", [{"empty": t("benchmark.none_differ", lang)}])
        return section("sec_differ", [{"paragraph": t("benchmark.intro_differ", lang),
                                       "html": safe(H.table(display_table(rows, lang, ("figure",)), table_id="peer-differ", lang=lang))}])  # fmt: skip
    if name == "method":
        return section("sec_method", [{"paragraph": p} for p in method_text(ctx)])
    raise ValueError(f"unknown section {name!r}")


SECTIONS = ("header", "risks", "soa", "actions", "differ", "method")


def quarterly_section_html(ctx: Any, peers: str | Path, k: int | None = None) -> str:
    """The quarterly report's short "Sammenlignet med andre kommuner" section: this
    round's figures (from the assessment in ``ctx``) against the extracts in ``peers``."""
    from ..benchmark import K_DEFAULT, build_extract, compare, peer_tables, peer_tables_pandas, round_label
    lang = ctx.lang
    k = K_DEFAULT if k is None else k
    mine = build_extract(ctx.assessment, ctx.scores, matrix=ctx.matrix, municipality="\x00self", named=True, as_of=ctx.as_of)
    own_self, _ = peer_tables_pandas(mine)
    own_peers, peer_stats = peer_tables(peers)
    del own_peers
    label = round_label(ctx.assessment.meta.get("round"), ctx.assessment.meta.get("assessment_date"))
    cmp = compare(own_self, peer_stats, "\x00self", label, k)
    in_round = peer_stats.loc[peer_stats["round"] == label, "municipalities"].max()
    n = 0 if pd.isna(in_round) else int(in_round)
    overall = ordered(cmp[((cmp["metric"] == "risk_share") & (cmp["dim1"] == "*")) | (cmp["metric"] != "risk_share")])
    outside = cmp[(cmp["metric"] == "risk_share") & (cmp["dim1"] != "*") & cmp["outside"] & ~cmp["suppressed"]]
    outside = outside.sort_values("distance", ascending=False, kind="stable").head(5)
    parts: list[dict[str, Any]] = [
        {"paragraph": t("benchmark.peers_round", lang).format(n=n, round=label, k=k),
         "html": safe(H.table(display_table(overall, lang, ("figure",)), table_id="quarterly-peers", lang=lang))},
    ]  # fmt: skip
    if len(outside):
        parts.append({"heading": t("benchmark.sec_differ", lang),
                      "html": safe(H.table(display_table(outside, lang, ("figure",)), table_id="quarterly-peers-differ",
                                           lang=lang))})  # fmt: skip
    return H.section(t("benchmark.sec_peers", lang), parts, "peers-section")


__all__ = ["SECTIONS", "display_table", "quarterly_section_html", "section_html", "title"]
