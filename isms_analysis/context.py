"""What a report needs, resolved in one place for the notebooks and the runner alike.

- :func:`load_context` -- the quarterly report notebook's :class:`ReportContext`: the
  round and the previous round (from workbooks or the store, the sample's when nothing
  is given), scored with one matrix, and the day deadlines are judged against;
- :func:`default_workbooks` -- the sample fallback (one error text when it is missing);
- :func:`read_round` / :func:`round_from_store` -- one round from a workbook (reusing
  the runner's hand-over, see below) or the store;
- :func:`check_quarterly` -- the runner's checks of the same inputs before any work
  (workbook read and validated, matrix, date, the round's municipality and label);
- :func:`check_optional_inputs` -- KL's activity list and the peer extracts;
- :func:`trend_inputs` -- the trend report's store, municipality and rounds;
- the preread hand-over: the runner keeps the workbook it has just read and validated
  in a private folder named by :data:`PREREAD_ENV`, so the notebook's kernel does not
  read it a second time (:func:`preread_key`, :func:`preread_stamp`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .assessment import Assessment
from .errors import UserError
from .matrix import RiskMatrix
from .matrix import matrix as get_matrix
from .sections import MAX_ROWS, as_of_day


@dataclass
class ReportContext:
    """Everything the report notebook shows, prepared once."""

    assessment: Assessment
    scores: pd.DataFrame
    matrix: RiskMatrix
    lang: str = "da"
    as_of: pd.Timestamp | None = None
    previous: Assessment | None = None
    previous_scores: pd.DataFrame | None = None
    params: dict[str, Any] = field(default_factory=dict)
    max_rows: int = MAX_ROWS  # rows per detail table (per kind for the decisions)


def default_workbooks(previous_round: str | Path | None = None) -> tuple[Path, str | Path | None]:
    """With neither a workbook nor a store: the latest sample workbook and, unless
    ``previous_round`` is given, the sample's round before it."""
    from .sample import require_sample_workbooks

    found = require_sample_workbooks()
    if previous_round is None and len(found) > 1:
        previous_round = found[-2]
    return found[-1], previous_round


def _missing_workbook(path: Path) -> UserError:
    return UserError(f"Arbejdsbogen findes ikke: {path}", f"Workbook not found: {path}")


def read_round(path: str | Path, activities: Any = None) -> Assessment:
    """One round from its workbook (read and validated), or the runner's copy of it when
    the runner has just read the same, unchanged file (without ``activities``)."""
    from .workbook import read_workbook

    p = Path(path)
    if not p.exists():
        raise _missing_workbook(p)
    if activities is None:
        cached = _preread(p)
        if cached is not None:
            return cached
    return read_workbook(p, activities=activities)


PREREAD_ENV = "ISMS_PREREAD"  # the runner's folder of workbooks it has already read and validated


