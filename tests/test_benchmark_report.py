"""The peer report "Hvor står vi?" rendered through the report runner (papermill +
nbconvert), checked in the HTML and in headless Chromium (offline), and the
quarterly report's optional peer section."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import sample_pair
from offline_browser import offline_page

from isms_analysis import benchmark as bm
from isms_analysis.paths import safe_name
from isms_analysis.runner import run_report

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def extracts(tmp_path_factory) -> tuple[Path, str, str]:
    """Seven made-up municipalities (two rounds) plus the sample's newest round, named."""
    from isms_analysis.municipalities import generate_municipalities, write_extracts

    d = tmp_path_factory.mktemp("extracts")
    write_extracts(generate_municipalities(7, rounds=2, risks=150, seed=5), d, seed=5)
    latest, _ = sample_pair(tmp_path_factory.mktemp("sample"))
    _, e = bm.export_benchmark(d / "eget.parquet", workbook=latest, named=True, store=d.parent / "s.duckdb")
    return d, str(e["municipality"].iloc[0]), str(e["round"].iloc[0])


@pytest.fixture(scope="module")
def rendered(extracts, tmp_path_factory) -> Path:
    d, name, _ = extracts
    return run_report("benchmark", extracts=d, municipality=name, out=tmp_path_factory.mktemp("out"), progress=False)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_benchmark_report_html(rendered: Path, extracts) -> None:
    d, name, label = extracts
    assert rendered.name == "benchmark-report.html"
    assert rendered.parent.name == safe_name(f"benchmark-{label}")
    html = rendered.read_text(encoding="utf-8")
    for sid in ("sec_risks", "sec_soa", "sec_actions", "sec_differ", "sec_method"):
        assert f'id="{sid}"' in html
    text = _text(html)
    assert f"Hvor står vi? Sammenligning med andre kommuner – {name} {label}" in text
    assert "Kommuner med udtræk for runden 8" in text
    ctx = bm.load_benchmark(d, municipality=name)
    overall = ctx.comparison[(ctx.comparison["metric"] == "risk_share") & (ctx.comparison["dim1"] == "*")]
    for row in overall.itertuples():
        assert f"{row.share * 100:.0f} %" in text
        assert f"{row.median * 100:.0f} %" in text
    # code and prompts hidden, nothing from the network
    assert "load_benchmark" not in html
    assert not re.search(r"<script[^>]+src=\"https?:", html)


def test_benchmark_report_english(extracts, tmp_path: Path) -> None:
    d, name, _ = extracts
    path = run_report("benchmark", extracts=d, municipality=name, lang="en", out=tmp_path, progress=False)
    text = _text(path.read_text(encoding="utf-8"))
    assert "Where do we stand? Comparison with other municipalities" in text
    assert "Residual risks at medium or above per KLE main group" in text
    assert "Hvor står vi" not in text


@pytest.mark.browser
def test_benchmark_report_in_chromium(rendered: Path) -> None:
    with offline_page(rendered, min_figures=1) as (page, errors, outside):
        assert errors == []
        assert outside == []
        markers = page.evaluate("document.querySelectorAll('#fig-peer-risks .scatterlayer .point').length")
        assert markers > 0
        rows = page.evaluate("document.querySelectorAll('#peer-risks tbody tr').length")
        assert rows >= 2
        page.click("#peer-risks thead th:nth-child(3)")
        first = page.evaluate("document.querySelector('#peer-risks tbody tr td:nth-child(3)').textContent")
        assert first.strip().endswith("%")


def test_quarterly_with_peers_section(extracts, tmp_path: Path) -> None:
    d, _, label = extracts
    latest, previous = sample_pair(tmp_path / "s")
    shared = Path(__file__).resolve().parents[1] / "isms_analysis" / "data" / "activities"
    path = run_report(
        "quarterly", workbook=latest, previous_round=previous, peers=d, out=tmp_path, progress=False,
        activities=shared / "eksempel-behandlingsaktiviteter.csv",
    )  # fmt: skip
    html = path.read_text(encoding="utf-8")
    assert "eksempel-behandlingsaktiviteter.csv" in html  # the list is named among the parameters
    assert 'id="peers-section"' in html
    text = _text(html)
    assert "Sammenlignet med andre kommuner" in text
    assert f"Sammenlignet med 8 kommuners udtræk for runde {label}" in text
    plain = run_report("quarterly", workbook=latest, previous_round=previous, out=tmp_path / "u", progress=False)
    assert 'id="peers-section"' not in plain.read_text(encoding="utf-8")


def test_notebook_defaults_run_on_the_sample(tmp_path: Path) -> None:
    """With no parameters the notebook compares the bundled sample with made-up peers."""
    import nbformat
    import papermill as pm

    from isms_analysis.runner import NOTEBOOKS

    out = tmp_path / "run.ipynb"
    pm.execute_notebook(str(NOTEBOOKS / "benchmark_report.ipynb"), str(out), kernel_name="python3",
                        progress_bar=False, cwd=str(NOTEBOOKS))  # fmt: skip
    nb = nbformat.read(out, as_version=4)
    html = "".join(o["data"].get("text/html", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []) if "data" in o)  # fmt: skip
    assert "Eksempel Kommune" in html
    assert "Kommuner med udtræk for runden 11 " in _text(html)
