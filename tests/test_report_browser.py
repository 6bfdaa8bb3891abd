"""The rendered committee report in a real headless Chromium, offline.

Renders the report from the sample (with hostile text planted in the workbook: an
asset name with a script tag and a risk owner with an image error handler), opens the
HTML from disk with networking disabled, and checks: every plotly figure rendered
(heat-map cells drawn, their texts equal the package's counts), no JavaScript
errors, no request leaves the machine, the key figures shown equal
``committee.key_figures``, workbook text shows literally and never runs, and the
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
    from isms_analysis import committee, score, sections
    from isms_analysis.matrix import matrix as get_matrix
    from isms_analysis.runner import run_report
    from isms_analysis.workbook import read_workbook

    tmp = tmp_path_factory.mktemp("browser")
    latest, previous = sample_pair(tmp / "sample")
    a = read_workbook(latest)
    m0 = get_matrix(a.meta.get("matrix") or "kl")
    s = score(a, m0)
    dec = sections.all_decisions(s, a, matrix=m0)
    top = committee.decision_table(dec, a, "pending").iloc[0]["Risiko"]  # no. 1 of the committee's list
    asset = a.risks.loc[a.risks["risk_id"] == top, "asset_id"].iloc[0]
    evil = tmp / latest.name
    _plant(latest, evil, str(asset), str(top))
    html = run_report(workbook=evil, previous_round=previous, out=tmp / "out", progress=False)

    a2 = read_workbook(evil)
    m = get_matrix(a2.meta.get("matrix") or "kl")
    s2 = score(a2, m)
    dec2 = sections.all_decisions(s2, a2, matrix=m)
    return html, s2, m, committee.round_figures(a2, s2, m), str(top), dec2


@pytest.fixture(scope="module")
def page(rendered):
    with offline_page(rendered[0], 1) as opened:
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
    assert sorted(f for f, _ in figs) == ["fig-heatmaps"]  # the committee's pages hold one figure: the matrices
    assert all(n >= 1 for _, n in figs)
    assert pg.evaluate("document.querySelectorAll('#fig-heatmaps g.hm image').length") == 4  # four drawn matrices


def test_heatmap_cell_texts_equal_package_counts(page, rendered):
    pg, _, _ = page
    _, s, m, _, _, _ = rendered
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
    from isms_analysis.render.fmt import number

    pg, _, _ = page
    figures = rendered[3]
    head = pg.evaluate("Array.from(document.querySelectorAll('#key-figures thead th')).map(c => c.textContent.trim())")
    rows = pg.evaluate(
        "Array.from(document.querySelectorAll('#key-figures tbody tr'))"
        ".map(r => Array.from(r.cells).map(c => c.textContent.trim()))"
    )
    assert head == ["Nøgletal", "Nu", "Ændring"]
    shown = {r[0]: r[1] for r in rows}
    for label, value in figures.items():
        assert shown[label] == number(value)  # "1.500": Danish thousands separator


def test_workbook_text_is_shown_literally_and_never_runs(page, rendered):
    pg, _, _ = page
    top_id = rendered[4]
    assert pg.evaluate("typeof window.__xss") == "undefined"
    assert pg.evaluate("typeof window.__xss2") == "undefined"
    row = pg.evaluate(
        "id => Array.from(document.querySelectorAll('#decisions-pending tbody tr'))"
        ".map(r => Array.from(r.cells).map(c => c.textContent)).find(c => c[1] === id)",
        top_id,
    )
    assert EVIL_NAME in row
    assert pg.evaluate("document.querySelectorAll('#decisions-pending b, #decisions-pending img, "
                       "#decisions-pending script').length") == 0  # fmt: skip


def test_sortable_table_sorts(page):
    pg, _, _ = page
    col = "Array.from(document.querySelectorAll('#decisions-pending tbody tr')).map(r => Number(r.cells[0].textContent))"
    first = pg.evaluate(col)
    assert first == sorted(first)  # numbered in order
    pg.click("#decisions-pending thead th:nth-child(1)")
    pg.click("#decisions-pending thead th:nth-child(1)")  # second click: descending
    assert pg.evaluate(col) == sorted(first, reverse=True)


def test_decisions_are_readable_in_a_meeting(page, rendered):
    """The committee's list: the pending items numbered 1..N as in the recommendation
    (at most 40 on the page, with a line for the rest), the breaches listed, the
    decided ones only as counts per reason that add up."""
    pg, _, _ = page
    dec = rendered[5]
    pending = int(((dec["status"] == "pending") & (dec["reason"] != "round_approval")).sum())
    breaches = int((dec["status"] == "breach").sum())
    decided = int((dec["status"] == "decided").sum())
    numbers = pg.evaluate(
        "Array.from(document.querySelectorAll('#decisions-pending tbody tr')).map(r => Number(r.cells[0].textContent))"
    )
    assert sorted(numbers) == list(range(1, min(pending, 40) + 1))
    assert 5 <= pending <= 60  # a short list for a committee of about 1,500 risks
    assert pg.evaluate("document.querySelectorAll('#decisions-breach tbody tr').length") == min(breaches, 15)
    counts = pg.evaluate(
        "Array.from(document.querySelectorAll('#decided-counts tbody tr'))"
        ".map(r => Number(r.cells[1].textContent.replace(/\\./g, '')))"
    )
    assert sum(counts) == decided and decided > 1000
    recommendation = pg.evaluate("document.querySelector('.isms-recommendation').textContent")
    assert f"træffe beslutning om {pending} sager" in recommendation
