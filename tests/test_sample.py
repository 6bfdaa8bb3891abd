"""The synthetic sample municipality: deterministic, sized as asked, consistent
with the Assessment contract and the KL method, and moving realistically between rounds."""

from __future__ import annotations

import hashlib
import re
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from isms_analysis import layout, score
from isms_analysis.catalogue import annex_a
from isms_analysis.matrix import matrix
from isms_analysis.sample import generate, round_labels, write_sample

KL = matrix("kl")
DS_COLS = [f"consequence_data_subject_{p}" for p in "cia"]
MUN_COLS = [f"consequence_municipality_{p}" for p in "cia"]


@pytest.fixture(scope="module")
def rounds():
    return generate()


def _by_label(rounds, label):
    return next(a for a in rounds if a.meta["round"] == label)


def _ransomware_ids(threats: pd.DataFrame) -> set[str]:
    names = threats["name"].astype(str).str.casefold()
    return set(threats.loc[names.str.contains("ransomware") | names.str.contains("malware"), "threat_id"])


# -- determinism ----------------------------------------------------------------------------------
def test_same_seed_gives_equal_frames():
    a, b = generate(rounds=3, risks=200, seed=5), generate(rounds=3, risks=200, seed=5)
    for x, y in zip(a, b, strict=True):
        assert x.meta == y.meta
        for key in ("assets", "threats", "risks", "profile", "soa", "actions", "wheel"):
            assert_frame_equal(getattr(x, key), getattr(y, key))


def test_different_seed_gives_different_risks():
    a, b = generate(rounds=2, risks=200, seed=1), generate(rounds=2, risks=200, seed=2)
    assert not a[-1].risks.equals(b[-1].risks)


def test_written_files_are_byte_identical(tmp_path):
    first = write_sample(tmp_path / "a", rounds=2, risks=120, seed=3)
    second = write_sample(tmp_path / "b", rounds=2, risks=120, seed=3)
    assert [p.name for p in first] == ["eksempel-kommune-2026-Q2.xlsx", "eksempel-kommune-2026-Q3.xlsx"]
    for p, q in zip(first, second, strict=True):
        assert hashlib.sha256(p.read_bytes()).digest() == hashlib.sha256(q.read_bytes()).digest()
    assert (tmp_path / "a" / "README.md").read_text(encoding="utf-8") == (tmp_path / "b" / "README.md").read_text(
        encoding="utf-8"
    )


# -- rounds and sizes -----------------------------------------------------------------------------
def test_round_labels_and_meta(rounds):
    labels = ["2024 Q4", "2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4", "2026 Q1", "2026 Q2", "2026 Q3"]
    assert round_labels(8) == labels
    assert [a.meta["round"] for a in rounds] == labels
    for a in rounds:
        meta = a.meta
        assert meta["municipality"] == "Eksempel Kommune"
        assert meta["matrix"] == "KL"
        assert meta["prepared_by"] and meta["approved_by"]
        assert meta["assessment_date"].weekday() < 5
        assert meta["approved_date"] > meta["assessment_date"]
        assert (meta["approved_date"] - meta["assessment_date"]).days < 120
    assert rounds[-1].meta["assessment_date"] == pd.Timestamp("2026-09-30")


def test_sizes_within_ranges(rounds):
    for a in rounds:
        assert 40 <= len(a.assets) <= 80
        assert 1350 <= len(a.risks) <= 1650
        assert a.risks["risk_id"].is_unique
        assert a.assets["asset_id"].is_unique
    assert len(rounds[-1].risks) == 1500


@pytest.mark.parametrize("requested", [60, 5000])
def test_risk_count_scales(requested):
    out = generate(rounds=2, risks=requested, seed=0)
    for a in out:
        assert abs(len(a.risks) - requested) <= 0.1 * requested
        assert a.risks["asset_id"].isin(a.assets["asset_id"]).all()


# -- the contract and the method ------------------------------------------------------------------
def test_every_risk_references_existing_assets_threats_and_controls(rounds):
    known_controls = set(annex_a()["control_id"])
    for a in rounds:
        assert a.risks["asset_id"].isin(a.assets["asset_id"]).all()
        assert a.risks["threat_id"].isin(a.threats["threat_id"]).all()
        ids = a.risks["controls"].dropna().str.split(";").explode().str.strip()
        assert set(ids) <= known_controls
        assert set(ids) <= set(a.soa["control_id"])


