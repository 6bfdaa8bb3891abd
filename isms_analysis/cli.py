"""The ``isms`` command: thin wrappers over the package's functions.

Every command prints Danish by default (``--lang en`` for English), exits 0 on
success, 1 when the input is invalid, 2 when it cannot be read or the command is
used wrongly, and never shows a Python traceback for bad input.
"""

from __future__ import annotations

import json
import signal
import sys
import warnings
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli_i18n import LocalisedGroup
from .errors import UserError
from .terminal import printable
from .text import t
from .version import __version__

app = typer.Typer(
    cls=LocalisedGroup,  # Danish help (English with --lang en / ISMS_LANG=en), see cli_i18n
    help="isms-analysis: risikovurdering efter KL's drejebog (ISO 27001:2022).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
report_app = typer.Typer(
    help="Dan rapporter (kvartalsrapport, trendrapport, benchmark).", no_args_is_help=True
)
app.add_typer(report_app, name="report")

Lang = Annotated[str, typer.Option("--lang", envvar="ISMS_LANG", help="Sprog for beskeder og output: da eller en.")]
MinMunicipalitiesOpt = Annotated[
    int,
    typer.Option("--min-municipalities", help="Et sammenligningstal vises kun, når mindst så mange kommuner bidrager (mindst 3)."),
]
ActivitiesOpt = Annotated[
    Path | None,
    typer.Option("--activities", help="Liste over fælles behandlingsaktiviteter (CSV/XLSX), hvis konsekvenser nedarves."),
]


def _err(text: str) -> None:
    typer.echo(printable(text, keep_newlines=True), err=True)


def _written(path: Path, pdf: bool) -> None:
    """Print every file a report command wrote: the HTML, and the PDF beside it."""
    _out(str(path))
    if pdf:
        _out(str(path.with_suffix(".pdf")))


def _out(text: str, *, json: bool = False) -> None:
    """Print to stdout with control and invisible characters escaped (never raw ESC or BEL)."""
    typer.echo(printable(text, keep_newlines=True, json=json))


def user_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn UserError into a message and exit code; bad arguments into exit 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        lang = kwargs.get("lang", "da")
        if lang not in ("da", "en"):
            _err(f"Ukendt sprog '{lang}': brug da eller en. / Unknown language: use da or en.")
            raise typer.Exit(2)
        try:
            with warnings.catch_warnings():  # library warnings would flood a cron mail
                warnings.simplefilter("ignore")
                return func(*args, **kwargs)
        except UserError as exc:
            _err(exc.message(lang))
            raise typer.Exit(exc.exit_code) from None
        except (IsADirectoryError, NotADirectoryError, FileExistsError) as exc:
            from .paths import path_error

            mixup = path_error(exc)
            if mixup is None:
                raise
            _err(mixup.message(lang))
            raise typer.Exit(2) from None
        except KeyboardInterrupt as exc:
            signum = getattr(exc, "signum", None)
            if signum:  # SIGTERM/SIGHUP, turned into an interrupt so temporary files were removed
                name = signal.Signals(signum).name
                _err(
                    f"Afbrudt ({name}); midlertidige filer er fjernet." if lang == "da"
                    else f"Interrupted ({name}); temporary files were removed."
                )  # fmt: skip
                raise typer.Exit(128 + signum) from None
            _err("Afbrudt." if lang == "da" else "Interrupted.")
            raise typer.Exit(130) from None

    return wrapper


def _version(value: bool) -> None:
    if value:
        typer.echo(f"isms-analysis {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Vis versionen og afslut.")
    ] = False,
    lang: Lang = "da",  # read before parsing, for the help texts (see cli_i18n); commands take their own
) -> None:
    """isms-analysis."""


@app.command()
@user_errors
def template(
    path: Annotated[Path, typer.Argument(help="Hvor skabelonen skal skrives (.xlsx).")],
    lang: Lang = "da",
    force: Annotated[bool, typer.Option("--force", help="Overskriv en eksisterende fil.")] = False,
) -> None:
    """Skriv en tom KL-lignende risikovurderingsskabelon (.xlsx)."""
    from .template import write_template

    if path.exists() and not force:
        raise UserError(
            f"{path.name} findes allerede; brug --force for at overskrive.",
            f"{path.name} already exists; use --force to overwrite.",
        )
    out = write_template(path, lang=lang)
    _out(str(out))


