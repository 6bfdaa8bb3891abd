"""The committee report as the committee reads it: summary and recommendation first,
escalations before improvements, the threat picture, and no keys, hex codes,
unlocalised numbers or ISO dates in the visible text of either language."""

from __future__ import annotations

import datetime as dt
import html as htmlmod
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from isms_analysis import committee as C
from isms_analysis.context import load_context
from isms_analysis.decisions import REASONS, STATUSES
from isms_analysis.layout import VOCABULARIES
from isms_analysis.matrix import TREATMENT_CLASSES
from isms_analysis.matrix import matrix as get_matrix
from isms_analysis.render import committee_text as T
from isms_analysis.render import css_string, fmt
from isms_analysis.render.committee_report import ORDER, html

REPO = Path(__file__).resolve().parents[1]
KL = get_matrix("kl")


def sample_pair() -> tuple[Path, Path] | None:
    bundled = sorted((REPO / "data" / "sample").glob("eksempel-kommune-*-Q*.xlsx"))
    return (bundled[-1], bundled[-2]) if len(bundled) >= 2 else None


@pytest.fixture(scope="module")
def contexts(tmp_path_factory) -> dict[str, object]:
    pair = sample_pair()
    if pair is None:
        from isms_analysis.sample import write_sample

        paths = sorted(write_sample(tmp_path_factory.mktemp("s"), rounds=2))
        pair = (paths[-1], paths[-2])
    return {lang: load_context(workbook=pair[0], previous_round=pair[1], lang=lang) for lang in ("da", "en")}


def visible_text(fragment: str) -> str:
    """What a reader sees: no scripts, styles or tags; entities decoded."""
    s = re.sub(r"<(script|style)\b.*?</\1>", " ", fragment, flags=re.S | re.I)
    s = re.sub(r"<[^>]+>", " ", s)
    return re.sub(r"\s+", " ", htmlmod.unescape(s))


# -- Babel formatting -----------------------------------------------------------------------
def test_numbers_and_dates_in_danish_and_english():
    assert fmt.number(1500) == "1.500" and fmt.number(1500, "en") == "1,500"
    assert fmt.decimal(32.666) == "32,7" and fmt.decimal(32.666, "en") == "32.7"
    assert fmt.date(dt.date(2026, 9, 30)) == "30. september 2026"
    assert fmt.date(dt.date(2026, 9, 30), "en") == "30 September 2026"
    assert fmt.date(pd.Timestamp("2026-09-30"), form="short") == "30. sep. 2026"
    assert fmt.number(None) == "" and fmt.date(pd.NaT) == ""


def test_display_frame_formats_numbers_and_iso_dates_but_not_text():
    frame = pd.DataFrame({
        "n": [1500, 2], "x": [32.666, 1.25], "iso": pd.Series(["2026-09-30", None], dtype="string"),
        "when": pd.to_datetime(["2026-01-02", None]), "id": ["R-0001", "2026-Q3"],
    })  # fmt: skip
    out = fmt.display_frame(frame, "da")
    assert out["n"].tolist() == ["1.500", "2"]
    assert out["x"].tolist() == ["32,7", "1,2"] or out["x"].tolist() == ["32,7", "1,3"]
    assert out["iso"].iloc[0] == "30. sep. 2026" and out["when"].iloc[0] == "2. jan. 2026"
    assert out["id"].tolist() == ["R-0001", "2026-Q3"]
    en = fmt.display_frame(frame, "en")
    assert en["n"].iloc[0] == "1,500" and en["x"].iloc[0] == "32.7"


def test_css_string_cannot_close_the_style_element():
    text = css_string('Ærø "Kommune" </style><script>')
    assert "<" not in text and '"' not in text and "Ærø" in text


