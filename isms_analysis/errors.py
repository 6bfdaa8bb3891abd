"""Errors a municipal user sees: bilingual messages and a process exit code.

The CLI prints ``message(lang)`` and exits with ``exit_code``; it never shows a
traceback for these. Exit codes: 1 = the input is invalid (all problems listed),
2 = the input cannot be read or the command was used wrongly.
"""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    exit_code = 2

    def __init__(self, da: str, en: str | None = None, *, exit_code: int | None = None) -> None:
        super().__init__(da)
        self.da = da
        self.en = en or da
        if exit_code is not None:
            self.exit_code = exit_code

    def message(self, lang: str = "da") -> str:
        return self.en if lang == "en" else self.da


class WorkbookError(UserError):
    """The file cannot be read as a workbook (exit 2)."""


class ValidationFailed(UserError):
    """The workbook was read but has errors; ``problems`` lists every one (exit 1)."""

    exit_code = 1

    def __init__(self, problems: Any, da: str, en: str | None = None) -> None:
        super().__init__(da, en)
        self.problems = problems