@app.command()
@user_errors
def validate(
    files: Annotated[list[Path], typer.Argument(help="En eller flere arbejdsbøger.")],
    lang: Lang = "da",
    format: Annotated[str, typer.Option("--format", help="text eller json.")] = "text",
    mapping: Annotated[Path | None, typer.Option("--mapping", help="TOML-fil med egne ark-/kolonnenavne.")] = None,
    activities: ActivitiesOpt = None,
) -> None:
    """Kontrollér arbejdsbøger og vis alle fejl og advarsler (exit 0 gyldig, 1 ugyldig, 2 ulæselig)."""
    from .workbook import format_problems, problems_to_records, validate_workbook

    if format not in ("text", "json"):
        raise UserError("--format skal være text eller json.", "--format must be text or json.")
    from .sheets import skip_lock_files

    files, notes = skip_lock_files(files, lang)
    for note in notes:
        _err(note)
    shared = None
    if activities is not None:
        from .activities import read_activities

        shared = read_activities(activities)
    worst = 0
    report: list[dict[str, Any]] = []
    for f in files:
        try:
            problems = validate_workbook(f, mapping=mapping, activities=shared)
        except UserError as exc:
            worst = max(worst, exc.exit_code)
            report.append({"file": f.name, "status": "unreadable", "message": exc.message(lang), "problems": []})
            if format == "text":
                _err(exc.message(lang))
            continue
        n_err = int((problems["severity"] == "error").sum())
        n_warn = int((problems["severity"] == "warning").sum())
        worst = max(worst, 1 if n_err else 0)
        report.append(
            {
                "file": f.name,
                "status": "invalid" if n_err else "valid",
                "errors": n_err,
                "warnings": n_warn,
                "problems": problems_to_records(problems, lang),
            }
        )
        if format == "text":
            if len(problems):
                _out(format_problems(problems, lang))
            verdict = t("cli.out_invalid" if n_err else "cli.out_valid", lang)
            _out(t("cli.out_valid_line", lang, file=f.name, verdict=verdict, errors=n_err, warnings=n_warn))
    if format == "json":
        _out(json.dumps(report, ensure_ascii=False, indent=2, default=str), json=True)
    raise typer.Exit(worst)


@app.command()
@user_errors
def score(
    file: Annotated[Path, typer.Argument(help="Arbejdsbogen der skal scores.")],
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Skriv det scorede register til denne .xlsx.")] = None,
    matrix: Annotated[str | None, typer.Option("--matrix", help="kl, standard, herning, datatilsynet eller en fil.")] = None,
    lang: Lang = "da",
    mapping: Annotated[Path | None, typer.Option("--mapping", help="TOML-fil med egne ark-/kolonnenavne.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overskriv en eksisterende fil.")] = False,
    activities: ActivitiesOpt = None,
) -> None:
    """Scor en arbejdsbog (begge perspektiver) og skriv registret til Excel eller vis et resumé."""
    from .matrix import MatrixError
    from .scoring import score as score_
    from .scoring import summarise
    from .workbook import read_workbook

    assessment = read_workbook(file, mapping=mapping, activities=activities)
    try:
        used = matrix or assessment.meta.get("matrix") or "kl"
        scores = score_(assessment, used)
    except MatrixError as exc:
        raise UserError(str(exc)) from None
    if out is None:
        from .decisions import decision_summary, decisions

        _out(summarise(scores, lang).to_string())
        summary = decision_summary(decisions(assessment, scores, lang=lang, matrix=used), lang)
        summary = summary[summary["count"] > 0].set_index("label")["count"]
        summary.index.name = t("cli.out_decisions_heading", lang)
        _out("\n" + summary.to_string())
        return
    from .register import write_register

    if out.exists() and not force:
        raise UserError(
            f"{out.name} findes allerede; brug --force for at overskrive.",
            f"{out.name} already exists; use --force to overwrite.",
        )
    write_register(assessment, scores, out, lang=lang, matrix=used)
    _out(str(out))


