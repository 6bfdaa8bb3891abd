"""Which rounds a scheduled quarterly report shows, from the store's listing alone.

A cron line or a systemd timer runs the same command every quarter, so the command
must find the round and its comparison by itself:

- ``--store S`` without ``--round``: the **latest approved** round of the
  municipality (approved = "Godkendt af" and "Godkendt dato" filled in);
- the previous round defaults to the round before it in the store (round order is
  the store's: assessment date, then label);
- ``--workbook F --store S``: the workbook's round is compared with the store's
  round before it (the workbook's own round is skipped if it is already stored);
- ``--previous-round`` is a round label in the store or a workbook file, and wins.

Everything here works on :func:`isms_analysis.store.list_rounds` (pure functions on
that frame), so it is decided in the parent process before any rendering.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import UserError


@dataclass(frozen=True)
class Resolved:
    """The quarterly report's rounds: ``round`` is a store label (None with a workbook),
    ``previous_round`` a store label, a workbook path or None (nothing to compare with)."""

    municipality: str | None
    round: str | None
    previous_round: str | None


def current_listing(listing: pd.DataFrame, municipality: str) -> pd.DataFrame:
    """The municipality's current (not superseded) round versions, in round order."""
    rows = listing[(listing["municipality"] == municipality) & ~listing["superseded"].fillna(False)]
    return rows.reset_index(drop=True)


def approved_mask(listing: pd.DataFrame) -> pd.Series:
    """True where the round is approved: who approved it and when, as
    :func:`isms_analysis.decisions.round_approved` judges a round."""
    by = listing["approved_by"].fillna("").astype(str).str.strip() != ""
    return by & listing["approved_date"].notna()


def pick_municipality(listing: pd.DataFrame, municipality: str | None, path: Any) -> str:
    """The given municipality (checked), else the store's only one."""
    names = sorted(set(listing.loc[~listing["superseded"].fillna(False), "municipality"].dropna().astype(str)))
    if not names:
        raise UserError(f"Lageret {path} har ingen runder.", f"The store {path} has no rounds.")
    if municipality is not None:
        if municipality not in names:
            raise UserError(
                f"Kommunen {municipality} findes ikke i lageret {path} (kendte: {', '.join(names)}).",
                f"Municipality {municipality} is not in the store {path} (known: {', '.join(names)}).",
            )
        return municipality
    if len(names) > 1:
        raise UserError(
            f"Lageret {path} har flere kommuner ({', '.join(names)}); angiv kommunen med --municipality.",
            f"The store {path} holds several municipalities ({', '.join(names)}); give --municipality.",
        )
    return names[0]


def latest_approved(listing: pd.DataFrame, municipality: str, path: Any) -> str:
    """The label of the municipality's newest approved round."""
    rows = current_listing(listing, municipality)
    approved = rows[approved_mask(rows)]
    if approved.empty:
        raise UserError(
            f"Lageret {path} har ingen godkendt runde for {municipality} (udfyld 'Godkendt af' og "
            "'Godkendt dato' på arket Om, importér igen, eller angiv --round).",
            f"The store {path} has no approved round for {municipality} (fill in 'Approved by' and "
            "'Approval date' on the About sheet and import again, or give --round).",
        )
    return str(approved["round"].iloc[-1])


def round_before(listing: pd.DataFrame, municipality: str, label: str, date: Any = None) -> str | None:
    """The stored round before ``label``: the one preceding it in round order when it is
    stored, else the newest round assessed before ``date`` (or simply the newest, when the
    date is unknown). None when there is none."""
    rows = current_listing(listing, municipality)
    labels = rows["round"].astype(str)
    if (labels == label).any():
        pos = int((labels == label).to_numpy().nonzero()[0][0])
        return str(labels.iloc[pos - 1]) if pos > 0 else None
    if date is not None and not pd.isna(date):
        rows = rows[rows["date"].isna() | (rows["date"] < pd.Timestamp(date))]
    return str(rows["round"].iloc[-1]) if not rows.empty else None


def resolve(
    *,
    store: str | Path | None,
    round_: str | None,
    previous_round: str | Path | None,
    municipality: str | None,
    workbook_meta: dict[str, Any] | None = None,
) -> Resolved:
    """The rounds of a quarterly report with a store (see the module text).
    ``workbook_meta`` is the workbook's "Om" facts when a workbook is given too."""
    from . import store as store_mod

    path = store_mod.store_path(store)
    if not path.exists():
        raise UserError(f"Lageret {path} findes ikke.", f"The store {path} does not exist.")
    listing = store_mod.list_rounds(path)
    given_prev = str(previous_round) if previous_round is not None and str(previous_round).strip() else None
    if workbook_meta is not None:
        mun = municipality or (str(workbook_meta.get("municipality") or "") or None)
        names = set(listing["municipality"].dropna().astype(str))
        if mun is None or mun not in names:  # a municipality's first round: nothing stored to compare with
            return Resolved(mun, None, given_prev)
        if given_prev is not None:
            return Resolved(mun, None, given_prev)
        label = str(workbook_meta.get("round") or "")
        return Resolved(mun, None, round_before(listing, mun, label, workbook_meta.get("date")))
    mun = pick_municipality(listing, municipality, path)
    label = str(round_) if round_ else latest_approved(listing, mun, path)
    known = current_listing(listing, mun)["round"].astype(str)
    if not (known == label).any():
        raise UserError(
            f"Runden {label} findes ikke for {mun} i lageret (kendte: {', '.join(known)}).",
            f"Round {label} is not stored for {mun} (known: {', '.join(known)}).",
        )
    prev = given_prev if given_prev is not None else round_before(listing, mun, label)
    return Resolved(mun, label, prev)
