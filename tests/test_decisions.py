"""The committee's decisions (isms_analysis.decisions) against hand-computed expectations.

KL matrix. Assets (max-of-CIA consequence per perspective):
  A1 Børn og unge, critical, M 3, DS 4, owner Socialchef
  A2 Økonomi,               M 3, DS 2, owner Økonomichef
  A3 IT,                    M 4, no data subjects, no owner

Risk profile: Børn og unge / Kommunen: Under middel; Børn og unge (both): Lav;
Økonomi (both): Middel; IT not listed -> the matrix's highest acceptable level,
Under middel. So T(A1, M) = UM, T(A1, DS) = Lav, T(A2, *) = Middel, T(A3, M) = UM.

Roller: "Kommunaldirektør Lone Bjerre" top management up to Høj; "Økonomichef"
management up to Middel; "Informationssikkerhedsudvalget" committee up to Over middel.
The round is approved; decisions are judged as of 2026-06-30.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from isms_analysis import Assessment, committee_items, decision_summary, decisions, score
from isms_analysis.vocabulary import labels as isms_labels

AS_OF = pd.Timestamp("2026-06-30")
TOP = "Direktionen v/ kommunaldirektør  Lone Bjerre"  # matches the Roller name (case, spaces)
ISU = "Informationssikkerhedsudvalget"

# risk, asset, likelihood, treatment, residual likelihood, accepted by, accepted date, review, deadline, status
RISKS = [
    ("D01", "A1", 1, None, None, None, None, None, None, "open"),
    ("D02", "A1", 2, "accept", None, TOP, "2026-02-01", None, None, "open"),
    ("D04", "A2", 4, "accept", None, "Økonomichef", None, None, None, "open"),
    ("D05", "A3", 3, "accept", None, ISU, "2025-03-01", None, None, "open"),
    ("D06", "A3", 2, "accept", None, ISU, "2026-01-10", "2026-06-01", None, "in_progress"),
    ("D07", "A1", 3, "accept", None, ISU, "2026-02-01", None, None, "open"),
    ("D08", "A2", 4, "accept", None, "Økonomichef", "2026-02-01", None, None, "open"),
    ("D09", "A3", 2, "accept", None, "Jens Hansen", "2026-02-01", None, None, "open"),
    ("D10", "A3", 2, "accept", None, "  INFORMATIONSSIKKERHEDSUDVALGET ", "2026-02-01", None, None, "open"),
    ("D11", "A3", 3, "accept", None, "informationssikkerhedsudvalget", "2026-02-01", None, None, "open"),
    ("D12", "A2", 4, "mitigate", None, None, None, None, "2026-12-31", "in_progress"),
    ("D13", "A3", 4, "transfer", None, None, None, None, None, "open"),
    ("D14", "A2", 4, None, None, None, None, None, None, "open"),
    ("D15", "A3", 4, None, None, None, None, None, None, "closed"),
    ("D16", "A1", 2, "mitigate", 1, None, None, None, "2026-12-31", "open"),
    ("D17", "A3", 2, None, None, None, None, None, None, None),
]

# risk, perspective -> (current score, level, tolerance, status, reason, proposal); hand-computed.
EXPECTED = {
    # Data subjects 4x1 = 4 with consequence 4, no treatment, no acceptance: rule 1.
    ("D01", "data_subject"): (4, "Under middel", "Lav", "pending", "data_subject_very_high",
                              "Overvej foranstaltninger, der nedbringer risikoen for de registrerede"),
    ("D01", "municipality"): (3, "Lav", "Under middel", "decided", "within_tolerance", None),
    # DS 4x2 = 8: explicit acceptance by top management (matched inside a longer text) -> accepted.
    ("D02", "data_subject"): (8, "Middel", "Lav", "decided", "accepted", None),
    ("D02", "municipality"): (6, "Under middel", "Under middel", "decided", "within_tolerance", None),
    # M 3x4 = 12 Over middel > Middel, accepted without a date.
    ("D04", "municipality"): (12, "Over middel", "Middel", "pending", "acceptance_missing",
                              "Håndteres eller overføres"),
    ("D04", "data_subject"): (8, "Middel", "Middel", "decided", "within_tolerance", None),
    # 4x3 = 12, accepted 2025-03-01, no review date: valid to 2026-03-01 < 2026-06-30.
    ("D05", "municipality"): (12, "Over middel", "Under middel", "pending", "acceptance_expired",
                              "Accepten revurderes"),
    # 4x2 = 8, accepted 2026-01-10 but to be re-evaluated 2026-06-01 < 2026-06-30.
    ("D06", "municipality"): (8, "Middel", "Under middel", "pending", "acceptance_expired", "Accepten revurderes"),
    # Critical asset accepted by the committee, not top management.
    ("D07", "municipality"): (9, "Middel", "Under middel", "breach", "critical_not_top_management", None),
    ("D07", "data_subject"): (12, "Over middel", "Lav", "breach", "critical_not_top_management", None),
    # Økonomichef may accept up to Middel; 12 is Over middel.
    ("D08", "municipality"): (12, "Over middel", "Middel", "breach", "acceptor_lacks_authority", None),
    ("D08", "data_subject"): (8, "Middel", "Middel", "decided", "within_tolerance", None),
    # Nobody in Roller is named.
    ("D09", "municipality"): (8, "Middel", "Under middel", "breach", "acceptor_lacks_authority", None),
    # The committee (up to Over middel) accepted 8 Middel; the text differs in case and spaces.
    ("D10", "municipality"): (8, "Middel", "Under middel", "decided", "accepted", None),
    # The committee accepted 12 Over middel: allowed by Roller, against the playbook's advice.
    ("D11", "municipality"): (12, "Over middel", "Under middel", "decided", "accepted_against_advice", None),
    # Mitigated with a deadline and the asset's owner.
    ("D12", "municipality"): (12, "Over middel", "Middel", "decided", "in_treatment", None),
    ("D12", "data_subject"): (8, "Middel", "Middel", "decided", "within_tolerance", None),
    # Transferred, but A3 has no owner and there is no deadline; 16 Høj.
    ("D13", "municipality"): (16, "Høj", "Under middel", "pending", "treatment_incomplete", "Håndteres straks"),
    # No treatment at 12 Over middel.
    ("D14", "municipality"): (12, "Over middel", "Middel", "pending", "no_treatment", "Håndteres eller overføres"),
    ("D14", "data_subject"): (8, "Middel", "Middel", "decided", "within_tolerance", None),
    # Residual 4x1 = 4 for the data subjects, but mitigated: the rule does not apply;
    # UM > Lav with deadline and owner (Socialchef) -> in treatment.
    ("D16", "data_subject"): (4, "Under middel", "Lav", "decided", "in_treatment", None),
    ("D16", "municipality"): (3, "Lav", "Under middel", "decided", "within_tolerance", None),
    # No treatment at 8 Middel (blank status counts as open).
    ("D17", "municipality"): (8, "Middel", "Under middel", "pending", "no_treatment",
                              "Accepteres med revurderingsdato eller håndteres"),
}  # fmt: skip


def make(approved: bool = True, roles: bool = True) -> Assessment:
    assets = pd.DataFrame(
        {
            "asset_id": ["A1", "A2", "A3"],
            "name": ["Sagssystem", "Økonomisystem", "Netværk"],
            "area": ["Børn og unge", "Økonomi", "IT"],
            "risk_owner": ["Socialchef", "Økonomichef", None],
            "critical": [True, False, False],
            "personal_data": ["sensitive", "cpr", "none"],
            "consequence_municipality_c": [3, 3, 4],
            "consequence_municipality_i": [3, 2, 4],
            "consequence_municipality_a": [3, 2, 4],
            "consequence_data_subject_c": pd.array([4, 2, None], dtype="Int8"),
            "consequence_data_subject_i": pd.array([2, 2, None], dtype="Int8"),
            "consequence_data_subject_a": pd.array([2, 1, None], dtype="Int8"),
        }
    )
    cols = ["risk_id", "asset_id", "likelihood", "treatment", "residual_likelihood", "accepted_by",
            "accepted_date", "review_date", "deadline", "status"]  # fmt: skip
    risks = pd.DataFrame(RISKS, columns=cols).assign(threat_id="T1")
    risks["residual_likelihood"] = risks["residual_likelihood"].astype("Int8")
    profile = pd.DataFrame(
        {
            "area": ["Børn og unge", "Børn og unge", "Økonomi"],
            "max_accepted_level": ["Under middel", "Lav", "Middel"],
            "perspective": ["municipality", None, None],
        }
    )
    role_frame = pd.DataFrame(
        {
            "name": ["Kommunaldirektør Lone Bjerre", "Økonomichef", ISU],
            "role": ["top_management", "management", "committee"],
            "max_level": ["Høj", "medium", "Over middel"],
        }
    )
    meta = {"municipality": "Testkommune", "round": "2026-Q2", "assessment_date": pd.Timestamp("2026-03-15")}
    if approved:
        meta |= {"approved_by": ISU, "approved_date": pd.Timestamp("2026-03-20")}
    return Assessment(
        assets=assets,
        threats=pd.DataFrame({"threat_id": ["T1"], "name": ["Phishing"]}),
        risks=risks,
        profile=profile,
        roles=role_frame if roles else None,
        meta=meta,
    )


@pytest.fixture(scope="module")
def decided() -> pd.DataFrame:
    return decisions(make(), as_of=AS_OF)


def test_every_row_matches_the_hand_computed_expectation(decided):
    got = {
        (r.risk_id, str(r.perspective)): (
            int(r.score), str(r.level), str(r.tolerance), str(r.status), str(r.reason),
            None if pd.isna(r.proposal) else r.proposal,
        )
        for r in decided.itertuples()
    }  # fmt: skip
    assert got == EXPECTED


def test_every_reason_is_covered_once_at_least_and_both_perspectives_appear(decided):
    reasons = set(decided["reason"].astype(str))
    assert reasons == set(decision_summary(decided)["reason"]) - {"round_approval"}
    assert set(decided.loc[decided["perspective"] == "data_subject", "status"].astype(str)) == {
        "pending", "decided", "breach",
    }  # fmt: skip


def test_closed_risks_get_no_row_and_columns_are_documented(decided):
    assert "D15" not in set(decided["risk_id"])
    assert list(decided.columns)[:11] == [
        "risk_id", "asset_id", "perspective", "level", "tolerance", "status", "reason", "proposal",
        "accepted_by", "acceptor_role", "review_date",
    ]  # fmt: skip


def test_acceptor_role_and_review_date(decided):
    row = decided[(decided.risk_id == "D02") & (decided.perspective == "data_subject")].iloc[0]
    # 12 months from 2026-02-01; the acceptor is matched by name inside "Direktionen v/ ...".
    assert (row.acceptor_role, row.review_date) == ("top_management", pd.Timestamp("2027-02-01"))
    assert decided[decided.risk_id == "D06"].iloc[0].review_date == pd.Timestamp("2026-06-01")
    assert pd.isna(decided[decided.risk_id == "D09"].iloc[0].acceptor_role)


def test_round_not_approved_makes_the_within_tolerance_rows_one_approval_item():
    d = decisions(make(approved=False), as_of=AS_OF)
    within = [k for k, v in EXPECTED.items() if v[4] == "within_tolerance"]
    approval = d[d["reason"] == "round_approval"]
    assert sorted(zip(approval["risk_id"], approval["perspective"].astype(str), strict=True)) == sorted(within)
    assert set(approval["proposal"]) == {"Godkendes med runden"}
    items = committee_items(d)
    # 7 pending rows + 1 approval item; breaches D07 (both), D08, D09; decided D02 DS, D10, D11, D12 M,
    # D16 DS; 7 rows within tolerance await the approval.
    assert items == {"pending": 8, "breaches": 4, "decided": 5, "awaiting_round_approval": 7}


def test_without_roles_critical_acceptances_are_breaches_and_others_decided():
    d = decisions(make(roles=False), as_of=AS_OF).set_index(["risk_id", "perspective"])
    # Top management cannot be established without a Roller sheet: a critical asset's acceptance is a breach.
    assert d.loc[("D02", "data_subject"), "reason"] == "critical_not_top_management"
    # Non-critical acceptances need no authority check without Roller.
    assert d.loc[("D08", "municipality"), "reason"] == "accepted_against_advice"
    assert d.loc[("D09", "municipality"), "reason"] == "accepted"


def test_as_of_defaults_to_the_assessment_date():
    d = decisions(make()).set_index(["risk_id", "perspective"])
    # 2026-03-15: D05 (valid to 2026-03-01) has expired, D06 (to 2026-06-01) has not.
    assert d.loc[("D05", "municipality"), "reason"] == "acceptance_expired"
    assert d.loc[("D06", "municipality"), "reason"] == "accepted"


def test_english_proposals_and_summary(decided):
    en = decisions(make(), as_of=AS_OF, lang="en").set_index(["risk_id", "perspective"])
    assert en.loc[("D13", "municipality"), "proposal"] == "Treat at once"
    assert en.loc[("D05", "municipality"), "proposal"] == "Re-evaluate the acceptance"
    assert str(en.loc[("D13", "municipality"), "level"]) == "Høj"  # the data holds the level identifier
    flat = en.reset_index()
    d13 = ((flat["risk_id"] == "D13") & (flat["perspective"] == "municipality")).to_numpy()
    assert str(isms_labels(flat, "en").loc[d13, "level"].item()) == "High"  # the label, at display
    summary = decision_summary(decided, "en").set_index("reason")
    assert summary.loc["acceptor_lacks_authority", "count"] == 2
    assert summary.loc["acceptance_expired", "label"] == "The acceptance has expired and must be re-evaluated"
    assert int(summary["count"].sum()) == len(decided) == len(EXPECTED)


def test_scores_may_be_passed_and_above_tolerance_uses_the_same_tolerance():
    a = make()
    s = score(a)
    pd.testing.assert_frame_equal(decisions(a, s, as_of=AS_OF), decisions(a, as_of=AS_OF))
    res = s[s["stage"] == "residual"].set_index(["risk_id", "perspective"])
    for key, (_, _, _, _, reason, _) in EXPECTED.items():
        within = reason == "within_tolerance"
        assert bool(res.loc[key, "above_tolerance"]) is not within, key


def test_tolerance_profile_without_perspective_column_still_works():
    a = make()
    old = a.profile[["area", "max_accepted_level"]].iloc[[1, 2]]
    d = decisions(dataclasses.replace(a, profile=old), as_of=AS_OF).set_index(["risk_id", "perspective"])
    # Børn og unge is now Lav for both perspectives: D01's municipality 3 Lav stays within.
    assert str(d.loc[("D01", "municipality"), "tolerance"]) == "Lav"
    assert d.loc[("D01", "municipality"), "reason"] == "within_tolerance"
    # D02's municipality 6 Under middel is now above Lav: top management accepted it -> accepted.
    assert d.loc[("D02", "municipality"), "reason"] == "accepted"


def test_tolerance_per_perspective_travels_with_the_scores():
    """The scored frame carries the profile as a JSON-able spec; rescoring without the
    profile keeps Børn og unge's per-perspective tolerances (UM for the municipality,
    Lav for the data subjects)."""
    from isms_analysis import rescore

    s = score(make())
    assert s.attrs["tolerance"] == {
        "Børn og unge": {"municipality": "Under middel", "": "Lav"},
        "Økonomi": "Middel",
    }
    again = rescore(s, "kl")
    assert again["above_tolerance"].tolist() == s["above_tolerance"].tolist()
    d01 = again[(again["risk_id"] == "D01") & (again["stage"] == "residual")].set_index("perspective")
    # 3 Lav within UM for the municipality; 4 Under middel above Lav for the data subjects.
    assert not d01.loc["municipality", "above_tolerance"] and d01.loc["data_subject", "above_tolerance"]


def test_a_stored_round_keeps_its_roles_and_decisions(tmp_path):
    from isms_analysis import store

    a = make()
    store.import_round(a, tmp_path / "isms.duckdb")
    back = store.load_round(tmp_path / "isms.duckdb", "Testkommune", "2026-Q2")
    assert back.roles["name"].tolist() == a.roles["name"].tolist()
    got = decisions(back, as_of=AS_OF)
    pd.testing.assert_frame_equal(got, decisions(a, as_of=AS_OF), check_dtype=False, check_categorical=False)