def test_vocabularies_are_the_contract_keys(rounds):
    a = rounds[-1]
    checks = [
        (a.assets["type"], layout.ASSET_TYPES),
        (a.assets["personal_data"], layout.PERSONAL_DATA),
        (a.risks["treatment"], layout.TREATMENTS),
        (a.risks["status"], layout.RISK_STATUSES),
        (a.soa["status"], layout.SOA_STATUSES),
        (a.soa["source"], layout.SOA_SOURCES),
        (a.actions["type"], layout.ACTION_TYPES),
        (a.actions["status"], layout.ACTION_STATUSES),
        (a.wheel["frequency"], layout.FREQUENCIES),
        (a.wheel["status"], layout.WHEEL_STATUSES),
    ]
    for values, vocabulary in checks:
        assert set(values.dropna()) <= set(vocabulary)
    for key, sheet in (("soa", layout.SOA), ("actions", layout.ACTIONS), ("wheel", layout.WHEEL)):
        assert list(getattr(a, key).columns) == [c.field for c in sheet.columns]


def test_assets_cover_every_type_area_and_personal_data_kind(rounds):
    assets = rounds[-1].assets
    assert set(assets["type"]) == set(layout.ASSET_TYPES)
    assert set(assets["personal_data"]) == set(layout.PERSONAL_DATA)
    # Areas are departments; IT infrastructure and paper archives are asset types within them.
    assert {"Socialområdet", "Jobcenter", "Digitalisering og IT", "Sekretariat og arkiv", "Økonomi"} <= set(
        assets["area"]
    )
    assert not {"IT-infrastruktur", "Fysiske arkiver"} & set(assets["area"])
    assert assets["critical"].any() and not assets["critical"].all()
    pa = assets[assets["type"] == "processing_activity"]
    assert pa["kle"].notna().all()
    assert pa["kle"].str.fullmatch(r"\d{2}\.\d{2}(\.\d{2})?").all()
    # Child-protection cases are under Barnets Lov (KLE 34), not the old 27.24.
    child = assets.loc[assets["name"].str.startswith("Børnefaglige undersøgelser"), "kle"]
    assert child.tolist() == ["34.10"]
    assert not (assets["kle"] == "27.24").any()
    # Tolerable downtime uses the playbook's scale.
    assert set(assets["tolerable_downtime"].dropna()) <= {lab for lab, _ in layout.DOWNTIME.values()}


def test_no_data_subject_consequences_without_personal_data(rounds):
    for a in rounds:
        none = a.assets["personal_data"] == "none"
        assert none.any()
        assert a.assets.loc[none, DS_COLS].isna().all().all()
        assert a.assets.loc[~none, DS_COLS].notna().all().all()
        assert a.assets[MUN_COLS].notna().all().all()
        # Hence the scores have no data-subject rows for those assets.
        s = score(a)
        no_pd = set(a.assets.loc[none, "asset_id"])
        assert not s.loc[s["perspective"] == "data_subject", "asset_id"].astype(str).isin(no_pd).any()


def _level_index(a) -> np.ndarray:
    """The higher KL level index of the two perspectives, per risk (inherent)."""
    pos = pd.Index(a.assets["asset_id"]).get_indexer(a.risks["asset_id"])
    mun = a.assets[MUN_COLS].fillna(0).to_numpy(int).max(axis=1)[pos]
    ds = a.assets[DS_COLS].fillna(0).to_numpy(int).max(axis=1)[pos]
    like = a.risks["likelihood"].to_numpy(int)
    return np.maximum(KL.lookup(mun, like), KL.lookup(ds, like))


def test_decisions_per_round_are_a_short_real_list(rounds):
    """Per round 5-40 pending decisions across both perspectives and a few breaches; all
    other risks are decided (within tolerance and approved with the round, accepted by
    someone with authority, or in treatment)."""
    from isms_analysis import committee_items, decisions

    for a in rounds:
        d = decisions(a)
        items = committee_items(d)
        assert 5 <= items["pending"] <= 40, (a.meta["round"], items)
        assert 1 <= items["breaches"] <= 6, (a.meta["round"], items)
        assert items["awaiting_round_approval"] == 0  # every round is approved
    reasons = set()
    for a in rounds:
        reasons |= set(decisions(a)["reason"].astype(str))
    assert {"acceptance_expired", "acceptance_missing", "no_treatment", "data_subject_very_high",
            "critical_not_top_management", "acceptor_lacks_authority", "accepted", "in_treatment",
            "within_tolerance"} <= reasons  # fmt: skip


