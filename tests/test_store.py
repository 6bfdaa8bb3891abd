"""The DuckDB store of approved rounds: round trip, immutability, versions,
crash safety (a killed import), a busy store and a damaged file."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from isms_analysis import Assessment, score
from isms_analysis.errors import UserError
from isms_analysis.matrix import matrix
from isms_analysis.store import (
    PAUSE_ENV,
    RoundExists,
    RoundNotFound,
    StoreBusy,
    StoreCorrupt,
    export_parquet,
    import_round,
    list_rounds,
    load_matrix,
    load_round,
    load_rounds,
    load_scores,
    store_path,
)

TESTS = Path(__file__).resolve().parent
PYTHON = sys.executable


def build(round_: str = "2025-Q1", likelihood: int = 2, municipality: str = "Testkommune", extra: bool = False) -> Assessment:
    """A small approved round; ``likelihood`` is R1's likelihood (to tell versions apart)."""
    assets = pd.DataFrame(
        {
            "asset_id": ["A1", "A2"],
            "name": ["Sagssystem", "Lønsystem"],
            "type": ["it_system", "it_system"],
            "area": ["Børn og unge", "Økonomi"],
            "critical": [True, False],
            "consequence_municipality_c": [4, 3],
            "consequence_municipality_i": [2, 2],
            "consequence_municipality_a": [3, 1],
            "consequence_data_subject_c": [4, None],
            "consequence_data_subject_i": [2, None],
            "consequence_data_subject_a": [1, None],
        }
    )
    threats = pd.DataFrame({"threat_id": ["T1", "T2"], "name": ["Phishing", "Ransomware"], "affects_c": [True, False]})
    risks = pd.DataFrame(
        {
            "risk_id": ["R1", "R2", "R3"],
            "asset_id": ["A1", "A1", "A2"],
            "threat_id": ["T1", "T2", "T1"],
            "likelihood": [likelihood, 3, 4],
            "treatment": ["mitigate", "accept", None],
            "controls": ["5.15; 8.7", None, "8.13"],
            "residual_likelihood": [1, None, None],
            "accepted_by": [None, "Direktionen", None],
            "accepted_date": [None, "2025-02-01", None],
            "status": ["in_progress", "open", "open"],
        }
    )
    if extra:
        risks["custom_note"] = ["a", "b", None]
    profile = pd.DataFrame({"area": ["Børn og unge"], "max_accepted_level": ["Lav"]})
    soa = pd.DataFrame({"control_id": ["5.15", "8.7"], "title": ["Adgangsstyring", "Malware"],
                        "applicable": [True, "Ja"] if extra else [True, False]},
                       index=pd.Index([5, 7], name="source_row"))  # fmt: skip
    return Assessment(
        assets=assets,
        threats=threats,
        risks=risks,
        profile=profile,
        soa=soa,
        meta={
            "municipality": municipality,
            "round": round_,
            "assessment_date": dt.date(2025, 3, 1),
            "prepared_by": "ISK",
            "approved_by": "Informationssikkerhedsudvalget",
            "approved_date": dt.date(2025, 3, 15),
            "matrix": "KL",
        },
        source={"name": f"{round_}.xlsx", "sha256": "ab" * 32, "size": 1234},
    )


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "isms.duckdb"


def test_round_trip(store: Path) -> None:
    a = build()
    info = import_round(a, store)
    assert info == {"municipality": "Testkommune", "round": "2025-Q1", "version": 1, "risks": 3,
                    "sha256": "ab" * 32, "replaced": False, "store": str(store)}  # fmt: skip
    back = load_round(store, "Testkommune", "2025-Q1")
    for name in ("assets", "threats", "risks", "profile"):
        assert_frame_equal(getattr(back, name), getattr(a, name), check_dtype=True)
    assert back.soa["applicable"].tolist() == [True, False]
    assert back.soa.index.name == "source_row" and back.soa.index.tolist() == [5, 7]
    assert back.meta["approved_by"] == "Informationssikkerhedsudvalget"
    assert back.meta["assessment_date"] == dt.date(2025, 3, 1)
    assert back.meta["version"] == 1 and back.meta["superseded"] is False
    assert back.source == {"name": "2025-Q1.xlsx", "sha256": "ab" * 32, "size": 1234}

    scores = load_scores(store, "Testkommune", "2025-Q1")
    expected = score(a, "kl")
    assert_frame_equal(scores, expected)  # category dtypes (ordered levels too) restored
    assert isinstance(scores["risk_id"].dtype, pd.CategoricalDtype)
    assert scores.attrs["matrix"] == "KL"
    assert scores.attrs["tolerance"] == {"Børn og unge": "Lav"}
    assert load_matrix(store, "Testkommune", "2025-Q1") == matrix("kl")


