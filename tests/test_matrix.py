"""The risk matrix: presets cell by cell, custom matrices, and rejection of bad ones."""

from __future__ import annotations

import numpy as np
import pytest

from isms_analysis import KL, MatrixError, RiskMatrix
from isms_analysis.matrix import matrix

# DOMAIN.md's KL table, written out literally: (consequence, likelihood) -> (score, level).
KL_TABLE = {
    (4, 1): (4, "Under middel"), (4, 2): (8, "Middel"), (4, 3): (12, "Over middel"), (4, 4): (16, "Høj"),
    (3, 1): (3, "Lav"), (3, 2): (6, "Under middel"), (3, 3): (9, "Middel"), (3, 4): (12, "Over middel"),
    (2, 1): (2, "Lav"), (2, 2): (4, "Under middel"), (2, 3): (6, "Under middel"), (2, 4): (8, "Middel"),
    (1, 1): (1, "Lav"), (1, 2): (2, "Lav"), (1, 3): (3, "Lav"), (1, 4): (4, "Under middel"),
}  # fmt: skip


def test_kl_matrix_all_16_cells():
    assert len(KL_TABLE) == 16
    for (c, li), (score, level) in KL_TABLE.items():
        assert c * li == score
        assert KL.level_of(c, li).name_da == level, (c, li)


def test_kl_levels_colours_and_treatment():
    assert KL.level_names() == ["Lav", "Under middel", "Middel", "Over middel", "Høj"]
    assert KL.level_names("en") == ["Low", "Below medium", "Medium", "Above medium", "High"]
    treatments = [lv.treatment for lv in KL.levels]
    assert treatments == ["acceptable", "acceptable", "may_accept", "should_treat", "must_treat"]
    # green, light green, yellow, orange, red
    assert [lv.colour for lv in KL.levels] == ["#2e9e44", "#9fd67f", "#f5d329", "#f08c1e", "#d62728"]
    assert KL.consequence_labels() == ("Lav", "Medium", "Høj", "Meget høj")
    assert KL.likelihood_labels() == ("Usandsynlig", "Mindre sandsynligt", "Sandsynligt", "Forventet")


def test_kl_score_bands_match_the_playbook():
    bands = {"Lav": {1, 2, 3}, "Under middel": {4, 6}, "Middel": {8, 9}, "Over middel": {12}, "Høj": {16}}
    for (_c, _li), (score, level) in KL_TABLE.items():
        assert score in bands[level]


# refdata/README.md: the colour cells per scale (cell key = consequence, likelihood).
PRESET_CELLS = {
    "standard": {"Lav": "11 12 13 21 22 31", "Middel": "14 23 24 32 33 41 42", "Høj": "34 43 44"},
    "herning": {
        "Lav": "11 12 21",
        "Under middel": "13 14 22 23 31 32 41",
        "Over middel": "24 33 42",
        "Høj": "34 43 44",
    },
    "datatilsynet": {
        "Lav": "11 12 21",
        "Under middel": "13 22 31",
        "Over middel": "14 23 24 32 33 41",
        "Høj": "34 42 43 44",
    },
    "kl": {
        "Lav": "11 12 13 21 31",
        "Under middel": "14 22 23 32 41",
        "Middel": "24 33 42",
        "Over middel": "34 43",
        "Høj": "44",
    },
}


@pytest.mark.parametrize("name", sorted(PRESET_CELLS))
def test_presets_cell_by_cell(name):
    m = matrix(name)
    seen = 0
    for level, keys in PRESET_CELLS[name].items():
        for key in keys.split():
            c, li = int(key[0]), int(key[1])
            assert m.level_of(c, li).name_da == level, (name, key)
            seen += 1
    assert seen == 16


def test_datatilsynet_is_asymmetric():
    m = matrix("datatilsynet")
    assert m.level_of(4, 2).name_da == "Høj"
    assert m.level_of(2, 4).name_da == "Over middel"


def test_matrix_names_are_forgiving():
    assert matrix("KL") is matrix("kl") is matrix("4x4 KL")
    assert matrix(KL) is KL
    with pytest.raises(MatrixError, match="Ukendt risikomatrix"):
        matrix("nonsense")


def test_vectorised_lookup_handles_missing():
    idx = KL.lookup([4, 1, None, 3], [4, 1, 2, 0])
    assert idx.tolist() == [4, 0, -1, -1]


CUSTOM = """
name = "Egen"
[consequence]
labels_da = ["Lille", "Stor"]
[likelihood]
labels_da = ["Sjælden", "Ofte", "Altid"]
[[levels]]
key = "ok"
name_da = "OK"
colour = "#00ff00"
treatment = "acceptable"
[[levels]]
key = "bad"
name_da = "Slem"
colour = "#ff0000"
treatment = "must_treat"
[cells]
rows = [["ok", "ok", "bad"], ["ok", "bad", "bad"]]
"""


def test_custom_matrix_from_toml_and_yaml(tmp_path):
    p = tmp_path / "egen.toml"
    p.write_text(CUSTOM, encoding="utf-8")
    m = matrix(p)
    assert (m.n_consequence, m.n_likelihood) == (2, 3)
    assert m.level_of(2, 2).name_da == "Slem"
    assert m.level_of(1, 2).name_da == "OK"
    assert m.consequence_labels("en") == ("Lille", "Stor")  # English falls back to Danish
    import tomllib

    import yaml

    y = tmp_path / "egen.yaml"
    y.write_text(yaml.safe_dump(tomllib.loads(CUSTOM), allow_unicode=True), encoding="utf-8")
    assert matrix(y) == m


def test_matrix_with_missing_cell_is_rejected(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text(CUSTOM.replace('["ok", "bad", "bad"]', '["ok", "bad"]'), encoding="utf-8")
    with pytest.raises(MatrixError, match="celle mangler i række 2"):
        matrix(p)


def test_matrix_not_monotone_is_rejected(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text(CUSTOM.replace('[["ok", "ok", "bad"], ["ok", "bad", "bad"]]', '[["ok", "bad", "ok"], ["ok", "bad", "bad"]]'))
    with pytest.raises(MatrixError, match="sandsynligheden stiger fra 2 til 3"):
        matrix(p)
    p.write_text(CUSTOM.replace('[["ok", "ok", "bad"], ["ok", "bad", "bad"]]', '[["bad", "bad", "bad"], ["ok", "bad", "bad"]]'))
    with pytest.raises(MatrixError, match="konsekvensen stiger fra 1 til 2"):
        matrix(p)


def test_matrix_unknown_level_and_missing_file(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text(CUSTOM.replace('"bad"]]', '"worse"]]'))
    with pytest.raises(MatrixError, match="ukendt niveau 'worse'"):
        matrix(p)
    with pytest.raises(MatrixError, match="findes ikke"):
        matrix(tmp_path / "nope.toml")


def test_cells_frame_and_table():
    cells = KL.cells_frame()
    assert len(cells) == 16
    row = cells[(cells.consequence == 3) & (cells.likelihood == 4)].iloc[0]
    assert (row.score, row.level_da, row.colour) == (12, "Over middel", "#f08c1e")
    table = KL.table()
    assert table.iloc[0, 3] == "16 Høj"  # top row is consequence 4
    assert table.iloc[3, 0] == "1 Lav"


def test_matrix_value_is_frozen():
    with pytest.raises((AttributeError, TypeError)):
        KL.name = "x"  # type: ignore[misc]
    with pytest.raises(ValueError):
        KL.cells[0, 0] = 4
    assert isinstance(KL, RiskMatrix)
    assert np.array_equal(matrix("kl").cells, KL.cells)
