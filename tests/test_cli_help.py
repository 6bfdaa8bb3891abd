"""The CLI speaks Danish (English with --lang en / ISMS_LANG=en), says where its store is,
and answers a file/folder mix-up with a message and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import workbook_fixtures as F
from typer.testing import CliRunner

from isms_analysis import cli_i18n
from isms_analysis.cli import app

runner = CliRunner()
COMMANDS = [[], ["template"], ["validate"], ["score"], ["sample"], ["import"], ["rounds"], ["export-parquet"],
            ["demo"], ["report"], ["report", "quarterly"], ["report", "trend"]]  # fmt: skip


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c) or "isms")
def test_help_is_danish_without_english_boilerplate(cmd, monkeypatch):
    monkeypatch.delenv("ISMS_LANG", raising=False)
    out = runner.invoke(app, [*cmd, "--help"]).output
    assert "Brug: " in out and "Vis denne hjælp og afslut." in out
    for english in ("Show this message and exit", "<bool>", "Usage:", "[default:", "Options"):
        assert english not in out, english
    assert "Tilvalg" in out


@pytest.mark.parametrize("how", ["flag", "env"])
def test_help_is_english_on_request(how, monkeypatch):
    args = ["sample", "--help"]
    if how == "flag":
        monkeypatch.delenv("ISMS_LANG", raising=False)
        args = ["sample", "--lang", "en", "--help"]
    else:
        monkeypatch.setenv("ISMS_LANG", "en")
    out = " ".join(runner.invoke(app, args).output.replace("│", " ").split())  # the help as one line
    assert "Usage: " in out and "sample" in out and "Show this message and exit." in out
    assert "Number of quarterly rounds (1-40)." in out and "Random seed" in out
    assert "Antal" not in out and "<bool>" not in out
    monkeypatch.delenv("ISMS_LANG", raising=False)
    da = " ".join(runner.invoke(app, ["sample", "--help"]).output.replace("│", " ").split())
    assert "Antal kvartalsrunder (1-40)." in da


def test_every_option_is_described_and_translated():
    from typer.main import get_command

    root = get_command(app)
    runner.invoke(app, ["--help"])  # localises once

    def walk(cmd):
        yield cmd
        for sub in getattr(cmd, "commands", {}).values():
            yield from walk(sub)

    for cmd in walk(root):
        for p in cmd.params:
            assert getattr(p, "help", None), f"{cmd.name} {p.name} has no help text"
    missing = [t for t in cli_i18n.all_help_texts(root) if t not in cli_i18n.HELP_EN]
    assert missing == []


def test_lang_of():
    assert cli_i18n.lang_of(["score", "--lang", "en"], {}) == "en"
    assert cli_i18n.lang_of(["score", "--lang=en"], {}) == "en"
    assert cli_i18n.lang_of(["score"], {"ISMS_LANG": "en"}) == "en"
    assert cli_i18n.lang_of(["score", "--lang", "da"], {"ISMS_LANG": "en"}) == "da"
    assert cli_i18n.lang_of(["score"], {}) == "da"


def test_folder_where_a_file_is_expected_and_back(tmp_path: Path):
    wb = F.write(tmp_path / "kommune.xlsx", F.workbook_data())
    folder = tmp_path / "ud"
    folder.mkdir()
    a_file = tmp_path / "note.txt"
    a_file.write_text("x")
    store = tmp_path / "s.duckdb"
    assert runner.invoke(app, ["import", str(wb), "--store", str(store)]).exit_code == 0
    cases = [
        (["score", str(wb), "-o", str(folder), "--force"], "er en mappe"),
        (["template", str(folder), "--force"], "er en mappe"),
        (["sample", str(a_file), "--rounds", "1", "--risks", "10"], "er en fil; angiv en mappe"),
        (["export-parquet", str(a_file), "--store", str(store)], "note.txt"),
        (["report", "quarterly", "--workbook", str(wb), "--out", str(a_file), "--quiet"], "note.txt"),
    ]
    for args, text in cases:
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        assert text in res.output and "Traceback" not in res.output, (args, res.output)
    en = runner.invoke(app, ["template", str(folder), "--force", "--lang", "en"])
    assert en.exit_code == 2 and "is a folder" in en.output


def test_rounds_says_where_the_store_is(tmp_path: Path, monkeypatch):
    store = tmp_path / "isms.duckdb"
    monkeypatch.setenv("ISMS_STORE", str(store))
    res = runner.invoke(app, ["rounds"])
    assert res.exit_code == 0
    assert f"lageret {store} findes ikke endnu" in res.output and "isms demo" in res.output
    trend = runner.invoke(app, ["report", "trend", "--quiet"])
    assert trend.exit_code == 2 and f"Lageret {store} findes ikke" in trend.output


def test_pdf_prints_the_pdf_path_too(tmp_path: Path, monkeypatch):
    import isms_analysis.runner as R

    html = tmp_path / "r" / "kvartalsrapport.html"
    monkeypatch.setattr(R, "run_report", lambda *a, **k: html)
    wb = F.write(tmp_path / "kommune.xlsx", F.workbook_data())
    res = runner.invoke(app, ["report", "quarterly", "--workbook", str(wb), "--pdf"])
    assert res.exit_code == 0
    assert res.stdout.splitlines() == [str(html), str(html.with_suffix(".pdf"))]


def test_chromium_is_found_on_the_path_not_at_a_fixed_place(tmp_path: Path, monkeypatch):
    from isms_analysis.browser import chromium_path

    exe = tmp_path / "bin" / "chromium"
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.delenv("ISMS_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(exe.parent))
    assert chromium_path() == exe
    monkeypatch.setenv("PATH", str(tmp_path))
    assert chromium_path() is None
    monkeypatch.setenv("ISMS_CHROMIUM", str(exe))
    assert chromium_path() == exe


def test_no_hard_coded_usr_bin_paths():
    root = Path(__file__).resolve().parents[1]
    hits = [
        str(p.relative_to(root))
        for folder in ("isms_analysis", "tests", "notebooks", "benchmarks", "docs")
        for p in (root / folder).rglob("*")
        if p.is_file() and p.suffix in (".py", ".md", ".ipynb", ".toml") and "/usr/" + "bin" in p.read_text("utf-8", "ignore")
    ]
    assert hits == [] and "/usr/" + "bin" not in (root / "README.md").read_text("utf-8")


def test_report_trend_names_its_store(tmp_path: Path, monkeypatch):
    store = tmp_path / "isms.duckdb"
    monkeypatch.setenv("ISMS_STORE", str(store))
    res = runner.invoke(app, ["report", "trend", "--out", str(tmp_path / "r")])
    assert res.exit_code == 2
    assert f"Lager: {store}" in res.output and f"Lageret {store} findes ikke" in res.output


def test_benchmark_pdf_prints_the_pdf_path_too(tmp_path: Path, monkeypatch):
    import isms_analysis.runner as R

    html = tmp_path / "r" / "benchmark-report.html"
    monkeypatch.setattr(R, "run_report", lambda *a, **k: html)
    res = runner.invoke(app, ["report", "benchmark", "--extracts", str(tmp_path), "--pdf"])
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines() == [str(html), str(html.with_suffix(".pdf"))]


@pytest.mark.slow  # several seconds; left out by make test-fast
def test_each_command_keeps_its_own_help_over_many_runs(monkeypatch):
    # every run builds new command objects; a help text must never move to another command
    monkeypatch.delenv("ISMS_LANG", raising=False)
    for _ in range(25):
        for cmd, lang in ((["show-extract"], "en"), (["sample"], "da"), (["report", "benchmark"], "en")):
            runner.invoke(app, [*cmd, "--lang", lang, "--help"])
    out = " ".join(runner.invoke(app, ["sample", "--lang", "en", "--help"]).output.replace("│", " ").split())
    assert "Write a synthetic sample municipality" in out and "benchmark extract" not in out


@pytest.mark.parametrize(
    ("args", "danish", "english"),
    [
        (["validate"], "Argumentet 'FILER...' mangler.", "Missing argument 'FILES...'."),
        (["report", "quarterly", "--nope"], "Ukendt tilvalg: --nope (mulige tilvalg:", "No such option: --nope"),
        (["score", "--matrix"], "Tilvalget '--matrix' skal have en værdi.", "Option '--matrix' requires an argument."),
        (["sample", "x", "--rounds", "0"], "Ugyldig værdi for '--rounds': værdien skal være mindst 1",
         "Invalid value for '--rounds': Input should be greater than or equal to 1"),
        (["sample", "x", "--rounds", "abc"], "Ugyldig værdi for '--rounds': skriv et helt tal", "valid integer"),
        (["valdate"], "Ukendt kommando 'valdate'. Mente du 'validate'?", "No such command 'valdate'."),
        (["rounds", "extra"], "Uventede ekstra argumenter (extra)", "Got unexpected extra argument(s) (extra)"),
    ],
)
def test_command_line_mistakes_are_told_in_danish(args, danish, english, monkeypatch):
    monkeypatch.delenv("ISMS_LANG", raising=False)
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2
    flat = " ".join(r.output.replace("│", " ").split())
    assert danish in flat and english not in flat
    monkeypatch.setenv("ISMS_LANG", "en")
    r = CliRunner().invoke(app, args)
    assert english in " ".join(r.output.replace("│", " ").split())


def test_an_unknown_message_is_left_as_typer_wrote_it():
    from isms_analysis.cli_i18n import localise_error

    assert localise_error("Something new from typer", "da") == "Something new from typer"
    assert localise_error("Missing argument 'FIL'.", "en") == "Missing argument 'FIL'."
    assert localise_error("Invalid value for '-n': Input should be less than or equal to 4", "da") == (
        "Ugyldig værdi for '-n': værdien må højst være 4"
    )
