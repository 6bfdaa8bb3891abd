"""Report sections against hand-computed expectations on a small code-built round.

KL matrix. Assets (max-of-CIA consequence per perspective):
  A1 "Journal <b>system</b>", Børn og unge (tolerance Lav), critical, M 4, DS 4
  A2 Økonomisystem, Økonomi (tolerance Middel), M 3, no data subjects
  A3 "Borgerservice & web", Borgerservice (default tolerance Under middel), M 2, DS 3

Risks (likelihood, treatment, residual likelihood, status, deadline):
  R1 A1 L4 -        -   open        2026-06-30  M 16 Høj,  DS 16 Høj
  R2 A1 L1 accept   -   open        -           M 4 UM,    DS 4 UM (accepted, no who/when)
  R3 A2 L3 accept   -   open        -           M 9 Middel (documented acceptance)
  R4 A2 L4 accept   -   open        -           M 12 Over middel (documented acceptance)
  R5 A3 L4 mitigate 3   in_progress 2026-12-31  M 8 -> 6,  DS 12 -> 9
  R6 A3 L3 mitigate 3   open        2026-09-01  M 6 -> 6,  DS 9 -> 9 (controls change nothing)
  R7 A2 L2 -        -   closed      2026-01-01  M 6 UM
  R8 A2 L1 mitigate 2   open        -           M 3 Lav -> 6 UM (residual above inherent)
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from conftest import report_assessment

from isms_analysis import Assessment, rescore, score
from isms_analysis import sections as R
from isms_analysis.context import ReportContext
from isms_analysis.render.committee_report import ORDER, html

AS_OF = "2026-09-30"


@pytest.fixture(scope="module")
def case() -> tuple[Assessment, pd.DataFrame]:
    a = report_assessment()
    return a, score(a, "kl")


def test_key_figures_counts_per_level_perspective_and_stage(case):
    a, s = case
    kf = R.key_figures(s)
    assert list(kf.columns) == ["Perspektiv", "Trin", "Lav", "Under middel", "Middel", "Over middel", "Høj", "I alt"]
    assert kf[["Perspektiv", "Trin"]].values.tolist() == [
        ["Kommunen", "Iboende"], ["Kommunen", "Rest"], ["De registrerede", "Iboende"], ["De registrerede", "Rest"],
    ]  # fmt: skip
    assert kf.iloc[:, 2:].values.tolist() == [
        [1, 3, 2, 1, 1, 8],
        [0, 5, 1, 1, 1, 8],
        [0, 1, 1, 1, 1, 4],
        [0, 1, 2, 0, 1, 4],
    ]


def test_key_figures_change_against_previous_round(case):
    a, s = case
    prev = score(report_assessment(r1_likelihood=2, with_r8=False), "kl")
    kf = R.key_figures(s, prev)
    row = kf.iloc[0]  # municipality, inherent: previous Lav 0, UM 3, Middel 3, OM 1, Høj 0
    assert [row[f"Δ {n}"] for n in ("Lav", "Under middel", "Middel", "Over middel", "Høj", "I alt")] == [
        1, 0, -1, 0, 1, 1,
    ]  # fmt: skip


def test_key_figures_english(case):
    _, s = case
    kf = R.key_figures(s, lang="en")
    assert list(kf.columns) == [
        "Perspective",
        "Stage",
        "Low",
        "Below medium",
        "Medium",
        "Above medium",
        "High",
        "Total",
    ]
    assert kf["Perspective"].tolist()[2] == "Data subjects"


# Hand-computed decisions (isms_analysis.decisions) for the small round: no Roller sheet, the round
# is not approved, as of 2026-09-30; owners come from the assets (Anna, Bo, Carl).
#   R1 M 16 Høj > Lav, DS 16 Høj > Lav, no treatment          -> pending no_treatment (both)
#   R2 M 4 UM > Lav, accepted without who/when                 -> pending acceptance_missing
#   R2 DS consequence 4, score 4, no explicit acceptance       -> pending data_subject_very_high
#   R3 M 9 Middel <= Middel                                    -> pending round_approval
#   R4 M 12 Over middel > Middel, accepted by Direktionen      -> decided accepted_against_advice
#   R5 M 6 UM <= UM; DS 9 Middel > UM, deadline, owner Carl    -> round_approval; decided in_treatment
#   R6 M 6 UM <= UM; DS 9 Middel > UM, deadline (overdue)      -> round_approval; decided in_treatment
#   R7 closed: no rows.  R8 M residual 6 UM <= Middel          -> round_approval
# The committee's cases: 4 listed + 1 approval of the round (covering 4 risks) = 5.
def test_decisions_from_the_rule_set(case):
    a, s = case
    d = R.decisions(s, a)
    got = list(zip(d["Begrundelse"], d["Risiko-ID"], d["Perspektiv"], strict=True))
    assert got == [
        ("Over tolerancen, og der er ikke valgt en håndtering", "R1", "Kommunen"),
        ("Over tolerancen, og der er ikke valgt en håndtering", "R1", "De registrerede"),
        ("Accepteret, men uden navn eller dato for accepten", "R2", "Kommunen"),
        ("Meget høj konsekvens for de registrerede, selv om hændelsen er usandsynlig", "R2", "De registrerede"),
    ]
    assert set(d["Beslutning"]) == {"Afventer beslutning"}
    r1 = d.iloc[0]
    assert (r1["Aktiv"], r1["Risikoejer"], r1["Frist"], r1["Niveau"], r1["Tolerance"], r1["Forslag"]) == (
        "Journal <b>system</b>", "Anna", "2026-06-30", "Høj", "Lav", "Håndteres straks",
    )  # fmt: skip
    assert d.iloc[3]["Forslag"] == "Overvej foranstaltninger, der nedbringer risikoen for de registrerede"
    counts = R.decision_counts(R.all_decisions(s, a))
    assert counts["Antal"].tolist() == [1, 1, 1, 0, 0, 2, 0, 0, 0, 0, 1, 2]
    assert counts["Begrundelse"].iloc[1] == "Godkendelse af runden (omfatter 4 risici inden for tolerancen)"


def test_decisions_ask_the_matrix(case):
    """Under Datatilsynet's matrix 3x3 is Over middel (KL: Middel): R3's acceptance, within
    Økonomi's tolerance Middel under KL, is then an acceptance against the advice."""
    a, s = case
    every = R.all_decisions(s, a)
    assert every.loc[every["reason"] == "accepted_against_advice", "risk_id"].tolist() == ["R4"]
    dt_ = R.all_decisions(rescore(s, "datatilsynet"), a, matrix="datatilsynet")
    assert dt_.loc[dt_["reason"] == "accepted_against_advice", "risk_id"].tolist() == ["R3", "R4"]