def test_list_rounds(store: Path) -> None:
    assert list_rounds(store).empty and not store.exists()  # listing does not create a store
    import_round(build("2025-Q2"), store)
    import_round(build("2025-Q1"), store)
    rounds = list_rounds(store)
    assert rounds["round"].tolist() == ["2025-Q1", "2025-Q2"]
    first = rounds.iloc[0]
    assert (first["municipality"], first["risks"], first["version"], first["superseded"]) == ("Testkommune", 3, 1, False)
    assert first["approved_by"] == "Informationssikkerhedsudvalget"
    assert first["approved_date"] == pd.Timestamp("2025-03-15") and first["date"] == pd.Timestamp("2025-03-01")
    assert first["sha256"] == "ab" * 32 and first["matrix"] == "KL"
    for col in ("municipality", "round", "date", "risks", "approved_by", "approved_date", "sha256", "version", "superseded"):
        assert col in rounds.columns


def test_round_is_immutable_and_replace_keeps_the_old_version(store: Path) -> None:
    import_round(build(likelihood=2), store)
    with pytest.raises(RoundExists) as err:
        import_round(build(likelihood=4), store)
    assert "findes allerede" in err.value.message("da") and "--replace" in err.value.message("da")
    assert "already in the store" in err.value.message("en")
    assert isinstance(err.value, UserError)
    assert len(list_rounds(store)) == 1

    info = import_round(build(likelihood=4), store, replace=True)
    assert info["version"] == 2 and info["replaced"]
    rounds = list_rounds(store)
    assert rounds[["version", "superseded"]].values.tolist() == [[1, True], [2, False]]
    assert load_round(store, "Testkommune", "2025-Q1").risks["likelihood"].iloc[0] == 4
    assert load_round(store, "Testkommune", "2025-Q1", version=1).risks["likelihood"].iloc[0] == 2
    assert load_round(store, "Testkommune", "2025-Q1", version=1).meta["superseded"] is True
    history = load_rounds(store)
    assert set(history["likelihood"][(history["risk_id"] == "R1") & (history["stage"] == "inherent")]) == {4}
    with pytest.raises(RoundNotFound):
        load_round(store, "Testkommune", "2025-Q1", version=3)


def test_store_path_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ISMS_STORE", raising=False)
    assert store_path() == Path("data") / "isms.duckdb"
    monkeypatch.setenv("ISMS_STORE", str(tmp_path / "env.duckdb"))
    assert store_path() == tmp_path / "env.duckdb"
    assert store_path(tmp_path / "explicit.duckdb") == tmp_path / "explicit.duckdb"
    import_round(build())
    assert (tmp_path / "env.duckdb").exists()
    assert list_rounds()["round"].tolist() == ["2025-Q1"]


def test_columns_differing_between_rounds(store: Path) -> None:
    import_round(build("2025-Q1"), store)
    import_round(build("2025-Q2", extra=True), store)  # extra risk column, soa "applicable" now text
    q1 = load_round(store, "Testkommune", "2025-Q1")
    q2 = load_round(store, "Testkommune", "2025-Q2")
    assert "custom_note" not in q1.risks.columns
    assert q2.risks["custom_note"].tolist()[:2] == ["a", "b"]
    assert q1.soa["applicable"].dtype == bool and q1.soa["applicable"].tolist() == [True, False]
    assert q2.soa["applicable"].tolist() == ["True", "Ja"]


