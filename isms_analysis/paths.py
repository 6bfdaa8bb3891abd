"""Clear messages when a folder is given where a file is expected, or the other way round.

The CLI turns these operating-system errors into a message naming the path and exit
code 2 (wrong usage), instead of a traceback."""

from __future__ import annotations

from pathlib import Path

from .errors import UserError


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
