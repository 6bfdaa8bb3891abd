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


# -- the report sections' small round (test_report_sections, test_figures) ---------------------------
def report_assessment(r1_likelihood: int = 4, with_r8: bool = True) -> Assessment:
    """A small code-built round (KL matrix, three assets, eight risks) with hand-computed
    levels; test_report_sections' module docstring tabulates it."""
    assets = pd.DataFrame(
        {
            "asset_id": ["A1", "A2", "A3"],
            "name": ["Journal <b>system</b>", "Økonomisystem", "Borgerservice & web"],
            "area": ["Børn og unge", "Økonomi", "Borgerservice"],
            "risk_owner": ["Anna", "Bo", "Carl"],
            "critical": [True, False, False],
            "consequence_municipality_c": [3, 2, 2],
            "consequence_municipality_i": [2, 3, 2],
            "consequence_municipality_a": [4, 1, 1],
            "consequence_data_subject_c": pd.array([4, None, 3], dtype="Int8"),
            "consequence_data_subject_i": pd.array([3, None, 2], dtype="Int8"),
            "consequence_data_subject_a": pd.array([1, None, 2], dtype="Int8"),
        }
    )
    threats = pd.DataFrame({"threat_id": ["T1", "T2"], "name": ["Phishing", "Ransomware"]})
    rows = [
        ("R1", "A1", "T1", r1_likelihood, None, None, None, None, None, "open", "2026-06-30"),
        ("R2", "A1", "T2", 1, "accept", None, None, None, None, "open", None),
        ("R3", "A2", "T2", 3, "accept", None, None, "Direktionen", "2026-05-01", "open", None),
        ("R4", "A2", "T1", 4, "accept", None, None, "Direktionen", "2026-05-01", "open", None),
        ("R5", "A3", "T1", 4, "mitigate", "5.1; 8.7", 3, None, None, "in_progress", "2026-12-31"),
        ("R6", "A3", "T2", 3, "mitigate", "8.13", 3, None, None, "open", "2026-09-01"),
        ("R7", "A2", "T1", 2, None, None, None, None, None, "closed", "2026-01-01"),
        ("R8", "A2", "T2", 1, "mitigate", None, 2, None, None, "open", None),
    ]
    if not with_r8:
        rows = rows[:-1]
    cols = [
        "risk_id", "asset_id", "threat_id", "likelihood", "treatment", "controls", "residual_likelihood",
        "accepted_by", "accepted_date", "status", "deadline",
    ]  # fmt: skip
    risks = pd.DataFrame(rows, columns=cols)
    risks["residual_likelihood"] = risks["residual_likelihood"].astype("Int8")
    risks["owner"] = pd.array([None] * len(risks), dtype="string")
    profile = pd.DataFrame({"area": ["Børn og unge", "Økonomi"], "max_accepted_level": ["Lav", "Middel"]})
    problems = pd.DataFrame(
        {
            "severity": ["warning", "error"],
            "code": ["w1", "e1"],
            "file": ["runde.xlsx", "runde.xlsx"],
            "sheet": ["Risici", "Aktiver"],
            "cell": ["G5", "B3"],
            "row": [5, 3],
            "column": ["G", "B"],
            "value": ["", ""],
            "message_da": ["Frist mangler", "Navn mangler"],
            "message_en": ["Deadline missing", "Name missing"],
        }
    )
    return Assessment(
        assets=assets,
        threats=threats,
        risks=risks,
        profile=profile,
        meta={"municipality": "Testkommune", "round": "2026 Q3", "assessment_date": pd.Timestamp("2026-09-30")},
        problems=problems,
        source={"name": "runde.xlsx", "sha256": "0123abcd" * 8, "size": 1234},
    )
