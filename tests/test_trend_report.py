"""The trend report end to end: ``run_report("trend")`` and ``isms report trend`` on a
store with three code-built rounds (the rounds of test_rounds.py), then the HTML in
headless Chromium, offline.

Hand-worked numbers (KL matrix, residual risk, municipality perspective):

round 2025-Q1: R1 8 Middel, R2 9 Middel, R3 2 Lav, R5 4 UM, R6 6 UM, R7 12 Over middel,
               R8 4 UM, R9 12 Over middel -> Lav 1, UM 3, Middel 2, OM 2, Høj 0;
               to treat (Over middel or Høj): R7, R9 = 2
round 2025-Q3: R1 12 OM, R2 8 Middel, R4 4 UM, R7 3 Lav (control), R8 6 UM, R9 12 OM
               -> to treat: R1, R9 = 2
Data subjects (A1 and A3 only, consequence 2): never above Under middel -> 0 and 0.
Round 2025-Q2 closes R3 (gone) and R6 (status closed): the first-vs-last transition
table counts them in its "lukket" column.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from offline_browser import CHROMIUM, offline_page
from test_rounds import fill_store
from typer.testing import CliRunner

from isms_analysis import runner
from isms_analysis.cli import app
from isms_analysis.errors import UserError
from isms_analysis.runner import GENERATED_LINE, normalise_html, run_report

SECTIONS_DA = ("Niveauer pr. runde", "Bevægelser mellem runder", "Største bevægelser",
               "Udvikling pr. område og aktivtype", "Tid til håndtering")  # fmt: skip
SECTIONS_EN = ("Levels per round", "Movement between rounds", "Top movers", "Trends per area and asset type",
               "Time to treatment")  # fmt: skip
FIGURES = ["fig-trend-area", "fig-trend-asset_type", "fig-trend-levels", "fig-ttt"]  # no Sankey: a transition table


def cells(html: str, table_id: str) -> list[list[str]]:
    from bs4 import BeautifulSoup

    t = BeautifulSoup(html, "html.parser").find("table", id=table_id)
    assert t is not None, table_id
    return [[td.get_text().strip() for td in tr.find_all(["td", "th"])] for tr in t.find_all("tr")]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("trend") / "isms.duckdb"
    fill_store(path)
    return path


@pytest.fixture(scope="module")
def rendered(store, tmp_path_factory) -> Path:
    """The Danish trend report over all three rounds, rendered once for the module."""
    out = tmp_path_factory.mktemp("trend-out")
    return run_report("trend", store=store, out=out, progress=False)


@pytest.mark.slow
def test_trend_report_renders(rendered, store):
    assert rendered == rendered.parents[2] / "Testkommune" / "trend-2025-Q1-2025-Q3" / "trend-report.html"
    assert (rendered.parent / "trend-report.ipynb").exists()
    html = rendered.read_text(encoding="utf-8")
    assert len(GENERATED_LINE.findall(html)) == 1
    assert html.count("window.PlotlyConfig") == 1  # plotly.js once
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=[\"']?(https?:)?//", html)
    assert "<title>Trendrapport – Testkommune 2025-Q1 – 2025-Q3</title>" in html
    for heading in SECTIONS_DA:
        assert f"<h2>{heading}</h2>" in html
    for div in FIGURES:
        assert f'id="{div}"' in html
    assert "section_html(" not in html and "trend_context(" not in html  # no code shown
    assert cells(html, "headline") == [
        ["Felt", "Første runde", "Sidste runde"],
        ["Runder", "2025-Q1", "2025-Q3"],
        ["Antal runder", "3", ""],
        ["Risici", "8", "6"],
        ["Risici der skal håndteres – Kommunen", "2", "2"],
        ["Risici der skal håndteres – De registrerede", "0", "0"],
    ]
    prov = dict(tuple(r) for r in cells(html, "provenance")[1:])
    assert prov["Lager"] == store.name and prov["Parameter: municipality"] == "Testkommune"
    assert prov["Runder"] == "2025-Q1, 2025-Q2, 2025-Q3"
    assert ["Kommunen", "2025-Q1", "1", "3", "2", "2", "0"] in cells(html, "level-counts")


@pytest.mark.slow
def test_refuse_force_via_cli_and_determinism(rendered, store):
    out = rendered.parents[2]
    first = rendered.read_text(encoding="utf-8")
    with pytest.raises(UserError, match="findes allerede"):
        run_report("trend", store=store, out=out, progress=False)
    args = ["report", "trend", "--store", str(store), "--out", str(out), "--force", "--quiet"]
    if CHROMIUM.exists():
        args.append("--pdf")
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    pdf = [str(rendered.with_suffix(".pdf"))] if CHROMIUM.exists() else []
    assert r.stdout.strip().splitlines() == [str(rendered), *pdf]  # the PDF's path too with --pdf
    second = rendered.read_text(encoding="utf-8")
    assert normalise_html(second) == normalise_html(first)
    if CHROMIUM.exists():
        assert rendered.with_suffix(".pdf").read_bytes()[:5] == b"%PDF-"


@pytest.mark.slow
def test_english_and_a_range_of_rounds(store, tmp_path):
    r = CliRunner().invoke(
        app, ["report", "trend", "--store", str(store), "--first-round", "2025-Q2", "--lang", "en",
              "--out", str(tmp_path), "--quiet"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    html_path = Path(r.output.strip().splitlines()[-1])
    assert html_path == tmp_path / "Testkommune" / "trend-2025-Q2-2025-Q3" / "trend-report.html"
    html = html_path.read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    for heading in SECTIONS_EN:
        assert f"<h2>{heading}</h2>" in html
    assert "<h2>Niveauer pr. runde</h2>" not in html
    assert cells(html, "headline")[1] == ["Rounds", "2025-Q2", "2025-Q3"]
    head = cells(html, "level-counts")[0]
    assert head == ["Perspective", "Round", "Low", "Below medium", "Medium", "Above medium", "High"]


@pytest.mark.slow
def test_failed_run_keeps_the_report_and_the_failed_notebook(rendered, store, tmp_path, monkeypatch):
    nb = nbformat.read(runner.NOTEBOOKS / runner.KINDS["trend"], as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('kaput')"))
    broken = tmp_path / "broken_trend.ipynb"
    nbformat.write(nb, broken)
    monkeypatch.setitem(runner.KINDS, "trend", str(broken))
    target = rendered.parent
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    with pytest.raises(UserError) as exc:
        run_report("trend", store=store, out=target.parents[1], force=True, progress=False)
    msg = exc.value.message("da")
    assert "celle" in msg and "kaput" in msg
    failed = target / "trend-report.failed.ipynb"
    assert failed.exists()
    assert {p.name: p.read_bytes() for p in target.iterdir() if p != failed} == before
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]  # no temp folder left
    failed.unlink()


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"municipality": "Ukendt"}, "findes ikke i lageret"),
        ({"first_round": "2030-Q1"}, "findes ikke for Testkommune"),
        ({"first_round": "2025-Q3", "last_round": "2025-Q1"}, "ligger efter"),
        ({"workbook": "runde.xlsx"}, "Trendrapporten læser lageret"),
    ],
)
def test_bad_arguments_fail_before_any_work(store, tmp_path, kwargs, needle):
    with pytest.raises(UserError, match=needle):
        run_report("trend", store=store, out=tmp_path / "out", progress=False, **kwargs)
    assert not (tmp_path / "out").exists()


def test_missing_store_is_a_clear_error(tmp_path):
    r = CliRunner().invoke(app, ["report", "trend", "--store", str(tmp_path / "nope.duckdb"), "--out", str(tmp_path)])
    assert r.exit_code == 2 and "findes ikke" in r.output
    assert not (tmp_path / "nope.duckdb").exists()


# -- in the browser ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def page(rendered):
    copy = rendered.parent / "view.html"  # a copy: other tests re-render the original
    shutil.copy(rendered, copy)
    with offline_page(copy, len(FIGURES)) as opened:
        yield opened


@pytest.mark.browser
@pytest.mark.slow
def test_browser_no_errors_no_network_every_figure_drawn(page):
    pg, errors, outside = page
    assert errors == [] and outside == []
    figs = pg.evaluate(
        "Array.from(document.querySelectorAll('.isms-figure')).map(d => [d.dataset.figure,"
        " d.querySelectorAll('svg.main-svg').length])"
    )
    assert sorted(f for f, _ in figs) == FIGURES
    assert all(n >= 1 for _, n in figs)
    # stacked bars: 5 levels x 2 perspectives x 3 rounds, bars drawn where the count is > 0
    assert pg.evaluate("document.querySelectorAll('#fig-trend-levels g.point path').length") >= 8
    # the migration is a table (first vs last round), readable for any number of rounds
    assert pg.evaluate("document.querySelectorAll('#migration-municipality tbody tr').length") >= 3
    assert pg.evaluate("document.querySelectorAll('.js-plotly-plot .sankey').length") == 0
    assert pg.evaluate("document.querySelectorAll('#fig-trend-area g.trace.scatter').length") >= 2
