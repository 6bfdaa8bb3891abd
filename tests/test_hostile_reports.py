"""Workbook text is shown as text in every report and figure, never run.

Two sample rounds get hostile text in asset names, threat names, owners, notes, area
names (also in the risk profile) and risk IDs: a script tag, an image with an error
handler, a javascript: link, plotly's own hover markup (``<b>``, ``<br>``, ``%{x}``)
and a styled span. The rounds are written as workbooks and rendered as the quarterly
report (with the previous round) and, from a temporary store, as the trend report.
Each HTML file is opened offline in headless Chromium and checked against a clean
render: the title is not changed, no dialog or page error, no script element, image,
link or event handler beyond the clean report's, and the payloads are visible
literally in the page text. The plotly figures' data hold the payloads escaped, and
a heat-map hover label shows them literally.

The notebook parameters are papermill parameters, so a round label that looks like
Python code ends up as a string: the file it would create never appears.
"""

from __future__ import annotations

import dataclasses
import html as htmlmod
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from offline_browser import ARGS, CHROMIUM, need_browser

ISMS = Path(sys.executable).parent / "isms"

SCRIPT = "<script>document.title='PWNED'</script>"
IMG = "<img src=x onerror=\"document.title='PWNED'\">"
LINK = "<a href=\"javascript:document.title='PWNED'\">klik</a>"
HOVER = "<b>fed</b><br>%{x}"
SPAN = '<span style="color:red">rød</span>'
PAYLOADS = (SCRIPT, IMG, LINK, HOVER, SPAN)

pytestmark = [pytest.mark.browser, pytest.mark.slow]




# -- the hostile rounds ---------------------------------------------------------------------------
def _poison(a, area_map: dict[str, str], risk_map: dict[str, str]):
    """The same replacements in every round: payloads in text fields, areas and risk IDs."""
    assets = a.assets.copy()
    first = assets.index[: len(PAYLOADS)]
    assets.loc[first, "name"] = [f"{p} aktiv" for p in PAYLOADS]
    assets.loc[first, "notes"] = list(PAYLOADS)
    assets.loc[assets.index[:3], "risk_owner"] = IMG
    assets["area"] = assets["area"].replace(area_map)
    threats = a.threats.copy()
    threats.loc[threats.index[: len(PAYLOADS)], "name"] = [f"{p} trussel" for p in PAYLOADS]
    risks = a.risks.copy()
    risks["risk_id"] = risks["risk_id"].replace(risk_map)
    risks.loc[risks.index[:10], "owner"] = SPAN
    risks.loc[risks.index[:10], "notes"] = LINK
    profile = a.profile.copy() if a.profile is not None else None
    if profile is not None:
        profile["area"] = profile["area"].replace(area_map)
    return dataclasses.replace(a, assets=assets, threats=threats, risks=risks, profile=profile)


def _rounds():
    from isms_analysis.sample import generate

    rounds = generate(rounds=2, risks=120)
    areas = sorted(rounds[-1].assets["area"].dropna().unique())
    area_map = {areas[0]: SCRIPT, areas[1]: HOVER}
    ids = rounds[-1].risks["risk_id"].tolist()
    risk_map = {ids[0]: SCRIPT, ids[1]: IMG, ids[2]: HOVER}
    return rounds, [_poison(a, area_map, risk_map) for a in rounds]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Path]:
    """Clean and hostile quarterly reports, and the hostile trend report."""
    from isms_analysis.runner import KINDS, run_report
    from isms_analysis.store import import_round
    from isms_analysis.template import write_workbook
    from isms_analysis.workbook import read_workbook

    tmp = tmp_path_factory.mktemp("hostile")
    clean, hostile = _rounds()
    out: dict[str, Path] = {}
    for name, rounds in (("clean", clean), ("hostile", hostile)):
        books = [write_workbook(a, tmp / f"{name}-{i}.xlsx") for i, a in enumerate(rounds)]
        out[f"{name}-quarterly"] = run_report(
            "quarterly", workbook=books[-1], previous_round=books[0], out=tmp / f"out-{name}", progress=False
        )
        if name == "hostile" and "trend" in KINDS:
            store = tmp / "store.duckdb"
            for b in books:
                import_round(read_workbook(b), store)  # the workbook accepts every payload as text
            out["hostile-trend"] = run_report("trend", store=store, out=tmp / "out-trend", progress=False)
    return out


def test_hostile_workbook_reads_back_literally(tmp_path: Path) -> None:
    from isms_analysis.template import write_workbook
    from isms_analysis.workbook import read_workbook

    _, hostile = _rounds()
    back = read_workbook(write_workbook(hostile[-1], tmp_path / "h.xlsx"))
    assert set(PAYLOADS) <= set(back.assets["notes"].dropna())
    assert {SCRIPT, IMG, HOVER} <= set(back.risks["risk_id"])
    assert SCRIPT in set(back.assets["area"])


