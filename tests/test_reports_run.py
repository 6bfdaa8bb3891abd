"""Rendering the committee report end to end: papermill -> nbconvert (-> Chromium PDF).

Checks the operational promises: one self-contained HTML file (plotly.js once, no
network), byte-identical output apart from the generated-at line, refusal to
overwrite without --force, atomic publishing (a failing run leaves the earlier
report untouched and keeps the failed notebook), the CLI, and the store mode.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import sample_pair
from typer.testing import CliRunner

from isms_analysis.browser import chromium_path
from isms_analysis.cli import app
from isms_analysis.errors import UserError
from isms_analysis.paths import safe_name
from isms_analysis.runner import GENERATED_LINE, normalise_html, run_report

REPO = Path(__file__).resolve().parents[1]
HAS_CHROMIUM = chromium_path() is not None


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, Path]:
    return sample_pair(tmp_path_factory.mktemp("sample"))


def test_safe_name():
    assert safe_name("Eksempel Kommune") == "Eksempel Kommune"  # unchanged: no hash
    assert safe_name("2026 Q3") == "2026 Q3"
    # changed labels carry a short hash of the exact label, so they never collide
    assert safe_name("../../etc").startswith("etc-") and len(safe_name("../../etc")) == len("etc-") + 8
    assert safe_name("Århus/Kbh: <x>").startswith("Århus-Kbh-x-")
    assert safe_name("   ").startswith("ukendt-")


def test_cli_needs_one_source(tmp_path, monkeypatch):
    # a store left by `make report` in the checkout (data/isms.duckdb) must not count as a source here
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ISMS_STORE", raising=False)
    runner = CliRunner()
    r = runner.invoke(app, ["report", "quarterly", "--out", str(tmp_path)])
    assert r.exit_code == 2
    r = runner.invoke(app, ["report", "quarterly", "--workbook", "x.xlsx", "--round", "2026 Q3"])
    assert r.exit_code == 2
    r = runner.invoke(app, ["report", "quarterly", "--workbook", str(tmp_path / "missing.xlsx")])
    assert r.exit_code == 2 and "findes ikke" in r.output


@pytest.mark.slow
def test_render_refuse_force_determinism_and_failure(sample, tmp_path):
    latest, previous = sample
    out = tmp_path / "reports"

    # 1. A first render.
    html = run_report(workbook=latest, previous_round=previous, out=out, progress=False)
    assert html == out / "Eksempel Kommune" / html.parent.name / "committee-report.html"
    assert (html.parent / "committee-report.ipynb").exists()
    first = html.read_text(encoding="utf-8")
    assert len(GENERATED_LINE.findall(first)) == 1
    assert first.count("window.PlotlyConfig") == 1  # plotly.js embedded exactly once
    assert not re.search(r"<script[^>]+src=[\"']?(https?:)?//", first)
    assert not re.search(r"<link[^>]+href=[\"']?(https?:)?//", first)
    assert 'id="fig-heatmaps"' in first
    for heading in ("Sammenfatning", "Beslutninger", "Risikobillede", "Udvikling siden forrige runde", "Bilag"):
        assert f"<h2>{heading}</h2>" in first
    assert 'html("summary"' not in first and "load_context(" not in first  # no code shown
    assert "jp-InputPrompt jp-InputArea-prompt" not in first and "jp-OutputPrompt jp-OutputArea-prompt" not in first

    # 2. Refused without --force; nothing touched.
    with pytest.raises(UserError, match="findes allerede"):
        run_report(workbook=latest, previous_round=previous, out=out, progress=False)

    # 3. With --force via the CLI (and a PDF when Chromium is here): same HTML but the timestamp line.
    args = ["report", "quarterly", "--workbook", str(latest), "--previous-round", str(previous),
            "--out", str(out), "--force", "--quiet"]  # fmt: skip
    if HAS_CHROMIUM:
        args.append("--pdf")
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    # the HTML path, then the PDF path with --pdf
    assert r.stdout.strip().splitlines() == [str(html)] + ([str(html.with_suffix(".pdf"))] if HAS_CHROMIUM else [])
    second = html.read_text(encoding="utf-8")
    assert normalise_html(second) == normalise_html(first)
    # only the documented line may differ
    diff = {a for a, b in zip(first.splitlines(), second.splitlines(), strict=True) if a != b}
    assert all(GENERATED_LINE.search(line) for line in diff)
    if HAS_CHROMIUM:
        pdf = html.with_suffix(".pdf")
        assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 50_000

    # 4. A failing run (the previous round's workbook does not exist, so a notebook cell raises):
    #    the earlier report stays as it was, the failed notebook is kept, no temp folder is left.
    before = {p.name: p.read_bytes() for p in html.parent.iterdir()}
    with pytest.raises(UserError) as exc:
        run_report(workbook=latest, previous_round=tmp_path / "gone.xlsx", out=out, force=True, progress=False)
    msg = exc.value.message("da")
    assert "celle" in msg and "gone.xlsx" in msg and "UserError" in msg
    failed = html.parent / "committee-report.failed.ipynb"
    assert failed.exists()
    after = {p.name: p.read_bytes() for p in html.parent.iterdir() if p.name != failed.name}
    assert after == before
    assert not [p for p in html.parent.parent.iterdir() if p.name.startswith(".")]

    # 5. The next successful run removes the failed notebook.
    run_report(workbook=latest, previous_round=previous, out=out, force=True, progress=False)
    assert not failed.exists()


@pytest.mark.slow
def test_store_mode_english(sample, tmp_path):
    latest, previous = sample
    from isms_analysis.store import import_round
    from isms_analysis.workbook import read_workbook

    store = tmp_path / "isms.duckdb"
    prev_a, cur_a = read_workbook(previous), read_workbook(latest)
    import_round(prev_a, store)
    import_round(cur_a, store)
    label, prev_label = str(cur_a.meta["round"]), str(prev_a.meta["round"])
    html = run_report(
        store=store, round=label, previous_round=prev_label, lang="en", out=tmp_path / "r", progress=False
    )
    text = html.read_text(encoding="utf-8")
    assert html.parent.name == safe_name(label)
    assert "<h2>Decisions</h2>" in text and '<html lang="en">' in text
    assert re.search(rf"<td>Previous round</td>\s*<td>{re.escape(prev_label)}</td>", text)  # provenance
    assert cur_a.source["sha256"] in text
    # the changes since the previous round, taken from the store by its label
    assert "<h2>Changes since the previous round</h2>" in text and f"Since round {prev_label}, " in text
    for tid in ("escalations", "change-migration-municipality", "changes-down"):
        assert f'id="{tid}"' in text
    # the follow-up comes from the stored SoA, action plan and annual wheel
    assert "<h2>Follow-up</h2>" in text and 'id="soa-coverage"' in text and 'id="wheel-quarter"' in text


def test_no_temp_dirs_left_when_refused(tmp_path, sample):
    latest, _ = sample
    from isms_analysis.workbook import read_workbook

    meta = read_workbook(latest).meta
    target = tmp_path / safe_name(meta["municipality"]) / safe_name(meta["round"])
    target.mkdir(parents=True)
    (target / "committee-report.html").write_text("earlier", encoding="utf-8")
    with pytest.raises(UserError):
        run_report(workbook=latest, out=tmp_path, progress=False)
    assert (target / "committee-report.html").read_text(encoding="utf-8") == "earlier"
    assert sorted(os.listdir(target.parent)) == [target.name]
    shutil.rmtree(tmp_path / safe_name(meta["municipality"]))


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [({"as_of": "31-31-2026"}, "Ugyldig dato"), ({"matrix": "nope"}, "Ukendt risikomatrix"), ({"kind": "x"}, "Ukendt")],
)
def test_bad_arguments_fail_before_any_work(tmp_path, sample, kwargs, needle):
    latest, _ = sample
    kind = kwargs.pop("kind", "quarterly")
    with pytest.raises(UserError, match=needle):
        run_report(kind, workbook=latest, out=tmp_path / "out", progress=False, **kwargs)
    assert not (tmp_path / "out").exists()
