"""The committee report's reading order as pure functions: what changed, what the
committee is asked to decide, the escalations, the threat picture.

The section tables (:mod:`isms_analysis.sections`) hold every fact in the order the
data came; this module turns the facts into a document the committee acts on:

- :func:`summary_facts` and :func:`summary_sentences`: 3-6 sentences generated from
  the data (changes since the previous round, risks above tolerance and where,
  overdue deadlines, what awaits a decision);
- :func:`key_figures`: the key figures with their change since the previous round;
- :func:`pending_items` (numbered) and :func:`recommendations`: "Udvalget indstilles
  til at:" -- approve the round's risk assessment (if not approved), the action plan
  and the SoA; decide the pending items; take note of the breaches and the
  acceptances against advice;
- :func:`escalations` and :func:`change_list`: the changes since the previous round,
  escalations first (all of them, most serious first), then new, closed and
  de-escalated risks with the attribution;
- :func:`recurring_threats` and :func:`levels_by_area`: the threat picture (which
  threats recur across assets, with the highest and typical residual level).

Every function takes frames and returns a frame or a list of sentences; the levels
come from the matrix (never hard-coded). Column headings and sentences are Danish by
default, English with ``lang="en"``; numbers and dates go through
:mod:`isms_analysis.render.fmt` (Babel).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .assessment import Assessment
from .decisions import round_approved
from .decisions import text as decision_text
from .i18n import t
from .matrix import RiskMatrix
from .render.fmt import date as fdate
from .render.fmt import number

# One catalogue for the texts of the committee's pages: key -> (Danish, English).
TEXTS: dict[str, tuple[str, str]] = {
    # sections
    "sec_summary": ("Sammenfatning", "Summary"),
    "sec_decisions": ("Beslutninger", "Decisions"),
    "sec_picture": ("Risikobillede", "Risk picture"),
    "sec_changes": ("Udvikling siden forrige runde", "Changes since the previous round"),
    "sec_followup": ("Opfølgning", "Follow-up"),
    "sec_appendix": ("Bilag", "Appendix"),
    "toc": ("Indhold", "Contents"),
    # summary
    "facts_line": (
        "{municipality} · runde {round} · vurderet {date}",
        "{municipality} · round {round} · assessed {date}",
    ),
    "s_scope": (
        "Runden omfatter {risks} risici for {assets} aktiver.",
        "The round covers {risks} risks for {assets} assets.",
    ),
    "s_changes": (
        "Siden runde {prev} er {up} risici steget og {down} faldet i niveau efter håndtering; {new} er nye, og {closed} er lukket.",
        "Since round {prev}, {up} risks rose and {down} fell in level after treatment; {new} are new and {closed} were closed.",
    ),
    "s_no_previous": (
        "Der er ingen forrige runde at sammenligne med.",
        "There is no previous round to compare with.",
    ),
    "s_above": (
        "{n} risici ligger over tolerancen efter håndtering, flest inden for {areas}.",
        "{n} risks are above tolerance after treatment, most of them in {areas}.",
    ),
    "s_above_none": (
        "Ingen risici ligger over tolerancen efter håndtering.",
        "No risk is above tolerance after treatment.",
    ),
    "s_top": (
        "Efter håndtering ligger {parts}.",
        "After treatment, {parts}.",
    ),
    "s_top_part": ("{n} på {level}", "{n} are at {level}"),
    "s_top_none": ("ingen risici på {level}", "none are at {level}"),
    "s_overdue": (
        "Pr. {date} har {risks} risici og {actions} handlinger i handlingsplanen overskredet deres frist.",
        "On {date}, {risks} risks and {actions} actions of the action plan are past their deadline.",
    ),
    "s_overdue_none": (
        "Pr. {date} har ingen risici eller handlinger overskredet deres frist.",
        "On {date}, no risk or action is past its deadline.",
    ),
    "and": ("og", "and"),
    "recommend": ("Udvalget indstilles til at:", "The committee is recommended to:"),
    "r_approve_round": (
        "godkende rundens risikovurdering ({n} risici inden for tolerancen godkendes samlet)",
        "approve the round's risk assessment ({n} risks within tolerance are approved together)",
    ),
    "r_approve_round_plain": ("godkende rundens risikovurdering", "approve the round's risk assessment"),
    "r_approve_actions": ("godkende handlingsplanen", "approve the action plan"),
    "r_approve_soa": (
        "godkende anvendelseserklæringen (SoA)",
        "approve the Statement of Applicability (SoA)",
    ),
    "r_decide": (
        "træffe beslutning om {n} sager, der afventer udvalget (nr. {span} under Beslutninger): {groups}",
        "decide {n} items awaiting the committee (no. {span} under Decisions): {groups}",
    ),
    "r_decide_one": (
        "træffe beslutning om én sag, der afventer udvalget (nr. 1 under Beslutninger): {groups}",
        "decide one item awaiting the committee (no. 1 under Decisions): {groups}",
    ),
    "r_group": ("{proposal} (nr. {numbers})", "{proposal} (no. {numbers})"),
    "r_note_breaches": (
        "tage til efterretning, at {n} risici er accepteret uden den fornødne bemyndigelse",
        "take note that {n} risks were accepted without the necessary authority",
    ),
    "r_note_advice": (
        "tage til efterretning, at {n} risici er accepteret, selv om niveauet ikke bør accepteres",
        "take note that {n} risks were accepted although the level should not be accepted",
    ),
    "r_nothing": (
        "tage rapporten til efterretning (ingen sager afventer udvalget)",
        "take note of the report (no items await the committee)",
    ),
    # key figures
    "kf_figure": ("Nøgletal", "Key figure"),
    "kf_now": ("Nu", "Now"),
    "kf_change": ("Ændring", "Change"),
    "kf_assets": ("Aktiver", "Assets"),
    "kf_risks": ("Risici", "Risks"),
    "kf_above": ("Risici over tolerancen efter håndtering", "Risks above tolerance after treatment"),
    "kf_level": ("Risici på {level} efter håndtering", "Risks at {level} after treatment"),
    "kf_pending": ("Sager til beslutning", "Items for decision"),
    "kf_breaches": ("Accepter uden bemyndigelse", "Acceptances without authority"),
    "kf_overdue": ("Risici med overskredet frist", "Risks past their deadline"),
    # tables
    "no": ("Nr.", "No."),
    "risk_id": ("Risiko", "Risk"),
    "asset": ("Aktiv", "Asset"),
    "area": ("Område", "Area"),
    "threat": ("Trussel", "Threat"),
    "category": ("Kategori", "Category"),
    "perspective": ("Perspektiv", "Perspective"),
    "level": ("Niveau", "Level"),
    "tolerance": ("Tolerance", "Tolerance"),
    "reason": ("Begrundelse", "Reason"),
    "proposal": ("Forslag", "Proposal"),
    "count": ("Antal", "Count"),
    "level_change": ("Niveau før → nu", "Level before → now"),
    "score_change": ("Score før → nu", "Score before → now"),
    "why": ("Årsag", "Cause"),
    "assets_n": ("Aktiver", "Assets"),
    "risks_n": ("Risici", "Risks"),
    "highest": ("Højeste restniveau", "Highest residual level"),
    "typical": ("Typisk restniveau", "Typical residual level"),
    "above_n": ("Over tolerancen", "Above tolerance"),
    "total": ("I alt", "Total"),
    "new": ("Nye risici", "New risks"),
    "closed": ("Lukkede risici", "Closed risks"),
    "de-escalated": ("Faldet i niveau", "Fell in level"),
    "escalated": ("Steget i niveau", "Rose in level"),
    "more": (
        "… og {n} flere (se arket Risici i {file})",
        "… and {n} more (see the Risks sheet in {file})",
    ),
    "more_plain": ("… og {n} flere", "… and {n} more"),
}


def x(key: str, lang: str = "da") -> str:
    """A text of this module's catalogue in ``lang``."""
    da, en = TEXTS[key]
    return en if lang == "en" else da


