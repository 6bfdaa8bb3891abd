"""Reading KL-style workbooks: the valid round, and every tolerated variation of form."""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import workbook_fixtures as F

from isms_analysis.errors import WorkbookError
from isms_analysis.folding import fold
from isms_analysis.workbook import load_mapping, read_workbook, validate_workbook

CORE = {
    "assets": ["asset_id", "name", "type", "area", "risk_owner", "critical", "personal_data",
               "consequence_municipality_c", "consequence_municipality_i", "consequence_municipality_a",
               "consequence_data_subject_c", "consequence_data_subject_i", "consequence_data_subject_a"],
    "threats": ["threat_id", "name", "category", "affects_c", "affects_i", "affects_a"],
    "risks": ["risk_id", "asset_id", "threat_id", "likelihood", "treatment", "controls", "residual_likelihood",
              "residual_consequence_municipality", "owner", "accepted_by", "accepted_date", "status", "deadline"],
}  # fmt: skip


def core(a, key: str) -> pd.DataFrame:
    return getattr(a, key)[CORE[key]].reset_index(drop=True)


@pytest.fixture
def valid(tmp_path: Path) -> Path:
    return F.write(tmp_path / "valid.xlsx", F.workbook_data())


def test_valid_round(valid: Path) -> None:
    a = read_workbook(valid)
    assert a.problems.empty
    assert a.meta == {
        "municipality": "Testkommune",
        "round": "2026-Q1",
        "assessment_date": dt.date(2026, 3, 15),
        "prepared_by": "Informationssikkerhedskoordinatoren",
        "approved_by": "Informationssikkerhedsudvalget",
        "approved_date": dt.date(2026, 3, 20),
        "matrix": "KL",
    }
    data = valid.read_bytes()
    assert a.source == {"name": "valid.xlsx", "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}

    assert a.assets["asset_id"].tolist() == ["A-01", "A-02", "A-03"]
    assert a.assets["type"].tolist() == ["it_system", "it_system", "infrastructure"]
    assert a.assets["personal_data"].tolist() == ["sensitive", "cpr", "none"]
    assert a.assets["critical"].tolist() == [True, False, True]
    assert str(a.assets["critical"].dtype) == "boolean"
    assert str(a.assets["consequence_municipality_c"].dtype) == "Int8"
    assert a.assets["consequence_data_subject_c"].tolist()[:2] == [4, 3]
    assert a.assets["consequence_data_subject_c"].isna().tolist() == [False, False, True]
    assert a.assets["source_row"].tolist() == [2, 3, 4]

    r = a.risks
    assert r["risk_id"].tolist() == ["R-01", "R-02", "R-03", "R-04"]
    assert r["likelihood"].tolist() == [3, 2, 4, 1]
    assert r["treatment"].tolist() == ["mitigate", "accept", "mitigate", "accept"]
    assert r["status"].tolist() == ["open", "closed", "in_progress", "open"]
    assert r["controls"].tolist()[::2] == ["6.3; 8.7", "8.7; 8.13"]
    assert r["deadline"].dtype == "datetime64[ns]"
    assert r.loc[0, "deadline"] == pd.Timestamp("2026-06-30")
    assert r.loc[1, "accepted_date"] == pd.Timestamp("2026-03-20")

    assert a.threats["affects_a"].tolist()[1] is True
    assert a.profile["max_accepted_level"].tolist() == ["Middel", "Under middel"]
    assert a.soa["control_id"].tolist() == ["5.15", "8.7", "7.4"]
    assert a.soa["applicable"].tolist() == [True, True, False]
    assert a.soa["source"].tolist()[:2] == ["risk_assessment", "best_practice"]
    assert a.actions["status"].tolist() == ["in_progress"]
    assert a.wheel["month"].tolist() == [3]
    assert a.wheel["frequency"].tolist() == ["quarterly"]
    assert a.wheel["last_done"].tolist() == [pd.Timestamp("2026-01-15")]


def test_valid_round_scores_as_hand_computed(valid: Path) -> None:
    from isms_analysis.scoring import score

    s = score(read_workbook(valid))
    inh = s[s["stage"] == "inherent"]
    got = {(str(r), str(p)): int(v) for r, p, v in zip(inh["risk_id"], inh["perspective"], inh["score"], strict=True)}
    assert got[("R-01", "municipality")] == 9
    assert got[("R-01", "data_subject")] == 12
    assert got[("R-03", "municipality")] == 16
    assert ("R-03", "data_subject") not in got


def test_optional_sheets_absent_are_none(tmp_path: Path) -> None:
    p = F.write(tmp_path / "min.xlsx", F.workbook_data(), sheets=("meta", "assets", "threats", "risks"))
    a = read_workbook(p)
    assert a.profile is None and a.soa is None and a.actions is None and a.wheel is None
    assert len(a.risks) == 4


def test_english_headers_and_sheet_names(tmp_path: Path, valid: Path) -> None:
    data = F.workbook_data("en")
    for i, v in enumerate(["Yes", "No", "Yes"]):
        F.set_value(data, "assets", i, "critical", v)
    F.set_value(data, "risks", 0, "treatment", "Mitigate")
    F.set_value(data, "risks", 1, "status", "Closed")
    p = F.write(tmp_path / "en.xlsx", data)
    a, b = read_workbook(p), read_workbook(valid)
    assert a.problems.empty
    assert a.meta == b.meta
    for key in CORE:
        pd.testing.assert_frame_equal(core(a, key), core(b, key))


def test_title_rows_and_two_row_merged_header(tmp_path: Path, valid: Path) -> None:
    data = F.workbook_data()
    data["assets"]["title"] = ["Aktivregister – Testkommune", "Opdateret marts 2026", ""]
    data["risks"]["title"] = ["Risikoregister"]
    p = F.write(tmp_path / "two.xlsx", data, two_row_assets=True)
    a, b = read_workbook(p), read_workbook(valid)
    assert a.problems.empty
    pd.testing.assert_frame_equal(core(a, "assets"), core(b, "assets"))
    pd.testing.assert_frame_equal(core(a, "risks"), core(b, "risks"))
    # 3 title rows + 2 header rows: data starts in Excel row 6; risks after 1 title row: row 3.
    assert a.assets["source_row"].tolist() == [6, 7, 8]
    assert a.risks["source_row"].tolist() == [3, 4, 5, 6]


def test_two_row_header_english_and_unmerged_group(tmp_path: Path, valid: Path) -> None:
    data = F.workbook_data("en")
    p = F.write(tmp_path / "two-en.xlsx", data, two_row_assets=True)
    pd.testing.assert_frame_equal(core(read_workbook(p), "assets"), core(read_workbook(valid), "assets"))

    # Same, but the group label is written once without merging the cells.
    data = F.workbook_data()
    p = F.write(tmp_path / "two-unmerged.xlsx", data, two_row_assets=True)
    wb = openpyxl.load_workbook(p)
    ws = wb["Aktiver"]
    for rng in list(ws.merged_cells.ranges):
        if rng.min_row == rng.max_row:  # the horizontal group cells
            ws.unmerge_cells(str(rng))
    wb.save(p)
    pd.testing.assert_frame_equal(core(read_workbook(p), "assets"), core(read_workbook(valid), "assets"))


def test_header_spelling_variants(tmp_path: Path, valid: Path) -> None:
    data = F.workbook_data()
    F.rename_header(data, "assets", "asset_id", "AKTIV ID")
    F.rename_header(data, "assets", "consequence_municipality_c", "Konsekvens (kommunen) – F")
    F.rename_header(data, "assets", "consequence_data_subject_a", "konsekvens for de registrerede: T")
    F.rename_header(data, "assets", "tolerable_downtime", "Taalelig\nnedetid")
    F.rename_header(data, "risks", "likelihood", "Sandsynlighed\n(1-4)")
    F.rename_header(data, "risks", "vulnerability", "  saarbarhed ")
    F.rename_header(data, "risks", "threat_id", "trussel_id")
    F.rename_header(data, "risks", "accepted_date", "Accepteret - dato")
    data["wheel"]["name"] = "Aarshjul"
    data["risks"]["name"] = "RISICI"
    p = F.write(tmp_path / "variants.xlsx", data)
    a, b = read_workbook(p), read_workbook(valid)
    assert a.problems.empty
    for key in CORE:
        pd.testing.assert_frame_equal(core(a, key), core(b, key))
    assert a.assets["tolerable_downtime"].tolist()[0] == "1 dag"
    assert a.wheel is not None and len(a.wheel) == 1


def test_extra_columns_blank_rows_and_formatted_tail(tmp_path: Path, valid: Path) -> None:
    data = F.workbook_data()
    F.add_column(data, "risks", "Intern note", ["a", None, "c", 4])
    p = F.write(tmp_path / "extra.xlsx", data, blank_rows_after={"risks": [0, 2]}, formatted_tail=40)
    a = read_workbook(p)
    assert a.problems.empty
    assert "Intern note" in a.risks.columns
    assert a.risks["Intern note"].tolist()[0] == "a" and a.risks["Intern note"].isna().tolist()[1]
    assert a.risks["source_row"].tolist() == [2, 4, 5, 7]  # blank rows 3 and 6 skipped
    pd.testing.assert_frame_equal(core(a, "risks"), core(read_workbook(valid), "risks"))


def test_value_spellings(tmp_path: Path) -> None:
    data = F.workbook_data()
    for i, v in enumerate(["Sandsynligt", "mindre sandsynlig", "4 - Forventet", 1.0]):
        F.set_value(data, "risks", i, "likelihood", v)
    F.set_value(data, "assets", 0, "consequence_municipality_c", "Høj")
    F.set_value(data, "assets", 0, "consequence_data_subject_c", "4 - Meget høj")
    F.set_value(data, "assets", 1, "consequence_municipality_c", " 2 ")
    for i, v in enumerate(["✓", "nej", "X"]):
        F.set_value(data, "assets", i, "critical", v)
    for i, v in enumerate([1, "Yes", "ja"]):
        F.set_value(data, "threats", i, "affects_c", v)
    F.set_value(data, "threats", 0, "affects_a", 0)
    F.set_value(data, "threats", 1, "affects_a", "No")
    F.set_value(data, "risks", 0, "deadline", "30-06-2026")
    F.set_value(data, "risks", 1, "accepted_date", "20.03.2026")
    F.set_value(data, "risks", 2, "deadline", "30/09/2026")
    F.set_value(data, "risks", 3, "deadline", "2026-12-24")
    F.set_value(data, "actions", 0, "deadline", 46203)  # Excel serial of 2026-06-30
    F.set_value(data, "wheel", 0, "last_done", dt.datetime(2026, 1, 15, 13, 45))
    F.set_value(data, "risks", 0, "risk_id", "  R-01 ")
    F.set_value(data, "risks", 0, "asset_id", " A-01")
    F.set_value(data, "assets", 0, "asset_id", "A-01  ")
    F.set_value(data, "soa", 1, "control_id", 8.7)  # a number, not text
    F.set_value(data, "risks", 1, "treatment", "accepter")  # a layout alias
    p = F.write(tmp_path / "values.xlsx", data)
    a = read_workbook(p)
    assert a.problems.empty, a.problems
    assert a.risks["likelihood"].tolist() == [3, 2, 4, 1]
    assert a.assets["consequence_municipality_c"].tolist() == [3, 2, 4]
    assert a.assets["consequence_data_subject_c"].tolist()[0] == 4
    assert a.assets["critical"].tolist() == [True, False, True]
    assert a.threats["affects_c"].tolist() == [True, True, True]
    assert a.threats["affects_a"].tolist()[:2] == [False, False]
    assert a.risks["deadline"].tolist()[0] == pd.Timestamp("2026-06-30")
    assert a.risks["accepted_date"].tolist()[1] == pd.Timestamp("2026-03-20")
    assert a.risks["deadline"].tolist()[2:] == [pd.Timestamp("2026-09-30"), pd.Timestamp("2026-12-24")]
    assert a.actions["deadline"].tolist() == [pd.Timestamp("2026-06-30")]
    assert a.wheel["last_done"].tolist() == [pd.Timestamp("2026-01-15")]
    assert a.risks["risk_id"].tolist()[0] == "R-01"
    assert a.risks["asset_id"].tolist()[0] == "A-01"
    assert a.assets["asset_id"].tolist()[0] == "A-01"
    assert a.soa["control_id"].tolist()[1] == "8.7"
    assert a.risks["treatment"].tolist()[1] == "accept"


def test_scale_labels_follow_the_matrix_named_in_om(tmp_path: Path) -> None:
    data = F.workbook_data()
    F.set_meta(data, "matrix", "Standard")
    from isms_analysis.matrix import matrix

    label = matrix("standard").likelihood_da[1]
    F.set_value(data, "risks", 0, "likelihood", label)
    a = read_workbook(F.write(tmp_path / "std.xlsx", data), strict=False)
    assert a.meta["matrix"] == "Standard"
    assert a.risks["likelihood"].tolist()[0] == 2


def test_mapping_toml(tmp_path: Path, valid: Path) -> None:
    data = F.workbook_data()
    data["risks"]["name"] = "Risikoregister"
    F.rename_header(data, "risks", "likelihood", "Sandsynlighed (1-4)")
    F.rename_header(data, "risks", "owner", "Ansvarlig leder")
    F.rename_header(data, "assets", "risk_owner", "Ejer")
    p = F.write(tmp_path / "own.xlsx", data)
    # Without the mapping the sheet and the owner columns are not found.
    codes = set(validate_workbook(p)["code"])
    assert "missing_sheet" in codes
    toml = tmp_path / "mapping.toml"
    toml.write_text(
        '[sheets]\nrisks = "Risikoregister"\n\n[columns.risks]\nowner = "Ansvarlig leder"\n'
        '[columns.assets]\nrisk_owner = ["Ansvarlig", "Ejer"]\n',
        encoding="utf-8",
    )
    mapping = load_mapping(toml)
    assert mapping["sheets"]["risks"] == "Risikoregister"
    a = read_workbook(p, mapping=toml)
    b = read_workbook(valid)
    assert a.problems.empty
    for key in CORE:
        pd.testing.assert_frame_equal(core(a, key), core(b, key))
    # The same mapping given as a dict.
    pd.testing.assert_frame_equal(core(read_workbook(p, mapping=mapping), "risks"), core(b, "risks"))


def test_mapping_errors(tmp_path: Path) -> None:
    from isms_analysis.errors import UserError

    bad = tmp_path / "bad.toml"
    bad.write_text("[columns.risks]\nlikelyhood = 'X'\n", encoding="utf-8")
    with pytest.raises(UserError, match="likelyhood"):
        load_mapping(bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("[sheets\n", encoding="utf-8")
    with pytest.raises(UserError, match="TOML"):
        load_mapping(broken)


def test_every_row_is_in_the_assessment_or_named_in_an_error(tmp_path: Path) -> None:
    data = F.workbook_data()
    F.set_value(data, "risks", 0, "likelihood", 9)
    F.set_value(data, "risks", 1, "asset_id", "A-99")
    F.set_value(data, "risks", 2, "risk_id", None)
    F.set_value(data, "assets", 2, "asset_id", "A-01")
    p = F.write(tmp_path / "rows.xlsx", data, blank_rows_after={"risks": [1]}, formatted_tail=5)
    a = read_workbook(p, strict=False)
    wb = openpyxl.load_workbook(p)
    for key in ("assets", "threats", "risks"):
        ws = wb[data[key]["name"]]
        input_rows = {c[0].row for c in ws.iter_rows(min_row=2) if any(v.value not in (None, "") for v in c)}
        frame_rows = set(getattr(a, key)["source_row"])
        error_rows = set(a.errors.loc[a.errors["sheet"] == ws.title, "row"])
        assert input_rows == frame_rows  # nothing dropped, nothing invented
        assert input_rows >= error_rows
    assert len(a.risks) == 4 and len(a.assets) == 3
    assert set(a.errors["row"]) >= {2, 3, 5}  # likelihood, unknown asset, missing risk ID (row 5 after a blank)


def test_fold() -> None:
    assert fold("Tålelig nedetid") == fold("taalelig-NEDETID") == "taalelignedetid"
    assert fold("Acceptér") == "accepter"


# -- unreadable input ----------------------------------------------------------------------------
def test_unreadable_files(tmp_path: Path, valid: Path) -> None:
    cases = {}
    cases["missing"] = tmp_path / "nope.xlsx"
    (tmp_path / "empty.xlsx").write_bytes(b"")
    cases["empty"] = tmp_path / "empty.xlsx"
    (tmp_path / "text.xlsx").write_text("Risiko-ID;Sandsynlighed\nR-01;3\n", encoding="utf-8")
    cases["not a workbook"] = tmp_path / "text.xlsx"
    (tmp_path / "cut.xlsx").write_bytes(valid.read_bytes()[:3000])
    cases["truncated"] = tmp_path / "cut.xlsx"
    (tmp_path / "enc.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000)
    cases["damaged office file"] = tmp_path / "enc.xlsx"
    cases["folder"] = tmp_path
    expected = {
        "missing": "findes ikke",
        "empty": "tom",
        "not a workbook": "ikke en Excel",
        "truncated": "beskadiget",
        "damaged office file": "beskadiget",
        "folder": "mappe",
    }
    for what, path in cases.items():
        with pytest.raises(WorkbookError) as exc:
            read_workbook(path)
        assert path.name in exc.value.da, what
        assert expected[what] in exc.value.da, (what, exc.value.da)
        assert path.name in exc.value.en and exc.value.en != exc.value.da
        assert exc.value.exit_code == 2
        with pytest.raises(WorkbookError):
            validate_workbook(path)


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    p = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("hello.txt", "hej")
    with pytest.raises(WorkbookError, match="archive.xlsx"):
        read_workbook(p)


def test_header_only_and_empty_optional_sheets(tmp_path: Path) -> None:
    data = F.workbook_data()
    for key in ("risks", "soa", "actions"):
        data[key]["rows"] = []
    p = F.write(tmp_path / "empty.xlsx", data)
    wb = openpyxl.load_workbook(p)
    ws = wb["Årshjul"]
    ws.delete_rows(1, ws.max_row)  # an optional sheet left completely empty
    wb.save(p)
    # A round without risks is an error (a register with headers only); empty optional sheets are fine.
    a = read_workbook(p, strict=False)
    assert a.problems[["code", "sheet", "row"]].values.tolist() == [["empty_sheet", "Risici", 1]]
    assert a.risks.empty and list(a.risks.columns[:3]) == ["risk_id", "asset_id", "threat_id"]
    assert a.soa is not None and a.soa.empty and "control_id" in a.soa.columns
    assert a.wheel is not None and a.wheel.empty
    assert str(a.risks["likelihood"].dtype) == "Int8"


def test_header_row_from_mapping(tmp_path: Path, valid: Path) -> None:
    data = F.workbook_data()
    data["risks"]["title"] = ["Oversigt"]
    p = F.write(tmp_path / "legend.xlsx", data)
    # A legend row above the title that repeats every header: guessing picks the first.
    wb = openpyxl.load_workbook(p)
    ws = wb["Risici"]
    ws.insert_rows(1, 2)
    for j, h in enumerate(data["risks"]["headers"], start=1):
        ws.cell(1, j, h)
    wb.save(p)
    assert len(validate_workbook(p).query("severity == 'error'")) > 0
    a = read_workbook(p, mapping={"header_rows": {"risks": 4}})
    assert a.risks["source_row"].tolist() == [5, 6, 7, 8]
    pd.testing.assert_frame_equal(core(a, "risks"), core(read_workbook(valid), "risks"))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("24-12-2026", dt.date(2026, 12, 24)),
        ("24.12.2026", dt.date(2026, 12, 24)),
        ("24/12/2026", dt.date(2026, 12, 24)),
        ("2026-12-24", dt.date(2026, 12, 24)),
        ("2026-12-24 00:00:00", dt.date(2026, 12, 24)),
        ("24. december 2026", dt.date(2026, 12, 24)),
        (46380, dt.date(2026, 12, 24)),  # Excel serial: 46380 days after 30-12-1899
        (46380.0, dt.date(2026, 12, 24)),
        (dt.datetime(2026, 12, 24, 8, 30), dt.date(2026, 12, 24)),
        ("1-2-26", dt.date(2026, 2, 1)),
    ],
)
def test_date_spellings(raw, expected) -> None:
    from isms_analysis.workbook.parsers import parse_date

    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["31-02-2026", "2026-13-01", "snart", True, -5, "24-12"])
def test_bad_dates(raw) -> None:
    from isms_analysis.workbook.parsers import BAD, parse_date

    assert parse_date(raw) is BAD


def test_yes_no_and_months() -> None:
    from isms_analysis.workbook.parsers import BAD, parse_bool, parse_month

    yes = ["Ja", "ja ", "X", "x", "✓", "✔", "Yes", "1", 1, 1.0, True, "Sand"]
    no = ["Nej", "NEJ", "No", "0", 0, 0.0, False, "-"]
    assert [parse_bool(v) for v in yes] == [True] * len(yes)
    assert [parse_bool(v) for v in no] == [False] * len(no)
    assert parse_bool("måske") is BAD and parse_bool(2) is BAD
    assert [parse_month(v) for v in ("marts", "March", "okt.", 12.0, "5", "Maj")] == [3, 3, 10, 12, 5, 5]
    assert parse_month("Smarch") is BAD
