"""Fixes from a fault-injection audit (issue 16): nothing lost, nothing overwritten, nothing
silently wrong. Each test reproduces a failure the audit found; the reader's cases (near-duplicate
sheets, booleans, far dates, wide sheets, external links) are in tests/test_bad_corpus.py."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from isms_analysis.cli import app
from isms_analysis.sample import generate
from isms_analysis.store import export_parquet, import_round

runner = CliRunner()
ISMS = Path(sys.executable).parent / "isms"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "s.duckdb"
    for a in generate(rounds=2, risks=30):
        import_round(a, path)
    return path


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# -- item 1: export-parquet never deletes what it did not write ----------------------------------
def _users_folder(root: Path) -> Path:
    """A folder holding the user's own files under names the export also uses."""
    for name in ("risks", "scores", "assets"):
        (root / name / "sub").mkdir(parents=True)
        (root / name / "notes.txt").write_text(f"my {name}", encoding="utf-8")
        (root / name / "sub" / "keep.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (root / "README.txt").write_text("mine", encoding="utf-8")
    return root


def test_export_refuses_a_non_empty_folder(store: Path, tmp_path: Path) -> None:
    out = _users_folder(tmp_path / "out")
    before = _tree(out)
    result = runner.invoke(app, ["export-parquet", str(out), "--store", str(store)])
    assert result.exit_code == 2, result.output
    assert "ikke tom" in result.output and "--force" in result.output
    assert _tree(out) == before
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []  # no staging folder left


def test_export_with_force_keeps_everything_it_did_not_write(store: Path, tmp_path: Path) -> None:
    out = _users_folder(tmp_path / "out")
    before = _tree(out)
    result = runner.invoke(app, ["export-parquet", str(out), "--store", str(store), "--force"])
    assert result.exit_code == 0, result.output
    after = _tree(out)
    assert {k: after[k] for k in before} == before  # every file of the user's is there, unchanged
    n = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{out}/risks/**/*.parquet')").fetchone()[0]
    stored = duckdb.connect(str(store), read_only=True).execute("SELECT count(*) FROM risks").fetchone()[0]
    assert n == stored > 0
    # a second export replaces its own files (and only those)
    again = runner.invoke(app, ["export-parquet", str(out), "--store", str(store), "--force"])
    assert again.exit_code == 0, again.output
    assert _tree(out) == after


def test_export_with_force_refuses_a_foreign_file_at_its_own_path(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    export_parquet(store, out)
    target = out / "rounds.parquet"
    target.write_bytes(b"the user's own file")  # changed after the export: no longer the export's
    before = _tree(out)
    result = runner.invoke(app, ["export-parquet", str(out), "--store", str(store), "--force"])
    assert result.exit_code == 2
    assert "rounds.parquet" in result.output and "Intet er ændret" in result.output
    assert _tree(out) == before


def test_export_never_follows_a_symlink_out_of_the_folder(store: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    (outside / "municipality=X").mkdir(parents=True)
    (outside / "municipality=X" / "precious.parquet").write_bytes(b"not yours")
    out = tmp_path / "out"
    out.mkdir()
    (out / "risks").symlink_to(outside, target_is_directory=True)
    for args in ([], ["--force"]):
        result = runner.invoke(app, ["export-parquet", str(out), "--store", str(store), *args])
        assert result.exit_code == 2, result.output
    assert _tree(outside) == {"municipality=X/precious.parquet": b"not yours"}
    assert sorted(p.name for p in out.iterdir()) == ["risks"]


def test_export_into_a_new_or_empty_folder(store: Path, tmp_path: Path) -> None:
    new = tmp_path / "new" / "deeper"
    written = export_parquet(store, new)
    assert (new / "rounds.parquet").is_file() and all(p.exists() for p in written)
    empty = tmp_path / "empty"
    empty.mkdir()
    export_parquet(store, empty)
    assert _tree(empty).keys() == _tree(new).keys()
    assert not [p for p in tmp_path.rglob(".*isms-export-*")]  # staging folders are gone