def test_top_risks_order_and_columns(case):
    a, s = case
    top = R.top_risks(s, a, n=3)
    assert top["Risiko-ID"].tolist() == ["R1", "R4", "R5"]  # R4 before R5: same level and score, higher residual
    r5 = top.iloc[2]
    assert r5["Score kommunen"] == 8 and r5["Score de registrerede"] == 12
    assert (r5["Højeste niveau"], r5["Restniveau"], r5["Risikoejer"], r5["Håndtering"], r5["Frist"]) == (
        "Over middel", "Middel", "Carl", "Mitiger", "2026-12-31",
    )  # fmt: skip
    assert pd.isna(top.iloc[1]["Score de registrerede"])
    assert str(top["Score de registrerede"].dtype) == "Int16"  # shown as 12, not 12.0
    en = R.top_risks(s, a, n=1, lang="en")
    assert en.iloc[0]["Highest level"] == "High" and "Risk owner" in en.columns


def test_perspectives_side_by_side(case):
    a, s = case
    p = R.perspectives(s, a)
    assert p["Risiko-ID"].tolist() == ["R5", "R6"]
    assert p["Forskel"].tolist() == [4, 3]
    assert p.iloc[1][["Score kommunen", "Score de registrerede"]].tolist() == [6, 9]
    assert str(p["Score kommunen"].dtype) == "Int16"


def test_treatment_options(case):
    a, s = case
    t = R.treatment_options(s, a)
    assert list(t.columns) == ["Håndtering", "Åben", "I gang", "Lukket", "I alt"]
    assert t.set_index("Håndtering").loc[["Mitiger", "Acceptér", "Undgå", "Flyt", "Ingen beslutning"]].values.tolist() == [
        [2, 1, 0, 3], [3, 0, 0, 3], [0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 1, 2],
    ]  # fmt: skip


