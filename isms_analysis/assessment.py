"""The in-memory contract: one assessment round as a frozen set of DataFrames.

An :class:`Assessment` is what :func:`isms_analysis.read_workbook` returns and what
:func:`isms_analysis.score` takes. Columns are English snake_case (the workbook
reader maps the Danish headers onto them); categorical values are English keys
(``treatment`` is "mitigate" | "accept" | "avoid" | "transfer", ``status`` is
"open" | "in_progress" | "closed"). Consequences and likelihoods are integers 1-4
or missing.

Frames built in code are normalised here (dtypes, optional columns added as
missing) so that tests and notebooks can build an assessment from plain lists.
Value checking of human input happens once, in the workbook reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

CIA = ("c", "i", "a")

ASSET_COLUMNS = {
    "asset_id": "string",
    "name": "string",
    "type": "string",
    "area": "string",
    "kle": "string",
    "system_owner": "string",
    "data_owner": "string",
    "risk_owner": "string",
    "critical": "boolean",
    "personal_data": "string",
    **{f"consequence_municipality_{p}": "Int8" for p in CIA},
    **{f"consequence_data_subject_{p}": "Int8" for p in CIA},
    "tolerable_downtime": "string",
    "notes": "string",
}
SOCIETY_COLUMNS = {
    **{f"consequence_society_{p}": "Int8" for p in CIA},
    "consequence_society_authenticity": "Int8",
}
THREAT_COLUMNS = {
    "threat_id": "string",
    "name": "string",
    "category": "string",
    "description": "string",
    "affects_c": "boolean",
    "affects_i": "boolean",
    "affects_a": "boolean",
}
RISK_COLUMNS = {
    "risk_id": "string",
    "asset_id": "string",
    "threat_id": "string",
    "vulnerability": "string",
    "existing_controls": "string",
    "likelihood": "Int8",
    "treatment": "string",
    "controls": "string",
    "residual_likelihood": "Int8",
    "residual_consequence_municipality": "Int8",
    "residual_consequence_data_subject": "Int8",
    "owner": "string",
    "accepted_by": "string",
    "accepted_date": "datetime64[ns]",
    "review_date": "datetime64[ns]",
    "residual_description": "string",
    "status": "string",
    "deadline": "datetime64[ns]",
    "notes": "string",
}
OPTIONAL_RISK_COLUMNS = {"residual_consequence_society": "Int8"}
PROFILE_COLUMNS = {
    "area": "string",
    "max_accepted_level": "string",
    "perspective": "string",
    "approved_by": "string",
    "approved_date": "datetime64[ns]",
}
ROLE_COLUMNS = {"name": "string", "role": "string", "max_level": "string"}

REQUIRED = {
    "assets": ("asset_id",),
    "threats": ("threat_id",),
    "risks": ("risk_id", "asset_id", "threat_id", "likelihood"),
    "profile": ("area", "max_accepted_level"),
    "roles": ("name", "role", "max_level"),
}

TREATMENTS = ("mitigate", "accept", "avoid", "transfer")
STATUSES = ("open", "in_progress", "closed")
ROLES = ("top_management", "committee", "management")


class AssessmentError(ValueError):
    """An assessment built in code lacks required columns."""


def normalise(frame: pd.DataFrame | None, columns: dict[str, str], name: str) -> pd.DataFrame:
    """Give ``frame`` every column in ``columns`` with its dtype; keep extra columns."""
    if frame is None:
        frame = pd.DataFrame()
    frame = pd.DataFrame(frame).reset_index(drop=True)
    missing = [c for c in REQUIRED.get(name, ()) if c not in frame.columns]
    if missing:
        raise AssessmentError(f"{name}: mangler kolonne(r) / missing column(s): {', '.join(missing)}")
    out = {}
    for col, dtype in columns.items():
        if col in frame.columns:
            s = frame[col]
            if dtype.startswith("datetime"):
                s = pd.to_datetime(s, errors="raise").astype(dtype)
            elif dtype == "string" and not isinstance(s.dtype, pd.StringDtype):
                s = s.astype("string")
            elif dtype != "string" and s.dtype != dtype:
                s = s.astype(dtype)
            out[col] = s
        else:
            out[col] = pd.Series(pd.array([pd.NA] * len(frame), dtype=dtype), index=frame.index)
    extra = {c: frame[c] for c in frame.columns if c not in columns}
    return pd.DataFrame({**out, **extra}, index=frame.index)


@dataclass(frozen=True)
class Assessment:
    """One assessment round: assets, threats and risks, plus the optional sheets.

    ``meta`` holds the round's facts (municipality, round, assessment_date,
    prepared_by, approved_by, approved_date, matrix). ``problems`` holds every
    error and warning found when reading (empty when built in code). ``source``
    describes the input file (name, sha256, size) when read from one. ``roles``
    (the optional Roller sheet) says who may accept which level: ``name`` (as
    written in ``accepted_by``), ``role`` ("top_management" | "committee" |
    "management") and ``max_level`` (a level key or name of the matrix).
    """

    assets: pd.DataFrame
    threats: pd.DataFrame
    risks: pd.DataFrame
    profile: pd.DataFrame | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    soa: pd.DataFrame | None = None
    actions: pd.DataFrame | None = None
    wheel: pd.DataFrame | None = None
    problems: pd.DataFrame | None = None
    source: dict[str, Any] = field(default_factory=dict)
    roles: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        assets_cols = dict(ASSET_COLUMNS)
        if any(c in self.assets.columns for c in SOCIETY_COLUMNS):
            assets_cols.update(SOCIETY_COLUMNS)
        risk_cols = dict(RISK_COLUMNS)
        if "residual_consequence_society" in self.risks.columns:
            risk_cols.update(OPTIONAL_RISK_COLUMNS)
        set_ = object.__setattr__
        set_(self, "assets", normalise(self.assets, assets_cols, "assets"))
        set_(self, "threats", normalise(self.threats, THREAT_COLUMNS, "threats"))
        set_(self, "risks", normalise(self.risks, risk_cols, "risks"))
        if self.profile is not None:
            set_(self, "profile", normalise(self.profile, PROFILE_COLUMNS, "profile"))
        if self.roles is not None:
            set_(self, "roles", normalise(self.roles, ROLE_COLUMNS, "roles"))
        set_(self, "meta", dict(self.meta or {}))
        set_(self, "source", dict(self.source or {}))
        if self.problems is None:
            set_(self, "problems", empty_problems())

    @property
    def has_society(self) -> bool:
        return "consequence_society_c" in self.assets.columns

    @property
    def errors(self) -> pd.DataFrame:
        assert self.problems is not None
        return self.problems[self.problems["severity"] == "error"]

    @property
    def warnings(self) -> pd.DataFrame:
        assert self.problems is not None
        return self.problems[self.problems["severity"] == "warning"]


PROBLEM_COLUMNS = ("severity", "code", "file", "sheet", "cell", "row", "column", "value", "message_da", "message_en")


def column(frame: pd.DataFrame, name: str, dtype: str = "string") -> pd.Series:
    """``frame[name]``, or an all-missing column of ``dtype`` when an optional sheet lacks it."""
    if name in frame.columns:
        return frame[name]
    return pd.Series(pd.array([pd.NA] * len(frame), dtype=dtype), index=frame.index)


def empty_problems() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in PROBLEM_COLUMNS})
