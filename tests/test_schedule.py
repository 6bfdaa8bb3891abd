"""Scheduled quarterly runs: the same command line every quarter renders the newest
approved round compared with the round before it in the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import sample_workbooks
from typer.testing import CliRunner

from isms_analysis.cli import app
from isms_analysis.errors import UserError
from isms_analysis.schedule import resolve
from isms_analysis.store import import_round
from isms_analysis.workbook import read_workbook

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def quarters(tmp_path_factory) -> list[Path]:
    """Three consecutive approved sample rounds (bundled, else generated)."""
    return sample_workbooks(3, tmp_path_factory.mktemp("sample"))


def _label(path: Path) -> str:
    return str(read_workbook(path).meta["round"])


@pytest.mark.slow  # reads several full sample rounds; left out by make test-fast
def test_store_without_round_takes_latest_approved_and_the_round_before(quarters, tmp_path):
    q1, q2, q3 = quarters
    store = tmp_path / "s.duckdb"
    for f in (q1, q2):
        import_round(read_workbook(f), store)
    got = resolve(store=store, round_=None, previous_round=None, municipality=None)
    assert (got.municipality, got.round, got.previous_round) == ("Eksempel Kommune", _label(q2), _label(q1))
    # the oldest round has nothing before it
    first = resolve(store=store, round_=_label(q1), previous_round=None, municipality=None)
    assert first.round == _label(q1) and first.previous_round is None
    # an explicit previous round wins
    given = resolve(store=store, round_=_label(q2), previous_round=str(q1), municipality=None)
    assert given.previous_round == str(q1)


def test_unapproved_newest_round_is_skipped(quarters, tmp_path):
    q1, q2, _ = quarters
    store = tmp_path / "s.duckdb"
    import_round(read_workbook(q1), store)
    draft = read_workbook(q2)
    draft.meta["approved_by"] = None
    draft.meta["approved_date"] = None
    import_round(draft, store)
    got = resolve(store=store, round_=None, previous_round=None, municipality=None)
    assert got.round == _label(q1) and got.previous_round is None


def test_a_round_with_an_approver_but_no_date_is_not_approved(quarters, tmp_path):
    q1, q2, _ = quarters
    store = tmp_path / "s.duckdb"
    import_round(read_workbook(q1), store)
    half = read_workbook(q2)
    half.meta["approved_date"] = None  # named, but not dated: not approved (as the decisions judge it)
    import_round(half, store)
    assert resolve(store=store, round_=None, previous_round=None, municipality=None).round == _label(q1)


def test_no_approved_round_is_a_clear_error(quarters, tmp_path):
    store = tmp_path / "s.duckdb"
    draft = read_workbook(quarters[0])
    draft.meta["approved_by"] = None
    draft.meta["approved_date"] = None
    import_round(draft, store)
    with pytest.raises(UserError, match="ingen godkendt runde"):
        resolve(store=store, round_=None, previous_round=None, municipality=None)
    with pytest.raises(UserError, match="findes ikke"):
        resolve(store=tmp_path / "none.duckdb", round_=None, previous_round=None, municipality=None)


@pytest.mark.slow  # reads several full sample rounds; left out by make test-fast
def test_workbook_is_compared_with_the_stored_round_before_it(quarters, tmp_path):
    q1, q2, q3 = quarters
    store = tmp_path / "s.duckdb"
    for f in (q1, q2):
        import_round(read_workbook(f), store)
    meta = dict(read_workbook(q3).meta)
    meta["date"] = meta["assessment_date"]
    got = resolve(store=store, round_=None, previous_round=None, municipality=None, workbook_meta=meta)
    assert got.round is None and got.previous_round == _label(q2)
    # once the workbook's round is imported too, its predecessor is still the comparison
    import_round(read_workbook(q3), store)
    again = resolve(store=store, round_=None, previous_round=None, municipality=None, workbook_meta=meta)
    assert again.previous_round == _label(q2)
    # the workbook of an earlier round compares with the round before that one
    meta2 = {**dict(read_workbook(q2).meta), "date": read_workbook(q2).meta["assessment_date"]}
    assert resolve(store=store, round_=None, previous_round=None, municipality=None,
                   workbook_meta=meta2).previous_round == _label(q1)  # fmt: skip


def test_unknown_round_lists_the_known_ones(quarters, tmp_path):
    store = tmp_path / "s.duckdb"
    import_round(read_workbook(quarters[0]), store)
    with pytest.raises(UserError, match=_label(quarters[0])):
        resolve(store=store, round_="1999 Q1", previous_round=None, municipality=None)


@pytest.mark.slow
def test_two_quarter_schedule_end_to_end(quarters, tmp_path):
    """The timer's command line, unchanged: after importing Q2 it renders Q2 (compared
    with Q1); after importing Q3 it renders Q3 compared with Q2, and prints every file."""
    q1, q2, q3 = quarters
    store, out = tmp_path / "isms.duckdb", tmp_path / "rapporter"
    runner = CliRunner()
    command = ["report", "quarterly", "--store", str(store), "--out", str(out), "--quiet", "--force"]
    for f in (q1, q2):
        assert runner.invoke(app, ["import", str(f), "--store", str(store)]).exit_code == 0
    first = runner.invoke(app, command)
    assert first.exit_code == 0, first.output
    q2_html = out / "Eksempel Kommune" / _label(q2) / "committee-report.html"
    assert first.output.strip().splitlines() == [str(q2_html)]
    assert f"Siden runde {_label(q1)} er" in q2_html.read_text(encoding="utf-8")

    assert runner.invoke(app, ["import", str(q3), "--store", str(store)]).exit_code == 0
    second = runner.invoke(app, command)
    assert second.exit_code == 0, second.output
    q3_html = out / "Eksempel Kommune" / _label(q3) / "committee-report.html"
    assert second.output.strip().splitlines() == [str(q3_html)]
    text = q3_html.read_text(encoding="utf-8")
    assert f"Siden runde {_label(q2)} er" in text
    assert "Der er ingen forrige runde at sammenligne med" not in text


@pytest.mark.slow
def test_workbook_with_store_compares_with_the_store(quarters, tmp_path):
    """The cron line: a workbook plus the store compares with the stored round before it."""
    q1, q2, q3 = quarters
    store, out = tmp_path / "isms.duckdb", tmp_path / "rapporter"
    runner = CliRunner()
    for f in (q1, q2):
        assert runner.invoke(app, ["import", str(f), "--store", str(store)]).exit_code == 0
    r = runner.invoke(app, ["report", "quarterly", "--workbook", str(q3), "--store", str(store), "--out", str(out),
                            "--quiet"])  # fmt: skip
    assert r.exit_code == 0, r.output
    text = (out / "Eksempel Kommune" / _label(q3) / "committee-report.html").read_text(encoding="utf-8")
    assert f"Siden runde {_label(q2)} er" in text

