"""Deprecated: the shared labels now live in the text catalogue (:mod:`isms_analysis.text`,
``data/text/common.toml``). Use ``text.t("common.<key>", lang)``; this module only maps
the old names onto the catalogue until its last caller has moved."""

from __future__ import annotations

from .text import LANGS as LANGS  # re-exported for old callers
from .text import check_lang as check_lang
from .text import labels, pair


def __getattr__(name: str) -> dict[str, tuple[str, str]]:
    if name == "LABELS":
        return {key: pair(f"common.{key}") for key in labels("common")}
    raise AttributeError(name)


def t(key: str, lang: str = "da") -> str:
    """The common label for ``key`` in ``lang``; the key itself when unknown (old behaviour)."""
    try:
        da, en = pair(f"common.{key}")
    except KeyError:
        return key
    return en if lang == "en" else da
