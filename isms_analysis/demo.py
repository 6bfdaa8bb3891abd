"""The main job on the bundled sample, end to end (what ``make report`` runs).

1. import every sample round into a fresh store (the store is the demo's own
   scratch file under the output folder, rebuilt on every run);
2. render the quarterly committee report for the latest round, compared with the
   previous round;
3. render the trend report over all rounds;
4. render the peer report ("Hvor står vi?"): the sample municipality's own
   extracts (named, it is its own report) next to those of ten made-up peer
   municipalities (:mod:`isms_analysis.municipalities`, pseudonymised); the
   quarterly report gets the short peer section from the same extracts.
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
    reports. Returns the paths of the quarterly, the trend and the peer report."""
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
    extracts, own = demo_extracts(store, Path(out) / ".demo" / "benchmark", rounds=len(files))
    quarterly = run_report(
        "quarterly", store=store, round=latest, previous_round=previous, out=out, lang=lang, pdf=pdf,
        force=True, progress=progress, peers=extracts,
    )  # fmt: skip
    trend = run_report("trend", store=store, out=out, lang=lang, pdf=pdf, force=True, progress=progress)
    peer = run_report(
        "benchmark", extracts=extracts, municipality=own, out=out, lang=lang, pdf=pdf, force=True, progress=progress
    )
    return [quarterly, trend, peer]


PEERS = 10  # made-up peer municipalities in the demo's benchmark
PEER_RISKS = 300  # risks per peer round (the benchmark compares shares, so size matters little)


def demo_extracts(store: Path, folder: Path, *, rounds: int, peers: int = PEERS) -> tuple[Path, str]:
    """A fresh folder of benchmark extracts: every stored round of the store's
    municipality (named) and ``peers`` made-up municipalities over the same rounds.
    Returns the folder and the store municipality's name."""
    from .benchmark import export_benchmark
    from .municipalities import generate_municipalities, write_extracts
    from .store import list_rounds

    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.parquet"):
        stale.unlink()
    write_extracts(generate_municipalities(peers, rounds=rounds, risks=PEER_RISKS, seed=0), folder)
    stored = list_rounds(store)
    stored = stored[~stored["superseded"]]
    name = str(stored["municipality"].iloc[0])
    for label in stored.loc[stored["municipality"] == name, "round"]:
        export_benchmark(
            folder / f"eget-{str(label).replace(' ', '-')}.parquet", store=store, round=str(label), municipality=name,
            named=True, force=True,
        )  # fmt: skip
    return folder, name
