"""Properties of the scoring that must hold for every input (hypothesis)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isms_analysis import KL, Assessment, score
from isms_analysis.matrix import matrix

scale = st.integers(min_value=1, max_value=4)


def one_risk(m_cia, ds_cia, likelihood, res_l=None):
    assets = pd.DataFrame(
        [
            {
                "asset_id": "A",
                "area": "X",
                "critical": False,
                "consequence_municipality_c": m_cia[0],
                "consequence_municipality_i": m_cia[1],
                "consequence_municipality_a": m_cia[2],
                "consequence_data_subject_c": ds_cia[0],
                "consequence_data_subject_i": ds_cia[1],
                "consequence_data_subject_a": ds_cia[2],
            }
        ]
    )
    risks = pd.DataFrame(
        [{"risk_id": "R", "asset_id": "A", "threat_id": "T", "likelihood": likelihood, "residual_likelihood": res_l}]
    )
    return score(Assessment(assets=assets, threats=pd.DataFrame({"threat_id": ["T"]}), risks=risks))


def inherent(frame, persp):
    r = frame[(frame.perspective == persp) & (frame.stage == "inherent")].iloc[0]
    return int(r.score), int(frame["level"].cat.categories.get_loc(r.level)), r


@pytest.mark.slow  # several seconds; left out by make test-fast
@settings(max_examples=80, deadline=None)
@given(cia=st.tuples(scale, scale, scale), like=scale, which=st.integers(0, 3))
def test_monotone_in_every_input(cia, like, which):
    """Raising any one input never lowers the score or the level."""
    base = one_risk(cia, cia, like)
    bumped_cia, bumped_like = list(cia), like
    if which < 3:
        bumped_cia[which] = min(4, cia[which] + 1)
    else:
        bumped_like = min(4, like + 1)
    up = one_risk(tuple(bumped_cia), tuple(bumped_cia), bumped_like)
    for persp in ("municipality", "data_subject"):
        s0, l0, _ = inherent(base, persp)
        s1, l1, _ = inherent(up, persp)
        assert s1 >= s0 and l1 >= l0


@pytest.mark.slow  # several seconds; left out by make test-fast
@settings(max_examples=80, deadline=None)
@given(cia=st.tuples(scale, scale, scale), like=scale, perm=st.permutations([0, 1, 2]))
def test_symmetric_in_c_i_a(cia, like, perm):
    permuted = tuple(cia[i] for i in perm)
    a, b = one_risk(cia, cia, like), one_risk(permuted, permuted, like)
    for persp in ("municipality", "data_subject"):
        assert inherent(a, persp)[:2] == inherent(b, persp)[:2]
        assert inherent(a, persp)[0] == max(cia) * like


@settings(max_examples=100, deadline=None)
@given(c1=scale, l1=scale, c2=scale, l2=scale)
def test_higher_score_never_gets_lower_level_under_kl(c1, l1, c2, l2):
    i1, i2 = KL.cells[c1 - 1, l1 - 1], KL.cells[c2 - 1, l2 - 1]
    if c1 * l1 > c2 * l2:
        assert i1 >= i2
    # and the score is always within the matrix
    assert 1 <= c1 * l1 <= 16


@pytest.mark.slow  # several seconds; left out by make test-fast
@settings(max_examples=120, deadline=None)
@given(cia=st.tuples(scale, scale, scale), like=scale)
def test_data_subject_rule_fires_exactly_on_consequence_4_likelihood_1_or_2(cia, like):
    frame = one_risk((1, 1, 1), cia, like)
    _, _, row = inherent(frame, "data_subject")
    assert bool(row.data_subject_very_high) == (max(cia) == 4 and like in (1, 2))
    # never in the municipality perspective
    _, _, mrow = inherent(frame, "municipality")
    assert not mrow.data_subject_very_high


@pytest.mark.slow  # several seconds; left out by make test-fast
@settings(max_examples=100, deadline=None)
@given(cia=st.tuples(scale, scale, scale), like=scale, res=scale, name=st.sampled_from(["kl", "standard", "herning", "datatilsynet"]))
def test_bounded_by_the_matrix_and_residual_flag(cia, like, res, name):
    frame = one_risk(cia, cia, like, res)
    m = matrix(name)
    from isms_analysis import rescore

    frame = rescore(frame, m)
    assert frame["score"].between(1, 16).all()
    assert set(frame["level"].astype(str)) <= set(m.level_names())
    res_rows = frame[frame.stage == "residual"]
    assert (res_rows["residual_above_inherent"] == (res > like)).all()
