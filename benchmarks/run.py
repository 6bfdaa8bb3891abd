"""The benchmark harness: prints a table and writes benchmarks/results.json.

Every figure is a median of several runs, and every comparison is a ratio against
a baseline measured in the same run (machines are noisy; absolute times alone mean
little). Not a test: a script that prints figures.

    python benchmarks/run.py            # full sizes (several minutes)
    python benchmarks/run.py --quick    # small sizes, under a minute
    python benchmarks/run.py --only read,score

Sections:
1. read    read_workbook on an N-risk sample workbook vs pandas.read_excel of all
           sheets with openpyxl (target <= 0.2x) and with calamine (target <= 1.5x).
2. score   score() on N risks vs a minimal NumPy reference (max-of-CIA x likelihood
           and a level lookup, both perspectives and stages; target <= 3x) and vs a
           per-row Python implementation (expect >= 50x faster); bytes per scored row.
3. report  `isms report quarterly` on the default sample end to end vs the floor:
           papermill executing an empty notebook plus nbconvert of it
           (target <= 2x the floor and under 20 s); the HTML's size (target <= 2.5 MB);
           headless Chromium loading, rendering and printing it to PDF (seconds).
4. rollup  M municipalities x R rounds x N risks: import into one store (reported),
           then load_rounds + rescore + compare consecutive rounds for all (one
           consecutive_comparisons call over the whole history), in a child
           process: wall time and peak memory (targets < 30 s, < 3 GB).
5. trend   the trend report on the roll-up store for one municipality: seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

SIZES = {
    "full": {"read_risks": 20_000, "score_risks": 1_000_000, "munis": 98, "rounds": 8, "round_risks": 1_500,
             "repeat": 5, "slow_repeat": 3},
    "quick": {"read_risks": 600, "score_risks": 50_000, "munis": 2, "rounds": 2, "round_risks": 120,
              "repeat": 3, "slow_repeat": 1},
}  # fmt: skip


from bench_score import median_time as median  # noqa: E402  (benchmarks/ is on sys.path above)


def isms_bin() -> str:
    return str(Path(sys.executable).with_name("isms"))


# -- 1. read ---------------------------------------------------------------------------
def bench_read(size: dict, work: Path) -> dict:
    from isms_analysis.sample import write_sample
    from isms_analysis.workbook import read_workbook

    n = size["read_risks"]
    cache = work / f"read-{n}"
    files = sorted(cache.glob("*.xlsx"))
    if not files:
        files = write_sample(cache, rounds=1, risks=n, seed=1)
    path = files[-1]
    t_read = median(lambda: read_workbook(path), size["repeat"])
    t_openpyxl = median(lambda: pd.read_excel(path, sheet_name=None, engine="openpyxl"), size["slow_repeat"])
    t_calamine = median(lambda: pd.read_excel(path, sheet_name=None, engine="calamine"), size["repeat"])
    risks = len(read_workbook(path).risks)
    return {
        "risks": risks,
        "read_workbook_s": t_read,
        "openpyxl_s": t_openpyxl,
        "calamine_s": t_calamine,
        "ratio_vs_openpyxl": t_read / t_openpyxl,
        "ratio_vs_calamine": t_read / t_calamine,
        "targets": {"ratio_vs_openpyxl": 0.2, "ratio_vs_calamine": 1.5},
    }


# -- 2. score --------------------------------------------------------------------------
def numpy_reference(a, *, factorised: bool = False) -> list[np.ndarray]:
    """max-of-CIA x likelihood and the level lookup, both perspectives and stages.

    The asset of each risk is found by hashing every risk's asset ID into the assets'
    index; ``factorised=True`` hashes only the distinct asset IDs (as score() does),
    a stricter floor reported beside the target."""
    from isms_analysis import KL

    if factorised:
        codes, uniques = pd.factorize(a.risks["asset_id"])
        pos = pd.Index(a.assets["asset_id"]).get_indexer(uniques)[codes]
    else:
        pos = pd.Index(a.assets["asset_id"]).get_indexer(a.risks["asset_id"])
    like = a.risks["likelihood"].to_numpy(np.int16)
    res = a.risks["residual_likelihood"].to_numpy(np.int16, na_value=0)
    res = np.where(res > 0, res, like)
    out = []
    for persp in ("municipality", "data_subject"):
        cia = np.stack([a.assets[f"consequence_{persp}_{p}"].to_numpy(np.int16, na_value=0) for p in "cia"], 1)
        cons = cia.max(axis=1)[pos]
        keep = cons > 0
        for lk in (like, res):
            c, li = cons[keep], lk[keep]
            out += [c * li, KL.cells[c - 1, li - 1]]
    return out


def bench_score(size: dict) -> dict:
    from bench_score import per_row_python, synthetic

    from isms_analysis import score

    n = size["score_risks"]
    a = synthetic(n)
    t_score = median(lambda: score(a), size["repeat"])
    t_ref = median(lambda: numpy_reference(a), size["repeat"])
    t_ref_fast = median(lambda: numpy_reference(a, factorised=True), size["repeat"])
    n_py = min(20_000, n)
    t_py = median(lambda: per_row_python(a, n_py), size["slow_repeat"]) * n / n_py
    s = score(a)
    return {
        "risks": n,
        "scored_rows": len(s),
        "score_s": t_score,
        "numpy_reference_s": t_ref,
        "per_row_python_s_extrapolated": t_py,
        "ratio_vs_numpy": t_score / t_ref,
        "numpy_reference_factorised_s": t_ref_fast,
        "ratio_vs_numpy_factorised": t_score / t_ref_fast,
        "speedup_vs_per_row": t_py / t_score,
        "bytes_per_row": float(s.memory_usage(deep=True).sum() / len(s)),
        "targets": {"ratio_vs_numpy": 3.0, "speedup_vs_per_row": 50.0, "bytes_per_row": 120.0},
    }


# -- 3. report -------------------------------------------------------------------------
FLOOR = r"""
import sys, nbformat, papermill as pm
from nbconvert import HTMLExporter
from pathlib import Path
d = Path(sys.argv[1])
nb = nbformat.v4.new_notebook()
nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
nbformat.write(nb, d / "empty.ipynb")
# The same papermill options as isms_analysis.runner._render, so only the work differs.
pm.execute_notebook(str(d / "empty.ipynb"), str(d / "out.ipynb"), parameters={"x": 2}, kernel_name="python3",
                    language="python", progress_bar=False, log_output=False, request_save_on_cell_execute=False,
                    cwd=str(d), extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
body, _ = HTMLExporter(exclude_input=True).from_filename(str(d / "out.ipynb"))
(d / "out.html").write_text(body, encoding="utf-8")
"""


def bench_report(size: dict, work: Path) -> dict:
    sample = sorted((ROOT / "data" / "sample").glob("*.xlsx"))
    latest, previous = sample[-1], sample[-2]

    def report() -> None:
        with tempfile.TemporaryDirectory(dir=work) as out:
            subprocess.run(
                [isms_bin(), "report", "quarterly", "--workbook", str(latest), "--previous-round", str(previous),
                 "--out", str(out)],
                check=True, capture_output=True,
            )  # fmt: skip

    def floor() -> None:
        with tempfile.TemporaryDirectory(dir=work) as d:
            subprocess.run([sys.executable, "-c", FLOOR, d], check=True, capture_output=True)

    t_report = median(report, size["slow_repeat"])
    t_floor = median(floor, size["slow_repeat"])
    # the size of the HTML, and how long Chromium takes to load, render and print it
    from isms_analysis.browser import chromium_path
    from isms_analysis.runner import print_pdf

    kept = work / "report-kept"
    subprocess.run([isms_bin(), "report", "quarterly", "--workbook", str(latest), "--previous-round", str(previous),
                    "--out", str(kept), "--force", "--quiet"], check=True, capture_output=True)  # fmt: skip
    html = next(kept.rglob("committee-report.html"))
    result = {
        "report_s": t_report,
        "floor_s": t_floor,
        "ratio_vs_floor": t_report / t_floor,
        "html_mb": html.stat().st_size / 1e6,
        "targets": {"ratio_vs_floor": 2.0, "report_s": 20.0, "html_mb": 2.5},
    }
    if chromium_path() is not None:
        pdf = html.with_suffix(".bench.pdf")
        result["chromium_load_render_print_s"] = median(lambda: print_pdf(html, pdf), size["slow_repeat"])
    return result


# -- 4. roll-up ------------------------------------------------------------------------
ROLLUP_CHILD = r"""
import json, resource, sys, time
from isms_analysis import rescore
from isms_analysis.comparison import consecutive_comparisons
from isms_analysis.store import load_rounds
t = time.perf_counter()
history = load_rounds(sys.argv[1])
t_load = time.perf_counter() - t
history = rescore(history, "kl")
t_score = time.perf_counter() - t - t_load
# Every municipality's consecutive rounds, compared in one call (a comparison never
# matches risks across municipalities).
n = len(consecutive_comparisons(history))
t_all = time.perf_counter() - t
print(json.dumps({"rows": len(history), "comparison_rows": n, "load_s": t_load, "rescore_s": t_score,
                  "load_compare_s": t_all, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def build_rollup(size: dict, work: Path) -> tuple[Path, float, int]:
    from isms_analysis.sample import generate
    from isms_analysis.store import import_round

    store = work / f"rollup-{size['munis']}x{size['rounds']}x{size['round_risks']}.duckdb"
    if store.exists():
        return store, float("nan"), 0
    tmp = store.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    t = time.perf_counter()
    n = 0
    for i in range(size["munis"]):
        for a in generate(rounds=size["rounds"], risks=size["round_risks"], seed=i):
            meta = dict(a.meta, municipality=f"Kommune {i + 1:03d}")
            a = type(a)(**{**a.__dict__, "meta": meta})
            import_round(a, tmp)
            n += len(a.risks)
    elapsed = time.perf_counter() - t
    tmp.rename(store)
    return store, elapsed, n


def bench_rollup(size: dict, work: Path) -> dict:
    store, t_import, n = build_rollup(size, work)
    out = subprocess.run([sys.executable, "-c", ROLLUP_CHILD, str(store)], check=True, capture_output=True, text=True)
    child = json.loads(out.stdout.strip().splitlines()[-1])
    return {
        "municipalities": size["munis"],
        "rounds": size["rounds"],
        "risks_imported": n or None,
        "import_s": None if t_import != t_import else t_import,
        **child,
        "targets": {"load_compare_s": 30.0, "peak_rss_mb": 3072.0},
    }


# -- 5. trend --------------------------------------------------------------------------
def trend_available() -> bool:
    from isms_analysis import runner

    return "trend" in getattr(runner, "KINDS", {})


def bench_trend(size: dict, work: Path) -> dict:
    if not trend_available():
        print("[trend] skipped: `isms report trend` is not available in this version", file=sys.stderr)
        return {"skipped": "isms report trend not available"}
    store, _, _ = build_rollup(size, work)

    def trend() -> None:
        with tempfile.TemporaryDirectory(dir=work) as out:
            subprocess.run(
                [isms_bin(), "report", "trend", "--store", str(store), "--municipality", "Kommune 001", "--out", out],
                check=True, capture_output=True,
            )  # fmt: skip

    return {"trend_report_s": median(trend, size["slow_repeat"]), "rounds": size["rounds"]}


SECTIONS = {"read": bench_read, "score": bench_score, "report": bench_report, "rollup": bench_rollup,
            "trend": bench_trend}  # fmt: skip


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "pandas": pd.__version__,
        "numpy": np.__version__,
    }


def verdict(name: str, value: float, target: float) -> str:
    higher_is_better = name.startswith("speedup")
    ok = value >= target if higher_is_better else value <= target
    return "ok" if ok else "MISS"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    ap.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    ap.add_argument("--out", type=Path, default=None, help="results file (default benchmarks/results.json)")
    ap.add_argument("--work", type=Path, default=HERE / "out", help="scratch folder (cached inputs)")
    args = ap.parse_args(argv)
    size = SIZES["quick" if args.quick else "full"]
    args.work.mkdir(parents=True, exist_ok=True)
    results: dict = {"mode": "quick" if args.quick else "full", "machine": machine(), "sizes": size}
    out = args.out or (HERE / ("results-quick.json" if args.quick else "results.json"))
    failed = []
    for name in args.only.split(","):
        t = time.perf_counter()
        print(f"[{name}] …", file=sys.stderr, flush=True)
        fn = SECTIONS[name]
        try:
            results[name] = fn(size) if name == "score" else fn(size, args.work)
        except Exception as exc:  # one broken section must not lose the others' figures
            detail = exc.stderr if isinstance(exc, subprocess.CalledProcessError) else ""
            print(f"[{name}] FAILED: {exc!r}\n{detail or ''}", file=sys.stderr, flush=True)
            results[name] = {"error": repr(exc)}
            failed.append(name)
        results[name]["section_wall_s"] = time.perf_counter() - t
        out.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")  # partial results survive
    print(f"{'section':8} {'measure':34} {'value':>12} {'target':>9}")
    # The targets are set for the full sizes; at --quick sizes fixed costs dominate.
    judge = verdict if not args.quick else (lambda *_: "(full size only)")
    for name in args.only.split(","):
        r = results[name]
        for key, value in r.items():
            if key in ("targets",) or not isinstance(value, int | float) or value is None:
                continue
            target = r.get("targets", {}).get(key)
            mark = f"{target:>9g} {judge(key, value, target)}" if target is not None else ""
            print(f"{name:8} {key:34} {value:12.3f} {mark}")
    out.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(f"written: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}", file=sys.stderr)
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB",
          file=sys.stderr)  # fmt: skip
    if failed:
        print(f"failed sections: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
