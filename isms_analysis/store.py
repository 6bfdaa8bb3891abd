"""The store of approved assessment rounds: one embedded DuckDB file.

KL's playbook asks that risk assessments are repeated with the same method so the
results can be compared between rounds. The store keeps every approved round as it
was imported: all sheets, the scored frame, the matrix used (name and cells), the
source file's fingerprint (name, sha256, size), the approval fields and the time of
import -- keyed by (municipality, round, version).

Rules:

- A round is immutable. Importing a (municipality, round) that exists is refused
  unless ``replace=True``, which stores version n+1 and marks the earlier version
  superseded. Superseded versions are listed and loadable; nothing is deleted.
- An import is one DuckDB transaction: an import that is killed half-way leaves the
  store as it was.
- DuckDB holds a file lock while a process has the store open; a second process gets
  a clear "store is busy" message instead of waiting or corrupting anything.
- A file that is not a readable DuckDB store is reported, never used.

The default store is ``data/isms.duckdb``; the ``ISMS_STORE`` environment variable
overrides it and an explicit argument overrides both.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from .assessment import Assessment
from .errors import UserError
from .matrix import RiskMatrix
from .matrix import matrix as get_matrix
from .scoring import score as score_assessment

DEFAULT_STORE = Path("data") / "isms.duckdb"
STORE_FORMAT = "1"
SHEETS = ("assets", "threats", "risks", "profile", "soa", "actions", "wheel", "problems")
KEYS = ("municipality", "round", "version")
ROUND_COLUMNS = (
    "municipality", "round", "date", "risks", "approved_by", "approved_date", "sha256", "version",
    "superseded", "matrix", "source_name", "size", "imported_at",
)  # fmt: skip
PAUSE_ENV = "ISMS_STORE_PAUSE"  # test hook: "<point>[:seconds]" sleeps inside the import transaction


class StoreBusy(UserError):
    """Another process has the store open."""


class StoreCorrupt(UserError):
    """The store file cannot be read as a DuckDB store."""


class RoundExists(UserError):
    """The round is already in the store (rounds are immutable)."""


class RoundNotFound(UserError):
    """The requested round (or version) is not in the store."""


# -- paths and connections -------------------------------------------------------------
def store_path(store: str | Path | None = None) -> Path:
    """The store file: the argument, else ``$ISMS_STORE``, else ``data/isms.duckdb``."""
    if store is not None and str(store) != "":
        return Path(store)
    env = os.environ.get("ISMS_STORE", "").strip()
    return Path(env) if env else DEFAULT_STORE


_LOCK_MARKERS = ("could not set lock", "conflicting lock", "database is locked")


def _translate(exc: BaseException, path: Path) -> UserError:
    text = str(exc)
    if any(m in text.casefold() for m in _LOCK_MARKERS):
        return StoreBusy(
            f"Lageret er optaget: en anden proces bruger {path} lige nu. Prøv igen om lidt.",
            f"The store is busy: another process is using {path} right now. Try again shortly.",
        )
    return StoreCorrupt(
        f"Lageret {path} kan ikke læses og bruges ikke (filen er beskadiget eller ikke et "
        f"isms-lager): {text}",
        f"The store {path} cannot be read and is not used (the file is damaged or not an "
        f"isms store): {text}",
    )


# Errors raised while reading a damaged file; binder/catalog errors from our own SQL are not among them.
_STORAGE_ERRORS = (
    duckdb.IOException,
    duckdb.SerializationException,
    duckdb.InternalException,
    duckdb.FatalException,
    duckdb.InvalidInputException,
)


@contextmanager
def _connect(path: Path, *, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    if read_only and not path.exists():
        raise RoundNotFound(f"Lageret {path} findes ikke.", f"The store {path} does not exist.")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise _translate(exc, path) from None
    try:
        try:
            _ensure_schema(con, path, read_only)
        except duckdb.Error as exc:
            raise _translate(exc, path) from None
        try:
            yield con
        except _STORAGE_ERRORS as exc:
            raise _translate(exc, path) from None
    finally:
        con.close()


def _ensure_schema(con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "rounds" in tables and "store_info" in tables:
        fmt = _one(con, "SELECT value FROM store_info WHERE key = 'format'")
        if fmt is None or fmt[0] != STORE_FORMAT:
            raise StoreCorrupt(
                f"{path} har et ukendt lagerformat ({fmt[0] if fmt else '?'}).",
                f"{path} has an unknown store format ({fmt[0] if fmt else '?'}).",
            )
        # Touch the rounds table so damaged data pages are found now, not later.
        _one(con, "SELECT count(*) FROM rounds")
        return
    if tables:
        raise StoreCorrupt(
            f"{path} er en DuckDB-fil, men ikke et isms-lager.",
            f"{path} is a DuckDB file but not an isms store.",
        )
    if read_only:
        return  # an empty database: nothing stored yet
    con.execute("BEGIN TRANSACTION")
    con.execute("CREATE TABLE store_info (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO store_info VALUES ('format', ?)", [STORE_FORMAT])
    con.execute(
        """
        CREATE TABLE rounds (
            municipality VARCHAR NOT NULL,
            round VARCHAR NOT NULL,
            version INTEGER NOT NULL,
            assessment_date DATE,
            prepared_by VARCHAR,
            approved_by VARCHAR,
            approved_date DATE,
            matrix VARCHAR,
            matrix_json VARCHAR,
            tolerance_json VARCHAR,
            source_name VARCHAR,
            sha256 VARCHAR,
            size BIGINT,
            imported_at TIMESTAMP,
            risks INTEGER,
            superseded BOOLEAN NOT NULL DEFAULT false,
            meta_json VARCHAR,
            schema_json VARCHAR,
            PRIMARY KEY (municipality, round, version)
        )
        """
    )
    con.execute("COMMIT")


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> tuple[Any, ...] | None:
    """The first row of a query, with the result fully consumed (DuckDB wants that
    before the connection's next statement)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def _pause(point: str) -> None:
    """Test hook: with ``ISMS_STORE_PAUSE=point[:seconds]`` announce the point and sleep."""
    spec = os.environ.get(PAUSE_ENV, "")
    if not spec:
        return
    name, _, seconds = spec.partition(":")
    if name == point:
        print(f"{PAUSE_ENV} {point}", file=sys.stderr, flush=True)
        time.sleep(float(seconds or 60))


# -- the matrix as data ----------------------------------------------------------------
def matrix_spec(m: RiskMatrix) -> dict[str, Any]:
    """A RiskMatrix as the dict :meth:`RiskMatrix.from_dict` reads (names, levels, cells)."""
    return {
        "name": m.name,
        "description_da": m.description_da,
        "description_en": m.description_en,
        "consequence": {"labels_da": list(m.consequence_da), "labels_en": list(m.consequence_en)},
        "likelihood": {"labels_da": list(m.likelihood_da), "labels_en": list(m.likelihood_en)},
        "levels": [
            {
                "key": lv.key,
                "name_da": lv.name_da,
                "name_en": lv.name_en,
                "colour": lv.colour,
                "treatment": lv.treatment,
                "advice_da": lv.advice_da,
                "advice_en": lv.advice_en,
            }
            for lv in m.levels
        ],
        "cells": {"rows": [[m.levels[int(i)].key for i in row] for row in m.cells]},
        "very_high_consequence": m.very_high_consequence,
        "very_high_scores": list(m.very_high_scores),
        "screening_max_consequence": m.screening_max_consequence,
        "default_tolerance": m.default_tolerance,
    }


# -- frames <-> tables -------------------------------------------------------------------
def _dtype_spec(s: pd.Series) -> dict[str, Any]:
    d = s.dtype
    if isinstance(d, pd.CategoricalDtype):
        return {
            "dtype": "category",
            "categories": [str(c) for c in d.categories],
            "categories_dtype": str(d.categories.dtype),
            "ordered": bool(d.ordered),
        }
    if isinstance(d, pd.StringDtype):
        return {"dtype": "str" if d.na_value is not pd.NA else "string"}
    if pd.api.types.is_object_dtype(d):
        # Stored as text; read back as Python str (or int, when every value was one) and None.
        kind = pd.api.types.infer_dtype(s, skipna=True)
        return {"dtype": "object", "values": "int" if kind == "integer" else "str"}
    return {"dtype": str(d)}


def _to_table_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain column types DuckDB stores without ENUMs or Python objects."""
    out = {}
    for col in frame.columns:
        s = frame[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype("string")
        elif pd.api.types.is_object_dtype(s.dtype):
            s = s.map(lambda v: v if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)).astype("string")
        out[str(col)] = s
    return pd.DataFrame(out, index=frame.index)


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, keys: dict[str, Any]) -> dict[str, str]:
    """Append ``frame`` (with key columns) to ``table``, widening the table as needed.

    Returns the DuckDB type of each of the frame's columns (stored with the round so
    the frame can be read back with its own types)."""
    data = _to_table_frame(frame)
    for k, v in reversed(list(keys.items())):
        data.insert(0, k, pd.array([v] * len(data), dtype="Int32" if k == "version" else "string"))
    con.register("incoming", data)
    try:
        incoming = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM incoming)").fetchall())
        exists = _one(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table])[0]
        if not exists:
            con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM incoming LIMIT 0')
        have = dict(
            con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?", [table]
            ).fetchall()
        )
        select = []
        for col, typ in incoming.items():
            q = '"' + col.replace('"', '""') + '"'
            if col not in have:
                con.execute(f'ALTER TABLE "{table}" ADD COLUMN {q} {typ}')
                select.append(q)
            elif have[col] != typ and col not in keys:
                # Rounds disagree on a column's type: widen the table to text; each
                # round remembers its own type and casts back on load.
                if have[col] != "VARCHAR":
                    con.execute(f'ALTER TABLE "{table}" ALTER COLUMN {q} TYPE VARCHAR')
                select.append(f"CAST({q} AS VARCHAR) AS {q}")
            else:
                select.append(q)
        con.execute(f'INSERT INTO "{table}" BY NAME SELECT {", ".join(select)} FROM incoming')
    finally:
        con.unregister("incoming")
    return {c: t for c, t in incoming.items() if c not in keys}


def _read_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    spec: dict[str, Any],
    where: str,
    params: list[Any],
) -> pd.DataFrame:
    """Read a round's rows of ``table`` with the columns and dtypes recorded at import."""
    cols = spec["columns"]
    if not cols:
        return pd.DataFrame(index=pd.RangeIndex(0))
    select = ", ".join(
        f'CAST("{c.replace(chr(34), chr(34) * 2)}" AS {spec["duckdb"][c]}) AS "{c.replace(chr(34), chr(34) * 2)}"'
        for c in cols
    )
    frame = con.execute(f'SELECT {select} FROM "{table}" WHERE {where} ORDER BY "_row"', params).df()
    frame = _restore_dtypes(frame.drop(columns=["_row"], errors="ignore"), spec["pandas"])
    if spec.get("index"):
        frame = frame.set_index(spec["index"])
    return frame


