"""The notebooks execute for real (papermill, kernel "python3") on the sample data.

The committee-report notebook in Danish and in English (every section present, in
the right language, no error output), and the analysts' explore notebook.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill as pm
import pytest
from test_reports_run import sample_pair

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return sample_pair(tmp_path_factory.mktemp("sample"))


def _run(name: str, out: Path, **params) -> nbformat.NotebookNode:
    pm.execute_notebook(
        str(NOTEBOOKS / name), str(out), parameters=params, kernel_name="python3", progress_bar=False,
        cwd=str(NOTEBOOKS),
    )  # fmt: skip
    return nbformat.read(out, as_version=4)


def _html(nb: nbformat.NotebookNode) -> str:
    return "\n".join(
        o["data"]["text/html"]
        for c in nb.cells if c.cell_type == "code"
        for o in c.get("outputs", []) if "data" in o and "text/html" in o["data"]
    )  # fmt: skip


def _errors(nb: nbformat.NotebookNode) -> list[str]:
    return [o.get("ename", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]


def test_committed_without_outputs():
    for name in ("quarterly_report.ipynb", "trend_report.ipynb", "benchmark_report.ipynb", "explore.ipynb"):
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1


@pytest.mark.parametrize("lang", ["da", "en"])
def test_quarterly_report_notebook(sample, tmp_path, lang):
    latest, previous = sample
    nb = _run("quarterly_report.ipynb", tmp_path / "out.ipynb", workbook=str(latest), previous_round=str(previous),
              lang=lang)  # fmt: skip
    assert _errors(nb) == []
    html = _html(nb)
    from isms_analysis.text import t

    keys = ["sec_summary", "sec_decisions", "sec_picture", "sec_changes", "sec_followup", "sec_appendix"]
    shown = [html.index(f"<h2>{t('committee.' + k, lang)}</h2>") for k in keys]
    assert shown == sorted(shown)  # the committee's reading order
    other = "Beslutninger" if lang == "en" else "Decisions"
    assert f"<h2>{other}</h2>" not in html
    assert 'id="escalations"' in html  # the previous round was given
    assert latest.name in html and previous.name in html  # provenance
    assert html.count("window.PlotlyConfig") == 1


def test_quarterly_report_notebook_defaults_to_the_sample(tmp_path):
    bundled = sorted((NOTEBOOKS.parent / "data" / "sample").glob("eksempel-kommune-*-Q*.xlsx"))
    if len(bundled) < 2:
        pytest.skip("the bundled sample is not generated")
    nb = _run("quarterly_report.ipynb", tmp_path / "out.ipynb", as_of="2026-12-31", matrix="datatilsynet")
    assert _errors(nb) == []
    html = _html(nb)
    assert bundled[-1].name in html and bundled[-2].name in html
    assert "Datatilsynet" in html and "31. december 2026" in html


TUTORIAL_TASKS = ("top10", "pivot", "disagree", "accepted-above", "escalations", "trend-area", "rescore-crosstab",
                  "heatmap-area", "register", "sql")  # fmt: skip


def test_explore_notebook(sample, tmp_path, monkeypatch):
    monkeypatch.setenv("ISMS_STORE", str(tmp_path / "empty.duckdb"))  # no store: the tutorial makes a scratch one
    latest, previous = sample
    nb = _run("explore.ipynb", tmp_path / "explore.ipynb", workbook=str(latest), previous_workbook=str(previous),
              other_matrix="herning", area="Skoler", out_dir=str(tmp_path / "out"))  # fmt: skip
    assert _errors(nb) == []
    ids = {c.id: c for c in nb.cells}
    for task in TUTORIAL_TASKS:
        assert ids[task].outputs, task
    assert any("application/vnd.plotly.v1+json" in o.get("data", {}) for o in ids["heatmap-area"].outputs)
    crosstab = ids["rescore-crosstab"].outputs[0]["data"]["text/plain"]
    assert "KL" in crosstab and "herning" in crosstab
    top10 = ids["top10"].outputs[0]["data"]["text/plain"]
    assert top10.count("R-") == 10
    register = tmp_path / "out" / "register-omraade.xlsx"
    assert register.exists()
    sql = ids["sql"].outputs[0]["data"]["text/plain"]
    assert "round" in sql and "level" in sql


def test_explore_notebook_names_the_closest_area(sample, tmp_path):
    from papermill.exceptions import PapermillExecutionError

    latest, previous = sample
    with pytest.raises(PapermillExecutionError) as err:
        _run("explore.ipynb", tmp_path / "explore.ipynb", workbook=str(latest), previous_workbook=str(previous),
             area="Skole", out_dir=str(tmp_path / "out"))  # fmt: skip
    assert "Mente du: Skoler?" in str(err.value)
