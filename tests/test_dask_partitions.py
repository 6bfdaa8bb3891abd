"""Scaling past one machine: the package's pure scoring function run per partition of
the Parquet export with Dask's map_partitions gives the same result as in memory."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from isms_analysis import Assessment, score
from isms_analysis.store import export_parquet, import_round, load_rounds
from isms_analysis.workbook import read_workbook

dd = pytest.importorskip("dask.dataframe")

SAMPLE = sorted((Path(__file__).resolve().parents[1] / "data" / "sample").glob("*.xlsx"))
KEYS = ["municipality", "round", "risk_id", "perspective", "stage"]
COLUMNS = [*KEYS, "score", "level", "above_tolerance", "data_subject_very_high"]


def _flat(scores: pd.DataFrame) -> pd.DataFrame:
    out = scores[[c for c in COLUMNS if c in scores.columns]].copy()
    for c in ("municipality", "round", "risk_id", "perspective", "stage", "level"):
        out[c] = out[c].astype("string")
    out["score"] = out["score"].astype("int64")
    return out


def score_partition(risks: pd.DataFrame, root: Path) -> pd.DataFrame:
    """Score one (municipality, round) partition of the exported risks."""
    if risks.empty:
        return pd.DataFrame({c: pd.Series(dtype="string" if c in KEYS or c == "level" else "object") for c in COLUMNS})
    mun, rnd = str(risks["municipality"].iloc[0]), str(risks["round"].iloc[0])
    assert risks["municipality"].nunique() == 1 and risks["round"].nunique() == 1

    def part(table: str) -> pd.DataFrame:
        frame = pd.read_parquet(root / table, filters=[("municipality", "==", mun), ("round", "==", rnd)])
        return frame.drop(columns=["municipality", "round", "version"], errors="ignore")

    drop = ["municipality", "round", "version"]
    a = Assessment(assets=part("assets"), threats=part("threats"), risks=risks.drop(columns=drop), profile=part("profile"))
    return _flat(score(a).assign(municipality=mun, round=rnd))


@pytest.mark.slow
def test_score_per_partition_with_dask_equals_in_memory(tmp_path):
    store = tmp_path / "store.duckdb"
    for f in SAMPLE[-2:]:
        import_round(read_workbook(f), store)
    root = tmp_path / "parquet"
    export_parquet(store, root)

    risks = dd.read_parquet(root / "risks")
    assert risks.npartitions == 2  # one per (municipality, round)
    meta = score_partition(risks._meta, root)
    got = risks.map_partitions(score_partition, root, meta=meta).compute()

    want = _flat(load_rounds(store))
    got = got.sort_values(KEYS).reset_index(drop=True)
    want = want.sort_values(KEYS).reset_index(drop=True)
    assert len(got) == len(want) > 5000
    pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False)
