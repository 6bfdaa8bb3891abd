"""Figures: counts per matrix cell, the matrix's own colours, escaping, fixed sizes.

Uses the small round of test_report_sections (hand-computed there): municipality
inherent has R1 at consequence 4 x likelihood 4; data subjects residual has R5 and
R6 at 3 x 3.
"""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest
from conftest import report_assessment

from isms_analysis import figures as F
from isms_analysis import score
from isms_analysis.figures import matrix as FM
from isms_analysis.matrix import matrix


@pytest.fixture(scope="module")
def scores() -> pd.DataFrame:
    return score(report_assessment(), "kl")


def test_heatmap_panel_counts_and_levels(scores):
    fig = F.heatmap_panel(scores, "kl")
    assert len(fig.data) == 4
    names = [tr.name for tr in fig.data]
    assert names == ["Kommunen – Iboende", "Kommunen – Rest", "De registrerede – Iboende", "De registrerede – Rest"]
    m_inh, _, _, ds_res = fig.data
    assert m_inh.text[3][3] == "<b>1</b><br>Høj"  # R1
    assert m_inh.text[1][2] == "<b>1</b><br>Under middel"  # R6: consequence 2 x likelihood 3
    assert m_inh.text[1][0] == "<b>0</b><br>Lav"
    assert ds_res.text[2][2] == "<b>2</b><br>Middel"  # R5, R6
    assert "R5, R6" in ds_res.hovertext[2][2]
    # z is the matrix's level index per cell; colours are the matrix's own
    assert [list(r) for r in m_inh.z] == matrix("kl").cells.tolist()
    colours = {c for _, c in m_inh.colorscale}
    assert colours == {lv.colour for lv in matrix("kl").levels}
    assert (fig.layout.width, fig.layout.height) == (960, 660)
    assert fig.layout.xaxis.title.text == "Sandsynlighed" and fig.layout.yaxis.title.text == "Konsekvens"


def test_heatmap_other_matrix_and_english(scores):
    fig = F.heatmap(scores, "datatilsynet", perspective="data_subject", stage="inherent", lang="en")
    tr = fig.data[0]
    # Datatilsynet: consequence 4 x likelihood 1 is "Above medium" (R2 is there)
    assert tr.text[3][0] == "<b>1</b><br>Above medium"
    assert fig.layout.xaxis.title.text == "Likelihood"


def test_hover_and_labels_escape_workbook_text():
    a = report_assessment()
    risks = a.risks.copy()
    risks.loc[0, "risk_id"] = "<img src=x onerror=alert(1)>&<b>"
    evil = dataclasses.replace(a, risks=risks)
    s = score(evil, "kl")
    fig = F.heatmap_panel(s, "kl")
    hover = fig.data[0].hovertext[3][3]
    assert "&lt;img src=x onerror=alert(1)&gt;&amp;&lt;b&gt;" in hover
    assert "<img" not in hover and "<b>R" not in hover
    comp = F.perspective_comparison(s)
    all_hover = " ".join(str(h) for tr in comp.data if tr.hovertext is not None for h in tr.hovertext)
    assert "&lt;img src=x" in all_hover and "<img" not in all_hover


def test_hover_lists_are_capped():
    ids = pd.Series([f"R{i:03d}" for i in range(45)])
    text = FM._id_list(ids, "da")
    assert "R029" in text and "R030" not in text and text.endswith("+ 15 flere")


def test_level_bars_counts(scores):
    fig = F.level_bars(scores, "kl")
    inh_m, res_m, inh_d, res_d = fig.data
    assert list(inh_m.y) == [1, 3, 2, 1, 1]
    assert list(res_m.y) == [0, 5, 1, 1, 1]
    assert list(res_d.y) == [0, 1, 2, 0, 1]
    assert list(inh_m.text) == ["1", "3", "2", "1", "1"]  # numbers printed on the bars
    assert res_m.marker.pattern.shape == "/" and inh_m.marker.pattern.shape == ""  # readable without colour
    assert fig.layout.width == 1000


def test_perspective_comparison_points(scores):
    fig = F.perspective_comparison(scores)
    by_name = {tr.name: tr for tr in fig.data}
    up = by_name["De registrerede højere"]
    assert (list(up.x), list(up.y), list(up.text)) == ([6, 8], [9, 12], ["1", "1"])
    same = by_name["Ens"]
    assert (list(same.x), list(same.y)) == ([4, 16], [4, 16])
    assert "Kommunen højere" not in by_name
    assert up.marker.symbol == "triangle-up"


def test_to_html_is_deterministic_and_offline(scores):
    fig = F.heatmap_panel(scores, "kl")
    from isms_analysis.render.html import figure, plotlyjs

    one, two = figure(fig, "fig-x"), figure(F.heatmap_panel(scores, "kl"), "fig-x")
    assert one == two
    assert 'id="fig-x"' in one
    assert not re.search(r"<script[^>]+src=", one)
    js = plotlyjs()
    assert js.count("<script") == 2 and "src=" not in js.split(">", 2)[1]