def test_acceptances_above_tolerance_are_by_name_and_within_tolerance_by_the_round(rounds):
    from isms_analysis import decisions

    a = rounds[-1]
    d = decisions(a)
    accepted = set(a.risks.loc[a.risks["accepted_by"].notna(), "risk_id"])
    within = d.groupby("risk_id")["reason"].agg(lambda r: set(r.astype(str)) == {"within_tolerance"})
    # No individual acceptance on a risk that is within tolerance in every perspective --
    # except under the data-subject rule (consequence 4, score 4 or 8), which asks for one.
    s = score(a)
    rule = set(s.loc[(s["stage"] == "residual") & s["data_subject_very_high"], "risk_id"].astype(str))
    named_within = set(within[within].index) & accepted
    assert named_within and named_within <= rule
    # Named acceptors are in the Roller sheet, except the deliberate breach(es).
    roles = a.roles["name"].str.casefold()
    named = a.risks["accepted_by"].dropna().drop_duplicates()
    unknown = [n for n in named if not any(r in n.casefold() for r in roles)]
    assert 0 <= len(unknown) <= 1
    assert a.risks["review_date"].notna().any()


def test_likelihood_follows_the_threat(rounds):
    a = rounds[0]  # before treatments lower the likelihoods
    mean = a.risks.groupby("threat_id")["likelihood"].mean()
    for likely in ("T01", "T02", "T11"):  # phishing, ransomware, misdirected letters
        assert mean[likely] >= 2.6, likely
    for rare in ("T22", "T42"):  # sabotage, lightning
        assert mean[rare] <= 1.5, rare
    assert (a.risks.loc[a.risks["threat_id"].isin(["T22", "T42"]), "likelihood"] <= 3).all()


def test_transfers_are_rare_and_never_on_staff(rounds):
    for a in rounds:
        transfer = a.risks["treatment"] == "transfer"
        assert transfer.mean() < 0.02
        kinds = a.risks.loc[transfer, "asset_id"].map(a.assets.set_index("asset_id")["type"])
        assert not (kinds == "people").any()


def test_treated_risks_have_controls_and_residuals_not_above_inherent(rounds):
    for a in rounds:
        r = a.risks
        treated = r["treatment"].isin(["mitigate", "transfer", "avoid"]) & (r["status"] != "closed")
        assert r.loc[treated, "controls"].notna().all()
        assert r.loc[treated, "controls"].str.fullmatch(r"\d\.\d{1,2}(; \d\.\d{1,2})*").all()
        mitigated = r["treatment"] == "mitigate"
        assert (r.loc[mitigated, "residual_likelihood"] <= r.loc[mitigated, "likelihood"]).all()
        assert not score(a)["residual_above_inherent"].any()


# -- movement between rounds ---------------------------------------------------------------------
def test_risks_are_added_and_closed_between_rounds(rounds):
    gone_somewhere = False
    for before, after in pairwise(rounds):
        ids_before, ids_after = set(before.risks["risk_id"]), set(after.risks["risk_id"])
        assert ids_after - ids_before, after.meta["round"]  # new risks
        assert (after.risks["status"] == "closed").any() or ids_before - ids_after
        gone_somewhere |= bool(ids_before - ids_after)
        assert len(ids_before & ids_after) > 0.8 * len(ids_before)  # most persist
    assert gone_somewhere


def test_persisting_risk_ids_keep_asset_and_threat(rounds):
    first = rounds[0].risks.set_index("risk_id")[["asset_id", "threat_id"]]
    last = rounds[-1].risks.set_index("risk_id")[["asset_id", "threat_id"]]
    common = first.index.intersection(last.index)
    assert len(common) > 1000
    assert_frame_equal(first.loc[common], last.loc[common])


def test_ransomware_quarter_raises_then_treatment_lowers_likelihood(rounds):
    labels = [a.meta["round"] for a in rounds]
    i = labels.index("2025 Q3")
    before, scare, after = rounds[i - 1], rounds[i], rounds[i + 1]
    ids = _ransomware_ids(scare.threats)
    assert ids

    def likelihood(a):
        r = a.risks[a.risks["threat_id"].isin(ids)]
        return r.set_index("risk_id")["likelihood"].astype(int)

    lb, ls, la = likelihood(before), likelihood(scare), likelihood(after)
    common = lb.index.intersection(ls.index)
    assert len(common) > 10
    assert (ls[common] >= lb[common]).all()
    assert ls[common].mean() > lb[common].mean() + 0.5
    common2 = ls.index.intersection(la.index)
    assert la[common2].mean() < ls[common2].mean()
    scare_rows = scare.risks[scare.risks["threat_id"].isin(ids) & (scare.risks["status"] != "closed")]
    assert (scare_rows["treatment"] == "mitigate").all()
    # Other threats were not raised across the board.
    others = before.risks.loc[~before.risks["threat_id"].isin(ids), ["risk_id", "likelihood"]].merge(
        scare.risks[["risk_id", "likelihood"]], on="risk_id", suffixes=("_b", "_s")
    )
    assert (others["likelihood_s"] > others["likelihood_b"]).mean() < 0.05


