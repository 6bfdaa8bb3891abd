"""Round comparison, attribution, migration and trends against hand-worked rounds.

Two (and three) rounds of a small municipality, built in code. Expected levels are
worked out by hand from the KL matrix in DOMAIN.md (consequence = max of C/I/A):

round 1                                    round 2
R1 A1(M 4,2,2) L2 -> 8 Middel              L3 -> 12 Over middel        (likelihood)
R2 A2(M 3,1,1) L3 -> 9 Middel              A2 C 3->4: 12 Over middel   (consequence C)
R3 A5(M 2,1,1) L1 -> 2 Lav                 gone                        (closed)
R4 -                                       A3(M 2,2,2) L2 -> 4 Under middel (new)
R5 A1 L1 -> 4 Under middel                 A3 L1 -> 2 Lav              (asset changed)
R6 A4(M 3,3,3) L2 -> 6 Under middel        status closed               (closed)
R7 A4 L4 -> 12 Over middel; residual 12    residual L1 -> 3 Lav, control 8.7 added
R8 A5 L2 -> 4 Under middel                 L3 -> 6 Under middel        (score only)
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import pytest

from isms_analysis import Assessment, score
from isms_analysis.comparison import (
    combine_levels,
    compare_rounds,
    consecutive_comparisons,
    enrich,
    migration_matrix,
    movers,
    stack_rounds,
    time_to_treatment,
    trend,
    trend_by,
)
from isms_analysis.figures import level_distribution_figure, migration_sankey_figure, trend_by_figure

THREATS = pd.DataFrame({"threat_id": ["T1", "T2"], "name": ["Phishing", "Ransomware"]})


def assets(a2_c: int = 3, area_a4: str = "IT") -> pd.DataFrame:
    rows = [
        # id, area, type, M C/I/A, DS C/I/A
        ("A1", "Børn og unge", "it_system", (4, 2, 2), (2, 2, 1)),
        ("A2", "Økonomi", "business_process", (a2_c, 1, 1), (None, None, None)),
        ("A3", "Børn og unge", "it_system", (2, 2, 2), (2, 2, 1)),
        ("A4", area_a4, "infrastructure", (3, 3, 3), (None, None, None)),
        ("A5", "IT", "infrastructure", (2, 1, 1), (None, None, None)),
    ]
    data: dict[str, list] = {"asset_id": [], "name": [], "area": [], "type": []}
    for p in "cia":
        data[f"consequence_municipality_{p}"] = []
        data[f"consequence_data_subject_{p}"] = []
    for aid, area, typ, m, ds in rows:
        data["asset_id"].append(aid)
        data["name"].append(f"Aktiv {aid}")
        data["area"].append(area)
        data["type"].append(typ)
        for p, mv, dv in zip("cia", m, ds, strict=True):
            data[f"consequence_municipality_{p}"].append(mv)
            data[f"consequence_data_subject_{p}"].append(dv)
    return pd.DataFrame(data)


def risks(rows: list[tuple]) -> pd.DataFrame:
    cols = ["risk_id", "asset_id", "threat_id", "likelihood", "residual_likelihood", "controls", "status"]
    return pd.DataFrame([dict(zip(cols, r, strict=True)) for r in rows])


ROUND1 = risks(
    [
        ("R1", "A1", "T1", 2, None, None, "open"),
        ("R2", "A2", "T1", 3, None, None, "open"),
        ("R3", "A5", "T2", 1, None, None, "open"),
        ("R5", "A1", "T2", 1, None, None, "open"),
        ("R6", "A4", "T1", 2, None, None, "open"),
        ("R7", "A4", "T2", 4, None, "5.15", "in_progress"),
        ("R8", "A5", "T1", 2, None, None, "open"),
        ("R9", "A4", "T1", 4, None, None, "open"),
    ]
)
ROUND2 = risks(
    [
        ("R1", "A1", "T1", 3, None, None, "open"),
        ("R2", "A2", "T1", 3, None, None, "open"),
        ("R4", "A3", "T1", 2, None, None, "open"),
        ("R5", "A3", "T2", 1, None, None, "open"),
        ("R6", "A4", "T1", 2, None, None, "closed"),
        ("R7", "A4", "T2", 4, 1, "5.15; 8.7", "in_progress"),
        ("R8", "A5", "T1", 3, None, None, "open"),
    ]
)
ROUND3 = risks(
    [
        ("R1", "A1", "T1", 3, None, None, "open"),
        ("R2", "A2", "T1", 2, None, None, "open"),
        ("R4", "A3", "T1", 2, None, None, "open"),
        ("R7", "A4", "T2", 4, 1, "5.15; 8.7", "in_progress"),
        ("R8", "A5", "T1", 3, None, None, "open"),
        ("R9", "A4", "T1", 4, None, None, "open"),
    ]
)


def assessment(risk_rows: pd.DataFrame, a2_c: int = 3) -> Assessment:
    return Assessment(assets=assets(a2_c), threats=THREATS, risks=risk_rows)


def scored(risk_rows: pd.DataFrame, a2_c: int = 3, matrix: str = "kl") -> pd.DataFrame:
    a = assessment(risk_rows, a2_c)
    return enrich(score(a, matrix), a.risks, a.assets, a.threats)


@pytest.fixture(scope="module")
def comparison() -> pd.DataFrame:
    return compare_rounds(scored(ROUND1), scored(ROUND2, a2_c=4))


def row(comp: pd.DataFrame, rid: str, persp: str = "municipality", stage: str = "inherent") -> pd.Series:
    sel = comp[(comp["risk_id"] == rid) & (comp["perspective"] == persp) & (comp["stage"] == stage)]
    assert len(sel) == 1, (rid, persp, stage, len(sel))
    return sel.iloc[0]


def test_likelihood_escalation(comparison: pd.DataFrame) -> None:
    r = row(comparison, "R1")
    assert (r["level_old"], r["level_new"], r["score_old"], r["score_new"]) == ("Middel", "Over middel", 8, 12)
    assert r["change"] == "escalated" and r["level_change"] == 1
    assert r["likelihood_changed"] and not r["consequence_changed"]
    assert r["changed_properties"] == ""
    assert r["reason"] == "Sandsynlighed 2 → 3"
    assert not r["matrix_changed"] and not r["identity_changed"]
    # data subjects: 2x2=4 -> 2x3=6, both Under middel: level unchanged, scores kept
    ds = row(comparison, "R1", "data_subject")
    assert (ds["change"], ds["score_old"], ds["score_new"]) == ("unchanged", 4, 6)
    assert ds["likelihood_changed"]


def test_consequence_escalation_names_the_property(comparison: pd.DataFrame) -> None:
    r = row(comparison, "R2")
    assert (r["level_old"], r["level_new"], r["change"]) == ("Middel", "Over middel", "escalated")
    assert r["consequence_changed"] and not r["likelihood_changed"]
    assert r["changed_properties"] == "C"
    assert r["reason"] == "Konsekvens 3 → 4 (F)"  # Danish FIT letter for confidentiality
    en = compare_rounds(scored(ROUND1), scored(ROUND2, a2_c=4), lang="en")
    assert row(en, "R2")["reason"] == "Consequence 3 → 4 (C)"
    # only municipality rows for A2 (no data-subject assessment)
    assert not ((comparison["risk_id"] == "R2") & (comparison["perspective"] == "data_subject")).any()


def test_closed_gone_and_closed_by_status(comparison: pd.DataFrame) -> None:
    gone = row(comparison, "R3")
    assert gone["change"] == "closed" and gone["level_old"] == "Lav" and pd.isna(gone["level_new"])
    assert gone["reason"] == "Ikke med i den nye runde"
    by_status = row(comparison, "R6", stage="residual")
    assert by_status["change"] == "closed" and by_status["level_new"] == "Under middel"
    assert by_status["reason"] == "Lukket"


def test_new_risk(comparison: pd.DataFrame) -> None:
    r = row(comparison, "R4")
    assert r["change"] == "new" and pd.isna(r["level_old"]) and r["level_new"] == "Under middel"
    assert r["reason"] == "Ny risiko"
    assert not r["likelihood_changed"] and not r["identity_changed"]


def test_identity_change_is_flagged(comparison: pd.DataFrame) -> None:
    for persp in ("municipality", "data_subject"):
        r = row(comparison, "R5", persp)
        assert r["identity_changed"]
        assert (r["asset_id_old"], r["asset_id_new"]) == ("A1", "A3")
        assert "Aktiv ændret A1 → A3" in r["reason"]
    assert row(comparison, "R5")["change"] == "de-escalated"  # 4 Under middel -> 2 Lav
    assert comparison["identity_changed"].sum() == 4  # R5: 2 perspectives x 2 stages


def test_residual_controls_attribution(comparison: pd.DataFrame) -> None:
    inh = row(comparison, "R7")
    assert inh["change"] == "unchanged" and inh["score_old"] == inh["score_new"] == 12
    assert not inh["residual_controls_changed"]
    res = row(comparison, "R7", stage="residual")
    assert (res["level_old"], res["level_new"], res["change"]) == ("Over middel", "Lav", "de-escalated")
    assert res["level_change"] == -3
    assert res["residual_controls_changed"] and res["likelihood_changed"]
    assert res["controls_added"] == "8.7" and res["controls_removed"] == ""
    assert res["reason"] == "Sandsynlighed 4 → 1; restrisiko ændret af foranstaltninger (+8.7)"
    # R1's residual moved with its inherent likelihood: not the controls
    assert not row(comparison, "R1", stage="residual")["residual_controls_changed"]


def test_score_change_within_level(comparison: pd.DataFrame) -> None:
    r = row(comparison, "R8")
    assert (r["change"], r["score_old"], r["score_new"], r["level_change"]) == ("unchanged", 4, 6, 0)


def test_changes_cover_every_key(comparison: pd.DataFrame) -> None:
    # municipality: R1-R9 minus R4 old / R3, R9 new -> 9 risk ids x 2 stages
    m = comparison[comparison["perspective"] == "municipality"]
    assert len(m) == 9 * 2
    assert not comparison.duplicated(["risk_id", "perspective", "stage"]).any()
    counts = m[m["stage"] == "inherent"]["change"].value_counts()
    # R3, R6, R9 closed; R4 new; R1, R2 escalated; R5 de-escalated; R7, R8 unchanged
    assert counts.to_dict() == {"closed": 3, "escalated": 2, "unchanged": 2, "new": 1, "de-escalated": 1}


def test_migration_matrix(comparison: pd.DataFrame) -> None:
    mm = migration_matrix(comparison, "municipality", "residual")
    assert list(mm.index) == ["ny", "Lav", "Under middel", "Middel", "Over middel", "Høj"]
    assert list(mm.columns) == ["Lav", "Under middel", "Middel", "Over middel", "Høj", "lukket"]
    expected = {
        ("Middel", "Over middel"): 2,  # R1, R2
        ("Lav", "lukket"): 1,  # R3
        ("ny", "Under middel"): 1,  # R4
        ("Under middel", "Lav"): 1,  # R5
        ("Under middel", "lukket"): 1,  # R6
        ("Over middel", "Lav"): 1,  # R7
        ("Under middel", "Under middel"): 1,  # R8
        ("Over middel", "lukket"): 1,  # R9
    }
    for (a, b), n in expected.items():
        assert mm.loc[a, b] == n, (a, b)
    assert mm.to_numpy().sum() == sum(expected.values())
    en = migration_matrix(comparison, "municipality", "residual", lang="en")
    assert en.index[0] == "new" and en.columns[-1] == "closed"


def test_matrix_change_kl_to_datatilsynet() -> None:
    a = pd.DataFrame(
        {"asset_id": ["X"], "name": ["X"], "area": ["IT"], **{f"consequence_municipality_{p}": [v] for p, v in zip("cia", (4, 1, 1), strict=True)}}
    )
    old = score(Assessment(a, THREATS, risks([("M1", "X", "T1", 2, None, None, "open"),
                                               ("M2", "X", "T1", 1, None, None, "open")])), "kl")  # fmt: skip
    new = score(Assessment(a, THREATS, risks([("M1", "X", "T1", 2, None, None, "open"),
                                               ("M2", "X", "T1", 2, None, None, "open")])), "datatilsynet")  # fmt: skip
    comp = compare_rounds(old, new)
    m1 = row(comp, "M1")
    # same score 8: KL Middel, Datatilsynet (4,2) Høj; under the old matrix it would still be Middel
    assert (m1["level_old"], m1["level_new"], m1["change"]) == ("Middel", "Høj", "escalated")
    assert m1["matrix_changed"] and m1["level_old_matrix"] == "Middel"
    assert not m1["likelihood_changed"]
    assert m1["reason"] == "Ny risikomatrix (KL → Datatilsynet)"
    # likelihood 1 -> 2 and the matrix: KL would have said Middel for 8, the new matrix Høj
    m2 = row(comp, "M2")
    assert (m2["level_old"], m2["level_new"], m2["level_old_matrix"]) == ("Under middel", "Høj", "Middel")
    assert m2["likelihood_changed"] and "ny risikomatrix" in m2["reason"]
    # the combined level order keeps KL's Middel between Under middel and Over middel
    assert list(comp["level_new"].cat.categories) == ["Lav", "Under middel", "Middel", "Over middel", "Høj"]


def test_combine_levels() -> None:
    assert combine_levels([["a", "c", "d"], ["a", "b", "c"]]) == ["a", "b", "c", "d"]
    assert combine_levels([["x"], ["w", "x"]]) == ["w", "x"]


def test_compare_takes_controls_from_risks() -> None:
    a1, a2 = assessment(ROUND1), assessment(ROUND2, 4)
    comp = compare_rounds(score(a1), score(a2), old_risks=a1.risks, new_risks=a2.risks)
    assert row(comp, "R7", stage="residual")["controls_added"] == "8.7"
    bare = compare_rounds(score(a1), score(a2))
    assert row(bare, "R7", stage="residual")["controls_added"] == ""
    assert row(bare, "R7", stage="residual")["residual_controls_changed"]


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return stack_rounds({"2025-Q1": scored(ROUND1), "2025-Q2": scored(ROUND2, 4), "2025-Q3": scored(ROUND3, 4)},
                        municipality="Testkommune")  # fmt: skip


def test_stack_rounds(history: pd.DataFrame) -> None:
    assert list(history["round"].cat.categories) == ["2025-Q1", "2025-Q2", "2025-Q3"]
    assert history["round"].cat.ordered
    assert set(history["municipality"].astype(str)) == {"Testkommune"}
    r1 = history[(history["risk_id"] == "R1") & (history["perspective"] == "municipality") & (history["stage"] == "inherent")]
    assert r1["treatment_class"].astype(str).tolist() == ["may_accept", "should_treat", "should_treat"]


def test_trend_counts(history: pd.DataFrame) -> None:
    t = trend(history)
    m = t[t["perspective"] == "municipality"].set_index(["round", "level"])["count"]
    # round 1 (R6 open): Lav R3; Under middel R5, R6, R8; Middel R1, R2; Over middel R7, R9
    assert [m[("2025-Q1", lv)] for lv in ["Lav", "Under middel", "Middel", "Over middel", "Høj"]] == [1, 3, 2, 2, 0]
    # round 2 (R6 closed, left out): Lav R5, R7; Under middel R4, R8; Over middel R1, R2
    assert [m[("2025-Q2", lv)] for lv in ["Lav", "Under middel", "Middel", "Over middel", "Høj"]] == [2, 2, 0, 2, 0]
    q2 = t[(t["round"] == "2025-Q2") & (t["perspective"] == "municipality")]
    assert q2["share"].sum() == pytest.approx(1.0)
    assert "society" not in set(t["perspective"].astype(str))


def test_trend_by_area_and_type(history: pd.DataFrame) -> None:
    tb = trend_by(history, "area")
    q1 = tb[(tb["round"] == "2025-Q1") & (tb["perspective"] == "municipality")].set_index("area")
    # IT: R3 Lav, R6 UM, R7 OM, R8 UM, R9 OM -> 5 risks, 2 to treat
    assert (q1.loc["IT", "risks"], q1.loc["IT", "to_treat"]) == (5, 2)
    assert (q1.loc["Økonomi", "risks"], q1.loc["Økonomi", "to_treat"]) == (1, 0)
    assert q1.loc["Børn og unge", "mean_score"] == pytest.approx((8 + 4) / 2)
    by_type = trend_by(history, "asset_type")
    q2 = by_type[(by_type["round"] == "2025-Q2") & (by_type["perspective"] == "municipality")].set_index("asset_type")
    # business_process: R2 12 Over middel
    assert (q2.loc["business_process", "risks"], q2.loc["business_process", "to_treat"]) == (1, 1)
    with pytest.raises(ValueError):
        trend_by(history, "owner")


def test_time_to_treatment(history: pd.DataFrame) -> None:
    ttt = time_to_treatment(history, perspective="municipality").set_index("risk_id")
    # R1: Middel, Over middel, Over middel -> 2 rounds, still open
    assert (ttt.loc["R1", "rounds"], ttt.loc["R1", "first_round"], ttt.loc["R1", "still_open"]) == (2, "2025-Q2", True)
    # R2: Over middel in Q2 only (L2 in Q3 -> 8 Middel): treated after 1 round
    assert (ttt.loc["R2", "rounds"], ttt.loc["R2", "still_open"], ttt.loc["R2", "level_last"]) == (1, False, "Middel")
    # R7 residual: Over middel in Q1, then Lav
    assert (ttt.loc["R7", "rounds"], ttt.loc["R7", "last_round"], ttt.loc["R7", "still_open"]) == (1, "2025-Q1", False)
    # R9: Q1 and Q3 but missing in Q2 -> the run restarts
    assert (ttt.loc["R9", "rounds"], ttt.loc["R9", "longest"], ttt.loc["R9", "first_round"]) == (1, 1, "2025-Q3")
    assert set(ttt.index) == {"R1", "R2", "R7", "R9"}


def test_time_to_treatment_asks_the_matrix() -> None:
    # Datatilsynet: consequence 2 x likelihood 3 is Over middel (should_treat); KL says Under middel.
    h = stack_rounds({"a": scored(ROUND2, 4, "datatilsynet"), "b": scored(ROUND2, 4, "datatilsynet")})
    ttt = time_to_treatment(h, perspective="municipality").set_index("risk_id")
    assert ttt.loc["R8", "rounds"] == 2 and ttt.loc["R8", "still_open"]


def test_movers(history: pd.DataFrame, comparison: pd.DataFrame) -> None:
    top = movers(comparison, n=3, perspective="municipality")
    # R7 residual -3 levels; then R1/R2 +1 level with +4 score, R5 -1 level with -2
    assert top["risk_id"].tolist() == ["R7", "R1", "R2"]
    assert top.loc[0, "score_change"] == -9
    assert "reason" in top.columns and "likelihood_changed" in top.columns
    over_history = movers(history, n=50, perspective="municipality")
    assert set(over_history["change"].astype(str)) <= {"escalated", "de-escalated", "unchanged"}
    assert "R3" not in set(over_history["risk_id"])  # closed risks are not movers


def test_consecutive_comparisons(history: pd.DataFrame) -> None:
    cc = consecutive_comparisons(history)
    assert set(zip(cc["round_old"].astype(str), cc["round_new"].astype(str), strict=True)) == {
        ("2025-Q1", "2025-Q2"),
        ("2025-Q2", "2025-Q3"),
    }
    r9 = cc[(cc["risk_id"] == "R9") & (cc["perspective"] == "municipality") & (cc["stage"] == "inherent")]
    assert r9["change"].astype(str).tolist() == ["closed", "new"]


def test_figures_escape_workbook_text(history: pd.DataFrame) -> None:
    evil = "<b>Ø&konomi</b>"
    h = stack_rounds(
        {"q1": scored(ROUND1).assign(area=lambda f: f["area"].astype(str).replace("Økonomi", evil))},
        municipality="X",
    )
    fig = trend_by_figure(h, by="area")
    names = {tr.name for tr in fig.data}
    assert html.escape(evil) in names and evil not in names
    dist = level_distribution_figure(history)
    assert len(dist.data) == 5 * 2  # 5 levels x 2 perspectives
    sankey = migration_sankey_figure(history)
    labels = list(sankey.data[0].node.label)
    assert "2025-Q2: lukket" in labels and "2025-Q2: ny" in labels
    assert sum(sankey.data[0].link.value) == len(
        consecutive_comparisons(history).query("perspective == 'municipality' and stage == 'residual'")
    )


# -- the trend report over a store ------------------------------------------------------------
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "trend_report.ipynb"


def fill_store(path: Path, municipality: str = "Testkommune") -> None:
    from isms_analysis.store import import_round

    for label, rows, a2_c in (("2025-Q1", ROUND1, 3), ("2025-Q2", ROUND2, 4), ("2025-Q3", ROUND3, 4)):
        a = assessment(rows, a2_c)
        meta = {"municipality": municipality, "round": label, "matrix": "kl", "approved_by": "Udvalget"}
        import_round(Assessment(a.assets, a.threats, a.risks, meta=meta), path)


def test_trend_history_selects_municipality_and_range(tmp_path: Path) -> None:
    from isms_analysis.errors import UserError
    from isms_analysis.render.trend_report import trend_section_html
    from isms_analysis.store import trend_history

    store = tmp_path / "s.duckdb"
    fill_store(store, "<Kommune & Co>")
    fill_store(store, "Zkommune")
    h = trend_history(store, first_round="2025-Q2")
    assert set(h["municipality"].astype(str)) == {"<Kommune & Co>"}  # the first one alphabetically
    assert list(h["round"].cat.categories) == ["2025-Q2", "2025-Q3"]
    assert set(h.attrs["matrices"]) == {"2025-Q2", "2025-Q3"}
    with pytest.raises(UserError):
        trend_history(store, municipality="Ukendt")
    with pytest.raises(UserError):
        trend_history(store, first_round="2025-Q3", last_round="2025-Q1")
    header = trend_section_html("header", h, store=store, params={}, lang="da")
    assert "&lt;Kommune &amp; Co&gt;" in header and "<Kommune & Co>" not in header
    one = trend_history(store, municipality="Zkommune", first_round="2025-Q3")
    assert "mindst to" in trend_section_html("movers", one)


def test_notebook_is_committed_without_outputs() -> None:
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    for name in ("store", "municipality", "first_round", "last_round", "lang"):
        assert f"{name} = " in params[0].source


@pytest.mark.slow
def test_trend_notebook_executes_with_papermill(tmp_path: Path) -> None:
    import nbformat
    import papermill as pm

    store = tmp_path / "s.duckdb"
    fill_store(store)
    out = tmp_path / "trend.ipynb"
    pm.execute_notebook(
        str(NOTEBOOK), str(out), parameters={"store": str(store), "lang": "en"},
        kernel_name="python3", progress_bar=False, cwd=str(tmp_path),
    )  # fmt: skip
    nb = nbformat.read(out, as_version=4)
    html_out = "".join(
        o.get("data", {}).get("text/html", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )
    for section in ("Trend report", "Levels per round", "Movement between rounds", "Top movers",
                    "Trends per area and asset type", "Time to treatment"):  # fmt: skip
        assert section in html_out, section
    assert "2025-Q1 – 2025-Q3" in html_out
    assert "Likelihood 4 → 1; residual changed by controls (+8.7)" in html_out  # R7, a top mover
    assert not any(o.get("output_type") == "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def _plotly_shown(text: str) -> str:
    """What plotly.js shows for a label: it decodes numeric entities and only
    &amp; &lt; &gt; &nbsp; &mu; &times; &plusmn; &deg; by name (not &quot;)."""
    import re

    named = {"amp": "&", "lt": "<", "gt": ">", "nbsp": "\xa0", "mu": "μ", "times": "×", "plusmn": "±", "deg": "°"}

    def one(m: re.Match[str]) -> str:
        r = m.group(1)
        if r.startswith("#"):
            return chr(int(r[2:], 16) if r[1] == "x" else int(r[1:]))
        return named.get(r, m.group(0))

    return re.sub(r"&(#\d+|#x[\da-fA-F]+|[a-z]+);", one, text)


def test_trend_hover_labels_show_quotes_as_typed(history: pd.DataFrame) -> None:
    """Issue 16 item 11: a quote in a round label or area reached the hover label as '&quot;'."""
    label, area = 'Runde "2026" Q2', "IT's \"drift\" & <net>"
    h = stack_rounds(
        {label: scored(ROUND1).assign(area=lambda f: f["area"].astype(str).replace("IT", area))}, municipality="X"
    )
    for fig in (trend_by_figure(h, by="area"), level_distribution_figure(h)):
        texts = [t for tr in fig.data for t in (*tr.x, tr.name, tr.hovertemplate)]
        assert not any("&quot;" in t or "&#x27;" in t for t in texts), texts
        shown = {_plotly_shown(t) for t in texts}
        assert label in shown
        assert "<net>" not in "".join(texts)  # still escaped: no markup reaches plotly
    trend_fig = trend_by_figure(h, by="area")
    assert "&lt;net&gt;" in "".join(tr.name for tr in trend_fig.data)
    assert area in {_plotly_shown(tr.name) for tr in trend_fig.data}
    sankey_labels = [_plotly_shown(s) for s in migration_sankey_figure(history).data[0].node.label]
    assert "2025-Q2: lukket" in sankey_labels