@app.command()
@user_errors
def sample(
    directory: Annotated[Path, typer.Argument(help="Mappe til eksempelkommunens arbejdsbøger.")],
    rounds: Annotated[int, typer.Option("--rounds", min=1, max=40, help="Antal kvartalsrunder (1-40).")] = 8,
    risks: Annotated[int, typer.Option("--risks", min=10, help="Antal risici i hver runde (mindst 10).")] = 1500,
    seed: Annotated[
        int, typer.Option("--seed", help="Startværdi for tilfældighederne; samme værdi giver samme arbejdsbøger.")
    ] = 0,
    lang: Lang = "da",
    municipalities: Annotated[
        int | None,
        typer.Option("--municipalities", min=1, max=98, help="Skriv så mange forskellige kommuner (hver i sin mappe)."),
    ] = None,
) -> None:
    """Skriv en syntetisk eksempelkommune ("Eksempel Kommune") over flere kvartalsrunder."""
    if municipalities is not None:
        from .municipalities import write_municipalities

        for p in write_municipalities(directory, municipalities, rounds=rounds, risks=risks, seed=seed, lang=lang):
            _out(str(p))
        return
    from .sample import write_sample

    for p in write_sample(directory, rounds=rounds, risks=risks, seed=seed, lang=lang):
        _out(str(p))


StoreOpt = Annotated[
    Path | None, typer.Option("--store", help="Lagerfil (standard: $ISMS_STORE eller data/isms.duckdb).")
]


@app.command("import")
@user_errors
def import_(
    file: Annotated[Path, typer.Argument(help="Den godkendte arbejdsbog, der skal gemmes i lageret.")],
    store: StoreOpt = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Gem en ny version af en runde, der allerede findes (den gamle bevares).")
    ] = False,
    mapping: Annotated[Path | None, typer.Option("--mapping", help="TOML-fil med egne ark-/kolonnenavne.")] = None,
    lang: Lang = "da",
) -> None:
    """Kontrollér en arbejdsbog og gem runden i lageret (runder ændres ikke; --replace gemmer en ny version)."""
    from .store import check_writable, import_round
    from .workbook import read_workbook

    check_writable(store)  # a read-only store folder fails here, not at COMMIT after all the work
    assessment = read_workbook(file, mapping=mapping)  # invalid -> ValidationFailed (exit 1) with every problem
    if not assessment.meta.get("approved_by") or not assessment.meta.get("approved_date"):
        _err(t("cli.out_not_approved", lang))
    info = import_round(assessment, store, replace=replace)
    _out(t("cli.out_stored", lang, **{k: info[k] for k in ("municipality", "round", "version", "risks", "store")}))


@app.command("rounds")
@user_errors
def rounds_(
    store: StoreOpt = None,
    lang: Lang = "da",
    format: Annotated[str, typer.Option("--format", help="text eller json.")] = "text",
) -> None:
    """Vis runderne i lageret (alle versioner; erstattede versioner markeret)."""
    from .store import list_rounds, store_path

    if format not in ("text", "json"):
        raise UserError("--format skal være text eller json.", "--format must be text or json.")
    if not store_path(store).exists():
        _out(t("cli.out_no_store", lang, store=store_path(store)))
        return
    rounds = list_rounds(store, verify=True)  # a store that import would call damaged is reported here too
    if format == "text":
        _err(t("cli.out_store", lang, store=store_path(store)))
    if format == "json":
        _out(rounds.to_json(orient="records", date_format="iso", force_ascii=False, indent=2), json=True)
        return
    if rounds.empty:
        _out(t("cli.out_no_rounds", lang, store=store_path(store)))
        return
    headers = {
        "municipality": "common.municipality_name", "round": "common.round", "version": "cli.out_version",
        "date": "cli.out_date", "risks": "common.risks", "approved_by": "common.approved_by",
        "approved_date": "cli.out_approved", "matrix": "cli.out_matrix", "superseded": "cli.out_superseded",
        "sha256": "common.sha256",
    }  # fmt: skip
    shown = rounds[list(headers)].copy()
    for c in ("date", "approved_date"):
        shown[c] = shown[c].dt.strftime("%Y-%m-%d")
    yes, no = t("cli.out_yes", lang), t("cli.out_no", lang)
    shown["superseded"] = shown["superseded"].map({True: yes, False: no})
    shown["sha256"] = shown["sha256"].str[:12]
    shown.columns = [t(headers[c], lang) for c in headers]
    _out(shown.fillna("").to_string(index=False))


@app.command("export-parquet")
@user_errors
def export_parquet_(
    directory: Annotated[Path, typer.Argument(help="Mappe til Parquet-filerne (opdelt efter kommune og runde).")],
    store: StoreOpt = None,
    all_versions: Annotated[bool, typer.Option("--all-versions", help="Tag også erstattede versioner med.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Skriv i en mappe, der ikke er tom (kun en tidligere eksports filer erstattes).")
    ] = False,
    lang: Lang = "da",
) -> None:
    """Eksportér lageret som Parquet, opdelt hive-style efter kommune og runde (til en ny eller tom mappe)."""
    from .store import export_parquet

    for p in export_parquet(store, directory, all_versions=all_versions, force=force):
        _out(str(p))