def _levels(scores: pd.DataFrame, m: RiskMatrix) -> pd.DataFrame:
    from .sections import levelled

    return levelled(scores, m)


def open_residual(scores: pd.DataFrame, m: RiskMatrix) -> pd.DataFrame:
    """The residual rows of risks that are not closed, levelled with ``m``."""
    s = _levels(scores, m)
    status = s["status"].astype("string").str.strip().str.casefold() if "status" in s else pd.Series("", index=s.index)
    keep = (s["stage"].astype("string") == "residual") & (status.fillna("") != "closed")
    return s[keep.to_numpy(bool)]


def _join(parts: Sequence[str], lang: str) -> str:
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {x('and', lang)} " + parts[-1]


def _span(numbers: Sequence[int]) -> str:
    """1, 2, 3, 5 -> "1–3, 5"."""
    out: list[str] = []
    nums = sorted(int(n) for n in numbers)
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[i]) if i == j else (f"{nums[i]}, {nums[j]}" if j == i + 1 else f"{nums[i]}–{nums[j]}"))
        i = j + 1
    return ", ".join(out)


# -- decisions ---------------------------------------------------------------------------
def _decision_rows(all_dec: pd.DataFrame, status: str) -> pd.DataFrame:
    rows = all_dec[(all_dec["status"].astype("string") == status) & (all_dec["reason"].astype("string") != "round_approval")]
    codes = rows["level"].cat.codes if isinstance(rows["level"].dtype, pd.CategoricalDtype) else 0
    return (
        rows.assign(_lv=codes)
        .sort_values(["_lv", "score", "risk_id"], ascending=[False, False, True], kind="stable")
        .drop(columns="_lv")
        .reset_index(drop=True)
    )


