"""Nothing is lost: the source workbook is never changed, and every input row is accounted for.

- ``isms import`` reads the workbook and never writes to it: its bytes (sha256), size
  and modification time are the same after a successful import, a refused re-import,
  an import of an invalid workbook and an import of a file the safety gate refuses.
- Property (hypothesis): for a Risici sheet with a random mix of good and bad rows
  (likelihood out of range or not a likelihood, unknown Aktiv-ID, blank Risiko-ID,
  duplicate Risiko-ID), ``read_workbook(strict=False)`` keeps every data row in the
  assessment, names every bad row in an error at exactly the bad cell with the right
  code, names no good row, and keeps the good values unchanged.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from isms_analysis.cli import app
from isms_analysis.workbook import read_workbook

BAD = Path(__file__).parent / "data" / "bad"
_spec = importlib.util.spec_from_file_location("make_corpus", BAD / "make_corpus.py")
mc = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("make_corpus", mc)
_spec.loader.exec_module(mc)

runner = CliRunner()
OLD = 1_600_000_000  # a fixed modification time (2020) so that any write would show


def _fingerprint(path: Path) -> tuple[str, int, int, int]:
    st_ = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), st_.st_size, st_.st_mtime_ns, st_.st_mode


def _source(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    os.utime(dst, (OLD, OLD))
    return dst


@pytest.mark.slow  # several seconds; left out by make test-fast
@pytest.mark.parametrize(
    ("file", "replace", "exit_code"),
    [
        (mc.BASELINE, False, 0),  # stored
        (mc.BASELINE, False, None),  # the same round again: refused, the stored round is not changed
        (mc.BASELINE, True, 0),  # a new version
        ("odd-ids.xlsx", False, 1),  # invalid: every problem listed, nothing stored
        ("formulas-no-cache.xlsx", False, 1),
        ("truncated.xlsx", False, 2),  # refused by the safety gate
        ("zipbomb.xlsx", False, 2),
    ],
)
def test_import_never_modifies_the_source(tmp_path: Path, file: str, replace: bool, exit_code: int | None) -> None:
    store = tmp_path / "store.duckdb"
    src = _source(BAD / file, tmp_path / file)
    if exit_code is None or replace:  # the round is in the store already
        first = runner.invoke(app, ["import", str(src), "--store", str(store)])
        assert first.exit_code == 0, first.output
        os.utime(src, (OLD, OLD))
    before = _fingerprint(src)
    args = ["import", str(src), "--store", str(store)] + (["--replace"] if replace else [])
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if exit_code is None:
        assert result.exit_code != 0 and "findes allerede" in result.output
    else:
        assert result.exit_code == exit_code, result.output
    assert _fingerprint(src) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(Path(file).stem)) == [file]


# -- every row accounted for ----------------------------------------------------------------------
KINDS = ("good", "range", "text", "asset", "blank_id", "dup_id")
R = mc.L.RISKS.da
COL = mc.RISK_COL  # field -> Excel column letter of the corpus's Risici sheet


def _workbook(kinds: list[str], path: Path) -> tuple[Path, set[tuple[str, str]], dict[int, int]]:
    """A baseline round whose Risici rows follow ``kinds``; returns the path, the expected
    errors {(code, cell)} and the likelihood each good row must keep {Excel row: value}."""
    book = mc.baseline(len(kinds))
    rows = book.sheet(R).rows
    fields = list(mc.RISK_FIELDS)
    expected: set[tuple[str, str]] = set()
    keep: dict[int, int] = {}
    ids: dict[int, str | None] = {}
    for i, kind in enumerate(kinds):
        row, r = rows[i + 1], i + 2
        row[fields.index("risk_id")] = f"R-{i + 1:03d}"
        if kind == "range":
            row[fields.index("likelihood")] = 7
            expected.add(("out_of_range", f"{COL['likelihood']}{r}"))
        elif kind == "text":
            row[fields.index("likelihood")] = "meget sandsynligt"
            expected.add(("unparseable", f"{COL['likelihood']}{r}"))
        elif kind == "asset":
            row[fields.index("asset_id")] = "A-99"
            expected.add(("unknown_reference", f"{COL['asset_id']}{r}"))
        elif kind == "blank_id":
            row[fields.index("risk_id")] = None
            expected.add(("mandatory_missing", f"{COL['risk_id']}{r}"))
        elif kind == "dup_id":
            earlier = [j for j in range(2, r) if ids.get(j)]
            if earlier:
                row[fields.index("risk_id")] = ids[earlier[0]]
        ids[r] = row[fields.index("risk_id")]
        if kind not in ("range", "text"):
            keep[r] = row[fields.index("likelihood")]
    groups: dict[str, list[int]] = {}
    for r, rid in ids.items():
        if rid:
            groups.setdefault(rid, []).append(r)
    for members in groups.values():
        if len(members) > 1:
            expected |= {("duplicate_id", f"{COL['risk_id']}{r}") for r in members}
    mc.write_xlsx(book, path)
    return path, expected, keep


@pytest.mark.slow  # several seconds; left out by make test-fast
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=24))
def test_every_row_is_in_the_assessment_or_named_in_an_error(tmp_path: Path, kinds: list[str]) -> None:
    path, expected, keep = _workbook(kinds, tmp_path / "round.xlsx")
    a = read_workbook(path, strict=False)
    all_rows = set(range(2, 2 + len(kinds)))
    errors = a.problems[(a.problems["severity"] == "error") & (a.problems["sheet"] == R)]
    named = {int(r) for r in errors["row"]}
    kept = set(a.risks["source_row"].astype(int))
    assert kept | named == all_rows
    assert kept == all_rows  # no row is dropped, bad cells are set to missing
    assert set(zip(errors["code"], errors["cell"], strict=True)) == expected
    assert len(errors) == len(expected)  # one error per bad cell
    assert a.problems[a.problems["sheet"] != R].empty  # Om, Aktiver, Trusler stay valid
    bad_rows = {r for r, k in zip(range(2, 2 + len(kinds)), kinds, strict=True) if k in ("range", "text")}
    got = dict(zip(a.risks["source_row"].astype(int), a.risks["likelihood"], strict=True))
    assert {r: int(got[r]) for r in keep} == keep
    assert all(pd.isna(got[r]) for r in bad_rows)