def _restore_dtypes(frame: pd.DataFrame, dtypes: dict[str, dict[str, Any]]) -> pd.DataFrame:
    out = {}
    for col in frame.columns:
        s = frame[col]
        d = dtypes.get(col, {"dtype": "string"})
        kind = d["dtype"]
        if kind == "category":
            cat_dtype = d.get("categories_dtype", "string")
            categories = pd.Index(d["categories"], dtype="string").astype(cat_dtype)
            values = s.astype("string").astype(cat_dtype)
            s = pd.Series(pd.Categorical(values, categories=categories, ordered=d["ordered"]), index=frame.index)
        elif kind in ("string", "str"):
            s = s.astype(kind)
        elif kind == "object":
            text = s.astype("string")
            values = pd.to_numeric(text).astype("Int64") if d.get("values") == "int" else text
            s = values.astype(object).where(text.notna(), None)
        elif kind.startswith("datetime64"):
            s = pd.to_datetime(s).astype(kind)
        else:
            with suppress(TypeError, ValueError):  # keep DuckDB's type if the old one no longer fits
                s = s.astype(kind)
        out[col] = s
    return pd.DataFrame(out, index=frame.index)


def _json_default(v: Any) -> Any:
    if isinstance(v, pd.Timestamp | datetime):
        return {"__datetime__": v.isoformat()}
    if isinstance(v, date):
        return {"__date__": v.isoformat()}
    if isinstance(v, np.generic):
        return v.item()
    if v is pd.NA or v is pd.NaT:
        return None
    return str(v)


