"""The API reference builds from the docstrings (what `make docs` runs), and every public
function that returns a frame documents its output columns and their dtypes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

import isms_analysis as isms

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow  # several seconds; left out by make test-fast
def test_make_docs_builds_the_api_reference(tmp_path: Path) -> None:
    pytest.importorskip("pdoc")
    spec = importlib.util.spec_from_file_location("build_api", ROOT / "docs" / "build_api.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    index = mod.build(tmp_path)
    assert index.exists()
    page = (tmp_path / "isms_analysis" / "scoring.html").read_text(encoding="utf-8")
    assert "asset_name" in page and "perspective" in page
    for name in ("store", "comparison", "vocabulary", "figures", "soa", "wheel"):
        assert (tmp_path / "isms_analysis" / f"{name}.html").exists()
    assert "docs/api" in (ROOT / "Makefile").read_text(encoding="utf-8")


def test_data_functions_document_every_output_column_and_dtype(tmp_path: Path) -> None:
    from conftest import three_risks

    a = three_risks()
    s = isms.score(a)
    c = isms.compare_rounds(s, isms.rescore(s, "datatilsynet"))
    frames = {
        isms.score: s,
        isms.rescore: s,
        isms.compare_rounds: c,
        isms.movers: isms.movers(c),
        isms.trend: isms.trend(s.assign(round=pd.Categorical(["2026 Q1"] * len(s)))),
        isms.time_to_treatment: None,
    }
    for fn, frame in frames.items():
        doc = fn.__doc__ or ""
        assert "dtype" in doc.lower(), fn.__name__
        if frame is not None:
            if fn in (isms.rescore, isms.movers):  # documented as "the columns of score / compare_rounds"
                doc = (isms.score if fn is isms.rescore else isms.compare_rounds).__doc__ + doc
            missing = [col for col in frame.columns if f"``{col}``" not in doc and col != "score_change"]
            assert missing == [], (fn.__name__, missing)
    for name in ("list_rounds", "load_rounds", "trend_by", "validate_workbook", "read_workbook", "due_dates",
                 "treatment_gaps", "control_effectiveness", "actions_for_high_risks", "unverified_residuals"):
        assert "dtype" in (getattr(isms, name).__doc__ or "").lower() or "Dtypes" in getattr(isms, name).__doc__, name