# -- the summary and the recommendation -------------------------------------------------------
def _decisions(rows: list[tuple[str, str, str, str, int, str]]) -> pd.DataFrame:
    """risk, status, reason, level (Danish name), score, proposal."""
    frame = pd.DataFrame(rows, columns=["risk_id", "status", "reason", "level", "score", "proposal"])
    frame["level"] = frame["level"].astype(KL.level_dtype("da"))
    frame["asset_id"], frame["area"], frame["perspective"], frame["tolerance"] = "A1", "IT", "municipality", "Under middel"
    return frame


class _A:
    def __init__(self, approved: bool, actions: bool = True, soa: bool = True) -> None:
        self.meta = {"approved_by": "Udvalget" if approved else None, "approved_date": dt.date(2026, 10, 1) if approved else None}
        self.actions = pd.DataFrame({"action_id": ["H1"]}) if actions else None
        self.soa = pd.DataFrame({"control_id": ["5.1"]}) if soa else None


def test_recommendation_numbers_the_pending_items_and_groups_them_by_proposal():
    dec = _decisions([
        ("R3", "pending", "no_treatment", "Middel", 9, "Håndteres eller overføres"),
        ("R1", "pending", "acceptance_missing", "Høj", 16, "Håndteres straks"),
        ("R2", "pending", "no_treatment", "Middel", 8, "Håndteres eller overføres"),
        ("R4", "pending", "round_approval", "Lav", 2, "Godkendes med runden"),
        ("R5", "breach", "acceptor_lacks_authority", "Middel", 9, ""),
        ("R6", "decided", "accepted_against_advice", "Over middel", 12, ""),
        ("R7", "decided", "within_tolerance", "Lav", 3, ""),
    ])  # fmt: skip
    items = T.recommendations(_A(approved=False), dec)
    assert items[0] == "godkende rundens risikovurdering (1 risici inden for tolerancen godkendes samlet)"
    assert items[1:3] == ["godkende handlingsplanen", "godkende anvendelseserklæringen (SoA)"]
    # most serious first: R1 (Høj) is no. 1, then R3 (9) and R2 (8)
    assert items[3] == ("træffe beslutning om 3 sager, der afventer udvalget (nr. 1–3 under Beslutninger): "
                        "håndteres straks (nr. 1); håndteres eller overføres (nr. 2, 3)")  # fmt: skip
    assert items[4] == "tage til efterretning, at 1 risici er accepteret uden den fornødne bemyndigelse"
    assert items[5] == "tage til efterretning, at 1 risici er accepteret, selv om niveauet ikke bør accepteres"
    # an approved round without action plan or SoA and nothing pending: only take note
    quiet = _decisions([("R7", "decided", "within_tolerance", "Lav", 3, "")])
    assert T.recommendations(_A(approved=True, actions=False, soa=False), quiet) == [
        "tage rapporten til efterretning (ingen sager afventer udvalget)"
    ]


def test_pending_table_numbers_rows_as_the_recommendation(contexts):
    ctx = contexts["da"]
    from isms_analysis.sections import all_decisions

    dec = all_decisions(ctx.scores, ctx.assessment, matrix=ctx.matrix, as_of=ctx.as_of)
    table = C.decision_table(dec, ctx.assessment, "pending")
    expected = int(((dec["status"] == "pending") & (dec["reason"] != "round_approval")).sum())
    assert table["Nr."].tolist() == list(range(1, expected + 1))
    assert list(table.columns) == ["Nr.", "Risiko", "Aktiv", "Område", "Perspektiv", "Niveau", "Tolerance",
                                   "Begrundelse", "Forslag"]  # fmt: skip
    order = table["Niveau"].map({n: i for i, n in enumerate(KL.level_names("da"))})
    assert order.is_monotonic_decreasing
    # English: the matrix's English level names, whatever the decisions frame holds
    en = C.decision_table(dec, ctx.assessment, "pending", lang="en", matrix=ctx.matrix)
    assert set(en["Level"]) <= set(KL.level_names("en")) and set(en["Tolerance"]) <= set(KL.level_names("en"))


