"""The ``isms`` command's help in Danish, or in English with ``--lang en`` / ``ISMS_LANG=en``.

``cli.py`` writes every help text in Danish. This module localises the rest at the
click/typer level, once per run, before the arguments are parsed:

- typer's own words on the help page ("Usage:", "Options", "Arguments",
  "Show this message and exit.", "[default: …]", "[required]") come from a small
  catalogue (``CLICK_DA``, from ``data/text/cli.toml``), set on typer's help renderer and on each command's
  context and help option (no library code is patched);
- metavars say what to give (``FIL``, ``MAPPE``, ``TEKST``, ``TAL``) and flags have none
  (no ``<bool>``);
- under English, every help text is looked up in ``HELP_EN`` (a test checks that each
  Danish text has its English one).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from functools import cache
from typing import Any

import typer
import typer.core
from typer import _click as click  # typer vendors its own click
from typer._click.formatting import HelpFormatter

from .text import LANGS, labels, pair, t

# The texts live in the catalogue (data/text/cli.toml): click_* (click's English message and
# its Danish), metavar_* (Danish, English), help_* (cli.py's Danish help and its English).


@cache
def _click_da() -> dict[str, str]:
    """click/typer message -> Danish."""
    return {en: da for k, (da, en) in _cli_texts().items() if k.startswith("click_")}


@cache
def _help_en() -> dict[str, str]:
    """Danish help text (commands, options and arguments of cli.py) -> English."""
    return {da: en for k, (da, en) in _cli_texts().items() if k.startswith("help_")}


@cache
def _metavars() -> dict[str, tuple[str, str]]:
    """metavar words: (Danish, English)."""
    return {k.removeprefix("metavar_"): v for k, v in _cli_texts().items() if k.startswith("metavar_")}


def _cli_texts() -> dict[str, tuple[str, str]]:
    return {name: pair(f"cli.{name}") for name in labels("cli")}


def __getattr__(name: str) -> Any:
    """``CLICK_DA``, ``HELP_EN`` and ``METAVARS`` as dictionaries, read from the catalogue on first use."""
    tables = {"CLICK_DA": _click_da, "HELP_EN": _help_en, "METAVARS": _metavars}
    if name in tables:
        return tables[name]()
    raise AttributeError(name)


_RICH_CONSTANTS = {
    "DEPRECATED_STRING": "(deprecated) ", "DEFAULT_STRING": "[default: {}]", "ENVVAR_STRING": "[env var: {}]",
    "REQUIRED_LONG_STRING": "[required]", "ARGUMENTS_PANEL_TITLE": "Arguments", "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands", "ERRORS_PANEL_TITLE": "Error", "ABORTED_TEXT": "Aborted.",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
}  # fmt: skip

_state = {"lang": "da"}


def _translate(message: str) -> str:
    return message if _state["lang"] == "en" else _click_da().get(message, message)


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
    if not getattr(rich_utils.rich_format_error, "localised", False):
        rich_utils.rich_format_error = _localised_errors(rich_utils.rich_format_error)


# Typer's own messages for command-line mistakes, in the order they are tried; a
# message with a suffix (" (Possible options: …)", " Did you mean …?") is split first.
_ERRORS = (
    "missing_argument", "missing_option", "no_such_option", "requires_argument", "invalid_value_for",
    "invalid_value", "at_least", "at_most", "integer", "no_such_command", "extra_arguments",
)  # fmt: skip
_SUFFIXES = ("possible_options", "did_you_mean")


@cache
def _error_pattern(name: str) -> re.Pattern[str]:
    english = pair(f"cli.error_{name}")[1]
    parts = re.split(r"\{(\w+)\}", english)  # literal, field, literal, field, ...
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}$", re.S)


def localise_error(message: str, lang: str) -> str:
    """Typer's English message for a command-line mistake in ``lang``: each known
    message (the catalogue's ``cli.error_*``) is matched whole, its varying parts kept;
    an unknown message is returned as it is."""
    if lang == "en":
        return message
    for name, marker in zip(_SUFFIXES, (" (Possible options:", " Did you mean "), strict=True):
        cut = message.rfind(marker)
        if cut > 0:
            return f"{localise_error(message[:cut], lang)} {_one(message[cut + 1 :], (name,), lang)}"
    return _one(message, _ERRORS, lang)


def _one(message: str, names: Sequence[str], lang: str) -> str:
    for name in names:
        m = _error_pattern(name).match(message)
        if m:
            fields = m.groupdict()
            if "message" in fields:
                fields["message"] = localise_error(fields["message"], lang)
            return t(f"cli.error_{name}", lang, **fields)
    return message


def _localised_errors(show: Any) -> Any:
    def rich_format_error(self: Any) -> None:
        english = self.format_message
        self.format_message = lambda: localise_error(english(), _state["lang"])
        show(self)

    rich_format_error.localised = True  # type: ignore[attr-defined]
    return rich_format_error


class _Formatter(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix if prefix is not None else _translate("Usage:") + " ")


class _Context(click.core.Context):
    formatter_class = _Formatter


def _metavar(param: Any, lang: str) -> str | None:
    k = LANGS.index(lang)
    metavars = _metavars()
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""
    name = (param.name or "").lower()
    if isinstance(param, typer.core.TyperArgument):
        word = metavars.get(name, (name.upper(), name.upper()))[k]
        return f"{word}..." if param.nargs != 1 and not word.endswith("...") else word
    desc = getattr(param, "type_descriptor", None)
    if desc is not None and getattr(desc, "is_path", False):
        return metavars["path"][k]
    if desc is not None and getattr(desc, "is_choice", False) and desc.choices:
        return "|".join(str(c) for c in desc.choices)
    bare = param.bare_type() if hasattr(param, "bare_type") else "str"
    for key in ("int", "float"):
        if key in bare:
            return metavars[key][k]
    return metavars["str"][k]


def _help(text: str | None, lang: str) -> str | None:
    if text is None or lang != "en":
        return text
    return _help_en().get(text.strip(), text)


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
    cmd.options_metavar = t("cli.metavar_options", lang)
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
        cmd.subcommand_metavar = t("cli.metavar_command", lang)
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
