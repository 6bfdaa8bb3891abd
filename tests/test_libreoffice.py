"""Workbooks saved by LibreOffice (.xlsx and .ods) read exactly like the original.

Needs ``soffice``; skipped when it is missing unless ISMS_REQUIRE_SOFFICE=1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import workbook_fixtures as F

from isms_analysis.workbook import read_workbook

pytestmark = [pytest.mark.slow, pytest.mark.libreoffice]

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="module")
def soffice() -> str:
    if SOFFICE is None:
        if os.environ.get("ISMS_REQUIRE_SOFFICE") == "1":
            pytest.fail("soffice (LibreOffice) is required (ISMS_REQUIRE_SOFFICE=1) but was not found")
        pytest.skip("soffice (LibreOffice) is not installed")
    return SOFFICE


def convert(soffice: str, src: Path, fmt: str, outdir: Path) -> Path:
    outdir.mkdir(parents=True, exist_ok=True)
    profile = (outdir / "lo-profile").resolve().as_uri()
    proc = subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt, "--outdir", str(outdir),
         str(src)],
        capture_output=True,
        text=True,
        timeout=180,
    )  # fmt: skip
    out = outdir / f"{src.stem}.{fmt}"
    assert proc.returncode == 0 and out.exists(), proc.stdout + proc.stderr
    return out


def assert_same(a, b) -> None:
    assert a.meta == b.meta
    for key in ("assets", "threats", "risks", "profile", "soa", "actions", "wheel"):
        pd.testing.assert_frame_equal(getattr(a, key), getattr(b, key), obj=key)
    pd.testing.assert_frame_equal(a.problems.drop(columns="file"), b.problems.drop(columns="file"))


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = F.workbook_data()
    data["assets"]["title"] = ["Aktivregister", ""]
    F.set_value(data, "risks", 0, "deadline", "30-06-2026")  # a date typed as text
    F.set_value(data, "risks", 1, "likelihood", "2 - Mindre sandsynligt")
    F.add_column(data, "risks", "Intern note", ["a", None, 3, "d"])
    F.set_value(data, "risks", 2, "owner", None)  # a warning, to compare problems too
    F.set_value(data, "assets", 2, "risk_owner", None)
    return F.write(tmp_path_factory.mktemp("lo") / "kommune.xlsx", data, two_row_assets=True, formatted_tail=3)


def test_libreoffice_xlsx_reads_identically(soffice: str, original: Path, tmp_path: Path) -> None:
    converted = convert(soffice, original, "xlsx", tmp_path / "out")
    a = read_workbook(original)
    b = read_workbook(converted)
    assert len(a.warnings) == 2
    assert_same(a, b)


def test_ods_reads_identically(soffice: str, original: Path, tmp_path: Path) -> None:
    converted = convert(soffice, original, "ods", tmp_path / "out")
    assert converted.suffix == ".ods"
    assert_same(read_workbook(original), read_workbook(converted))


def test_cached_formula_values_are_compared(soffice: str, tmp_path: Path) -> None:
    data = F.workbook_data()
    # Likelihood is column F; A-01's highest municipality consequence is 3, A-02's is 2, A-03's is 4.
    formulas = ["=3*F2", "=2*F3", "=4*F4", "=3*F5"]  # the last one is wrong: R-04 is on A-02 (2x1 = 2)
    F.add_column(data, "risks", "Risikoscore kommune", formulas, field="risk_score_municipality")
    src = F.write(tmp_path / "formler.xlsx", data)
    converted = convert(soffice, src, "xlsx", tmp_path / "out")  # LibreOffice stores the computed values
    a = read_workbook(converted)
    assert a.risks["risk_score_municipality"].tolist() == [9, 4, 16, 3]
    w = a.warnings
    assert w["code"].tolist() == ["formula_mismatch"]
    assert w["cell"].tolist() == [f"{F.col_of(data, 'risks', 'risk_score_municipality')}5"]
    assert "overskrevet formel?" in w["message_da"].item()