def test_span_and_key_figure_changes():
    assert T.span([1, 2, 3, 5, 7, 8]) == "1–3, 5, 7, 8"
    kf = T.key_figures({"Risici": 1500, "Aktiver": 65}, {"Risici": 1489, "Aktiver": 66})
    assert kf["Nu"].tolist() == ["1.500", "65"] and kf["Ændring"].tolist() == ["+11", "−1"]
    assert T.key_figures({"Risici": 3}, None)["Ændring"].tolist() == [""]


# -- escalations first -------------------------------------------------------------------------
def _comparison() -> pd.DataFrame:
    rows = [  # risk, change, level_old, level_new, score_old, score_new, level steps
        ("R1", "de-escalated", "Høj", "Lav", 16, 2, -4),
        ("R2", "de-escalated", "Over middel", "Lav", 12, 3, -3),
        ("R3", "escalated", "Lav", "Under middel", 3, 4, 1),
        ("R4", "escalated", "Under middel", "Over middel", 6, 12, 2),
        ("R5", "escalated", "Middel", "Over middel", 9, 12, 1),
        ("R6", "new", None, "Middel", None, 9, None),
        ("R7", "closed", "Høj", None, 16, None, None),
    ]
    frame = pd.DataFrame(rows, columns=["risk_id", "change", "level_old", "level_new", "score_old", "score_new",
                                        "level_change"])  # fmt: skip
    frame["stage"], frame["perspective"], frame["asset_id"], frame["area"] = "residual", "municipality", "A1", "IT"
    frame["reason"] = "Sandsynlighed 2 → 3"
    frame["score_old"] = frame["score_old"].astype("Int16")
    frame["score_new"] = frame["score_new"].astype("Int16")
    return frame


def test_escalations_are_all_listed_most_serious_first_not_crowded_out_by_improvements():
    comp = _comparison()
    esc = C.escalations(comp, KL)
    assert esc["risk_id"].tolist() == ["R4", "R5", "R3"]  # Over middel (2 steps), Over middel (1), Under middel
    shown = C.change_display(esc, KL, "da")
    assert shown["Niveau før → nu"].tolist()[0] == "Under middel → Over middel"
    assert shown["Score før → nu"].tolist()[0] == "6 → 12" and shown["Årsag"].iloc[0] == "Sandsynlighed 2 → 3"
    assert C.change_list(comp, "de-escalated", KL)["risk_id"].tolist() == ["R2", "R1"]  # by level now, then score
    closed = C.change_display(C.change_list(comp, "closed", KL), KL, "en")
    assert closed["Level before → now"].tolist() == ["High → –"]
    assert C.change_totals(comp) == {"up": 3, "down": 2, "new": 1, "closed": 1}


# -- the threat picture ----------------------------------------------------------------------------
def test_recurring_threats_count_assets_and_take_the_higher_perspective():
    from isms_analysis.assessment import Assessment  # noqa: F401 - the real type is not needed here

    rows = []
    # T1 on three assets; R1 is Over middel for the data subjects only; T2 on one asset only
    for rid, asset, threat, m_level, d_level in [
        ("R1", "A1", "T1", "Lav", "Over middel"),
        ("R2", "A2", "T1", "Middel", "Lav"),
        ("R3", "A3", "T1", "Under middel", "Under middel"),
        ("R4", "A1", "T2", "Høj", "Høj"),
    ]:
        for persp, lv in (("municipality", m_level), ("data_subject", d_level)):
            rows.append((rid, asset, threat, persp, "residual", lv, lv in ("Over middel", "Høj"), "open", "IT"))
    scores = pd.DataFrame(rows, columns=["risk_id", "asset_id", "threat_id", "perspective", "stage", "level",
                                         "above_tolerance", "status", "area"])  # fmt: skip
    scores["level"] = scores["level"].astype(KL.level_dtype("da"))

    class A:
        threats = pd.DataFrame({"threat_id": ["T1", "T2"], "name": ["Phishing", "Brand"], "category": ["Cyber", "Fysisk"]})

    out = C.recurring_threats(scores, A(), KL)
    assert out["Trussel"].tolist() == ["Phishing"]  # T2 is on one asset only
    row = out.iloc[0]
    assert (row["Aktiver"], row["Risici"], row["Over tolerancen"]) == (3, 3, 1)
    # per risk the higher perspective: Over middel, Middel, Under middel -> highest Over middel, median Middel
    assert (row["Højeste restniveau"], row["Typisk restniveau"]) == ("Over middel", "Middel")