def test_overdue_as_of(case):
    a, s = case
    o = R.overdue(s, a, as_of=AS_OF)
    assert o["Risiko-ID"].tolist() == ["R1", "R6"]
    assert o["Dage over frist"].tolist() == [92, 29]
    assert o["Restniveau"].tolist() == ["Høj", "Middel"]
    # Default as-of: the round's assessment date (also 2026-09-30).
    assert R.overdue(s, a)["Risiko-ID"].tolist() == ["R1", "R6"]
    assert R.overdue(s, a, as_of="2026-07-01")["Risiko-ID"].tolist() == ["R1"]


def test_unchanged_by_controls(case):
    a, s = case
    u = R.unchanged_by_controls(s, a)
    assert u["Risiko-ID"].tolist() == ["R6"]
    assert (u.iloc[0]["Højeste niveau"], u.iloc[0]["Højeste score"]) == ("Middel", 9)


def test_data_quality_lists_every_problem_errors_first(case):
    a, s = case
    q = R.data_quality(s, a)
    assert q["Alvorlighed"].tolist() == ["Fejl", "Advarsel", "Advarsel"]
    assert q["Celle"].tolist()[:2] == ["B3", "G5"]
    assert q["Besked"].tolist()[:2] == ["Navn mangler", "Frist mangler"]
    assert q["Besked"].iloc[2].startswith("R8:")
    assert R.data_quality(s, a, lang="en")["Message"].tolist()[:2] == ["Name missing", "Deadline missing"]


def test_appendix_from_the_matrix():
    m = R.appendix_matrix("kl")
    assert m.shape == (4, 5)
    assert m.iloc[0, 4] == "16 Høj" and m.iloc[3, 1] == "1 Lav"
    lv = R.appendix_levels("kl")
    assert lv["Scorer"].tolist() == ["1, 2, 3", "4, 6", "8, 9", "12", "16"]
    assert lv["Håndteringsklasse"].tolist()[3] == "Bør håndteres"
    assert R.appendix_scales("kl", "en")["Likelihood"].tolist() == ["Unlikely", "Less likely", "Likely", "Expected"]
    assert len(R.appendix_rules("kl")) >= 5


def test_provenance(case):
    a, _ = case
    p = R.provenance(a, {"lang": "da", "matrix": "KL"})
    d = dict(zip(p["Felt"], p["Værdi"], strict=True))
    assert d["Kommune"] == "Testkommune" and d["Runde"] == "2026 Q3"
    assert d["Inputfil"] == "runde.xlsx" and d["SHA-256"] == "0123abcd" * 8
    assert d["Parameter: matrix"] == "KL" and d["Vurderingsdato"] == "2026-09-30"


def test_headline(case):
    a, s = case
    hl = R.headline(s, a, as_of=AS_OF)
    # 3 assets, 8 risks, 5 pending cases (see test_decisions_from_the_rule_set), 0 breaches, 2 overdue.
    assert hl["Felt"].tolist()[2:4] == ["Sager der afventer udvalgets beslutning", "Accepter uden bemyndigelse"]
    assert hl["Antal"].tolist() == [3, 8, 5, 0, 2]


def test_sections_escape_workbook_text(case):
    a, s = case
    evil = dataclasses.replace(a, meta={**a.meta, "municipality": "<script>alert(1)</script>"})
    ctx = ReportContext(evil, s, R.resolve_matrix(s), as_of=pd.Timestamp(AS_OF))
    page = ""
    for name in ORDER:
        out = html(name, ctx)
        assert "<b>system" not in out, name
        page += out
    assert "Journal &lt;b&gt;system&lt;/b&gt;" in page
    assert "NA&gt;" not in page and ">nan<" not in page and ">NaN<" not in page  # blanks stay blank
    header = html("head", ctx)
    assert "<script>alert(1)</script>" not in header
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in header


def test_sections_english_headings(case):
    a, s = case
    ctx = ReportContext(a, s, R.resolve_matrix(s), lang="en", as_of=pd.Timestamp(AS_OF))
    assert "<h2>Decisions</h2>" in html("decisions", ctx)
    assert "<h2>Beslutninger</h2>" in html("decisions", dataclasses.replace(ctx, lang="da"))