# -- in the browser -------------------------------------------------------------------------------
_PLOTLY_STRINGS = """() => {
  const out = [];
  const walk = (v) => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  document.querySelectorAll('.js-plotly-plot').forEach((gd) => {
    (gd.data || []).forEach((tr) => ['text', 'hovertext', 'customdata', 'x', 'y', 'name', 'hovertemplate',
                                     'texttemplate'].forEach((k) => walk(tr[k])));
    walk(((gd.layout || {}).annotations || []).map((a) => a.text));
  });
  return out;
}"""

_COUNTS = """() => ({
  scripts: document.scripts.length,
  figures: document.querySelectorAll('.isms-figure').length,
  images: document.images.length,
  links: document.querySelectorAll('a').length,
  js_links: document.querySelectorAll('a[href^="javascript:" i]').length,
  handlers: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some(
      (at) => at.name.toLowerCase().startsWith('on'))).length,
  styled_spans: document.querySelectorAll('span[style*="color:red"], span[style*="color: red"]').length,
  bold: [...document.querySelectorAll('b')].filter((e) => e.textContent === 'fed').length,
})"""


def _open(html: Path) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(offline=True, viewport={"width": 1280, "height": 1000})
            outside: list[str] = []
            context.route(
                re.compile(r"^(https?|wss?)://"), lambda route: (outside.append(route.request.url), route.abort())
            )
            page = context.new_page()
            dialogs: list[str] = []
            errors: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(html.resolve().as_uri(), wait_until="load")
            page.wait_for_timeout(500)
            result = {
                "title": page.evaluate("document.title"),
                "text": page.inner_text("body"),
                "html": html.read_text(encoding="utf-8"),
                "counts": page.evaluate(_COUNTS),
                "plotly": page.evaluate(_PLOTLY_STRINGS),
                "hover": _heatmap_hover(page),
                "dialogs": dialogs,
                "errors": errors,
                "outside": outside,
            }
            context.close()
            return result
        finally:
            browser.close()


def _heatmap_hover(page) -> str:
    """Move the mouse over heat-map cells whose hover text names a payload; the hover labels' text."""
    points = page.evaluate(
        """() => {
      const out = [];
      document.querySelectorAll('.js-plotly-plot').forEach((gd, g) => {
        (gd.data || []).forEach((tr) => {
          if (tr.type !== 'heatmap' || !tr.hovertext) return;
          const xa = gd._fullLayout['xaxis' + (tr.xaxis || 'x').slice(1)];
          const ya = gd._fullLayout['yaxis' + (tr.yaxis || 'y').slice(1)];
          tr.hovertext.forEach((row, i) => row.forEach((h, j) => {
            if (typeof h !== 'string' || !h.includes('PWNED')) return;
            gd.scrollIntoView();
            const box = gd.getBoundingClientRect();
            out.push([g, box.left + xa._offset + xa.d2p(tr.x[j]), box.top + ya._offset + ya.d2p(tr.y[i])]);
          }));
        });
      });
      return out.slice(0, 4);
    }"""
    )
    texts = []
    for g, x, y in points:
        page.evaluate(f"document.querySelectorAll('.js-plotly-plot')[{g}].scrollIntoView()")
        page.mouse.move(x, y)
        page.wait_for_timeout(300)
        texts.append(
            page.evaluate(f"document.querySelectorAll('.js-plotly-plot')[{g}].querySelector('.hoverlayer').textContent")
        )
    return "\n".join(texts)


@pytest.fixture(scope="module")
def pages(rendered: dict[str, Path]) -> dict[str, dict]:
    need_browser()
    return {name: _open(path) for name, path in rendered.items()}


@pytest.mark.parametrize("kind", ["quarterly", "trend"])
def test_payloads_never_run(pages: dict[str, dict], kind: str) -> None:
    if f"hostile-{kind}" not in pages:
        pytest.skip(f"no '{kind}' report kind yet")
    page, clean = pages[f"hostile-{kind}"], pages["clean-quarterly"]
    assert page["title"] != "PWNED"
    assert page["dialogs"] == [] and page["errors"] == [] and page["outside"] == []
    c = page["counts"]
    if kind == "quarterly":  # the same report with other text: nothing may be added
        assert c["scripts"] == clean["counts"]["scripts"]
        assert c["images"] == clean["counts"]["images"]
        assert c["links"] == clean["counts"]["links"]
    else:  # the trend report: no more scripts than a report has of its own (the page's, one per figure)
        assert c["scripts"] <= clean["counts"]["scripts"] - clean["counts"]["figures"] + c["figures"]
        assert c["images"] == 0
    assert c["js_links"] == 0 and c["handlers"] == 0
    assert c["styled_spans"] == 0 and c["bold"] == 0


@pytest.mark.parametrize("kind", ["quarterly", "trend"])
def test_payloads_show_literally(pages: dict[str, dict], kind: str) -> None:
    if f"hostile-{kind}" not in pages:
        pytest.skip(f"no '{kind}' report kind yet")
    text = pages[f"hostile-{kind}"]["text"]
    # the areas (script tag, hover markup) appear in both reports
    assert SCRIPT in text
    assert HOVER in text
    if kind == "quarterly":  # every payload the committee's pages show (its risks are listed) shows as text
        source = pages[f"hostile-{kind}"]["html"]
        shown = [p for p in PAYLOADS if htmlmod.escape(p, quote=False) in source]
        assert len(shown) >= 2
        for payload in shown:
            assert payload in text, payload