# -- optional sheets ------------------------------------------------------------------------------
def test_profile_tolerances_per_area_and_perspective(rounds):
    p = rounds[-1].profile
    both = p[p["perspective"].isna()].set_index("area")["max_accepted_level"]
    assert set(both.index) == set(p["area"])
    assert (both.drop("Teknik og miljø") == "Under middel").all()  # no area at Lav
    assert both["Teknik og miljø"] == "Middel"
    own = p[p["perspective"].notna()]
    assert own[["area", "perspective", "max_accepted_level"]].values.tolist() == [
        ["Økonomi", "municipality", "Middel"]
    ]
    assert p["approved_by"].notna().all() and p["approved_date"].notna().all()
    roles = rounds[-1].roles
    assert set(roles["role"]) == {"top_management", "committee", "management"}
    assert roles["name"].is_unique


def test_soa_has_every_annex_a_control_and_own_controls(rounds):
    soa = rounds[-1].soa
    annex = annex_a()["control_id"]
    assert annex.isin(soa["control_id"]).all()
    assert soa["control_id"].is_unique
    own = soa[~soa["control_id"].isin(annex)]
    assert 3 <= len(own) <= 4
    assert own["control_id"].str.fullmatch(r"K-\d{2}").all()
    not_applicable = soa[soa["applicable"] == False]  # noqa: E712 - nullable boolean
    assert len(not_applicable) >= 3
    assert not_applicable["justification"].isna().sum() == 2
    applicable = soa[soa["applicable"] == True]  # noqa: E712
    assert applicable["responsible"].isna().sum() == 2
    assert set(applicable["status"]) >= {"implemented", "partly", "planned"}
    assert {"risk_assessment", "legal", "best_practice"} <= set(soa["source"])
    # The SoA's risk links name risks of the round.
    linked = soa["risks"].dropna().str.split(";").explode().str.strip()
    assert linked.isin(rounds[-1].risks["risk_id"]).all()


def test_action_plan_links_risks_and_has_overdue_actions(rounds):
    a = rounds[-1]
    actions = a.actions
    assert actions["action_id"].is_unique
    assert {"risk_treatment", "improvement_plan"} == set(actions["type"])
    linked = actions["risks"].dropna().str.split(";").explode().str.strip()
    assert linked.isin(a.risks["risk_id"]).all()
    overdue = (actions["deadline"] < a.meta["assessment_date"]) & (actions["status"] != "done")
    assert overdue.any()


def test_wheel_activities(rounds):
    for a in rounds:
        wheel = a.wheel
        assert len(wheel) >= 10
        assert wheel["last_done"].isna().sum() == 1  # one activity never done
        assert (wheel["last_done"].dropna() <= a.meta["assessment_date"]).all()
        assert set(wheel["frequency"]) == set(layout.FREQUENCIES)
        not_monthly = wheel["frequency"] != "monthly"
        assert wheel.loc[not_monthly, "month"].between(1, 12).all()
        assert wheel["controls"].notna().all()
    late = [(a.wheel["status"] != "done").sum() for a in rounds]
    assert min(late) >= 1


# -- the written workbook -------------------------------------------------------------------------
def test_written_round_reads_back_and_scores_the_same(tmp_path):
    from isms_analysis import read_workbook

    generated = generate(rounds=2, risks=300, seed=7)
    paths = write_sample(tmp_path, rounds=2, risks=300, seed=7)
    assert re.fullmatch(r"eksempel-kommune-\d{4}-Q\d\.xlsx", paths[-1].name)
    back = read_workbook(paths[-1])  # strict: raises on any error
    assert back.errors.empty
    assert back.meta["round"] == "2026 Q3"
    key = ["risk_id", "perspective", "stage"]
    expected = score(generated[-1]).sort_values(key).reset_index(drop=True)
    actual = score(back).sort_values(key).reset_index(drop=True)
    assert_frame_equal(actual, expected, check_categorical=False, check_dtype=False)
    assert len(back.soa) == len(generated[-1].soa)
    assert len(back.wheel) == len(generated[-1].wheel)
