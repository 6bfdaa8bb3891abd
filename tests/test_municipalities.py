"""``isms sample DIR --municipalities N``: N distinct synthetic municipalities,
deterministic with the seed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from isms_analysis.cli import app
from isms_analysis.municipalities import generate_municipalities, municipality_names

REAL = {"Lyngby-Taarbæk", "Aarhus", "Odense", "Skive", "Vejle", "Fanø", "Egedal", "Furesø", "Rebild", "Sorø"}


@pytest.fixture(scope="module")
def six() -> list:
    return generate_municipalities(6, rounds=2, risks=200, seed=4)


def test_names_distinct_and_made_up() -> None:
    names = municipality_names(98, seed=0)
    assert len(set(names)) == 98
    assert all(n.endswith(" Kommune") for n in names)
    assert not {n.removesuffix(" Kommune") for n in names} & REAL
    assert municipality_names(5, seed=1) == municipality_names(5, seed=1)


def test_municipalities_differ(six: list) -> None:
    latest = [rounds[-1] for rounds in six]
    assert len({a.meta["municipality"] for a in latest}) == 6
    sizes = [len(a.risks) for a in latest]
    assert len(set(sizes)) >= 4 and min(sizes) >= 40 and max(sizes) <= 200
    tolerances = {tuple(a.profile["max_accepted_level"]) for a in latest}
    assert len(tolerances) == 6
    implemented = [float((a.soa["status"] == "implemented").mean()) for a in latest]
    assert max(implemented) - min(implemented) > 0.1
    # rounds of one municipality share its name
    assert all(len({a.meta["municipality"] for a in rounds}) == 1 for rounds in six)


def test_some_share_kle_groups(six: list) -> None:
    groups = [set(a.assets["kle"].dropna().str.slice(0, 2)) for a in (r[-1] for r in six)]
    union = set().union(*groups)
    counts = {g: sum(g in s for s in groups) for g in union}
    assert any(c >= 2 for c in counts.values())  # shared by some
    assert any(c < 6 for c in counts.values())  # but not by all
    assert len({frozenset(s) for s in groups}) > 1


def test_every_third_leaves_data_subject_blank_to_inherit(six: list) -> None:
    from isms_analysis.activities import apply_activities
    from isms_analysis.municipalities import ACTIVITY_LIST

    a = six[1][-1]  # i % 3 == 1
    acts = a.assets[(a.assets["type"] == "processing_activity") & a.assets["kle"].notna()]
    inherited = apply_activities(a, ACTIVITY_LIST).assets
    assert len(acts) > 0
    assert acts["consequence_data_subject_c"].isna().any()
    assert inherited["inherited_data_subject"].notna().sum() >= 1
    b = six[0][-1]
    assert apply_activities(b, ACTIVITY_LIST).assets["inherited_data_subject"].isna().all()


def test_deterministic() -> None:
    a = generate_municipalities(2, rounds=1, risks=60, seed=9)
    b = generate_municipalities(2, rounds=1, risks=60, seed=9)
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x[0].risks, y[0].risks)
        pd.testing.assert_frame_equal(x[0].soa, y[0].soa)
        assert x[0].meta == y[0].meta


@pytest.mark.slow  # several seconds; left out by make test-fast
def test_cli_sample_municipalities(tmp_path: Path) -> None:
    r = CliRunner().invoke(
        app, ["sample", str(tmp_path), "--municipalities", "3", "--rounds", "1", "--risks", "60", "--seed", "2"]
    )
    assert r.exit_code == 0, r.output
    folders = sorted(p for p in tmp_path.iterdir() if p.is_dir())
    assert len(folders) == 3
    assert all(len(list(f.glob("*.xlsx"))) == 1 for f in folders)
    assert (tmp_path / "behandlingsaktiviteter.csv").exists()
    assert "Genereret med" in (tmp_path / "README.md").read_text(encoding="utf-8")
    from isms_analysis.workbook import read_workbook

    wb = next(folders[0].glob("*.xlsx"))
    a = read_workbook(wb, activities=tmp_path / "behandlingsaktiviteter.csv")
    assert a.meta["municipality"].endswith("Kommune")
    r2 = CliRunner().invoke(app, ["validate", str(wb), "--activities", str(tmp_path / "behandlingsaktiviteter.csv")])
    assert r2.exit_code == 0, r2.output
