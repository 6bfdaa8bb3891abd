"""Render the reports unattended: papermill runs the report notebook, nbconvert turns
it into one self-contained HTML file, headless Chromium prints a PDF.

Two kinds: ``quarterly`` (the committee report for one round, from a workbook or the
store, compared with the previous round) and ``trend`` (the store's rounds over time).

Operations runs this from cron or CI, so a run must be safe to repeat and loud when
it fails:

- the parameters reach the notebook only as papermill parameters (never as code);
- everything is rendered into a temporary folder next to the target and moved into
  place only when every step succeeded; a report already there is never overwritten
  without ``force``; a failing run raises :class:`UserError` naming the failing cell
  and keeps the executed notebook as ``<name>.failed.ipynb`` for diagnosis;
- the HTML embeds plotly.js once and loads nothing from the network;
- the same inputs give byte-identical HTML except for the one line that says when
  the report was generated (``<p ... id="isms-generated">``; set
  ``SOURCE_DATE_EPOCH`` to fix that too).

Output: ``<out>/<municipality>/<round>/committee-report.html`` (quarterly) or
``<out>/<municipality>/trend-<first>-<last>/trend-report.html`` (trend), each with
``.pdf`` when ``pdf=True`` and ``.ipynb``, the executed notebook, as the record.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import UserError
from .paths import safe_name

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
KINDS = {"quarterly": "quarterly_report.ipynb", "trend": "trend_report.ipynb", "benchmark": "benchmark_report.ipynb"}
BASENAMES = {"quarterly": "committee-report", "trend": "trend-report", "benchmark": "benchmark-report"}
BASENAME = BASENAMES["quarterly"]
CHROMIUM = "chromium"  # found on the PATH or named by $ISMS_CHROMIUM (see browser.py)
GENERATED_LINE = re.compile(r'<p class="isms-generated" id="isms-generated">[^<]*</p>')

# The lab template without anything fetched from the network (require.js, MathJax,
# mermaid, widgets); the report's own CSS and plotly.js come with the outputs.
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


RECORD = ".isms-report.json"  # in each report folder: whose report it is (kind, municipality, round)
_STALE_AFTER = 24 * 3600  # seconds: a temporary folder without a live owner is swept after this


class _Steps:
    """One progress line per step on stderr (via tqdm.write), silent with progress=False."""

    def __init__(self, total: int, enabled: bool) -> None:
        import time

        self.total, self.enabled, self.n, self.t0 = total, enabled, 0, time.monotonic()

    def step(self, text: str) -> None:
        import time

        from tqdm import tqdm

        self.n += 1
        if self.enabled:
            tqdm.write(f"[{self.n}/{self.total}] {time.monotonic() - self.t0:5.1f} s  {text}", file=sys.stderr)

    def close(self) -> None:
        pass


def _exporter_class() -> type:
    """nbconvert's HTMLExporter without its final BeautifulSoup pass (which only adds
    alt texts to images and tab stops, and costs seconds on long tables)."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter

    class ReportExporter(HTMLExporter):
        def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> Any:
            try:
                from nbconvert.filters.highlight import Highlight2HTML
                from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

                resources = self._init_resources(resources)
                self.register_filter("highlight_code", Highlight2HTML(pygments_lexer="python", parent=self))
                self.register_filter(
                    "filter_data_type",
                    WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources),
                )
            except (ImportError, AttributeError, TypeError):  # nbconvert changed: use it as it is
                return super().from_notebook_node(nb, resources, **kw)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReportExporter


