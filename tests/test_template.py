"""The blank KL-style template, the default threat catalogue and write_workbook."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from isms_analysis import Assessment
from isms_analysis.catalogue import annex_a, default_threats
from isms_analysis.cli import app
from isms_analysis.layout import SHEETS
from isms_analysis.template import write_template, write_workbook

SHEETS_DA = [
    "Vejledning",
    "Om",
    "Aktiver",
    "Trusler",
    "Risici",
    "Risikoprofil",
    "Roller",
    "SoA",
    "Handlingsplan",
    "Årshjul",
    "Matrix",
]
SHEETS_EN = ["Instructions", "About", "Assets", "Threats", "Risks", "Risk profile", "Roles", "SoA", "Action plan",
             "Annual wheel", "Matrix"]  # fmt: skip


@pytest.fixture(scope="module")
def template_da(tmp_path_factory):
    return openpyxl.load_workbook(write_template(tmp_path_factory.mktemp("t") / "skabelon.xlsx"))


@pytest.fixture(scope="module")
def template_en(tmp_path_factory):
    return openpyxl.load_workbook(write_template(tmp_path_factory.mktemp("t") / "template.xlsx", lang="en"))


def headers(ws, row: int = 1) -> list:
    return [c.value for c in ws[row] if c.value is not None]


def validation_for(ws, header: str):
    """The list validation covering row 2 of the column with this header."""
    col = openpyxl.utils.get_column_letter(headers(ws).index(header) + 1)
    found = [dv for dv in ws.data_validations.dataValidation if f"{col}2" in dv.sqref]
    assert len(found) == 1, header
    return found[0].formula1.strip('"').split(",")


# -- default threat catalogue ----------------------------------------------------------
def test_default_threats_shape_and_ids():
    d = default_threats()
    assert 35 <= len(d) <= 45
    assert list(d.columns) == [
        "threat_id",
        "name",
        "category",
        "description",
        "affects_c",
        "affects_i",
        "affects_a",
        "source",
    ]
    assert d["threat_id"].is_unique
    assert d["threat_id"].iloc[0] == "T01" and d["threat_id"].str.fullmatch(r"T\d\d").all()
    for p in "cia":
        assert str(d[f"affects_{p}"].dtype) == "boolean"
    # every threat harms at least one property, has a source and text in both languages
    assert (d[["affects_c", "affects_i", "affects_a"]].sum(axis=1) >= 1).all()
    assert (d["source"].str.contains("MONARC|ENISA")).all()
    en = default_threats("en")
    assert (en["threat_id"] == d["threat_id"]).all()
    assert (en["name"] != d["name"]).sum() > 30
    assert d["category"].nunique() >= 6 and "Cyberangreb" in set(d["category"])


@pytest.mark.parametrize(
    "needle",
    ["Phishing", "Ransomware", "Fejlsendte breve og mails", "private cloudtjenester", "bærbar computer eller telefon",
     "Misbrug af adgangsrettigheder", "leverandør eller databehandler", "DDoS", "manglende opdateringer",
     "Strømsvigt", "netværk eller internet", "Brand", "Vandskade"],
)  # fmt: skip
def test_default_threats_cover_municipal_cyber_threats(needle):
    assert default_threats()["name"].str.contains(needle, regex=False).any()


def test_ransomware_affects_all_and_power_only_availability():
    d = default_threats("en").set_index("name")
    assert d.loc["Ransomware", ["affects_c", "affects_i", "affects_a"]].tolist() == [True, True, True]
    assert d.loc["Power outage", ["affects_c", "affects_i", "affects_a"]].tolist() == [False, False, True]


# -- the template ----------------------------------------------------------------------
def test_template_sheets_and_headers(template_da, template_en):
    assert template_da.sheetnames == SHEETS_DA
    assert template_en.sheetnames == SHEETS_EN
    assert headers(template_da["Om"]) == ["Felt", "Værdi"]
    assert headers(template_en["About"]) == ["Field", "Value"]
    for sheet in SHEETS[1:]:
        da = [c.da for c in sheet.columns if not c.field.startswith("risk_score_")]
        en = [c.en for c in sheet.columns if not c.field.startswith("risk_score_")]
        assert headers(template_da[sheet.da]) == da
        assert headers(template_en[sheet.en]) == en
    assert headers(template_da["Risici"])[:3] == ["Risiko-ID", "Aktiv-ID", "Trussel-ID"]
    assert "Konsekvens registrerede F" in headers(template_da["Aktiver"])


def test_template_header_row_frozen_and_styled(template_da):
    for name in ("Aktiver", "Trusler", "Risici", "SoA"):
        ws = template_da[name]
        assert ws.freeze_panes == "A2"
        assert ws["A1"].font.bold
        assert ws["A1"].fill.fgColor.rgb == "FF1F4E79"
        assert ws.auto_filter.ref.startswith("A1:")


def test_template_meta_rows(template_da):
    ws = template_da["Om"]
    fields = [ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)]
    assert fields == ["Kommune", "Runde", "Vurderingsdato", "Udarbejdet af", "Godkendt af", "Godkendt dato", "Matrix"]
    assert ws.cell(row=8, column=2).value == "KL"


def test_template_soa_has_annex_a(template_da, template_en):
    ws = template_da["SoA"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 93
    assert rows[0][0] == "5.1" and rows[-1][0] == "8.34"
    themes = pd.Series([r[2] for r in rows]).value_counts()
    label = annex_a().drop_duplicates("theme").set_index("theme")["theme_da"]
    assert themes[label["organisational"]] == 37
    assert themes[label["people"]] == 8
    assert themes[label["physical"]] == 14
    assert themes[label["technological"]] == 34
    assert themes["Teknologiske foranstaltninger"] == 34
    en_rows = list(template_en["SoA"].iter_rows(min_row=2, values_only=True))
    assert len(en_rows) == 93 and en_rows[-1][2] == "Technological controls"
    assert all(r[1] for r in rows) and all(r[1] for r in en_rows)


def test_template_threats_prefilled(template_da):
    rows = list(template_da["Trusler"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(default_threats())
    first = rows[0]
    assert first[:2] == ("T01", "Phishing") and first[4:7] == ("Ja", "Ja", "Nej")


def test_template_dropdowns(template_da, template_en):
    risks = template_da["Risici"]
    like = validation_for(risks, "Sandsynlighed")
    assert like == ["1", "2", "3", "4", "1 - Usandsynlig", "2 - Mindre sandsynligt", "3 - Sandsynligt", "4 - Forventet"]
    assert validation_for(risks, "Restsandsynlighed") == like
    assert validation_for(risks, "Håndtering") == ["Mitiger", "Acceptér", "Undgå", "Flyt"]
    assert validation_for(risks, "Status") == ["Åben", "I gang", "Lukket"]
    assets = template_da["Aktiver"]
    assert validation_for(assets, "Konsekvens kommune F") == [
        "1",
        "2",
        "3",
        "4",
        "1 - Lav",
        "2 - Medium",
        "3 - Høj",
        "4 - Meget høj",
    ]
    assert validation_for(assets, "Kritisk") == ["Ja", "Nej"]
    assert "Følsomme" in validation_for(assets, "Personoplysninger")
    assert "It-system" in validation_for(assets, "Type")
    assert validation_for(template_da["Årshjul"], "Frekvens") == ["Månedlig", "Kvartalsvis", "Halvårlig", "Årlig"]
    assert validation_for(template_da["Risikoprofil"], "Maks. accepteret niveau") == [
        "Lav", "Under middel", "Middel", "Over middel", "Høj"]  # fmt: skip
    assert validation_for(template_en["Risks"], "Treatment") == ["Mitigate", "Accept", "Avoid", "Transfer"]
    assert validation_for(template_en["Assets"], "Critical") == ["Yes", "No"]
    dv = next(iter(risks.data_validations.dataValidation))
    assert dv.errorStyle == "warning" and next(iter(dv.sqref.ranges)).max_row == 1000


def test_template_matrix_colours(template_da):
    ws = template_da["Matrix"]
    # Row 2 holds the likelihood headers; rows 3..6 consequence 4..1; columns B..E likelihood 1..4.
    assert ws["B2"].value == "1 Usandsynlig" and ws["A3"].value == "4 Meget høj" and ws["A6"].value == "1 Lav"
    expected = {
        "E3": ("16 Høj", "FFD62728"),  # 4 x 4
        "D3": ("12 Over middel", "FFF08C1E"),  # 4 x 3
        "B3": ("4 Under middel", "FF9FD67F"),  # 4 x 1
        "D4": ("9 Middel", "FFF5D329"),  # 3 x 3
        "E6": ("4 Under middel", "FF9FD67F"),  # 1 x 4
        "B6": ("1 Lav", "FF2E9E44"),  # 1 x 1
        "C5": ("4 Under middel", "FF9FD67F"),  # 2 x 2
    }
    for ref, (text, rgb) in expected.items():
        assert ws[ref].value == text, ref
        assert ws[ref].fill.fgColor.rgb == rgb, ref


def test_template_instructions(template_da, template_en):
    text = " ".join(str(c.value) for row in template_da["Vejledning"].iter_rows() for c in row if c.value)
    for word in ("De registrerede", "kommunen", "Meget høj", "Forventet", "MONARC", "ENISA", "CC0", "Anneks A"):
        assert word in text, word
    text_en = " ".join(str(c.value) for row in template_en["Instructions"].iter_rows() for c in row if c.value)
    assert "data subjects" in text_en and "MONARC" in text_en


def test_template_is_deterministic(tmp_path):
    a = write_template(tmp_path / "a.xlsx").read_bytes()
    b = write_template(tmp_path / "b.xlsx").read_bytes()
    assert a == b


def test_cli_template(tmp_path):
    runner = CliRunner()
    out = tmp_path / "skabelon.xlsx"
    res = runner.invoke(app, ["template", str(out)])
    assert res.exit_code == 0, res.output
    assert openpyxl.load_workbook(out).sheetnames == SHEETS_DA
    again = runner.invoke(app, ["template", str(out)])
    assert again.exit_code == 2
    forced = runner.invoke(app, ["template", str(out), "--lang", "en", "--force"])
    assert forced.exit_code == 0
    assert openpyxl.load_workbook(out).sheetnames == SHEETS_EN


# -- write_workbook --------------------------------------------------------------------
def small_assessment(**extra) -> Assessment:
    assets = pd.DataFrame(
        {
            "asset_id": ["A1", "A2"],
            "name": ["Sagssystem", "Lønsystem"],
            "type": ["it_system", "it_system"],
            "area": ["Social", "Økonomi"],
            "critical": [True, False],
            "personal_data": ["sensitive", "none"],
            "consequence_municipality_c": [3, 2],
            "consequence_municipality_i": [2, 2],
            "consequence_municipality_a": [4, 1],
            "consequence_data_subject_c": [4, None],
            "consequence_data_subject_i": [2, None],
            "consequence_data_subject_a": [1, None],
        }
    )
    threats = default_threats().drop(columns="source").head(3)
    risks = pd.DataFrame(
        {
            "risk_id": ["R1", "R2", "R3"],
            "asset_id": ["A1", "A1", "A2"],
            "threat_id": ["T01", "T02", "T01"],
            "likelihood": [3, 2, 4],
            "treatment": ["mitigate", "accept", None],
            "controls": ["5.15; 8.7", None, None],
            "residual_likelihood": [1, None, None],
            "status": ["open", "in_progress", "open"],
            "deadline": ["2025-06-30", None, None],
            "accepted_by": [None, "Direktionen", None],
            "accepted_date": [None, "2025-02-15", None],
        }
    )
    meta = {"municipality": "Eksempel Kommune", "round": "2025-K1", "assessment_date": "2025-03-01", "matrix": "KL"}
    return Assessment(assets=assets, threats=threats, risks=risks, meta=meta, **extra)


def test_write_workbook_values(tmp_path):
    profile = pd.DataFrame({"area": ["Social"], "max_accepted_level": ["medium"]})
    path = write_workbook(small_assessment(profile=profile), tmp_path / "wb.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Om", "Aktiver", "Trusler", "Risici", "Risikoprofil"]
    assert wb["Om"]["B2"].value == "Eksempel Kommune"
    assert wb["Om"]["B4"].value.year == 2025 and wb["Om"]["B4"].is_date
    assets = list(wb["Aktiver"].iter_rows(min_row=2, values_only=True))
    assert assets[0][:10] == ("A1", "Sagssystem", "It-system", "Social", None, None, None, None, "Ja", "Følsomme")
    assert assets[1][10:16] == (2, 2, 1, None, None, None)
    assert "Konsekvens samfund F" not in headers(wb["Aktiver"])  # no society columns unless assessed
    risks = wb["Risici"]
    r1 = [c.value for c in risks[2]]
    h = headers(risks)
    assert r1[h.index("Håndtering")] == "Mitiger" and r1[h.index("Status")] == "Åben"
    assert r1[h.index("Foranstaltninger")] == "5.15; 8.7"
    assert risks.cell(row=2, column=h.index("Frist") + 1).is_date
    assert [c.value for c in wb["Risikoprofil"][2]][:2] == ["Social", "Middel"]
    assert len(risks.data_validations.dataValidation) > 0


def test_write_workbook_english_and_society(tmp_path):
    a = small_assessment()
    assets = a.assets.assign(
        consequence_society_c=[2, 1], consequence_society_i=[2, 1],
        consequence_society_a=[3, 1], consequence_society_authenticity=[1, 1],
    )  # fmt: skip
    b = Assessment(assets=assets, threats=a.threats, risks=a.risks, meta=a.meta)
    wb = openpyxl.load_workbook(write_workbook(b, tmp_path / "wb.xlsx", lang="en", dropdowns=False))
    assert wb.sheetnames == ["About", "Assets", "Threats", "Risks"]
    h = headers(wb["Assets"])
    assert h[-4:] == ["Consequence society C", "Consequence society I", "Consequence society A",
                      "Consequence society Authenticity"]  # fmt: skip
    assert [c.value for c in wb["Assets"][2]][h.index("Type")] == "IT system"
    assert not wb["Risks"].data_validations.dataValidation


# -- round trip through the reader -----------------------------------------------------
def _score_frame(a: Assessment) -> pd.DataFrame:
    from isms_analysis import score

    s = score(a)
    cols = ["risk_id", "perspective", "stage", "consequence", "likelihood", "score", "level", "colour"]
    return s[cols].astype("string").reset_index(drop=True)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_write_workbook_round_trip(tmp_path, lang):
    from isms_analysis.workbook import read_workbook

    profile = pd.DataFrame({"area": ["Social"], "max_accepted_level": ["medium"]})
    a = small_assessment(profile=profile)
    b = read_workbook(write_workbook(a, tmp_path / "wb.xlsx", lang=lang))
    assert b.errors.empty
    assert b.meta["municipality"] == "Eksempel Kommune" and str(b.meta["assessment_date"]) == "2025-03-01"
    pd.testing.assert_frame_equal(_score_frame(b), _score_frame(a))
    for name in ("assets", "threats", "risks"):
        x, y = getattr(a, name), getattr(b, name)
        common = x.columns.intersection(y.columns)
        pd.testing.assert_frame_equal(x[common], y[common], check_dtype=False)
    assert b.profile["max_accepted_level"].tolist() == ["Middel"]  # the level identifier, as in scores["level"]


def test_template_filled_in_scores_as_expected(tmp_path):
    """Fill the blank template the way a coordinator would (labels like '3 - Høj'),
    read it, write it again, read it again: the scores are the hand-computed ones."""
    from isms_analysis import score
    from isms_analysis.workbook import read_workbook

    path = write_template(tmp_path / "skabelon.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Om"]["B2"], wb["Om"]["B3"] = "Eksempel Kommune", "2025-K2"
    assets = wb["Aktiver"]
    h = headers(assets)
    row = {"Aktiv-ID": "A1", "Aktiv": "Borgerservice", "Kritisk": "Nej", "Personoplysninger": "Almindelige",
           "Konsekvens kommune F": "2 - Medium", "Konsekvens kommune I": 1, "Konsekvens kommune T": "3 - Høj",
           "Konsekvens registrerede F": "3 - Høj", "Konsekvens registrerede I": 2, "Konsekvens registrerede T": 1,
           "Risikoejer": "Afdelingschef"}  # fmt: skip
    for k, v in row.items():
        assets.cell(row=2, column=h.index(k) + 1, value=v)
    risks = wb["Risici"]
    h = headers(risks)
    row = {"Risiko-ID": "R1", "Aktiv-ID": "A1", "Trussel-ID": "T11", "Sandsynlighed": "4 - Forventet",
           "Håndtering": "Mitiger", "Restsandsynlighed": "2 - Mindre sandsynligt", "Status": "Åben"}  # fmt: skip
    for k, v in row.items():
        risks.cell(row=2, column=h.index(k) + 1, value=v)
    wb.save(tmp_path / "udfyldt.xlsx")

    first = read_workbook(tmp_path / "udfyldt.xlsx")
    assert first.errors.empty
    assert len(first.threats) == len(default_threats()) and len(first.soa) == 93
    again = read_workbook(write_workbook(first, tmp_path / "igen.xlsx"))
    s = score(again).set_index(["perspective", "stage"])
    # municipality: max(2, 1, 3) = 3; 3 x 4 = 12 Over middel, residual 3 x 2 = 6 Under middel
    # data subjects: max(3, 2, 1) = 3; the same scores
    for p in ("municipality", "data_subject"):
        assert (s.loc[(p, "inherent"), "score"], s.loc[(p, "inherent"), "level"]) == (12, "Over middel")
        assert (s.loc[(p, "residual"), "score"], s.loc[(p, "residual"), "level"]) == (6, "Under middel")
    pd.testing.assert_frame_equal(_score_frame(again), _score_frame(first))
    assert len(again.soa) == 93 and again.soa["control_id"].tolist() == first.soa["control_id"].tolist()


def test_template_decision_columns_and_dropdowns(template_da, template_en):
    """Roller, Revurderes, Restrisiko (beskrivelse), Perspektiv/Godkendt in the profile,
    and the playbook's downtime scale as a drop-down."""
    roles = template_da["Roller"]
    assert headers(roles) == ["Navn", "Rolle", "Maks. niveau"]
    assert validation_for(roles, "Rolle") == ["Topledelse", "Informationssikkerhedsudvalg", "Ledelse"]
    assert validation_for(roles, "Maks. niveau") == ["Lav", "Under middel", "Middel", "Over middel", "Høj"]
    profile = template_da["Risikoprofil"]
    assert headers(profile) == ["Område", "Maks. accepteret niveau", "Perspektiv", "Godkendt af", "Godkendt dato"]
    assert validation_for(profile, "Perspektiv") == ["Kommunen", "De registrerede"]
    risks = headers(template_da["Risici"])
    assert "Revurderes" in risks and "Restrisiko (beskrivelse)" in risks and "Foranstaltninger" in risks
    assert validation_for(template_da["Aktiver"], "Tålelig nedetid") == [
        "Under ½ dag", "1 dag", "3 dage", "En uge eller mere"
    ]  # fmt: skip
    assert headers(template_da["Handlingsplan"])[4] == "Foranstaltninger"
    assert headers(template_en["Roles"]) == ["Name", "Role", "Max level"]
    assert validation_for(template_en["Assets"], "Tolerable downtime") == [
        "Under ½ day", "1 day", "3 days", "A week or more"
    ]  # fmt: skip
