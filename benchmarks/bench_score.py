"""Benchmark: score() on N synthetic risks vs a minimal NumPy reference and a per-row
Python implementation, measured in the same run. Prints medians and ratios.

    python benchmarks/bench_score.py [--risks 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from isms_analysis import KL, Assessment, score


def synthetic(n_risks: int, n_assets: int = 2000, seed: int = 0) -> Assessment:
    rng = np.random.default_rng(seed)
    has_ds = rng.random(n_assets) < 0.6
    assets = pd.DataFrame(
        {
            "asset_id": [f"A{i:05d}" for i in range(n_assets)],
            "area": rng.choice(["Social", "Sundhed", "Skole", "IT", "Økonomi"], n_assets),
            "critical": rng.random(n_assets) < 0.2,
            **{f"consequence_municipality_{p}": rng.integers(1, 5, n_assets) for p in "cia"},
            **{
                f"consequence_data_subject_{p}": pd.array(
                    np.where(has_ds, rng.integers(1, 5, n_assets), 0), dtype="Int8"
                ).astype("Int8")
                for p in "cia"
            },
        }
    )
    for p in "cia":
        col = f"consequence_data_subject_{p}"
        assets[col] = assets[col].mask(assets[col] == 0)
    treat = np.array(["mitigate", "accept", "avoid", "transfer", None], dtype=object)
    risks = pd.DataFrame(
        {
            "risk_id": [f"R{i:07d}" for i in range(n_risks)],
            "asset_id": assets["asset_id"].to_numpy()[rng.integers(0, n_assets, n_risks)],
            "threat_id": [f"T{i:02d}" for i in rng.integers(0, 40, n_risks)],
            "likelihood": rng.integers(1, 5, n_risks),
            "residual_likelihood": pd.array(rng.integers(0, 5, n_risks), dtype="Int8"),
            "treatment": treat[rng.integers(0, 5, n_risks)],
            "status": "open",
        }
    )
    risks["residual_likelihood"] = risks["residual_likelihood"].mask(risks["residual_likelihood"] == 0)
    threats = pd.DataFrame({"threat_id": [f"T{i:02d}" for i in range(40)]})
    return Assessment(assets=assets, threats=threats, risks=risks)


def numpy_reference(a: Assessment) -> np.ndarray:
    """The floor: max-of-CIA x likelihood and a level lookup, municipality perspective only."""
    pos = pd.Index(a.assets["asset_id"]).get_indexer(a.risks["asset_id"])
    cia = np.stack([a.assets[f"consequence_municipality_{p}"].to_numpy(np.int16) for p in "cia"], 1)
    cons = cia.max(axis=1)[pos]
    like = a.risks["likelihood"].to_numpy(np.int16)
    return KL.cells[cons - 1, like - 1], cons * like


def per_row_python(a: Assessment, limit: int) -> pd.DataFrame:
    """A straightforward per-row implementation of the same output: both perspectives,
    both stages, level and the main flags, one risk at a time (iterrows)."""
    assets = a.assets.set_index("asset_id")
    rows = []
    for _, r in a.risks.head(limit).iterrows():
        asset = assets.loc[r["asset_id"]]
        for persp in ("municipality", "data_subject"):
            vals = [asset[f"consequence_{persp}_{p}"] for p in "cia"]
            vals = [int(v) for v in vals if not pd.isna(v)]
            if not vals:
                continue
            c = max(vals)
            like = int(r["likelihood"])
            res_like = like if pd.isna(r["residual_likelihood"]) else int(r["residual_likelihood"])
            for stage, li in (("inherent", like), ("residual", res_like)):
                level = KL.level_of(c, li)
                rows.append(
                    {
                        "risk_id": r["risk_id"],
                        "perspective": persp,
                        "stage": stage,
                        "consequence": c,
                        "likelihood": li,
                        "score": c * li,
                        "level": level.name_da,
                        "colour": level.colour,
                        "data_subject_very_high": persp == "data_subject" and c == 4 and c * li in (4, 8),
                        "screening_candidate": c <= 2,
                    }
                )
    return pd.DataFrame(rows)


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--risks", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--python-rows", type=int, default=20_000, help="rows for the per-row baseline (extrapolated)")
    args = ap.parse_args()
    a = synthetic(args.risks)
    t_score = median_time(lambda: score(a), args.repeat)
    t_ref = median_time(lambda: numpy_reference(a), args.repeat)
    n_py = min(args.python_rows, args.risks)
    t_py = median_time(lambda: per_row_python(a, n_py), 3) * args.risks / n_py
    s = score(a)
    print(f"risks: {args.risks:,}  scored rows: {len(s):,}")
    print(f"score() median:            {t_score:8.3f} s")
    print(f"NumPy reference median:    {t_ref:8.3f} s   score/reference = {t_score / t_ref:5.1f}x")
    print(f"per-row Python (extrap.):  {t_py:8.3f} s   per-row/score   = {t_py / t_score:5.1f}x")
    print(f"memory: {s.memory_usage(deep=True).sum() / len(s):.1f} bytes per scored row")


if __name__ == "__main__":
    main()