def to_html(notebook: Path, lang: str = "da", title: str | None = None) -> str:
    """The executed notebook as one self-contained HTML page without code or prompts."""
    import nbformat
    from jinja2 import DictLoader

    nb = nbformat.read(notebook, as_version=4)
    if title:
        nb.metadata["title"] = title
    for i, cell in enumerate(nb.cells):  # papermill's injected cell has a random id
        cell["id"] = f"cell-{i}"
    exporter = _exporter_class()(
        template_name="lab",
        extra_loaders=[DictLoader({"isms_committee.html.j2": _TEMPLATE})],
        template_file="isms_committee.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_markdown=True,
        exclude_raw=True,
    )
    exporter.language_code = lang
    body, _ = exporter.from_notebook_node(nb)
    bad = re.findall(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", body, re.I)
    if bad:
        raise UserError(
            "Rapporten ville hente filer fra nettet; den skal være selvstændig.",
            "The report would load files from the network; it must be self-contained.",
        )
    return body


def normalise_html(text: str) -> str:
    """The HTML with the generated-at line blanked (to compare two renders)."""
    return GENERATED_LINE.sub('<p class="isms-generated" id="isms-generated"></p>', text)


def skip_iri_grammar() -> None:
    """For the report command's own process: jsonschema (imported by papermill and
    nbconvert through nbformat) builds the RFC 3987 grammar of the optional
    ``rfc3987_syntax`` package at import, about a second, only to check the "iri"
    format, which no notebook schema uses. Marking the package as absent before the
    first import skips that; a process that imported jsonschema already is left alone."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]


def print_pdf(html_path: Path, pdf_path: Path, timeout: float = 180) -> Path:
    """Print the HTML to PDF with headless Chromium (no network, fresh profile). The
    running header (municipality, round) and the page numbers are CSS paged-media
    margin boxes in the report's own style sheet, so Chromium's default header and
    footer are switched off."""
    from .browser import chromium_path

    chromium = chromium_path()
    if chromium is None:
        raise UserError(
            "PDF kræver Chromium, som ikke blev fundet (installér chromium, eller angiv stien i $ISMS_CHROMIUM).",
            "PDF needs Chromium, which was not found (install chromium, or give its path in $ISMS_CHROMIUM).",
        )
    with tempfile.TemporaryDirectory(prefix="isms-chromium-") as profile:
        cmd = [
            str(chromium),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            "--run-all-compositor-stages-before-draw",
            "--virtual-time-budget=10000",
            f"--print-to-pdf={pdf_path}",
            html_path.resolve().as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise UserError(
                f"Chromium blev ikke færdig med PDF'en inden {timeout:.0f} s.",
                f"Chromium did not finish the PDF within {timeout:.0f} s.",
            ) from None
    if proc.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        tail = (proc.stderr or "").strip().splitlines()[-3:]
        raise UserError(
            f"PDF kunne ikke dannes (Chromium exit {proc.returncode}): {' '.join(tail)}",
            f"Could not make the PDF (Chromium exit {proc.returncode}): {' '.join(tail)}",
        )
    return pdf_path


def _failure(exc: Exception, notebook: Path) -> UserError:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    index = getattr(exc, "cell_index", None)
    source = (getattr(exc, "source", "") or "").strip().splitlines()
    where = f"celle {index}" if index is not None else "notesbogen"
    where_en = f"cell {index}" if index is not None else "the notebook"
    snippet = f" ({source[-1][:100]})" if source else ""
    return UserError(
        f"Rapporten fejlede i {where}{snippet}: {ename}: {evalue}. Den kørte notesbog er gemt i {notebook}",
        f"The report failed in {where_en}{snippet}: {ename}: {evalue}. The executed notebook is kept in {notebook}",
    )


def run_report(
    kind: str = "quarterly",
    *,
    workbook: str | Path | None = None,
    store: str | Path | None = None,
    round: str | None = None,  # noqa: A002 - the name users know
    previous_round: str | Path | None = None,
    lang: str = "da",
    out: str | Path = "reports",
    pdf: bool = False,
    force: bool = False,
    matrix: str | None = None,
    as_of: str | None = None,
    progress: bool = True,
    municipality: str | None = None,
    first_round: str | None = None,
    last_round: str | None = None,
    activities: str | Path | None = None,
    peers: str | Path | None = None,
    extracts: str | Path | None = None,
    k: int | None = None,
) -> Path:
    """Render a report; returns the path of the HTML file.

    ``quarterly``: with neither ``workbook`` nor ``store`` the latest sample workbook
    is used and, unless ``previous_round`` is given, its previous round; with a store,
    ``round`` and ``previous_round`` are round labels.

    ``trend``: the store's rounds of ``municipality`` (default: the only or first one)
    from ``first_round`` to ``last_round`` (default: all); ``store`` defaults to
    ``$ISMS_STORE`` or ``data/isms.duckdb``.

    ``benchmark``: the peer report over the extracts in ``extracts`` for
    ``municipality`` (name or pseudonym) and ``round`` (default: its newest), showing
    a figure only when at least ``k`` (default 5) municipalities contribute.
    ``activities`` (quarterly) is a list of KL's shared processing activities;
    ``peers`` (quarterly) a folder of extracts for a short peer section."""
    if kind not in KINDS:
        raise UserError(f"Ukendt rapporttype '{kind}' (kendte: {', '.join(KINDS)}).", f"Unknown report kind '{kind}'.")
    if lang not in ("da", "en"):
        raise UserError(f"Ukendt sprog '{lang}': brug da eller en.", f"Unknown language '{lang}': use da or en.")
    from .context import PREREAD_ENV, check_optional_inputs

    steps = _Steps(6 if pdf else 5, progress)
    try:
        steps.step("Forbereder / preparing")
        if kind == "benchmark":
            parameters, target, title = _prepare_benchmark(extracts, municipality, round, k, lang, out)
        elif kind == "trend":
            parameters, target, title = _prepare_trend(
                workbook, store, round, previous_round, matrix, as_of, municipality, first_round, last_round, lang, out
            )
        else:
            parameters, target, title = _prepare_quarterly(
                workbook, store, round, previous_round, matrix, as_of, municipality, lang, out
            )
            parameters.update(check_optional_inputs(activities, peers, k))
        basename = BASENAMES[kind]
        record = _record(kind, parameters, title)
        _check_target(target, basename, record, force)
        try:
            target.mkdir(parents=True, exist_ok=True)
            sweep_stale(target.parent)
            tmp = Path(tempfile.mkdtemp(prefix=f".{basename}-", dir=target.parent))
            (tmp / _OWNER).write_text(json.dumps(_owner()), encoding="utf-8")
        except OSError as exc:
            raise UserError(
                f"Kan ikke skrive rapporten i {target}: {exc.strerror or exc}.",
                f"Cannot write the report to {target}: {exc.strerror or exc}.",
            ) from None
        handed: Path | None = None
        try:
            handed = _hand_over_preread(parameters)
            with _terminate_as_interrupt():
                return _render(
                    kind, tmp, target, steps, parameters=parameters, lang=lang, pdf=pdf, force=force, title=title,
                    record=record,
                )  # fmt: skip
        finally:
            os.environ.pop(PREREAD_ENV, None)
            if handed is not None:
                shutil.rmtree(handed, ignore_errors=True)
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        steps.close()


# -- whose report a folder holds, stale temporary folders, signals -------------------------------
_OWNER = ".isms-owner.json"  # in each temporary folder: the process that made it


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP during a run: unwinds like Ctrl-C, so temporary folders are removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` while a report is rendered (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    global _pending_signal

    def handler(signum: int, frame: Any) -> None:
        global _pending_signal
        # Remembered as well as raised: a signal that lands inside code that swallows
        # exceptions (an import-lock or weakref callback, a __del__) must still stop the
        # run before it publishes (:func:`_stop_if_terminated`) and when it unwinds.
        _pending_signal = signum
        _quiet_after_stop()
        raise Terminated(signum)

    wanted = [getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    _pending_signal = None
    previous = {sig: signal.signal(sig, handler) for sig in wanted}
    try:
        yield
        _stop_if_terminated()
    finally:
        _pending_signal = None
        for sig, old in previous.items():
            signal.signal(sig, old)


_pending_signal: int | None = None


def _quiet_after_stop() -> None:
    """After our own stop, the libraries' follow-up noise (the kernel we stop "died", an
    asyncio task's unretrieved DeadKernelError traceback at exit) is not a failure to
    report: the one message is "Afbrudt (SIGTERM)". Their loggers are silenced."""
    import logging

    for name in ("asyncio", "nbclient", "papermill", "traitlets", "NotebookClient"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def _stop_if_terminated() -> None:
    """Raise :class:`Terminated` when a SIGTERM/SIGHUP arrived whose exception was swallowed."""
    if _pending_signal is not None:
        raise Terminated(_pending_signal)


def _owner() -> dict[str, Any]:
    import socket

    return {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def sweep_stale(folder: Path) -> list[Path]:
    """Remove the temporary folders of killed runs in ``folder`` (only ours: named like
    ``.committee-report-*``/``.trend-report-*`` and holding an owner record whose process is
    gone, or older than a day); put back a report folder a killed publish had moved aside.
    Returns what was removed or restored."""
    import socket

    done: list[Path] = []
    host = socket.gethostname()
    try:
        entries = list(folder.iterdir())
    except OSError:
        return done
    for p in entries:
        if p.is_symlink() or not p.is_dir():
            continue
        if any(p.name.startswith(f".{b}-") for b in BASENAMES.values()):
            try:
                owner = json.loads((p / _OWNER).read_text(encoding="utf-8"))
                pid, age = int(owner["pid"]), time.time() - float(owner["started"])
            except (OSError, ValueError, KeyError, TypeError):
                continue  # not made by this tool (or still being set up): leave it
            if (owner.get("host") == host and not _alive(pid)) or age > _STALE_AFTER:
                shutil.rmtree(p, ignore_errors=True)
                done.append(p)
        elif p.name.startswith(".") and ".replaced-" in p.name and (p / RECORD).is_file():
            original = folder / p.name[1:].split(".replaced-", 1)[0]
            try:
                owner = json.loads((p / _OWNER).read_text(encoding="utf-8"))
                if owner.get("host") == host and _alive(int(owner["pid"])):
                    continue  # a publish in progress
            except (OSError, ValueError, KeyError, TypeError):
                pass
            if not original.exists():
                os.rename(p, original)  # the publish was killed between its two renames: roll back
            else:
                shutil.rmtree(p, ignore_errors=True)
            done.append(p)
    return done


def _record(kind: str, parameters: dict[str, Any], title: str) -> dict[str, str]:
    if kind == "trend":
        rnd = f"{parameters['first_round']}–{parameters['last_round']}"
        return {"kind": kind, "municipality": str(parameters["municipality"]), "round": rnd}
    return {"kind": kind, "municipality": parameters.get("_municipality", ""), "round": parameters.get("_round", "")}


def _read_record(target: Path) -> dict[str, str] | None:
    try:
        data = json.loads((target / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {k: str(data.get(k, "")) for k in ("kind", "municipality", "round")} if isinstance(data, dict) else None


def _check_target(target: Path, basename: str, record: dict[str, str], force: bool) -> None:
    """A report already there is replaced only with ``force`` and only when it is the same
    kind, municipality and round (recorded in the folder); nothing else is overwritten."""
    final_html = target / f"{basename}.html"
    existing = _read_record(target) if target.is_dir() else None
    if not final_html.exists() and existing is None:
        return
    if not force:
        raise UserError(
            f"Rapporten findes allerede: {final_html} (brug --force for at overskrive).",
            f"The report already exists: {final_html} (use --force to overwrite).",
        )
    if existing != record:
        held = f"{existing['municipality']} {existing['round']}" if existing else "en ukendt runde"
        held_en = f"{existing['municipality']} {existing['round']}" if existing else "an unknown round"
        raise UserError(
            f"Mappen {target} indeholder rapporten for {_printable(held)}, ikke for {_printable(record['municipality'])} "
            f"{_printable(record['round'])}; den overskrives ikke, heller ikke med --force. Flyt eller slet mappen.",
            f"The folder {target} holds the report for {_printable(held_en)}, not for "
            f"{_printable(record['municipality'])} {_printable(record['round'])}; it is not overwritten, not even "
            "with --force. Move or delete the folder.",
        )


def _printable(text: str) -> str:
    from .terminal import printable

    return printable(text)


def _hand_over_preread(parameters: dict[str, Any]) -> Path | None:
    """Keep the workbook this process has just read and validated in a private temporary
    folder (outside the report's folder, removed after the run) and point the notebook's
    kernel at it (``context.PREREAD_ENV``), so the kernel does not read and validate it a
    second time (about 0.7 s on the sample). Not with ``activities``: the kernel then
    reads with the shared list. Returns the folder, or None."""
    import pickle

    from .context import PREREAD_ENV, preread_key, preread_stamp

    pre = parameters.get("_preread")
    os.environ.pop(PREREAD_ENV, None)
    if pre is None or parameters.get("activities"):
        return None
    path, assessment = pre
    folder = Path(tempfile.mkdtemp(prefix="isms-preread-"))
    with (folder / preread_key(path)).open("wb") as fh:
        pickle.dump((preread_stamp(path), assessment), fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.environ[PREREAD_ENV] = str(folder)
    return folder


def _prepare_quarterly(
    workbook: str | Path | None,
    store: str | Path | None,
    round_: str | None,
    previous_round: str | Path | None,
    matrix: str | None,
    as_of: str | None,
    municipality: str | None,
    lang: str,
    out: str | Path,
) -> tuple[dict[str, Any], Path, str]:
    """The quarterly report's notebook parameters, target folder and title (every
    argument checked here, before any work)."""
    from .context import check_quarterly, check_workbook, default_workbooks

    if workbook is None and store is None:
        workbook, previous_round = default_workbooks(previous_round)
    wb, preread = check_workbook(workbook) if workbook is not None else (None, None)
    if store is not None:  # a scheduled run: the round and its comparison come from the store
        from .schedule import resolve

        meta = None if preread is None else {**preread.meta, "date": preread.meta.get("assessment_date")}
        chosen = resolve(
            store=store, round_=round_, previous_round=previous_round, municipality=municipality, workbook_meta=meta
        )
        round_, previous_round = chosen.round, chosen.previous_round
        municipality = municipality or chosen.municipality
    inputs = check_quarterly(wb, preread, store, round_, previous_round, matrix, as_of, municipality)
    target = Path(out) / safe_name(inputs.municipality_name) / safe_name(inputs.round_label)
    parameters: dict[str, Any] = {
        **inputs.parameters(lang),
        "_municipality": inputs.municipality_name,
        "_round": inputs.round_label,
    }
    if wb is not None:
        parameters["_preread"] = (wb, preread)
    return parameters, target, _title(inputs.municipality_name, inputs.round_label, lang)


def _prepare_trend(
    workbook: str | Path | None,
    store: str | Path | None,
    round_: str | None,
    previous_round: str | Path | None,
    matrix: str | None,
    as_of: str | None,
    municipality: str | None,
    first_round: str | None,
    last_round: str | None,
    lang: str,
    out: str | Path,
) -> tuple[dict[str, Any], Path, str]:
    """The trend report's notebook parameters, target folder and title."""
    from .comparison import trend_title
    from .context import trend_inputs

    store_file, mun, labels = trend_inputs(store, municipality, first_round, last_round, workbook=workbook,
                                           round=round_, previous_round=previous_round, matrix=matrix, as_of=as_of)  # fmt: skip
    target = Path(out) / safe_name(mun) / safe_name(f"trend-{labels[0]}-{labels[-1]}")
    parameters = {
        "store": str(store_file),
        "municipality": mun,
        "first_round": labels[0],
        "last_round": labels[-1],
        "lang": lang,
    }
    return parameters, target, trend_title(mun, labels, lang)


def _prepare_benchmark(
    extracts: str | Path | None,
    municipality: str | None,
    round_: str | None,
    k: int | None,
    lang: str,
    out: str | Path,
) -> tuple[dict[str, Any], Path, str]:
    """The peer report's notebook parameters, target folder and title; the extracts,
    municipality, round and k are checked here, before any work."""
    from .benchmark import K_DEFAULT, load_benchmark
    from .render.benchmark_report import title

    if extracts is None:
        raise UserError("Angiv mappen med udtræk (--extracts MAPPE).", "Give the extract folder (--extracts DIR).")
    ctx = load_benchmark(extracts, municipality, round_, K_DEFAULT if k is None else k, lang)
    target = Path(out) / safe_name(ctx.municipality) / safe_name(f"benchmark-{ctx.round}")
    parameters = {
        "extracts": str(Path(extracts).resolve()),
        "municipality": ctx.municipality,
        "round": ctx.round,
        "k": ctx.k,
        "lang": lang,
    }
    return parameters, target, title(ctx.municipality, ctx.round, lang)


def _title(municipality: str, round_label: str, lang: str) -> str:
    from .text import t

    return f"{t('report.title', lang)} – {municipality} {round_label}"


def _render(
    kind: str,
    tmp: Path,
    target: Path,
    steps: _Steps,
    *,
    parameters: dict[str, Any],
    lang: str,
    pdf: bool,
    force: bool,
    title: str,
    record: dict[str, str],
) -> Path:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    basename = BASENAMES[kind]
    executed = tmp / f"{basename}.ipynb"
    failed = target / f"{basename}.failed.ipynb"
    steps.step("Kører notesbogen / executing the notebook")
    try:
        pm.execute_notebook(
            str(NOTEBOOKS / KINDS[kind]),
            str(executed),
            parameters={k: v for k, v in parameters.items() if not k.startswith("_")},
            kernel_name="python3",
            language="python",
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            cwd=str(NOTEBOOKS),
            # keep the kernel's own start-up/shut-down log lines out of cron mail
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except PapermillExecutionError as exc:
        if executed.exists():
            os.replace(executed, failed)
        raise _failure(exc, failed) from None
    except Exception as exc:  # kernel could not start, notebook missing ...
        if executed.exists():
            os.replace(executed, failed)
        raise UserError(
            f"Notesbogen kunne ikke køres: {type(exc).__name__}: {exc}",
            f"The notebook could not be executed: {type(exc).__name__}: {exc}",
        ) from None

    steps.step("Danner HTML / converting to HTML")
    html_path = tmp / f"{basename}.html"
    html_path.write_text(to_html(executed, lang=lang, title=title), encoding="utf-8")

    pdf_path = tmp / f"{basename}.pdf"
    if pdf:
        steps.step("Danner PDF / printing the PDF")
        print_pdf(html_path, pdf_path)

    steps.step("Udgiver / publishing")
    _stop_if_terminated()
    final_html = target / f"{basename}.html"
    _check_target(target, basename, record, force)  # again: another run may have published meanwhile
    _publish_set(tmp, target, basename, record)
    steps.step("Færdig / done")
    return final_html


def _publish_set(tmp: Path, target: Path, basename: str, record: dict[str, str]) -> None:
    """Swap the rendered set (HTML, PDF, notebook, record) in for the folder's old one as a unit:
    the new folder is assembled beside the target (with any other files the folder holds), then
    the old folder is renamed aside and the new one into place. A run killed between the two
    renames is rolled back by the next run (:func:`sweep_stale`); an old HTML never sits next
    to a new PDF."""
    ours = {f"{basename}.{ext}" for ext in ("html", "pdf", "ipynb", "failed.ipynb")} | {RECORD, _OWNER}
    (tmp / RECORD).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    if target.is_dir():
        for p in target.iterdir():  # the user's own files in the folder go along (copied, never moved)
            if p.name not in ours:
                if p.is_dir() and not p.is_symlink():
                    shutil.copytree(p, tmp / p.name, symlinks=True)
                else:
                    shutil.copy2(p, tmp / p.name, follow_symlinks=False)
    aside = target.parent / f".{target.name}.replaced-{os.getpid()}-{time.time_ns()}"
    if target.exists():
        (target / _OWNER).write_text(json.dumps(_owner()), encoding="utf-8")
        os.rename(target, aside)
    os.rename(tmp, target)  # tmp keeps its owner record until here, so a kill before it is swept
    (target / _OWNER).unlink(missing_ok=True)
    shutil.rmtree(aside, ignore_errors=True)
