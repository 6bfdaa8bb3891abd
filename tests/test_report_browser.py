"""The rendered committee report in a real headless Chromium, offline.

Renders the report from the sample (with hostile text planted in the workbook: an
asset name with a script tag and a risk owner with an image error handler), opens the
HTML from disk with networking disabled, and checks: every plotly figure rendered
(heat-map cells drawn, their texts equal the package's counts), no JavaScript
errors, no request leaves the machine, the key figures shown equal
``report.key_figures``, workbook text shows literally and never runs, and the
sortable table sorts.

Uses Debian's chromium (found on the PATH) through playwright (no browser download). Skipped
when Chromium is missing, unless ISMS_REQUIRE_BROWSER=1 (then it fails).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from offline_browser import need_browser, offline_page
from test_reports_run import sample_pair

EVIL_NAME = "<script>window.__xss=1</script><b>Ondt</b> & system"
EVIL_OWNER = '<img src=x onerror="window.__xss2=1">'

pytestmark = [pytest.mark.browser, pytest.mark.slow]




def _plant(src: Path, dst: Path, asset_id: str, risk_id: str) -> None:
    """Copy the workbook and overwrite one asset name and one risk owner."""
    import openpyxl

    from isms_analysis.layout import ASSETS, RISKS

    shutil.copy(src, dst)
    wb = openpyxl.load_workbook(dst)

    def put(sheet_title: str, key_header: str, key: str, header: str, value: str) -> None:
        ws = wb[sheet_title]
        for row in ws.iter_rows(min_row=1, max_row=15):
            heads = [str(c.value).strip() if c.value is not None else "" for c in row]
            if key_header in heads and header in heads:
                k, v = heads.index(key_header), heads.index(header)
                for r in ws.iter_rows(min_row=row[0].row + 1):
                    if str(r[k].value).strip() == key:
                        r[v].value = value
                        return
        raise AssertionError(f"{key} not found in {sheet_title}")

    put(ASSETS.da, ASSETS.column("asset_id").da, asset_id, ASSETS.column("name").da, EVIL_NAME)
    put(RISKS.da, RISKS.column("risk_id").da, risk_id, RISKS.column("owner").da, EVIL_OWNER)
    wb.save(dst)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    need_browser()
    from isms_analysis import report, score
    from isms_analysis.matrix import matrix as get_matrix
    from isms_analysis.reports import run_report
    from isms_analysis.workbook import read_workbook

    tmp = tmp_path_factory.mktemp("browser")
    latest, previous = sample_pair(tmp / "sample")
    a = read_workbook(latest)
    s = score(a, a.meta.get("matrix") or "kl")
    top = report.top_risks(s, a, n=1).iloc[0]["Risiko-ID"]
    asset = a.risks.loc[a.risks["risk_id"] == top, "asset_id"].iloc[0]
    evil = tmp / latest.name
    _plant(latest, evil, str(asset), str(top))
    html = run_report(workbook=evil, previous_round=previous, out=tmp / "out", progress=False)

    a2 = read_workbook(evil)
    m = get_matrix(a2.meta.get("matrix") or "kl")
    s2 = score(a2, m)
    prev = read_workbook(previous)
    expected_kf = report.key_figures(s2, score(prev, m), matrix=m)
    return html, s2, m, expected_kf, str(top)


@pytest.fixture(scope="module")
def page(rendered):
    with offline_page(rendered[0], 6) as opened:
        yield opened


def test_no_errors_and_no_network(page):
    pg, errors, outside = page
    assert errors == []
    assert outside == []
    srcs = pg.evaluate("Array.from(document.querySelectorAll('script[src],link[href]')).map(e => e.src || e.href)")
    assert srcs == []


def test_every_figure_rendered(page):
    pg, _, _ = page
    figs = pg.evaluate(
        "Array.from(document.querySelectorAll('.isms-figure')).map(d => [d.dataset.figure,"
        " d.querySelectorAll('svg.main-svg').length])"
    )
    assert sorted(f for f, _ in figs) == [
        "fig-control-effect", "fig-heatmaps", "fig-level-bars", "fig-perspectives", "fig-soa-coverage", "fig-wheel",
    ]  # fmt: skip
    assert all(n >= 1 for _, n in figs)
    # the follow-up sections' figures are drawn too (bars, and the wheel's markers)
    assert pg.evaluate("document.querySelectorAll('#fig-soa-coverage g.point path').length") >= 4
    assert pg.evaluate("document.querySelectorAll('#fig-control-effect g.point path').length") >= 2
    assert pg.evaluate("document.querySelectorAll('#fig-wheel g.points path.point').length") >= 4
    assert pg.evaluate("document.querySelectorAll('#fig-heatmaps g.hm image').length") == 4  # four drawn matrices
    assert pg.evaluate("document.querySelectorAll('#fig-level-bars g.point path').length") >= 10
    assert pg.evaluate("document.querySelectorAll('#fig-perspectives g.points path.point').length") >= 3


def test_heatmap_cell_texts_equal_package_counts(page, rendered):
    pg, _, _ = page
    _, s, m, _, _ = rendered
    names = m.level_names("da")
    expected = []
    for persp in ("municipality", "data_subject"):
        for stage in ("inherent", "residual"):
            sub = s[(s["perspective"] == persp) & (s["stage"] == stage)]
            counts = sub.groupby(["consequence", "likelihood"]).size()
            for c in range(1, m.n_consequence + 1):
                for li in range(1, m.n_likelihood + 1):
                    n = int(counts.get((c, li), 0))
                    expected.append(f"{n}{m.level_of(c, li).name('da')}")
    shown = pg.evaluate("Array.from(document.querySelectorAll('#fig-heatmaps text')).map(t => t.textContent)")
    pattern = re.compile(r"^\d+(" + "|".join(map(re.escape, names)) + ")$")
    assert sorted(t for t in shown if pattern.match(t)) == sorted(expected)


def test_key_figures_shown_equal_the_package(page, rendered):
    pg, _, _ = page
    expected = rendered[3]
    head = pg.evaluate("Array.from(document.querySelectorAll('#key-figures thead th')).map(c => c.textContent.trim())")
    rows = pg.evaluate(
        "Array.from(document.querySelectorAll('#key-figures tbody tr'))"
        ".map(r => Array.from(r.cells).map(c => c.textContent.trim()))"
    )
    assert head == [str(c) for c in expected.columns]
    assert rows == [[str(v) for v in row] for row in expected.itertuples(index=False)]


def test_workbook_text_is_shown_literally_and_never_runs(page, rendered):
    pg, _, _ = page
    top_id = rendered[4]
    assert pg.evaluate("typeof window.__xss") == "undefined"
    assert pg.evaluate("typeof window.__xss2") == "undefined"
    row = pg.evaluate(
        "id => Array.from(document.querySelectorAll('#top-risks tbody tr'))"
        ".map(r => Array.from(r.cells).map(c => c.textContent)).find(c => c[0] === id)",
        top_id,
    )
    assert EVIL_NAME in row and EVIL_OWNER in row
    assert pg.evaluate("document.querySelectorAll('#top-risks b, #top-risks img, #top-risks script').length") == 0


def test_sortable_table_sorts(page):
    pg, _, _ = page
    col = "Array.from(document.querySelectorAll('#top-risks tbody tr')).map(r => r.cells[0].textContent)"
    pg.click("#top-risks thead th:nth-child(1)")
    ids = pg.evaluate(col)
    assert ids == sorted(ids)
    pg.click("#top-risks thead th:nth-child(1)")
    assert pg.evaluate(col) == sorted(ids, reverse=True)


def test_decisions_are_readable_in_a_meeting(page, rendered):
    """The committee's list: every status and reason is counted in full (decided ones only
    as counts), and the breach and pending tables together list exactly the counted
    breaches and pending cases, at most 15 rows each with a line for the rest."""
    pg, _, _ = page
    rows = pg.evaluate(
        "Array.from(document.querySelectorAll('#decision-counts tbody tr'))"
        ".map(r => [r.cells[0].textContent, r.cells[1].textContent, Number(r.cells[2].textContent)])"
    )
    tables = pg.evaluate(
        "Array.from(document.querySelectorAll('table[id^=\"decisions-\"]')).map(t => [t.id, t.tBodies[0].rows.length,"
        " (t.closest('.isms-table-wrap').nextElementSibling || {}).dataset])"
    )
    assert len(rows) == 12  # every reason, zero included
    listed = sum(n for status, reason, n in rows if status != "Besluttet" and not reason.startswith("Godkendelse"))
    decided = sum(n for status, _, n in rows if status == "Besluttet")
    assert decided > 1000 and 5 <= listed <= 60  # a short list for a committee of about 1,500 risks
    shown = {tid: n for tid, n, _ in tables}
    assert set(shown) <= {"decisions-breach", "decisions-pending"}
    assert all(n <= 15 for n in shown.values())
    hidden = {tid: int(d["hidden"]) for tid, _, d in tables if d and "hidden" in d}
    assert sum(shown.values()) + sum(hidden.values()) == listed
    assert all(shown[tid] == 15 for tid in hidden)
