"""Nothing silently dropped: other sheets, continuation sheets, totals rows, lock files,
the vocabulary people write and one date convention (issue: the analyst's workbench)."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import workbook_fixtures as F
from typer.testing import CliRunner

from isms_analysis import read_workbook, score, validate_workbook
from isms_analysis.cli import app
from isms_analysis.dates import to_day
from isms_analysis.sections import as_of_day
from isms_analysis.sheets import skip_lock_files

runner = CliRunner()


def write(tmp_path: Path, data: dict, name: str = "kommune.xlsx") -> Path:
    return F.write(tmp_path / name, data)


def with_second_risk_sheet(data: dict, rows: list[list], name: str = "Risici IT", fields: list | None = None) -> dict:
    extra = copy.deepcopy(data["risks"])
    extra["name"] = name
    extra["rows"] = rows
    if fields is not None:
        keep = [extra["fields"].index(f) for f in fields]
        extra["fields"] = fields
        extra["headers"] = [extra["headers"][i] for i in keep]
        extra["rows"] = [[r[i] for i in keep] for r in rows]
    data["risks_it"] = extra
    return data


def risk_row(data: dict, **values) -> list:
    fields = data["risks"]["fields"]
    return [values.get(f) for f in fields]


def test_a_continuation_sheet_is_read_and_its_risks_scored(tmp_path):
    data = F.workbook_data()
    more = [risk_row(data, risk_id="R-05", asset_id="A-03", threat_id="T-01", likelihood=4, owner="IT-chef",
                     status="Åben", treatment="Mitiger", controls="8.13 backup", deadline=F.D(2026, 12, 31)),
            risk_row(data, risk_id="R-06", asset_id="A-01", threat_id="T-02", likelihood="Meget usandsynlig",
                     owner="Socialchef", status="Åben", treatment="Reducere", deadline=F.D(2026, 12, 31))]  # fmt: skip
    p = write(tmp_path, with_second_risk_sheet(data, more))
    problems = validate_workbook(p)
    assert (problems["severity"] == "error").sum() == 0, problems[["sheet", "cell", "message_da"]]
    note = problems[problems["code"] == "continuation_sheet"]
    assert note["sheet"].tolist() == ["Risici IT"]
    a = read_workbook(p)
    assert a.risks["risk_id"].tolist() == ["R-01", "R-02", "R-03", "R-04", "R-05", "R-06"]
    assert a.risks["source_sheet"].tolist() == ["Risici"] * 4 + ["Risici IT"] * 2
    assert a.risks["source_row"].tolist() == [2, 3, 4, 5, 2, 3]
    r5, r6 = a.risks.iloc[4], a.risks.iloc[5]
    assert r5["controls"] == "8.13"
    assert r6["likelihood"] == 1 and r6["treatment"] == "mitigate"
    assert score(a)["risk_id"].nunique() == 6


def test_continuation_ids_must_be_unique_across_sheets(tmp_path):
    data = F.workbook_data()
    dup = [risk_row(data, risk_id="R-02", asset_id="A-03", threat_id="T-01", likelihood=2, owner="IT-chef")]
    problems = validate_workbook(write(tmp_path, with_second_risk_sheet(data, dup)))
    err = problems[problems["code"] == "duplicate_id_across_sheets"]
    assert err[["sheet", "cell"]].values.tolist() == [["Risici IT", "A2"]]
    assert "Risici!A3" in err["message_da"].item()


def test_a_lookalike_sheet_with_other_columns_is_an_error_naming_it(tmp_path):
    data = F.workbook_data()
    fields = ["risk_id", "asset_id", "threat_id", "likelihood"]
    rows = [risk_row(data, risk_id="R-09", asset_id="A-01", threat_id="T-01", likelihood=4)]
    p = write(tmp_path, with_second_risk_sheet(data, rows, fields=fields))
    problems = validate_workbook(p)
    err = problems[problems["code"] == "lookalike_sheet"]
    assert err["sheet"].tolist() == ["Risici IT"]
    assert err["severity"].tolist() == ["error"]
    assert "'Risici'" in err["message_da"].item()
    result = runner.invoke(app, ["validate", str(p)])
    assert result.exit_code == 1 and "Risici IT" in result.output


def test_every_unused_sheet_is_named(tmp_path):
    data = F.workbook_data()
    data["notes"] = {"name": "Noter", "fields": ["x"], "headers": ["Mødenoter"], "rows": [["Husk udvalget"]],
                     "title": []}  # fmt: skip
    problems = validate_workbook(write(tmp_path, data))
    unused = problems[problems["code"] == "unused_sheet"]
    assert unused["sheet"].tolist() == ["Noter"]
    assert unused["severity"].tolist() == ["warning"]


@pytest.mark.parametrize("label", ["I alt", "Total", "Sum:"])
def test_a_totals_row_is_named_not_three_mandatory_errors(tmp_path, label):
    data = F.workbook_data()
    total = [None] * len(data["risks"]["fields"])
    total[0] = label
    total[data["risks"]["fields"].index("likelihood")] = 10  # the cached value of =SUM(F2:F5)
    data["risks"]["rows"].append(total)
    problems = validate_workbook(write(tmp_path, data))
    assert (problems["severity"] == "error").sum() == 0, problems[["cell", "message_da"]]
    w = problems[problems["code"] == "summary_row"]
    assert w[["sheet", "cell"]].values.tolist() == [["Risici", "A6"]]
    assert len(read_workbook(tmp_path / "kommune.xlsx").risks) == 4


def test_a_note_row_below_the_table_is_named(tmp_path):
    data = F.workbook_data()
    note = [None] * len(data["risks"]["fields"])
    note[1] = "Bemærk: risici for skolerne vurderes i næste runde"
    data["risks"]["rows"].append(note)
    problems = validate_workbook(write(tmp_path, data))
    assert (problems["severity"] == "error").sum() == 0
    assert problems.loc[problems["code"] == "summary_row", "cell"].tolist() == ["B6"]


def test_a_real_incomplete_last_row_is_still_an_error(tmp_path):
    data = F.workbook_data()
    data["risks"]["rows"].append(risk_row(data, asset_id="A-01", threat_id="T-01", likelihood=2))
    problems = validate_workbook(write(tmp_path, data))
    assert problems.loc[problems["severity"] == "error", "cell"].tolist() == ["A6"]


def test_a_warning_without_a_cell_names_the_id(tmp_path):
    data = F.workbook_data()
    F.drop_column(data, "assets", "risk_owner")
    problems = validate_workbook(write(tmp_path, data))
    owners = problems[(problems["code"] == "missing_owner") & (problems["sheet"] == "Aktiver")]
    assert len(owners) == 3
    assert [m.split(":")[0] for m in owners["message_da"]] == ["A-01", "A-02", "A-03"]


@pytest.mark.parametrize(
    ("written", "key"),
    [("Reducere", "mitigate"), ("Reducér", "mitigate"), ("Mitigér", "mitigate"), ("Overføre", "transfer"),
     ("Overfør", "transfer"), ("Undgå", "avoid"), ("Undgås", "avoid"), ("Accepter", "accept"),
     ("Acceptere", "accept")],
)  # fmt: skip
def test_treatment_as_people_write_it(tmp_path, written, key):
    data = F.workbook_data()
    F.set_value(data, "risks", 0, "treatment", written)
    a = read_workbook(write(tmp_path, data), strict=False)
    assert a.risks.loc[0, "treatment"] == key


def test_lock_files_are_skipped_with_a_note(tmp_path):
    good = write(tmp_path, F.workbook_data())
    lock = tmp_path / "~$kommune.xlsx"
    lock.write_bytes(b"\x0bowner" + b"\x00" * 150)
    kept, notes = skip_lock_files([lock, good])
    assert kept == [good] and "~$kommune.xlsx" in notes[0]
    result = runner.invoke(app, ["validate", str(lock), str(good)])
    assert result.exit_code == 0, result.output
    assert "låsefil" in result.output and "kommune.xlsx: gyldig" in result.output


def test_one_date_convention_day_first():
    assert to_day("03/04/2026") == pd.Timestamp("2026-04-03")
    assert to_day("3.4.26") == pd.Timestamp("2026-04-03")
    assert to_day("2026-04-03") == pd.Timestamp("2026-04-03")
    assert as_of_day("03/04/2026", None) == pd.Timestamp("2026-04-03")
    with pytest.raises(ValueError):
        to_day("13/13/2026")
