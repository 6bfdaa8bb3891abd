"""Decisions: the committee's list (*indstilling*) as KL's playbook means it.

Chapter 4 of the playbook ("Risikoaccept") says the list of risks to treat can be
used in practice as a recommendation to management (*"en anbefaling/indstilling
til ledelsen"*): which measures (*foranstaltninger*) to introduce and which risks to
accept given the risk tolerance. :func:`decisions` produces that list: one row per
**open or in-progress** risk x perspective (closed risks get no row; a blank status
counts as open), judged on the **current** state, which is the residual stage of
the scored frame (a blank residual likelihood or consequence means the inherent
one). A risk whose level cannot be computed (a blank likelihood, which the
workbook reader reports as an error) gets no row either.

Every row gets a ``status`` -- ``pending`` (the committee must decide), ``decided``
(shown for information) or ``breach`` (decided by someone who may not) -- and a
``reason``. Terms:

- **L** is the row's current level, **T** its tolerance T(area, perspective) from
  the risk profile (:mod:`isms_analysis.tolerance`; default the matrix's highest
  *acceptable* level, KL: Under middel).
- The round is **approved** when the Om sheet names who approved it (*Godkendt af*)
  and when (*Godkendt dato*).
- An acceptance is **explicit** when the risk names who accepted it (*Accepteret
  af*) and when (*Accepteret dato*). It is valid until *Revurderes* or, when that is
  blank, for 12 months from the acceptance date; once ``as_of`` is past that date
  it is **expired**. ``as_of`` defaults to the round's assessment date (else today).
- The **acceptor** is the Roller row whose *Navn* occurs in the *Accepteret af* text
  (case-insensitive, spaces normalised: "Kommunaldirektør Lone Bjerre" matches
  "Direktionen v/ kommunaldirektør Lone Bjerre"). If several rows match, top
  management wins, then the highest *Maks. niveau*.
- The **owner** is the risk's *Risikoejer*, else the asset's.

The rules, first match wins:

1. Data-subject perspective, current consequence 4 and current score 4 or 8 (the
   matrix's ``very_high_consequence`` / ``very_high_scores``), treatment neither
   mitigate, avoid nor transfer, and no explicit acceptance -> ``pending`` /
   ``data_subject_very_high``. Playbook ch. 5: with a very high consequence for the
   data subjects one should consider making an assessment that brings the risk
   down (*"bør man overveje at lave en risikovurdering for at nedbringe
   risikoen"*), even when the event is unlikely.
2. L <= T: the round is approved -> ``decided`` / ``within_tolerance``; otherwise
   ``pending`` / ``round_approval``. The committee approves these together, with
   the round: one item, not one per risk (:func:`committee_items`).
3. L > T and the treatment is *accept*:

   - who or when missing -> ``pending`` / ``acceptance_missing``;
   - expired -> ``pending`` / ``acceptance_expired``;
   - a critical asset and the acceptor's role is not top management (or no Roller
     row names the acceptor) -> ``breach`` / ``critical_not_top_management``.
     Playbook ch. 4: for critical assets and processes the acceptance should always
     be made by top management (*"bør risikoaccepten altid foretages af den
     øverste ledelse"*);
   - a Roller sheet exists and no row names the acceptor, or their *Maks. niveau*
     is below L -> ``breach`` / ``acceptor_lacks_authority``;
   - otherwise ``decided`` / ``accepted``, or ``decided`` /
     ``accepted_against_advice`` when L's treatment class is ``should_treat`` or
     ``must_treat``. The playbook says management should not accept those (*"bør
     ikke acceptere"*): advice, not a prohibition, so the rows are decided and
     shown to the committee for information.
4. L > T and the treatment is mitigate, avoid or transfer: a deadline (*Frist*) and
   an owner -> ``decided`` / ``in_treatment`` (an overdue deadline is a matter for
   follow-up, not for this list); otherwise ``pending`` / ``treatment_incomplete``.
5. L > T and no treatment -> ``pending`` / ``no_treatment``.

The ``proposal`` of a pending row (Danish or English) follows L's treatment class
(``must_treat``: treat at once; ``should_treat``: treat or transfer; ``may_accept``
and ``acceptable``: accept with a review date, or treat), except for the
data-subject rule (consider measures that reduce the risk to the data subjects),
an expired acceptance (re-evaluate the acceptance) and the round approval
(approve with the round).

Everything is vectorised over the rows; only the distinct *Accepteret af* texts are
matched against the Roller sheet one by one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .assessment import Assessment
from .matrix import TREATMENT_CLASSES, RiskMatrix
from .matrix import matrix as get_matrix
from .text import has
from .text import t as tr
from .tolerance import spec_of, tolerance_index

STATUSES = ("pending", "breach", "decided")
# Reasons in the order of the rules, with the status each belongs to.
REASONS = {
    "data_subject_very_high": "pending",
    "round_approval": "pending",
    "acceptance_missing": "pending",
    "acceptance_expired": "pending",
    "treatment_incomplete": "pending",
    "no_treatment": "pending",
    "critical_not_top_management": "breach",
    "acceptor_lacks_authority": "breach",
    "within_tolerance": "decided",
    "accepted": "decided",
    "accepted_against_advice": "decided",
    "in_treatment": "decided",
}
ACCEPTANCE_MONTHS = 12  # an acceptance without Revurderes holds this long

ROLE_TOP = "top_management"

COLUMNS = (
    "risk_id", "asset_id", "perspective", "level", "tolerance", "status", "reason", "proposal",
    "accepted_by", "acceptor_role", "review_date",
    "score", "area", "critical", "treatment", "owner", "deadline",
)  # fmt: skip


def text(key: str, lang: str = "da") -> str:
    """The Danish (or English) label of a status, reason or proposal key
    (``data/text/decisions.toml``; a proposal is ``proposal_<key>`` there)."""
    kind = "status" if key in STATUSES else "reason" if key in REASONS else "proposal"
    return tr(f"decisions.{kind}_{key}", lang)


def _norm(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


def _blank(values: pd.Series) -> np.ndarray:
    s = values.astype("string").str.strip()
    return (s.isna() | (s == "")).to_numpy(dtype=bool, na_value=True)


def match_roles(accepted_by: pd.Series, roles: pd.DataFrame | None, m: RiskMatrix) -> pd.DataFrame:
    """Per value of ``accepted_by``: the matching Roller row's ``name``, ``role`` and
    ``max_level`` (level index, -1 when there is no match)."""
    out = pd.DataFrame(
        {
            "name": pd.array([pd.NA] * len(accepted_by), dtype="string"),
            "role": pd.array([pd.NA] * len(accepted_by), dtype="string"),
            "max_level": np.full(len(accepted_by), -1, dtype=np.int16),
        },
        index=accepted_by.index,
    )
    if roles is None or roles.empty or accepted_by.empty:
        return out
    table = []
    for name, role, level in zip(roles["name"], roles["role"], roles["max_level"], strict=True):
        if pd.isna(name) or not str(name).strip():
            continue
        try:
            lvl = m.level_index(str(level)) if not pd.isna(level) else -1
        except KeyError:
            lvl = -1
        rank = (str(role) == ROLE_TOP, lvl)
        table.append((_norm(name), str(name).strip(), None if pd.isna(role) else str(role), lvl, rank))
    codes, uniques = pd.factorize(accepted_by, sort=False)
    found_name, found_role, found_lvl = [], [], []
    for value in uniques:
        text_ = _norm(value)
        hits = [t for t in table if t[0] and t[0] in text_]
        best = max(hits, key=lambda t: t[4]) if hits else None
        found_name.append(best[1] if best else pd.NA)
        found_role.append(best[2] if best else pd.NA)
        found_lvl.append(best[3] if best else -1)
    sel = codes >= 0
    name = np.array([*found_name, pd.NA], dtype=object)[codes]
    role = np.array([*found_role, pd.NA], dtype=object)[codes]
    lvl = np.array([*found_lvl, -1], dtype=np.int16)[codes]
    out.loc[sel, "name"] = name[sel]
    out.loc[sel, "role"] = role[sel]
    out["max_level"] = np.where(sel, lvl, -1).astype(np.int16)
    return out


def _as_of(as_of: Any, assessment: Assessment) -> pd.Timestamp:
    if as_of is None or (isinstance(as_of, str) and not as_of.strip()):
        as_of = assessment.meta.get("assessment_date")
    day = pd.Timestamp(as_of) if as_of is not None else pd.NaT
    if pd.isna(day):
        day = pd.Timestamp.today()
    return day.normalize()


def round_approved(meta: dict[str, Any]) -> bool:
    """The round is approved: the Om sheet names who approved it and when."""
    who, when = meta.get("approved_by"), meta.get("approved_date")
    has_who = who is not None and not pd.isna(who) and bool(str(who).strip())
    try:
        has_when = when is not None and not pd.isna(pd.Timestamp(when))
    except (TypeError, ValueError):
        has_when = False
    return bool(has_who and has_when)


def decisions(
    assessment: Assessment,
    scores: pd.DataFrame | None = None,
    *,
    as_of: Any = None,
    lang: str = "da",
    matrix: str | Path | RiskMatrix | None = None,
) -> pd.DataFrame:
    """The committee's list: one row per open or in-progress risk x perspective with
    ``status`` (pending | decided | breach), ``reason`` and, for pending rows, a
    ``proposal`` in ``lang``. See the module docstring for the rules.

    ``scores`` defaults to :func:`isms_analysis.score` of the assessment under its
    matrix (``matrix`` overrides the one named in the Om sheet). Columns:
    ``risk_id, asset_id, perspective, level`` (current), ``tolerance``, ``status, reason, proposal, accepted_by,
    acceptor_role`` (role key of the matching Roller row), ``review_date`` (when an
    acceptance expires), then ``score, area, critical, treatment, owner, deadline``.

    Columns (dtype): ``risk_id``, ``asset_id`` (string); ``perspective`` (category);
    ``level``, ``tolerance`` (ordered category of the matrix's level identifiers, e.g.
    "Over middel", in every ``lang``: the data holds identifiers, labels come from
    :func:`isms_analysis.labels`); ``status`` (category: pending, decided, breach);
    ``reason`` (category of reason keys); ``proposal`` (string, in ``lang``);
    ``accepted_by`` (string); ``acceptor_role`` (string, a role key);
    ``review_date`` (datetime64); ``score`` (Int16); ``area`` (string); ``critical``
    (bool); ``treatment`` (string, a key); ``owner`` (string); ``deadline`` (datetime64).
    """
    m = get_matrix(matrix or (scores.attrs.get("matrix") if scores is not None else None)
                   or assessment.meta.get("matrix") or "kl")  # fmt: skip
    if scores is None:
        from .scoring import score

        scores = score(assessment, m)
    cur = scores[(scores["stage"] == "residual").to_numpy(dtype=bool)]
    risks = assessment.risks.drop_duplicates("risk_id")
    pos = pd.Index(risks["risk_id"].astype("string")).get_indexer(cur["risk_id"].astype("string"))
    if (pos < 0).any():
        raise ValueError("Risici i scores findes ikke i vurderingen / scores name risks the assessment lacks")
    r = risks.iloc[pos].reset_index(drop=True)

    # Levels in the matrix's order (a stored frame may carry other category orders).
    lv_cats = cur["level"].cat.categories
    lv_map = np.array([*(_safe_index(m, c) for c in lv_cats), -1], dtype=np.int16)
    level = lv_map[np.asarray(cur["level"].cat.codes)]
    keep = (level >= 0) & (r["status"].astype("string") != "closed").to_numpy(dtype=bool, na_value=True)
    cur, r, level = cur[keep].reset_index(drop=True), r[keep].reset_index(drop=True), level[keep]

    spec = spec_of(assessment.profile) if assessment.profile is not None else scores.attrs.get("tolerance", {})
    tol = tolerance_index(m, spec, cur["area"].astype("category"), cur["perspective"])
    cls = np.array([TREATMENT_CLASSES.index(lv.treatment) for lv in m.levels] + [0], dtype=np.int8)[level]
    should = TREATMENT_CLASSES.index("should_treat")

    treat = r["treatment"].astype("string").fillna("").to_numpy(dtype=object)
    accept = treat == "accept"
    acting = np.isin(treat, ["mitigate", "avoid", "transfer"])
    none = ~accept & ~acting
    who = ~_blank(r["accepted_by"])
    when = r["accepted_date"].notna().to_numpy()
    explicit = who & when
    day = _as_of(as_of, assessment)
    review = r["review_date"].where(
        r["review_date"].notna(), r["accepted_date"] + pd.DateOffset(months=ACCEPTANCE_MONTHS)
    )
    review = review.where(pd.Series(accept & explicit) | r["review_date"].notna())
    expired = explicit & (review < day).to_numpy(dtype=bool, na_value=False)

    roles = assessment.roles if assessment.roles is not None and not assessment.roles.empty else None
    acceptor = match_roles(r["accepted_by"].astype("string"), roles, m)
    known = acceptor["role"].notna().to_numpy()
    top = (acceptor["role"] == ROLE_TOP).to_numpy(dtype=bool, na_value=False)
    lacks = (~known | (acceptor["max_level"].to_numpy() < level)) if roles is not None else np.zeros(len(r), bool)
    critical = cur["critical"].fillna(False).to_numpy(dtype=bool)

    asset_owner = assessment.assets.drop_duplicates("asset_id").set_index("asset_id")["risk_owner"]
    owner = r["owner"].astype("string").where(~pd.Series(_blank(r["owner"])), r["asset_id"].map(asset_owner))
    has_owner = ~_blank(owner)
    has_deadline = r["deadline"].notna().to_numpy()

    ds = (cur["perspective"].astype("string") == "data_subject").to_numpy(dtype=bool, na_value=False)
    very_high = cur["data_subject_very_high"].to_numpy(dtype=bool) if "data_subject_very_high" in cur else None
    if very_high is None:
        c = cur["consequence"].to_numpy(dtype=np.int16, na_value=0)
        sc = cur["score"].to_numpy(dtype=np.int16, na_value=0)
        very_high = (c == m.very_high_consequence) & np.isin(sc, m.very_high_scores)
    within = level <= tol
    approved = round_approved(assessment.meta)

    rules = [
        ("data_subject_very_high", ds & very_high & ~acting & ~explicit),
        ("within_tolerance" if approved else "round_approval", within),
        ("acceptance_missing", accept & ~explicit),
        ("acceptance_expired", accept & expired),
        ("critical_not_top_management", accept & critical & ~top),
        ("acceptor_lacks_authority", accept & lacks),
        ("accepted_against_advice", accept & (cls >= should)),
        ("accepted", accept),
        ("in_treatment", acting & has_deadline & has_owner),
        ("treatment_incomplete", acting),
        ("no_treatment", none),
    ]
    reason = np.select([mask for _, mask in rules], [k for k, _ in rules], default="no_treatment").astype(object)
    status = pd.Series(reason).map(REASONS).to_numpy(dtype=object)

    by_class = np.array([tr(f"decisions.proposal_{c}", lang) for c in TREATMENT_CLASSES], dtype=object)[cls]
    special = {k: tr(f"decisions.proposal_{k}", lang) for k in REASONS if has(f"decisions.proposal_{k}")}
    proposal = pd.Series(reason).map(special).fillna(pd.Series(by_class)).to_numpy(dtype=object)
    proposal = np.where(status == "pending", proposal, None)

    # Levels are data: the matrix's level identifiers in every language (docs/vocabulary.md);
    # isms.labels(frame, "en") shows "High" for "Høj".
    names = np.array([lv.name_da for lv in m.levels] + [None], dtype=object)
    level_dtype = m.level_dtype("da")
    out = pd.DataFrame(
        {
            "risk_id": cur["risk_id"].astype("string").to_numpy(),
            "asset_id": cur["asset_id"].astype("string").to_numpy(),
            "perspective": cur["perspective"].to_numpy(),
            "level": pd.Categorical(names[level], dtype=level_dtype),
            "tolerance": pd.Categorical(names[tol], dtype=level_dtype),
            "status": pd.Categorical(status, categories=list(STATUSES)),
            "reason": pd.Categorical(reason, categories=list(REASONS)),
            "proposal": pd.array(proposal, dtype="string"),
            "accepted_by": r["accepted_by"].astype("string").to_numpy(),
            "acceptor_role": acceptor["role"].astype("string").to_numpy(),
            "review_date": review.to_numpy(dtype="datetime64[ns]"),
            "score": cur["score"].astype("Int16").to_numpy(),
            "area": cur["area"].astype("string").to_numpy(),
            "critical": critical,
            "treatment": r["treatment"].astype("string").to_numpy(),
            "owner": owner.astype("string").to_numpy(),
            "deadline": r["deadline"].to_numpy(dtype="datetime64[ns]"),
        }
    )
    out["perspective"] = out["perspective"].astype(pd.CategoricalDtype(list(cur["perspective"].cat.categories)))
    out.attrs.update(matrix=m.name, as_of=day, round_approved=approved)
    return out


def _safe_index(m: RiskMatrix, name: Any) -> int:
    try:
        return m.level_index(str(name))
    except KeyError:
        return -1


def decision_summary(frame: pd.DataFrame, lang: str = "da") -> pd.DataFrame:
    """Counts per status and reason (every reason listed, zero included), in the
    rules' order grouped by status: ``status``, ``reason`` (keys), ``label`` (the
    reason in ``lang``) and ``count``."""
    counts = frame["reason"].astype("string").value_counts() if len(frame) else pd.Series(dtype="int64")
    rows = [
        (status, reason, text(reason, lang), int(counts.get(reason, 0)))
        for status in STATUSES
        for reason, st in REASONS.items()
        if st == status
    ]
    return pd.DataFrame(rows, columns=["status", "reason", "label", "count"])


def committee_items(frame: pd.DataFrame) -> dict[str, int]:
    """What the committee is asked to act on: ``pending`` items (the risks pending
    for other reasons, plus one item for the round's approval when any risk awaits
    it), ``breaches``, ``decided`` risks, and ``awaiting_round_approval`` (the risks
    the one approval item covers). Counts are of rows (risk x perspective)."""
    reason = frame["reason"].astype("string")
    status = frame["status"].astype("string")
    approval = int((reason == "round_approval").sum())
    return {
        "pending": int(((status == "pending") & (reason != "round_approval")).sum()) + (1 if approval else 0),
        "breaches": int((status == "breach").sum()),
        "decided": int((status == "decided").sum()),
        "awaiting_round_approval": approval,
    }