@pytest.mark.parametrize("kind", ["quarterly", "trend"])
def test_figure_data_holds_payloads_escaped(pages: dict[str, dict], kind: str) -> None:
    if f"hostile-{kind}" not in pages:
        pytest.skip(f"no '{kind}' report kind yet")
    strings = pages[f"hostile-{kind}"]["plotly"]
    with_payload = [s for s in strings if "PWNED" in s or "fed" in s or "color:red" in s]
    for s in with_payload:
        for raw in ("<script", "<img", "<a href", "<b>fed", "<span style"):
            assert raw not in s, s[:300]
    if kind == "quarterly":
        assert any("&lt;script&gt;document.title=" in s for s in strings), "the risk IDs are in the heat map"


def test_heatmap_hover_label_shows_the_payload_as_text(pages: dict[str, dict]) -> None:
    hover = pages["hostile-quarterly"]["hover"]
    assert hover, "a heat-map cell lists the hostile risk IDs"
    assert SCRIPT in hover or IMG in hover


# -- parameter injection --------------------------------------------------------------------------
def _injection_label(tmp_path: Path) -> tuple[str, Path]:
    marker = tmp_path / "isms-pwned"
    return f'2026Q3"; import os; os.system("touch {marker}")', marker


def _parameters_are_literals(notebook: Path) -> str:
    """The papermill parameters cell holds only ``name = <literal>`` assignments; its source."""
    import ast

    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if "injected-parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, "papermill injected the parameters"
    source = "".join(cells[0]["source"])
    for node in ast.parse(source).body:
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant), ast.dump(node)
    return source


def _safe_folder(name: str) -> bool:
    """Letters, digits, '-', '_', '.' and single inner spaces; at most 255 bytes (one path component)."""
    return (
        bool(re.fullmatch(r"[\w.\-]+( [\w.\-]+)*", name))
        and name not in (".", "..")
        and len(name.encode("utf-8")) <= 255
    )


def test_round_label_and_municipality_are_data_not_code(tmp_path: Path) -> None:
    from isms_analysis.runner import run_report
    from isms_analysis.sample import generate
    from isms_analysis.template import write_workbook

    label, marker = _injection_label(tmp_path)
    a = generate(rounds=1, risks=60)[0]
    municipality = "Kommune \"'\n'''\"\"\"\nimport os; os.system('touch " + str(marker) + "')"
    a = dataclasses.replace(a, meta={**a.meta, "round": label, "municipality": municipality})
    book = write_workbook(a, tmp_path / "inject.xlsx")
    out = tmp_path / "out"
    try:
        html = run_report("quarterly", workbook=book, out=out, progress=False)
    except Exception as exc:  # failing cleanly is allowed; running the text is not
        from isms_analysis.errors import UserError

        assert isinstance(exc, UserError), repr(exc)
    else:
        rel = html.relative_to(out)
        assert all(_safe_folder(part) for part in rel.parts), rel
        source = _parameters_are_literals(html.with_suffix(".ipynb"))
        assert "os.system" not in source  # the round comes from the workbook, not from a parameter
    assert not marker.exists()
    for p in out.rglob("*"):
        assert _safe_folder(p.name), p


def test_round_label_on_the_command_line(tmp_path: Path) -> None:
    if not ISMS.exists():
        pytest.skip("console script not installed")
    from isms_analysis.sample import generate
    from isms_analysis.store import import_round

    label, marker = _injection_label(tmp_path)
    a = generate(rounds=1, risks=60)[0]
    a = dataclasses.replace(a, meta={**a.meta, "round": label})
    store = tmp_path / "store.duckdb"
    import_round(a, store)
    out = tmp_path / "out"
    proc = subprocess.run(
        [str(ISMS), "report", "quarterly", "--store", str(store), "--round", label, "--out", str(out), "--quiet"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert "Traceback" not in proc.stdout + proc.stderr
    assert not marker.exists()
    if proc.returncode == 0:
        html = Path(proc.stdout.strip().splitlines()[-1])
        assert html.exists()
        rel = html.relative_to(out)
        assert all(_safe_folder(part) for part in rel.parts), rel
        source = _parameters_are_literals(html.with_suffix(".ipynb"))
        assert "os.system" in source  # the label is a parameter: a string literal, nothing more
        page = html.read_text(encoding="utf-8")
        escaped = (label.replace('"', "&quot;"), label.replace('"', "&#34;"))  # pandas' or Jinja2's escaping
        assert any(e in page for e in escaped)  # the label is shown, escaped, as text
    else:
        assert proc.returncode in (1, 2), proc.stderr
    for p in out.rglob("*") if out.exists() else []:
        assert _safe_folder(p.name), p