@report_app.command("quarterly")
@user_errors
def report_quarterly(
    workbook: Annotated[Path | None, typer.Option("--workbook", help="Rundens arbejdsbog (.xlsx).")] = None,
    store: StoreOpt = None,
    round: Annotated[
        str | None,
        typer.Option("--round", help="Rundens navn i lageret, fx \"2026 Q3\" (standard: den nyeste godkendte runde)."),
    ] = None,
    previous_round: Annotated[
        str | None,
        typer.Option(
            "--previous-round",
            help="Forrige runde: navn i lageret eller en arbejdsbog (standard: runden før i lageret).",
        ),
    ] = None,
    municipality: Annotated[
        str | None, typer.Option("--municipality", help="Kommunen, når lageret har flere kommuner.")
    ] = None,
    lang: Lang = "da",
    out: Annotated[Path, typer.Option("--out", help="Mappe til rapporterne.")] = Path("reports"),
    pdf: Annotated[bool, typer.Option("--pdf", help="Dan også en PDF (headless Chromium).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overskriv en eksisterende rapport.")] = False,
    matrix: Annotated[
        str | None, typer.Option("--matrix", help="kl, standard, herning, datatilsynet eller en fil (standard: rundens egen).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Dato for overskredne frister, ÅÅÅÅ-MM-DD eller DD-MM-ÅÅÅÅ (dag først, som i arbejdsbøgerne; standard: vurderingsdatoen).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Ingen fremdriftslinjer på stderr.")] = False,
    activities: ActivitiesOpt = None,
    peers: Annotated[
        Path | None, typer.Option("--peers", help="Mappe med benchmark-udtræk: tilføjer 'Sammenlignet med andre kommuner'.")
    ] = None,
    min_municipalities: MinMunicipalitiesOpt = 5,
) -> None:
    """Dan kvartalsrapporten til informationssikkerhedsudvalget (HTML, evt. PDF) og skriv stien."""
    from .runner import run_report, skip_iri_grammar
    from .store import store_path

    skip_iri_grammar()

    if workbook is not None and round is not None:
        raise UserError(
            "Brug enten --workbook eller --round, ikke begge (--store kan bruges sammen med begge).",
            "Use either --workbook or --round, not both (--store goes with either).",
        )
    path = run_report(
        "quarterly",
        workbook=workbook,
        store=store_path(store) if workbook is None or store is not None else None,
        round=round,
        previous_round=previous_round,
        municipality=municipality,
        lang=lang,
        out=out,
        pdf=pdf,
        force=force,
        matrix=matrix,
        as_of=as_of,
        progress=not quiet,
        activities=activities,
        peers=peers,
        k=min_municipalities,
    )
    _written(path, pdf)
    import gc

    gc.freeze()  # nothing left to collect: skip the interpreter's final sweep of pandas' objects (~0.3 s)