def test_load_rounds_history(store: Path) -> None:
    import_round(build("2025-Q1", likelihood=2), store)
    import_round(build("2025-Q2", likelihood=4), store)
    import_round(build("2025-Q1", municipality="Andenkommune"), store)
    history = load_rounds(store, municipality="Testkommune")
    assert list(history["round"].cat.categories) == ["2025-Q1", "2025-Q2"]
    assert set(history["municipality"].astype(str)) == {"Testkommune"}
    assert isinstance(history["level"].dtype, pd.CategoricalDtype) and history["level"].cat.ordered
    r1 = history[(history["risk_id"] == "R1") & (history["perspective"] == "municipality") & (history["stage"] == "inherent")]
    # A1 municipality max consequence 4: 4x2 = 8 Middel, then 4x4 = 16 Høj
    assert r1["level"].astype(str).tolist() == ["Middel", "Høj"]
    assert r1["controls"].astype(str).tolist() == ["5.15; 8.7", "5.15; 8.7"]
    assert r1["asset_name"].astype(str).tolist() == ["Sagssystem", "Sagssystem"]
    assert history.attrs["sha256"] == {"2025-Q1": "ab" * 32, "2025-Q2": "ab" * 32}
    only_q2 = load_rounds(store, "Testkommune", rounds=["2025-Q2"])
    assert set(only_q2["round"].astype(str)) == {"2025-Q2"}
    with pytest.raises(RoundNotFound):
        load_rounds(store, "Testkommune", rounds=["2030-Q1"])


def test_export_parquet(store: Path, tmp_path: Path) -> None:
    import_round(build("2025-Q1"), store)
    import_round(build("2025-Q1", likelihood=4), store, replace=True)
    import_round(build("2025-Q2"), store)
    out = tmp_path / "parquet"
    export_parquet(store, out)
    part = out / "scores" / "municipality=Testkommune" / "round=2025-Q1"
    assert part.is_dir() and list(part.glob("*.parquet"))
    con = duckdb.connect()
    risks = con.execute(
        f"SELECT municipality, round, version, risk_id, likelihood FROM read_parquet('{out}/risks/**/*.parquet', "
        "hive_partitioning = true) ORDER BY round, risk_id"
    ).fetchall()
    # only the current version of 2025-Q1 (version 2, R1 likelihood 4)
    assert [r[:4] for r in risks] == [("Testkommune", "2025-Q1", 2, "R1"), ("Testkommune", "2025-Q1", 2, "R2"),
                                      ("Testkommune", "2025-Q1", 2, "R3"), ("Testkommune", "2025-Q2", 1, "R1"),
                                      ("Testkommune", "2025-Q2", 1, "R2"), ("Testkommune", "2025-Q2", 1, "R3")]  # fmt: skip
    assert risks[0][4] == 4
    n_scores = con.execute(f"SELECT count(*) FROM read_parquet('{out}/scores/**/*.parquet')").fetchone()[0]
    assert n_scores == 2 * len(score(build(), "kl"))
    assert con.execute(f"SELECT count(*) FROM '{out}/rounds.parquet'").fetchone()[0] == 3


# -- crash safety and concurrency ----------------------------------------------------------
IMPORTER = """
import sys
sys.path.insert(0, {tests!r})
from test_store import build
from isms_analysis.store import import_round
import_round(build({round!r}), {store!r})
print("done", flush=True)
"""


