"""Several distinct synthetic municipalities for the peer benchmark
(``isms sample DIR --municipalities N``).

Each municipality is the sample generator's output (:func:`isms_analysis.sample.generate`)
with its own seed, varied afterwards so that the municipalities differ the way real
ones do:

- **name**: a made-up town name (never one of the 98 real municipalities);
- **size**: the number of risks is drawn between 40 % and 100 % of ``risks``;
- **KLE activities**: each KLE main group of the processing activities is kept with
  probability 0.7, so some municipalities share a group and others do not have it;
  every third municipality left the data-subject consequences of its listed
  processing activities blank, to inherit them from the shared list
  (``behandlingsaktiviteter.csv``, written next to the workbooks);
- **tolerance**: each area's tolerance is drawn among the levels the matrix lets
  management accept;
- **SoA maturity**: a maturity between -0.4 and +0.4 moves a fixed share of the
  controls up to implemented (or down to partly implemented);
- **risk appetite**: a fixed share of the residual likelihoods is one step higher
  (never above the inherent likelihood) or lower.

Deterministic: the same ``n``, ``rounds``, ``risks`` and ``seed`` give equal frames
and byte-identical files.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from .assessment import CIA, Assessment

ACTIVITY_LIST = Path(__file__).resolve().parent / "data" / "activities" / "eksempel-behandlingsaktiviteter.csv"
_PREFIXES = (
    "Ager", "Bakke", "Birke", "Fjord", "Have", "Kilde", "Lynge", "Mose", "Skov", "Strand",
    "Sø", "Vester", "Øster", "Eng", "Hede", "Dal", "Å", "Bøge",
)  # fmt: skip
_SUFFIXES = ("holm", "lund", "rup", "sted", "vig", "bjerg", "høj", "mark", "løse", "torp")


def municipality_names(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct made-up municipality names ("Agerholm Kommune", ...)."""
    combos = [f"{p}{s}" for p in _PREFIXES for s in _SUFFIXES]
    order = np.random.default_rng([seed, 15]).permutation(len(combos))[:n]
    return [f"{combos[i]} Kommune" for i in order]


def _uniform_by(ids: pd.Series, rng_seed: list[int]) -> np.ndarray:
    """A fixed uniform number per distinct ID (the same in every round)."""
    keys = pd.Index(sorted(set(ids.astype(str))))
    u = np.random.default_rng(rng_seed).random(len(keys))
    return u[keys.get_indexer(ids.astype(str))]


def _vary(rounds_: list[Assessment], i: int, name: str, seed: int, shared: pd.DataFrame) -> list[Assessment]:
    from .activities import match_kle
    from .matrix import matrix as get_matrix

    rng = np.random.default_rng([seed, i, 1])
    m = get_matrix(rounds_[-1].meta.get("matrix") or "kl")
    acceptable = [lv.name_da for lv in m.levels if lv.treatment in ("acceptable", "may_accept")]
    maturity = float(rng.uniform(-0.4, 0.4))
    appetite = float(rng.uniform(-0.3, 0.3))
    blank_ds = i % 3 == 1
    groups = sorted({str(k)[:2] for a in rounds_ for k in a.assets["kle"].dropna()})
    kept_groups = {g for g in groups if rng.random() < 0.7}
    out = []
    for a in rounds_:
        assets = a.assets.copy()
        group = assets["kle"].astype("string").str.slice(0, 2)
        assets["kle"] = assets["kle"].where(group.isin(kept_groups).fillna(False))
        if blank_ds:
            listed = (match_kle(assets["kle"], shared["kle"])["position"] >= 0).to_numpy()
            is_act = (assets["type"] == "processing_activity").fillna(False).to_numpy(dtype=bool)
            for p in CIA:
                col = f"consequence_data_subject_{p}"
                assets[col] = assets[col].mask(listed & is_act)
        profile = a.profile.copy() if a.profile is not None else None
        if profile is not None:
            pick = np.random.default_rng([seed, i, 2]).integers(0, len(acceptable), len(profile))
            profile["max_accepted_level"] = [acceptable[k] for k in pick]
        soa = a.soa.copy() if a.soa is not None else None
        if soa is not None and len(soa):
            u = _uniform_by(soa["control_id"], [seed, i, 3])
            status = soa["status"].astype("string")
            applicable = soa["applicable"].astype("boolean").fillna(True).to_numpy(dtype=bool)
            if maturity > 0:
                up = applicable & (u < maturity) & (status != "implemented").fillna(True).to_numpy(dtype=bool)
                status = status.mask(up, "implemented")
            else:
                down = applicable & (u < -maturity) & (status == "implemented").fillna(False).to_numpy(dtype=bool)
                status = status.mask(down, "partly")
            soa["status"] = status
        risks = a.risks.copy()
        u = _uniform_by(risks["risk_id"], [seed, i, 4])
        inherent = risks["likelihood"].astype("Int16")
        residual = risks["residual_likelihood"].astype("Int16").fillna(inherent)
        if appetite > 0:
            moved = (residual + 1).clip(upper=inherent)
            change = u < appetite
        else:
            moved = (residual - 1).clip(lower=1)
            change = u < -appetite
        risks["residual_likelihood"] = residual.mask(change, moved).astype("Int8")
        meta = {**a.meta, "municipality": name}
        out.append(dataclasses.replace(a, assets=assets, profile=profile, soa=soa, risks=risks, meta=meta))
    return out