def level_labels(values: pd.Series, m: RiskMatrix | None, lang: str = "da") -> np.ndarray:
    """Level values (identifiers, Danish or English names) as the matrix's names in ``lang``."""
    s = values.astype("string")
    if m is None:
        return s.fillna("").to_numpy(dtype=object)
    names = {}
    for lv in m.levels:
        names.update({lv.key: lv.name(lang), lv.name_da: lv.name(lang), lv.name_en: lv.name(lang)})
    return s.map(names).fillna(s).fillna("").to_numpy(dtype=object)


def decision_table(all_dec: pd.DataFrame, assessment: Assessment, status: str = "pending", *,
                   lang: str = "da", matrix: RiskMatrix | None = None) -> pd.DataFrame:  # fmt: skip
    """The rows of :func:`isms_analysis.decisions.decisions` with ``status`` (pending
    items other than the round's approval, or breaches), most serious level first,
    as a display table: number (pending only, as in the recommendation), risk, asset,
    area, perspective, level, tolerance, reason and proposal."""
    from .sections import risk_info

    rows = _decision_rows(all_dec, status)
    ri = risk_info(assessment).set_index("risk_id").reindex(rows["risk_id"].astype("string"))
    out = pd.DataFrame(
        {
            x("risk_id", lang): rows["risk_id"].astype("string").to_numpy(),
            x("asset", lang): ri["asset"].fillna(pd.Series(rows["asset_id"].astype("string").to_numpy(), index=ri.index)).to_numpy(),
            x("area", lang): rows["area"].astype("string").to_numpy(),
            x("perspective", lang): rows["perspective"].astype("string").map(lambda p: t(p, lang)).to_numpy(),
            x("level", lang): level_labels(rows["level"], matrix, lang),
            x("tolerance", lang): level_labels(rows["tolerance"], matrix, lang),
            x("reason", lang): rows["reason"].astype("string").map(lambda k: decision_text(k, lang)).to_numpy(),
            x("proposal", lang): rows["proposal"].astype("string").to_numpy(),
        }
    )
    if status == "pending":
        out.insert(0, x("no", lang), np.arange(1, len(out) + 1, dtype=np.int64))
    return out