# -- capped detail tables ----------------------------------------------------------------
def table(fragment: str, table_id: str) -> pd.DataFrame:
    """The HTML table with ``table_id`` as a frame of its cell texts (integers as int)."""
    from bs4 import BeautifulSoup

    t = BeautifulSoup(fragment, "html.parser").find("table", id=table_id)
    assert t is not None, table_id
    head = [th.get_text() for th in t.find("thead").find_all("th")]
    rows = [[td.get_text() for td in tr.find_all("td")] for tr in t.find("tbody").find_all("tr")]
    return pd.DataFrame(rows, columns=head).map(lambda v: int(v) if v.lstrip("-").isdigit() else v)


def test_decision_details_cap_per_kind(case):
    """Four pending cases, no breaches; with a cap of 2 the two most serious (R1 Høj in
    both perspectives) are shown and two are counted."""
    a, s = case
    d = R.decisions(s, a)
    details = R.decision_details(d, per_kind=2)
    assert [(kind, label, shown["Risiko-ID"].tolist(), hidden) for kind, label, shown, hidden in details] == [
        ("pending", "Afventer beslutning", ["R1", "R1"], 2),
    ]
    assert "Beslutning" not in details[0][2].columns
    assert sum(len(shown) + hidden for _, _, shown, hidden in R.decision_details(d, per_kind=15)) == len(d) == 4


def test_decisions_section_lists_breaches(case):
    """With a Roller sheet that does not name Direktionen, R4's acceptance (Over middel) is
    a breach: acceptor_lacks_authority, listed for the committee's information."""
    a, s = case
    roles = pd.DataFrame({"name": ["Kommunaldirektør"], "role": ["top_management"], "max_level": ["high"]})
    ctx = ReportContext(dataclasses.replace(a, roles=roles), s, R.resolve_matrix(s), as_of=pd.Timestamp(AS_OF))
    out = html("decisions", ctx)
    breach = table(out, "decisions-breach")
    assert breach["Risiko"].tolist() == ["R4"]

def previous_round() -> Assessment:
    """The previous round, by hand (residual scores):

    R1 L2: M 8 Middel, DS 8 Middel          -> now 16 Høj both: escalated (likelihood 2 -> 4)
    R3 L4: M 12 Over middel                   -> now 9 Middel: de-escalated
    R5 no residual likelihood: M 8, DS 12    -> now 6 UM / 9 Middel: de-escalated (controls)
    R6 threat T1 (now T2): M 6, DS 9          -> unchanged, but another threat under R6
    R7 closed then and now                    -> left out
    R9 A2 T1 L1: M 3 Lav                      -> not in the new round: closed
    R8 is new; R2 and R4 are unchanged.
    """
    prev = report_assessment(r1_likelihood=2, with_r8=False)
    r = prev.risks.copy()
    r.loc[r["risk_id"] == "R3", "likelihood"] = 4
    r["residual_likelihood"] = r["residual_likelihood"].where(r["risk_id"] != "R5", pd.NA).astype("Int8")
    r.loc[r["risk_id"] == "R6", "threat_id"] = "T1"
    extra = r[r["risk_id"] == "R7"].assign(risk_id="R9", threat_id="T1", likelihood=1, status="open", deadline=None)
    r = pd.concat([r, extra], ignore_index=True)
    return dataclasses.replace(prev, risks=r, meta={**prev.meta, "round": "2026 Q2"})


@pytest.fixture(scope="module")
def changes(case):
    a, s = case
    prev = previous_round()
    return R.round_changes(a, s, prev, score(prev, "kl"), matrix="kl"), prev


def test_change_counts_per_perspective(changes):
    comp, _ = changes
    counts = R.change_counts(comp)
    assert list(counts.columns) == [
        "Perspektiv", "Nye", "Lukkede", "Forværret", "Forbedret", "Uændret niveau", "I alt",
    ]  # fmt: skip
    assert counts.values.tolist() == [["Kommunen", 1, 1, 1, 2, 3, 8], ["De registrerede", 0, 0, 1, 1, 2, 4]]
    assert "R7" not in set(comp["risk_id"])
    en = R.change_counts(comp, lang="en")
    assert list(en.columns)[1:6] == ["New", "Closed", "Escalated", "De-escalated", "Level unchanged"]


