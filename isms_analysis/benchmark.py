"""Peer benchmark: anonymised extracts per municipality and round, and the figures
that compare one municipality with the others ("Hvor står vi?").

An **extract** holds counts only, one row per group (schema in :data:`EXTRACT_COLUMNS`):

- ``kind = 'risk'``: the number of risks per (KLE main group, asset type,
  perspective, stage, level) -- with the level's rank and treatment class, so the
  peer figures ask the matrix's classes rather than a score threshold;
- ``kind = 'soa'``: the number of SoA controls per (Annex A theme, status), with
  ``not_applicable`` for controls marked not applicable and ``own`` as the theme of
  controls beyond Annex A;
- ``kind = 'action'``: the number of action-plan actions per (status, overdue);
- on every row: the round label (``YYYY Qn``), the quarter of the assessment date,
  the matrix name, and the municipality: its name only when ``named``, otherwise a
  random pseudonym kept in the store (:func:`isms_analysis.store.benchmark_pseudonym`).

It never holds risk, asset, threat, control or action IDs, names, owners, free
text, or dates more precise than the quarter; :func:`extract_strings` lists every
string it does hold so the sender can see what leaves (``isms show-extract``).

The **peer figures** are computed by the plain SQL in ``data/sql/benchmark.sql``
(see ``docs/benchmark.md``): DuckDB reads all extracts at once with
``read_parquet('DIR/*.parquet')``; :func:`peer_tables_pandas` computes the same with
pandas alone (the test checks that they agree). A figure is shown only when at least
``k`` municipalities (default 5, never below 3) contribute to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .assessment import Assessment
from .errors import UserError
from .matrix import RiskMatrix

FORMAT = 1
K_DEFAULT = 5
K_MIN = 3
SQL_FILE = Path(__file__).resolve().parent / "data" / "sql" / "benchmark.sql"
THEME_OF_MAJOR = {"5": "organisational", "6": "people", "7": "physical", "8": "technological"}
EXTRACT_COLUMNS: dict[str, str] = {
    "format": "int16",
    "municipality": "string",
    "named": "bool",
    "round": "string",
    "quarter": "string",
    "matrix": "string",
    "kind": "string",
    "kle_group": "string",
    "asset_type": "string",
    "perspective": "string",
    "stage": "string",
    "level": "string",
    "level_rank": "Int16",
    "treatment_class": "string",
    "theme": "string",
    "status": "string",
    "overdue": "boolean",
    "n": "int64",
}
# The columns whose values are strings a person could read; everything else is a number or a flag.
TEXT_COLUMNS = tuple(c for c, t in EXTRACT_COLUMNS.items() if t == "string")
_ROUND = re.compile(r"^\s*(\d{4})\s*[-/ ]?\s*[Qq]\s*([1-4])\s*$")
_ROUND_DA = re.compile(r"^\s*(\d{4})\s*[-/ ]?\s*([1-4])\.?\s*kvt\.?\s*$", re.I)


# -- building an extract ------------------------------------------------------------------------
def quarter_of(value: Any) -> str | None:
    """``YYYY Qn`` of a date; None when missing."""
    if value is None:
        return None
    ts = pd.Timestamp(value) if not isinstance(value, pd.Timestamp) else value
    if pd.isna(ts):
        return None
    return f"{ts.year} Q{(ts.month - 1) // 3 + 1}"


def round_label(label: Any, assessment_date: Any = None) -> str:
    """The round label as ``YYYY Qn``: parsed from the label ("2026 Q3", "2026-Q3",
    "2026 3. kvt."), else the quarter of the assessment date. Free text in a label
    never reaches an extract."""
    text = "" if label is None else str(label)
    for pattern in (_ROUND, _ROUND_DA):
        hit = pattern.match(text)
        if hit:
            return f"{hit.group(1)} Q{hit.group(2)}"
    q = quarter_of(assessment_date)
    if q is None:
        raise UserError(
            f"Runden '{text}' er ikke et kvartal (fx 2026 Q3), og vurderingsdatoen mangler; udtrækket kan ikke dateres.",
            f"The round '{text}' is not a quarter (e.g. 2026 Q3) and the assessment date is missing; the extract "
            "cannot be dated.",
            exit_code=1,
        )
    return q


def group_label(key: str, lang: str = "da") -> str:
    """A KLE main group of the comparison (``dim1`` of the risk rows) as the reader sees
    it: "KLE 27", or all groups (``*``) or no KLE number (``-``) in words."""
    from .text import t

    if key == "*":
        return t("benchmark.all_groups", lang)
    if key == "-":
        return t("benchmark.no_kle", lang)
    return t("benchmark.kle_group_label", lang, group=key)


def theme_of(control_ids: pd.Series) -> pd.Series:
    """The Annex A theme key of each control ID (5.x organisational ... 8.x
    technological); ``own`` for controls beyond Annex A."""
    from .catalogue import annex_a

    ids = control_ids.astype("string").str.strip()
    annex = set(annex_a()["control_id"].astype(str))
    major = ids.str.extract(r"^(\d+)\.", expand=False).map(THEME_OF_MAJOR)
    return major.where(ids.isin(annex), "own").fillna("own").astype("string")


def _level_keys(levels: pd.Series, m: RiskMatrix) -> tuple[pd.Series, pd.Series, pd.Series]:
    names = {lv.name_da: i for i, lv in enumerate(m.levels)} | {lv.name_en: i for i, lv in enumerate(m.levels)}
    names |= {lv.key: i for i, lv in enumerate(m.levels)}
    idx = levels.astype("string").map(names)
    keys = pd.Series([lv.key for lv in m.levels], dtype="string")
    classes = pd.Series([lv.treatment for lv in m.levels], dtype="string")
    pos = idx.fillna(-1).astype(int).to_numpy()
    ok = pos >= 0
    key = pd.Series(pd.NA, index=levels.index, dtype="string")
    cls = pd.Series(pd.NA, index=levels.index, dtype="string")
    key[ok] = keys.to_numpy()[pos[ok]]
    cls[ok] = classes.to_numpy()[pos[ok]]
    rank = pd.Series(pd.array(np.where(ok, pos + 1, 0), dtype="Int16"), index=levels.index).where(ok)
    return key, rank, cls


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for col, dtype in EXTRACT_COLUMNS.items():
        s = frame[col] if col in frame.columns else pd.Series(pd.NA, index=frame.index)
        out[col] = s.astype(dtype)
    return pd.DataFrame(out, index=frame.index).reset_index(drop=True)


def build_extract(
    assessment: Assessment,
    scores: pd.DataFrame | None = None,
    *,
    matrix: str | Path | RiskMatrix | None = None,
    municipality: str,
    named: bool = False,
    as_of: Any = None,
) -> pd.DataFrame:
    """The benchmark extract of one round: counts only (see the module docstring).

    ``municipality`` is what the extract calls the municipality (the pseudonym, or the
    name when ``named``). ``as_of`` (default: the assessment date) decides which
    actions are overdue.

    Columns (dtype): ``format`` (int16), ``municipality`` (string), ``named`` (bool),
    ``round``, ``quarter``, ``matrix``, ``kind`` (string), ``kle_group``, ``asset_type``,
    ``perspective``, ``stage`` (string keys), ``level`` (string, the matrix's level key,
    see docs/vocabulary.md), ``level_rank`` (Int16), ``treatment_class``, ``theme``,
    ``status`` (string), ``overdue`` (boolean), ``n`` (int64, the count).
    """
    from .matrix import matrix as get_matrix
    from .scoring import score

    meta = assessment.meta
    m = get_matrix(matrix if matrix is not None else (meta.get("matrix") or "kl"))
    if scores is None:
        scores = score(assessment, m)
    label = round_label(meta.get("round"), meta.get("assessment_date"))
    day = pd.Timestamp(as_of if as_of is not None else meta.get("assessment_date") or pd.Timestamp.today()).normalize()
    common = {
        "format": FORMAT,
        "municipality": str(municipality),
        "named": bool(named),
        "round": label,
        "quarter": quarter_of(meta.get("assessment_date")) or label,
        "matrix": m.name,
    }

    # risks: (KLE main group, asset type, perspective, stage, level)
    from .activities import main_group

    assets = assessment.assets.drop_duplicates("asset_id").set_index("asset_id")
    asset_ids = scores["asset_id"].astype("string")
    kle = main_group(asset_ids.map(assets["kle"].astype("string")).astype("string"))
    a_type = asset_ids.map(assets["type"].astype("string")).astype("string")
    level, rank, tclass = _level_keys(scores["level"], m)
    risk = pd.DataFrame(
        {
            "kle_group": kle.to_numpy(),
            "asset_type": a_type.to_numpy(),
            "perspective": scores["perspective"].astype("string").to_numpy(),
            "stage": scores["stage"].astype("string").to_numpy(),
            "level": level.to_numpy(),
            "level_rank": rank.to_numpy(),
            "treatment_class": tclass.to_numpy(),
        }
    )
    keys = list(risk.columns)
    risk = risk.groupby(keys, dropna=False, sort=True).size().rename("n").reset_index().assign(kind="risk")

    # SoA: (Annex A theme, status)
    parts = [risk]
    if assessment.soa is not None and len(assessment.soa):
        soa = assessment.soa.drop_duplicates("control_id")
        status = soa["status"].astype("string").fillna("missing")
        status = status.where(soa["applicable"].astype("boolean").fillna(True), "not_applicable")
        frame = pd.DataFrame({"theme": theme_of(soa["control_id"]).to_numpy(), "status": status.to_numpy()})
        parts.append(frame.groupby(["theme", "status"], sort=True).size().rename("n").reset_index().assign(kind="soa"))
    # action plan: (status, overdue)
    if assessment.actions is not None and len(assessment.actions):
        act = assessment.actions
        status = act["status"].astype("string").fillna("missing")
        deadline = pd.to_datetime(act["deadline"])
        overdue = (deadline < day).fillna(False).to_numpy(dtype=bool) & (status != "done").to_numpy(dtype=bool)
        frame = pd.DataFrame({"status": status.to_numpy(), "overdue": overdue})
        parts.append(
            frame.groupby(["status", "overdue"], sort=True).size().rename("n").reset_index().assign(kind="action")
        )
    out = pd.concat(parts, ignore_index=True)
    for col, value in common.items():
        out[col] = value
    return _typed(out)


def extract_strings(extract: pd.DataFrame) -> list[str]:
    """Every distinct string an extract holds (what a reader of the file can see)."""
    values: set[str] = set()
    for col in TEXT_COLUMNS:
        if col in extract.columns:
            values.update(str(v) for v in extract[col].dropna().unique())
    return sorted(values)


def write_extract(extract: pd.DataFrame, path: str | Path) -> Path:
    """Write an extract as Parquet (atomically: a temporary file moved into place)."""
    import os
    import tempfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".parquet", dir=path.parent)
    os.close(fd)
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        # no pandas metadata in the file: only the columns and their values leave
        table = pa.Table.from_pandas(_typed(extract), preserve_index=False).replace_schema_metadata(None)
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def read_extract(path: str | Path) -> pd.DataFrame:
    """One extract file, checked to be an extract of this format.

    Columns (dtype): those of :func:`build_extract`.
    """
    path = Path(path)
    if not path.exists():
        raise UserError(f"Udtrækket findes ikke: {path}", f"The extract does not exist: {path}")
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure means "not an extract"
        raise UserError(
            f"{path.name} kan ikke læses som et benchmark-udtræk (Parquet): {type(exc).__name__}.",
            f"{path.name} cannot be read as a benchmark extract (Parquet): {type(exc).__name__}.",
        ) from None
    missing = [c for c in EXTRACT_COLUMNS if c not in frame.columns]
    if missing:
        raise UserError(
            f"{path.name} er ikke et benchmark-udtræk (mangler {', '.join(missing)}).",
            f"{path.name} is not a benchmark extract (missing {', '.join(missing)}).",
            exit_code=1,
        )
    return _typed(frame)


def export_benchmark(
    out: str | Path,
    *,
    workbook: str | Path | None = None,
    store: str | Path | None = None,
    round: str | None = None,  # noqa: A002 - the name users know
    municipality: str | None = None,
    named: bool = False,
    activities: str | Path | None = None,
    force: bool = False,
) -> tuple[Path, pd.DataFrame]:
    """Build and write the extract of one round, from a workbook or the store.

    The pseudonym is kept in the store (``store``; with a workbook and no store, the
    default store ``$ISMS_STORE`` or ``data/isms.duckdb``)."""
    from .store import benchmark_pseudonym, store_path

    out = Path(out)
    if out.exists() and not force:
        raise UserError(
            f"{out.name} findes allerede; brug --force for at overskrive.",
            f"{out.name} already exists; use --force to overwrite.",
        )
    if (workbook is None) == (round is None):
        raise UserError(
            "Angiv enten --workbook FIL eller --store STI --round RUNDE.",
            "Give either --workbook FILE or --store PATH --round LABEL.",
        )
    matrix = None
    if workbook is not None:
        from .workbook import read_workbook

        assessment = read_workbook(workbook, activities=activities)
    else:
        from .store import load_matrix, load_round, round_municipality

        name = round_municipality(store_path(store), str(round), municipality)
        assessment = load_round(store_path(store), name, str(round))
        matrix = load_matrix(store_path(store), name, str(round))
        if activities is not None:
            from .activities import apply_activities

            assessment = apply_activities(assessment, activities)
    name = str(assessment.meta.get("municipality") or "").strip()
    if not name:
        raise UserError("Runden mangler kommunens navn (arket Om).", "The round lacks the municipality (About sheet).", exit_code=1)
    who = name if named else benchmark_pseudonym(store_path(store), name)
    extract = build_extract(assessment, matrix=matrix, municipality=who, named=named)
    return write_extract(extract, out), extract


def describe_extract(extract: pd.DataFrame, lang: str = "da") -> str:
    """What an extract holds, for the person about to send it (``isms show-extract``)."""
    from .text import t

    first = extract.iloc[0] if len(extract) else None
    lines = []
    if first is not None:
        key = "benchmark.describe_named" if bool(first["named"]) else "benchmark.describe_pseudonym"
        lines.append(t(key, lang, who=first["municipality"]))
        fields = {"round": first["round"], "quarter": first["quarter"], "matrix": first["matrix"]}
        lines.append(t("benchmark.describe_round", lang, **fields))
    kinds = {
        "risk": ["kle_group", "asset_type", "perspective", "stage", "level"],
        "soa": ["theme", "status"],
        "action": ["status", "overdue"],
    }
    for kind, cols in kinds.items():
        part = extract[extract["kind"] == kind]
        lines.append("")
        what = t(f"benchmark.describe_{kind}", lang)
        lines.append(t("benchmark.describe_part", lang, what=what, rows=len(part), n=int(part["n"].sum())))
        if len(part):
            shown = part[[*cols, "n"]].astype(object).where(part[[*cols, "n"]].notna(), "-")
            lines.append(shown.to_string(index=False))
    lines.append("")
    lines.append(t("benchmark.describe_strings", lang, values=", ".join(extract_strings(extract))))
    lines.append(t("benchmark.describe_nothing_personal", lang))
    return "\n".join(lines)


# -- the peer figures ---------------------------------------------------------------------------
@lru_cache(maxsize=1)
def sql_queries() -> dict[str, str]:
    """The named queries of ``data/sql/benchmark.sql`` (name -> SQL without the ';')."""
    text = SQL_FILE.read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for chunk in re.split(r"^-- name:\s*", text, flags=re.M)[1:]:
        name, _, body = chunk.partition("\n")
        out[name.strip()] = body.strip().rstrip(";").strip()
    return out


def check_k(k: int) -> int:
    """The k-anonymity threshold, refused below :data:`K_MIN`."""
    k = int(k)
    if k < K_MIN:
        raise UserError(
            f"Mindst {K_MIN} kommuner skal bidrage til et tal (ikke {k}).",
            f"At least {K_MIN} municipalities must contribute to a figure (not {k}).",
        )
    return k


def _glob(directory: str | Path) -> tuple[Path, list[Path]]:
    d = Path(directory)
    if not d.is_dir():
        raise UserError(f"Mappen med udtræk findes ikke: {d}", f"The extract folder does not exist: {d}")
    files = sorted(d.glob("*.parquet"))
    if not files:
        raise UserError(f"Ingen udtræk (*.parquet) i {d}.", f"No extracts (*.parquet) in {d}.")
    return d, files


def peer_tables(directory: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(municipality_figures, peer_figures) for every extract in ``directory``, with
    DuckDB reading all the Parquet files at once and running ``benchmark.sql``.

    Two extracts of the same municipality and round are refused (they would count twice).

    Columns (dtype): municipality_figures -- ``municipality``, ``round``, ``metric``,
    ``dim1``, ``dim2`` (string), ``hits``, ``total`` (int64), ``share`` (float64);
    peer_figures -- ``round``, ``metric``, ``dim1``, ``dim2`` (string),
    ``municipalities`` (int64), ``q1``, ``median``, ``q3`` (float64).
    """
    import duckdb

    d, _ = _glob(directory)
    pattern = str(d.resolve() / "*.parquet").replace("'", "''")
    q = sql_queries()
    con = duckdb.connect()
    try:
        try:
            # every file read once, all at once, into one in-memory table the queries share
            con.execute(f"CREATE TEMP TABLE extracts AS SELECT * FROM read_parquet('{pattern}', filename = true)")
            twice = con.execute(
                "SELECT municipality, round, string_agg(DISTINCT filename, ', ') FROM extracts "
                "GROUP BY municipality, round HAVING COUNT(DISTINCT filename) > 1 ORDER BY 1, 2"
            ).fetchall()
        except duckdb.Error as exc:
            raise UserError(
                f"Udtrækkene i {d} kan ikke læses: {exc}", f"The extracts in {d} cannot be read: {exc}"
            ) from None
        if twice:
            mun, rnd, files = twice[0]
            names = ", ".join(Path(f).name for f in str(files).split(", "))
            raise UserError(
                f"{mun} {rnd} findes i flere udtræk ({names}); fjern de overskydende.",
                f"{mun} {rnd} is in more than one extract ({names}); remove the extra ones.",
                exit_code=1,
            )
        con.execute(f"CREATE TEMP TABLE municipality_figures AS {q['municipality_figures']}")
        own = con.execute("SELECT * FROM municipality_figures").df()
        peers = con.execute(q["peer_figures"]).df()
        named = [r[0] for r in con.execute("SELECT DISTINCT municipality FROM extracts WHERE named ORDER BY 1").fetchall()]
    finally:
        con.close()
    own, peers = _tidy(own, peers)
    own.attrs["named"] = named
    return own, peers


