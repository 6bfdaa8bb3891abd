"""The quarterly report's follow-up sections render, escape workbook text and say
what is missing."""

from __future__ import annotations

import re

import pandas as pd
from conftest import one_asset_assessment

from isms_analysis import Assessment, score
from isms_analysis.render.followup import followup_sections_html

EVIL = "<script>alert(1)</script>"


def assessment(with_optional: bool = True) -> Assessment:
    risk_rows = {
        "likelihood": [3, 2, 4],
        "residual_likelihood": [1, None, 2],
        "treatment": ["mitigate", "mitigate", "mitigate"],
        "controls": ["5.1; 8.5", None, "8.5"],
    }
    if not with_optional:
        return one_asset_assessment(**risk_rows)
    soa = pd.DataFrame(
        {
            "control_id": ["5.1", "8.5", "L-01"],
            "title": ["Politikker", EVIL, "Lovkrav"],
            "applicable": pd.array([True, True, True], dtype="boolean"),
            "status": ["implemented", "not_started", "planned"],
            "source": ["risk_assessment", "risk_assessment", "legal"],
            "responsible": ["Anne", None, "Bo"],
            "risks": [None, None, None],
        }
    ).astype({c: "string" for c in ("control_id", "title", "status", "source", "responsible", "risks")})
    actions = pd.DataFrame(
        {
            "action_id": ["A-1", "A-2"],
            "title": [EVIL, "Kursus"],
            "type": ["risk_treatment", "improvement_plan"],
            "risks": ["R-1", "R-3"],
            "responsible": ["Jens", EVIL],
            "deadline": pd.to_datetime(["2024-01-01", "2024-12-31"]),
            "status": ["in_progress", "not_started"],
        }
    ).astype({c: "string" for c in ("action_id", "title", "type", "risks", "responsible", "status")})
    wheel = pd.DataFrame(
        {
            "activity_id": ["W1", "W2"],
            "title": [EVIL, "Logning"],
            "frequency": ["yearly", "quarterly"],
            "month": pd.array([1, 2], dtype="Int8"),
            "last_done": pd.to_datetime(["2023-01-10", "2024-02-15"]),
            "status": ["planned", "done"],
            "controls": ["5.1", "8.5"],
            "responsible": ["ISK", "IT"],
        }
    ).astype({c: "string" for c in ("activity_id", "title", "frequency", "status", "controls", "responsible")})
    return one_asset_assessment(**risk_rows, soa=soa, actions=actions, wheel=wheel)


def test_followup_sections_render_all_five_sections_escaped() -> None:
    a = assessment()
    out = followup_sections_html(a, score(a), "2024-03-01")
    for sid in ("soa-section", "control-effect-section", "wheel-section", "actions-section", "unverified-section"):
        assert f'id="{sid}"' in out
    for fig in ("fig-soa-coverage", "fig-control-effect", "fig-wheel"):
        assert f'id="{fig}"' in out
    assert EVIL not in out and "alert(1)" in out  # escaped, not dropped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert len(out) < 500_000  # plotly.js itself is not embedded
    # W1 (yearly January, done January 2023) is overdue on 1 March 2024 and checks 5.1,
    # on which only R-1 relies -> one unverified risk.
    assert "1 risiko bygger på en foranstaltning" in out
    # Q1 2024: W1 January (overdue), W2 February (done in February)
    assert "Udført: 1. Kommende: 0. Overskredet: 1." in out
    assert "Handlinger pr. status" in out and "Ikke startet" in out
    # the SoA's 8.5 is not started and mitigate with it
    gaps = re.search(r'id="soa-treatment-gaps".*?</table>', out, re.S)
    assert gaps is not None and gaps.group(0).count("Foranstaltningen er ikke startet") == 2


def test_followup_sections_in_english() -> None:
    a = assessment()
    out = followup_sections_html(a, score(a), "2024-03-01", lang="en")
    assert "Action plan: status" in out and "Annual wheel: status for the quarter" in out
    assert "Handlingsplan" not in out
    assert "1 risk relies on a control" in out


def test_followup_sections_without_optional_sheets() -> None:
    a = assessment(with_optional=False)
    out = followup_sections_html(a, score(a), "2024-03-01")
    assert "Projektmappen har ingen SoA." in out
    assert "Projektmappen har intet årshjul." in out
    assert "Projektmappen har ingen handlingsplan." in out
    assert 'id="control-effect-section"' in out


def test_long_tables_are_cut_with_a_note() -> None:
    from isms_analysis.render import followup

    frame = pd.DataFrame({"risk_id": ["R-1", "R-2", "R-3"], "title": [EVIL, "b", "c"]})
    out = followup._table(frame, "da", "t", limit=2)
    assert out.count("<tr") == 3  # heading + 2 rows
    assert "Rækker der ikke er vist: 1." in out and EVIL not in out