def _json_hook(d: dict[str, Any]) -> Any:
    if "__date__" in d and len(d) == 1:
        return date.fromisoformat(d["__date__"])
    if "__datetime__" in d and len(d) == 1:
        return pd.Timestamp(d["__datetime__"])
    return d


def _as_date(v: Any) -> date | None:
    if v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return None
    try:
        ts = pd.Timestamp(v)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(ts) else ts.date()


# -- public API ------------------------------------------------------------------------
def import_round(
    assessment: Assessment,
    store: str | Path | None = None,
    *,
    replace: bool = False,
    matrix: str | Path | RiskMatrix | None = None,
) -> dict[str, Any]:
    """Store one approved round (all sheets, its scores, the matrix, the source's
    fingerprint) in one transaction. Returns what was stored (municipality, round,
    version, risks, sha256, replaced, store)."""
    path = store_path(store)
    meta = assessment.meta
    municipality = str(meta.get("municipality") or "").strip()
    round_ = str(meta.get("round") or "").strip()
    if not municipality or not round_:
        raise UserError(
            "Runden mangler kommune og/eller runde (arket Om) og kan ikke gemmes.",
            "The round lacks municipality and/or round (the About sheet) and cannot be stored.",
            exit_code=1,
        )
    m = get_matrix(matrix or meta.get("matrix") or "kl")
    scores = score_assessment(assessment, m)
    frames: dict[str, pd.DataFrame] = {
        name: getattr(assessment, name) for name in SHEETS if getattr(assessment, name) is not None
    }
    frames["scores"] = scores
    source = assessment.source or {}

    with _connect(path, read_only=False) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            _pause("begin")
            existing = _one(
                con, "SELECT max(version) FROM rounds WHERE municipality = ? AND round = ?", [municipality, round_]
            )[0]
            if existing is not None and not replace:
                raise RoundExists(
                    f"Runden {round_} for {municipality} findes allerede i lageret (version {existing}). "
                    "Godkendte runder ændres ikke; brug --replace for at gemme en ny version.",
                    f"Round {round_} for {municipality} is already in the store (version {existing}). "
                    "Approved rounds are not changed; use --replace to store a new version.",
                )
            version = int(existing or 0) + 1
            keys = {"municipality": municipality, "round": round_, "version": version}
            schema: dict[str, Any] = {}
            for name, frame in frames.items():
                # A named index (the reader's source_row) is kept as a column and restored on load.
                index_name = frame.index.name if isinstance(frame.index.name, str) else None
                if index_name is not None and index_name not in frame.columns:
                    data = frame.reset_index()
                else:
                    index_name = None
                    data = frame.reset_index(drop=True)
                data = data.assign(_row=np.arange(len(data), dtype=np.int32))
                types = _insert(con, name, data, keys)
                schema[name] = {
                    "index": index_name,
                    "columns": list(data.columns),
                    "duckdb": types,
                    "pandas": {c: _dtype_spec(data[c]) for c in data.columns},
                }
                _pause(name)
            if existing is not None:
                con.execute(
                    "UPDATE rounds SET superseded = true WHERE municipality = ? AND round = ?",
                    [municipality, round_],
                )
            imported_at = datetime.now(UTC).replace(tzinfo=None)
            con.execute(
                "INSERT INTO rounds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, false, ?, ?)",
                [
                    municipality,
                    round_,
                    version,
                    _as_date(meta.get("assessment_date")),
                    _text(meta.get("prepared_by")),
                    _text(meta.get("approved_by")),
                    _as_date(meta.get("approved_date")),
                    m.name,
                    json.dumps(matrix_spec(m), ensure_ascii=False),
                    json.dumps(scores.attrs.get("tolerance", {}), ensure_ascii=False),
                    _text(source.get("name")),
                    _text(source.get("sha256")),
                    int(source["size"]) if source.get("size") is not None else None,
                    imported_at,
                    int(len(assessment.risks)),
                    json.dumps(meta, default=_json_default, ensure_ascii=False),
                    json.dumps(schema, ensure_ascii=False),
                ],
            )
            _pause("commit")
            con.execute("COMMIT")
        except BaseException:
            # If the connection is already broken the transaction is gone with it; nothing was committed.
            with suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
    return {
        "municipality": municipality,
        "round": round_,
        "version": version,
        "risks": int(len(assessment.risks)),
        "sha256": source.get("sha256"),
        "replaced": existing is not None,
        "store": str(path),
    }


