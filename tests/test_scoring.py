"""Dual-perspective scoring against hand-computed expectations.

The fixture below is worked out by hand from DOMAIN.md's KL table: for every risk,
each perspective and stage, the expected score, level and flags. Flag letters:
V data_subject_very_high, S screening_candidate, A above_tolerance,
R residual_above_inherent. (What the committee must decide is tested in
test_decisions.py.)
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from isms_analysis import FLAGS, Assessment, rescore, score

# Assets: id, area, critical, municipality C/I/A, data subject C/I/A (None = no personal data).
ASSETS = [
    ("A1", "Børn og unge", True, (3, 3, 4), (4, 3, 2)),  # M max 4, DS max 4, tolerance Lav
    ("A2", "Økonomi", False, (2, 3, 2), (3, 2, 1)),  # M 3, DS 3, tolerance Middel
    ("A3", "IT", True, (2, 2, 4), None),  # M 4, no data subjects
    ("A4", "Borgerservice", False, (1, 2, 2), None),  # M 2
    ("A5", "Socialområdet", False, (2, 1, 1), (4, 1, 1)),  # M 2, DS 4
    ("A6", "Jobcenter", True, (2, 2, 2), (2, 2, 1)),  # M 2, DS 2
]
PROFILE = pd.DataFrame({"area": ["Børn og unge", "Økonomi"], "max_accepted_level": ["Lav", "Middel"]})

DOC = ("Direktionen", "2026-06-01")  # a documented acceptance
NONE = (None, None)

# risk, asset, likelihood, treatment, residual L, residual cons M, residual cons DS, accepted (by, date), status
# then expected "score:level:flags" for M inherent, M residual, DS inherent, DS residual ("-" = no row).
CASES = """
R01 A1 4 -        - - - none open        | 16:Høj:A             16:Høj:A             16:Høj:A             16:Høj:A
R02 A1 1 accept   - - - doc  open        | 4:Under middel:A     4:Under middel:A     4:Under middel:VA    4:Under middel:VA
R03 A1 2 accept   - - - none open        | 8:Middel:A           8:Middel:A           8:Middel:VA          8:Middel:VA
R04 A1 3 accept   - - - doc  open        | 12:Over middel:A     12:Over middel:A     12:Over middel:A     12:Over middel:A
R05 A1 3 mitigate 1 - - none in_progress | 12:Over middel:A     4:Under middel:A     12:Over middel:A     4:Under middel:VA
R06 A1 2 mitigate 2 2 3 none open        | 8:Middel:A           4:Under middel:SA    8:Middel:VA          6:Under middel:A
R07 A2 4 -        - - - none open        | 12:Over middel:A     12:Over middel:A     12:Over middel:A     12:Over middel:A
R08 A2 3 -        - - - none closed      | 9:Middel:            9:Middel:            9:Middel:            9:Middel:
R09 A2 1 -        - - - none open        | 3:Lav:               3:Lav:               3:Lav:               3:Lav:
R10 A2 2 accept   - - - none open        | 6:Under middel:      6:Under middel:      6:Under middel:      6:Under middel:
R11 A2 3 transfer 2 - - none open        | 9:Middel:            6:Under middel:      9:Middel:            6:Under middel:
R12 A3 2 -        - - - none open        | 8:Middel:A           8:Middel:A           -                    -
R13 A3 4 mitigate 3 3 - none open        | 16:Høj:A             9:Middel:A           -                    -
R14 A3 1 accept   - - - half open        | 4:Under middel:      4:Under middel:      -                    -
R15 A3 3 avoid    1 - - none open        | 12:Over middel:A     4:Under middel:      -                    -
R16 A4 4 -        - - - none open        | 8:Middel:SA          8:Middel:SA          -                    -
R17 A4 1 -        - - - none open        | 2:Lav:S              2:Lav:S              -                    -
R18 A4 3 mitigate 4 - - none open        | 6:Under middel:S     8:Middel:SAR         -                    -
R19 A5 2 -        - - - none open        | 4:Under middel:S     4:Under middel:S     8:Middel:VA          8:Middel:VA
R20 A5 1 -        - - - none open        | 2:Lav:S              2:Lav:S              4:Under middel:V     4:Under middel:V
R21 A5 3 mitigate - - 2 none in_progress | 6:Under middel:S     6:Under middel:S     12:Over middel:A     6:Under middel:S
R22 A5 4 accept   - - - doc  open        | 8:Middel:SA          8:Middel:SA          16:Høj:A             16:Høj:A
R23 A6 4 -        - - - none open        | 8:Middel:SA          8:Middel:SA          8:Middel:SA          8:Middel:SA
R24 A6 2 accept   - - - none open        | 4:Under middel:S     4:Under middel:S     4:Under middel:S     4:Under middel:S
R25 A6 3 mitigate 2 - - none open        | 6:Under middel:S     4:Under middel:S     6:Under middel:S     4:Under middel:S
R26 A1 1 mitigate 1 1 1 none open        | 4:Under middel:A     1:Lav:S              4:Under middel:VA    1:Lav:S
R27 A2 4 accept   - - - doc  open        | 12:Over middel:A     12:Over middel:A     12:Over middel:A     12:Over middel:A
R28 A3 4 -        - - - none closed      | 16:Høj:A             16:Høj:A             -                    -
R29 A5 2 mitigate 3 - - none open        | 4:Under middel:S     6:Under middel:SR    8:Middel:VA          12:Over middel:AR
R30 A4 2 transfer - - - none open        | 4:Under middel:S     4:Under middel:S     -                    -
R31 A6 1 -        - - - none open        | 2:Lav:S              2:Lav:S              2:Lav:S              2:Lav:S
"""

LETTERS = dict(zip("VSAR", FLAGS, strict=True))
assert set(LETTERS.values()) == set(FLAGS)


def _parse():
    risks, expected = [], []
    for line in CASES.strip().splitlines():
        left, right = line.split("|")
        rid, aid, lik, treat, rl, rcm, rcd, acc, status = left.split()
        by, date = {"doc": DOC, "none": NONE, "half": ("IT-chef", None)}[acc]
        risks.append(
            {
                "risk_id": rid,
                "asset_id": aid,
                "threat_id": "T1",
                "likelihood": int(lik),
                "treatment": None if treat == "-" else treat,
                "residual_likelihood": None if rl == "-" else int(rl),
                "residual_consequence_municipality": None if rcm == "-" else int(rcm),
                "residual_consequence_data_subject": None if rcd == "-" else int(rcd),
                "accepted_by": by,
                "accepted_date": date,
                "status": status,
            }
        )
        cells = [c.strip() for c in right.split("  ") if c.strip()]
        assert len(cells) == 4, line
        for (persp, stage), cell in zip(
            [("municipality", "inherent"), ("municipality", "residual"), ("data_subject", "inherent"),
             ("data_subject", "residual")], cells, strict=True
        ):  # fmt: skip
            if cell == "-":
                continue
            s, level, flags = cell.split(":")
            expected.append(
                {"risk_id": rid, "perspective": persp, "stage": stage, "score": int(s), "level": level}
                | {name: letter in flags for letter, name in LETTERS.items()}
            )
    return pd.DataFrame(risks), pd.DataFrame(expected)


def make_assessment(risks: pd.DataFrame, threats: pd.DataFrame | None = None) -> Assessment:
    rows = []
    for aid, area, critical, m, ds in ASSETS:
        row = {"asset_id": aid, "name": f"Aktiv {aid}", "area": area, "critical": critical}
        row |= dict(zip(["consequence_municipality_c", "consequence_municipality_i", "consequence_municipality_a"], m, strict=True))
        ds = ds or (None, None, None)
        row |= dict(zip(["consequence_data_subject_c", "consequence_data_subject_i", "consequence_data_subject_a"], ds, strict=True))
        rows.append(row)
    if threats is None:
        threats = pd.DataFrame({"threat_id": ["T1"], "name": ["Ransomware"]})
    return Assessment(assets=pd.DataFrame(rows), threats=threats, risks=risks, profile=PROFILE)


RISKS, EXPECTED = _parse()


@pytest.fixture(scope="module")
def scored():
    return score(make_assessment(RISKS))


def test_fixture_is_big_enough_and_covers_every_flag():
    assert RISKS["risk_id"].nunique() >= 30
    for flag in FLAGS:
        assert EXPECTED[flag].any(), flag
        assert (~EXPECTED[flag]).any(), flag


def test_every_row_matches_the_hand_computed_expectation(scored):
    got = scored.assign(
        risk_id=scored["risk_id"].astype(str),
        perspective=scored["perspective"].astype(str),
        stage=scored["stage"].astype(str),
        level=scored["level"].astype(str),
        score=scored["score"].astype(int),
    )[["risk_id", "perspective", "stage", "score", "level", *FLAGS]]
    keys = ["risk_id", "perspective", "stage"]
    got = got.sort_values(keys).reset_index(drop=True)
    want = EXPECTED.sort_values(keys).reset_index(drop=True)
    assert len(got) == len(want)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_no_data_subject_rows_without_personal_data(scored):
    ds = scored[scored["perspective"] == "data_subject"]
    assert set(ds["asset_id"].astype(str)) == {"A1", "A2", "A5", "A6"}
    assert not ds["consequence"].isna().any()
    assert (scored["perspective"] == "municipality").sum() == 2 * len(RISKS)


def test_consequence_is_max_of_cia_and_residual_defaults(scored):
    def row(rid, persp, stage):
        r = scored[(scored.risk_id == rid) & (scored.perspective == persp) & (scored.stage == stage)]
        assert len(r) == 1
        return r.iloc[0]

    r = row("R01", "municipality", "inherent")
    assert (r.consequence_c, r.consequence_i, r.consequence_a, r.consequence) == (3, 3, 4, 4)
    r = row("R01", "data_subject", "inherent")
    assert (r.consequence_c, r.consequence_i, r.consequence_a, r.consequence) == (4, 3, 2, 4)
    # Blank residuals default to the inherent values, C/I/A carried along.
    r = row("R21", "municipality", "residual")
    assert (r.consequence, r.likelihood, r.consequence_c) == (2, 3, 2)
    # An explicit residual consequence replaces the max; C/I/A are then not meaningful.
    r = row("R06", "municipality", "residual")
    assert (r.consequence, r.likelihood) == (2, 2)
    assert pd.isna(r.consequence_c)
    assert str(r.colour) == "#9fd67f" and str(r.advice).startswith("Acceptabel")


def test_level_is_ordered_categorical_with_danish_names(scored):
    assert list(scored["level"].cat.categories) == ["Lav", "Under middel", "Middel", "Over middel", "Høj"]
    assert scored["level"].cat.ordered
    assert scored.attrs["matrix"] == "KL"


def test_affected_only_uses_the_threats_properties():
    threats = pd.DataFrame(
        {
            "threat_id": ["T1", "TC", "TX"],
            "name": ["Alt", "Kun fortrolighed", "Ingen markering"],
            "affects_c": [True, True, False],
            "affects_i": [True, False, False],
            "affects_a": [True, False, False],
        }
    )
    risks = pd.DataFrame(
        {"risk_id": ["X1", "X2", "X3"], "asset_id": ["A1", "A1", "A1"], "threat_id": ["T1", "TC", "TX"],
         "likelihood": [3, 3, 3]}
    )  # fmt: skip
    a = make_assessment(risks, threats)
    default = score(a)
    only = score(a, affected_only=True)

    def m_inh(frame, rid):
        r = frame[(frame.risk_id == rid) & (frame.perspective == "municipality") & (frame.stage == "inherent")]
        return int(r.consequence.iloc[0]), int(r.score.iloc[0]), str(r.level.iloc[0])

    # A1 municipality C/I/A = 3/3/4: the playbook default is max 4 for every threat.
    assert m_inh(default, "X2") == (4, 12, "Over middel")
    # Confidentiality-only threat: consequence 3 -> 9 Middel.
    assert m_inh(only, "X2") == (3, 9, "Middel")
    assert m_inh(only, "X1") == (4, 12, "Over middel")
    # A threat with no marks uses all three.
    assert m_inh(only, "X3") == (4, 12, "Over middel")


def test_society_perspective_when_present():
    assets = pd.DataFrame(
        {
            "asset_id": ["S1"],
            "area": ["Forsyning"],
            "critical": [True],
            "consequence_municipality_c": [2], "consequence_municipality_i": [2], "consequence_municipality_a": [2],
            "consequence_society_c": [1], "consequence_society_i": [2], "consequence_society_a": [3],
            "consequence_society_authenticity": [4],
        }
    )  # fmt: skip
    risks = pd.DataFrame({"risk_id": ["Q1"], "asset_id": ["S1"], "threat_id": ["T1"], "likelihood": [3]})
    a = Assessment(assets=assets, threats=pd.DataFrame({"threat_id": ["T1"]}), risks=risks)
    s = score(a)
    assert sorted(s["perspective"].astype(str).unique()) == ["municipality", "society"]
    soc = s[(s.perspective == "society") & (s.stage == "inherent")].iloc[0]
    # Authenticity 4 is the highest: 4 x 3 = 12 Over middel.
    assert (soc.consequence_authenticity, soc.consequence, soc.score, str(soc.level)) == (4, 4, 12, "Over middel")


def test_missing_likelihood_gives_no_score_and_no_flags():
    risks = pd.DataFrame({"risk_id": ["M1"], "asset_id": ["A1"], "threat_id": ["T1"], "likelihood": [None]})
    s = score(make_assessment(risks))
    assert s["score"].isna().all() and s["level"].isna().all()
    assert not s[list(FLAGS)].to_numpy().any()


def test_unknown_asset_is_an_error_not_a_silent_drop():
    risks = pd.DataFrame({"risk_id": ["U1"], "asset_id": ["NOPE"], "threat_id": ["T1"], "likelihood": [2]})
    with pytest.raises(ValueError, match="NOPE"):
        score(make_assessment(risks))


def test_rescore_under_datatilsynet(scored):
    re = rescore(scored, "datatilsynet")
    pd.testing.assert_series_equal(re["score"], scored["score"])
    assert list(re["level"].cat.categories) == ["Lav", "Under middel", "Over middel", "Høj"]
    r = re[(re.risk_id == "R19") & (re.perspective == "data_subject") & (re.stage == "inherent")].iloc[0]
    # Consequence 4 x likelihood 2 is Høj under Datatilsynet (Middel under KL).
    assert str(r.level) == "Høj" and r.above_tolerance
    r = re[(re.risk_id == "R16") & (re.stage == "inherent")].iloc[0]
    # Consequence 2 x likelihood 4 is Over middel under Datatilsynet.
    assert str(r.level) == "Over middel"
    assert re.attrs["matrix"] == "Datatilsynet"
    # Back to KL restores the original levels and flags.
    back = rescore(re, "kl")
    pd.testing.assert_frame_equal(back, scored)


def test_dates_accept_strings_and_dates():
    risks = RISKS.head(2).assign(accepted_date=[dt.date(2026, 1, 2), "2026-03-04"])
    a = make_assessment(risks)
    assert str(a.risks["accepted_date"].dtype).startswith("datetime64")


def test_summarise_counts_per_level_in_danish_and_english(scored):
    from isms_analysis.scoring import summarise

    da = summarise(scored)
    # From the hand-computed table: municipality inherent has 31 rows.
    want = EXPECTED[(EXPECTED.perspective == "municipality") & (EXPECTED.stage == "inherent")]["level"].value_counts()
    row = da.loc[("Kommunen", "Iboende")]
    for level in ["Lav", "Under middel", "Middel", "Over middel", "Høj"]:
        assert row[level] == want.get(level, 0), level
    assert row["I alt"] == 31
    assert da.loc[("De registrerede", "Rest"), "I alt"] == (EXPECTED.perspective == "data_subject").sum() / 2
    en = summarise(scored, "en")
    assert list(en.columns) == ["Low", "Below medium", "Medium", "Above medium", "High", "Total"]
    assert en.loc[("Municipality", "Inherent")].tolist() == row.tolist()