def decided_counts(all_dec: pd.DataFrame, lang: str = "da") -> pd.DataFrame:
    """The decided rows counted per reason (only reasons that occur)."""
    rows = all_dec[all_dec["status"].astype("string") == "decided"]
    counts = rows["reason"].astype("string").value_counts()
    from .decisions import REASONS

    order = [r for r, st in REASONS.items() if st == "decided" and counts.get(r, 0)]
    return pd.DataFrame(
        {
            x("reason", lang): [decision_text(r, lang) for r in order],
            x("count", lang): np.array([int(counts[r]) for r in order], dtype=np.int64),
        }
    )


def decided_table(all_dec: pd.DataFrame, assessment: Assessment, lang: str = "da",
                  matrix: RiskMatrix | None = None) -> pd.DataFrame:  # fmt: skip
    """The decided rows (for the appendix), most serious level first."""
    return decision_table(all_dec, assessment, "decided", lang=lang, matrix=matrix).drop(columns=[x("proposal", lang)])


def recommendations(
    assessment: Assessment,
    all_dec: pd.DataFrame,
    *,
    lang: str = "da",
) -> list[str]:
    """The numbered list under "Udvalget indstilles til at:" (one sentence per item)."""
    out: list[str] = []
    reason = all_dec["reason"].astype("string")
    status = all_dec["status"].astype("string")
    awaiting = int((reason == "round_approval").sum())
    if not round_approved(assessment.meta):
        out.append(x("r_approve_round", lang).format(n=number(awaiting, lang)) if awaiting
                   else x("r_approve_round_plain", lang))  # fmt: skip
    if assessment.actions is not None and len(assessment.actions):
        out.append(x("r_approve_actions", lang))
    if getattr(assessment, "soa", None) is not None and len(assessment.soa):
        out.append(x("r_approve_soa", lang))
    pending = _decision_rows(all_dec, "pending")
    if len(pending):
        nums = pd.Series(np.arange(1, len(pending) + 1), index=pending.index)
        groups = []
        for proposal, idx in pending.groupby(pending["proposal"].astype("string"), sort=False).groups.items():
            groups.append(x("r_group", lang).format(proposal=str(proposal).lower(), numbers=_span(nums[idx].tolist())))
        key = "r_decide_one" if len(pending) == 1 else "r_decide"
        out.append(x(key, lang).format(n=number(len(pending), lang), span=_span(nums.tolist()), groups="; ".join(groups)))
    breaches = int((status == "breach").sum())
    if breaches:
        out.append(x("r_note_breaches", lang).format(n=number(breaches, lang)))
    advice = int((reason == "accepted_against_advice").sum())
    if advice:
        out.append(x("r_note_advice", lang).format(n=number(advice, lang)))
    if not out:
        out.append(x("r_nothing", lang))
    return out


# -- summary -----------------------------------------------------------------------------
def above_tolerance_by_area(scores: pd.DataFrame, m: RiskMatrix) -> pd.Series:
    """Distinct risks above tolerance after treatment (either perspective) per area,
    most first (ties by area name)."""
    r = open_residual(scores, m)
    r = r[r["above_tolerance"].fillna(False).to_numpy(bool)]
    counts = r.drop_duplicates("risk_id").groupby(r["area"].astype("string").fillna("–"), observed=True).size()
    counts = counts.rename_axis("area").reset_index(name="n")
    counts = counts.sort_values(["n", "area"], ascending=[False, True], kind="stable")
    return pd.Series(counts["n"].to_numpy(dtype=np.int64), index=counts["area"].to_numpy(), name="risks")


def highest_levels(scores: pd.DataFrame, m: RiskMatrix) -> pd.Series:
    """Distinct risks per residual level (the higher of the two perspectives), in the
    matrix's level order, for the levels that call for treatment."""
    r = open_residual(scores, m)
    codes = r.groupby(r["risk_id"].astype("string"), observed=True)["level"].agg(
        lambda s: int(s.cat.codes.max())
    )
    names = m.level_names("da")
    treat = [i for i, lv in enumerate(m.levels) if lv.treatment in ("should_treat", "must_treat")]
    return pd.Series([int((codes == i).sum()) for i in treat], index=[names[i] for i in treat], dtype=np.int64)


