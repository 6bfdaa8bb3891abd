"""Builders shared by several test files.

Plain functions and constants, imported by name (``from conftest import sample_pair``)
rather than pytest fixtures: most take arguments that differ per test (the rows, an
optional sheet, a folder), several are called inside a test body or while building a
module-level constant, and an explicit import says where a name comes from. A test file
that wants a builder's result cached wraps it in its own fixture with the scope it needs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from isms_analysis import Assessment

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "data" / "sample"


# -- the sample municipality's workbooks -----------------------------------------------------------
def sample_workbooks(n: int, tmp_dir: Path) -> list[Path]:
    """The newest ``n`` sample workbooks, oldest first: the bundled ones in data/sample/ when
    there are enough, else ``n`` rounds freshly generated into ``tmp_dir`` (same generator)."""
    bundled = sorted(SAMPLE_DIR.glob("eksempel-kommune-*-Q*.xlsx"))
    if len(bundled) >= n:
        return bundled[-n:]
    from isms_analysis.sample import write_sample

    return sorted(write_sample(tmp_dir, rounds=n))[-n:]


def sample_pair(tmp_dir: Path) -> tuple[Path, Path]:
    """(latest, previous) sample workbooks; see :func:`sample_workbooks`."""
    previous, latest = sample_workbooks(2, tmp_dir)
    return latest, previous


# -- small assessments built in code ---------------------------------------------------------------
def one_asset_assessment(
    likelihood: list[int],
    residual_likelihood: list[int | None],
    treatment: list[str | None],
    controls: list[str | None],
    threats: pd.DataFrame | None = None,
    **sheets: pd.DataFrame,
) -> Assessment:
    """One asset AS1 "Sagssystem": municipality C/I/A 4/3/2 (max 4), data subjects 3/3/1 (max 3),
    and one risk per entry of ``likelihood`` (R-1, R-2, ... on AS1 and threat T1). ``threats``
    defaults to T1 without a name; ``sheets`` are the optional sheets (soa, actions, wheel, ...)."""
    n = len(likelihood)
    assets = pd.DataFrame(
        {
            "asset_id": ["AS1"],
            "name": ["Sagssystem"],
            "consequence_municipality_c": [4],
            "consequence_municipality_i": [3],
            "consequence_municipality_a": [2],
            "consequence_data_subject_c": [3],
            "consequence_data_subject_i": [3],
            "consequence_data_subject_a": [1],
        }
    )
    risks = pd.DataFrame(
        {
            "risk_id": [f"R-{k}" for k in range(1, n + 1)],
            "asset_id": ["AS1"] * n,
            "threat_id": ["T1"] * n,
            "likelihood": likelihood,
            "residual_likelihood": residual_likelihood,
            "treatment": treatment,
            "controls": controls,
        }
    ).astype({"residual_likelihood": "Int8"})
    if threats is None:
        threats = pd.DataFrame({"threat_id": ["T1"]})
    return Assessment(assets=assets, threats=threats, risks=risks, **sheets)


def three_risks(problems: pd.DataFrame | None = None) -> Assessment:
    # A1: municipality max(3, 2, 4) = 4, data subjects max(4, 2, 1) = 4
    # A2: municipality max(2, 2, 1) = 2, no personal data (no data-subject rows)
    assets = pd.DataFrame(
        {
            "asset_id": ["A1", "A2"],
            "name": ["Sagssystem", "Lønsystem"],
            "area": ["Social", "Økonomi"],
            "critical": [True, False],
            "consequence_municipality_c": [3, 2],
            "consequence_municipality_i": [2, 2],
            "consequence_municipality_a": [4, 1],
            "consequence_data_subject_c": [4, None],
            "consequence_data_subject_i": [2, None],
            "consequence_data_subject_a": [1, None],
        }
    )
    threats = pd.DataFrame({"threat_id": ["T01", "T02"], "name": ["Phishing", "Ransomware"]})
    risks = pd.DataFrame(
        {
            "risk_id": ["R1", "R2", "R3"],
            "asset_id": ["A1", "A1", "A2"],
            "threat_id": ["T01", "T02", "T01"],
            "likelihood": [3, 2, 4],
            "treatment": ["mitigate", "accept", None],
            "residual_likelihood": [1, None, None],
            "owner": ["Jens", "Mette", None],
            "status": ["open", "in_progress", "open"],
            "deadline": ["2025-06-30", None, None],
        }
    )
    meta = {"municipality": "Eksempel Kommune", "round": "2025-K1", "assessment_date": "2025-03-01"}
    return Assessment(assets=assets, threats=threats, risks=risks, meta=meta, problems=problems)
