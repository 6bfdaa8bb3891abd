"""The ``isms`` command's help in Danish, or in English with ``--lang en`` / ``ISMS_LANG=en``.

``cli.py`` writes every help text in Danish. This module localises the rest at the
click/typer level, once per run, before the arguments are parsed:

- typer's own words on the help page ("Usage:", "Options", "Arguments",
  "Show this message and exit.", "[default: …]", "[required]") come from a small
  catalogue (:data:`CLICK_DA`), set on typer's help renderer and on each command's
  context and help option (no library code is patched);
- metavars say what to give (``FIL``, ``MAPPE``, ``TEKST``, ``TAL``) and flags have none
  (no ``<bool>``);
- under English, every help text is looked up in :data:`HELP_EN` (a test checks that each
  Danish text has its English one).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import typer
import typer.core
from typer import _click as click  # typer vendors its own click
from typer._click.formatting import HelpFormatter

# click/typer message -> Danish
CLICK_DA: dict[str, str] = {
    "Usage:": "Brug:",
    "Options": "Tilvalg",
    "Arguments": "Argumenter",
    "Commands": "Kommandoer",
    "Positional arguments": "Argumenter",
    "Show this message and exit.": "Vis denne hjælp og afslut.",
    "[default: {}]": "[standard: {}]",
    "default: {default}": "standard: {default}",
    "[required]": "[skal angives]",
    "required": "skal angives",
    "[env var: {}]": "[miljøvariabel: {}]",
    "env var: {var}": "miljøvariabel: {var}",
    "Error": "Fejl",
    "Aborted.": "Afbrudt.",
    "Aborted!": "Afbrudt!",
    "Try [blue]'{command_path} {help_option}'[/] for help.": "Prøv [blue]'{command_path} {help_option}'[/] for hjælp.",
    "Try '{command} {option}' for help.": "Prøv '{command} {option}' for hjælp.",
    "Missing command.": "Kommando mangler.",
    "No such command {name!r}.": "Ukendt kommando {name!r}.",
    "Missing argument": "Argument mangler",
    "Missing option": "Tilvalg mangler",
    "Missing parameter": "Parameter mangler",
    "Missing argument '{param_hint}'.": "Argumentet '{param_hint}' mangler.",
    "Missing option '{param_hint}'.": "Tilvalget '{param_hint}' mangler.",
    "Missing parameter: {param_name}": "Parameteren mangler: {param_name}",
    "No such option: {name}": "Ukendt tilvalg: {name}",
    "Invalid value: {message}": "Ugyldig værdi: {message}",
    "Invalid value for {param_hint}: {message}": "Ugyldig værdi for {param_hint}: {message}",
    "Got unexpected extra argument ({args})": "Uventet ekstra argument ({args})",
    "Got unexpected extra arguments ({args})": "Uventede ekstra argumenter ({args})",
    "Option {name!r} requires an argument.": "Tilvalget {name!r} kræver en værdi.",
    "{value!r} is not a valid {number_type}.": "{value!r} er ikke et gyldigt tal.",
    "{value!r} is not a valid integer.": "{value!r} er ikke et gyldigt heltal.",
    "(deprecated) ": "(udgået) ",
    "(dynamic)": "(dynamisk)",
}

# Danish help text -> English (commands, options and arguments of cli.py)
HELP_EN: dict[str, str] = {
    "isms-analysis: risikovurdering efter KL's drejebog (ISO 27001:2022).":
        "isms-analysis: risk assessment after KL's playbook (ISO 27001:2022).",
    "Dan rapporter (kvartalsrapport, trendrapport).": "Render reports (quarterly report, trend report).",
    "isms-analysis.": "isms-analysis.",
    "Sprog for beskeder og output: da eller en.": "Language of messages and output: da or en.",
    "Vis versionen og afslut.": "Show the version and exit.",
    "Hvor skabelonen skal skrives (.xlsx).": "Where to write the template (.xlsx).",
    "Overskriv en eksisterende fil.": "Overwrite an existing file.",
    "En eller flere arbejdsbøger.": "One or more workbooks.",
    "text eller json.": "text or json.",
    "TOML-fil med egne ark-/kolonnenavne.": "TOML file with your own sheet/column names.",
    "Arbejdsbogen der skal scores.": "The workbook to score.",
    "Skriv det scorede register til denne .xlsx.": "Write the scored register to this .xlsx.",
    "kl, standard, herning, datatilsynet eller en fil.": "kl, standard, herning, datatilsynet or a file.",
    "Mappe til eksempelkommunens arbejdsbøger.": "Folder for the sample municipality's workbooks.",
    "Antal kvartalsrunder (1-40).": "Number of quarterly rounds (1-40).",
    "Antal risici i hver runde (mindst 10).": "Number of risks in each round (at least 10).",
    "Startværdi for tilfældighederne; samme værdi giver samme arbejdsbøger.":
        "Random seed; the same value gives the same workbooks.",
    "Lagerfil (standard: $ISMS_STORE eller data/isms.duckdb).":
        "Store file (default: $ISMS_STORE or data/isms.duckdb).",
    "Den godkendte arbejdsbog, der skal gemmes i lageret.": "The approved workbook to store.",
    "Gem en ny version af en runde, der allerede findes (den gamle bevares).":
        "Store a new version of a round that already exists (the old one is kept).",
    "Mappe til Parquet-filerne (opdelt efter kommune og runde).":
        "Folder for the Parquet files (partitioned by municipality and round).",
    "Tag også erstattede versioner med.": "Include superseded versions too.",
    "Rundens arbejdsbog (.xlsx).": "The round's workbook (.xlsx).",
    'Rundens navn i lageret, fx "2026 Q3".': 'The round\'s name in the store, e.g. "2026 Q3".',
    "Forrige runde: navn i lageret eller en arbejdsbog.": "Previous round: a name in the store or a workbook.",
    'Rundens navn i lageret, fx "2026 Q3" (standard: den nyeste godkendte runde).':
        'The round\'s name in the store, e.g. "2026 Q3" (default: the newest approved round).',
    "Forrige runde: navn i lageret eller en arbejdsbog (standard: runden før i lageret).":
        "Previous round: a name in the store or a workbook (default: the round before it in the store).",
    "Kommunen, når lageret har flere kommuner.": "The municipality, when the store holds several.",
    "Mappe til rapporterne.": "Folder for the reports.",
    "Dan også en PDF (headless Chromium).": "Also render a PDF (headless Chromium).",
    "Overskriv en eksisterende rapport.": "Overwrite an existing report.",
    "kl, standard, herning, datatilsynet eller en fil (standard: rundens egen).":
        "kl, standard, herning, datatilsynet or a file (default: the round's own).",
    "Dato for overskredne frister, ÅÅÅÅ-MM-DD eller DD-MM-ÅÅÅÅ (dag først, som i arbejdsbøgerne; standard: "
    "vurderingsdatoen).":
        "Date for overdue deadlines, YYYY-MM-DD or DD-MM-YYYY (day first, as in the workbooks; default: the "
        "assessment date).",
    "Ingen fremdriftslinjer på stderr.": "No progress lines on stderr.",
    "Kommunen (standard: lagerets eneste/første).": "The municipality (default: the store's only/first one).",
    "Første runde (standard: den ældste).": "First round (default: the oldest).",
    "Sidste runde (standard: den nyeste).": "Last round (default: the newest).",
    "Mappe med eksempelrunderne.": "Folder with the sample rounds.",
    "Dan også PDF.": "Also render PDFs.",
    "Skriv en tom KL-lignende risikovurderingsskabelon (.xlsx).": "Write a blank KL-style risk assessment template (.xlsx).",
    "Kontrollér arbejdsbøger og vis alle fejl og advarsler (exit 0 gyldig, 1 ugyldig, 2 ulæselig).":
        "Check workbooks and show every error and warning (exit 0 valid, 1 invalid, 2 unreadable).",
    "Scor en arbejdsbog (begge perspektiver) og skriv registret til Excel eller vis et resumé.":
        "Score a workbook (both perspectives) and write the register to Excel or show a summary.",
    'Skriv en syntetisk eksempelkommune ("Eksempel Kommune") over flere kvartalsrunder.':
        'Write a synthetic sample municipality ("Eksempel Kommune") over several quarterly rounds.',
    "Kontrollér en arbejdsbog og gem runden i lageret (runder ændres ikke; --replace gemmer en ny version).":
        "Check a workbook and store the round (rounds are immutable; --replace stores a new version).",
    "Vis runderne i lageret (alle versioner; erstattede versioner markeret).":
        "Show the rounds in the store (all versions; superseded versions marked).",
    "Eksportér lageret som Parquet, opdelt hive-style efter kommune og runde.":
        "Export the store as Parquet, hive-partitioned by municipality and round.",
    "Dan kvartalsrapporten til informationssikkerhedsudvalget (HTML, evt. PDF) og skriv stien.":
        "Render the quarterly report for the information security committee (HTML, optionally PDF) and print "
        "the path.",
    "Dan trendrapporten over lagerets runder (HTML, evt. PDF) og skriv stien.":
        "Render the trend report over the store's rounds (HTML, optionally PDF) and print the path.",
    "Kør hovedopgaven på eksempelkommunen: importér alle runder, dan kvartals- og trendrapporten.":
        "Run the main task on the sample municipality: import every round, render the quarterly and the trend "
        "report.",
    "Liste over fælles behandlingsaktiviteter (CSV/XLSX), hvis konsekvenser nedarves.":
        "List of shared processing activities (CSV/XLSX) whose consequences are inherited.",
    "Skriv så mange forskellige kommuner (hver i sin mappe).": "Write this many distinct municipalities (each in its own folder).",
    "Eksportér lageret som Parquet, opdelt hive-style efter kommune og runde (til en ny eller tom mappe).":
        "Export the store as Parquet, hive-partitioned by municipality and round (into a new or empty folder).",
    "Skriv i en mappe, der ikke er tom (kun en tidligere eksports filer erstattes).":
        "Write into a folder that is not empty (only an earlier export's files are replaced).",
    "Skriv et anonymiseret benchmark-udtræk af én runde (kun optællinger; se indholdet med show-extract).":
        "Write an anonymised benchmark extract of one round (counts only; see its content with show-extract).",
    "Udtrækkets fil (.parquet).": "The extract's file (.parquet).",
    "Rundens arbejdsbog.": "The round's workbook.",
    "Skriv kommunens navn i udtrækket (standard: et fast, tilfældigt pseudonym).":
        "Write the municipality's name in the extract (default: a fixed, random pseudonym).",
    "Vis præcis hvad et benchmark-udtræk indeholder, før det sendes.":
        "Show exactly what a benchmark extract holds, before it is sent.",
    "Benchmark-udtrækket (.parquet).": "The benchmark extract (.parquet).",
    "Dan rapporter (kvartalsrapport, trendrapport, benchmark).": "Render reports (quarterly report, trend report, benchmark).",
    "Mappe med benchmark-udtræk: tilføjer 'Sammenlignet med andre kommuner'.":
        "Folder with benchmark extracts: adds 'Compared with other municipalities'.",
    "Et sammenligningstal vises kun, når mindst så mange kommuner bidrager (mindst 3).":
        "A comparison figure is shown only when at least this many municipalities contribute (at least 3).",
    'Dan rapporten "Hvor står vi?": kommunen sammenlignet med andre kommuners udtræk (HTML, evt. PDF).':
        'Render the report "Where do we stand?": the municipality compared with other municipalities\' extracts '
        "(HTML, optionally PDF).",
    "Mappe med benchmark-udtræk (*.parquet).": "Folder with benchmark extracts (*.parquet).",
    "Kommunens navn eller pseudonym i udtrækkene.": "The municipality's name or pseudonym in the extracts.",
    'Runden, fx "2026 Q3" (standard: kommunens nyeste).': 'The round, e.g. "2026 Q3" (default: the municipality\'s newest).',
    "Lagerfil til eksempelrunderne (standard: $ISMS_STORE eller data/isms.duckdb).":
        "Store file for the sample rounds (default: $ISMS_STORE or data/isms.duckdb).",
}

# metavar words: (Danish, English)
METAVARS: dict[str, tuple[str, str]] = {
    "path": ("STI", "PATH"),
    "file": ("FIL", "FILE"),
    "files": ("FILER", "FILES"),
    "directory": ("MAPPE", "DIRECTORY"),
    "str": ("TEKST", "TEXT"),
    "int": ("TAL", "NUMBER"),
    "float": ("TAL", "NUMBER"),
    "options": ("[TILVALG]", "[OPTIONS]"),
    "command": ("KOMMANDO [ARGUMENTER]...", "COMMAND [ARGS]..."),
}

_RICH_CONSTANTS = {
    "DEPRECATED_STRING": "(deprecated) ", "DEFAULT_STRING": "[default: {}]", "ENVVAR_STRING": "[env var: {}]",
    "REQUIRED_LONG_STRING": "[required]", "ARGUMENTS_PANEL_TITLE": "Arguments", "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands", "ERRORS_PANEL_TITLE": "Error", "ABORTED_TEXT": "Aborted.",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
}  # fmt: skip

_state = {"lang": "da"}


def _translate(message: str) -> str:
    return message if _state["lang"] == "en" else CLICK_DA.get(message, message)


def lang_of(args: Sequence[str], environ: dict[str, str] | None = None) -> str:
    """``en`` when the arguments say ``--lang en`` (or ``--lang=en``) or ``ISMS_LANG=en``; else ``da``."""
    args = list(args)
    for i, a in enumerate(args):
        if a == "--lang" and i + 1 < len(args):
            return "en" if args[i + 1] == "en" else "da"
        if a.startswith("--lang="):
            return "en" if a.split("=", 1)[1] == "en" else "da"
    env = os.environ if environ is None else environ
    return "en" if env.get("ISMS_LANG", "").strip().lower() == "en" else "da"


def _install(lang: str) -> None:
    _state["lang"] = lang
    try:
        from typer import rich_utils
    except ImportError:  # pragma: no cover - rich not installed: plain help
        return
    for attr, english in _RICH_CONSTANTS.items():
        setattr(rich_utils, attr, _translate(english))


class _Formatter(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix if prefix is not None else _translate("Usage:") + " ")


class _Context(click.core.Context):
    formatter_class = _Formatter


def _metavar(param: Any, lang: str) -> str | None:
    k = 1 if lang == "en" else 0
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""
    name = (param.name or "").lower()
    if isinstance(param, typer.core.TyperArgument):
        word = METAVARS.get(name, (name.upper(), name.upper()))[k]
        return f"{word}..." if param.nargs != 1 and not word.endswith("...") else word
    desc = getattr(param, "type_descriptor", None)
    if desc is not None and getattr(desc, "is_path", False):
        return METAVARS["path"][k]
    if desc is not None and getattr(desc, "is_choice", False) and desc.choices:
        return "|".join(str(c) for c in desc.choices)
    bare = param.bare_type() if hasattr(param, "bare_type") else "str"
    for key in ("int", "float"):
        if key in bare:
            return METAVARS[key][k]
    return METAVARS["str"][k]


def _help(text: str | None, lang: str) -> str | None:
    if text is None or lang != "en":
        return text
    return HELP_EN.get(text.strip(), text)


_SAVED = "_isms_danish"  # attribute holding an object's Danish help, set on first localisation


def _danish(obj: Any, attr: str) -> Any:
    """The Danish text of ``obj.attr``, remembered on the object itself the first time."""
    saved = obj.__dict__.setdefault(_SAVED, {})
    if attr not in saved:
        saved[attr] = getattr(obj, attr, None)
    return saved[attr]


def _localise_command(cmd: Any, lang: str) -> None:
    cmd.help = _help(_danish(cmd, "help"), lang)
    cmd.short_help = _help(_danish(cmd, "short_help"), lang)
    cmd.options_metavar = METAVARS["options"][1 if lang == "en" else 0]
    cmd.context_class = _Context
    cmd._help_option = None  # rebuilt in the language of this run
    cmd.get_help_option = _help_option_getter(cmd)  # type: ignore[method-assign]
    for p in cmd.params:
        if hasattr(p, "help"):
            p.help = _help(_danish(p, "help"), lang)  # type: ignore[attr-defined]
        p.metavar = _metavar(p, lang)
        if isinstance(p, typer.core.TyperArgument):
            p.display_type_rich = _no_type  # type: ignore[method-assign]  # the metavar says it
    if hasattr(cmd, "commands"):
        cmd.subcommand_metavar = METAVARS["command"][1 if lang == "en" else 0]
        for sub in cmd.commands.values():
            _localise_command(sub, lang)


def _no_type(ctx: Any) -> None:
    return None


def _help_option_getter(cmd: Any) -> Any:
    cls_get = type(cmd).get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = cls_get(cmd, ctx)
        if option is not None:
            option.help = _translate("Show this message and exit.")
            option.metavar = ""
        return option

    return get_help_option




class LocalisedGroup(typer.core.TyperGroup):
    """The root command group: picks the language from the arguments (or ``ISMS_LANG``)
    and localises every help text, metavar and click message before parsing."""

    def main(self, args: Sequence[str] | None = None, *a: Any, **kw: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        lang = lang_of(argv)
        _install(lang)
        _localise_command(self, lang)
        return super().main(argv, *a, **kw)


def all_help_texts(cmd: Any) -> list[str]:
    """Every Danish help text of ``cmd`` and its subcommands (for the translation test)."""
    texts = [_danish(cmd, "help")]
    texts += [_danish(p, "help") for p in cmd.params if hasattr(p, "help")]
    if hasattr(cmd, "commands"):
        for sub in cmd.commands.values():
            texts += all_help_texts(sub)
    return [t.strip() for t in texts if t]
