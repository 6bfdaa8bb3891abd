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
from .comparison import CLASS_DTYPE, combine_levels, enrich, stack_rounds
from .comparison import KEYS as ROW_KEYS
from .errors import UserError
from .matrix import RiskMatrix, matrix_spec, to_json
from .matrix import matrix as get_matrix
from .scoring import score as score_assessment

DEFAULT_STORE = Path("data") / "isms.duckdb"
STORE_FORMAT = "1"
SHEETS = ("assets", "threats", "risks", "profile", "soa", "actions", "wheel", "problems", "roles")
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


class StoreNotWritable(UserError):
    """The store (or its folder) cannot be written: a read-only file, folder or file system."""


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
_ACCESS_MARKERS = ("read-only file system", "permission denied", "operation not permitted", "access is denied")


def _not_writable(path: Path, detail: str = "") -> StoreNotWritable:
    folder = path.parent if str(path.parent) else Path(".")
    why = f" ({detail})" if detail else ""
    return StoreNotWritable(
        f"Lageret {path} kan ikke skrives: der er ikke skriveadgang til filen eller mappen {folder}{why}. "
        "DuckDB skal også kunne oprette en .wal-fil i mappen. Ret rettighederne, eller brug et andet --store. "
        "Lageret er ikke ændret.",
        f"The store {path} cannot be written: there is no write access to the file or the folder {folder}{why}. "
        "DuckDB also needs to create a .wal file in the folder. Fix the permissions or use another --store. "
        "The store was not changed.",
    )


def check_writable(store: str | Path | None = None) -> Path:
    """Raise :class:`StoreNotWritable` unless the store can be written (call before any work)."""
    path = store_path(store)
    _check_writable(path)
    return path