def peer_tables_pandas(extracts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same two tables as :func:`peer_tables`, computed with pandas alone from
    the concatenated extract frames (a second implementation of ``benchmark.sql``)."""
    e = extracts
    parts = []
    risk = e[(e["kind"] == "risk") & (e["stage"] == "residual")]
    hits = np.where(_mask(risk["treatment_class"] != "acceptable"), risk["n"].to_numpy(), 0)
    base = pd.DataFrame(
        {
            "municipality": risk["municipality"],
            "round": risk["round"],
            "dim1": risk["kle_group"].fillna("-"),
            "dim2": risk["perspective"],
            "hits": hits,
            "total": risk["n"],
        }
    )
    by_group = base.groupby(["municipality", "round", "dim1", "dim2"], as_index=False)[["hits", "total"]].sum()
    overall = base.groupby(["municipality", "round", "dim2"], as_index=False)[["hits", "total"]].sum().assign(dim1="*")
    parts += [by_group.assign(metric="risk_share"), overall.assign(metric="risk_share")]
    soa = e[(e["kind"] == "soa") & (e["status"] != "not_applicable")]
    parts.append(
        pd.DataFrame(
            {
                "municipality": soa["municipality"], "round": soa["round"], "dim1": soa["theme"], "dim2": "",
                "hits": np.where(_mask(soa["status"] == "implemented"), soa["n"].to_numpy(), 0), "total": soa["n"],
            }
        ).groupby(["municipality", "round", "dim1", "dim2"], as_index=False)[["hits", "total"]].sum().assign(metric="soa_implemented")
    )  # fmt: skip
    act = e[e["kind"] == "action"]
    parts.append(
        pd.DataFrame(
            {
                "municipality": act["municipality"], "round": act["round"], "dim1": "", "dim2": "",
                "hits": np.where(_mask(act["overdue"]), act["n"].to_numpy(), 0), "total": act["n"],
            }
        ).groupby(["municipality", "round", "dim1", "dim2"], as_index=False)[["hits", "total"]].sum().assign(metric="actions_overdue")
    )  # fmt: skip
    own = pd.concat(parts, ignore_index=True)
    own = own[own["total"] > 0].copy()
    own["share"] = own["hits"] / own["total"]
    keys = ["round", "metric", "dim1", "dim2"]
    g = own.groupby(keys)["share"]
    peers = pd.DataFrame(
        {
            "municipalities": g.size(),
            "q1": g.quantile(0.25),
            "median": g.quantile(0.5),
            "q3": g.quantile(0.75),
        }
    ).reset_index()
    return _tidy(own, peers)


def _mask(values: pd.Series) -> np.ndarray:
    return values.astype("boolean").fillna(False).to_numpy(dtype=bool)


def _tidy(own: pd.DataFrame, peers: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    own_cols = ["municipality", "round", "metric", "dim1", "dim2", "hits", "total", "share"]
    peer_cols = ["round", "metric", "dim1", "dim2", "municipalities", "q1", "median", "q3"]
    own = own[own_cols].astype(
        {"municipality": "string", "round": "string", "metric": "string", "dim1": "string", "dim2": "string",
         "hits": "int64", "total": "int64", "share": "float64"}
    )  # fmt: skip
    peers = peers[peer_cols].astype(
        {"round": "string", "metric": "string", "dim1": "string", "dim2": "string", "municipalities": "int64",
         "q1": "float64", "median": "float64", "q3": "float64"}
    )  # fmt: skip
    own = own.sort_values(own_cols[:5], kind="stable").reset_index(drop=True)
    peers = peers.sort_values(peer_cols[:4], kind="stable").reset_index(drop=True)
    return own, peers


def read_extracts(directory: str | Path) -> pd.DataFrame:
    """Every extract in ``directory`` as one frame (for pandas, notebooks and tests).

    Columns (dtype): those of :func:`build_extract`, one file after the other.
    """
    _, files = _glob(directory)
    return pd.concat([read_extract(f) for f in files], ignore_index=True)


# -- one municipality against its peers ---------------------------------------------------------
def resolve_municipality(own: pd.DataFrame, wanted: str | None, named: dict[str, str] | None = None) -> str:
    """The municipality (as the extracts call it) the report is for: the given name or
    pseudonym, else the only named one, else an error listing the choices."""
    known = sorted(own["municipality"].dropna().unique().tolist())
    if wanted:
        if wanted in known:
            return wanted
        folded = {k.casefold(): k for k in known}
        if wanted.casefold() in folded:
            return folded[wanted.casefold()]
        raise UserError(
            f"Kommunen '{wanted}' findes ikke i udtrækkene (kendte: {', '.join(known[:20])}"
            f"{' …' if len(known) > 20 else ''}).",
            f"The municipality '{wanted}' is not in the extracts (known: {', '.join(known[:20])}"
            f"{' …' if len(known) > 20 else ''}).",
        )
    named_ones = sorted((named or {}).keys())
    if len(named_ones) == 1:
        return named_ones[0]
    raise UserError(
        "Angiv kommunen (--municipality NAVN_ELLER_PSEUDONYM); udtrækkene har flere.",
        "Give the municipality (--municipality NAME_OR_PSEUDONYM); the extracts hold several.",
    )


def compare(own: pd.DataFrame, peers: pd.DataFrame, municipality: str, round_: str, k: int = K_DEFAULT) -> pd.DataFrame:
    """The municipality's shares next to the peers' median and quartiles, one row per
    figure of ``round_``. Figures with fewer than ``k`` contributing municipalities
    are suppressed (median/quartiles missing, ``suppressed`` true); ``outside`` marks
    figures where the municipality lies outside the peers' interquartile range
    (``direction`` "above" or "below")."""
    k = check_k(k)
    mine = own[(own["municipality"] == municipality) & (own["round"] == round_)]
    p = peers[peers["round"] == round_]
    keys = ["metric", "dim1", "dim2"]
    out = mine[[*keys, "hits", "total", "share"]].merge(p[[*keys, "municipalities", "q1", "median", "q3"]], on=keys, how="left")
    out["municipalities"] = out["municipalities"].fillna(0).astype("int64")
    out["suppressed"] = out["municipalities"] < k
    for c in ("q1", "median", "q3"):
        out[c] = out[c].where(~out["suppressed"])
    above = (out["share"] > out["q3"]).fillna(False)
    below = (out["share"] < out["q1"]).fillna(False)
    out["outside"] = above | below
    out["direction"] = pd.Series(np.where(above, "above", np.where(below, "below", "")), index=out.index).astype("string")
    out["distance"] = np.where(above, out["share"] - out["q3"], np.where(below, out["q1"] - out["share"], 0.0))
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


@dataclass
class BenchmarkContext:
    """Everything the peer report shows: the comparison and where it came from."""

    municipality: str
    round: str
    k: int
    lang: str
    comparison: pd.DataFrame
    own: pd.DataFrame
    peers: pd.DataFrame
    extracts: int
    municipalities: int
    rounds: list[str]
    params: dict[str, Any] = field(default_factory=dict)


def load_benchmark(
    extracts: str | Path,
    municipality: str | None = None,
    round: str | None = None,  # noqa: A002
    k: int = K_DEFAULT,
    lang: str = "da",
) -> BenchmarkContext:
    """Read every extract in the folder, pick the municipality and round (default: its
    newest) and compare it with the peers."""
    from .text import check_lang

    check_lang(lang)
    k = check_k(k)
    d, files = _glob(extracts)
    own, peers = peer_tables(d)
    who = resolve_municipality(own, municipality, {n: n for n in own.attrs.get("named", [])})
    rounds = sorted(own.loc[own["municipality"] == who, "round"].unique().tolist())
    if round is not None:
        wanted = round_label(round)
        if wanted not in rounds:
            raise UserError(
                f"Runden {round} findes ikke i {who}s udtræk (har: {', '.join(rounds)}).",
                f"Round {round} is not in {who}'s extracts (has: {', '.join(rounds)}).",
            )
        chosen = wanted
    else:
        chosen = rounds[-1]
    comparison = compare(own, peers, who, chosen, k)
    in_round = own.loc[own["round"] == chosen, "municipality"].nunique()
    params = {"extracts": d.name, "municipality": who, "round": chosen, "k": k, "lang": lang}
    return BenchmarkContext(
        municipality=who, round=chosen, k=k, lang=lang, comparison=comparison, own=own, peers=peers,
        extracts=len(files), municipalities=int(in_round), rounds=rounds, params=params,
    )  # fmt: skip


__all__ = [
    "BenchmarkContext",
    "build_extract",
    "compare",
    "describe_extract",
    "export_benchmark",
    "extract_strings",
    "load_benchmark",
    "peer_tables",
    "peer_tables_pandas",
    "read_extract",
    "read_extracts",
    "round_label",
    "sql_queries",
    "write_extract",
]