def _text(v: Any) -> str | None:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    s = str(v).strip()
    return s or None


def list_rounds(store: str | Path | None = None) -> pd.DataFrame:
    """Every stored round and version (superseded ones too), oldest first."""
    path = store_path(store)
    if not path.exists():
        return _empty_rounds()
    with _connect(path, read_only=True) as con:
        if not _has_rounds(con):
            return _empty_rounds()
        frame = con.execute(
            """
            SELECT municipality, round, assessment_date AS date, risks, approved_by, approved_date,
                   sha256, version, superseded, matrix, source_name, size, imported_at
            FROM rounds
            ORDER BY municipality, assessment_date NULLS LAST, round, version
            """
        ).df()
    return _round_dtypes(frame)


def _has_rounds(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(_one(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'rounds'")[0])


def _empty_rounds() -> pd.DataFrame:
    return _round_dtypes(pd.DataFrame({c: [] for c in ROUND_COLUMNS}))


def _round_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    types = {
        "municipality": "string", "round": "string", "risks": "Int64", "approved_by": "string",
        "sha256": "string", "version": "Int64", "superseded": "boolean", "matrix": "string",
        "source_name": "string", "size": "Int64",
    }  # fmt: skip
    out = frame.astype(types)
    for c in ("date", "approved_date", "imported_at"):
        out[c] = pd.to_datetime(out[c])
    return out.reset_index(drop=True)


def _round_row(
    con: duckdb.DuckDBPyConnection, municipality: str, round_: str, version: int | None
) -> dict[str, Any]:
    if version is None:
        sql = "SELECT * FROM rounds WHERE municipality = ? AND round = ? ORDER BY version DESC LIMIT 1"
        params: list[Any] = [municipality, round_]
    else:
        sql = "SELECT * FROM rounds WHERE municipality = ? AND round = ? AND version = ?"
        params = [municipality, round_, int(version)]
    cur = con.execute(sql, params) if _has_rounds(con) else None
    rows = cur.fetchall() if cur is not None else []
    if not rows:
        v = "" if version is None else f" version {version}"
        raise RoundNotFound(
            f"Runden {round_}{v} for {municipality} findes ikke i lageret.",
            f"Round {round_}{v} for {municipality} is not in the store.",
        )
    return dict(zip([d[0] for d in cur.description], rows[0], strict=True))


def _load_frames(
    con: duckdb.DuckDBPyConnection, info: dict[str, Any], names: tuple[str, ...]
) -> dict[str, pd.DataFrame]:
    schema = json.loads(info["schema_json"])
    where = "municipality = ? AND round = ? AND version = ?"
    params = [info["municipality"], info["round"], info["version"]]
    return {n: _read_table(con, n, schema[n], where, params) for n in names if n in schema}


def load_round(
    store: str | Path | None, municipality: str, round: str, version: int | None = None
) -> Assessment:
    """The stored round as an Assessment (the newest version unless ``version`` is given).

    ``meta`` gains ``version``, ``superseded``, ``imported_at`` and the matrix name;
    ``source`` holds the imported file's name, sha256 and size."""
    path = store_path(store)
    with _connect(path, read_only=True) as con:
        info = _round_row(con, municipality, round, version)
        frames = _load_frames(con, info, SHEETS)
    meta = json.loads(info["meta_json"], object_hook=_json_hook)
    meta.update(
        matrix=info["matrix"],
        version=int(info["version"]),
        superseded=bool(info["superseded"]),
        imported_at=pd.Timestamp(info["imported_at"]),
    )
    source = {"name": info["source_name"], "sha256": info["sha256"], "size": info["size"]}
    return Assessment(
        assets=frames["assets"],
        threats=frames["threats"],
        risks=frames["risks"],
        profile=frames.get("profile"),
        soa=frames.get("soa"),
        actions=frames.get("actions"),
        wheel=frames.get("wheel"),
        problems=frames.get("problems"),
        meta=meta,
        source=source,
    )


def load_scores(
    store: str | Path | None, municipality: str, round: str, version: int | None = None
) -> pd.DataFrame:
    """The scored frame stored with a round, as :func:`isms_analysis.score` returned it."""
    path = store_path(store)
    with _connect(path, read_only=True) as con:
        info = _round_row(con, municipality, round, version)
        scores = _load_frames(con, info, ("scores",))["scores"]
    scores.attrs["matrix"] = info["matrix"]
    scores.attrs["tolerance"] = json.loads(info["tolerance_json"] or "{}")
    return scores


def load_matrix(
    store: str | Path | None, municipality: str, round: str, version: int | None = None
) -> RiskMatrix:
    """The risk matrix a stored round was scored with (rebuilt from its stored cells)."""
    path = store_path(store)
    with _connect(path, read_only=True) as con:
        info = _round_row(con, municipality, round, version)
    return RiskMatrix.from_dict(json.loads(info["matrix_json"]), source=f"{info['matrix']} (lager/store)")


def load_rounds(
    store: str | Path | None = None,
    municipality: str | None = None,
    rounds: list[str] | tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """One long scored frame of the current version of each round, oldest round first.

    Columns are the scored frame's plus ``municipality``, ``round`` (ordered
    categorical in round order), ``matrix``, ``treatment_class`` and, from the round's
    sheets, ``controls``, ``asset_name``, ``asset_type`` and ``threat_name``.
    ``attrs["matrices"]`` maps each round to its matrix spec and ``attrs["sha256"]``
    to the source file's sha256."""
    from .rounds import enrich, stack_rounds

    path = store_path(store)
    listing = list_rounds(path)
    current = listing[~listing["superseded"].fillna(False)]
    if municipality is not None:
        current = current[current["municipality"] == municipality]
    if rounds is not None:
        wanted = [str(r) for r in rounds]
        missing = sorted(set(wanted) - set(current["round"].astype(str)))
        if missing:
            raise RoundNotFound(
                f"Runde(r) findes ikke i lageret: {', '.join(missing)}",
                f"Round(s) not in the store: {', '.join(missing)}",
            )
        current = current[current["round"].isin(wanted)]
    frames: dict[tuple[str, str], pd.DataFrame] = {}
    matrices: dict[tuple[str, str], RiskMatrix] = {}
    sha: dict[tuple[str, str], str | None] = {}
    if len(current):
        with _connect(path, read_only=True) as con:
            for mun, rnd, ver in current[["municipality", "round", "version"]].itertuples(index=False):
                info = _round_row(con, mun, rnd, int(ver))
                loaded = _load_frames(con, info, ("scores", "assets", "threats", "risks"))
                scores = loaded["scores"]
                scores.attrs["matrix"] = info["matrix"]
                spec = json.loads(info["matrix_json"])
                m = RiskMatrix.from_dict(spec, source=str(info["matrix"]))
                frames[(mun, rnd)] = enrich(scores, loaded["risks"], loaded["assets"], loaded["threats"])
                matrices[(mun, rnd)] = m
                sha[(mun, rnd)] = info["sha256"]
    return stack_rounds(frames, matrices=matrices, sha256=sha)


def export_parquet(store: str | Path | None, directory: str | Path, *, all_versions: bool = False) -> list[Path]:
    """Write every table as Parquet partitioned hive-style by municipality and round
    (``<dir>/<table>/municipality=.../round=.../*.parquet``) plus ``rounds.parquet``.
    Only the current version of each round unless ``all_versions``. Returns the paths written."""
    path = store_path(store)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with _connect(path, read_only=True) as con:
        if not _has_rounds(con):
            return written
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        rounds_file = out / "rounds.parquet"
        con.execute(
            "COPY (SELECT * EXCLUDE (schema_json) FROM rounds ORDER BY municipality, round, version) "
            f"TO '{_sql_path(rounds_file)}' (FORMAT parquet)"
        )
        written.append(rounds_file)
        current = "" if all_versions else " WHERE NOT r.superseded"
        for name in (*SHEETS, "scores"):
            if name not in tables:
                continue
            target = out / name
            con.execute(
                f'COPY (SELECT t.* EXCLUDE ("_row") FROM "{name}" t JOIN rounds r USING (municipality, round, version)'
                f'{current} ORDER BY t.municipality, t.round, t.version, t."_row") '
                f"TO '{_sql_path(target)}' (FORMAT parquet, PARTITION_BY (municipality, round), OVERWRITE)"
            )
            written.append(target)
    return written


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")