def _check_writable(path: Path) -> None:
    """Before any work: the store's folder must exist (or be creatable) and be writable, and so must
    an existing store file; otherwise the import would run and fail only at COMMIT."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _not_writable(path, exc.strerror or str(exc)) from None
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.R_OK | os.W_OK)):
        raise _not_writable(path)


def _translate(exc: BaseException, path: Path, *, read_only: bool = True) -> UserError:
    text = str(exc)
    if any(m in text.casefold() for m in _ACCESS_MARKERS):
        if not read_only:
            return _not_writable(path, text.splitlines()[0][:200])
        return StoreNotWritable(
            f"Lageret {path} kan ikke læses: der er ikke adgang til filen ({text.splitlines()[0][:200]}).",
            f"The store {path} cannot be read: no access to the file ({text.splitlines()[0][:200]}).",
        )
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
        _check_writable(path)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise _translate(exc, path, read_only=read_only) from None
    try:
        try:
            _ensure_schema(con, path, read_only)
        except duckdb.Error as exc:
            raise _translate(exc, path, read_only=read_only) from None
        try:
            yield con
        except _STORAGE_ERRORS as exc:
            raise _translate(exc, path, read_only=read_only) from None
        except duckdb.Error as exc:  # the base class: "Corrupt database file" and the like
            if type(exc) is not duckdb.Error and "corrupt" not in str(exc).casefold():
                raise
            raise _translate(exc, path, read_only=read_only) from None
    finally:
        with suppress(duckdb.Error):
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


CURRENT_VIEWS = ("scores", *SHEETS)


def _current_views(con: duckdb.DuckDBPyConnection) -> None:
    """``current_rounds`` (the latest version of each round) and ``current_<table>`` (that
    version's rows of each data table), so plain SQL after ``import --replace`` does not
    count a round twice. See docs/store.md."""
    con.execute("CREATE OR REPLACE VIEW current_rounds AS SELECT * FROM rounds WHERE NOT superseded")
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    for table in CURRENT_VIEWS:
        if table in tables:
            con.execute(
                f'CREATE OR REPLACE VIEW "current_{table}" AS SELECT t.* FROM "{table}" t '
                "JOIN current_rounds c USING (municipality, round, version)"
            )


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
            _current_views(con)
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


def list_rounds(store: str | Path | None = None, *, verify: bool = False) -> pd.DataFrame:
    """Every stored round and version (superseded ones too), oldest first. ``verify`` reads
    every row of every table first (so damaged data pages are found, as an import would find
    them) and raises :class:`StoreCorrupt` on damage.

    Columns (dtype): ``municipality``, ``round`` (string), ``date`` (datetime64, the
    assessment date), ``risks`` (Int64), ``approved_by`` (string), ``approved_date``
    (datetime64), ``sha256`` (string), ``version`` (Int64), ``superseded`` (boolean),
    ``matrix``, ``source_name`` (string), ``size`` (Int64), ``imported_at`` (datetime64).
    """
    path = store_path(store)
    if not path.exists():
        return _empty_rounds()
    with _connect(path, read_only=True) as con:
        if not _has_rounds(con):
            return _empty_rounds()
        if verify:
            for (name,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY table_name").fetchall():
                con.execute(f"SELECT max(hash(x)) FROM {_q(name)} x").fetchone()  # reads (and checksums) all pages
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
        roles=frames.get("roles"),
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
    to the source file's sha256.

    Rounds stored with the same layout are read together, one query per chunk of
    rounds, text encoded as categoricals in Arrow (see :func:`_bulk_history`);
    otherwise round by round. Both give the same frame.

    Columns (dtype): ``municipality``, ``round`` (category; round ordered), then the
    columns of :func:`isms_analysis.score` with the same dtypes, then ``controls``
    (category), ``matrix`` (category), ``treatment_class`` (ordered category:
    acceptable, may_accept, should_treat, must_treat).
    """
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
            cur = con.execute("SELECT * FROM rounds")
            names = [d[0] for d in cur.description]
            rows = {(r["municipality"], r["round"], int(r["version"])): r for r in (dict(zip(names, row, strict=True))
                                                                                    for row in cur.fetchall())}  # fmt: skip
            infos = [rows[(mun, rnd, int(ver))]
                     for mun, rnd, ver in current[["municipality", "round", "version"]].itertuples(index=False)]  # fmt: skip
            history = _bulk_history(con, infos)
            if history is not None:
                return history
            for info in infos:
                mun, rnd = info["municipality"], info["round"]
                loaded = _load_frames(con, info, ("scores", "assets", "threats", "risks"))
                scores = loaded["scores"]
                scores.attrs["matrix"] = info["matrix"]
                spec = json.loads(info["matrix_json"])
                m = RiskMatrix.from_dict(spec, source=str(info["matrix"]))
                frames[(mun, rnd)] = enrich(scores, loaded["risks"], loaded["assets"], loaded["threats"])
                matrices[(mun, rnd)] = m
                sha[(mun, rnd)] = info["sha256"]
    return stack_rounds(frames, matrices=matrices, sha256=sha)


# -- loading many rounds at once -------------------------------------------------------------
_ENRICH = (("risks", "risk_id", "controls", "controls"), ("assets", "asset_id", "name", "asset_name"),
           ("assets", "asset_id", "type", "asset_type"), ("threats", "threat_id", "name", "threat_name"))  # fmt: skip
_CHUNK_RISKS = 100_000
_BULK_KINDS = ("category", "str", "string", "bool", "Int8", "Int16", "Int32", "Int64", "int32")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _shape(spec: dict[str, Any]) -> tuple[Any, ...]:
    """A table's recorded layout without the per-round category values."""
    pandas_kinds = tuple((c, tuple((k, v) for k, v in d.items() if k != "categories")) for c, d in spec["pandas"].items())
    return spec.get("index"), tuple(spec["columns"]), tuple(sorted(spec["duckdb"].items())), pandas_kinds


def _bulk_plan(schemas: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The one-query plan for many rounds, or None when the rounds' stored layouts
    differ (then each round is read on its own, with its own types)."""
    if not schemas or any("scores" not in s for s in schemas):
        return None
    first = schemas[0]["scores"]
    shape = _shape(first)
    if any(_shape(s["scores"]) != shape for s in schemas[1:]) or first.get("index"):
        return None
    if any(first["pandas"][c]["dtype"] not in _BULK_KINDS for c in first["columns"]):
        return None
    if "level" not in first["columns"] or any(c not in first["columns"] for c in ("risk_id", "asset_id", "threat_id")):
        return None
    enrich = []
    for table, key, col, out in _ENRICH:
        has = [table in s and col in s[table]["columns"] and s[table]["duckdb"].get(col) == "VARCHAR" for s in schemas]
        if any(has) and not all(has):
            return None
        if all(has) and out not in first["columns"]:  # score() already gives the names
            enrich.append((table, key, col, out))
    return {"scores": first, "enrich": enrich}


def _arrow_categorical(arr: Any, categories: list[str] | pd.Index | None = None, *, ordered: bool = False,
                       categories_dtype: str = "string") -> pd.Categorical:  # fmt: skip
    """A text column from Arrow as a pandas Categorical, encoded in Arrow (no Python
    string per row). Categories are ``categories`` or else the sorted distinct values."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not pa.types.is_dictionary(arr.type):
        arr = pc.dictionary_encode(arr.cast(pa.large_string()) if not pa.types.is_string(arr.type) else arr)
    codes = pc.fill_null(arr.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    values = pd.Index(arr.dictionary.to_pylist(), dtype=categories_dtype)
    cats = values.sort_values() if categories is None else pd.Index(categories)
    if categories is None:
        cats = pd.Index(cats, dtype=categories_dtype)
    new_codes = np.append(cats.get_indexer(values), -1)[codes]
    return pd.Categorical.from_codes(new_codes, dtype=pd.CategoricalDtype(cats, ordered=ordered))


def _arrow_column(arr: Any, kind: str) -> Any:
    """A numeric or boolean column from Arrow in the recorded pandas dtype."""
    import pyarrow.compute as pc

    if kind == "bool":
        return pc.fill_null(arr, False).to_numpy(zero_copy_only=False).astype(bool)
    mask = pc.is_null(arr).to_numpy(zero_copy_only=False)
    values = pc.fill_null(arr, 0).to_numpy(zero_copy_only=False).astype(kind.lower())
    return pd.arrays.IntegerArray(values, mask) if kind[0] == "I" else values


def _bulk_history(con: duckdb.DuckDBPyConnection, infos: list[dict[str, Any]]) -> pd.DataFrame | None:
    """The history of many rounds in one query per table (see :func:`load_rounds`):
    the same frame as loading each round, enriching and stacking, without a pass per
    round. None when the rounds were stored with different layouts."""
    schemas = [json.loads(i["schema_json"]) for i in infos]
    plan = _bulk_plan(schemas)
    if plan is None:
        return None
    spec = plan["scores"]
    cols = [c for c in spec["columns"] if c != "_row"]
    select = ["w._ord AS _ord", 's."_row" AS "_row"'] + [f"CAST(s.{_q(c)} AS {spec['duckdb'][c]}) AS {_q(c)}" for c in cols]
    joins = []
    for n, (table, key, col, name) in enumerate(plan["enrich"]):
        alias = f"e{n}"
        # The first row per key, as enrich() takes it (drop_duplicates keeps the first).
        joins.append(
            f"LEFT JOIN (SELECT municipality, round, version, CAST({_q(key)} AS VARCHAR) AS k, {_q(col)} AS v "
            f"FROM {_q(table)} JOIN wanted USING (municipality, round, version) "
            f"QUALIFY row_number() OVER (PARTITION BY municipality, round, version, CAST({_q(key)} AS VARCHAR) "
            f'ORDER BY "_row") = 1) {alias} '
            f"ON {alias}.municipality = s.municipality AND {alias}.round = s.round AND {alias}.version = s.version "
            f"AND {alias}.k = CAST(s.{_q(key)} AS VARCHAR)"
        )
        select.append(f"{alias}.v AS {_q(name)}")
    sql = (
        f"SELECT {', '.join(select)} FROM scores s JOIN wanted w USING (municipality, round, version) "
        f'{" ".join(joins)}'
    )  # ordered below: sorting two integer columns beats sorting the wide rows in SQL

    # Rounds, matrices and the level order across them (a pass over rounds, not rows).
    labels: list[str] = []
    for i in infos:
        if str(i["round"]) not in labels:
            labels.append(str(i["round"]))
    specs = {i["matrix_json"] for i in infos}
    parsed = {s: RiskMatrix.from_dict(json.loads(s), source="lager/store") for s in specs}
    by_round = {str(i["round"]): parsed[i["matrix_json"]] for i in infos}
    orders: list[list[str]] = []
    for s in schemas:
        cats = [str(c) for c in s["scores"]["pandas"]["level"].get("categories", [])]
        if cats not in orders:
            orders.append(cats)
    level_order = combine_levels(orders)
    from .scoring import PERSPECTIVES, STAGES

    fixed = {"level": level_order, "perspective": list(PERSPECTIVES), "stage": list(STAGES)}

    # Rounds in chunks of about _CHUNK_RISKS risks: each chunk is one query whose text
    # columns are encoded as categoricals at once, so Arrow text never piles up.
    pieces: dict[str, list[Any]] = {c: [] for c in ["_ord", *cols, *(e[3] for e in plan["enrich"])]}
    start, size = 0, 0
    for k, info in enumerate(infos):
        size += int(info.get("risks") or 0)
        if size < _CHUNK_RISKS and k < len(infos) - 1:
            continue
        part = infos[start : k + 1]
        wanted = pd.DataFrame(
            {
                "municipality": pd.array([i["municipality"] for i in part], dtype="string"),
                "round": pd.array([i["round"] for i in part], dtype="string"),
                "version": pd.array([int(i["version"]) for i in part], dtype="Int32"),
                "_ord": np.arange(start, k + 1, dtype=np.int32),
            }
        )
        con.register("wanted", wanted)
        try:
            table = con.sql(sql).to_arrow_table()
        finally:
            con.unregister("wanted")
        ord_ = table.column("_ord").to_numpy(zero_copy_only=False).astype(np.int64)
        row = table.column("_row").to_numpy(zero_copy_only=False).astype(np.int64)
        key = (ord_ << 32) + row
        order = None
        if len(key) > 1 and not (key[1:] >= key[:-1]).all():
            order = np.argsort(key, kind="stable")  # applied to the encoded columns (cheap integer takes)
            ord_ = ord_[order]
        pieces["_ord"].append(ord_.astype(np.int32))
        for c in pieces:
            if c == "_ord":
                continue
            kind = spec["pandas"][c]["dtype"] if c in spec["pandas"] else "string"
            if c in fixed:
                piece = _arrow_categorical(table.column(c), fixed[c], ordered=c == "level")
            elif kind in ("category", "str", "string"):
                piece = _arrow_categorical(table.column(c), categories_dtype="str" if kind == "str" else "string")
            else:
                piece = _arrow_column(table.column(c), kind)
            pieces[c].append(piece if order is None else piece.take(order))
        del table
        start, size = k + 1, 0
    ords = np.concatenate(pieces.pop("_ord"))
    level = _concat_pieces(pieces["level"])

    out: dict[str, Any] = {
        "municipality": _sorted_codes([str(i["municipality"]) for i in infos], ords),
        "round": pd.Categorical.from_codes(
            np.array([labels.index(str(i["round"])) for i in infos], dtype=np.int16)[ords],
            dtype=pd.CategoricalDtype(labels, ordered=True),
        ),
    }
    for c, parts in pieces.items():
        out[c] = level if c == "level" else _concat_pieces(parts)
    matrix_names = [str(parsed[i["matrix_json"]].name) for i in infos]
    out["matrix"] = _sorted_codes(matrix_names, ords)
    # Treatment class: the level's class in each round's own matrix.
    matrix_index = {s: k for k, s in enumerate(sorted(specs))}
    classes = np.full((len(specs), len(level_order) + 1), -1, dtype=np.int8)
    for s, k in matrix_index.items():
        names = {lv.name_da: lv.treatment for lv in parsed[s].levels} | {lv.name_en: lv.treatment for lv in parsed[s].levels}
        for j, name in enumerate(level_order):
            if name in names:
                classes[k, j] = CLASS_DTYPE.categories.get_loc(names[name])
    round_matrix = np.array([matrix_index[i["matrix_json"]] for i in infos], dtype=np.intp)
    out["treatment_class"] = pd.Categorical.from_codes(
        classes[round_matrix[ords], np.asarray(level.codes, dtype=np.intp)], dtype=CLASS_DTYPE
    )
    front = ["municipality", "round", *ROW_KEYS]
    order = front + [c for c in out if c not in front]
    history = pd.DataFrame({c: out[c] for c in order}, copy=False)
    stored_names = {i["matrix"] for i in infos}
    if len(stored_names) == 1:  # as concatenating the rounds' frames keeps their common attrs
        history.attrs["matrix"] = stored_names.pop()
    history.attrs["matrices"] = {r: to_json(m) for r, m in by_round.items()}
    history.attrs["sha256"] = {str(i["round"]): i["sha256"] for i in infos}
    return history


def _concat_pieces(parts: list[Any]) -> Any:
    """Join the chunks of one column; categoricals get the union of their categories
    (sorted, unless the chunks share one dtype, as fixed or ordered ones do)."""
    first = parts[0]
    if isinstance(first, pd.Categorical):
        if all(p.dtype == first.dtype for p in parts[1:]):
            return pd.Categorical.from_codes(np.concatenate([p.codes for p in parts]), dtype=first.dtype, validate=False)
        cats = pd.Index(np.concatenate([p.categories.to_numpy(dtype=object) for p in parts]),
                        dtype=first.categories.dtype).unique().sort_values()  # fmt: skip
        codes = [np.append(cats.get_indexer(p.categories), -1)[p.codes] for p in parts]
        return pd.Categorical.from_codes(np.concatenate(codes), dtype=pd.CategoricalDtype(cats), validate=False)
    if isinstance(first, pd.api.extensions.ExtensionArray):
        return pd.concat([pd.Series(p, copy=False) for p in parts], ignore_index=True).array
    return np.concatenate(parts)


def _sorted_codes(values: list[str], ords: np.ndarray) -> pd.Categorical:
    """One value per round, spread to its rows, as a categorical of the sorted distinct values."""
    cats = pd.Index(values, dtype="str").unique().sort_values()
    return pd.Categorical.from_codes(cats.get_indexer(values)[ords], dtype=pd.CategoricalDtype(cats))


def export_parquet(
    store: str | Path | None, directory: str | Path, *, all_versions: bool = False, force: bool = False
) -> list[Path]:
    """Write every table as Parquet partitioned hive-style by municipality and round
    (``<dir>/<table>/municipality=.../round=.../*.parquet``) plus ``rounds.parquet``.
    Only the current version of each round unless ``all_versions``. Returns the paths written.

    The files are written into a fresh staging folder and then published into ``directory``
    (:mod:`isms_analysis.publish`): a non-empty folder is refused unless ``force``, and even
    then nothing is deleted or replaced that an export did not write; symlinks are never followed."""
    from .publish import staged

    path = store_path(store)
    out = Path(directory)
    with _connect(path, read_only=True) as con:
        if not _has_rounds(con):
            return []
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        names = ["rounds.parquet"]
        with staged(out, force=force) as stage:
            con.execute(
                "COPY (SELECT * EXCLUDE (schema_json) FROM rounds ORDER BY municipality, round, version) "
                f"TO '{_sql_path(stage / 'rounds.parquet')}' (FORMAT parquet)"
            )
            current = "" if all_versions else " WHERE NOT r.superseded"
            for name in (*SHEETS, "scores"):
                if name not in tables:
                    continue
                con.execute(
                    f'COPY (SELECT t.* EXCLUDE ("_row") FROM "{name}" t JOIN rounds r USING (municipality, round, '
                    f'version){current} ORDER BY t.municipality, t.round, t.version, t."_row") '
                    f"TO '{_sql_path(stage / name)}' (FORMAT parquet, PARTITION_BY (municipality, round))"
                )
                names.append(name)
    return [out / n for n in names]


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")


def benchmark_pseudonym(store: str | Path | None, municipality: str) -> str:
    """The municipality's random benchmark pseudonym (e.g. ``K-3f9a1c2e``): made once
    and kept in the store, so every extract of that municipality's rounds carries the
    same one while the name itself never leaves."""
    import secrets

    path = store_path(store)
    key = f"benchmark_pseudonym:{municipality}"
    with _connect(path, read_only=False) as con:
        row = _one(con, "SELECT value FROM store_info WHERE key = ?", [key])
        if row is not None:
            return str(row[0])
        value = f"K-{secrets.token_hex(4)}"
        con.execute("INSERT INTO store_info VALUES (?, ?)", [key, value])
        return value


# -- the rounds of a trend report ---------------------------------------------------------
def trend_span(
    store: Any = None,
    municipality: str | None = None,
    first_round: str | None = None,
    last_round: str | None = None,
) -> tuple[str, list[str]]:
    """(municipality, round labels in round order) of a trend report, from the store's
    listing alone (no round is loaded). Without a municipality, the store's only one
    (or the first, alphabetically); without first/last round, the oldest/newest."""
    path = store_path(store)
    if not path.exists():
        raise UserError(
            f"Lageret {path} findes ikke; gem runder med 'isms import FIL' eller kør 'isms demo'.",
            f"The store {path} does not exist; store rounds with 'isms import FILE' or run 'isms demo'.",
        )
    listing = list_rounds(path)
    listing = listing[~listing["superseded"].fillna(False)]
    if listing.empty:
        raise UserError(f"Lageret {path} har ingen runder.", f"The store {path} has no rounds.")
    names = sorted(set(listing["municipality"].astype(str)))
    if municipality is None:
        municipality = names[0]
    elif municipality not in names:
        raise UserError(
            f"Kommunen {municipality} findes ikke i lageret (kendte: {', '.join(names)}).",
            f"Municipality {municipality} is not in the store (known: {', '.join(names)}).",
        )
    labels = list(dict.fromkeys(listing.loc[listing["municipality"] == municipality, "round"].astype(str)))
    for r in (first_round, last_round):
        if r is not None and str(r) not in labels:
            raise UserError(
                f"Runden {r} findes ikke for {municipality} (kendte: {', '.join(labels)}).",
                f"Round {r} is not stored for {municipality} (known: {', '.join(labels)}).",
            )
    lo = labels.index(str(first_round)) if first_round is not None else 0
    hi = labels.index(str(last_round)) if last_round is not None else len(labels) - 1
    if lo > hi:
        raise UserError(
            f"Første runde ({first_round}) ligger efter sidste runde ({last_round}).",
            f"The first round ({first_round}) comes after the last round ({last_round}).",
        )
    return str(municipality), labels[lo : hi + 1]


def trend_history(
    store: Any = None,
    municipality: str | None = None,
    first_round: str | None = None,
    last_round: str | None = None,
) -> pd.DataFrame:
    """The history a trend report shows: one municipality's current round versions
    from ``first_round`` to ``last_round`` (inclusive, in round order; see
    :func:`trend_span`). Only those rounds are loaded."""
    municipality, keep = trend_span(store, municipality, first_round, last_round)
    history = load_rounds(store, municipality=municipality, rounds=keep)
    attrs = dict(history.attrs)
    history = history.reset_index(drop=True)
    history["round"] = history["round"].cat.set_categories(keep, ordered=True)
    history.attrs = {
        "matrices": {k: v for k, v in attrs.get("matrices", {}).items() if k in keep},
        "sha256": {k: v for k, v in attrs.get("sha256", {}).items() if k in keep},
    }
    return history


def round_municipality(store: Any, label: str, municipality: str | None = None) -> str:
    """The municipality of a stored round: the given one, else the only one holding ``label``."""
    if municipality:
        return municipality
    rounds = list_rounds(store)
    names = sorted(set(rounds.loc[rounds["round"] == label, "municipality"].dropna().astype(str)))
    if len(names) == 1:
        return names[0]
    if not names:
        raise UserError(f"Runden {label} findes ikke i lageret.", f"Round {label} is not in the store.")
    raise UserError(
        f"Runden {label} findes for flere kommuner ({', '.join(names)}); angiv kommunen.",
        f"Round {label} exists for several municipalities ({', '.join(names)}); give the municipality.",
    )
