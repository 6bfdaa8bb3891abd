"""The public API: one import for the analyst's tasks, and one vocabulary across frames."""

from __future__ import annotations

import types

import openpyxl
import pandas as pd
import pytest
from conftest import three_risks

import isms_analysis as isms
from isms_analysis.register import write_register


def test_everything_an_analyst_uses_is_exported():
    wanted = {
        "read_workbook", "validate_workbook", "score", "rescore", "compare_rounds", "movers", "trend",
        "trend_by", "import_round", "load_rounds", "list_rounds", "export_parquet", "heatmap",
        "heatmap_panel", "level_bars", "write_register", "coverage", "treatment_gaps", "due_in_quarter",
        "action_status", "where", "labels", "get_matrix", "decisions", "decision_summary", "committee_items",
        "export_benchmark", "load_benchmark", "read_extract", "read_activities", "apply_activities",
    }  # fmt: skip
    assert wanted <= set(isms.__all__)
    for name in isms.__all__:
        assert getattr(isms, name) is not None, name
    assert callable(isms.load_rounds) and isms.load_rounds.__module__ == "isms_analysis.store"


def test_the_matrix_module_is_not_shadowed_by_a_function():
    assert isinstance(isms.matrix, types.ModuleType)
    assert isms.get_matrix("kl") is isms.matrix.KL


def test_score_carries_the_names_of_asset_and_threat():
    s = isms.score(three_risks())
    r1 = s[s["risk_id"] == "R1"]
    assert set(r1["asset_name"]) == {"Sagssystem"}
    assert set(r1["threat_name"]) == {"Phishing"}
    assert set(s.loc[s["risk_id"] == "R3", "area"]) == {"Økonomi"}
    assert isinstance(s["asset_name"].dtype, pd.CategoricalDtype)
    # no asset type in this assessment: the column is all missing, not invented
    assert s["asset_type"].isna().all()


def test_level_compares_in_both_languages_and_by_key():
    s = isms.score(three_risks())
    # R1 municipality inherent: 4 x 3 = 12 Over middel; data subjects 4 x 3 = 12 as well.
    high = s["level"].isms >= "Above medium"
    assert high.equals(s["level"].isms >= "Over middel")
    assert high.equals(s["level"].isms >= "above_medium")
    assert high.equals(s["level"] >= "Over middel")
    assert set(s.loc[high, "risk_id"]) == {"R1"}
    with pytest.raises(ValueError, match="Mente du: Middel"):
        _ = s["level"].isms >= "Midel"


def test_where_accepts_labels_and_names_the_closest_value():
    s = isms.score(three_risks())
    rows = isms.where(s, perspective="De registrerede", stage="Residual", area="Social")
    # R1 and R2 (asset A1, the only one with personal data), residual stage
    assert sorted(rows["risk_id"].astype(str)) == ["R1", "R2"]
    assert set(rows["perspective"]) == {"data_subject"}
    assert len(isms.where(s, treatment="Mitiger")) == len(isms.where(s, treatment="mitigate")) == 4
    with pytest.raises(ValueError, match="Mente du: Social"):
        isms.where(s, area="Socia")
    with pytest.raises(ValueError, match="area"):
        isms.where(s, aera="Social")


def test_type_filter_by_label_matches_the_key():
    assets = pd.DataFrame({"type": pd.Series(["it_system", "people", "it_system"], dtype="string")})
    assert (assets["type"].isms == "IT-system").tolist() == [True, False, True]
    assert (assets["type"].isms == "Medarbejdere").sum() == 1


def test_labels_are_a_display_copy():
    s = isms.score(three_risks())
    en = isms.labels(s, "en")
    da = isms.labels(s, "da")
    assert set(en["perspective"].astype(str)) == {"Municipality", "Data subjects"}
    assert "Above medium" in set(en["level"].astype(str))
    assert set(da["treatment"].dropna().astype(str)) == {"Mitiger", "Acceptér"}
    assert set(s["treatment"].dropna().astype(str)) == {"mitigate", "accept"}  # the data is untouched


def test_heatmap_rejects_unknown_perspective_and_stage():
    s = isms.score(three_risks())
    with pytest.raises(ValueError, match="municipality.*data_subject.*society"):
        isms.heatmap(s, perspective="registrerede")
    with pytest.raises(ValueError, match="inherent.*residual"):
        isms.heatmap(s, stage="after")
    fig = isms.heatmap(s, perspective="De registrerede", stage="Rest")
    assert int(fig.data[0].text.tolist().__str__().count("<b>1</b>")) == 2  # R1 and R2, one cell each


def test_filtered_scores_write_only_their_risks(tmp_path):
    a = three_risks()
    s = isms.score(a)
    only = s[s["area"] == "Økonomi"]
    ws = openpyxl.load_workbook(write_register(a, only, tmp_path / "r.xlsx")).worksheets[0]
    ids = [ws.cell(row=r, column=1).value for r in range(3, ws.max_row + 1)]
    assert ids == ["R3"]
    ws = openpyxl.load_workbook(write_register(a, isms.rescore(only, "herning"), tmp_path / "re.xlsx")).worksheets[0]
    assert [ws.cell(row=r, column=1).value for r in range(3, ws.max_row + 1)] == ["R3"]
    ws = openpyxl.load_workbook(write_register(a, s, tmp_path / "all.xlsx")).worksheets[0]
    assert [ws.cell(row=r, column=1).value for r in range(3, ws.max_row + 1)] == ["R1", "R2", "R3"]


def test_png_export_names_kaleido(tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_kaleido(name, *args, **kwargs):
        if name == "kaleido":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_kaleido)
    with pytest.raises(ImportError, match="kaleido"):
        isms.save_png(isms.heatmap(isms.score(three_risks())), tmp_path / "x.png")


def test_comparisons_filter_by_change_in_either_language():
    s = isms.score(three_risks())
    c = isms.compare_rounds(s, isms.rescore(s, "datatilsynet"))
    worse = isms.where(c, change="Forværret")
    assert len(worse) == len(isms.where(c, change="escalated")) == (c["change"] == "escalated").sum() > 0
    assert set(isms.labels(worse, "en")["change"].astype(str)) == {"Escalated"}


def test_the_committee_list_follows_the_vocabulary_policy():
    a = three_risks()
    d = isms.decisions(a, as_of="2025-03-01", lang="en")
    # levels are identifiers in every language; status and reason are keys
    assert set(d["level"].astype(str)) <= set(isms.get_matrix("kl").level_names("da"))
    assert set(d["status"].astype(str)) <= {"pending", "decided", "breach"}
    pending = isms.where(d, status="Afventer beslutning")
    assert len(pending) == len(isms.where(d, status="pending")) == (d["status"] == "pending").sum()
    shown = isms.labels(d, "en")
    assert set(shown["status"].astype(str)) <= {"Pending", "Decided", "Accepted without authority"}
    high = d["level"].isms >= "Medium"
    assert high.equals(d["level"].isms >= "Middel")


def test_the_benchmark_extracts_level_keys_filter_and_label_like_identifiers():
    a = three_risks()
    extract = isms.build_extract(a, municipality="K-1")
    risk = extract[extract["kind"] == "risk"]
    by_label = isms.where(risk, level="Over middel")
    assert len(by_label) == (risk["level"] == "above_medium").sum() > 0
    assert set(isms.labels(by_label, "da")["level"]) == {"Over middel"}
    assert set(isms.labels(by_label, "en")["level"]) == {"Above medium"}