def change_totals(comparison: pd.DataFrame | None) -> dict[str, int] | None:
    """Distinct risks per kind of change at the residual stage (a risk counts once:
    escalated if it rose in either perspective, else de-escalated if it fell)."""
    if comparison is None:
        return None
    c = comparison[comparison["stage"].astype("string") == "residual"]
    ch = c["change"].astype("string")
    up = set(c.loc[(ch == "escalated").to_numpy(bool), "risk_id"].astype(str))
    down = set(c.loc[(ch == "de-escalated").to_numpy(bool), "risk_id"].astype(str)) - up
    new = set(c.loc[(ch == "new").to_numpy(bool), "risk_id"].astype(str))
    closed = set(c.loc[(ch == "closed").to_numpy(bool), "risk_id"].astype(str)) - new
    return {"up": len(up), "down": len(down), "new": len(new), "closed": len(closed)}


def summary_facts(
    assessment: Assessment,
    scores: pd.DataFrame,
    m: RiskMatrix,
    *,
    comparison: pd.DataFrame | None,
    previous_round: str | None,
    overdue_risks: int,
    overdue_actions: int,
    as_of: Any,
) -> dict[str, Any]:
    """The facts the summary sentences are made of (plain numbers and labels)."""
    return {
        "assets": int(assessment.assets["asset_id"].nunique()),
        "risks": int(scores["risk_id"].nunique()),
        "changes": change_totals(comparison),
        "previous_round": previous_round,
        "above_by_area": above_tolerance_by_area(scores, m),
        "highest": highest_levels(scores, m),
        "overdue_risks": int(overdue_risks),
        "overdue_actions": int(overdue_actions),
        "as_of": as_of,
        "level_names": dict(zip(m.level_names("da"), m.level_names("en"), strict=True)),
    }


def summary_sentences(facts: dict[str, Any], lang: str = "da") -> list[str]:
    """3-6 sentences for the first page, generated from :func:`summary_facts`."""
    n = lambda v: number(v, lang)  # noqa: E731 - local shorthand
    out = [x("s_scope", lang).format(risks=n(facts["risks"]), assets=n(facts["assets"]))]
    ch = facts["changes"]
    if ch is None:
        out.append(x("s_no_previous", lang))
    else:
        out.append(x("s_changes", lang).format(prev=facts["previous_round"], up=n(ch["up"]), down=n(ch["down"]),
                                               new=n(ch["new"]), closed=n(ch["closed"])))  # fmt: skip
    above: pd.Series = facts["above_by_area"]
    if int(above.sum()):
        top = [f"{area} ({n(v)})" for area, v in above.head(3).items()]
        out.append(x("s_above", lang).format(n=n(above.sum()), areas=_join(top, lang)))
    else:
        out.append(x("s_above_none", lang))
    highest: pd.Series = facts["highest"]
    names = facts["level_names"]
    parts = [
        (x("s_top_part", lang) if v else x("s_top_none", lang)).format(
            n=n(v), level=(names.get(lv, lv) if lang == "en" else lv)
        )
        for lv, v in list(highest.items())[::-1]
    ]
    if parts:
        out.append(x("s_top", lang).format(parts=_join(parts, lang)))
    day = fdate(facts["as_of"], lang)
    if facts["overdue_risks"] or facts["overdue_actions"]:
        out.append(x("s_overdue", lang).format(date=day, risks=n(facts["overdue_risks"]),
                                               actions=n(facts["overdue_actions"])))  # fmt: skip
    else:
        out.append(x("s_overdue_none", lang).format(date=day))
    return out


def key_figures(
    now: dict[str, int],
    before: dict[str, int] | None,
    lang: str = "da",
) -> pd.DataFrame:
    """Key figures with their change: ``now`` and ``before`` map a figure's label to
    its value (``before`` None: no previous round; a figure missing there: no change shown)."""
    labels = list(now)
    change: list[Any] = []
    for k in labels:
        if before is None or k not in before:
            change.append("")
        else:
            d = int(now[k]) - int(before[k])
            change.append(("+" if d > 0 else ("−" if d < 0 else "±")) + number(abs(d), lang))
    return pd.DataFrame(
        {
            x("kf_figure", lang): labels,
            x("kf_now", lang): [number(now[k], lang) for k in labels],
            x("kf_change", lang): change,
        }
    )


