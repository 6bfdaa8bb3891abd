"""KL's shared processing activities: reading the list, KLE matching (most specific
first) and inheriting the data-subject consequences, with a warning naming the cell
where the municipality's own value is lower than the shared assessment.

The list used here is written in the test (made-up activities); the hand-computed
expectations are next to each test.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner
from workbook_fixtures import col_of, set_value, workbook_data, write

from isms_analysis.activities import (
    apply_activities,
    inherited_table,
    match_kle,
    normalise_kle,
    read_activities,
)
from isms_analysis.cli import app
from isms_analysis.errors import UserError
from isms_analysis.workbook import read_workbook, validate_workbook

LIST = """KLE;Behandlingsaktivitet;Konsekvens registrerede F;Konsekvens registrerede I;Konsekvens registrerede T;Kilde
27;Sociale indsatser (samlet);3;2;2;Testliste
27.24;Børnesager;4;3;2;Testliste
27.24.00;Børnesager i almindelighed;4;4;3;Testliste
32.24;Kontanthjælp;2;4;4;Testliste
"""


@pytest.fixture
def activity_list(tmp_path: Path) -> Path:
    p = tmp_path / "aktiviteter.csv"
    p.write_text(LIST, encoding="utf-8")
    return p


def test_read_list_csv(activity_list: Path) -> None:
    acts = read_activities(activity_list)
    assert acts["kle"].tolist() == ["27", "27.24", "27.24.00", "32.24"]
    assert acts["consequence_c"].tolist() == [3, 4, 4, 2]
    assert acts["consequence_a"].tolist() == [2, 2, 3, 4]
    assert acts["activity"].iloc[1] == "Børnesager"
    assert acts["source_row"].tolist() == [2, 3, 4, 5]


def test_read_list_xlsx_with_combined_column(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Aktiviteter"
    ws.append(["Fælles behandlingsaktiviteter (testliste)"])  # a title row above the header
    ws.append(["KLE", "Behandlingsaktivitet", "Konsekvens registrerede F/I/T", "Kilde"])
    ws.append([27.2, "Forebyggende foranstaltninger", "4/3/1", "Test"])  # numeric cell: 27.20
    ws.append(["29", "Sundhed", "2 / 2 / 3", "Test"])
    p = tmp_path / "liste.xlsx"
    wb.save(p)
    acts = read_activities(p)
    assert acts["kle"].tolist() == ["27.20", "29"]
    assert acts[["consequence_c", "consequence_i", "consequence_a"]].to_numpy().tolist() == [[4, 3, 1], [2, 2, 3]]
    assert acts["source_row"].tolist() == [3, 4]


def test_bad_list_names_every_cell(tmp_path: Path) -> None:
    p = tmp_path / "forkert.csv"
    p.write_text(
        "KLE;Behandlingsaktivitet;Konsekvens registrerede F;Konsekvens registrerede I;Konsekvens registrerede T\n"
        "27.24;A;4;3;2\n"
        "abc;B;1;1;1\n"
        "27.25;C;5;1;høj\n"
        "27.24;D;1;1;1\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError) as info:
        read_activities(p)
    err = info.value
    assert err.exit_code == 1
    assert "forkert.csv: A3: 'abc' er ikke et KLE-nummer" in err.da
    assert "forkert.csv: C4: konsekvensen for de registrerede (F) skal være 1-4, ikke '5'" in err.da
    assert "forkert.csv: E4: konsekvensen for de registrerede (T) skal være 1-4, ikke 'høj'" in err.da
    assert "forkert.csv: A2, A5: KLE 27.24 står flere gange" in err.da
    assert "4 errors in the processing-activity list" in err.en


def test_missing_or_unknown_list(tmp_path: Path) -> None:
    with pytest.raises(UserError) as info:
        read_activities(tmp_path / "findes-ikke.csv")
    assert info.value.exit_code == 2
    p = tmp_path / "liste.txt"
    p.write_text("KLE\n", encoding="utf-8")
    with pytest.raises(UserError, match="skal være .csv eller .xlsx"):
        read_activities(p)
    q = tmp_path / "uden.csv"
    q.write_text("Nummer;Navn\n1;2\n", encoding="utf-8")
    with pytest.raises(UserError, match="fandt ikke kolonnerne KLE"):
        read_activities(q)


def test_kle_normalisation_and_most_specific_match() -> None:
    # "27.2" and "7.1" are numbers whose group lost its trailing zero in Excel (27.20, 07.10)
    got = normalise_kle(pd.Series(["27.24.00", "27.24", "27", "27.2", "7.1", "27.24.00 Børn", "7.01.3", "x", None]))
    assert got.tolist()[:7] == ["27.24.00", "27.24", "27", "27.20", "07.10", "27.24.00", "07.01.03"]
    assert got.isna().tolist()[7:] == [True, True]
    listed = pd.Series(["27", "27.24", "27.24.00", "32.24"])
    m = match_kle(pd.Series(["27.24.00", "27.24.05", "27.24", "27.30", "32.24.01", "15.20", None]), listed)
    # 27.24.00 exact; 27.24.05 -> 27.24 (no own entry); 27.24 -> 27.24 (never the more specific 27.24.00);
    # 27.30 -> 27; 32.24.01 -> 32.24; 15.20 and blank: no match
    assert m["matched"].tolist()[:5] == ["27.24.00", "27.24", "27.24", "27", "32.24"]
    assert m["position"].tolist() == [2, 1, 1, 0, 3, -1, -1]


def _round_with(tmp_path: Path) -> tuple[Path, dict]:
    """The fixture round with A-01 as a processing activity under KLE 27.24.00 whose
    data-subject consequences are F=2 (own, lower than the shared 4), I blank, T blank,
    and A-02 (an IT system) under 32.24 with blank I."""
    data = workbook_data()
    set_value(data, "assets", 0, "type", "Behandlingsaktivitet")
    set_value(data, "assets", 0, "kle", "27.24.00")
    set_value(data, "assets", 0, "consequence_data_subject_c", 2)
    set_value(data, "assets", 0, "consequence_data_subject_i", None)
    set_value(data, "assets", 0, "consequence_data_subject_a", None)
    set_value(data, "assets", 1, "kle", "32.24")
    set_value(data, "assets", 1, "consequence_data_subject_i", None)
    return write(tmp_path / "runde.xlsx", data), data


def test_inherits_blank_keeps_own_and_warns_with_cell(tmp_path: Path, activity_list: Path) -> None:
    path, data = _round_with(tmp_path)
    a = read_workbook(path, activities=activity_list)
    assets = a.assets.set_index("asset_id")
    # F own 2 kept; I and T inherited from 27.24.00 (4, 3)
    assert assets.loc["A-01", ["consequence_data_subject_c", "consequence_data_subject_i",
                               "consequence_data_subject_a"]].tolist() == [2, 4, 3]  # fmt: skip
    assert assets.loc["A-01", "inherited_data_subject"] == "i,a"
    assert assets.loc["A-01", "activity_kle"] == "27.24.00"
    assert assets.loc["A-01", "activity"] == "Børnesager i almindelighed"
    # A-02 is an IT system: the match is recorded, nothing inherited, its blank stays blank
    assert assets.loc["A-02", "activity_kle"] == "32.24"
    assert pd.isna(assets.loc["A-02", "inherited_data_subject"])
    assert pd.isna(assets.loc["A-02", "consequence_data_subject_i"])
    lower = a.problems[a.problems["code"] == "lower_than_shared"]
    assert len(lower) == 1
    w = lower.iloc[0]
    assert w["severity"] == "warning"
    assert (w["sheet"], w["cell"]) == ("Aktiver", f"{col_of(data, 'assets', 'consequence_data_subject_c')}2")
    assert "lavere end den fælles vurdering (4)" in w["message_da"]
    assert "lower than the shared assessment (4)" in w["message_en"]


def test_inheritance_changes_the_data_subject_score(tmp_path: Path, activity_list: Path) -> None:
    from isms_analysis.scoring import score

    path, _ = _round_with(tmp_path)
    without = score(read_workbook(path))
    with_list = score(read_workbook(path, activities=activity_list))

    def ds(scores: pd.DataFrame) -> int:
        row = scores[(scores["risk_id"] == "R-01") & (scores["perspective"] == "data_subject")
                     & (scores["stage"] == "inherent")]  # fmt: skip
        return int(row["score"].iloc[0])

    # R-01 has likelihood 3: without the list max(F=2) = 2 -> 6; with it max(2, 4, 3) = 4 -> 12
    assert ds(without) == 6
    assert ds(with_list) == 12


def test_without_list_nothing_changes(tmp_path: Path) -> None:
    path, _ = _round_with(tmp_path)
    a = read_workbook(path)
    assert "inherited_data_subject" not in a.assets.columns
    assert not (a.problems["code"] == "lower_than_shared").any()


def test_store_round_inherits_without_cells(tmp_path: Path, activity_list: Path) -> None:
    path, _ = _round_with(tmp_path)
    a = apply_activities(read_workbook(path), activity_list)
    assets = a.assets.set_index("asset_id")
    assert assets.loc["A-01", "inherited_data_subject"] == "i,a"
    lower = a.problems[a.problems["code"] == "lower_than_shared"]
    assert len(lower) == 1 and lower.iloc[0]["cell"] == ""
    table = inherited_table(a, "da")
    assert table["Aktiv-ID"].tolist() == ["A-01"]
    assert table["Nedarvet"].tolist() == ["I, T"]
    assert table["Matchet KLE"].tolist() == ["27.24.00"]


def test_register_and_appendix_mark_inherited(tmp_path: Path, activity_list: Path) -> None:
    from isms_analysis.activities import appendix_html
    from isms_analysis.register import write_register
    from isms_analysis.scoring import score

    path, _ = _round_with(tmp_path)
    a = read_workbook(path, activities=activity_list)
    out = write_register(a, score(a), tmp_path / "register.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb["Nedarvede konsekvenser"]
    header = [c.value for c in ws[1]]
    row = dict(zip(header, [c.value for c in ws[2]], strict=False))
    assert row["Aktiv-ID"] == "A-01" and row["Nedarvet"] == "I, T" and row["Matchet KLE"] == "27.24.00"
    assert ws.max_row == 2
    html = appendix_html(a, "en")
    assert "Consequences inherited from the shared processing activities" in html
    assert "appendix-inherited" in html and "A-01" in html
    assert appendix_html(read_workbook(path), "da") == ""


def test_cli_validate_and_score_with_activities(tmp_path: Path, activity_list: Path) -> None:
    path, data = _round_with(tmp_path)
    runner = CliRunner()
    r = runner.invoke(app, ["validate", str(path), "--activities", str(activity_list)])
    assert r.exit_code == 0, r.output
    cell = f"Aktiver!{col_of(data, 'assets', 'consequence_data_subject_c')}2"
    assert f"{cell}: advarsel: konsekvensen for de registrerede (F) er 2, lavere end den fælles vurdering" in r.output
    r = runner.invoke(app, ["score", str(path), "--activities", str(activity_list), "-o", str(tmp_path / "r.xlsx")])
    assert r.exit_code == 0, r.output
    assert "Nedarvede konsekvenser" in openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames
    bad = tmp_path / "bad.csv"
    bad.write_text("KLE;Konsekvens registrerede F/I/T\nxx;1/1/1\n", encoding="utf-8")
    r = runner.invoke(app, ["validate", str(path), "--activities", str(bad), "--lang", "en"])
    assert r.exit_code == 1
    assert "bad.csv: A2: 'xx' is not a KLE number" in r.output
    assert "Traceback" not in r.output


def test_validate_workbook_accepts_the_list(tmp_path: Path, activity_list: Path) -> None:
    path, _ = _round_with(tmp_path)
    problems = validate_workbook(path, activities=activity_list)
    assert (problems["code"] == "lower_than_shared").sum() == 1


def test_quarterly_context_and_appendix_with_activities(tmp_path: Path, activity_list: Path) -> None:
    from isms_analysis.context import load_context
    from isms_analysis.render.committee_report import html as section_html

    path, _ = _round_with(tmp_path)
    ctx = load_context(workbook=path, activities=activity_list)
    assert ctx.assessment.assets.set_index("asset_id").loc["A-01", "inherited_data_subject"] == "i,a"
    assert ctx.params["activities"] == "aktiviteter.csv"
    html = section_html("appendix", ctx)
    assert 'id="appendix-inherited"' in html and "Konsekvenser nedarvet fra de fælles behandlingsaktiviteter" in html
    plain = load_context(workbook=path)
    assert "appendix-inherited" not in section_html("appendix", plain)
    assert "activities" not in plain.params
