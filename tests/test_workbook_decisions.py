"""The reader's side of the decisions: the Roller sheet, Revurderes, Restrisiko
(beskrivelse), the risk profile's Perspektiv/Godkendt columns, old headers as
aliases, and the warnings (see workbook_fixtures for the hand-computed round)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import workbook_fixtures as F

from isms_analysis import decisions, read_workbook
from isms_analysis import layout as L
from isms_analysis.workbook import validate_workbook


def with_roles(data: dict, rows: list[list]) -> dict:
    data["roles"] = {
        "name": "Roller",
        "fields": ["name", "role", "max_level"],
        "headers": ["Navn", "Rolle", "Maks. niveau"],
        "rows": rows,
        "title": [],
    }
    return data


def test_roles_review_date_residual_description_and_profile_columns_are_read(tmp_path: Path) -> None:
    data = with_roles(
        F.workbook_data(),
        [["Kommunaldirektør Lone Bjerre", "Topledelse", "Høj"], ["Socialchef", "Ledelse", "Middel"]],
    )
    F.set_value(data, "risks", 0, "treatment", "Acceptér")
    F.set_value(data, "risks", 0, "residual_likelihood", None)
    F.set_value(data, "risks", 0, "accepted_by", "Direktionen v/ kommunaldirektør Lone Bjerre")
    F.set_value(data, "risks", 0, "accepted_date", dt.date(2026, 3, 1))
    F.set_value(data, "risks", 0, "review_date", "01-09-2026")
    F.set_value(data, "risks", 0, "residual_description", "Phishing kan stadig ramme enkelte medarbejdere")
    F.set_value(data, "profile", 0, "perspective", "De registrerede")
    F.set_value(data, "profile", 0, "approved_by", "Informationssikkerhedsudvalget")
    F.set_value(data, "profile", 0, "approved_date", dt.date(2026, 1, 20))
    a = read_workbook(F.write(tmp_path / "roller.xlsx", data))
    assert a.errors.empty
    assert a.roles[["name", "role", "max_level"]].values.tolist() == [
        ["Kommunaldirektør Lone Bjerre", "top_management", "Høj"],  # level identifiers, as in scores["level"]
        ["Socialchef", "management", "Middel"],
    ]
    r1 = a.risks.iloc[0]
    assert r1["review_date"] == pd.Timestamp("2026-09-01")
    assert r1["residual_description"] == "Phishing kan stadig ramme enkelte medarbejdere"
    assert a.profile["perspective"].tolist()[0] == "data_subject" and pd.isna(a.profile["perspective"].iloc[1])
    assert a.profile["approved_date"].iloc[0] == pd.Timestamp("2026-01-20")
    # R-01 on A-01 (critical, Social: Middel only for the data subjects now, default Under middel for
    # the municipality): municipality 3x3 = 9 Middel > Under middel, data subjects 4x3 = 12 > Middel.
    # Accepted by top management (matched inside the longer text), review 2026-09-01 after the
    # assessment date 2026-03-15: accepted; 12 Over middel is against the advice.
    d = decisions(a).set_index(["risk_id", "perspective"])
    assert d.loc[("R-01", "municipality"), ["tolerance", "reason", "acceptor_role"]].tolist() == [
        "Under middel", "accepted", "top_management",
    ]  # fmt: skip
    assert d.loc[("R-01", "data_subject"), ["tolerance", "reason"]].tolist() == ["Middel", "accepted_against_advice"]


def test_unknown_role_and_level_in_roller_are_errors_at_the_cell(tmp_path: Path) -> None:
    data = with_roles(F.workbook_data(), [["Borgmesteren", "Konge", "Meget høj"]])
    problems = validate_workbook(F.write(tmp_path / "roller.xlsx", data))
    got = sorted(zip(problems["code"], problems["sheet"], problems["cell"], strict=True))
    assert got == [("unknown_level", "Roller", "C2"), ("unknown_value", "Roller", "B2")]


def test_same_area_and_perspective_twice_is_an_error_but_one_per_perspective_is_fine(tmp_path: Path) -> None:
    data = F.workbook_data()
    data["profile"]["rows"].append(["Social", "Lav", "Kommunen", None, None])
    assert validate_workbook(F.write(tmp_path / "ok.xlsx", data)).empty
    data["profile"]["rows"].append(["Social", "Under middel", "Kommunen", None, None])
    problems = validate_workbook(F.write(tmp_path / "twice.xlsx", data))
    assert problems["code"].tolist() == ["duplicate_id", "duplicate_id"]
    assert problems["cell"].tolist() == ["A4", "A5"]


def test_old_headers_are_aliases(tmp_path: Path) -> None:
    data = F.workbook_data()
    F.rename_header(data, "risks", "controls", "Kontroller")
    F.rename_header(data, "risks", "existing_controls", "Eksisterende kontroller")
    F.rename_header(data, "actions", "controls", "Kontroller")
    F.rename_header(data, "wheel", "controls", "Kontroller")
    a = read_workbook(F.write(tmp_path / "gamle.xlsx", data))
    assert a.errors.empty
    assert a.risks["controls"].iloc[0] == "6.3; 8.7" and a.risks["existing_controls"].iloc[0] == "Spamfilter"
    assert a.actions["controls"].iloc[0] == "8.5" and a.wheel["controls"].iloc[0] == "5.18"
    assert L.ACTIONS.column("controls").da == "Foranstaltninger"


def test_personal_data_without_data_subject_consequence_warns_on_any_asset(tmp_path: Path) -> None:
    data = F.workbook_data()
    # A-02 (not critical, CPR numbers) loses its data-subject consequences.
    for p in "cia":
        F.set_value(data, "assets", 1, f"consequence_data_subject_{p}", None)
    problems = validate_workbook(F.write(tmp_path / "ds.xlsx", data))
    assert problems["code"].tolist() == ["no_data_subject_consequence"]
    assert problems["severity"].tolist() == ["warning"]
    assert problems["cell"].tolist() == [f"{F.col_of(data, 'assets', 'consequence_data_subject_c')}3"]
    assert problems["message_da"].item() == (
        "aktivet har personoplysninger (CPR), men konsekvensen for de registrerede er ikke vurderet; "
        "kommunens vurdering alene er ikke nok"
    )


def test_free_text_downtime_is_kept(tmp_path: Path) -> None:
    data = F.workbook_data()
    F.set_value(data, "assets", 0, "tolerable_downtime", "4 timer")
    F.set_value(data, "assets", 1, "tolerable_downtime", "Under ½ dag")
    a = read_workbook(F.write(tmp_path / "nedetid.xlsx", data))
    assert a.assets["tolerable_downtime"].tolist()[:2] == ["4 timer", "Under ½ dag"]
