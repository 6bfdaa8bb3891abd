"""One compare-key for labels typed by people: sheet names, headers, vocabulary values.

``fold("Tålelig nedetid") == fold("taalelig-NEDETID") == "taalelignedetid"``: lower
case, æ/ø/å as ae/oe/aa, accents dropped, spaces and punctuation dropped. The
workbook reader, the vocabulary checks, KL's processing activities and the
"nothing dropped" sheet rules all compare through it, so a label matches the same
way everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

__all__ = ["fold", "tokens"]

_DANISH = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "ae", "Ø": "oe", "Å": "aa"})
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: Any) -> str:
    """Compare-key of a label: lower case, æ/ø/å as ae/oe/aa, accents, spaces and punctuation dropped."""
    if isinstance(text, str) and text.isascii():  # the common case, without Unicode normalisation
        return _NOT_ALNUM.sub("", text.lower())
    s = unicodedata.normalize("NFKD", str(text).translate(_DANISH).casefold())
    return re.sub(r"[^0-9a-z]+", "", "".join(ch for ch in s if not unicodedata.combining(ch)))


def tokens(text: Any) -> list[str]:
    """The folded words of a label ("Konsekvens for kommunen F" -> konsekvens, for, kommunen, f)."""
    s = unicodedata.normalize("NFKD", str(text).translate(_DANISH).casefold())
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return [t for t in re.split(r"[^0-9a-z]+", s) if t]
