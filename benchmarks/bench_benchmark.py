"""Peer benchmark at national scale: time and peak memory to build the peer report's
data from 98 municipalities x 8 rounds of extracts. A script that prints figures.

    python benchmarks/bench_benchmark.py                 # 98 x 8, 5 repeats
    python benchmarks/bench_benchmark.py --munis 20 --rounds 2 --repeat 3

Setup (not timed): eight distinct synthetic municipalities over ``rounds`` rounds
(``isms_analysis.municipalities``, 1,500 risks each) give real extracts; each of the
``munis`` municipalities takes one of them as its base and draws its own counts
around it (Poisson noise per group, so no two files are equal), under its own
pseudonym, written as one Parquet file per municipality and round.

Timed, in a fresh child process per repeat: ``benchmark.load_benchmark`` for one
municipality -- DuckDB reading every file with ``read_parquet('DIR/*.parquet')``,
the duplicate check, both queries of ``benchmark.sql`` and the comparison -- which
is everything the report notebook computes before drawing. Reported: the median
wall time and the child's peak RSS (and its growth over the RSS after imports),
plus a pandas baseline measured the same way: reading every file with
``pd.read_parquet`` one by one and running ``peer_tables_pandas``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = """
import json, resource, sys, time
import pandas as pd
from isms_analysis import benchmark as bm
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
if sys.argv[1] == "duckdb":
    ctx = bm.load_benchmark(sys.argv[2], municipality=sys.argv[3])
    rows = len(ctx.comparison)
else:
    own, peers = bm.peer_tables_pandas(bm.read_extracts(sys.argv[2]))
    rows = len(peers)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak / 1024, "growth_mb": (peak - base) / 1024, "rows": rows}))
"""


def build(directory: Path, munis: int, rounds: int, seed: int = 0) -> tuple[int, int, str]:
    from isms_analysis.benchmark import write_extract
    from isms_analysis.municipalities import generate_municipalities, write_extracts

    bases_dir = directory / "_bases"
    write_extracts(generate_municipalities(8, rounds=rounds, risks=1500, seed=seed), bases_dir, seed=seed)
    bases = [pd.read_parquet(p) for p in sorted(bases_dir.glob("*.parquet"))]
    by_muni: dict[str, list[pd.DataFrame]] = {}
    for b in bases:
        by_muni.setdefault(str(b["municipality"].iloc[0]), []).append(b)
    templates = list(by_muni.values())
    rng = np.random.default_rng(seed)
    rows = files = 0
    first = ""
    for i in range(munis):
        who = f"K-{i:08x}"
        first = first or who
        for frame in templates[i % len(templates)]:
            e = frame.copy()
            e["municipality"] = who
            e["n"] = rng.poisson(e["n"].to_numpy(dtype=float)).astype("int64")
            e = e[e["n"] > 0]
            write_extract(e, directory / f"{who}-{str(e['round'].iloc[0]).replace(' ', '-')}.parquet")
            rows += len(e)
            files += 1
    for p in bases_dir.glob("*.parquet"):
        p.unlink()
    bases_dir.rmdir()
    return files, rows, first


def measure(kind: str, directory: Path, who: str, repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, kind, str(directory), who],
            capture_output=True, text=True, check=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": ""},
        )  # fmt: skip
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {
        "median_s": statistics.median(r["seconds"] for r in runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "growth_mb": max(r["growth_mb"] for r in runs),
        "rows": runs[0]["rows"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--munis", type=int, default=98)
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="isms-bench-peers-") as tmp:
        d = Path(tmp)
        t0 = time.perf_counter()
        files, rows, who = build(d, args.munis, args.rounds)
        setup = time.perf_counter() - t0
        size_mb = sum(p.stat().st_size for p in d.glob("*.parquet")) / 1e6
        duck = measure("duckdb", d, who, args.repeat)
        pand = measure("pandas", d, who, args.repeat)
    figures = {
        "municipalities": args.munis, "rounds": args.rounds, "files": files, "extract_rows": rows,
        "files_mb": round(size_mb, 2), "setup_s": round(setup, 1),
        "load_benchmark_median_s": round(duck["median_s"], 3), "load_benchmark_peak_rss_mb": round(duck["peak_rss_mb"], 1),
        "load_benchmark_growth_mb": round(duck["growth_mb"], 1), "comparison_rows": duck["rows"],
        "pandas_one_by_one_median_s": round(pand["median_s"], 3), "pandas_peak_rss_mb": round(pand["peak_rss_mb"], 1),
        "ratio_duckdb_vs_pandas": round(duck["median_s"] / pand["median_s"], 2),
    }  # fmt: skip
    width = max(len(k) for k in figures)
    print(f"Peer benchmark: {args.munis} municipalities x {args.rounds} rounds ({args.repeat} repeats, median)")
    for k, v in figures.items():
        print(f"  {k:<{width}}  {v}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
