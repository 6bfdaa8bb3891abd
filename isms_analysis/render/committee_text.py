"""The committee report's sentences: the summary on the first page, the numbered
recommendation ("Udvalget indstilles til at:") and the key figures with their change,
from the facts :mod:`isms_analysis.committee` computes, with numbers and dates written
as the reader writes them (:mod:`isms_analysis.render.fmt`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..assessment import Assessment
from ..committee import decision_rows
from ..decisions import round_approved
from ..text import count_text, t
from .fmt import date as fdate
from .fmt import number


def join_words(parts: Sequence[str], lang: str) -> str:
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {t('committee.and', lang)} " + parts[-1]


def span(numbers: Sequence[int]) -> str:
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
        out.append(t("committee.r_approve_round", lang).format(n=number(awaiting, lang)) if awaiting
                   else t("committee.r_approve_round_plain", lang))  # fmt: skip
    if assessment.actions is not None and len(assessment.actions):
        out.append(t("committee.r_approve_actions", lang))
    if getattr(assessment, "soa", None) is not None and len(assessment.soa):
        out.append(t("committee.r_approve_soa", lang))
    pending = decision_rows(all_dec, "pending")
    if len(pending):
        nums = pd.Series(np.arange(1, len(pending) + 1), index=pending.index)
        groups = []
        for proposal, idx in pending.groupby(pending["proposal"].astype("string"), sort=False).groups.items():
            groups.append(t("committee.r_group", lang).format(proposal=str(proposal).lower(), numbers=span(nums[idx].tolist())))
        key = "committee.r_decide_one" if len(pending) == 1 else "committee.r_decide"
        out.append(t(key, lang).format(n=number(len(pending), lang), span=span(nums.tolist()), groups="; ".join(groups)))
    breaches = int((status == "breach").sum())
    if breaches:
        out.append(t("committee.r_note_breaches", lang).format(n=number(breaches, lang)))
    advice = int((reason == "accepted_against_advice").sum())
    if advice:
        out.append(t("committee.r_note_advice", lang).format(n=number(advice, lang)))
    if not out:
        out.append(t("committee.r_nothing", lang))
    return out


def summary_sentences(facts: dict[str, Any], lang: str = "da") -> list[str]:
    """3-6 sentences for the first page, generated from :func:`summary_facts`."""
    n = lambda v: number(v, lang)  # noqa: E731 - local shorthand
    out = [t("committee.s_scope", lang).format(risks=n(facts["risks"]), assets=n(facts["assets"]))]
    ch = facts["changes"]
    if ch is None:
        out.append(t("committee.s_no_previous", lang))
    else:
        out.append(t("committee.s_changes", lang).format(prev=facts["previous_round"], up=n(ch["up"]), down=n(ch["down"]),
                                               new=n(ch["new"]), closed=n(ch["closed"])))  # fmt: skip
    above: pd.Series = facts["above_by_area"]
    if int(above.sum()):
        top = [f"{area} ({n(v)})" for area, v in above.head(3).items()]
        out.append(count_text("committee.s_above", int(above.sum()), lang, n=n(above.sum()), areas=join_words(top, lang)))
    else:
        out.append(t("committee.s_above_none", lang))
    highest: pd.Series = facts["highest"]
    names = facts["level_names"]
    parts = [
        (t("committee.s_top_part", lang) if v else t("committee.s_top_none", lang)).format(
            n=n(v), level=(names.get(lv, lv) if lang == "en" else lv)
        )
        for lv, v in list(highest.items())[::-1]
    ]
    if parts:
        out.append(t("committee.s_top", lang).format(parts=join_words(parts, lang)))
    day = fdate(facts["as_of"], lang)
    if facts["overdue_risks"] or facts["overdue_actions"]:
        out.append(t("committee.s_overdue", lang).format(date=day, risks=n(facts["overdue_risks"]),
                                               actions=n(facts["overdue_actions"])))  # fmt: skip
    else:
        out.append(t("committee.s_overdue_none", lang).format(date=day))
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
            t("committee.kf_figure", lang): labels,
            t("committee.kf_now", lang): [number(now[k], lang) for k in labels],
            t("committee.kf_change", lang): change,
        }
    )
