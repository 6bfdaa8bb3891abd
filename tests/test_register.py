"""The scored register workbook (isms score FILE -o OUT.xlsx), checked by hand."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from isms_analysis import Assessment, score
from isms_analysis.assessment import PROBLEM_COLUMNS
from isms_analysis.register import flag_text, heat_counts, wide_scores, write_register

ORANGE, YELLOW, LIGHT_GREEN, RED = "FFF08C1E", "FFF5D329", "FF9FD67F", "FFD62728"


def three_risks(problems: pd.DataFrame | None = None) -> Assessment:
    # A1: municipality max(3, 2, 4) = 4, data subjects max(4, 2, 1) = 4
    # A2: municipality max(2, 2, 1) = 2, no personal data (no data-subject rows)
    assets = pd.DataFrame(
        {
            "asset_id": ["A1", "A2"],
            "name": ["Sagssystem", "Lønsystem"],
            "area": ["Social", "Økonomi"],
            "critical": [True, False],
            "consequence_municipality_c": [3, 2],
            "consequence_municipality_i": [2, 2],
            "consequence_municipality_a": [4, 1],
            "consequence_data_subject_c": [4, None],
            "consequence_data_subject_i": [2, None],
            "consequence_data_subject_a": [1, None],
        }
    )
    threats = pd.DataFrame({"threat_id": ["T01", "T02"], "name": ["Phishing", "Ransomware"]})
    risks = pd.DataFrame(
        {
            "risk_id": ["R1", "R2", "R3"],
            "asset_id": ["A1", "A1", "A2"],
            "threat_id": ["T01", "T02", "T01"],
            "likelihood": [3, 2, 4],
            "treatment": ["mitigate", "accept", None],
            "residual_likelihood": [1, None, None],
            "owner": ["Jens", "Mette", None],
            "status": ["open", "in_progress", "open"],
            "deadline": ["2025-06-30", None, None],
        }
    )
    meta = {"municipality": "Eksempel Kommune", "round": "2025-K1", "assessment_date": "2025-03-01"}
    return Assessment(assets=assets, threats=threats, risks=risks, meta=meta, problems=problems)


@pytest.fixture(scope="module")
def register(tmp_path_factory):
    a = three_risks()
    return openpyxl.load_workbook(write_register(a, score(a), tmp_path_factory.mktemp("r") / "register.xlsx"))


def col_of(ws, row: int, text: str) -> int:
    return next(c.column for c in ws[row] if c.value == text)


def test_sheets(register):
    assert register.sheetnames == [
        "Risikoregister", "Varmekort kommunen", "Varmekort registrerede", "Forklaring", "Advarsler"]  # fmt: skip


def test_grouped_headers_and_layout(register):
    ws = register["Risikoregister"]
    groups = [c.value for c in ws[1] if c.value]
    assert groups == ["Kommunen – iboende", "Kommunen – rest", "De registrerede – iboende", "De registrerede – rest"]
    heads = [c.value for c in ws[2]]
    assert heads[:10] == ["Risiko-ID", "Aktiv-ID", "Aktiv", "Trussel-ID", "Trussel", "Område", "Risikoejer",
                          "Håndtering", "Status", "Frist"]  # fmt: skip
    assert heads[10:14] == ["Konsekvens", "Sandsynlighed", "Risikoscore", "Niveau"]
    assert heads[-4:] == ["Beslutning", "Begrundelse", "Forslag", "Opmærksomhedspunkter"]
    assert len(ws.merged_cells.ranges) == 4
    assert ws.freeze_panes == "C3"
    assert ws.auto_filter.ref == f"A2:{openpyxl.utils.get_column_letter(len(heads))}5"


def test_values_and_colours(register):
    ws = register["Risikoregister"]
    rows = {ws.cell(row=r, column=1).value: r for r in range(3, 6)}
    assert list(rows) == ["R1", "R2", "R3"]

    def block(risk: str, group: str) -> tuple:
        first = col_of(ws, 1, group)
        r = rows[risk]
        return tuple(ws.cell(row=r, column=first + k).value for k in range(4))

    def fill(risk: str, group: str) -> str:
        return ws.cell(row=rows[risk], column=col_of(ws, 1, group) + 3).fill.fgColor.rgb

    # R1: 4 x 3 = 12 Over middel; residual 4 x 1 = 4 Under middel (both perspectives)
    assert block("R1", "Kommunen – iboende") == (4, 3, 12, "Over middel")
    assert block("R1", "Kommunen – rest") == (4, 1, 4, "Under middel")
    assert block("R1", "De registrerede – iboende") == (4, 3, 12, "Over middel")
    assert fill("R1", "Kommunen – iboende") == ORANGE
    assert fill("R1", "De registrerede – rest") == LIGHT_GREEN
    # R2: 4 x 2 = 8 Middel, unchanged after treatment
    assert block("R2", "Kommunen – rest") == (4, 2, 8, "Middel")
    assert fill("R2", "De registrerede – rest") == YELLOW
    # R3: 2 x 4 = 8 Middel; no data-subject assessment
    assert block("R3", "Kommunen – iboende") == (2, 4, 8, "Middel")
    assert block("R3", "De registrerede – iboende") == (None, None, None, None)
    assert fill("R3", "De registrerede – iboende") in ("00000000", None)
    r1 = [c.value for c in ws[rows["R1"]]]
    assert r1[2] == "Sagssystem" and r1[4] == "Phishing" and r1[5] == "Social"
    assert r1[7] == "Mitiger" and r1[8] == "Åben"
    assert r1[9].year == 2025 and ws.cell(row=rows["R1"], column=10).is_date


def test_flags_as_text(register):
    ws = register["Risikoregister"]
    flags = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=ws.max_column).value for r in range(3, 6)}
    # R1, data subjects, residual: consequence 4 with score 4
    assert "De registrerede: Meget høj konsekvens for de registrerede (rest)" in flags["R1"]
    # R2: 4 x 2 = 8 Middel, above the default tolerance (Under middel) in both perspectives
    assert "Kommunen: Over tolerancen (iboende, rest)" in flags["R2"]
    assert "De registrerede: Meget høj konsekvens for de registrerede (iboende, rest)" in flags["R2"]
    # R3: 2 x 4 = 8 Middel; consequence 2 may be screened out
    assert "Kommunen: Over tolerancen (iboende, rest)" in flags["R3"]
    assert "Kommunen: Kan frasorteres (konsekvens ≤ 2) (iboende, rest)" in flags["R3"]
    assert "Kritisk" not in flags["R3"] and "registrerede" not in flags["R3"]


def test_decision_status_reason_and_proposal(register):
    """Hand-checked against the rules in isms_analysis.decisions (no risk profile: tolerance
    Under middel; the round has no approval)."""
    ws = register["Risikoregister"]
    heads = [c.value for c in ws[2]]
    cols = [heads.index(h) + 1 for h in ("Beslutning", "Begrundelse", "Forslag")]
    got = {ws.cell(row=r, column=1).value: tuple(ws.cell(row=r, column=c).value for c in cols) for r in range(3, 6)}
    # R1: residual 4 x 1 = 4 in both perspectives, within tolerance, mitigated: awaits the round's approval.
    assert got["R1"] == ("Afventer beslutning", "Inden for tolerancen; godkendes med runden", "Godkendes med runden")
    # R2: accepted without who/when at 8 Middel; data subjects 4 x 2 = 8 with consequence 4: the
    # data-subject rule comes first there.
    assert got["R2"] == (
        "Afventer beslutning",
        "Kommunen: Accepteret, men uden navn eller dato for accepten; De registrerede: Meget høj konsekvens "
        "for de registrerede, selv om hændelsen er usandsynlig",
        "Accepteres med revurderingsdato eller håndteres; Overvej foranstaltninger, der nedbringer risikoen "
        "for de registrerede",
    )
    # R3: 8 Middel above tolerance and no treatment.
    assert got["R3"] == (
        "Afventer beslutning",
        "Over tolerancen, og der er ikke valgt en håndtering",
        "Accepteres med revurderingsdato eller håndteres",
    )


def test_heat_maps(register):
    ws = register["Varmekort kommunen"]
    # rows 3..6 = consequence 4..1, columns B..E = likelihood 1..4; residual block 7 rows lower
    assert ws["A1"].value == "Kommunen – iboende (antal risici: 3)"
    assert (ws["D3"].value, ws["C3"].value, ws["E5"].value, ws["B3"].value) == (1, 1, 1, 0)
    assert ws["D3"].fill.fgColor.rgb == ORANGE and ws["E3"].fill.fgColor.rgb == RED
    assert ws["A8"].value == "Kommunen – rest (antal risici: 3)"
    assert (ws["B10"].value, ws["C10"].value, ws["E12"].value, ws["D10"].value) == (1, 1, 1, 0)
    total = sum(ws.cell(row=r, column=c).value for r in range(3, 7) for c in range(2, 6))
    assert total == 3
    ds = register["Varmekort registrerede"]
    assert (ds["D3"].value, ds["C3"].value) == (1, 1)
    assert sum(ds.cell(row=r, column=c).value for r in range(3, 7) for c in range(2, 6)) == 2


def test_legend_and_empty_warnings(register):
    legend = " ".join(str(c.value) for row in register["Forklaring"].iter_rows() for c in row if c.value is not None)
    for text in ("Eksempel Kommune", "16 Høj", "Forventet", "Meget høj", "Må ikke accepteres", "Over tolerancen",
                 "Afventer beslutning", "Accepteret uden bemyndigelse", "Under håndtering med frist og risikoejer"):
        assert text in legend, text
    assert register["Advarsler"]["A2"].value == "Ingen fejl eller advarsler"


def test_problems_sheet_and_english(tmp_path):
    problems = pd.DataFrame(
        [["warning", "missing_owner", "x.xlsx", "Risici", "L4", 4, "Risikoejer", None,
          "risikoen har ingen risikoejer", "the risk has no risk owner"]],
        columns=list(PROBLEM_COLUMNS),
    )  # fmt: skip
    a = three_risks(problems)
    wb = openpyxl.load_workbook(write_register(a, score(a), tmp_path / "reg.xlsx", lang="en"))
    assert wb.sheetnames == ["Risk register", "Heat map municipality", "Heat map data subjects", "Legend", "Warnings"]
    ws = wb["Warnings"]
    assert [c.value for c in ws[1]] == ["Severity", "Code", "File", "Sheet", "Cell", "Value", "Message"]
    assert [c.value for c in ws[2]] == ["Warning", "missing_owner", "x.xlsx", "Risici", "L4", None,
                                        "the risk has no risk owner"]  # fmt: skip
    reg = wb["Risk register"]
    assert [c.value for c in reg[1] if c.value][0] == "Municipality – inherent"
    assert [c.value for c in reg[3]][7:9] == ["Mitigate", "Open"]
    assert "Above medium" in [c.value for c in reg[3]]


def test_wide_table_and_counts_functions():
    a = three_risks()
    s = score(a)
    from isms_analysis.matrix import matrix

    m = matrix("kl")
    wide = wide_scores(s, a.risks["risk_id"], m)
    assert wide.loc["R2", ("municipality", "inherent", "score")] == 8
    assert wide.loc["R1", ("data_subject", "residual", "colour")] == "#9fd67f"
    assert pd.isna(wide.loc["R3", ("data_subject", "inherent", "score")])
    counts = heat_counts(s, "municipality", "inherent", m)
    assert counts[3, 2] == 1 and counts[3, 1] == 1 and counts[1, 3] == 1 and counts.sum() == 3
    text = flag_text(s, a.risks["risk_id"], "en")
    assert text.iloc[1].startswith("Municipality: Above tolerance (inherent, residual)")


def test_society_perspective(tmp_path):
    a = three_risks()
    assets = a.assets.assign(
        consequence_society_c=[1, 1], consequence_society_i=[2, 1],
        consequence_society_a=[3, 1], consequence_society_authenticity=[1, 4],
    )  # fmt: skip
    b = Assessment(assets=assets, threats=a.threats, risks=a.risks, meta=a.meta)
    wb = openpyxl.load_workbook(write_register(b, score(b), tmp_path / "reg.xlsx"))
    assert "Varmekort samfundet" in wb.sheetnames
    ws = wb["Risikoregister"]
    first = col_of(ws, 1, "Samfundet – iboende")
    # R3: society max(1, 1, 1, 4) = 4; 4 x 4 = 16 Høj
    assert [ws.cell(row=5, column=first + k).value for k in range(4)] == [4, 4, 16, "Høj"]
    assert ws.cell(row=5, column=first + 3).fill.fgColor.rgb == RED


def test_deterministic(tmp_path):
    a = three_risks()
    s = score(a)
    assert (
        write_register(a, s, tmp_path / "a.xlsx").read_bytes() == write_register(a, s, tmp_path / "b.xlsx").read_bytes()
    )


def test_cli_score_writes_register(tmp_path):
    from isms_analysis.cli import app
    from isms_analysis.template import write_workbook

    a = three_risks()
    risks = a.risks.assign(accepted_by=[None, "Direktionen", None], accepted_date=[None, "2025-02-01", None])
    src = write_workbook(Assessment(assets=a.assets, threats=a.threats, risks=risks, meta=a.meta), tmp_path / "in.xlsx")
    out = tmp_path / "register.xlsx"
    res = CliRunner().invoke(app, ["score", str(src), "-o", str(out)])
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(out)["Risikoregister"]
    assert [ws.cell(row=r, column=13).value for r in range(3, 6)] == [12, 8, 8]