def generate_municipalities(n: int, rounds: int = 8, risks: int = 1500, seed: int = 0) -> list[list[Assessment]]:
    """``n`` distinct municipalities, each a list of rounds (oldest first)."""
    from .activities import read_activities
    from .sample import generate

    if n < 1:
        raise ValueError("n must be at least 1")
    shared = read_activities(ACTIVITY_LIST)
    names = municipality_names(n, seed)
    out = []
    for i, name in enumerate(names):
        size = float(np.random.default_rng([seed, i, 0]).uniform(0.4, 1.0))
        base = generate(rounds=rounds, risks=max(40, int(risks * size)), seed=seed * 1009 + i + 1)
        out.append(_vary(base, i, name, seed, shared))
    return out


def slug(name: str) -> str:
    """A folder/file name for a municipality ("Agerholm Kommune" -> "agerholm-kommune")."""
    from .paths import safe_name

    return safe_name(name.casefold().replace(" ", "-"))


def write_municipalities(
    directory: str | Path, n: int, rounds: int = 8, risks: int = 1500, seed: int = 0, lang: str = "da"
) -> list[Path]:
    """Write each municipality's rounds as KL-style workbooks under
    ``directory/<municipality>/`` and the shared activity list next to them.
    Returns the workbook paths."""
    from .template import write_workbook

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    all_rounds = generate_municipalities(n, rounds=rounds, risks=risks, seed=seed)
    for rounds_ in all_rounds:
        name = rounds_[-1].meta["municipality"]
        folder = directory / slug(name)
        folder.mkdir(exist_ok=True)
        for a in rounds_:
            label = str(a.meta["round"]).replace(" ", "-")
            paths.append(Path(write_workbook(a, folder / f"{slug(name)}-{label}.xlsx", lang=lang)))
    shutil.copyfile(ACTIVITY_LIST, directory / "behandlingsaktiviteter.csv")
    (directory / "README.md").write_text(_readme(all_rounds, rounds, risks, seed), encoding="utf-8")
    return paths


def write_extracts(
    municipalities: list[list[Assessment]], directory: str | Path, *, seed: int = 0, named: bool = False
) -> list[Path]:
    """Benchmark extracts of every round of every municipality, one Parquet file each.
    Without a store, the pseudonyms are drawn from ``seed`` (stable across rounds)."""
    from .activities import apply_activities, read_activities
    from .benchmark import build_extract, write_extract

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    shared = read_activities(ACTIVITY_LIST)
    tokens = np.random.default_rng([seed, 16]).integers(0, 16**8, size=len(municipalities))
    paths = []
    for k, rounds_ in enumerate(municipalities):
        name = rounds_[-1].meta["municipality"]
        who = name if named else f"K-{int(tokens[k]):08x}"
        for a in rounds_:
            extract = build_extract(apply_activities(a, shared), municipality=who, named=named)
            label = str(extract["round"].iloc[0]).replace(" ", "-")
            paths.append(write_extract(extract, directory / f"{slug(who)}-{label}.parquet"))
    return paths


def _readme(all_rounds: list[list[Assessment]], rounds: int, risks: int, seed: int) -> str:
    names = [r[-1].meta["municipality"] for r in all_rounds]
    sizes = [len(r[-1].risks) for r in all_rounds]
    lines = [
        "# Eksempelkommuner til benchmark / sample municipalities for the benchmark",
        "",
        f"Genereret med / generated with `isms sample DIR --municipalities {len(names)} --rounds {rounds} "
        f"--risks {risks} --seed {seed}`.",
        "",
        "Opdigtede kommuner med hver sin mappe af kvartalsvise arbejdsbøger. De adskiller sig i størrelse, "
        "tolerance, SoA-modenhed og risikovillighed, og kun nogle har de samme KLE-grupper. Hver tredje har "
        "ladet konsekvensen for de registrerede stå tom for de behandlingsaktiviteter, der står i den fælles "
        "liste `behandlingsaktiviteter.csv` (en opdigtet eksempelliste); læs dem med `--activities "
        "behandlingsaktiviteter.csv`.",
        "",
        "Made-up municipalities, each with a folder of quarterly workbooks; they differ in size, tolerance, SoA "
        "maturity and risk appetite, and only some share KLE groups. Every third left the data-subject "
        "consequences of its listed processing activities blank, to inherit them with `--activities "
        "behandlingsaktiviteter.csv` (a made-up example list).",
        "",
        "| kommune / municipality | risici / risks (newest round) |",
        "|---|---|",
        *[f"| {n} | {s} |" for n, s in zip(names, sizes, strict=True)],
        "",
    ]
    return "\n".join(lines)


__all__ = [
    "generate_municipalities", "municipality_names", "sample_benchmark", "write_extracts",
    "write_municipalities",
]


def sample_benchmark(folder: str | Path | None = None, peers: int = 10, risks: int = 300) -> tuple[Path, str]:
    """A folder of extracts to try the peer report on: the bundled sample's rounds
    (named, read from ``data/sample``) and ``peers`` made-up municipalities over the
    same number of rounds. ``folder`` defaults to a new temporary folder. Returns the
    folder and the sample municipality's name."""
    import tempfile

    from .benchmark import build_extract, write_extract
    from .sample import require_sample_workbooks
    from .workbook import read_workbook

    files = require_sample_workbooks()
    folder = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="isms-benchmark-"))
    folder.mkdir(parents=True, exist_ok=True)
    write_extracts(generate_municipalities(peers, rounds=len(files), risks=risks, seed=0), folder)
    name = ""
    for f in files:
        a = read_workbook(f)
        name = str(a.meta["municipality"])
        extract = build_extract(a, municipality=name, named=True)
        write_extract(extract, folder / f"{slug(name)}-{str(extract['round'].iloc[0]).replace(' ', '-')}.parquet")
    return folder, name
