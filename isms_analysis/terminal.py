"""Text safe for a terminal or a cron mail.

A municipality or round name typed into a workbook can hold escape sequences (ESC ``[31m``
turns the terminal red, ESC ``[2J`` clears it) or a bell. The reader refuses them in the
Om sheet, but names also come from the store and from the command line, so every line the
CLI prints goes through :func:`printable`: control (Unicode Cc), format (Cf: zero-width
space, right-to-left mark, BOM) and line/paragraph separator characters are shown escaped
('\\x1b', '\\u200f'), never raw.
"""

from __future__ import annotations

import unicodedata

_HIDDEN = ("Cc", "Cf", "Zl", "Zp")


def printable(text: object, *, keep_newlines: bool = False, json: bool = False) -> str:
    """``text`` with hidden characters escaped; newlines (and tabs) kept when ``keep_newlines``.
    With ``json`` the escapes are JSON's (``\\u001b``), so JSON output stays valid."""
    import json as _json

    s = str(text)
    if s.isascii() and s.isprintable():
        return s
    keep = "\n\t" if keep_newlines else ""

    def esc(ch: str) -> str:
        return _json.dumps(ch)[1:-1] if json else ch.encode("unicode_escape").decode("ascii")

    return "".join(esc(ch) if ch not in keep and unicodedata.category(ch) in _HIDDEN else ch for ch in s)
