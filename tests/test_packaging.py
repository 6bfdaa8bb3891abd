"""The project's set-up: pyproject and environment.yml agree, the CLI answers."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import isms_analysis
from isms_analysis.cli import app

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_the_same_packages_as_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r) for r in py["dependencies"]} | {_name(r) for r in py["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert conda == wanted, (sorted(conda - wanted), sorted(wanted - conda))


def test_required_runtime_dependencies_are_declared():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = {_name(r) for r in py["dependencies"]}
    for name in ("pandas", "numpy", "plotly", "openpyxl", "python-calamine", "pandera", "defusedxml", "duckdb",
                 "typer", "tqdm", "papermill", "nbconvert", "ipykernel", "jupyterlab"):  # fmt: skip
        assert name in deps, name
    dev = {_name(r) for r in py["optional-dependencies"]["dev"]}
    assert {"pytest", "hypothesis", "ruff"} <= dev


def test_top_level_layout():
    for p in ("isms_analysis", "notebooks", "data", "reports", "tests", "environment.yml", "README.md",
              "pyproject.toml", "Makefile", "docs", ".ci/run", "docs/architecture.md"):  # fmt: skip
        assert (ROOT / p).exists(), p


def test_cli_version_and_help():
    runner = CliRunner()
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and r.output.strip() == f"isms-analysis {isms_analysis.__version__}"
    r = runner.invoke(app, ["--help"])
    assert r.exit_code == 0
    for command in ("template", "validate", "score", "sample", "report"):
        assert command in r.output


@pytest.mark.slow  # several seconds; left out by make test-fast
def test_console_script_is_installed():
    exe = Path(sys.executable).with_name("isms")
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("isms-analysis ")


def test_public_api_names():
    for name in ("Assessment", "read_workbook", "score", "rescore", "RiskMatrix", "matrix"):
        assert hasattr(isms_analysis, name), name
