"""The main job on the bundled sample, end to end (what ``make report`` runs).

1. import every sample round into the store (``--store``, ``$ISMS_STORE`` or
   ``data/isms.duckdb``: the store ``isms rounds`` and ``isms report trend`` read too),
   skipping rounds already stored from the same file;
2. render the quarterly committee report for the latest round, compared with the
   previous round;
3. render the trend report over all rounds;
4. render the peer report ("Hvor står vi?"): the sample municipality's own
   extracts (named, it is its own report) next to those of ten made-up peer
   municipalities (:mod:`isms_analysis.municipalities`, pseudonymised); the
   quarterly report gets the short peer section from the same extracts.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .errors import UserError
from .text import t

SAMPLE_DIR = Path("data") / "sample"


def run_demo(
    sample: str | Path = SAMPLE_DIR,
    out: str | Path = "reports",
    *,
    lang: str = "da",
    pdf: bool = False,
    progress: bool = True,
    store: str | Path | None = None,
) -> list[Path]:
    """Import the sample rounds into the store (``store``, else ``$ISMS_STORE``, else
    ``data/isms.duckdb`` -- the store ``isms rounds`` and ``isms report trend`` read) and
    render the reports. A round already stored from the same file is not imported
    again; one stored from another file gets a new version. Returns the paths of the
    quarterly, the trend and the peer report (and their PDFs with ``pdf``)."""
    from .runner import run_report
    from .sheets import is_lock_file
    from .store import import_round, list_rounds, store_path

    files = sorted(f for f in Path(sample).glob("*.xlsx") if not is_lock_file(f))
    if len(files) < 2:
        raise UserError(
            f"Fandt ikke mindst to eksempelrunder i {sample}; kør 'isms sample {sample}' først.",
            f"Found fewer than two sample rounds in {sample}; run 'isms sample {sample}' first.",
        )
    store = store_path(store)
    store.parent.mkdir(parents=True, exist_ok=True)
    municipality = ""
    for f in tqdm(files, desc="Importerer runder / importing rounds", disable=not progress, unit="runde"):
        municipality = _import_once(f, store, import_round, list_rounds)
    print(t("cli.out_store", lang, store=store), file=sys.stderr)  # the store isms rounds / isms report trend read
    rounds = list_rounds(store)
    rounds = rounds[(rounds["municipality"] == municipality) & ~rounds["superseded"].fillna(False)]
    latest, previous = rounds["round"].iloc[-1], rounds["round"].iloc[-2]
    extracts, own = demo_extracts(
        store, Path(out) / ".demo" / "benchmark", rounds=len(files), municipality=municipality
    )
    quarterly = run_report(
        "quarterly", store=store, round=latest, previous_round=previous, out=out, lang=lang, pdf=pdf,
        force=True, progress=progress, peers=extracts, municipality=municipality,
    )  # fmt: skip
    trend = run_report(
        "trend", store=store, out=out, lang=lang, pdf=pdf, force=True, progress=progress,
        municipality=municipality,
    )  # fmt: skip
    peer = run_report(
        "benchmark", extracts=extracts, municipality=own, out=out, lang=lang, pdf=pdf, force=True, progress=progress
    )
    paths = [quarterly, trend, peer]
    return paths + [p.with_suffix(".pdf") for p in paths] if pdf else paths


PEERS = 10  # made-up peer municipalities in the demo's benchmark
PEER_RISKS = 300  # risks per peer round (the benchmark compares shares, so size matters little)


def demo_extracts(
    store: Path, folder: Path, *, rounds: int, peers: int = PEERS, municipality: str | None = None
) -> tuple[Path, str]:
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
    name = municipality or str(stored["municipality"].iloc[0])  # the sample's, in a store that may hold others
    for label in stored.loc[stored["municipality"] == name, "round"]:
        export_benchmark(
            folder / f"eget-{str(label).replace(' ', '-')}.parquet", store=store, round=str(label), municipality=name,
            named=True, force=True,
        )  # fmt: skip
    return folder, name


def _import_once(path: Path, store: Path, import_round: Any, list_rounds: Any) -> str:
    """Import ``path`` unless the store holds its round from the same file already;
    returns the round's municipality."""
    from .workbook import read_workbook

    assessment = read_workbook(path)
    sha = (assessment.source or {}).get("sha256")
    listing = list_rounds(store)
    same = listing[
        (listing["municipality"] == assessment.meta.get("municipality"))
        & (listing["round"] == assessment.meta.get("round"))
        & ~listing["superseded"].fillna(False)
    ]
    if not (len(same) and (same["sha256"] == sha).any()):
        import_round(assessment, store, replace=bool(len(same)))
    return str(assessment.meta.get("municipality"))
