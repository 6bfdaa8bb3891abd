"""Validation: every broken rule is reported with its cell, value and what is allowed."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
import workbook_fixtures as F
from typer.testing import CliRunner

from isms_analysis.assessment import PROBLEM_COLUMNS
from isms_analysis.cli import app
from isms_analysis.errors import ValidationFailed
from isms_analysis.workbook import format_problems, problems_to_records, read_workbook, validate_workbook


def write(tmp_path: Path, data: dict, name: str = "kommune.xlsx", **kw) -> Path:
    return F.write(tmp_path / name, data, **kw)


def problem_at(problems: pd.DataFrame, sheet: str, cell: str) -> pd.DataFrame:
    return problems[(problems["sheet"] == sheet) & (problems["cell"] == cell)]


def lines(problems: pd.DataFrame, lang: str = "da") -> list[str]:
    return format_problems(problems, lang).splitlines()


# -- errors ---------------------------------------------------------------------------------------
def test_out_of_range_likelihood_names_cell_value_and_allowed(tmp_path: Path) -> None:
    data = F.workbook_data()
    data["risks"]["title"] = ["Risikoregister"] + [""] * 13  # header in row 15, R-02 in row 17
    F.set_value(data, "risks", 1, "likelihood", 7)
    p = write(tmp_path, data)
    problems = validate_workbook(p)
    errors = problems[problems["severity"] == "error"]
    assert lines(errors) == [
        "kommune.xlsx: Risici!F17: værdien '7' er ikke en gyldig sandsynlighed; tilladt: 1–4 (1 Usandsynlig, 2 Mindre sandsynligt, 3 Sandsynligt, 4 Forventet)"
    ]
    assert lines(errors, "en") == [
        "kommune.xlsx: Risici!F17: the value '7' is not a valid likelihood; allowed: 1–4 (1 Unlikely, 2 Less likely, 3 Likely, 4 Expected)"
    ]
    row = errors.iloc[0]
    assert (row["code"], row["row"], row["column"], row["value"]) == ("out_of_range", 17, "Sandsynlighed", "7")


def test_unparseable_values(tmp_path: Path) -> None:
    data = F.workbook_data()
    F.set_value(data, "assets", 1, "consequence_municipality_c", "Kæmpe")
    F.set_value(data, "risks", 0, "deadline", "31-02-2026")
    F.set_value(data, "assets", 2, "critical", "måske")
    F.set_value(data, "wheel", 0, "month", "Smarch")
    F.set_value(data, "risks", 3, "likelihood", 2.5)
    problems = validate_workbook(write(tmp_path, data))
    assert set(problems["code"]) == {"unparseable"}
    got = {(r.sheet, r.cell, r.value) for r in problems.itertuples()}
    assert got == {
        ("Aktiver", f"{F.col_of(data, 'assets', 'consequence_municipality_c')}3", "Kæmpe"),
        ("Risici", f"{F.col_of(data, 'risks', 'deadline')}2", "31-02-2026"),
        ("Aktiver", f"{F.col_of(data, 'assets', 'critical')}4", "måske"),
        ("Årshjul", f"{F.col_of(data, 'wheel', 'month')}2", "Smarch"),
        ("Risici", "F5", "2.5"),
    }
    msg = problem_at(problems, "Aktiver", f"{F.col_of(data, 'assets', 'consequence_municipality_c')}3")
    assert msg["message_da"].item() == "værdien 'Kæmpe' er ikke en gyldig konsekvens; tilladt: 1–4 (1 Lav, 2 Medium, 3 Høj, 4 Meget høj)"


def test_unknown_vocabulary_value(tmp_path: Path) -> None:
    data = F.workbook_data()
    F.set_value(data, "risks", 2, "treatment", "Forsikre")
    problems = validate_workbook(write(tmp_path, data))
    assert lines(problems) == [
        "kommune.xlsx: Risici!G4: værdien 'Forsikre' er ikke en gyldig værdi for 'Håndtering'; "
        "tilladt: Mitiger, Acceptér, Undgå, Flyt"
    ]
    assert problems["code"].tolist() == ["unknown_value"]


def test_unknown_references(tmp_path: Path) -> None:
    data = F.workbook_data()
    F.set_value(data, "risks", 3, "asset_id", "A-99")
    F.set_value(data, "risks", 3, "threat_id", "T-77")
    problems = validate_workbook(write(tmp_path, data))
    assert lines(problems) == [
        "kommune.xlsx: Risici!B5: Aktiv-ID 'A-99' findes ikke i arket 'Aktiver'",
        "kommune.xlsx: Risici!C5: Trussel-ID 'T-77' findes ikke i arket 'Trusler'",
    ]
    assert set(problems["code"]) == {"unknown_reference"}


def test_duplicate_ids_name_both_rows(tmp_path: Path) -> None:
    data = F.workbook_data()
    F.set_value(data, "risks", 3, "risk_id", "R-02")
    problems = validate_workbook(write(tmp_path, data))
    assert lines(problems) == [
        "kommune.xlsx: Risici!A3: Risiko-ID 'R-02' findes flere gange: rækkerne 3 og 5",
        "kommune.xlsx: Risici!A5: Risiko-ID 'R-02' findes flere gange: rækkerne 3 og 5",
    ]
    a = read_workbook(write(tmp_path, data, "again.xlsx"), strict=False)
    assert a.risks["risk_id"].tolist()[1] == "R-02" and pd.isna(a.risks["risk_id"].tolist()[3])
    assert len(a.risks) == 4


def test_missing_required_sheet_and_column(tmp_path: Path) -> None:
    data = F.workbook_data()
    F.drop_column(data, "risks", "likelihood")
    p = write(tmp_path, data, sheets=("meta", "assets", "risks"))
    problems = validate_workbook(p)
    assert set(problems["code"]) == {"missing_sheet", "missing_column"}
    text = format_problems(problems)
    assert "kommune.xlsx: Trusler: arket 'Trusler' mangler (ledte efter 'Trusler', 'Threats')" in text
    assert (
        "kommune.xlsx: Risici: arket 'Risici' mangler kolonnen 'Sandsynlighed' "
        "(ledte efter 'Sandsynlighed', 'Likelihood' i række 1)" in text
    )
    a = read_workbook(p, strict=False)
    assert a.risks["likelihood"].isna().all() and len(a.risks) == 4
    assert a.threats.empty


def test_empty_mandatory_cells(tmp_path: Path) -> None:
    data = F.workbook_data()
    F.set_value(data, "risks", 2, "risk_id", None)
    F.set_value(data, "assets", 1, "name", "   ")
    F.set_meta(data, "municipality", None)
    problems = validate_workbook(write(tmp_path, data))
    assert set(problems["code"]) == {"mandatory_missing"}
    assert lines(problems) == [
        "kommune.xlsx: Om!B2: 'Kommune' skal udfyldes i arket 'Om'",
        "kommune.xlsx: Aktiver!B3: 'Aktiv' skal udfyldes",
        "kommune.xlsx: Risici!A4: 'Risiko-ID' skal udfyldes",
    ]


def test_unknown_level_and_unknown_matrix(tmp_path: Path) -> None:
    data = F.workbook_data()
    F.set_value(data, "profile", 1, "max_accepted_level", "Middelhøj")
    F.set_meta(data, "matrix", "Gul")
    problems = validate_workbook(write(tmp_path, data))
    assert lines(problems) == [
        "kommune.xlsx: Om!B8: risikomatrixen 'Gul' kendes ikke; tilladt: kl, standard, herning, datatilsynet "
        "eller en .toml-fil",
        "kommune.xlsx: Risikoprofil!B3: værdien 'Middelhøj' er ikke et niveau i risikomatrixen KL; "
        "tilladt: Lav, Under middel, Middel, Over middel, Høj",
    ]
    assert problems["code"].tolist() == ["unknown_matrix", "unknown_level"]


def test_acceptance_above_tolerance_without_who_or_when_is_a_warning_not_an_error(tmp_path: Path) -> None:
    data = F.workbook_data()
    # R-01 on A-01 (area Social, tolerance Middel), likelihood 3: municipality 3x3 = 9 (Middel, within),
    # data subjects 4x3 = 12 (Over middel, above) -> accepted without who/when: acceptance_missing.
    F.set_value(data, "risks", 0, "treatment", "Acceptér")
    F.set_value(data, "risks", 0, "residual_likelihood", None)
    # R-03 on A-03 (critical, area IT, default tolerance Under middel), likelihood 1: 4x1 = 4 -> within.
    F.set_value(data, "risks", 2, "likelihood", 1)
    F.set_value(data, "risks", 2, "treatment", "Acceptér")
    F.set_value(data, "risks", 2, "residual_likelihood", None)
    # R-04 (2 / 3, within Under middel) is accepted without who/when too: no warning.
    problems = validate_workbook(write(tmp_path, data))
    assert problems["code"].tolist() == ["acceptance_missing"]
    assert problems["severity"].tolist() == ["warning"]
    assert lines(problems) == [
        "kommune.xlsx: Risici!M2: advarsel: risikoen er accepteret over tolerancen, men 'Accepteret af' og "
        "'Accepteret dato' mangler; accepten afventer derfor en beslutning"
    ]
    # Who without when: the warning points at the date.
    F.set_value(data, "risks", 0, "accepted_by", "Direktionen")
    problems = validate_workbook(write(tmp_path, data, "who.xlsx"))
    assert problems["cell"].tolist() == ["N2"] and "'Accepteret dato' mangler" in problems["message_da"].item()
    F.set_value(data, "risks", 0, "accepted_date", dt.date(2026, 3, 1))
    assert validate_workbook(write(tmp_path, data, "ok.xlsx")).empty


# -- warnings -------------------------------------------------------------------------------------
def test_warnings_are_reported_but_not_fatal(tmp_path: Path) -> None:
    data = F.workbook_data()
    F.set_value(data, "risks", 0, "residual_likelihood", 4)  # residual 3x4 = 12 > inherent 9
    F.set_value(data, "risks", 2, "owner", None)
    F.set_value(data, "assets", 2, "risk_owner", None)  # R-03 now has no owner at all
    F.set_value(data, "assets", 2, "personal_data", "Almindelige")  # critical, no data-subject consequences
    F.set_value(data, "risks", 0, "deadline", dt.date(2026, 1, 31))  # before 15-03-2026, still open
    F.set_value(data, "risks", 1, "deadline", dt.date(2026, 1, 31))  # closed: fine
    # Cached formula values: R-04's municipality score is 2x1 = 2, not 3.
    F.add_column(data, "risks", "Risikoscore kommune", [9, 4, 16, 3], field="risk_score_municipality")
    p = write(tmp_path, data)
    a = read_workbook(p)  # strict, but only warnings
    w = a.problems
    assert set(w["severity"]) == {"warning"}
    got = sorted(zip(w["code"], w["sheet"], w["cell"], strict=True))
    assert got == sorted(
        [
            ("residual_above_inherent", "Risici", "I2"),
            ("missing_owner", "Risici", "L4"),
            ("missing_owner", "Aktiver", f"{F.col_of(data, 'assets', 'risk_owner')}4"),
            ("no_data_subject_consequence", "Aktiver", f"{F.col_of(data, 'assets', 'consequence_data_subject_c')}4"),
            ("deadline_passed", "Risici", "P2"),
            ("formula_mismatch", "Risici", "T5"),  # the added column comes after the 19 layout columns
        ]
    )
    mismatch = w[w["code"] == "formula_mismatch"]["message_da"].item()
    assert mismatch == "'Risikoscore kommune' er 3, men konsekvens × sandsynlighed giver 2 (overskrevet formel?)"
    assert "fristen 31-01-2026 ligger før vurderingsdatoen 15-03-2026" in format_problems(w)
    assert a.risks["risk_score_municipality"].tolist() == [9, 4, 16, 3]


# -- strict / non-strict ----------------------------------------------------------------------------
def test_strict_raises_listing_every_error(tmp_path: Path) -> None:
    data = F.workbook_data()
    F.set_value(data, "risks", 1, "likelihood", 7)
    F.set_value(data, "risks", 3, "asset_id", "A-99")
    F.set_value(data, "risks", 2, "owner", None)
    F.set_value(data, "assets", 2, "risk_owner", None)
    p = write(tmp_path, data)
    with pytest.raises(ValidationFailed) as exc:
        read_workbook(p)
    err = exc.value
    assert err.exit_code == 1
    assert len(err.problems) == 4  # 2 errors + 2 warnings, all carried
    assert "Risici!F3" in err.da and "Risici!B5" in err.da and "2 fejl" in err.da
    assert "Risici!F3" in err.en and "2 errors" in err.en

    a = read_workbook(p, strict=False)
    assert len(a.errors) == 2 and len(a.warnings) == 2
    assert len(a.risks) == 4  # rows with bad cells stay in
    assert pd.isna(a.risks.loc[1, "likelihood"]) and pd.isna(a.risks.loc[3, "asset_id"])
    assert a.risks.loc[1, "risk_id"] == "R-02"


def test_problem_frame_and_records(tmp_path: Path) -> None:
    data = F.workbook_data()
    F.set_value(data, "risks", 1, "likelihood", 7)
    problems = validate_workbook(write(tmp_path, data))
    assert tuple(problems.columns) == PROBLEM_COLUMNS
    recs = problems_to_records(problems, "en")
    assert recs == [
        {
            "severity": "error",
            "code": "out_of_range",
            "file": "kommune.xlsx",
            "sheet": "Risici",
            "cell": "F3",
            "row": 3,
            "column": "Sandsynlighed",
            "value": "7",
            "message": "the value '7' is not a valid likelihood; allowed: 1–4 (1 Unlikely, 2 Less likely, 3 Likely, 4 Expected)",
        }
    ]
    json.dumps(recs)


# -- the CLI ----------------------------------------------------------------------------------------
@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    valid = write(tmp_path, F.workbook_data(), "gyldig.xlsx")
    data = F.workbook_data()
    F.set_value(data, "risks", 1, "likelihood", 7)
    F.set_value(data, "risks", 2, "owner", None)
    F.set_value(data, "assets", 2, "risk_owner", None)
    invalid = write(tmp_path, data, "ugyldig.xlsx")
    warn = write(tmp_path, F.workbook_data(), "advarsel.xlsx")
    d = F.workbook_data()
    F.set_value(d, "risks", 0, "owner", None)
    F.set_value(d, "assets", 0, "risk_owner", None)
    warn = write(tmp_path, d, "advarsel.xlsx")
    broken = tmp_path / "tom.xlsx"
    broken.write_bytes(b"")
    return {"valid": valid, "invalid": invalid, "warn": warn, "broken": broken}


def invoke(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_cli_validate_exit_codes(files: dict[str, Path]) -> None:
    r = invoke("validate", str(files["valid"]))
    assert r.exit_code == 0 and "gyldig.xlsx: gyldig (0 fejl, 0 advarsler)" in r.output
    r = invoke("validate", str(files["warn"]))
    assert r.exit_code == 0 and "(0 fejl, 2 advarsler)" in r.output
    r = invoke("validate", str(files["invalid"]))
    assert r.exit_code == 1
    assert "ugyldig.xlsx: Risici!F3: værdien '7' er ikke en gyldig sandsynlighed" in r.output
    r = invoke("validate", str(files["broken"]))
    assert r.exit_code == 2 and "tom.xlsx" in r.output
    r = invoke("validate", str(files["valid"]), str(files["invalid"]), str(files["broken"]))
    assert r.exit_code == 2
    r = invoke("validate", str(files["invalid"]), "--lang", "en")
    assert r.exit_code == 1 and "the value '7' is not a valid likelihood" in r.output


def test_cli_validate_json(files: dict[str, Path]) -> None:
    r = invoke("validate", str(files["invalid"]), str(files["valid"]), "--format", "json")
    assert r.exit_code == 1
    report = json.loads(r.output)
    assert [f["status"] for f in report] == ["invalid", "valid"]
    assert report[0]["errors"] == 1 and report[0]["warnings"] == 2
    assert report[0]["problems"][0]["cell"] == "F3"


def test_cli_score(files: dict[str, Path]) -> None:
    r = invoke("score", str(files["valid"]))
    assert r.exit_code == 0 and "Middel" in r.output
    r = invoke("score", str(files["invalid"]))
    assert r.exit_code == 1 and "Risici!F3" in r.output
    r = invoke("score", str(files["broken"]))
    assert r.exit_code == 2 and "tom.xlsx" in r.output


def test_duplicate_header_hidden_sheet_excel_errors_and_long_values(tmp_path: Path) -> None:
    import openpyxl

    data = F.workbook_data()
    F.add_column(data, "risks", "Sandsynlighed", [1, 1, 1, 1])  # a second likelihood column, R1
    F.set_value(data, "risks", 0, "likelihood", "#REF!")  # openpyxl stores it as an Excel error cell
    F.set_value(data, "assets", 1, "consequence_municipality_c", "#N/A")
    F.set_value(data, "risks", 2, "likelihood", "meget " * 100)
    p = write(tmp_path, data)
    wb = openpyxl.load_workbook(p)
    wb["Trusler"].sheet_state = "hidden"
    wb.save(p)
    problems = validate_workbook(p)
    got = sorted(zip(problems["code"], problems["sheet"], problems["cell"], strict=True))
    k = F.col_of(data, "assets", "consequence_municipality_c")
    assert got == sorted(
        [
            ("hidden_sheet", "Trusler", ""),
            ("duplicate_column", "Risici", "T1"),  # after the 19 layout columns (Revurderes, Restrisiko last)
            ("excel_error", "Risici", "F2"),
            ("excel_error", "Aktiver", f"{k}3"),
            ("unparseable", "Risici", "F4"),
        ]
    )
    text = format_problems(problems)
    assert "kommune.xlsx: Risici!F2: cellen indeholder Excel-fejlen #REF!" in text
    assert "kolonnen 'Sandsynlighed' findes flere gange (F1 og T1)" in text
    assert max(len(line) for line in text.splitlines()) < 250  # the 600-character value is cut