# -- the rendered report -------------------------------------------------------------------------
def _keys_to_avoid(lang: str) -> set[str]:
    """Every vocabulary, matrix, treatment-class and decision key that differs from
    its own label in ``lang`` (a key equal to its label, like "accept" in English, is
    simply the word)."""
    i = 1 if lang == "en" else 0
    keys: dict[str, str] = {}
    for vocab in VOCABULARIES.values():
        for k, labels in vocab.items():
            keys[str(k)] = str(labels[i])
    for lv in KL.levels:
        keys[lv.key] = lv.name(lang)
    for k in TREATMENT_CLASSES:
        keys[k] = k.replace("_", " ")
    for k in (*REASONS, *STATUSES, "municipality", "data_subject", "inherent", "residual"):
        keys[k] = k.replace("_", " ")
    words = {"da": {"accept"}, "en": {"committee"}}[lang]  # ordinary words: "en accept" (da), "the committee" (en)
    return {k for k, label in keys.items() if k.casefold() != label.casefold() and len(k) > 2} - words


@pytest.mark.parametrize("lang", ["da", "en"])
def test_visible_text_has_no_keys_hex_codes_iso_dates_or_tool_hints(contexts, lang):
    ctx = contexts[lang]
    text = visible_text("".join(html(name, ctx) for name in ("head", *ORDER)))
    assert len(text) > 5000  # the whole report, not an empty shell
    found = sorted(k for k in _keys_to_avoid(lang) if re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", text))
    assert found == [], found
    assert not re.search(r"#[0-9a-fA-F]{6}\b", text)  # hex colours
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)  # ISO dates
    assert "isms " not in text and "Parameter:" not in text and "max_rows" not in text
    if lang == "da":  # no decimal point; ISO 27001 control numbers such as "8.23" are names, not numbers
        controls = set(ctx.assessment.soa["control_id"].astype(str)) if ctx.assessment.soa is not None else set()
        decimals = [d for d in re.findall(r"(?<![\d.])\d+\.\d{1,2}(?![\d.])", text) if d not in controls]
        assert decimals == [], decimals[:5]
        assert "1.500" in text  # Danish thousands separator
        assert "Udvalget indstilles til at:" in text
    else:
        assert "1,500" in text and "The committee is recommended to:" in text


def test_sections_come_in_the_committees_order(contexts):
    ctx = contexts["da"]
    page = "".join(html(name, ctx) for name in ("head", *ORDER))
    heads = re.findall(r"<h2>([^<]+)</h2>", page)
    assert heads == ["Sammenfatning", "Beslutninger", "Risikobillede", "Udvikling siden forrige runde", "Opfølgning",
                     "Bilag"]  # fmt: skip
    # the table of contents links every section
    for sid in ("summary", "decisions-section", "picture-section", "changes-section", "followup-section",
                "appendix-section"):  # fmt: skip
        assert f'href="#{sid}"' in page and f'id="{sid}"' in page
    # escalations come before the improvements; provenance is last and collapsed
    assert page.index('id="escalations"') < page.index('id="changes-down"')
    assert page.rindex("<details") > page.index("Datakvalitet")
    assert page.index('id="provenance"') > page.index('id="data-quality"')
    # the running header of the printed pages names municipality and round
    assert '@top-left { content: "Eksempel Kommune · 2026 Q3"' in page
    assert 'counter(page) " / " counter(pages)' in page


def C_comparison(ctx):
    from isms_analysis.sections import round_changes

    return round_changes(ctx.assessment, ctx.scores, ctx.previous, ctx.previous_scores, matrix=ctx.matrix)


