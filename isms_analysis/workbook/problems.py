"""The problem list: every value that breaks a rule, with its exact cell, in Danish and English.

A problem is one row of ``assessment.PROBLEM_COLUMNS`` (severity, code, file, sheet,
cell, row, column, value, message_da, message_en). :class:`Problems` collects them
while the reader works and sorts them (errors first, then by sheet, row and
column); :func:`format_problems` and :func:`problems_to_records` present them.
Values are shown as the user would recognise them, with control and invisible
characters escaped (:func:`display`, :func:`printable`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..assessment import PROBLEM_COLUMNS
from ..text import pair, t

__all__ = ["MAX_ID_LENGTH", "MAX_SHOWN", "Problems", "clean_id", "display", "fill", "format_problems", "hidden_problem",
           "id_problem", "printable", "problems_to_records"]  # fmt: skip


@dataclass
class Problems:
    """The problems of one file, in the order they were found."""

    file: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self,
        severity: str,
        code: str,
        da: str,
        en: str,
        *,
        sheet: str = "",
        cell: str = "",
        row: int | None = None,
        column: str = "",
        value: Any = "",
    ) -> None:
        """One problem: ``da``/``en`` are the message; the keywords say where (all optional)."""
        self.rows.append(
            {
                "severity": severity,
                "code": code,
                "file": self.file,
                "sheet": sheet,
                "cell": cell,
                "row": row,
                "column": column,
                "value": "" if value is None else str(value),
                "message_da": da,
                "message_en": en,
            }
        )

    def frame(self) -> pd.DataFrame:
        """The problems as a frame (object columns): errors first, then by sheet, row and column."""
        if not self.rows:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in PROBLEM_COLUMNS})
        df = pd.DataFrame(self.rows, columns=list(PROBLEM_COLUMNS)).astype("object")
        sheet_rank = {s: i for i, s in enumerate(dict.fromkeys(r["sheet"] for r in self.rows))}
        order = pd.DataFrame(
            {
                "sev": (df["severity"] != "error").astype(int),
                "sheet": df["sheet"].map(sheet_rank),
                "row": pd.to_numeric(df["row"], errors="coerce").fillna(0),
                "col": df["cell"].map(lambda c: (len(re.sub(r"\d", "", c)), re.sub(r"\d", "", c))),
            }
        )
        idx = order.sort_values(["sev", "sheet", "row", "col"], kind="stable").index
        df = df.loc[idx].reset_index(drop=True)
        df["row"] = df["row"].map(lambda r: None if r is None or r != r else int(r)).astype("object")
        return df


def fill(texts: tuple[str, str], **fields: Any) -> tuple[str, str]:
    """Both texts of a catalogue pair with ``fields`` filled in (``str.format``); a field given as a
    (Danish, English) tuple gives each language its own value."""
    da, en = texts
    return (
        da.format(**{k: v[0] if isinstance(v, tuple) else v for k, v in fields.items()}),
        en.format(**{k: v[1] if isinstance(v, tuple) else v for k, v in fields.items()}),
    )


def display(value: Any) -> str:
    """A raw cell value as the user would recognise it."""
    if isinstance(value, bool):
        return "SAND" if value else "FALSK"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%d-%m-%Y") if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    return printable(str(value).strip())


MAX_SHOWN = 80
MAX_ID_LENGTH = 100  # characters; an ID is a short key, not a description


def _hidden_char(ch: str) -> bool:
    """Control (Cc), format/invisible (Cf), line/paragraph separators and no-break space."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") or ch == "\u00a0"


def _escape(ch: str) -> str:
    return ch.encode("unicode_escape").decode("ascii") if ch != "\u00a0" else "\\u00a0"


def printable(text: str) -> str:
    """Text safe to print in a message: control and invisible characters escaped, long text cut."""
    if not text.isascii() or not text.isprintable():
        text = "".join(_escape(ch) if _hidden_char(ch) else ch for ch in text)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def id_problem(value: str) -> tuple[str, str] | None:
    """(Danish, English) end of the message for an ID that cannot be used, or None.

    Surrounding spaces (incl. no-break spaces) are already stripped. Control (Unicode
    Cc) and format (Cf: zero-width space, right-to-left mark, BOM, soft hyphen ...)
    characters are invisible in Excel but make 'A-04' and '\\u200fA-04' different IDs,
    so they are refused rather than silently removed."""
    found = hidden_problem(value, pair("workbook.the_id"))
    if found is not None:
        return found
    if len(value) > MAX_ID_LENGTH:
        length = f"{len(value):,}"
        return fill(pair("workbook.id_too_long"), length=(length.replace(",", "."), length), most=MAX_ID_LENGTH)
    return None


def hidden_problem(value: str, what: tuple[str, str]) -> tuple[str, str] | None:
    """(Danish, English) end of the message for text holding control or invisible characters;
    ``what`` (Danish, English) names the text ("ID'et", "the ID")."""
    hidden = list(dict.fromkeys(ch for ch in value if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")))
    if hidden:
        points = ", ".join(f"U+{ord(ch):04X}" for ch in hidden)
        control = [unicodedata.category(ch) == "Cc" for ch in hidden]
        one = len(hidden) == 1
        if all(control):
            chars = pair("workbook.one_control_char") if one else pair("workbook.control_chars")
        elif not any(control):
            chars = pair("workbook.one_invisible_char") if one else pair("workbook.invisible_chars")
        else:
            chars = pair("workbook.invisible_and_control_chars")
        return fill(pair("workbook.hidden_chars"), chars=chars, points=points, what=what)
    return None


def clean_id(value: str) -> str:
    """An ID without its control/format characters (to point references at the rejected cell)."""
    return "".join(ch for ch in value if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp")).strip()


def format_problems(problems: pd.DataFrame, lang: str = "da") -> str:
    """One line per problem: ``file: Risici!F17: <message>`` (warnings marked)."""
    msg_col = "message_en" if lang == "en" else "message_da"
    warn = t("workbook.warning_tag", "en" if lang == "en" else "da")
    lines = []
    for p in problems.to_dict("records"):
        where = p["sheet"] or ""
        if where and p["cell"]:
            where = f"{where}!{p['cell']}"
        prefix = f"{p['file']}: {where}: " if where else f"{p['file']}: "
        tag = f"{warn}: " if p["severity"] == "warning" else ""
        lines.append(f"{prefix}{tag}{p[msg_col]}")
    return "\n".join(lines)


def problems_to_records(problems: pd.DataFrame, lang: str = "da") -> list[dict[str, Any]]:
    """Problems as JSON-ready dicts (severity, code, file, sheet, cell, row, column, value, message)."""
    msg_col = "message_en" if lang == "en" else "message_da"
    out = []
    for p in problems.to_dict("records"):
        row = p["row"]
        out.append(
            {
                "severity": p["severity"],
                "code": p["code"],
                "file": p["file"],
                "sheet": p["sheet"],
                "cell": p["cell"],
                "row": None if row is None or row != row else int(row),
                "column": p["column"],
                "value": p["value"],
                "message": p[msg_col],
            }
        )
    return out