def test_change_migration_matrix(changes):
    comp, _ = changes
    mm = R.change_migration(comp, "municipality", "kl").set_index("Niveau før \\ Niveau efter")
    assert list(mm.columns) == ["Lav", "Under middel", "Middel", "Over middel", "Høj", "lukket"]
    expected = pd.DataFrame(0, index=["ny", "Lav", "Under middel", "Middel", "Over middel", "Høj"], columns=mm.columns)
    expected.loc["ny", "Under middel"] = 1  # R8
    expected.loc["Lav", "lukket"] = 1  # R9
    expected.loc["Under middel", "Under middel"] = 2  # R2, R6
    expected.loc["Middel", "Under middel"] = 1  # R5
    expected.loc["Middel", "Høj"] = 1  # R1
    expected.loc["Over middel", "Middel"] = 1  # R3
    expected.loc["Over middel", "Over middel"] = 1  # R4
    assert mm.to_numpy().tolist() == expected.to_numpy().tolist()
    en = R.change_migration(comp, "data_subject", "kl", lang="en")
    assert list(en.columns) == ["Level before \\ Level after", "Low", "Below medium", "Medium", "Above medium",
                                "High", "closed"]  # fmt: skip


def test_change_movers_with_reason(changes):
    comp, _ = changes
    mv = R.change_movers(comp, "kl")
    assert list(zip(mv["Risiko-ID"], mv["Perspektiv"], strict=True)) == [
        ("R1", "Kommunen"), ("R1", "De registrerede"), ("R3", "Kommunen"), ("R5", "De registrerede"),
        ("R5", "Kommunen"),
    ]  # fmt: skip
    assert mv["Årsag"].iloc[0] == "Sandsynlighed 2 → 4"
    assert (mv["Niveau før"].iloc[0], mv["Niveau efter"].iloc[0]) == ("Middel", "Høj")
    assert "foranstaltninger" in mv["Årsag"].iloc[3]
    en = R.change_movers(comp, "kl", n=1, lang="en")
    assert en.iloc[0].tolist()[:7] == ["R1", "Journal <b>system</b>", "Municipality", "Medium", "High", 8, 16]


def test_identity_changes(changes, case):
    comp, prev = changes
    a, _ = case
    ids = R.identity_changes(comp, prev, a)
    assert ids.values.tolist() == [["R6", "A3 Borgerservice & web", "A3 Borgerservice & web", "T1 Phishing",
                                    "T2 Ransomware"]]  # fmt: skip


def test_changes_section(case, changes):
    a, s = case
    _, prev = changes
    ctx = ReportContext(a, s, R.resolve_matrix(s), as_of=pd.Timestamp(AS_OF), previous=prev,
                        previous_scores=score(prev, "kl"))  # fmt: skip
    out = html("changes", ctx)
    assert "<h2>Udvikling siden forrige runde</h2>" in out and "runde 2026 Q2" in out
    for tid in ("escalations", "change-migration-municipality", "change-migration-data_subject"):
        assert f'id="{tid}"' in out
    assert "Journal &lt;b&gt;system&lt;/b&gt;" in out and "<b>system" not in out
    en = html("changes", dataclasses.replace(ctx, lang="en"))
    assert "<h2>Changes since the previous round</h2>" in en
    none = html("changes", dataclasses.replace(ctx, previous=None, previous_scores=None))
    assert "Der er ingen forrige runde at sammenligne med." in none and "<table" not in none

def test_appendix_tolerance_names_levels_and_perspectives(case):
    a, _ = case
    tol = R.appendix_tolerance(a)
    assert tol.values.tolist() == [["Børn og unge", "Lav"], ["Økonomi", "Middel"]]
    profile = pd.DataFrame(
        {"area": ["Økonomi", "Økonomi"], "max_accepted_level": ["below_medium", "medium"],
         "perspective": [None, "municipality"]}
    )  # fmt: skip
    tol = R.appendix_tolerance(dataclasses.replace(a, profile=profile), lang="en")
    assert tol.values.tolist() == [["Økonomi", "Below medium", ""], ["Økonomi", "Medium", "Municipality"]]
