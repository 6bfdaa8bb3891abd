"""The main job on the bundled sample, end to end (what ``make report`` runs).

1. import every sample round into a fresh store (the store is the demo's own
   scratch file under the output folder, rebuilt on every run);
2. render the quarterly committee report for the latest round, compared with the
   previous round;
3. render the trend report over all rounds.
"""

from __future__ import annotations

from pathlib import Path

from tqdm import tqdm

from .errors import UserError

SAMPLE_DIR = Path("data") / "sample"


def run_demo(
    sample: str | Path = SAMPLE_DIR,
    out: str | Path = "reports",
    *,
    lang: str = "da",
    pdf: bool = False,
    progress: bool = True,
) -> list[Path]:
    """Import the sample rounds into ``<out>/.demo/eksempel.duckdb`` and render both
    reports. Returns the paths of the quarterly and the trend report."""
    from .reports import run_report
    from .store import import_round, list_rounds
    from .workbook import read_workbook

    files = sorted(Path(sample).glob("*.xlsx"))
    if len(files) < 2:
        raise UserError(
            f"Fandt ikke mindst to eksempelrunder i {sample}; kør 'isms sample {sample}' først.",
            f"Found fewer than two sample rounds in {sample}; run 'isms sample {sample}' first.",
        )
    store = Path(out) / ".demo" / "eksempel.duckdb"
    store.parent.mkdir(parents=True, exist_ok=True)
    for stale in (store, store.with_name(store.name + ".wal")):
        stale.unlink(missing_ok=True)
    for f in tqdm(files, desc="Importerer runder / importing rounds", disable=not progress, unit="runde"):
        import_round(read_workbook(f), store)
    rounds = list_rounds(store)
    latest, previous = rounds["round"].iloc[-1], rounds["round"].iloc[-2]
    quarterly = run_report(
        "quarterly", store=store, round=latest, previous_round=previous, out=out, lang=lang, pdf=pdf,
        force=True, progress=progress,
    )  # fmt: skip
    trend = run_report("trend", store=store, out=out, lang=lang, pdf=pdf, force=True, progress=progress)
    return [quarterly, trend]
