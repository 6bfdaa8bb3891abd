"""The quarterly report's follow-up sections: SoA, controls, årshjul, action plan
and the residual risks that are not verified.

The committee follows up on the risk assessment between rounds: are the selected
controls implemented (SoA coverage per Annex A theme), which controls carry the
risk reduction, are the årshjul's recurring checks done on time, how far the action
plan has come, and which residual risks rest on a control whose check is overdue
(their residual level is not verified until the check is done). The rules live in
:mod:`isms_analysis.soa` and :mod:`isms_analysis.wheel`; this module only renders
them as one HTML fragment (tables and figures, all workbook text escaped).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from .. import actionplan as AP
from .. import soa as S
from .. import wheel as W
from ..assessment import Assessment
from ..figures import coverage_figure, effectiveness_figure, wheel_figure
from ..layout import ACTION_STATUSES, label
from ..matrix import RiskMatrix
from ..scoring import rescore
from ..text import count_text, labels_of, t
from . import html as H
from . import safe


def _date_text(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d").astype("string")


def _level_text(values: pd.Series, m: RiskMatrix, lang: str) -> pd.Series:
    if lang != "en":
        return values.astype("string")
    names = {lv.name_da: lv.name_en for lv in m.levels}
    return values.astype("string").map(lambda v: names.get(v, v) if v is not pd.NA else v).astype("string")


def _perspective_text(values: pd.Series, lang: str) -> pd.Series:
    return values.astype("string").map(lambda v: t(f"common.{v}", lang) if v is not pd.NA else v).astype("string")


def _section(key: str, parts: list[dict[str, Any] | Markup], lang: str, sid: str) -> str:
    """A follow-up section: its heading, then ``parts`` (``templates/parts.html.j2``;
    a table or figure from :mod:`.html` is a part of its own)."""
    return H.section(t(f"followup.{key}", lang), [p if isinstance(p, dict) else {"html": p} for p in parts], sid)


def _h3(key: str, lang: str) -> dict[str, Any]:
    return {"heading": t(f"followup.{key}", lang)}


def _p(text: str) -> dict[str, Any]:
    return {"paragraph": text}


MAX_ROWS = 100


def _table(frame: pd.DataFrame, lang: str, table_id: str, limit: int = MAX_ROWS) -> Markup:
    """An escaped HTML table of at most ``limit`` rows (a line says how many more there are)."""
    shown = frame.astype("object").where(frame.notna(), "")  # missing values print as blanks
    return safe(H.table(shown, table_id=table_id, sortable=min(len(frame), limit) > 5, lang=lang, cap=limit,
                        more=t("followup.more_rows", lang)))  # fmt: skip


def _figure(fig: Any, div_id: str) -> Markup:
    return safe(H.figure(fig, div_id))


# -- sections -----------------------------------------------------------------------------
def _soa_section(a: Assessment, scores: pd.DataFrame, m: RiskMatrix, lang: str) -> str:
    if a.soa is None:
        return _section("sec_soa", [_p(t("followup.no_soa", lang))], lang, "soa-section")
    cov = S.coverage(a.soa, lang)
    cov_table = cov.reset_index()
    flags = S.soa_flags(a.soa, lang)
    flag_counts = (
        flags.groupby("message", sort=False).size().rename(t("followup.flag_count", lang)).reset_index()
        if len(flags)
        else flags.iloc[:0]
    )
    flag_counts = flag_counts.rename(columns={"message": t(S.HEADING_KEYS["message"], lang)})
    own = S.own_controls(a.soa, lang)
    gaps = S.treatment_gaps(scores, a.risks, a.soa, matrix=m, lang=lang)
    gaps = gaps.assign(
        level=_level_text(gaps["level"], m, lang), perspective=_perspective_text(gaps["perspective"], lang)
    ).drop(columns="reason")
    body = [
        _figure(coverage_figure(cov), "fig-soa-coverage"),
        _table(cov_table, lang, "soa-coverage"),
        _h3("sub_soa_flags", lang),
        _table(flag_counts, lang, "soa-flags"),
        _h3("sub_own", lang),
        _table(own, lang, "soa-own-controls"),
        _h3("sub_gaps", lang),
        _table(S.display(gaps, lang), lang, "soa-treatment-gaps"),
    ]
    return _section("sec_soa", body, lang, "soa-section")


def _effect_section(a: Assessment, scores: pd.DataFrame, lang: str, top: int = 10) -> str:
    eff = S.control_effectiveness(scores, a.soa, a.risks, lang=lang)
    if eff.empty:
        return _section("sec_effect", [_p(t("common.none", lang))], lang, "control-effect-section")
    chosen = eff.groupby("control_id")["reduction"].sum().sort_values(ascending=False, kind="stable").head(top)
    rows = eff[eff["control_id"].isin(chosen.index)].copy()
    rows["_order"] = rows["control_id"].map({c: i for i, c in enumerate(chosen.index)})
    rows = rows.sort_values(["_order", "perspective"], kind="stable").drop(columns="_order")
    rows["perspective"] = _perspective_text(rows["perspective"], lang)
    body = [
        _p(t("followup.intro_effect", lang)),
        _figure(effectiveness_figure(eff, top=top, lang=lang), "fig-control-effect"),
        _table(S.display(rows, lang, {"status": "soa_status"}), lang, "control-effect"),
    ]
    return _section("sec_effect", body, lang, "control-effect-section")


def _wheel_section(a: Assessment, as_of: pd.Timestamp, lang: str) -> str:
    if a.wheel is None:
        return _section("sec_wheel", [_p(t("followup.no_wheel", lang))], lang, "wheel-section")
    start, end = W.quarter_of(as_of)
    q = W.due_in_quarter(a.wheel, as_of)
    counts = q["status"].value_counts()
    from .fmt import date as fdate

    intro = t("followup.intro_wheel", lang).format(start=fdate(start, lang), end=fdate(end, lang), as_of=fdate(as_of, lang))
    count_line = t("followup.wheel_counts", lang).format(**{k: int(counts.get(k, 0)) for k in ("done", "due", "overdue")})
    shown = q.assign(
        due_date=_date_text(q["due_date"]),
        last_done=_date_text(q["last_done"]),
        status=q["status"].map(labels_of(W.OCCURRENCE_KEYS, lang)),
    )
    shown = S.display(shown, lang, {"frequency": "frequency", "wheel_status": "wheel_status"})
    dd = W.due_dates(a.wheel, as_of)
    problems = dd[dd["problem"].notna()]
    body = [_p(intro), _p(count_line), _figure(wheel_figure(a.wheel, as_of.year, as_of, lang=lang), "fig-wheel")]
    body.append(_table(shown, lang, "wheel-quarter"))
    if len(problems):
        pr = pd.DataFrame(
            {
                "activity_id": problems["activity_id"],
                "title": problems.get("title", pd.NA),
                "problem": problems["problem"].map(labels_of(W.PROBLEM_KEYS, lang)),
            }
        )
        body += [_h3("wheel_problems", lang), _table(S.display(pr, lang), lang, "wheel-problems")]
    return _section("sec_wheel", body, lang, "wheel-section")


def _actions_section(a: Assessment, scores: pd.DataFrame, m: RiskMatrix, as_of: pd.Timestamp, lang: str) -> str:
    if a.actions is None:
        return _section("sec_actions", [_p(t("followup.no_actions", lang))], lang, "actions-section")
    st = AP.action_status(a.actions, as_of)
    by_status = st.by_status.assign(
        status=st.by_status["status"].map(
            lambda v: label("action_status", v, lang) if v in ACTION_STATUSES else t("followup.not_given", lang)
        )
    )
    overdue = st.overdue.assign(deadline=_date_text(st.overdue["deadline"]))
    by_resp = st.by_responsible.assign(responsible=st.by_responsible["responsible"].fillna(t("followup.not_given", lang)))
    high = AP.actions_for_high_risks(a.actions, scores, matrix=m)
    high = high.assign(
        level=_level_text(high["level"].astype("string"), m, lang),
        perspective=_perspective_text(high["perspective"], lang),
        deadline=_date_text(high["deadline"]),
    )
    body = [
        _h3("sub_by_status", lang),
        _table(S.display(by_status, lang), lang, "actions-by-status"),
        _h3("sub_overdue", lang),
        _table(S.display(overdue, lang, {"status": "action_status", "type": "action_type"}), lang, "actions-overdue"),
        _h3("sub_by_responsible", lang),
        _table(S.display(by_resp, lang), lang, "actions-by-responsible"),
        _h3("sub_high", lang),
        _table(S.display(high, lang, {"status": "action_status"}), lang, "actions-high-risks"),
    ]
    return _section("sec_actions", body, lang, "actions-section")


def _unverified_section(a: Assessment, scores: pd.DataFrame, m: RiskMatrix, as_of: pd.Timestamp, lang: str) -> str:
    if a.wheel is None:
        return _section("sec_unverified", [_p(t("followup.no_wheel", lang))], lang, "unverified-section")
    un = W.unverified_residuals(scores, a.risks, a.wheel, as_of)
    shown = un.assign(
        residual_level=_level_text(un["residual_level"], m, lang),
        perspective=_perspective_text(un["perspective"], lang),
        due_date=_date_text(un["due_date"]),
    )
    body = [
        _p(count_text("followup.intro_unverified", un.attrs["count"], lang)),
        _table(S.display(shown, lang), lang, "unverified-residuals"),
    ]
    return _section("sec_unverified", body, lang, "unverified-section")


def followup_sections_html(
    assessment: Assessment,
    scores: pd.DataFrame,
    as_of: dt.date | dt.datetime | str | pd.Timestamp | None,
    lang: str = "da",
    matrix: str | Path | RiskMatrix | None = None,
) -> str:
    """The follow-up sections of the quarterly report as one HTML fragment: SoA coverage
    per theme (with SoA gaps and treatment gaps), the controls with the largest risk
    reduction, the årshjul's status for the quarter of ``as_of``, the action plan's
    status and the residual risks not verified. Figures are embedded without plotly.js
    (the report's header includes it once). ``matrix`` defaults to the one the scores
    were made with."""
    from ..matrix import resolve_matrix

    m = resolve_matrix(scores, matrix)
    if list(scores["level"].cat.categories) != m.level_names("da"):
        scores = rescore(scores, m)
    if as_of is None or pd.isna(as_of):  # the round's assessment date, else today
        as_of = assessment.meta.get("assessment_date") or dt.date.today()
    from ..dates import to_day

    day = to_day(as_of)
    return "".join(
        [
            _soa_section(assessment, scores, m, lang),
            _effect_section(assessment, scores, lang),
            _wheel_section(assessment, day, lang),
            _actions_section(assessment, scores, m, day, lang),
            _unverified_section(assessment, scores, m, day, lang),
        ]
    )