def start_import(store: Path, round_: str, pause: str | None) -> subprocess.Popen:
    env = dict(os.environ)
    env.pop(PAUSE_ENV, None)
    if pause:
        env[PAUSE_ENV] = f"{pause}:60"
    code = IMPORTER.format(tests=str(TESTS), round=round_, store=str(store))
    return subprocess.Popen([PYTHON, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_pause(proc: subprocess.Popen, point: str) -> None:
    for line in proc.stderr:
        if line.strip() == f"{PAUSE_ENV} {point}":
            return
    proc.wait()
    raise AssertionError(f"the importer ended before {point}: rc={proc.returncode}")


@pytest.mark.slow  # several seconds; left out by make test-fast
@pytest.mark.parametrize("point", ["begin", "assets", "risks", "scores", "commit"])
def test_killed_import_leaves_the_store_as_before(store: Path, point: str) -> None:
    import_round(build("2025-Q1"), store)
    proc = start_import(store, "2025-Q2", point)
    try:
        wait_for_pause(proc, point)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    rounds = list_rounds(store)
    assert rounds["round"].tolist() == ["2025-Q1"]
    assert len(load_scores(store, "Testkommune", "2025-Q1")) == len(score(build(), "kl"))
    with pytest.raises(RoundNotFound):
        load_round(store, "Testkommune", "2025-Q2")
    # the same round imports cleanly afterwards, with no leftovers of the killed one
    assert import_round(build("2025-Q2"), store)["version"] == 1
    assert len(load_round(store, "Testkommune", "2025-Q2").risks) == 3


def test_killed_first_import_leaves_an_empty_store(store: Path) -> None:
    proc = start_import(store, "2025-Q1", "scores")
    try:
        wait_for_pause(proc, "scores")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert list_rounds(store).empty
    assert import_round(build("2025-Q1"), store)["version"] == 1


def test_concurrent_import_gets_busy_message(store: Path) -> None:
    import_round(build("2025-Q1"), store)
    proc = start_import(store, "2025-Q2", "risks")
    try:
        wait_for_pause(proc, "risks")
        with pytest.raises(StoreBusy) as err:
            import_round(build("2025-Q3"), store)
        assert "Lageret er optaget" in err.value.message("da")
        assert "store is busy" in err.value.message("en")
        with pytest.raises(StoreBusy):
            list_rounds(store)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert list_rounds(store)["round"].tolist() == ["2025-Q1"]


def test_import_waits_for_nothing_when_free(store: Path) -> None:
    proc = start_import(store, "2025-Q1", None)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert out.strip() == "done"
    assert list_rounds(store)["round"].tolist() == ["2025-Q1"]


# -- damaged files ---------------------------------------------------------------------------
def test_truncated_store_is_reported(store: Path) -> None:
    import_round(build("2025-Q1"), store)
    import_round(build("2025-Q2"), store)
    data = store.read_bytes()
    store.write_bytes(data[: len(data) // 2])
    with pytest.raises(StoreCorrupt) as err:
        list_rounds(store)
    assert "beskadiget" in err.value.message("da") and "damaged" in err.value.message("en")
    with pytest.raises(StoreCorrupt):
        import_round(build("2025-Q3"), store)
    assert store.read_bytes() == data[: len(data) // 2]  # not "repaired" or overwritten


def test_garbage_and_foreign_files_are_reported(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.duckdb"
    garbage.write_bytes(b"not a database " * 100)
    with pytest.raises(StoreCorrupt):
        list_rounds(garbage)
    foreign = tmp_path / "foreign.duckdb"
    con = duckdb.connect(str(foreign))
    con.execute("CREATE TABLE something (x INTEGER)")
    con.close()
    with pytest.raises(StoreCorrupt) as err:
        import_round(build(), foreign)
    assert "ikke et isms-lager" in err.value.message("da")


def test_round_without_identity_is_refused(store: Path) -> None:
    a = build()
    bare = Assessment(a.assets, a.threats, a.risks, meta={"round": "2025-Q1"})
    with pytest.raises(UserError) as err:
        import_round(bare, store)
    assert err.value.exit_code == 1 and "kommune" in err.value.message("da")


# -- the CLI ----------------------------------------------------------------------------------
def write_workbook(path: Path, round_: str = "2025-Q1", likelihood: object = 2) -> Path:
    """A minimal KL-style workbook (Danish headers) the reader accepts."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Om"
    ws.append(["Felt", "Værdi"])
    for row in (("Kommune", "Testkommune"), ("Runde", round_), ("Vurderingsdato", dt.date(2025, 3, 1)),
                ("Godkendt af", "Udvalget"), ("Godkendt dato", dt.date(2025, 3, 15)), ("Matrix", "KL")):  # fmt: skip
        ws.append(list(row))
    ws = wb.create_sheet("Aktiver")
    ws.append(["Aktiv-ID", "Aktiv", "Område", "Risikoejer", "Konsekvens kommune F", "Konsekvens kommune I",
               "Konsekvens kommune T"])  # fmt: skip
    ws.append(["A1", "Sagssystem", "IT", "ISK", 4, 2, 3])
    ws = wb.create_sheet("Trusler")
    ws.append(["Trussel-ID", "Trussel"])
    ws.append(["T1", "Phishing"])
    ws = wb.create_sheet("Risici")
    ws.append(["Risiko-ID", "Aktiv-ID", "Trussel-ID", "Sandsynlighed", "Risikoejer"])
    ws.append(["R1", "A1", "T1", likelihood, "ISK"])
    wb.save(path)
    return path


def test_cli_import_rounds_export(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from isms_analysis.cli import app

    runner = CliRunner()
    store = tmp_path / "isms.duckdb"
    wb = write_workbook(tmp_path / "q1.xlsx")
    res = runner.invoke(app, ["import", str(wb), "--store", str(store)])
    assert res.exit_code == 0, res.output
    assert "Gemt Testkommune 2025-Q1 version 1 (1 risici)" in res.output

    again = runner.invoke(app, ["import", str(wb), "--store", str(store)])
    assert again.exit_code == 2 and "findes allerede" in again.output and "Traceback" not in again.output
    en = runner.invoke(app, ["import", str(wb), "--store", str(store), "--lang", "en"])
    assert en.exit_code == 2 and "already in the store" in en.output

    write_workbook(tmp_path / "q1b.xlsx", likelihood=3)
    rep = runner.invoke(app, ["import", str(tmp_path / "q1b.xlsx"), "--store", str(store), "--replace"])
    assert rep.exit_code == 0 and "version 2" in rep.output
    listing = runner.invoke(app, ["rounds", "--store", str(store)])
    assert listing.exit_code == 0
    assert f"Lager: {store}" in listing.output  # says which store it lists (on stderr)
    lines = [ln.split() for ln in listing.stdout.strip().splitlines()]
    assert lines[0][:3] == ["Kommune", "Runde", "Version"]
    assert [ln[2] for ln in lines[1:]] == ["1", "2"]  # both versions listed
    assert [ln[-2] for ln in lines[1:]] == ["ja", "nej"]  # version 1 superseded
    assert load_round(store, "Testkommune", "2025-Q1", version=1).risks["likelihood"].iloc[0] == 2

    out = tmp_path / "pq"
    exp = runner.invoke(app, ["export-parquet", str(out), "--store", str(store)])
    assert exp.exit_code == 0, exp.output
    assert (out / "risks" / "municipality=Testkommune" / "round=2025-Q1").is_dir()


def test_cli_import_refuses_an_invalid_workbook(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from isms_analysis.cli import app

    store = tmp_path / "isms.duckdb"
    wb = write_workbook(tmp_path / "bad.xlsx", likelihood=7)
    res = CliRunner().invoke(app, ["import", str(wb), "--store", str(store)])
    assert res.exit_code == 1
    assert "Risici!D2" in res.output  # the problem names its cell
    assert not store.exists()
    empty = CliRunner().invoke(app, ["rounds", "--store", str(store)])
    assert empty.exit_code == 0 and "Ingen runder" in empty.output


def test_sample_workbooks_round_trip_exactly(tmp_path: Path) -> None:
    """Rounds read from real workbooks (every sheet, reader dtypes) come back unchanged."""
    from isms_analysis.sample import write_sample
    from isms_analysis.workbook import read_workbook

    store = tmp_path / "isms.duckdb"
    paths = write_sample(tmp_path / "sample", rounds=2, risks=60, seed=3)
    read = [read_workbook(p) for p in paths]
    for a in read:
        import_round(a, store)
    for a in read:
        back = load_round(store, a.meta["municipality"], a.meta["round"])
        for name in ("assets", "threats", "risks", "profile", "soa", "actions", "wheel", "problems"):
            if getattr(a, name) is None:
                assert getattr(back, name) is None
            else:
                assert_frame_equal(getattr(back, name), getattr(a, name), obj=name)
        assert {k: back.meta[k] for k in a.meta} == a.meta
        assert back.source == {k: a.source[k] for k in ("name", "sha256", "size")}
    assert list_rounds(store)["sha256"].tolist() == [a.source["sha256"] for a in read]


def test_current_views_count_a_replaced_round_once(tmp_path: Path) -> None:
    import duckdb

    from isms_analysis.workbook import read_workbook

    store = tmp_path / "isms.duckdb"
    first = write_workbook(tmp_path / "q1.xlsx", likelihood=2)
    import_round(read_workbook(first), store)
    again = write_workbook(tmp_path / "q1b.xlsx", likelihood=3)
    import_round(read_workbook(again), store, replace=True)
    con = duckdb.connect(str(store), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM risks").fetchone()[0] == 2  # both versions are kept
        assert con.execute("SELECT count(*) FROM current_risks").fetchone()[0] == 1
        assert con.execute("SELECT version FROM current_rounds").fetchall() == [(2,)]
        assert con.execute("SELECT DISTINCT likelihood FROM current_risks").fetchall() == [(3,)]
        n_scores = con.execute("SELECT count(*) FROM current_scores").fetchone()[0]
        assert n_scores == con.execute("SELECT count(*) FROM scores WHERE version = 2").fetchone()[0] > 0
    finally:
        con.close()