@report_app.command("benchmark")
@user_errors
def report_benchmark(
    extracts: Annotated[Path, typer.Option("--extracts", help="Mappe med benchmark-udtræk (*.parquet).")],
    municipality: Annotated[
        str | None, typer.Option("--municipality", help="Kommunens navn eller pseudonym i udtrækkene.")
    ] = None,
    round: Annotated[str | None, typer.Option("--round", help="Runden, fx \"2026 Q3\" (standard: kommunens nyeste).")] = None,
    min_municipalities: MinMunicipalitiesOpt = 5,
    lang: Lang = "da",
    out: Annotated[Path, typer.Option("--out", help="Mappe til rapporterne.")] = Path("reports"),
    pdf: Annotated[bool, typer.Option("--pdf", help="Dan også en PDF (headless Chromium).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overskriv en eksisterende rapport.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="Ingen fremdriftslinjer på stderr.")] = False,
) -> None:
    """Dan rapporten "Hvor står vi?": kommunen sammenlignet med andre kommuners udtræk (HTML, evt. PDF)."""
    from .runner import run_report

    path = run_report(
        "benchmark",
        extracts=extracts,
        municipality=municipality,
        round=round,
        k=min_municipalities,
        lang=lang,
        out=out,
        pdf=pdf,
        force=force,
        progress=not quiet,
    )
    _written(path, pdf)


@app.command("export-benchmark")
@user_errors
def export_benchmark_(
    out: Annotated[Path, typer.Option("-o", "--out", help="Udtrækkets fil (.parquet).")],
    workbook: Annotated[Path | None, typer.Option("--workbook", help="Rundens arbejdsbog.")] = None,
    store: StoreOpt = None,
    round: Annotated[str | None, typer.Option("--round", help="Rundens navn i lageret, fx \"2026 Q3\".")] = None,
    municipality: Annotated[
        str | None, typer.Option("--municipality", help="Kommunen, når lageret har flere kommuner.")
    ] = None,
    named: Annotated[
        bool, typer.Option("--named", help="Skriv kommunens navn i udtrækket (standard: et fast, tilfældigt pseudonym).")
    ] = False,
    activities: ActivitiesOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overskriv en eksisterende fil.")] = False,
    lang: Lang = "da",
) -> None:
    """Skriv et anonymiseret benchmark-udtræk af én runde (kun optællinger; se indholdet med show-extract)."""
    from .benchmark import export_benchmark

    if workbook is not None and round is not None:
        raise UserError(
            "Brug enten --workbook eller --store/--round, ikke begge.",
            "Use either --workbook or --store/--round, not both.",
        )
    path, extract = export_benchmark(
        out, workbook=workbook, store=store, round=round, municipality=municipality, named=named,
        activities=activities, force=force,
    )  # fmt: skip
    who = extract["municipality"].iloc[0] if len(extract) else ""
    _out(t("cli.out_extract_written", lang, path=path, rows=len(extract), who=who))


@app.command("show-extract")
@user_errors
def show_extract(
    file: Annotated[Path, typer.Argument(help="Benchmark-udtrækket (.parquet).")],
    lang: Lang = "da",
) -> None:
    """Vis præcis hvad et benchmark-udtræk indeholder, før det sendes."""
    from .benchmark import describe_extract, read_extract

    _out(describe_extract(read_extract(file), lang))


@report_app.command("trend")
@user_errors
def report_trend(
    store: StoreOpt = None,
    municipality: Annotated[
        str | None, typer.Option("--municipality", help="Kommunen (standard: lagerets eneste/første).")
    ] = None,
    first_round: Annotated[str | None, typer.Option("--first-round", help="Første runde (standard: den ældste).")] = None,
    last_round: Annotated[str | None, typer.Option("--last-round", help="Sidste runde (standard: den nyeste).")] = None,
    lang: Lang = "da",
    out: Annotated[Path, typer.Option("--out", help="Mappe til rapporterne.")] = Path("reports"),
    pdf: Annotated[bool, typer.Option("--pdf", help="Dan også en PDF (headless Chromium).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overskriv en eksisterende rapport.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="Ingen fremdriftslinjer på stderr.")] = False,
) -> None:
    """Dan trendrapporten over lagerets runder (HTML, evt. PDF) og skriv stien."""
    from .runner import run_report
    from .store import store_path

    if not quiet:
        _err(t("cli.out_store", lang, store=store_path(store)))

    path = run_report(
        "trend",
        store=store,
        municipality=municipality,
        first_round=first_round,
        last_round=last_round,
        lang=lang,
        out=out,
        pdf=pdf,
        force=force,
        progress=not quiet,
    )
    _written(path, pdf)


@app.command()
@user_errors
def demo(
    sample: Annotated[Path, typer.Option("--sample", help="Mappe med eksempelrunderne.")] = Path("data/sample"),
    out: Annotated[Path, typer.Option("--out", help="Mappe til rapporterne.")] = Path("reports"),
    lang: Lang = "da",
    pdf: Annotated[bool, typer.Option("--pdf", help="Dan også PDF.")] = False,
    store: Annotated[
        Path | None,
        typer.Option("--store", help="Lagerfil til eksempelrunderne (standard: $ISMS_STORE eller data/isms.duckdb)."),
    ] = None,
) -> None:
    """Kør hovedopgaven på eksempelkommunen: importér alle runder, dan kvartals- og trendrapporten."""
    from .demo import run_demo

    for p in run_demo(sample, out, lang=lang, pdf=pdf, store=store):
        _out(str(p))


def run() -> None:  # pragma: no cover - console entry alternative
    sys.exit(app())