def round_figures(assessment: Assessment, scores: pd.DataFrame, m: RiskMatrix, lang: str = "da") -> dict[str, int]:
    """The key figures of one round that can be compared between rounds."""
    out = {
        x("kf_assets", lang): int(assessment.assets["asset_id"].nunique()),
        x("kf_risks", lang): int(scores["risk_id"].nunique()),
        x("kf_above", lang): int(above_tolerance_by_area(scores, m).sum()),
    }
    hl = highest_levels(scores, m)
    names = dict(zip(m.level_names("da"), m.level_names(lang), strict=True))
    for lv, v in list(hl.items())[::-1]:
        out[x("kf_level", lang).format(level=names[lv])] = int(v)
    return out


# -- changes since the previous round ------------------------------------------------------
Levels = RiskMatrix | Sequence[str]  # a matrix, or the (Danish) level names lowest first


def _level_order(m: Levels) -> dict[str, int]:
    names = m.level_names("da") if isinstance(m, RiskMatrix) else list(m)
    return {name: i for i, name in enumerate(names)}


def escalations(comparison: pd.DataFrame, m: Levels) -> pd.DataFrame:
    """Every residual row whose level rose, most serious first: level now (highest
    first), then the number of steps, the score now, the risk ID."""
    c = comparison[(comparison["stage"].astype("string") == "residual")
                   & (comparison["change"].astype("string") == "escalated")]  # fmt: skip
    order = _level_order(m)
    c = c.assign(_now=c["level_new"].astype("string").map(order).fillna(-1).astype(np.int64),
                 _steps=c["level_change"].fillna(0).astype(np.int64))  # fmt: skip
    c = c.sort_values(["_now", "_steps", "score_new", "risk_id"], ascending=[False, False, False, True], kind="stable")
    return c.drop(columns=["_now", "_steps"]).reset_index(drop=True)


def change_list(comparison: pd.DataFrame, kind: str, m: Levels) -> pd.DataFrame:
    """The residual rows of one kind of change (new, closed, de-escalated), most
    serious first (for closed risks: the level they had); a new or closed risk once,
    with its more serious perspective."""
    c = comparison[(comparison["stage"].astype("string") == "residual")
                   & (comparison["change"].astype("string") == kind)]  # fmt: skip
    col = "level_old" if kind == "closed" else "level_new"
    order = _level_order(m)
    c = c.assign(_lv=c[col].astype("string").map(order).fillna(-1).astype(np.int64))
    score = "score_old" if kind == "closed" else "score_new"
    c = c.sort_values(["_lv", score, "risk_id"], ascending=[False, False, True], kind="stable")
    if kind in ("new", "closed"):  # one row per risk: its more serious perspective
        c = c.drop_duplicates("risk_id")
    return c.drop(columns="_lv").reset_index(drop=True)


def change_display(rows: pd.DataFrame, m: RiskMatrix | dict[str, str], lang: str = "da") -> pd.DataFrame:
    """Rows of a comparison as a display table: risk, asset, area, perspective, level
    before → now, score before → now and the cause ("Sandsynlighed 2 → 3"). ``m``: the
    matrix, or a mapping from the stored (Danish) level names to the ones to show."""
    names = {lv.name_da: lv.name(lang) for lv in m.levels} if isinstance(m, RiskMatrix) else dict(m)

    def shown(values: pd.Series) -> pd.Series:
        s = values.astype("string")
        return s.map(names).fillna(s).fillna("–").astype(object)

    def arrow(old: pd.Series, new: pd.Series) -> np.ndarray:
        return (shown(old) + " → " + shown(new)).to_numpy(dtype=object)

    asset = rows["asset_name"] if "asset_name" in rows.columns else rows["asset_id"]
    return pd.DataFrame(
        {
            x("risk_id", lang): rows["risk_id"].astype("string").to_numpy(),
            x("asset", lang): asset.astype("string").to_numpy(),
            x("area", lang): rows["area"].astype("string").to_numpy() if "area" in rows else "",
            x("perspective", lang): rows["perspective"].astype("string").map(lambda p: t(p, lang)).to_numpy(),
            x("level_change", lang): arrow(rows["level_old"], rows["level_new"]),
            x("score_change", lang): arrow(rows["score_old"].astype("Int64").astype("string"),
                                           rows["score_new"].astype("Int64").astype("string")),  # fmt: skip
            x("why", lang): rows["reason"].astype("string").fillna("").to_numpy(),
        }
    )


