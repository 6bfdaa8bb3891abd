"""Benchmark extracts and peer figures: nothing identifying leaves the municipality,
the pseudonym is stable, k-anonymity suppresses thin figures, and the plain SQL
gives the same figures through DuckDB on the Parquet files as pandas on the frames.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner
from workbook_fixtures import workbook_data, write

from isms_analysis import benchmark as bm
from isms_analysis.cli import app
from isms_analysis.errors import UserError
from isms_analysis.workbook import read_workbook

REPO = Path(__file__).resolve().parents[1]
SAMPLE = sorted((REPO / "data" / "sample").glob("eksempel-kommune-*-Q*.xlsx"))

# Text fields of a workbook that identify people, things or decisions (never in an extract).
IDENTIFYING = {
    "assets": ("asset_id", "name", "area", "kle", "system_owner", "data_owner", "risk_owner", "tolerable_downtime",
               "notes"),
    "threats": ("threat_id", "name", "category", "description"),
    "risks": ("risk_id", "asset_id", "threat_id", "vulnerability", "existing_controls", "controls", "owner",
              "accepted_by", "notes"),
    "soa": ("control_id", "title", "justification", "responsible", "risks", "nsis"),
    "actions": ("action_id", "title", "risks", "controls", "responsible"),
    "wheel": ("activity_id", "title", "category", "responsible", "controls"),
}  # fmt: skip


def workbook_texts(a) -> set[str]:
    """Every identifying text value of the round, plus the people and dates on its Om sheet."""
    texts: set[str] = set()
    for sheet, cols in IDENTIFYING.items():
        frame = getattr(a, sheet)
        if frame is None:
            continue
        for c in cols:
            if c in frame.columns:
                texts.update(str(v).strip() for v in frame[c].dropna().unique())
    for key in ("municipality", "prepared_by", "approved_by"):
        if a.meta.get(key):
            texts.add(str(a.meta[key]))
    for key in ("assessment_date", "approved_date"):
        if a.meta.get(key):
            texts.add(pd.Timestamp(a.meta[key]).strftime("%Y-%m-%d"))
    return {t for t in texts if len(t) >= 3 and not re.fullmatch(r"\d{1,2}(\.\d{1,2})?", t)}


def leaks(extract_path: Path, a) -> list[tuple[str, str]]:
    """(extract string, workbook text) pairs where the workbook text shows inside a
    string the extract file holds (values, column names, file metadata)."""
    table = pq.read_table(extract_path)
    strings = set(bm.extract_strings(table.to_pandas()))
    strings.update(table.schema.names)
    for k, v in (table.schema.metadata or {}).items():
        strings.update((k.decode("utf-8", "replace"), v.decode("utf-8", "replace")))
    found = []
    for t in workbook_texts(a):
        # the text as a whole token ("ISK" is not found in "risk", "T16" not in "int16")
        pattern = re.compile(rf"(?<![0-9a-zæøå]){re.escape(t)}(?![0-9a-zæøå])", re.IGNORECASE)
        found += [(s[:80], t) for s in strings if pattern.search(s)]
    return found


@pytest.mark.skipif(not SAMPLE, reason="no bundled sample")
def test_privacy_no_workbook_text_in_the_extract(tmp_path: Path) -> None:
    a = read_workbook(SAMPLE[-1])
    path, extract = bm.export_benchmark(tmp_path / "x.parquet", workbook=SAMPLE[-1], store=tmp_path / "s.duckdb")
    assert workbook_texts(a), "the scan must have something to look for"
    assert leaks(path, a) == []
    # allowed strings only: the round label, the quarter, the matrix name, the pseudonym and vocabulary keys
    strings = bm.extract_strings(extract)
    assert a.meta["municipality"] not in strings
    assert not [s for s in strings if re.search(r"\d{4}-\d{2}-\d{2}", s)]
    schema = pq.read_schema(path)
    assert not [f.name for f in schema if "timestamp" in str(f.type) or "date" in str(f.type)]
    # counts add up: every scored row is counted once
    from isms_analysis.scoring import score

    assert int(extract.loc[extract["kind"] == "risk", "n"].sum()) == len(score(a))
    assert int(extract.loc[extract["kind"] == "soa", "n"].sum()) == a.soa["control_id"].nunique()
    assert int(extract.loc[extract["kind"] == "action", "n"].sum()) == len(a.actions)


def test_privacy_check_finds_a_planted_leak(tmp_path: Path) -> None:
    """The scan itself works: a name written into an extract is found."""
    path_wb = write(tmp_path / "r.xlsx", workbook_data())
    a = read_workbook(path_wb)
    extract = bm.build_extract(a, municipality="K-00000000")
    extract.loc[0, "asset_type"] = "Sagsbehandlingssystem"  # an asset name from the fixture
    bad = bm.write_extract(extract, tmp_path / "bad.parquet")
    assert ("Sagsbehandlingssystem", "Sagsbehandlingssystem") in leaks(bad, a)
    good = bm.write_extract(bm.build_extract(a, municipality="K-00000000"), tmp_path / "good.parquet")
    assert leaks(good, a) == []


def test_extract_counts_on_the_fixture(tmp_path: Path) -> None:
    """Hand-computed (see workbook_fixtures): inherent municipality levels R-01 9 Middel,
    R-02 4 Under middel, R-03 16 Høj, R-04 2 Lav; A-01 has KLE 27.00, A-02/A-03 none."""
    a = read_workbook(write(tmp_path / "r.xlsx", workbook_data()))
    e = bm.build_extract(a, municipality="K-1")
    risk = e[(e["kind"] == "risk") & (e["perspective"] == "municipality") & (e["stage"] == "inherent")]
    got = {(r.kle_group if pd.notna(r.kle_group) else None, r.level): r.n for r in risk.itertuples()}
    assert got == {("27", "medium"): 1, (None, "below_medium"): 1, (None, "high"): 1, (None, "low"): 1}
    assert set(risk["asset_type"]) == {"it_system", "infrastructure"}
    high = risk[risk["level"] == "high"].iloc[0]
    assert (high["level_rank"], high["treatment_class"]) == (5, "must_treat")
    assert set(e["round"]) == {"2026 Q1"} and set(e["quarter"]) == {"2026 Q1"} and set(e["matrix"]) == {"KL"}
    assert e["named"].eq(False).all() and set(e["municipality"]) == {"K-1"}


def test_round_label_and_quarter() -> None:
    assert bm.round_label("2026 Q3") == "2026 Q3"
    assert bm.round_label("2026-q1") == "2026 Q1"
    assert bm.round_label("2025 4. kvt.") == "2025 Q4"
    # a free-text label never reaches the extract: the assessment date's quarter is used
    assert bm.round_label("Efterår hos Camilla", pd.Timestamp("2026-05-14")) == "2026 Q2"
    with pytest.raises(UserError):
        bm.round_label("Efterår", None)
    assert bm.quarter_of(pd.Timestamp("2026-12-31")) == "2026 Q4"


def test_pseudonym_stable_per_municipality_and_named(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    data = workbook_data()
    first = write(tmp_path / "q1.xlsx", data)
    _, e1 = bm.export_benchmark(tmp_path / "a.parquet", workbook=first, store=store)
    _, e2 = bm.export_benchmark(tmp_path / "b.parquet", workbook=first, store=store)
    p = e1["municipality"].iloc[0]
    assert re.fullmatch(r"K-[0-9a-f]{8}", p)
    assert e2["municipality"].iloc[0] == p
    from workbook_fixtures import set_meta

    set_meta(data, "municipality", "Anden Kommune")
    other = write(tmp_path / "anden.xlsx", data)
    _, e3 = bm.export_benchmark(tmp_path / "c.parquet", workbook=other, store=store)
    assert e3["municipality"].iloc[0] not in (p, "Anden Kommune")
    _, e4 = bm.export_benchmark(tmp_path / "d.parquet", workbook=other, store=store, named=True)
    assert e4["municipality"].iloc[0] == "Anden Kommune" and e4["named"].all()
    with pytest.raises(UserError, match="findes allerede"):
        bm.export_benchmark(tmp_path / "d.parquet", workbook=other, store=store)


def test_export_from_the_store_uses_the_same_pseudonym(tmp_path: Path) -> None:
    from isms_analysis.store import import_round

    store = tmp_path / "s.duckdb"
    wb = write(tmp_path / "q1.xlsx", workbook_data())
    import_round(read_workbook(wb), store)
    _, from_wb = bm.export_benchmark(tmp_path / "a.parquet", workbook=wb, store=store)
    _, from_store = bm.export_benchmark(tmp_path / "b.parquet", store=store, round="2026-Q1")
    assert from_store["municipality"].iloc[0] == from_wb["municipality"].iloc[0]
    cols = [c for c in bm.EXTRACT_COLUMNS if c != "municipality"]
    pd.testing.assert_frame_equal(from_store[cols], from_wb[cols])


def _extracts(directory: Path, n: int, rounds: int = 2, risks: int = 80, seed: int = 3) -> list[Path]:
    from isms_analysis.municipalities import generate_municipalities, write_extracts

    return write_extracts(generate_municipalities(n, rounds=rounds, risks=risks, seed=seed), directory, seed=seed)


@pytest.fixture(scope="module")
def six(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("six")
    _extracts(d, 6)
    return d


def test_sql_duckdb_on_files_equals_pandas_on_frames(six: Path) -> None:
    own_sql, peers_sql = bm.peer_tables(six)
    own_pd, peers_pd = bm.peer_tables_pandas(bm.read_extracts(six))
    assert len(own_sql) > 20 and peers_sql["municipalities"].max() == 6
    pd.testing.assert_frame_equal(own_sql, own_pd)
    pd.testing.assert_frame_equal(peers_sql, peers_pd, check_exact=False, rtol=1e-12)


def test_peer_quartiles_hand_computed(tmp_path: Path) -> None:
    """Five municipalities whose overdue shares are 0/4, 1/4, 2/4, 3/4, 4/4: median 0.5,
    quartiles 0.25 and 0.75 (linear interpolation); 0/4 is below, 4/4 above."""
    a = read_workbook(write(tmp_path / "r.xlsx", workbook_data()))
    base = bm.build_extract(a, municipality="x")
    base = base[base["kind"] != "action"]
    for i in range(5):
        act = pd.DataFrame({"kind": "action", "status": ["in_progress", "in_progress"], "overdue": [True, False],
                            "n": [i, 4 - i]})  # fmt: skip
        frame = pd.concat([base, act], ignore_index=True)
        for c in ("format", "named", "round", "quarter", "matrix"):
            frame[c] = base[c].iloc[0]
        frame["municipality"] = f"K-{i}"
        frame = frame[frame["n"] > 0]
        bm.write_extract(frame, tmp_path / f"k{i}.parquet")
    own, peers = bm.peer_tables(tmp_path)
    row = peers[peers["metric"] == "actions_overdue"].iloc[0]
    assert (row["municipalities"], row["q1"], row["median"], row["q3"]) == (5, 0.25, 0.5, 0.75)
    c0 = bm.compare(own, peers, "K-0", "2026 Q1", k=5)
    c0 = c0[c0["metric"] == "actions_overdue"].iloc[0]
    assert (c0["share"], c0["direction"], bool(c0["suppressed"])) == (0.0, "below", False)
    c4 = bm.compare(own, peers, "K-4", "2026 Q1", k=5)
    assert c4.loc[c4["metric"] == "actions_overdue", "direction"].iloc[0] == "above"
    c2 = bm.compare(own, peers, "K-2", "2026 Q1", k=5)
    assert c2.loc[c2["metric"] == "actions_overdue", "direction"].iloc[0] == ""


def test_k_anonymity_four_extracts_suppressed(tmp_path: Path) -> None:
    _extracts(tmp_path, 4, rounds=1)
    own, peers = bm.peer_tables(tmp_path)
    who = own["municipality"].iloc[0]
    c = bm.compare(own, peers, who, own["round"].iloc[0], k=5)
    assert len(c) and c["suppressed"].all()
    assert c[["q1", "median", "q3"]].isna().all().all()
    assert not c["outside"].any()
    c3 = bm.compare(own, peers, who, own["round"].iloc[0], k=3)
    overall = c3[(c3["metric"] == "risk_share") & (c3["dim1"] == "*")]
    assert (~overall["suppressed"]).all() and overall["median"].notna().all()
    with pytest.raises(UserError, match="Mindst 3 kommuner"):
        bm.compare(own, peers, who, own["round"].iloc[0], k=2)
    # the report says so
    from isms_analysis.render.benchmark_report import section_html

    ctx = bm.load_benchmark(tmp_path, municipality=who, k=5)
    html = section_html("risks", ctx) + section_html("soa", ctx) + section_html("actions", ctx)
    assert "for få kommuner" in html
    assert not re.search(r"<td>\d+ % – \d+ %</td>", html)  # no peer range shown anywhere
    assert "too few municipalities" in section_html("soa", bm.load_benchmark(tmp_path, who, k=5, lang="en"))


def test_same_extract_twice_is_refused(six: Path, tmp_path: Path) -> None:
    import shutil

    for f in six.glob("*.parquet"):
        shutil.copy(f, tmp_path / f.name)
    first = sorted(tmp_path.glob("*.parquet"))[0]
    shutil.copy(first, tmp_path / "kopi.parquet")
    with pytest.raises(UserError, match="findes i flere udtræk") as info:
        bm.peer_tables(tmp_path)
    assert "kopi.parquet" in info.value.da


def test_resolve_municipality_and_round(six: Path) -> None:
    own, _ = bm.peer_tables(six)
    who = sorted(own["municipality"].unique())[2]
    ctx = bm.load_benchmark(six, municipality=who.lower())
    assert ctx.municipality == who and ctx.round == max(own["round"]) and ctx.municipalities == 6
    older = sorted(own["round"].unique())[0]  # e.g. "2026 Q2", asked for as "2026-Q2"
    assert bm.load_benchmark(six, municipality=who, round=older.replace(" ", "-")).round == older
    with pytest.raises(UserError, match="findes ikke i udtrækkene"):
        bm.load_benchmark(six, municipality="Ukendt Kommune")
    with pytest.raises(UserError, match="Angiv kommunen"):
        bm.load_benchmark(six)
    with pytest.raises(UserError, match="Runden 2020 Q1 findes ikke"):
        bm.load_benchmark(six, municipality=who, round="2020 Q1")


def test_sql_file_is_plain_and_documented() -> None:
    q = bm.sql_queries()
    assert set(q) == {"municipality_figures", "peer_figures"}
    text = " ".join(q.values()).upper()
    for engine_specific in ("QUANTILE", "PERCENTILE", "READ_PARQUET", "MEDIAN(", "::", "ILIKE", "QUALIFY"):
        assert engine_specific not in text
    doc = (REPO / "docs" / "benchmark.md").read_text(encoding="utf-8")
    assert "municipality_figures" in doc and "peer_figures" in doc


def test_cli_export_and_show(tmp_path: Path) -> None:
    wb = write(tmp_path / "q1.xlsx", workbook_data())
    runner = CliRunner()
    out = tmp_path / "udtraek.parquet"
    r = runner.invoke(app, ["export-benchmark", "--workbook", str(wb), "--store", str(tmp_path / "s.duckdb"),
                            "-o", str(out)])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "Skrev" in r.output and "show-extract" in r.output
    r = runner.invoke(app, ["show-extract", str(out)])
    assert r.exit_code == 0, r.output
    assert "pseudonym; navnet står ikke i filen" in r.output
    assert "Testkommune" not in r.output and "Sagsbehandlingssystem" not in r.output
    assert "Alle tekstværdier i filen:" in r.output
    r = runner.invoke(app, ["show-extract", str(out), "--lang", "en"])
    assert "Every text value in the file:" in r.output
    r = runner.invoke(app, ["export-benchmark", "--workbook", str(wb), "--round", "2026-Q1", "-o", str(out)])
    assert r.exit_code == 2 and "ikke begge" in r.output
    r = runner.invoke(app, ["show-extract", str(wb)])
    assert r.exit_code == 2 and "Traceback" not in r.output
    r = runner.invoke(app, ["report", "benchmark", "--extracts", str(tmp_path / "tom"), "--min-municipalities", "5"])
    assert r.exit_code == 2 and "findes ikke" in r.output
    r = runner.invoke(app, ["report", "benchmark", "--extracts", str(tmp_path), "--min-municipalities", "2"])
    assert r.exit_code == 2 and "Mindst 3" in r.output


def test_theme_of_controls() -> None:
    got = bm.theme_of(pd.Series(["5.1", "6.3", "7.14", "8.34", "8.99", "L-1", None]))
    assert got.tolist() == ["organisational", "people", "physical", "technological", "own", "own", "own"]


def test_extract_overdue_uses_the_assessment_date(tmp_path: Path) -> None:
    a = read_workbook(write(tmp_path / "r.xlsx", workbook_data()))
    acts = a.actions
    day = pd.Timestamp(a.meta["assessment_date"])
    expected = int(((pd.to_datetime(acts["deadline"]) < day).fillna(False) & (acts["status"] != "done").fillna(True)).sum())
    e = bm.build_extract(a, municipality="K-1")
    got = int(e.loc[(e["kind"] == "action") & e["overdue"].fillna(False), "n"].sum())
    assert got == expected
    later = bm.build_extract(a, municipality="K-1", as_of="2030-01-01")
    not_done = int((acts["status"] != "done").fillna(True).sum())
    assert int(later.loc[(later["kind"] == "action") & later["overdue"].fillna(False), "n"].sum()) == not_done
    assert np.issubdtype(e["n"].dtype, np.integer)
