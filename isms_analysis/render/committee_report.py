"""The committee report's sections, top to bottom, rendered through the Jinja2
templates (autoescaped; tables and figures are built by the package's own escaping
helpers and passed in as safe fragments).

1. ``summary`` -- Sammenfatning: municipality, round, date; sentences from the data;
   key figures with their change; "Udvalget indstilles til at:".
2. ``decisions`` -- Beslutninger: the pending items numbered as in the summary, the
   breaches; decided rows only as counts (the list is in the appendix).
3. ``picture`` -- Risikobillede: the heat maps, residual levels per area in both
   perspectives, the threats that recur across assets.
4. ``changes`` -- Udvikling siden forrige runde: escalations first (all, capped with
   "og N flere"), then new, closed and de-escalated risks, the level migration.
5. ``followup`` -- Opfølgning: action plan (overdue once), the quarter's årshjul
   activities, unverified residual risks, SoA status per theme.
6. ``appendix`` -- Bilag: method and matrix, risk profile, decided items, data
   quality, provenance (last, collapsed).

``head`` comes first: styles, plotly.js (once), the title, the table of contents and
the running header of the printed pages (CSS paged-media margin boxes).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from .. import committee as C
from .. import sections as R
from ..assessment import Assessment
from ..context import ReportContext
from ..text import count_text, has, labels_of, t
from . import committee_text as T
from . import fmt, fragment, render, safe, static
from . import html as H

ORDER = ("summary", "decisions", "picture", "changes", "followup", "appendix")
SECTION_IDS = {
    "summary": "summary",
    "decisions": "decisions-section",
    "picture": "picture-section",
    "changes": "changes-section",
    "followup": "followup-section",
    "appendix": "appendix-section",
}
HEADINGS = {
    "summary": "committee.sec_summary",
    "decisions": "committee.sec_decisions",
    "picture": "committee.sec_picture",
    "changes": "committee.sec_changes",
    "followup": "committee.sec_followup",
    "appendix": "committee.sec_appendix",
}
ESCALATION_ROWS = 10  # escalations shown before "og N flere"
THREAT_ROWS = 6
HEATMAP_HEIGHT = 380  # px: the four matrices and the area tables share a printed page

_MEMO: dict[int, tuple[Any, dict[str, Any]]] = {}


def _memo(ctx: ReportContext) -> dict[str, Any]:
    """What several sections share, computed once per context."""
    hit = _MEMO.get(id(ctx))
    if hit is not None and hit[0] is ctx:
        return hit[1]
    s, a, m, lang = ctx.scores, ctx.assessment, ctx.matrix, ctx.lang
    comp = None
    if ctx.previous is not None and ctx.previous_scores is not None:
        comp = R.round_changes(a, s, ctx.previous, ctx.previous_scores, matrix=m, lang=lang)
    data = {
        "all_decisions": R.all_decisions(s, a, matrix=m, as_of=ctx.as_of, lang=lang),
        "comparison": comp,
        "file": str(a.source.get("name") or "") or None,
    }
    _MEMO.clear()
    _MEMO[id(ctx)] = (ctx, data)
    return data


def _table(frame: pd.DataFrame, ctx: ReportContext, table_id: str, cap: int | None = None, *,
           sortable: bool = False, register: bool = True, more: str | None = None) -> str:  # fmt: skip
    """An escaped table of at most ``cap`` rows (default: the context's), then "og N
    flere" saying where the rest is: the Risks sheet of the round's workbook
    (``register``), the text ``more`` names (e.g. the action plan), or nothing more."""
    file = _memo(ctx)["file"]
    key = more or ("committee.more" if register and file else "common.more_plain")
    text = t(key, ctx.lang).replace("{file}", str(file))
    return H.table(frame, table_id=table_id, sortable=sortable, lang=ctx.lang,
                   cap=ctx.max_rows if cap is None else cap, more=text)  # fmt: skip


def _section(name: str, ctx: ReportContext, parts: list[dict[str, Any]], extra_class: str = "") -> str:
    return render("section.html.j2", sid=SECTION_IDS[name], heading=t(HEADINGS[name], ctx.lang), parts=parts,
                  extra_class=extra_class)  # fmt: skip


def html(name: str, ctx: ReportContext) -> str:
    """One part of the committee report as an HTML fragment: ``head`` or a section of
    :data:`ORDER`."""
    return {
        "head": _head,
        "summary": _summary,
        "decisions": _decisions,
        "picture": _picture,
        "changes": _changes,
        "followup": _followup,
        "appendix": _appendix,
    }[name](ctx)


def _head(ctx: ReportContext) -> str:
    lang, meta = ctx.lang, ctx.assessment.meta
    municipality, round_ = str(meta.get("municipality") or ""), str(meta.get("round") or "")
    title = f"{t('report.title', lang)} – {municipality} {round_}"
    toc = [(SECTION_IDS[k], f"{i}. {t(HEADINGS[k], lang)}") for i, k in enumerate(ORDER[:-1], start=1)]
    toc.append((SECTION_IDS["appendix"], t("committee.sec_appendix", lang)))
    return render(
        "head.html.j2",
        css=safe(H.css() + static("committee.css")),
        plotlyjs=safe(H.plotlyjs()),
        sort_js=safe(H.sort_js()),
        title=title,
        facts_line=t("committee.facts_line", lang).format(municipality=municipality, round=round_,
                                                  date=fmt.date(meta.get("assessment_date"), lang)),  # fmt: skip
        generated=safe(H.generated_line(lang)),
        toc=toc,
        toc_label=t("committee.toc", lang),
        running=f"{municipality} · {round_}",
        title_short=t("committee.title_short", lang),
        page_word=t("committee.page", lang),
    )


def _overdue_counts(ctx: ReportContext) -> tuple[int, int]:
    s, a, m = ctx.scores, ctx.assessment, ctx.matrix
    return (
        len(R.overdue(s, a, as_of=ctx.as_of, matrix=m, lang=ctx.lang)),
        len(R.overdue_actions(a, as_of=ctx.as_of, lang=ctx.lang)),
    )


def _summary(ctx: ReportContext) -> str:
    s, a, m, lang = ctx.scores, ctx.assessment, ctx.matrix, ctx.lang
    memo = _memo(ctx)
    od_risks, od_actions = _overdue_counts(ctx)
    prev_label = str(ctx.previous.meta.get("round") or "") if ctx.previous is not None else None
    facts = C.summary_facts(a, s, m, comparison=memo["comparison"], previous_round=prev_label,
                            overdue_risks=od_risks, overdue_actions=od_actions, as_of=ctx.as_of)  # fmt: skip
    items = R.committee_items(memo["all_decisions"])
    now = C.round_figures(a, s, m, lang)
    now[t("committee.kf_pending", lang)] = items["pending"] - (1 if items["awaiting_round_approval"] else 0)
    now[t("committee.kf_breaches", lang)] = items["breaches"]
    now[t("committee.kf_overdue", lang)] = od_risks
    before = C.round_figures(ctx.previous, ctx.previous_scores, m, lang) if ctx.previous is not None else None
    kf = T.key_figures(now, before, lang)
    return render(
        "summary.html.j2",
        heading=t("committee.sec_summary", lang),
        sentences=T.summary_sentences(facts, lang),
        key_figures=safe(H.table(kf, table_id="key-figures", lang=lang)),
        recommend=t("committee.recommend", lang),
        items=T.recommendations(a, memo["all_decisions"], lang=lang),
    )


def _decisions(ctx: ReportContext) -> str:
    a, lang = ctx.assessment, ctx.lang
    dec = _memo(ctx)["all_decisions"]
    pending = C.decision_table(dec, a, "pending", lang=lang, matrix=ctx.matrix)
    breaches = C.decision_table(dec, a, "breach", lang=lang, matrix=ctx.matrix).drop(columns=[t("common.proposal", lang)])
    parts: list[dict[str, Any]] = [
        {"heading": f"{t('committee.sub_pending', lang)} ({fmt.number(len(pending), lang)})",
         "paragraphs": [t("committee.intro_decisions", lang)] if len(pending) else [t("committee.no_pending", lang)],
         "html": safe(_table(pending, ctx, "decisions-pending", cap=max(ctx.max_rows, 40), sortable=True)) if len(pending) else ""},
    ]  # fmt: skip
    if len(breaches):
        parts.append({"heading": f"{t('committee.sub_breaches', lang)} ({fmt.number(len(breaches), lang)})",
                      "paragraphs": [], "html": safe(_table(breaches, ctx, "decisions-breach"))})  # fmt: skip
    parts.append({"heading": t("committee.sub_decided", lang), "paragraphs": [t("committee.decided_note", lang)], "muted": True,
                  "html": safe(H.table(C.decided_counts(dec, lang), table_id="decided-counts", lang=lang))})  # fmt: skip
    return _section("decisions", ctx, parts)


def _compact_panel(fig: Any) -> Any:
    """The 2x2 heat-map panel at print height: the likelihood title only under the
    bottom row (the top row's would run into the lower titles). The panel already
    carries the reports' plotly template (:func:`isms_analysis.figures.heatmap_panel`)."""
    fig.update_xaxes(title_text=None, row=1)
    fig.update_traces(textfont={"size": 10}, selector={"type": "heatmap"})  # "Above medium" fits a cell
    return fig.update_layout(height=HEATMAP_HEIGHT, margin={"t": 30, "b": 50}, font={"size": 10})


def _picture(ctx: ReportContext) -> str:
    from .. import figures

    s, a, m, lang = ctx.scores, ctx.assessment, ctx.matrix, ctx.lang
    areas = []  # (caption, table) side by side
    for persp in ("municipality", "data_subject"):
        if not (s["perspective"].astype("string") == persp).any():
            continue
        table = C.levels_by_area(s, m, persp, lang)
        areas.append((t(f"common.{persp}", lang), safe(_table(table, ctx, f"areas-{persp}", register=False))))
    threats = C.recurring_threats(s, a, m, lang=lang)
    parts = [
        {"heading": t("committee.sub_areas", lang), "paragraphs": [t("committee.intro_areas", lang)],
         "html": fragment([{"side": areas}])},
        {"heading": t("committee.sub_threats", lang), "id": "threats", "paragraphs": [t("committee.intro_threats", lang)],
         "html": safe(_table(threats, ctx, "recurring-threats", cap=THREAT_ROWS))},
        {"heading": t("committee.sub_heatmaps", lang), "paragraphs": [],
         "html": safe(H.figure(_compact_panel(figures.heatmap_panel(s, m, lang=lang)), "fig-heatmaps"))},
    ]  # fmt: skip
    return _section("picture", ctx, parts)


def _changes(ctx: ReportContext) -> str:
    m, lang = ctx.matrix, ctx.lang
    comp = _memo(ctx)["comparison"]
    if comp is None:
        return _section("changes", ctx, [{"heading": "", "paragraphs": [t("report.no_previous", lang)]}])
    prev = str(ctx.previous.meta.get("round") or ctx.previous.source.get("name") or "")
    esc_rows = C.escalations(comp, m)
    parts: list[dict[str, Any]] = [
        {"heading": t("committee.sub_escalations", lang).format(n=fmt.number(esc_rows["risk_id"].nunique(), lang)),
         "id": "escalations",
         "paragraphs": [t("committee.intro_escalations", lang).format(prev=prev)] if len(esc_rows)
         else [t("committee.no_escalations", lang)],
         "html": safe(_table(C.change_display(esc_rows, m, lang), ctx, "escalations", cap=ESCALATION_ROWS))
         if len(esc_rows) else ""},
    ]  # fmt: skip
    for kind, tid, heading in (("new", "changes-new", "common.new_risks"), ("closed", "changes-closed", "common.closed_risks"),
                               ("de-escalated", "changes-down", "committee.fell_in_level")):  # fmt: skip
        rows = C.change_list(comp, kind, m)
        parts.append({"heading": f"{t(heading, lang)} ({fmt.number(rows['risk_id'].nunique(), lang)})", "paragraphs": [],
                      "html": safe(_table(C.change_display(rows, m, lang), ctx, tid, cap=3)) if len(rows)
                      else fragment([{"empty": t("common.none", lang)}])})  # fmt: skip
    mig = []  # (caption, table) side by side
    present = [p for p in ("municipality", "data_subject") if (comp["perspective"] == p).any()]
    for persp in present:
        table = R.change_migration(comp, persp, m, lang=lang)
        mig.append((t(f"common.{persp}", lang), safe(H.table(table, table_id=f"change-migration-{persp}", lang=lang))))
    parts.append({"heading": t("committee.sub_migration", lang), "paragraphs": [t("committee.intro_migration", lang)],
                  "html": fragment([{"side": mig}])})  # fmt: skip
    return _section("changes", ctx, parts)


FOLLOWUP_ROWS = 6  # rows per follow-up table in the main part


def _followup(ctx: ReportContext) -> str:
    """Opfølgning: the action plan (status counts, overdue actions once), the
    quarter's årshjul activities, the residual risks not verified, SoA per theme."""
    from .. import actionplan as AP
    from .. import soa as S
    from .. import wheel as W
    from ..layout import ACTION_STATUSES, label

    a, lang, cap = ctx.assessment, ctx.lang, FOLLOWUP_ROWS
    parts: list[dict[str, Any]] = []
    if a.actions is not None and len(a.actions):
        st = AP.action_status(a.actions, ctx.as_of)
        by_status = st.by_status.assign(
            status=st.by_status["status"].map(lambda v: label("action_status", v, lang) if v in ACTION_STATUSES else "–")
        )
        overdue = st.overdue.drop(columns=[c for c in ("controls", "type") if c in st.overdue.columns])
        if "risks" in overdue.columns:  # a long list of risk IDs: the first three, then how many more
            ids = overdue["risks"].astype("string").fillna("").str.split(r"\s*;\s*", regex=True)
            overdue = overdue.assign(risks=ids.map(lambda v: "; ".join(v[:3]) + (f" (+{len(v) - 3})" if len(v) > 3 else "")))
        overdue = S.display(overdue, lang, {"status": "action_status"})
        parts.append({"heading": t("followup.sec_actions", lang), "paragraphs": [],
                      "html": safe(H.table(S.display(by_status, lang), table_id="actions-by-status", lang=lang))})  # fmt: skip
        parts.append({"heading": f"{t('committee.sub_overdue_actions', lang)} ({fmt.number(len(overdue), lang)})",
                      "paragraphs": [],
                      "html": safe(_table(overdue, ctx, "actions-overdue", cap=cap, more="committee.more_actions"))})  # fmt: skip
    else:
        parts.append({"heading": t("followup.sec_actions", lang), "paragraphs": [t("followup.no_actions", lang)]})
    if a.wheel is not None:
        q = W.due_in_quarter(a.wheel, ctx.as_of)
        start, end = W.quarter_of(ctx.as_of)
        shown = q.drop(columns=[c for c in ("carried_over", "wheel_status", "controls", "category") if c in q.columns])
        shown = shown.assign(status=shown["status"].map(labels_of(W.OCCURRENCE_KEYS, lang)))
        shown = S.display(shown, lang, {"frequency": "frequency"})
        parts.append({"heading": t("committee.sub_wheel", lang).format(start=fmt.date(start, lang), end=fmt.date(end, lang)),
                      "paragraphs": [], "html": safe(_table(shown, ctx, "wheel-quarter", cap=cap, register=False))})  # fmt: skip
        un = W.unverified_residuals(ctx.scores, a.risks, a.wheel, ctx.as_of)
        body: dict[str, Any] = {"paragraph": count_text("followup.intro_unverified", un.attrs.get("count", len(un)), lang)}
        if len(un):
            un = un.assign(residual_level=un["residual_level"].astype("string").map(
                {lv.name_da: lv.name(lang) for lv in ctx.matrix.levels}),
                perspective=un["perspective"].astype("string").map(lambda p: t(f"common.{p}", lang)))  # fmt: skip
            body["html"] = safe(_table(S.display(un, lang), ctx, "unverified-residuals", cap=cap))
        parts.append({"heading": t("followup.sec_unverified", lang), "paragraphs": [], "html": fragment([body])})
    if a.soa is not None:
        cov = S.coverage(a.soa, lang).reset_index()
        parts.append({"heading": t("committee.sub_soa", lang), "paragraphs": [],
                      "html": safe(H.table(cov, table_id="soa-coverage", lang=lang))})  # fmt: skip
    return _section("followup", ctx, parts)


def provenance(assessment: Any, params: dict[str, Any] | None, lang: str = "da") -> pd.DataFrame:
    """Where the report comes from, for the appendix: the round's facts, the input
    file (name, SHA-256, size) and the choices the report was made with, every label
    and date in ``lang`` (the parameters under their Danish or English names)."""
    from ..version import __version__

    meta, src = assessment.meta, assessment.source
    rows: list[tuple[str, str]] = [
        (t("common.municipality_name", lang), str(meta.get("municipality") or "")),
        (t("common.round", lang), str(meta.get("round") or "")),
        (t("report.assessment_date", lang), fmt.date(meta.get("assessment_date"), lang)),
        (t("common.approved_by", lang), str(meta.get("approved_by") or "")),
        (t("common.approved_date", lang), fmt.date(meta.get("approved_date"), lang)),
        (t("report.input_file", lang), str(src.get("name") or "")),
        (t("common.sha256", lang), str(src.get("sha256") or "")),
        (t("committee.size", lang), t("committee.size_bytes", lang, n=fmt.number(src.get("size"), lang)) if src.get("size") else ""),
        (t("common.package_version", lang), __version__),
    ]
    for key, value in (params or {}).items():
        if key in ("municipality", "round") or value is None or value == "":
            continue  # shown above
        if key == "as_of":
            shown = fmt.date(value, lang)
        elif key == "lang" and has(f"committee.language_{value}"):
            shown = t(f"committee.language_{value}", lang)
        else:
            shown = str(value)
        rows.append((t(f"committee.param_{key}", lang) if has(f"committee.param_{key}") else key, shown))
    return pd.DataFrame(rows, columns=[t("common.field", lang), t("common.value", lang)])


def inherited_html(assessment: Assessment, lang: str) -> Markup:
    """The method appendix's paragraph on consequences inherited from KL's shared
    processing activities ('' when none)."""
    from ..activities import inherited_table

    table = inherited_table(assessment, lang)
    if table.empty:
        return Markup("")
    return fragment([{"heading": t("activities.appendix_heading", lang), "paragraph": t("activities.appendix_intro", lang),
                      "html": safe(H.table(table, table_id="appendix-inherited", lang=lang))}])  # fmt: skip


def _appendix(ctx: ReportContext) -> str:
    s, a, m, lang = ctx.scores, ctx.assessment, ctx.matrix, ctx.lang
    desc = m.description_en if lang == "en" else m.description_da
    levels = R.appendix_levels(m, lang).drop(columns=[t("report.colour", lang)])
    method = fragment([
        {"paragraph": desc, "html": safe(H.table(R.appendix_matrix(m, lang), table_id="appendix-matrix", lang=lang))},
        {"subheading": t("report.sub_scales", lang),
         "html": safe(H.table(R.appendix_scales(m, lang), table_id="appendix-scales", lang=lang))},
        {"subheading": t("report.sub_level_table", lang), "html": safe(H.table(levels, table_id="appendix-levels", lang=lang))},
        {"subheading": t("report.sub_rules", lang),
         "html": safe(H.table(R.appendix_rules(m, lang), table_id="appendix-rules", lang=lang))},
        {"html": inherited_html(a, lang)},
    ])  # fmt: skip
    dec = _memo(ctx)["all_decisions"]
    quality = R.data_quality(s, a, lang=lang)
    prov = provenance(a, ctx.params, lang)
    parts = [
        {"heading": t("committee.sub_method", lang), "paragraphs": [], "html": method},
        {"heading": t("committee.sub_profile", lang), "paragraphs": [],
         "html": safe(H.table(R.appendix_tolerance(a, lang), table_id="appendix-tolerance", lang=lang))},
        {"heading": t("committee.sub_decided_list", lang), "paragraphs": [],
         "html": safe(_table(C.decided_table(dec, a, lang, ctx.matrix), ctx, "decided-list"))},
        {"heading": t("committee.sub_quality", lang), "paragraphs": [],
         "html": safe(_table(quality, ctx, "data-quality", register=False))},
        {"heading": t("committee.sub_provenance", lang), "paragraphs": [],
         "details": {"summary": t("committee.show", lang),
                     "html": fragment([{"provenance": safe(H.table(prov, table_id="provenance", lang=lang))}])}},
    ]  # fmt: skip
    return _section("appendix", ctx, parts, extra_class="isms-appendix")