# -- threat picture ----------------------------------------------------------------------
def recurring_threats(
    scores: pd.DataFrame,
    assessment: Assessment,
    m: RiskMatrix,
    *,
    min_assets: int = 2,
    lang: str = "da",
) -> pd.DataFrame:
    """The threats that recur across assets (at least ``min_assets``), for the
    playbook's question which threats seem most obvious: per threat the number of
    assets and risks, how many are above tolerance, and the highest and typical
    (median) residual level of its risks, each risk at the higher of its two
    perspectives. Open risks only; most serious first (highest level, then typical
    level, then the number of assets)."""
    r = open_residual(scores, m)
    per_risk = (
        r.assign(_code=r["level"].cat.codes.to_numpy(), _above=r["above_tolerance"].fillna(False).to_numpy(bool))
        .groupby(r["risk_id"].astype("string"), observed=True)
        .agg(threat_id=("threat_id", "first"), asset_id=("asset_id", "first"), code=("_code", "max"),
             above=("_above", "any"))  # fmt: skip
    )
    g = per_risk.groupby(per_risk["threat_id"].astype("string"), observed=True)
    out = pd.DataFrame(
        {
            "assets": g["asset_id"].nunique(),
            "risks": g.size(),
            "above": g["above"].sum().astype(np.int64),
            "highest": g["code"].max(),
            "typical": g["code"].quantile(0.5, interpolation="lower").astype(np.int64),
        }
    )
    out = out[out["assets"] >= min_assets]
    out = out.sort_values(["highest", "typical", "assets"], ascending=[False, False, False], kind="stable")
    th = assessment.threats.drop_duplicates("threat_id").set_index(assessment.threats.drop_duplicates("threat_id")["threat_id"].astype("string"))
    names = m.level_names(lang)
    return pd.DataFrame(
        {
            x("threat", lang): th["name"].reindex(out.index).astype("string").fillna(pd.Series(out.index, index=out.index)).to_numpy(),
            x("category", lang): (th["category"].reindex(out.index).astype("string").fillna("").to_numpy()
                                  if "category" in th else ""),  # fmt: skip
            x("assets_n", lang): out["assets"].to_numpy(dtype=np.int64),
            x("risks_n", lang): out["risks"].to_numpy(dtype=np.int64),
            x("above_n", lang): out["above"].to_numpy(dtype=np.int64),
            x("highest", lang): [names[i] for i in out["highest"]],
            x("typical", lang): [names[i] for i in out["typical"]],
        }
    ).reset_index(drop=True)


def levels_by_area(scores: pd.DataFrame, m: RiskMatrix, perspective: str, lang: str = "da") -> pd.DataFrame:
    """Open risks per area and residual level in one perspective (every level of the
    matrix a column, a total), areas with the most risks at the top levels first."""
    r = open_residual(scores, m)
    r = r[r["perspective"].astype("string") == perspective]
    names = m.level_names("da")
    table = pd.crosstab(r["area"].astype("string").fillna("–"), r["level"].astype("string"))
    table = table.reindex(columns=names, fill_value=0).astype(np.int64)
    table = table.sort_values(names[::-1], ascending=False, kind="stable")
    out = pd.DataFrame({x("area", lang): table.index.to_numpy(dtype=object)})
    for da_name, shown in zip(names, m.level_names(lang), strict=True):
        out[shown] = table[da_name].to_numpy()
    out[x("total", lang)] = table.sum(axis=1).to_numpy()
    return out
