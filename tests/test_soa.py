"""SoA coverage, checks and the SoA <-> risk cross-checks, against hand-computed values."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import one_asset_assessment

from isms_analysis import Assessment, score
from isms_analysis import soa as S
from isms_analysis.figures import coverage_figure, effectiveness_figure
from isms_analysis.text import labels_of

S_ = "string"


def soa_frame() -> pd.DataFrame:
    """8 Annex A controls over the 4 themes, a repeated ID and 1 own control,
    with the dtypes the workbook reader produces."""
    rows = [
        # control_id, title, applicable, justification, source, status, responsible, risks
        ("5.1", "Politikker", True, None, "risk_assessment", "implemented", "Anne", "R-1"),
        ("A.5.15", "Adgangsstyring", True, None, "risk_assessment", "partly", None, None),
        ("5.23", "Cloud", False, None, "risk_assessment", None, None, None),
        ("6.3", "Awareness", True, None, "best_practice", "planned", "Bo", "R-1"),
        ("7.1", "Perimeter", False, "Intet serverrum", None, None, None, None),
        ("7.4", "Overvågning", True, None, None, None, "Carl", None),
        ("8.5", "Autentifikation", True, None, "risk_assessment", "not_started", "Dorte", None),
        ("8.13", "Backup", None, None, None, "implemented", "Eva", None),
        ("5.1", "Politikker (igen)", True, None, None, "planned", "Anne", None),
        ("L-01", "Databeskyttelsesloven", True, None, "legal", "implemented", "Fie", None),
    ]
    cols = ["control_id", "title", "applicable", "justification", "source", "status", "responsible", "risks"]
    f = pd.DataFrame(rows, columns=cols)
    dtypes = {c: S_ for c in cols} | {"applicable": "boolean"}
    return f.astype(dtypes)


def assessment() -> Assessment:
    """One asset: municipality C/I/A 4/3/2 (max 4), data subjects 3/3/1 (max 3)."""
    return one_asset_assessment(
        likelihood=[3, 2, 3, 1, 4, 3, 2],
        residual_likelihood=[1, None, 2, None, None, 1, 1],
        treatment=["mitigate", "mitigate", "mitigate", "mitigate", "accept", "mitigate", "mitigate"],
        controls=["5.1; 8.5", None, "5.23", "9.9", None, "A.8.5", "Z-9"],
        threats=pd.DataFrame({"threat_id": ["T1"], "name": ["Phishing"]}),
        soa=soa_frame(),
    )


# -- coverage ------------------------------------------------------------------------------
COVERAGE_EXPECTED = {
    # in_soa, applicable, not_applicable, applicability_missing, implemented, partly,
    # planned, not_started, status_missing, missing_from_soa
    "organisational": [3, 2, 1, 0, 1, 1, 0, 0, 0, 34],
    "people": [1, 1, 0, 0, 0, 0, 1, 0, 0, 7],
    "physical": [2, 1, 1, 0, 0, 0, 0, 0, 1, 12],
    "technological": [2, 1, 0, 1, 0, 0, 0, 1, 0, 32],
    "annex_a": [8, 5, 2, 1, 1, 1, 1, 1, 1, 85],
    "own": [1, 1, 0, 0, 1, 0, 0, 0, 0, 0],
    "total": [9, 6, 2, 1, 2, 1, 1, 1, 1, 85],
}


@pytest.mark.parametrize("lang", ["da", "en"])
def test_coverage_counts_per_theme(lang: str) -> None:
    cov = S.coverage(soa_frame(), lang)
    assert list(cov.columns) == list(labels_of(S.COVERAGE_KEYS, lang).values())
    for key, expected in COVERAGE_EXPECTED.items():
        assert cov.loc[labels_of(S.ROW_KEYS, lang)[key]].tolist() == expected, key


def test_coverage_danish_headings() -> None:
    cov = S.coverage(soa_frame())
    assert "Organisatoriske foranstaltninger" in cov.index
    assert "Egne foranstaltninger" in cov.index
    assert cov.loc["I alt", "Ikke startet"] == 1


def test_coverage_of_missing_soa_counts_all_annex_controls_as_missing() -> None:
    cov = S.coverage(None, "en")
    assert cov.loc["Annex A, total", "Missing from SoA"] == 93
    assert cov.loc["Organisational controls", "Missing from SoA"] == 37
    assert cov.loc["Total", "In SoA"] == 0


def test_own_controls_show_source() -> None:
    own = S.own_controls(soa_frame())
    assert own["Kontrol-ID"].tolist() == ["L-01"]
    assert own["Kilde"].tolist() == ["Lov/kontrakt"]
    assert own["Relevant"].tolist() == ["Ja"]
    assert S.own_controls(soa_frame(), "en")["Source"].tolist() == ["Law/contract"]


def test_gap_view_per_theme() -> None:
    g = S.gap_view(soa_frame(), "en")
    # organisational: 37 controls, 1 not applicable, 1 implemented -> 35 of 36 = 97.2 %
    org = g.loc["Organisational controls"]
    assert org["Not implemented"] == 35
    assert org["Gap in %"] == pytest.approx(97.2)
    assert org["Priority"] == 4
    # physical: 14 controls, 1 not applicable, 0 implemented -> 13 of 13
    phys = g.loc["Physical controls"]
    assert (phys["Not implemented"], phys["Gap in %"], phys["Priority"]) == (13, 100.0, 1)
    # 8.13 is implemented but its applicability is not given: not counted as implemented
    assert g.loc["Technological controls", "Implemented"] == 0
    assert g.index[-1] == "Organisational controls"


# -- checks --------------------------------------------------------------------------------
def test_soa_flags() -> None:
    flags = S.soa_flags(soa_frame())
    own = flags[flags["flag"] != "missing_from_soa"]
    got = set(zip(own["control_id"], own["flag"], strict=True))
    assert got == {
        ("5.15", "applicable_without_responsible"),
        ("5.23", "not_applicable_without_justification"),
        ("8.13", "applicability_missing"),
        ("5.1", "duplicate_control"),
    }
    missing = flags[flags["flag"] == "missing_from_soa"]
    assert len(missing) == 85
    assert "5.2" in set(missing["control_id"]) and "8.5" not in set(missing["control_id"])
    # Annex order: 5.2 comes before 5.10
    ids = flags["control_id"].tolist()
    assert ids.index("5.2") < ids.index("5.10")
    assert (own.loc[own["control_id"] == "5.23", "message"] == "Ikke relevant, men uden begrundelse").all()


def test_control_risk_links_from_both_sheets() -> None:
    a = assessment()
    links = S.control_risk_links(a.soa, a.risks)
    got = set(zip(links["control_id"], links["risk_id"], links["via"], strict=True))
    assert got == {
        ("5.1", "R-1", "both"),
        ("6.3", "R-1", "soa"),
        ("8.5", "R-1", "risk"),
        ("5.23", "R-3", "risk"),
        ("9.9", "R-4", "risk"),
        ("8.5", "R-6", "risk"),  # "A.8.5" normalised
        ("Z-9", "R-7", "risk"),
    }


def test_control_risk_links_splits_commas_and_semicolons() -> None:
    risks = pd.DataFrame({"risk_id": ["R-1"], "controls": [" 5.1 ,8.2;; A.8.3 "]}).astype(S_)
    links = S.control_risk_links(None, risks)
    assert links["control_id"].tolist() == ["5.1", "8.2", "8.3"]
    assert set(links["via"]) == {"risk"}


def test_treatment_gaps() -> None:
    a = assessment()
    gaps = S.treatment_gaps(score(a), a.risks, a.soa)
    got = list(zip(gaps["risk_id"], gaps["control_id"].fillna("-"), gaps["reason"], strict=True))
    assert got == [
        ("R-1", "8.5", "not_started"),  # 5.1 (implemented) and 6.3 (planned) are fine
        ("R-2", "-", "no_control"),  # inherent 4 x 2 = 8 Middel, no control
        ("R-3", "5.23", "not_applicable"),
        ("R-6", "8.5", "not_started"),
        ("R-7", "Z-9", "unknown_control"),  # 8 Middel
    ]
    # R-4 (4, Under middel) is below Middel; R-5 (16) is accepted, not mitigated.
    assert gaps.loc[gaps["risk_id"] == "R-3", "level"].item() == "Over middel"
    assert gaps.loc[gaps["risk_id"] == "R-2", "level"].item() == "Middel"
    assert gaps.loc[gaps["risk_id"] == "R-2", "message"].item().startswith("Skal mitigeres")


def test_treatment_gaps_threshold_comes_from_the_matrix() -> None:
    a = assessment()
    from isms_analysis.matrix import RiskMatrix, matrix

    kl = matrix("kl")
    # A matrix whose 'may_accept' level starts one level higher: Middel becomes acceptable.
    levels = [lv if lv.key != "medium" else type(lv)(**{**lv.__dict__, "treatment": "acceptable"}) for lv in kl.levels]
    stricter = RiskMatrix(
        name="test", consequence_da=kl.consequence_da, consequence_en=kl.consequence_en,
        likelihood_da=kl.likelihood_da, likelihood_en=kl.likelihood_en, levels=tuple(levels), cells=kl.cells,
    )  # fmt: skip
    gaps = S.treatment_gaps(score(a), a.risks, a.soa, matrix=stricter)
    assert "R-2" not in set(gaps["risk_id"]) and "R-7" not in set(gaps["risk_id"])
    assert "R-3" in set(gaps["risk_id"])


def test_control_effectiveness_sums() -> None:
    a = assessment()
    eff = S.control_effectiveness(score(a), a.soa, a.risks)
    row = eff.set_index(["control_id", "perspective"])
    # 8.5 treats R-1 (municipality 12 -> 4) and R-6 (12 -> 4); R-1 relies on 3 controls.
    r = row.loc[("8.5", "municipality")]
    assert (r["n_risks"], r["inherent"], r["residual"], r["reduction"]) == (2, 24, 8, 16)
    assert r["reduction_shared"] == pytest.approx(8 / 3 + 8, abs=0.01)
    assert r["status"] == "not_started"
    r = row.loc[("8.5", "data_subject")]  # 9 -> 3 twice
    assert (r["inherent"], r["residual"], r["reduction"]) == (18, 6, 12)
    assert row.loc[("5.1", "municipality"), "reduction"] == 8
    assert row.loc[("6.3", "municipality"), "reduction"] == 8  # linked from the SoA side
    assert row.loc[("Z-9", "municipality"), "reduction"] == 4  # 8 -> 4
    assert row.loc[("9.9", "municipality"), "reduction"] == 0
    assert pd.isna(row.loc[("Z-9", "municipality"), "status"])  # not in the SoA
    assert pd.isna(row.loc[("9.9", "municipality"), "title"])  # neither in the SoA nor in Annex A
    assert row.loc[("5.1", "municipality"), "title"] == "Politikker"  # the SoA's first 5.1 row
    assert eff.iloc[0]["control_id"] == "8.5" and eff.iloc[0]["perspective"] == "municipality"
    # shared reductions add up to the total reduction over linked risks, per perspective
    mun = eff[eff["perspective"] == "municipality"]
    assert mun["reduction_shared"].sum() == pytest.approx(8 + 4 + 8 + 4 + 0, abs=0.02)


def test_control_effectiveness_does_not_overflow_int8_scores() -> None:
    n = 20
    risks = pd.DataFrame({"risk_id": [f"R-{i}" for i in range(n)], "controls": ["5.1"] * n}).astype(S_)
    scores = pd.DataFrame(
        {
            "risk_id": [f"R-{i}" for i in range(n)] * 2,
            "perspective": ["municipality"] * 2 * n,
            "stage": ["inherent"] * n + ["residual"] * n,
            "score": pd.array([16] * n + [1] * n, dtype="Int8"),
        }
    )
    eff = S.control_effectiveness(scores, None, risks)
    assert eff.loc[0, "inherent"] == 320 and eff.loc[0, "reduction"] == 300


def test_display_translates_headings_and_values() -> None:
    a = assessment()
    gaps = S.treatment_gaps(score(a), a.risks, a.soa)
    shown = S.display(gaps, "da")
    assert {"Risiko-ID", "Kontrol-ID", "Årsag", "Bemærkning"} <= set(shown.columns)
    flags = S.display(
        pd.DataFrame({"status": ["not_started"], "applicable": pd.array([True])}), "en", {"status": "soa_status"}
    )
    assert flags.loc[0, "Status"] == "Not started" and flags.loc[0, "Applicable"] == "Yes"


# -- figures -------------------------------------------------------------------------------
def test_coverage_figure_stacks_statuses_with_text_and_patterns() -> None:
    fig = coverage_figure(S.coverage(soa_frame()))
    names = [t.name for t in fig.data]
    assert names == [
        "Implementeret",
        "Delvist implementeret",
        "Planlagt",
        "Ikke startet",
        "Status mangler",
        "Ikke relevante",
    ]
    impl = fig.data[0]
    themes = ("organisational", "people", "physical", "technological", "own")
    assert list(impl.y) == [labels_of(S.ROW_KEYS)[k] for k in themes]
    assert list(impl.x) == [1, 0, 0, 0, 1]
    assert list(impl.text) == ["1", "", "", "", "1"]
    assert len({t.marker.pattern.shape for t in fig.data}) == 6
    assert fig.layout.barmode == "stack" and fig.layout.width == 900
    en = coverage_figure(S.coverage(soa_frame(), "en"))
    assert en.data[0].name == "Implemented"


def test_effectiveness_figure_escapes_workbook_text() -> None:
    a = assessment()
    soa = a.soa.copy()
    soa.loc[soa["control_id"] == "8.5", "title"] = "<script>x</script>"
    eff = S.control_effectiveness(score(a), soa, a.risks)
    fig = effectiveness_figure(eff, top=2)
    labels = list(fig.data[0].y)
    assert len(labels) == 2
    assert labels[0].startswith("8.5 &lt;script&gt;") and "(Ikke startet)" in labels[0]
    assert "<script>x" not in fig.to_html(full_html=False, include_plotlyjs=False)
    assert list(fig.data[0].x)[0] == 16
