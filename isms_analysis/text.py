"""The text catalogue: every Danish and English text a municipal user reads, in one place.

The texts live in ``data/text/<namespace>.toml``, one table per key::

    [municipality]
    da = "Kommunen"
    en = "Municipality"

and are looked up as ``"<namespace>.<name>"`` (``t("common.municipality", "en")``).
Terms shared by several modules (perspectives, stages, column headings) live once in
``common``. An unknown key raises, so a typo cannot silently reach a report.
"""

from __future__ import annotations

import difflib
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

LANGS = ("da", "en")


@cache
def catalogue() -> dict[str, tuple[str, str]]:
    """Every key of every namespace with its (Danish, English) text, loaded once.

    A key defined twice, a table without both languages or a non-text value is an
    error here, at load, not when the text is first shown."""
    return load(resources.files("isms_analysis").joinpath("data", "text"))


def load(folder: Traversable) -> dict[str, tuple[str, str]]:
    """The texts of every ``<namespace>.toml`` in ``folder`` (``ValueError`` on a malformed one)."""
    import tomllib  # loaded on first use, not with the package

    out: dict[str, tuple[str, str]] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        namespace = entry.name.removesuffix(".toml")
        try:
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:  # e.g. a key defined twice in one file
            raise ValueError(f"text catalogue {entry.name}: {exc}") from exc
        for name, texts in data.items():
            key = f"{namespace}.{name}"
            if not isinstance(texts, dict) or set(texts) != set(LANGS):
                raise ValueError(f"text key {key} in {entry.name} must have exactly 'da' and 'en'")
            da, en = texts["da"], texts["en"]
            if not isinstance(da, str) or not isinstance(en, str):
                raise ValueError(f"text key {key} in {entry.name}: 'da' and 'en' must be strings")
            out[key] = (da, en)
    return out


def check_lang(lang: str) -> str:
    """``lang`` if it is a supported language; ``ValueError`` otherwise."""
    if lang not in LANGS:
        raise ValueError(f"Ukendt sprog '{lang}' / unknown language (da, en)")
    return lang


def pair(key: str) -> tuple[str, str]:
    """The (Danish, English) texts of ``key``; ``KeyError`` naming close matches if unknown."""
    texts = catalogue()
    try:
        return texts[key]
    except KeyError:
        close = difflib.get_close_matches(key, texts, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown text key '{key}'{hint}") from None


def t(key: str, lang: str = "da", **fields: object) -> str:
    """The text of ``key`` in ``lang`` (``"da"`` or ``"en"``), with ``str.format`` ``fields`` filled in."""
    check_lang(lang)
    da, en = pair(key)
    text = en if lang == "en" else da
    return text.format(**fields) if fields else text


def count_text(key: str, count: int, lang: str = "da", **fields: object) -> str:
    """``t(key, lang, n=count, ...)`` with the grammar of the count: ``<key>_none`` for 0 and
    ``<key>_one`` for 1 when the catalogue has them ("Ingen risici …", "1 risiko …"). Pass
    ``n=`` to show the count formatted (e.g. with thousands separators)."""
    fields.setdefault("n", count)
    for suffix, applies in (("_none", count == 0), ("_one", count == 1)):
        if applies and has(key + suffix):
            return t(key + suffix, lang, **fields)
    return t(key, lang, **fields)


def labels_of(keys: dict[str, str], lang: str = "da") -> dict[str, str]:
    """``{key: text in lang}`` for a table of catalogue keys (e.g. ``soa.COVERAGE_KEYS``)."""
    return {k: t(key, lang) for k, key in keys.items()}


def has(key: str) -> bool:
    """Whether ``key`` is in the catalogue."""
    return key in catalogue()


def labels(namespace: str, lang: str = "da") -> dict[str, str]:
    """``{name: text}`` for every key of ``namespace`` in ``lang`` (e.g. to rename columns)."""
    check_lang(lang)
    prefix = f"{namespace}."
    out = {
        k.removeprefix(prefix): (en if lang == "en" else da)
        for k, (da, en) in catalogue().items()
        if k.startswith(prefix)
    }
    if not out:
        raise KeyError(f"unknown text namespace '{namespace}'")
    return out