def preread_key(path: Path) -> str:
    """The file name under which the runner keeps an already-read workbook."""
    import hashlib

    return hashlib.sha256(str(Path(path).resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:24] + ".pickle"


def preread_stamp(path: Path) -> tuple[str, int, int]:
    st = Path(path).stat()
    return str(Path(path).resolve()), st.st_mtime_ns, st.st_size


def _preread(path: Path) -> Assessment | None:
    """The assessment the report runner read and validated moments ago in the parent
    process (see ``runner.run_report``), so the notebook's kernel does not read and
    validate the same workbook again. Used only when the file is unchanged since."""
    import pickle

    folder = os.environ.get(PREREAD_ENV)
    if not folder:
        return None
    f = Path(folder) / preread_key(path)
    try:
        with f.open("rb") as fh:
            stamp, assessment = pickle.load(fh)  # noqa: S301 - our own file, in the run's private temp folder
    except (OSError, ValueError, EOFError, pickle.UnpicklingError):
        return None
    return assessment if stamp == preread_stamp(path) else None


def round_from_store(store: Any, label: str, municipality: str | None = None) -> Assessment:
    """A stored round by its label (the municipality as :func:`store.round_municipality` finds it)."""
    from . import store as store_mod

    return store_mod.load_round(store, store_mod.round_municipality(store, label, municipality), label)


def _need_round(round_: str | None) -> str:
    if not round_:
        raise UserError("Angiv runden (--round) sammen med --store.", "Give the round (--round) with --store.")
    return round_


def is_workbook_path(value: Any) -> bool:
    """Whether a previous-round argument names a workbook file rather than a store label."""
    s = str(value)
    return s.lower().endswith((".xlsx", ".xlsm", ".xls", ".ods")) or os.sep in s


def load_context(
    workbook: str | Path | None = None,
    store: str | Path | None = None,
    round: str | None = None,  # noqa: A002 - the parameter name users see
    previous_round: str | Path | None = None,
    municipality: str | None = None,
    lang: str = "da",
    matrix: str | Path | RiskMatrix | None = None,
    as_of: Any = None,
    max_rows: int = MAX_ROWS,
    activities: str | Path | pd.DataFrame | None = None,
) -> ReportContext:
    """Read (or fetch from the store) the round and the previous round, and score
    both with one matrix (default: the round's own, else KL's).

    ``workbook`` wins over ``store``; with neither, the latest sample workbook is
    used (and its previous round when ``previous_round`` is None). ``previous_round``
    is a workbook path or, with a store, a round label. ``max_rows`` caps the detail
    tables (per kind of decision); the counts above them stay complete.
    ``activities``: KL's shared processing activities to inherit data-subject
    consequences from (see :mod:`isms_analysis.activities`).
    """
    from .matrix import MatrixError
    from .scoring import score
    from .text import check_lang

    check_lang(lang)
    params = {
        "workbook": Path(workbook).name if workbook else None,
        "store": Path(store).name if store else None,
        "round": round,
        "previous_round": Path(str(previous_round)).name if previous_round else None,
        "municipality": municipality,
        "lang": lang,
        "matrix": str(matrix)
        if matrix is not None and not isinstance(matrix, RiskMatrix)
        else (matrix.name if isinstance(matrix, RiskMatrix) else None),
        "as_of": str(as_of) if as_of is not None else None,
        "max_rows": int(max_rows),
    }
    if workbook is None and store is None:
        workbook, previous_round = default_workbooks(previous_round)
        params["workbook"] = Path(workbook).name
        params["previous_round"] = Path(previous_round).name if previous_round else None
    if activities is not None:
        from .activities import as_activities

        params["activities"] = "-" if isinstance(activities, pd.DataFrame) else Path(str(activities)).name
        activities = as_activities(activities)
    if workbook is not None:
        current = read_round(workbook, activities)
    else:
        current = round_from_store(store, _need_round(round), municipality)
        if activities is not None:
            from .activities import apply_activities

            current = apply_activities(current, activities)
    previous = None
    if previous_round is not None and str(previous_round).strip():
        if store is not None and not is_workbook_path(previous_round):
            previous = round_from_store(store, str(previous_round), municipality or current.meta.get("municipality"))
        else:
            previous = read_round(previous_round)
    try:
        if matrix is None and workbook is None:
            from . import store as store_mod

            m = store_mod.load_matrix(store, store_mod.round_municipality(store, _need_round(round), municipality), round)
        else:
            m = get_matrix(matrix if matrix is not None else (current.meta.get("matrix") or "kl"))
        scores = score(current, m)
        prev_scores = score(previous, m) if previous is not None else None
    except MatrixError as exc:
        raise UserError(str(exc)) from None
    day = as_of_day(as_of, current)
    params["matrix"] = m.name
    params["as_of"] = day.strftime("%Y-%m-%d")
    return ReportContext(
        assessment=current,
        scores=scores,
        matrix=m,
        lang=lang,
        as_of=day,
        previous=previous,
        previous_scores=prev_scores,
        params=params,
        max_rows=int(max_rows),
    )


# -- the runner's checks, before any work ----------------------------------------------------------
def check_matrix(matrix: str | None) -> str | None:
    """The matrix parameter for the notebook (a file made absolute), checked here first."""
    if matrix is None or not str(matrix).strip():
        return None
    from .matrix import MatrixError

    try:
        get_matrix(matrix)
    except MatrixError as exc:
        raise UserError(str(exc)) from None
    p = Path(str(matrix))
    return str(p.resolve()) if p.suffix.lower() in (".toml", ".yaml", ".yml") else str(matrix)


def check_workbook(workbook: str | Path) -> tuple[Path, Assessment]:
    """The workbook made absolute, read and validated: every problem with its cell
    (exit 1) or the refusal (exit 2), before any folder is made."""
    from .workbook import read_workbook

    wb = Path(workbook).resolve()
    if not wb.exists():
        raise _missing_workbook(wb)
    return wb, read_workbook(wb)


@dataclass(frozen=True)
class QuarterlyInputs:
    """The quarterly report's inputs as the notebook receives them (paths absolute,
    rounds chosen), the round's municipality and label (for the folder and the title),
    and the workbook the runner has already read (handed over to the kernel)."""

    workbook: Path | None
    store: Path | None
    round: str | None
    previous_round: str | None
    municipality: str | None
    matrix: str | None
    as_of: str | None
    municipality_name: str
    round_label: str
    assessment: Assessment | None = None

    def parameters(self, lang: str) -> dict[str, Any]:
        """The notebook's parameters (papermill)."""
        return {
            "workbook": str(self.workbook) if self.workbook is not None else None,
            "store": str(self.store) if self.store is not None else None,
            "round": self.round,
            "previous_round": self.previous_round,
            "municipality": self.municipality,
            "lang": lang,
            "matrix": self.matrix,
            "as_of": self.as_of,
        }


def check_quarterly(
    workbook: Path | None,
    assessment: Assessment | None,
    store: str | Path | None,
    round_: str | None,
    previous_round: str | Path | None,
    matrix: str | None,
    as_of: str | None,
    municipality: str | None,
) -> QuarterlyInputs:
    """The quarterly report's inputs checked, before any work: ``workbook`` as
    :func:`check_workbook` returned it (with its ``assessment``), or a ``store`` round;
    ``previous_round`` a workbook (made absolute) or a store label; the matrix and the
    as-of date readable."""
    prev: str | None = None
    if previous_round is not None and str(previous_round).strip():
        p = Path(previous_round)
        prev = str(p.resolve()) if (p.suffix or p.exists()) and (store is None or p.exists()) else str(previous_round)
    matrix_param = check_matrix(matrix)
    if as_of is not None:
        as_of_day(as_of, None)  # a bad date fails here, before any work
    if assessment is not None:
        meta = assessment.meta
        name, label = str(meta.get("municipality") or "ukendt"), str(meta.get("round") or Path(str(workbook)).stem)
    else:
        from .store import round_municipality

        label = _need_round(round_)
        name = round_municipality(store, label, municipality)
    return QuarterlyInputs(
        workbook=workbook,
        store=Path(store).resolve() if store is not None else None,
        round=round_,
        previous_round=prev,
        municipality=municipality,
        matrix=matrix_param,
        as_of=str(as_of) if as_of is not None else None,
        municipality_name=name,
        round_label=label,
        assessment=assessment,
    )


def check_optional_inputs(activities: str | Path | None, peers: str | Path | None, k: int | None) -> dict[str, Any]:
    """The quarterly report's optional inputs (KL's activity list, peer extracts),
    checked and made absolute before any work; absent ones are not passed at all."""
    extra: dict[str, Any] = {}
    if activities is not None:
        from .activities import read_activities

        read_activities(activities)  # a bad list fails here, with its cells
        extra["activities"] = str(Path(activities).resolve())
    if peers is not None:
        from .benchmark import K_DEFAULT, check_k, peer_tables

        peer_tables(peers)  # an empty or unreadable folder fails here
        extra["peers"] = str(Path(peers).resolve())
        extra["peers_k"] = check_k(K_DEFAULT if k is None else k)
    return extra


def trend_inputs(
    store: str | Path | None,
    municipality: str | None,
    first_round: str | None,
    last_round: str | None,
    **unused: Any,
) -> tuple[Path, str, list[str]]:
    """The trend report's store (made absolute: papermill runs in notebooks/), its
    municipality and round labels, resolved once so the folder name and the content
    cannot disagree. ``unused``: the quarterly report's options, refused when given."""
    from .store import store_path, trend_span

    given = [k for k, v in unused.items() if v is not None]
    if given:
        raise UserError(
            f"Trendrapporten læser lageret; {', '.join(given)} bruges ikke (brug --first-round/--last-round).",
            f"The trend report reads the store; {', '.join(given)} is not used (use --first-round/--last-round).",
        )
    store_file = store_path(store).resolve()
    mun, labels = trend_span(store_file, municipality, first_round, last_round)
    return store_file, mun, list(labels)


@dataclass(frozen=True)
class TrendContext:
    """What the trend report shows: one municipality's rounds from the store
    (:func:`isms_analysis.store.trend_history`), the store file and the parameters listed
    in the report's provenance."""

    history: pd.DataFrame
    store: Path
    params: dict[str, Any] = field(default_factory=dict)
    lang: str = "da"


def trend_context(
    store: str | Path | None = None,
    municipality: str | None = None,
    first_round: str | None = None,
    last_round: str | None = None,
    lang: str = "da",
) -> TrendContext:
    """The trend report's inputs as its notebook's parameters give them: the store
    (``None``: ``$ISMS_STORE`` or ``data/isms.duckdb``, also found from ``notebooks/``),
    the municipality and the range of rounds (see :func:`isms_analysis.store.trend_span`)."""
    from .store import store_path, trend_history

    store_file = store_path(store)
    beside = Path.cwd().parent / store_file  # run from notebooks/
    if store is None and not store_file.is_absolute() and not store_file.exists() and beside.exists():
        store_file = beside
    params = {"store": store_file.name, "municipality": municipality, "first_round": first_round,
              "last_round": last_round, "lang": lang}  # fmt: skip
    history = trend_history(store_file, municipality, first_round, last_round)
    return TrendContext(history, store_file, params, lang)


def benchmark_context(
    extracts: str | Path | None = None,
    municipality: str | None = None,
    round: str | None = None,  # noqa: A002 - the parameter name users see
    k: int = 5,
    lang: str = "da",
) -> Any:
    """The peer report's :class:`~isms_analysis.benchmark.BenchmarkContext` over the
    extracts in ``extracts``; without extracts, the bundled sample's rounds next to
    made-up peers (:func:`isms_analysis.municipalities.sample_benchmark`), to try the
    report on."""
    from .benchmark import load_benchmark
    from .municipalities import sample_benchmark

    if extracts is None:
        extracts, municipality = sample_benchmark()
    return load_benchmark(extracts, municipality=municipality, round=round, k=k, lang=lang)