def test_every_capped_table_says_how_many_more_and_where(contexts):
    ctx = contexts["da"]
    page = html("changes", ctx)
    hidden = [int(n) for n in re.findall(r'data-hidden="(\d+)"', page)]
    assert hidden and all(n > 0 for n in hidden)
    assert "se arket Risici i eksempel-kommune-" in page
    shown_rows = re.search(r"<table[^>]*id=\"escalations\".*?</table>", page, flags=re.S).group(0).count("<tr>")
    esc_total = len(C.escalations(C_comparison(ctx), ctx.matrix))
    more = re.search(r'id="escalations".*?data-hidden="(\d+)"', page, flags=re.S)
    assert shown_rows + (int(more.group(1)) if more else 0) == esc_total
    assert np.int64(esc_total) >= 1


# -- the embedded plotly.js ----------------------------------------------------------------------
def test_vendored_cartesian_bundle_is_plotly_pys_version_with_its_licence():
    from plotly.offline import get_plotlyjs_version

    from isms_analysis.render import static
    from isms_analysis.render.html import PLOTLYJS_BUNDLE

    head = static(PLOTLYJS_BUNDLE)[:300]
    version = re.search(r"plotly\.js \(cartesian - minified\) v(\d+\.\d+\.\d+)", head)
    assert version is not None and version.group(1) == get_plotlyjs_version()
    assert "MIT" in static("plotly-LICENSE.txt")


def test_every_committee_figure_fits_the_cartesian_bundle(contexts):
    import json

    from isms_analysis.figures import CARTESIAN_TRACES

    page = "".join(html(name, contexts["da"]) for name in ORDER)
    types = set()
    for m in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*', page):
        traces, _ = json.JSONDecoder().raw_decode(page, m.end())  # the figure's data (not its template)
        types |= {tr.get("type", "scatter") for tr in traces}
    assert types and types <= CARTESIAN_TRACES, types


def test_summary_sentences_from_the_facts():
    facts = {
        "assets": 65, "risks": 1500, "changes": {"up": 22, "down": 19, "new": 45, "closed": 83},
        "previous_round": "2026 Q2", "above_by_area": pd.Series([67, 59, 28, 4], index=["IT", "Sundhed", "Jobcenter", "Skoler"]),
        "highest": pd.Series([26, 0], index=["Over middel", "Høj"]), "overdue_risks": 10, "overdue_actions": 11,
        "as_of": dt.date(2026, 9, 30), "level_names": {"Over middel": "Above medium", "Høj": "High"},
    }  # fmt: skip
    assert T.summary_sentences(facts) == [
        "Runden omfatter 1.500 risici for 65 aktiver.",
        "Siden runde 2026 Q2 er 22 risici steget og 19 faldet i niveau efter håndtering; 45 er nye, og 83 er lukket.",
        "158 risici ligger over tolerancen efter håndtering, flest inden for IT (67), Sundhed (59) og Jobcenter (28).",
        "Efter håndtering ligger ingen risici på Høj og 26 på Over middel.",
        "Pr. 30. september 2026 har 10 risici og 11 handlinger i handlingsplanen overskredet deres frist.",
    ]
    en = T.summary_sentences({**facts, "changes": None, "overdue_risks": 0, "overdue_actions": 0}, "en")
    assert en[1] == "There is no previous round to compare with."
    assert en[3] == "After treatment, none are at High and 26 are at Above medium."
    assert en[4] == "On 30 September 2026, no risk or action is past its deadline."


def test_mixed_columns_format_each_number_and_date():
    frame = pd.DataFrame({"v": ["2024 Q4", 1425, 2.5, dt.date(2026, 9, 30), None, True]})
    assert fmt.display_frame(frame)["v"].tolist()[:4] == ["2024 Q4", "1.425", "2,5", "30. sep. 2026"]
    assert fmt.display_frame(frame, "en")["v"].tolist()[1] == "1,425"
