"""Paths: safe folder names for reports and peers, and clear messages when a folder is
given where a file is expected, or the other way round.

The CLI turns these operating-system errors into a message naming the path and exit
code 2 (wrong usage), instead of a traceback."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from .errors import UserError

MAX_NAME_BYTES = 200  # of a folder name before its hash; a path component may have 255 bytes


def safe_name(text: str) -> str:
    """A file-system-safe folder name: letters (æøå kept), digits, '-', '_', '.' and single
    spaces. Whenever the label had to be changed or shortened, a short hash of the exact
    label is appended, so two different labels never share a folder ('Ærø Kommune' and
    'Ærø  Kommune!', or two long labels that differ only at the end). At most
    ``MAX_NAME_BYTES`` bytes of UTF-8 plus the hash."""
    raw = str(text)
    s = unicodedata.normalize("NFC", raw).strip()
    s = re.sub(r" {2,}", " ", re.sub(r"[^\w.\-]*[^\w.\- ][^\w.\-]*", "-", s, flags=re.UNICODE))
    s = s.strip("-. ")
    cut = s.encode("utf-8")[:MAX_NAME_BYTES].decode("utf-8", "ignore").rstrip("-. ")
    if cut == raw and cut:
        return cut
    digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{cut or 'ukendt'}-{digest}"


def _first_file(path: Path) -> Path:
    """The part of ``path`` that exists as a file (where a folder was expected)."""
    for p in [path, *path.parents]:
        if p.exists():
            return p
    return path


def path_error(exc: OSError) -> UserError | None:
    """The user's message for a file/folder mix-up, or None for any other OS error."""
    name = Path(str(exc.filename)) if exc.filename else None
    if name is None:
        return None
    if isinstance(exc, IsADirectoryError):
        return UserError(
            f"'{name}' er en mappe; angiv en fil (fx '{name / 'register.xlsx'}').",
            f"'{name}' is a folder; give a file (e.g. '{name / 'register.xlsx'}').",
            exit_code=2,
        )
    if isinstance(exc, NotADirectoryError | FileExistsError):
        found = _first_file(name)
        if found.is_file():
            return UserError(
                f"'{found}' er en fil; angiv en mappe.",
                f"'{found}' is a file; give a folder.",
                exit_code=2,
            )
    return None
