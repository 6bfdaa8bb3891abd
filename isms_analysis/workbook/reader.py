"""Read and validate KL-style risk assessment workbooks (.xlsx, .xlsm, .ods).

One workbook holds one assessment round: ``Om`` (the round's facts), ``Aktiver``,
``Trusler``, ``Risici`` and optionally ``Risikoprofil``, ``SoA``, ``Handlingsplan``
``Årshjul`` and ``Roller`` (see :mod:`isms_analysis.layout`). Municipalities lay their sheets
out differently, so the reader is tolerant about form and strict about content:

- sheets and headers are found by name in Danish or English, ignoring case,
  spaces, punctuation, line breaks, text in brackets and æ/ø/å written ae/oe/aa;
  title rows above the header are skipped, and a two-row header whose group cell
  ("Konsekvens for kommunen", "Consequence for data subjects", ...) spans F/I/T
  (or C/I/A) sub-headers is understood;
- blank rows are skipped; extra columns are kept as they are;
- values may be typed the way people type them: numbers stored as text, scale
  values as 3, "3 - Høj", "Høj" or "Sandsynligt" (labels of the matrix named in
  ``Om``, default KL), yes/no as Ja/Nej/X/✓/Yes/No/1/0, dates as 24-12-2026,
  24.12.2026, 24/12/2026, ISO, Excel serials or date cells.

Every value that breaks a rule becomes a *problem* with the exact cell ("Risici!F17"),
the value and what is allowed, in Danish and English. Errors (the round cannot be
used as it is): unreadable or out-of-range values, unknown vocabulary values,
empty mandatory cells, duplicate IDs, references to unknown assets or threats,
missing sheets or columns, and unknown matrix, risk-profile or role levels.
Warnings: risks accepted above the tolerance without who accepted them or when
(a pending decision, see :mod:`isms_analysis.decisions`, not an error), residual
above inherent risk, missing risk owners, assets with personal data but no
data-subject consequences, passed deadlines on risks that are not closed, and
computed score columns whose (cached formula) value disagrees with the
recomputed inherent score. No row is dropped silently: a row with a bad cell
stays in, with that cell set to missing, and its error names it.

What Excel hides is not guessed at:

- IDs (Risiko-ID, Aktiv-ID, ...) lose surrounding spaces, including no-break
  spaces, so 'A-02 ' is 'A-02'. An ID that contains a control character (Unicode
  category Cc: ESC, BEL, tab ...) or an invisible format character (Cf: zero-width
  space U+200B, right-to-left mark U+200F, BOM U+FEFF, soft hyphen ...) is an error
  at its cell; the message shows the value escaped ('\u200fA-04') and the code
  point. Such a character is not removed silently: 'A-04' and '\u200fA-04' look the
  same in Excel, and guessing which one was meant would join rows that the
  workbook keeps apart. A reference to a rejected ID names the rejected cell. An ID
  longer than ``MAX_ID_LENGTH`` (100) characters is an error; free-text columns
  take Excel's full 32,767 characters.
- A sheet's own IDs must not differ only in upper/lower case ('a-01' and 'A-01'
  in Aktiver): an error at every such cell naming all of them; the later rows keep
  their data but lose the ID. References are matched exactly; one that matches only
  when case is ignored says which ID was probably meant.
- Excel error values (#REF!, #DIV/0!, #N/A, ...) and formulas saved without a
  cached value (by programs that do not calculate) both read as empty. In a column
  the reader uses they are errors at the cell ("open and save the file in Excel");
  an error value in a column the reader does not use is a warning; an uncached
  formula in a computed score column or an unused column is ignored.
- A range merged over more than one data row in a used column is one error at the
  range ("Risici!B2:B4"): only its first cell holds a value, and filling the others
  down would be a guess. Its empty cells are not reported again as missing.

The mapping file (TOML) tells the reader a municipality's own sheet and column
names; keys are the canonical sheet keys (``meta``, ``assets``, ``threats``,
``risks``, ``profile``, ``soa``, ``actions``, ``wheel``) and field names of
:mod:`isms_analysis.layout`; a value may be one name or a list of names::

    [sheets]
    risks = "Risikoregister"
    assets = ["Aktivliste", "Systemer"]

    [columns.risks]
    likelihood = "Sandsynlighed (1-4)"
    owner = ["Ansvarlig", "Ejer"]

    [header_rows]        # optional: the Excel row of the header, when guessing fails
    risks = 3
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import html
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import layout as L
from .. import schema as S
from ..assessment import PROBLEM_COLUMNS, Assessment
from ..dates import DATE_MAX, DATE_MIN, MONTH_NUMBERS, parse_day
from ..errors import UserError, ValidationFailed, WorkbookError
from ..folding import fold, tokens
from ..matrix import KL, MatrixError, RiskMatrix
from ..matrix import matrix as get_matrix
from .sheets import combined, name_ids, other_sheets, trailing_rows

__all__ = ["format_problems", "load_mapping", "problems_to_records", "read_workbook", "validate_workbook"]

HEADER_SCAN_ROWS = 30
_BAD = object()  # a value that cannot be parsed

_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")


@lru_cache(maxsize=65536)
def _header_keys(text: Any) -> frozenset[str]:
    """Fold with and without bracketed text: "Sandsynlighed (1-4)" matches "Sandsynlighed"."""
    keys = {fold(text)}
    if "(" in str(text) or "[" in str(text):
        stripped = fold(_BRACKETS.sub(" ", str(text)))
        if stripped:
            keys.add(stripped)
    keys.discard("")
    return frozenset(keys)


def col_letter(idx: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    s = ""
    idx += 1
    while idx:
        idx, r = divmod(idx - 1, 26)
        s = chr(65 + r) + s
    return s


# -- consequence headers ("Konsekvens for kommunen" + "F") ----------------------------------
_PROPS = {
    "f": "c", "c": "c", "fortrolighed": "c", "confidentiality": "c",
    "i": "i", "integritet": "i", "integrity": "i",
    "t": "a", "a": "a", "tilgaengelighed": "a", "availability": "a",
    "autenticitet": "authenticity", "authenticity": "authenticity", "ae": "authenticity",
}  # fmt: skip


def _perspective(tokens: list[str]) -> str | None:
    for t in tokens:
        if t.startswith(("kommun", "municipal", "organisation", "organization")):
            return "municipality"
        if t.startswith(("registrere", "subject", "borger", "citizen", "person")):
            return "data_subject"
        if t.startswith(("samfund", "society", "societal")):
            return "society"
    return None


@lru_cache(maxsize=4096)
def _consequence_field(header: str) -> str | None:
    """consequence_<perspective>_<c|i|a|authenticity> for a combined consequence header."""
    tok = tokens(header)
    if len(tok) < 3 or not any(t.startswith(("konsekvens", "consequence", "impact")) for t in tok):
        return None
    if any(t.startswith(("rest", "residual")) for t in tok):
        return None
    persp = _perspective(tok)
    prop = _PROPS.get(tok[-1])
    if persp is None or prop is None:
        return None
    if tok[-1] == "a" and persp == "society" and any(t.startswith("konsekvens") for t in tok):
        prop = "authenticity"  # Danish FITA: A is autenticitet
    return f"consequence_{persp}_{prop}"


# -- the mapping file -------------------------------------------------------------------------
def load_mapping(path: str | Path) -> dict[str, Any]:
    """Read and check a mapping TOML (format in the module docstring)."""
    p = Path(path)
    try:
        spec = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(
            f"Mappingfilen findes ikke: {p}. Angiv stien til en .toml-fil.",
            f"Mapping file not found: {p}. Give the path of a .toml file.",
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(
            f"{p.name}: mappingfilen er ikke gyldig TOML ({exc}).",
            f"{p.name}: the mapping file is not valid TOML ({exc}).",
        ) from None
    return _check_mapping(spec, p.name)


def _names(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _check_mapping(spec: dict[str, Any], source: str) -> dict[str, Any]:
    bad: list[str] = []
    for top in spec:
        if top not in ("sheets", "columns", "header_rows"):
            bad.append(top)
    for key in list(spec.get("sheets", {})) + list(spec.get("columns", {})) + list(spec.get("header_rows", {})):
        if key not in L.SHEETS_BY_KEY:
            bad.append(key)
    for key, cols in spec.get("columns", {}).items():
        if key in L.SHEETS_BY_KEY and isinstance(cols, dict):
            fields = {c.field for c in L.SHEETS_BY_KEY[key].columns}
            bad += [f"columns.{key}.{f}" for f in cols if f not in fields]
    if bad:
        keys = ", ".join(s.key for s in L.SHEETS)
        raise UserError(
            f"{source}: ukendte nøgler i mappingfilen: {', '.join(bad)}. Tilladt: [sheets], [columns.<ark>], "
            f"[header_rows] med ark {keys} og feltnavne fra layoutet.",
            f"{source}: unknown keys in the mapping file: {', '.join(bad)}. Allowed: [sheets], [columns.<sheet>], "
            f"[header_rows] with sheets {keys} and the layout's field names.",
        )
    return spec


# -- opening the file -------------------------------------------------------------------------
def _unreadable(name: str, da: str, en: str) -> WorkbookError:
    return WorkbookError(f"Kan ikke læse '{name}': {da}", f"Cannot read '{name}': {en}")


def _open(path: Path) -> tuple[Any, dict[str, Any]]:
    from python_calamine import CalamineWorkbook

    from ..safety import check_file

    check_file(path)  # the safety gate: refuses hostile or broken files before any parser opens them
    name = path.name
    save_hint_da = "Åbn den i Excel eller LibreOffice og gem den som .xlsx, og prøv igen."
    save_hint_en = "Open it in Excel or LibreOffice, save it as .xlsx and try again."
    if not path.exists():
        raise _unreadable(name, "filen findes ikke. Kontrollér stien.", "the file does not exist. Check the path.")
    if path.is_dir():
        raise _unreadable(name, "det er en mappe, ikke en fil.", "it is a folder, not a file.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _unreadable(
            name, f"filen kan ikke åbnes ({exc.strerror}).", f"the file cannot be opened ({exc.strerror})."
        ) from None
    if not data:
        raise _unreadable(
            name, f"filen er tom (0 byte). {save_hint_da}", f"the file is empty (0 bytes). {save_hint_en}"
        )
    source = {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    ole = data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    if ole and path.suffix.lower() in (".xlsx", ".xlsm", ".ods"):
        raise _unreadable(
            name,
            "arbejdsbogen er krypteret (beskyttet med adgangskode). Fjern adgangskoden i Excel og gem igen.",
            "the workbook is encrypted (password protected). Remove the password in Excel and save again.",
        )
    if data[:2] != b"PK" and not ole:
        raise _unreadable(
            name,
            f"det er ikke en Excel- eller ODS-arbejdsbog. {save_hint_da}",
            f"it is not an Excel or ODS workbook. {save_hint_en}",
        )
    try:
        wb = CalamineWorkbook.from_path(str(path))
        _ = wb.sheet_names
    except Exception as exc:  # calamine raises several error types for broken files
        msg = str(exc).lower()
        if "password" in msg or "encrypt" in msg:
            raise _unreadable(
                name,
                "arbejdsbogen er beskyttet med adgangskode. Fjern adgangskoden og gem igen.",
                "the workbook is password protected. Remove the password and save again.",
            ) from None
        raise _unreadable(
            name,
            f"filen er beskadiget eller ufuldstændig (fx afbrudt kopiering). {save_hint_da}",
            f"the file is damaged or incomplete (e.g. an interrupted copy). {save_hint_en}",
        ) from None
    return wb, source


# -- problems ---------------------------------------------------------------------------------
@dataclass
class _Problems:
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


def _display(value: Any) -> str:
    """A raw cell value as the user would recognise it."""
    if isinstance(value, bool):
        return "SAND" if value else "FALSK"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%d-%m-%Y") if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    return _printable(str(value).strip())


MAX_SHOWN = 80
MAX_ID_LENGTH = 100  # characters; an ID is a short key, not a description


def _hidden_char(ch: str) -> bool:
    """Control (Cc), format/invisible (Cf), line/paragraph separators and no-break space."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") or ch == "\u00a0"


def _escape(ch: str) -> str:
    return ch.encode("unicode_escape").decode("ascii") if ch != "\u00a0" else "\\u00a0"


def _printable(text: str) -> str:
    """Text safe to print in a message: control and invisible characters escaped, long text cut."""
    if not text.isascii() or not text.isprintable():
        text = "".join(_escape(ch) if _hidden_char(ch) else ch for ch in text)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _id_problem(value: str) -> tuple[str, str] | None:
    """(Danish, English) end of the message for an ID that cannot be used, or None.

    Surrounding spaces (incl. no-break spaces) are already stripped. Control (Unicode
    Cc) and format (Cf: zero-width space, right-to-left mark, BOM, soft hyphen ...)
    characters are invisible in Excel but make 'A-04' and '\\u200fA-04' different IDs,
    so they are refused rather than silently removed."""
    found = _hidden_problem(value, "ID'et", "the ID")
    if found is not None:
        return found
    if len(value) > MAX_ID_LENGTH:
        return (
            f"er {len(value):,} tegn langt; et ID må højst have {MAX_ID_LENGTH} tegn. Skriv et kort ID, og flyt "
            "teksten til en beskrivende kolonne".replace(",", "."),
            f"is {len(value):,} characters long; an ID may have at most {MAX_ID_LENGTH} characters. Type a short "
            "ID and move the text to a descriptive column",
        )
    return None


def _hidden_problem(value: str, what_da: str, what_en: str) -> tuple[str, str] | None:
    """(Danish, English) end of the message for text holding control or invisible characters."""
    hidden = list(dict.fromkeys(ch for ch in value if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")))
    if hidden:
        points = ", ".join(f"U+{ord(ch):04X}" for ch in hidden)
        control = [unicodedata.category(ch) == "Cc" for ch in hidden]
        one = len(hidden) == 1
        if all(control):
            da, en = ("et styretegn", "a control character") if one else ("styretegn", "control characters")
        elif not any(control):
            da, en = (
                ("et usynligt tegn", "an invisible character") if one else ("usynlige tegn", "invisible characters")
            )
        else:
            da, en = "usynlige tegn og styretegn", "invisible and control characters"
        return (
            f"indeholder {da} ({points}); skriv {what_da} igen i cellen (sådanne tegn kommer ofte med ved "
            "kopiering fra e-mail eller web)",
            f"contains {en} ({points}); type {what_en} again in the cell (such characters often come along when "
            "copying from e-mail or the web)",
        )
    return None


def _clean_id(value: str) -> str:
    """An ID without its control/format characters (to point references at the rejected cell)."""
    return "".join(ch for ch in value if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp")).strip()


# -- cell parsers (run once per distinct value of a column) -------------------------------------
_NUM = re.compile(r"^([+-]?\d+)(?:[.,]0+)?(?:\s*[-–—:.)]?\s*(\D.*))?$")
_TRUE = {"ja", "j", "yes", "y", "x", "sand", "true", "1", "ok", "✓", "✔", "☑", "✅"}
_FALSE = {"nej", "n", "no", "falsk", "false", "0", "-", "✗", "✘", "☐"}
def _as_int(u: Any) -> Any:
    if isinstance(u, bool):
        return _BAD
    if isinstance(u, int):
        return u if abs(u) < 32768 else _BAD
    if isinstance(u, float):
        return int(u) if u.is_integer() and abs(u) < 32768 else _BAD
    if isinstance(u, str):
        m = _NUM.match(u.strip())
        if m:
            return _as_int(int(m.group(1)))
    return _BAD


def _scale_parser(labels: dict[str, int]):
    def parse(u: Any) -> Any:
        v = _as_int(u)
        if v is _BAD and isinstance(u, str):
            return labels.get(fold(u), _BAD)
        return v

    return parse


def _parse_bool(u: Any) -> Any:
    if isinstance(u, bool):
        return u
    if isinstance(u, int | float):
        return bool(u) if u in (0, 1) else _BAD
    if isinstance(u, str):
        s = u.strip().casefold()
        if s in _TRUE or fold(s) in _TRUE:
            return True
        if s in _FALSE or fold(s) in _FALSE:
            return False
    return _BAD


def _parse_date(u: Any) -> Any:
    """A date between DATE_MIN and DATE_MAX, or _BAD."""
    d = parse_day(u)
    return _BAD if d is None else d


def _parse_month(u: Any) -> Any:
    v = _as_int(u)
    if v is _BAD and isinstance(u, str):
        f = fold(u)
        return MONTH_NUMBERS.get(f, MONTH_NUMBERS.get(f[:3], _BAD) if len(f) >= 3 else _BAD)
    return v


def _text(u: Any) -> Any:
    if isinstance(u, str):
        s = u.strip()
        return s or None
    if isinstance(u, bool):
        return "Ja" if u else "Nej"
    if isinstance(u, float) and u.is_integer():
        return str(int(u))
    if isinstance(u, dt.datetime):
        return u.date().isoformat() if u.time() == dt.time() else u.isoformat(sep=" ")
    if isinstance(u, dt.date | dt.time):
        return u.isoformat()
    return str(u)


def _parse_list(u: Any) -> Any:
    s = _text(u)
    if s is None:
        return None
    parts = [p.strip() for p in re.split(r"[;,\n]", s)]
    return "; ".join(p for p in parts if p) or None


_CONTROL_WITH_TEXT = re.compile(r"^(?:[Aa]\.?\s*)?(\d+(?:\.\d+)+)\s*[-–:]?\s+\D.*$")


def _parse_controls(u: Any) -> Any:
    """A list of control IDs; text after an ID is dropped ("8.13 backup" -> "8.13")."""
    s = _parse_list(u)
    if s is None:
        return None
    return "; ".join(_CONTROL_WITH_TEXT.sub(r"\1", p) for p in s.split("; "))


def _lookup_parser(table: dict[str, str]):
    def parse(u: Any) -> Any:
        s = _text(u)
        if s is None:
            return None
        return table.get(fold(s), s)

    return parse


def _choice_table(vocabulary: str) -> dict[str, str]:
    vocab = L.VOCABULARIES[vocabulary]
    table: dict[str, str] = {}
    group = "treatment" if vocabulary == "treatment" else "status" if vocabulary.endswith("status") else None
    for alias, key in L.CHOICE_ALIASES.get(group, {}).items():
        if key in vocab:
            table[fold(alias)] = key
    for key, (da, en) in vocab.items():
        for name in (key, da, en):
            table[fold(name)] = key
    return table


# -- kinds: parser, nullable dtype during validation, final dtype -------------------------------
_TEXT_KINDS = ("id", "text", "list", "choice", "level")
_COMPUTED = frozenset({"risk_score_municipality", "risk_score_data_subject"})  # recomputed by the reader


def _kind_phrase(col: L.Column, header: str, m: RiskMatrix) -> tuple[str, str, str, str]:
    """(Danish noun phrase, English noun phrase, Danish allowed, English allowed) for messages."""
    if col.kind in ("likelihood", "consequence"):
        da_lab = m.likelihood_da if col.kind == "likelihood" else m.consequence_da
        en_lab = m.likelihood_en if col.kind == "likelihood" else m.consequence_en
        noun = ("sandsynlighed", "likelihood") if col.kind == "likelihood" else ("konsekvens", "consequence")
        return (
            f"en gyldig {noun[0]}",
            f"a valid {noun[1]}",
            f"1–{len(da_lab)} ({', '.join(f'{i} {x}' for i, x in enumerate(da_lab, start=1))})",
            f"1–{len(en_lab)} ({', '.join(f'{i} {x}' for i, x in enumerate(en_lab, start=1))})",
        )
    if col.kind == "bool":
        return "en gyldig ja/nej-værdi", "a valid yes/no value", "Ja, Nej, X, ✓, 1, 0", "Yes, No, X, ✓, 1, 0"
    if col.kind == "date":
        return (
            "en gyldig dato",
            "a valid date",
            f"en dato mellem {DATE_MIN:%d-%m-%Y} og {DATE_MAX:%d-%m-%Y}, skrevet som 24-12-2026, 24.12.2026 eller "
            "2026-12-24",
            f"a date between {DATE_MIN:%d-%m-%Y} and {DATE_MAX:%d-%m-%Y}, written like 24-12-2026, 24.12.2026 or "
            "2026-12-24",
        )
    if col.kind == "month":
        return "en gyldig måned", "a valid month", "1–12 eller et månedsnavn", "1–12 or a month name"
    if col.kind == "int":
        return "et gyldigt heltal", "a valid whole number", "et helt tal", "a whole number"
    if col.kind == "level":
        return (
            f"et niveau i risikomatrixen {m.name}",
            f"a level of the risk matrix {m.name}",
            ", ".join(m.level_names("da")),
            ", ".join(m.level_names("en")),
        )
    if col.kind == "choice" and col.vocabulary:
        vocab = L.VOCABULARIES[col.vocabulary]
        return (
            f"en gyldig værdi for '{header}'",
            f"a valid value for '{header}'",
            ", ".join(v[0] for v in vocab.values()),
            ", ".join(v[1] for v in vocab.values()),
        )
    return "en gyldig værdi", "a valid value", "tekst", "text"


@dataclass
class _Table:
    """One data sheet after reading: parsed frame (index = Excel row) and where each field sits."""

    sheet: L.Sheet
    name: str  # the sheet's name in the workbook
    frame: pd.DataFrame
    positions: dict[str, int]  # field -> 0-based column index
    headers: dict[str, str]  # field -> header text as written
    raw: dict[str, np.ndarray]  # field -> raw cell values of the kept rows
    header_row: int  # Excel row of the (last) header row
    rejected: dict[str, str] = field(default_factory=dict)  # ID without its invisible characters -> cell


_META_NAMES = frozenset({"municipality", "round"})  # Om fields that name the round everywhere


class _Reader:
    def __init__(self, path: Path, mapping: dict[str, Any] | None) -> None:
        self.path = path
        self.mapping = mapping or {}
        self.problems = _Problems(path.name)
        self.matrix: RiskMatrix = KL
        self.duplicate_headers: list[tuple[int, str]] = []
        self.hidden: set[str] = set()
        self.error_cells: dict[str, dict[tuple[int, int], tuple[str, str]]] = {}
        self.covered: set[tuple[str, str]] = set()  # (sheet, cell) inside a reported merged range
        self.reported_sheets: set[str] = set()  # sheets an error already names (see sheets.other_sheets)

    # -- sheets -----------------------------------------------------------------------------
    def find_sheet(self, names: list[str], sheet: L.Sheet) -> str | None:
        mapped = self.mapping.get("sheets", {}).get(sheet.key)
        wanted = _names(mapped) if mapped else [sheet.da, sheet.en, sheet.key, *sheet.aliases]
        by_fold: dict[str, str] = {}
        for n in names:
            by_fold.setdefault(fold(n), n)
        for n in names:  # a visible sheet wins over a hidden one of the same name
            if n not in self.hidden:
                by_fold[fold(n)] = n
        self.ambiguous_sheets(names, wanted, sheet)
        for w in wanted:
            if fold(w) in by_fold:
                found = by_fold[fold(w)]
                if found in self.hidden:
                    self.problems.add(
                        "error",
                        "hidden_sheet",
                        f"arket '{found}' er skjult; vis arket i Excel, hvis det hører til denne runde, "
                        "eller omdøb det (fx med årstal), hvis det er gammelt",
                        f"the sheet '{found}' is hidden; unhide it in Excel if it belongs to this round, "
                        "or rename it (e.g. with the year) if it is old",
                        sheet=found,
                    )
                return found
        return None

    def ambiguous_sheets(self, names: list[str], wanted: list[str], sheet: L.Sheet) -> None:
        """Two or more sheets that all read as ``sheet`` ('Risici' and 'Rísici', 'Risici_',
        'RISICI ', 'Ri-sici', 'Risks') are an error naming each of them: which one holds the
        round is the user's decision, never the reader's."""
        keys = {fold(w) for w in wanted}
        hits = [n for n in names if fold(n) in keys]
        if len(hits) < 2:
            return
        self.reported_sheets.update(hits)  # named here; not "unused" sheets too
        listed = [f"'{_printable(n)}'" for n in hits]
        da_list = ", ".join(listed[:-1]) + " og " + listed[-1]
        en_list = ", ".join(listed[:-1]) + " and " + listed[-1]
        da_all, en_all = ("begge", "both") if len(hits) == 2 else ("alle", "all")
        self.problems.add(
            "error",
            "duplicate_sheet",
            f"arkene {da_list} læses {da_all} som arket '{sheet.da}'; slet eller omdøb, så kun ét ark hedder "
            "sådan (fx med årstal på det gamle ark)",
            f"the sheets {en_list} {en_all} read as the sheet '{sheet.en}'; delete or rename so that only one "
            "has that name (e.g. the old sheet with its year)",
            sheet=_printable(hits[0]),
        )

    def missing_sheet(self, sheet: L.Sheet) -> None:
        mapped = self.mapping.get("sheets", {}).get(sheet.key)
        wanted = _names(mapped) if mapped else [sheet.da, sheet.en]
        looked = ", ".join(f"'{w}'" for w in wanted)
        self.problems.add(
            "error",
            "missing_sheet",
            f"arket '{sheet.da}' mangler (ledte efter {looked})",
            f"the sheet '{sheet.en}' is missing (looked for {looked})",
            sheet=sheet.da,
        )

    # -- headers ----------------------------------------------------------------------------
    def candidates(self, sheet: L.Sheet) -> dict[str, str]:
        """Folded header -> field for ``sheet`` (mapping names take precedence)."""
        table: dict[str, str] = {}
        for col in sheet.columns:
            for name in (col.da, col.en, col.field, *col.aliases):
                for k in _header_keys(name):
                    table.setdefault(k, col.field)
        for fld, names in self.mapping.get("columns", {}).get(sheet.key, {}).items():
            for name in _names(names):
                for k in _header_keys(name):
                    table[k] = fld
        return table

    def match_headers(self, cells: list[Any], sheet: L.Sheet, table: dict[str, str]) -> dict[int, str]:
        """Column index -> field for one header row (first match of a field wins)."""
        fields = {c.field for c in sheet.columns}
        out: dict[int, str] = {}
        seen: set[str] = set()
        for j, cell in enumerate(cells):
            if not isinstance(cell, str) or not cell.strip():
                continue
            fld = None
            for k in _header_keys(cell):
                if k in table:
                    fld = table[k]
                    break
            if fld is None:
                cf = _consequence_field(cell)
                fld = cf if cf in fields else None
            if fld is not None and fld not in seen:
                out[j] = fld
                seen.add(fld)
            elif fld is not None:
                self.duplicate_headers.append((j, fld))
        return out

    def combine(self, upper: list[Any], lower: list[Any], merged: list[tuple[int, int]]) -> list[Any]:
        """Merge a group row (e.g. "Konsekvens for kommunen") with its sub-header row (F/I/T)."""
        width = max(len(upper), len(lower))
        group = [
            upper[j] if j < len(upper) and isinstance(upper[j], str) and upper[j].strip() else "" for j in range(width)
        ]
        for c0, c1 in merged:  # horizontally merged group cells
            for j in range(c0 + 1, min(c1 + 1, width)):
                group[j] = group[j] or group[c0]
        sub = [lower[j] if j < len(lower) else "" for j in range(width)]
        is_prop = [isinstance(s, str) and fold(s) in _PROPS for s in sub]
        for j in range(1, width):  # group text written once, over F/I/T cells not merged
            if is_prop[j] and not group[j] and is_prop[j - 1] and group[j - 1]:
                group[j] = group[j - 1]
        out: list[Any] = []
        for j in range(width):
            if is_prop[j] and group[j]:
                out.append(f"{group[j]} {sub[j]}")
            elif isinstance(sub[j], str) and sub[j].strip():
                out.append(sub[j])
            else:
                out.append(group[j])  # a header merged down over both rows
        return out

    def locate_header(self, rows: list[list[Any]], sheet: L.Sheet, merged_by_row: dict[int, list[tuple[int, int]]]):
        """(header cells, index of the last header row) -- best scoring single or two-row header."""
        table = self.candidates(sheet)
        forced = self.mapping.get("header_rows", {}).get(sheet.key)
        scan = range(int(forced) - 1, int(forced)) if forced else range(min(len(rows), HEADER_SCAN_ROWS))
        best: tuple[int, int, list[Any], int] | None = None  # (score, -rows used, cells, last row)
        for r in scan:
            if r >= len(rows) or (best is not None and r > best[3] + 2):
                break  # past the header: the rest is data
            single = rows[r]
            cand = [(single, r)]
            if r + 1 < len(rows):
                cand.append((self.combine(rows[r], rows[r + 1], merged_by_row.get(r, [])), r + 1))
            for cells, last in cand:
                score = len(self.match_headers(cells, sheet, table))
                key = (score, -(last - r))
                if score and (best is None or key > best[:2]):
                    best = (score, -(last - r), cells, last)
        if best is None:
            return None, -1
        return best[2], best[3]

    # -- a data sheet -----------------------------------------------------------------------
    def parser(self, col: L.Column):
        kind = col.kind
        if kind in ("likelihood", "consequence"):
            labels = self.matrix.likelihood_da if kind == "likelihood" else self.matrix.consequence_da
            labels_en = self.matrix.likelihood_en if kind == "likelihood" else self.matrix.consequence_en
            table: dict[str, int] = {}
            for i, x in enumerate((*labels, *labels_en)):
                step = i % len(labels) + 1
                table.setdefault(fold(x), step)
                table.setdefault(fold(x).removesuffix("t"), step)  # "Sandsynlig" for "Sandsynligt"
            for alias, step in L.SCALE_ALIASES.get(kind, {}).items():
                if step <= len(labels):
                    table.setdefault(fold(alias), step)
            return _scale_parser(table)
        if kind == "int":
            return _as_int
        if kind == "bool":
            return _parse_bool
        if kind == "date":
            return _parse_date
        if kind == "month":
            return _parse_month
        if kind == "list":
            return _parse_controls if col.field == "controls" else _parse_list
        if kind == "choice" and col.vocabulary:
            return _lookup_parser(_choice_table(col.vocabulary))
        if kind == "level":
            t = {}
            for lv in self.matrix.levels:
                for n in (lv.key, lv.name_da, lv.name_en):
                    t[fold(n)] = lv.name_da  # the level's identifier, as in scores["level"]
            return _lookup_parser(t)
        return _text

    def read_sheet(self, wb: Any, name: str, sheet: L.Sheet) -> _Table | None:
        ws = wb.get_sheet_by_name(name)
        rows = ws.to_python(skip_empty_area=False)
        merged_by_row: dict[int, list[tuple[int, int]]] = {}
        merged: list[tuple[int, int, int, int]] = []  # 0-based (r0, c0, r1, c1)
        try:
            for (r0, c0), (r1, c1) in ws.merged_cell_ranges or []:
                merged_by_row.setdefault(r0, []).append((c0, c1))
                merged.append((int(r0), int(c0), int(r1), int(c1)))
        except Exception:  # merged ranges are a hint only (not available for every format)
            merged_by_row, merged = {}, []
        cells, last = self.locate_header(rows, sheet, merged_by_row)
        if cells is None and not sheet.required and all(_is_blank(v) for row in rows for v in row):
            cells, last = [], len(rows)  # an empty optional sheet: no rows, no problem
        elif cells is None:
            self.problems.add(
                "error",
                "missing_header",
                f"arket '{name}' har ingen genkendelig overskriftsrække (ledte efter fx "
                + ", ".join(f"'{c.da}'" for c in sheet.columns if c.required)
                + ")",
                f"the sheet '{name}' has no recognisable header row (looked for e.g. "
                + ", ".join(f"'{c.en}'" for c in sheet.columns if c.required)
                + ")",
                sheet=name,
            )
            cells, last = [], 0 if not rows else -1
        table = self.candidates(sheet)
        self.duplicate_headers = []
        matched = self.match_headers(cells, sheet, table)
        header_row = last + 1  # Excel row number of the (last) header row
        first_at = {f: j for j, f in matched.items()}
        for j, fld in self.duplicate_headers:
            h = _display(cells[j])
            c0, c1 = f"{col_letter(first_at[fld])}{header_row}", f"{col_letter(j)}{header_row}"
            self.problems.add(
                "error",
                "duplicate_column",
                f"kolonnen '{h}' findes flere gange ({c0} og {c1}); slet eller omdøb den ene",
                f"the column '{h}' occurs more than once ({c0} and {c1}); delete or rename one of them",
                sheet=name,
                cell=c1,
                row=header_row,
                column=h,
            )
        for col in sheet.columns:
            if col.required and col.field not in matched.values() and cells:
                names = [col.da, col.en, *_names(self.mapping.get("columns", {}).get(sheet.key, {}).get(col.field, []))]
                looked = ", ".join(f"'{n}'" for n in dict.fromkeys(names))
                self.problems.add(
                    "error",
                    "missing_column",
                    f"arket '{name}' mangler kolonnen '{col.da}' (ledte efter {looked} i række {header_row})",
                    f"the sheet '{name}' lacks the column '{col.en}' (looked for {looked} in row {header_row})",
                    sheet=name,
                    row=header_row,
                )
        data = rows[last + 1 :] if last >= 0 else rows
        width = max((len(r) for r in data), default=0)
        width = max(width, len(cells))
        n = len(data)
        if n:
            arr = np.empty((n, width), dtype=object)
            arr[:] = ""
            if all(len(r) == width for r in data):
                arr[:, :] = data
            else:
                for i, r in enumerate(data):
                    arr[i, : len(r)] = r
        else:
            arr = np.empty((0, width), dtype=object)
        self.hidden_values(name, arr, cells, matched, last)
        # Columns to the right of the last recognised column and the last column holding data are
        # ignored, even with a header (a header row filled out to XFD would add 16,000 empty columns).
        used_width = max(matched, default=-1) + 1
        while width > used_width and all(_is_blank(v) for v in arr[:, width - 1]):
            width -= 1
        arr = arr[:, :width]
        self.merged_ranges(name, merged, matched, last, n)

        # Factorise every column once; a row is blank when all its cells are.
        factorised = []
        blank = np.ones(n, dtype=bool)
        for j in range(width):
            codes, uniques = _factorize(arr[:, j])
            ublank = _blank_uniques(uniques)
            cblank = np.append(ublank, True)[codes]
            blank &= cblank
            factorised.append((codes, uniques, cblank))
        keep = trailing_rows(self, name, sheet, arr, matched, ~blank, last)  # totals/note rows named, not read
        excel_rows = np.arange(last + 2, last + 2 + n)[keep]
        if sheet.required and cells and not keep.any():
            self.problems.add(
                "error",
                "empty_sheet",
                f"arket '{name}' har ingen rækker under overskrifterne (række {header_row}); en runde skal have "
                "aktiver, trusler og risici",
                f"the sheet '{name}' has no rows below its headers (row {header_row}); a round needs assets, "
                "threats and risks",
                sheet=name,
                row=header_row,
            )

        frame: dict[str, Any] = {}
        positions: dict[str, int] = {}
        headers: dict[str, str] = {}
        raw: dict[str, np.ndarray] = {}
        parse_errors: list[tuple[str, np.ndarray]] = []
        extra: dict[str, Any] = {}
        cols_by_field = {c.field: c for c in sheet.columns}
        for j in range(width):
            codes, uniques, cblank = factorised[j]
            codes = codes[keep]
            fld = matched.get(j)
            header_text = cells[j] if j < len(cells) else ""
            if fld is None:
                if cblank[keep].all() and _is_blank(header_text):
                    continue
                label = col_letter(j) if _is_blank(header_text) else str(_text(header_text))
                while label in extra or label in cols_by_field:
                    label += "_"
                extra[label] = _extra_column(codes, uniques)
                continue
            col = cols_by_field[fld]
            values, bad = _parse_column(codes, uniques, self.parser(col), col.kind)
            frame[fld] = values
            positions[fld] = j
            headers[fld] = str(header_text).strip().replace("\n", " ")
            raw[fld] = np.append(uniques.astype(object), "")[codes] if len(uniques) else np.full(len(codes), "", object)
            if bad.any():
                parse_errors.append((fld, bad))
        index = pd.Index(excel_rows, name="source_row")
        df = pd.DataFrame({k: pd.Series(v, index=index) for k, v in frame.items()}, index=index)
        tbl = _Table(sheet, name, df, positions, headers, raw, header_row)
        for fld, bad in parse_errors:
            self.cell_errors(tbl, fld, bad, "unparseable")
            tbl.frame.loc[bad, fld] = pd.NA
        for fld in [f for f in tbl.frame.columns if cols_by_field[f].kind == "id"]:
            self.id_errors(tbl, fld)
        self.validate(tbl)
        self.case_duplicates(tbl)
        if extra:  # one concat: inserting column by column fragments the frame (and warns) on wide sheets
            tbl.frame = pd.concat([tbl.frame, pd.DataFrame({k: pd.Series(v, index=index) for k, v in extra.items()})],
                                  axis=1)  # fmt: skip
        return tbl

    def hidden_values(self, name: str, arr: np.ndarray, cells: list[Any], matched: dict[int, str], last: int) -> None:
        """Excel error values and formulas without a cached value (calamine returns both as empty).

        In a column the reader uses (other than the computed score columns) each is an
        error at its cell; an error value elsewhere is a warning; an uncached formula in
        a computed or unknown column is ignored (the reader recomputes or keeps it)."""
        n, width = arr.shape
        for (r, c), (kind, text) in sorted(self.error_cells.get(name, {}).items()):
            i = r - (last + 2)
            if not (0 <= i < n and c < width):
                continue
            used = c in matched and matched[c] not in _COMPUTED
            if kind != "external":
                arr[i, c] = ""  # reported here, then treated as missing
            if kind in ("formula", "external") and not used:
                continue
            h = _display(cells[c]) if c < len(cells) and not _is_blank(cells[c]) else ""
            where = {"sheet": name, "cell": f"{col_letter(c)}{r}", "row": r, "column": h}
            if kind == "external":
                self.problems.add(
                    "warning",
                    "external_link",
                    f"cellen henter sin værdi fra en anden arbejdsbog ({_printable(text)}); værdien er den, der blev "
                    "gemt sidst, og kan være forældet. Opdatér kæden i Excel (Data > Rediger kæder), eller skriv værdien",
                    f"the cell takes its value from another workbook ({_printable(text)}); the value is the one last "
                    "saved and may be stale. Update the link in Excel (Data > Edit Links), or type the value",
                    value=_printable(text),
                    **where,
                )
            elif kind == "formula":
                self.problems.add(
                    "error",
                    "formula_no_value",
                    "cellen indeholder en formel uden gemt værdi (filen er gemt af et program, der ikke beregner "
                    "formler); åbn og gem filen i Excel eller LibreOffice, eller skriv værdien",
                    "the cell holds a formula without a saved value (the file was saved by a program that does "
                    "not calculate formulas); open and save the file in Excel or LibreOffice, or type the value",
                    value=_printable(text),
                    **where,
                )
            elif used:
                self.problems.add(
                    "error",
                    "excel_error",
                    f"cellen indeholder Excel-fejlen {_printable(text)}; ret formlen, eller skriv værdien",
                    f"the cell holds the Excel error {_printable(text)}; fix the formula or type the value",
                    value=_printable(text),
                    **where,
                )
            else:
                self.problems.add(
                    "warning",
                    "excel_error",
                    f"cellen indeholder Excel-fejlen {_printable(text)}; kolonnen bruges ikke i vurderingen, men "
                    "ret formlen",
                    f"the cell holds the Excel error {_printable(text)}; the column is not used in the assessment, "
                    "but fix the formula",
                    value=_printable(text),
                    **where,
                )

    def merged_ranges(
        self, name: str, merged: list[tuple[int, int, int, int]], matched: dict[int, str], last: int, n: int
    ) -> None:
        """A range merged over more than one data row in a used column is an error at the range:
        only its first cell holds the value, the others read as empty."""
        first_data = last + 1  # 0-based index of the first data row
        for r0, c0, r1, c1 in sorted(merged):
            if r1 <= r0 or r1 < first_data or r0 >= first_data + n:
                continue
            if not any(c in matched for c in range(c0, c1 + 1)):
                continue
            rng = f"{col_letter(c0)}{r0 + 1}:{col_letter(c1)}{r1 + 1}"
            first, second = f"{col_letter(c0)}{r0 + 1}", f"{col_letter(c0)}{r0 + 2}"
            self.problems.add(
                "error",
                "merged_cells",
                f"cellerne {rng} er flettet over flere rækker; kun {first} har en værdi, de øvrige (fx {second}) "
                "står tomme. Ophæv fletningen (Flet og centrer), og skriv værdien i hver række",
                f"the cells {rng} are merged across rows; only {first} has a value, the others (e.g. {second}) "
                "are empty. Unmerge them (Merge & Center) and type the value in every row",
                sheet=name,
                cell=rng,
                row=max(r0, first_data) + 1,
                column="",
            )
            for r in range(max(r0, first_data), r1 + 1):
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0):
                        self.covered.add((name, f"{col_letter(c)}{r + 1}"))

    def id_errors(self, tbl: _Table, fld: str) -> None:
        """IDs holding control or invisible (format) characters, or longer than MAX_ID_LENGTH:
        an error at the cell, the value shown escaped; the cell is then treated as missing."""
        s = tbl.frame[fld]
        uniques = pd.unique(s.dropna())
        verdict = {u: _id_problem(str(u)) for u in uniques}
        bad_values = [u for u, v in verdict.items() if v is not None]
        if not bad_values:
            return
        header = tbl.headers[fld]
        letter = col_letter(tbl.positions[fld])
        mask = s.isin(bad_values).to_numpy(dtype=bool, na_value=False)
        for r, v in zip(tbl.frame.index.to_numpy()[mask], s.to_numpy()[mask], strict=True):
            da, en = verdict[v]
            cell = f"{letter}{r}"
            self.problems.add(
                "error",
                "invalid_id",
                f"{header} '{_display(v)}' {da}",
                f"{header} '{_display(v)}' {en}",
                sheet=tbl.name,
                cell=cell,
                row=int(r),
                column=header,
                value=_display(v),
            )
            tbl.rejected.setdefault(_clean_id(str(v)), cell)
        tbl.frame.loc[mask, fld] = pd.NA

    def case_duplicates(self, tbl: _Table) -> None:
        """The sheet's own IDs must not differ only in upper/lower case ('a-01' and 'A-01'):
        an error at every such cell naming all of them; the later rows' IDs are set to missing."""
        key = S.key_column(tbl.sheet)
        if key not in tbl.frame.columns:
            return
        s = tbl.frame[key].dropna()
        if s.empty:
            return
        folded = s.str.casefold()
        n_spellings = s.groupby(folded).transform("nunique")
        clash = s[(n_spellings > 1).to_numpy(dtype=bool)]
        if clash.empty:
            return
        col = tbl.sheet.column(key)
        header = tbl.headers[key]
        letter = col_letter(tbl.positions[key])
        for _, grp in clash.groupby(clash.str.casefold(), sort=False):
            rows = sorted(int(r) for r in grp.index)
            listed = [f"'{_display(grp[r])}' ({letter}{r})" for r in rows]
            da_list = ", ".join(listed[:-1]) + " og " + listed[-1]
            en_list = ", ".join(listed[:-1]) + " and " + listed[-1]
            for r in rows:
                self.problems.add(
                    "error",
                    "id_case",
                    f"{header} {da_list} adskiller sig kun ved store/små bogstaver; {col.da}'er må ikke kun adskille "
                    "sig ved store/små bogstaver. Skriv dem ens, hvis de er det samme, ellers giv dem forskellige ID'er",
                    f"{header} {en_list} differ only in upper/lower case; {col.en}s must not differ only in case. "
                    "Write them the same if they are the same, otherwise give them different IDs",
                    sheet=tbl.name,
                    cell=f"{letter}{r}",
                    row=r,
                    column=header,
                    value=_display(grp[r]),
                )
            tbl.frame.loc[rows[1:], key] = pd.NA

    def cell_errors(self, tbl: _Table, fld: str, bad: np.ndarray, code: str) -> None:
        """Report every flagged cell of ``fld`` with its value and what is allowed."""
        col = tbl.sheet.column(fld)
        header = tbl.headers[fld]
        noun_da, noun_en, allowed_da, allowed_en = _kind_phrase(col, header, self.matrix)
        letter = col_letter(tbl.positions[fld])
        rows = tbl.frame.index.to_numpy()[bad]
        values = tbl.raw[fld][bad]
        for r, v in zip(rows, values, strict=True):
            shown = _display(v)
            said_da, said_en = f"værdien '{shown}'", f"the value '{shown}'"
            if col.kind == "date" and isinstance(v, dt.time):  # a date cell before 1900 reads as a time of day
                said_da, said_en = "værdien (en dato før 1900)", "the value (a date before 1900)"
            self.problems.add(
                "error",
                code,
                f"{said_da} er ikke {noun_da}; tilladt: {allowed_da}",
                f"{said_en} is not {noun_en}; allowed: {allowed_en}",
                sheet=tbl.name,
                cell=f"{letter}{r}",
                row=int(r),
                column=header,
                value=shown,
            )

    def validate(self, tbl: _Table) -> None:
        """Run the sheet's pandera schema; report every failure and blank the bad cells."""
        df = tbl.frame
        key = S.key_column(tbl.sheet)
        if tbl.sheet.unique_with and key in df.columns:  # unique together (Risikoprofil: area, perspective)
            subset = [key, *(f for f in tbl.sheet.unique_with if f in df.columns)]
            twice = (df.duplicated(subset, keep=False) & df[key].notna()).to_numpy(dtype=bool)
            if twice.any():
                df.loc[self.duplicate_errors(tbl, key, twice), key] = pd.NA
        fc = S.failures(df, S.sheet_schema(tbl.sheet, df.columns, self.matrix))
        if fc.empty:
            return
        pos = {r: i for i, r in enumerate(df.index)}
        for (fld, check), grp in fc.groupby(["column", "check"], sort=False):
            mask = np.zeros(len(df), dtype=bool)
            mask[[pos[int(r)] for r in grp["index"] if int(r) in pos]] = True
            if check == S.NOT_NULL:
                self.mandatory_errors(tbl, fld, mask)
            elif check == S.UNIQUE:
                mask = self.duplicate_errors(tbl, fld, mask)
                df.loc[mask, fld] = pd.NA
            else:
                code = {S.RANGE: "out_of_range", S.VOCABULARY: "unknown_value", S.LEVEL: "unknown_level"}.get(
                    check, "invalid"
                )
                self.cell_errors(tbl, fld, mask, code)
                df.loc[mask, fld] = pd.NA

    def mandatory_errors(self, tbl: _Table, fld: str, mask: np.ndarray) -> None:
        header = tbl.headers[fld]
        letter = col_letter(tbl.positions[fld])
        reported = {(p["sheet"], p["cell"]) for p in self.problems.rows}
        for r in tbl.frame.index.to_numpy()[mask]:
            if (tbl.name, f"{letter}{r}") in reported or (tbl.name, f"{letter}{r}") in self.covered:
                continue  # already reported as unreadable, or an empty cell of a merged range
            self.problems.add(
                "error",
                "mandatory_missing",
                f"'{header}' skal udfyldes",
                f"'{header}' must be filled in",
                sheet=tbl.name,
                cell=f"{letter}{r}",
                row=int(r),
                column=header,
            )

    def duplicate_errors(self, tbl: _Table, fld: str, mask: np.ndarray) -> np.ndarray:
        """Name every row of each duplicated ID; return the rows after the first (to blank)."""
        header = tbl.headers[fld]
        letter = col_letter(tbl.positions[fld])
        rows = tbl.frame.index.to_numpy()[mask]
        values = tbl.frame[fld].to_numpy()[mask]
        later = np.zeros(len(tbl.frame), dtype=bool)
        groups: dict[str, list[int]] = {}
        for r, v in zip(rows, values, strict=True):
            groups.setdefault(str(v), []).append(int(r))
        pos = {r: i for i, r in enumerate(tbl.frame.index)}
        for v, rs in groups.items():
            listed_da = ", ".join(map(str, rs[:-1])) + f" og {rs[-1]}"
            listed_en = ", ".join(map(str, rs[:-1])) + f" and {rs[-1]}"
            for r in rs:
                self.problems.add(
                    "error",
                    "duplicate_id",
                    f"{header} '{_display(v)}' findes flere gange: rækkerne {listed_da}",
                    f"{header} '{_display(v)}' occurs more than once: rows {listed_en}",
                    sheet=tbl.name,
                    cell=f"{letter}{r}",
                    row=r,
                    column=header,
                    value=v,
                )
            for r in rs[1:]:
                later[pos[r]] = True
        return later

    # -- the Om sheet -----------------------------------------------------------------------
    def read_meta(self, wb: Any, name: str | None) -> dict[str, Any]:
        meta: dict[str, Any] = {c.field: None for c in L.META.columns}
        if name is None:
            self.missing_sheet(L.META)
            return meta
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        table = self.candidates(L.META)
        found: dict[str, tuple[int, int, Any]] = {}
        for i, row in enumerate(rows):
            for j, cell in enumerate(row):
                if not isinstance(cell, str) or not cell.strip():
                    continue
                fld = next((table[k] for k in _header_keys(cell) if k in table), None)
                if fld is None or fld in found:
                    break
                value, vj = "", j + 1
                for k in range(j + 1, len(row)):
                    if not _is_blank(row[k]):
                        value, vj = row[k], k
                        break
                found[fld] = (i + 1, vj, value)
                break
        for col in L.META.columns:
            r, j, value = found.get(col.field, (None, None, ""))
            cell = f"{col_letter(j)}{r}" if r else ""
            if _is_blank(value):
                if col.mandatory:
                    self.problems.add(
                        "error",
                        "mandatory_missing",
                        f"'{col.da}' skal udfyldes i arket '{name}'",
                        f"'{col.en}' must be filled in on the sheet '{name}'",
                        sheet=name,
                        cell=cell,
                        row=r,
                        column=col.da,
                    )
                continue
            parsed = self.parser(col)(value)
            if parsed is _BAD:
                noun_da, noun_en, allowed_da, allowed_en = _kind_phrase(col, col.da, self.matrix)
                self.problems.add(
                    "error",
                    "unparseable",
                    f"værdien '{_display(value)}' er ikke {noun_da}; tilladt: {allowed_da}",
                    f"the value '{_display(value)}' is not {noun_en}; allowed: {allowed_en}",
                    sheet=name,
                    cell=cell,
                    row=r,
                    column=col.da,
                    value=_display(value),
                )
                continue
            hidden = _hidden_problem(parsed, "navnet", "the name") if col.field in _META_NAMES else None
            if hidden is not None:  # the name reaches folder names, the store and the terminal
                self.problems.add(
                    "error",
                    "invalid_text",
                    f"{col.da} '{_display(value)}' {hidden[0]}",
                    f"{col.en} '{_display(value)}' {hidden[1]}",
                    sheet=name,
                    cell=cell,
                    row=r,
                    column=col.da,
                    value=_display(value),
                )
                continue
            meta[col.field] = parsed
        if meta.get("matrix"):
            spec = str(meta["matrix"])
            if spec.lower().endswith((".toml", ".yaml", ".yml")) and not Path(spec).is_absolute():
                spec = str(self.path.parent / spec)
            try:
                self.matrix = get_matrix(spec)
            except MatrixError as exc:
                r, j, value = found["matrix"]
                detail = f" ({exc})" if spec != str(meta["matrix"]) else ""
                self.problems.add(
                    "error",
                    "unknown_matrix",
                    f"risikomatrixen '{meta['matrix']}' kendes ikke; tilladt: kl, standard, herning, "
                    f"datatilsynet eller en .toml-fil{detail}",
                    f"the risk matrix '{meta['matrix']}' is unknown; allowed: kl, standard, herning, "
                    f"datatilsynet or a .toml file{detail}",
                    sheet=name,
                    cell=f"{col_letter(j)}{r}",
                    row=r,
                    column=L.META.column("matrix").da,
                    value=meta["matrix"],
                )
                meta["matrix"] = None
        return meta


# A cell holding an Excel error value (t="e"), with or without the formula that produced it.
_ERROR_CELL = re.compile(rb'<c\b([^>]*\bt="e"[^>]*)>\s*(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)?\s*<v>([^<]*)</v>')
# A formula cell without a cached value: nothing after the <f> element, or an empty <v/>
# (openpyxl writes that); an empty <v/> in a t="str" cell is a formula that returned "".
_NO_CACHE_CELL = re.compile(rb"<c\b([^>]*)>\s*(?:<f\b[^>]*/>|<f\b[^>]*>([^<]*)</f>)\s*(<v\s*/>|<v></v>)?\s*</c>")
_ATTR_R = re.compile(rb'\br="([A-Z]+)(\d+)"')
# A formula cell with a cached value, and a reference to another workbook inside a formula
# ('[1]Ark!A1', "'[2]Ark 1'!B2"): Excel saves the value last read from the linked file.
_CACHED_CELL = re.compile(rb"<c\b([^>]*)>\s*<f\b[^>]*>([^<]*)</f>\s*<v>[^<]*</v>")
_EXTERNAL_REF = re.compile(r"\[\d+\][^!]*!")


def _ref(attrs: bytes) -> tuple[int, int] | None:
    """(Excel row, 0-based column) of a cell's r attribute."""
    ref = _ATTR_R.search(attrs)
    if not ref:
        return None
    col = 0
    for ch in ref.group(1).decode():
        col = col * 26 + ord(ch) - 64
    return int(ref.group(2)), col - 1


def _excel_error_cells(path: Path) -> dict[str, dict[tuple[int, int], tuple[str, str]]]:
    """Cells calamine reports as empty although they are not, per sheet of an .xlsx/.xlsm:
    ``{sheet: {(row, col): (kind, text)}}`` with kind ``"error"`` (text: #REF!, #N/A, ...)
    or ``"formula"`` (a formula without a cached value; text: the formula).

    A cheap scan of the sheet XML: sheets without ``t="e"`` or ``<f`` are skipped at
    the first substring test.
    """
    import zipfile

    out: dict[str, dict[tuple[int, int], tuple[str, str]]] = {}
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "xl/workbook.xml" not in names:
                return out
            wb_xml = z.read("xl/workbook.xml")
            external = any(n.startswith("xl/externalLinks/") for n in names)
            rels = z.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
            targets = {}
            for m in re.finditer(rb"<Relationship\b[^>]*>", rels):
                rid = re.search(rb'\bId="([^"]+)"', m.group())
                tgt = re.search(rb'\bTarget="([^"]+)"', m.group())
                if rid and tgt:
                    t = tgt.group(1).decode()
                    targets[rid.group(1).decode()] = t.lstrip("/") if t.startswith("/") else f"xl/{t}"
            for m in re.finditer(rb"<(?:\w+:)?sheet\b[^>]*>", wb_xml):
                sname = re.search(rb'\bname="([^"]*)"', m.group())
                rid = re.search(rb'\br:id="([^"]+)"', m.group()) or re.search(rb'\bid="([^"]+)"', m.group())
                if not sname or not rid or targets.get(rid.group(1).decode()) not in names:
                    continue
                xml = z.read(targets[rid.group(1).decode()])
                found: dict[tuple[int, int], tuple[str, str]] = {}
                if b"<f" in xml:
                    for c in _NO_CACHE_CELL.finditer(xml):
                        where = _ref(c.group(1))
                        returned_text = c.group(3) is not None and b't="str"' in c.group(1)
                        if where is not None and b't="e"' not in c.group(1) and not returned_text:
                            formula = html.unescape((c.group(2) or b"").decode("utf-8", "replace"))
                            found[where] = ("formula", f"={formula}" if formula else "=")
                if b't="e"' in xml:
                    for c in _ERROR_CELL.finditer(xml):
                        where = _ref(c.group(1))
                        if where is not None:
                            found[where] = ("error", c.group(2).decode("utf-8", "replace") or "#FEJL")
                if external and b"[" in xml:
                    for c in _CACHED_CELL.finditer(xml):
                        formula = html.unescape(c.group(2).decode("utf-8", "replace"))
                        where = _ref(c.group(1))
                        if where is not None and where not in found and _EXTERNAL_REF.search(formula):
                            found[where] = ("external", f"={formula}")
                if found:
                    out[html.unescape(sname.group(1).decode())] = found
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError):
        return {}
    return out


class _BoolKey:
    """A boolean cell as a factorisation key: Python has True == 1 and hash(True) == hash(1),
    so without it a TRUE cell and cells holding 1 would be parsed (and shown) as one value."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _BoolKey) and other.value is self.value

    def __hash__(self) -> int:
        return hash(("bool", self.value))


def _factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pd.factorize of one column, with booleans kept apart from the numbers 1 and 0."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if not len(uniques) or not ((uniques == 1) | (uniques == 0)).any():  # elementwise; text compares unequal
        return codes, uniques
    is_bool = np.fromiter((type(v) is bool for v in values), dtype=bool, count=len(values))
    if not is_bool.any() or is_bool.all():
        return codes, uniques
    keys = values.copy()
    keys[is_bool] = [_BoolKey(v) for v in values[is_bool]]
    codes, ukeys = pd.factorize(keys, use_na_sentinel=True)
    uniques = np.empty(len(ukeys), dtype=object)
    uniques[:] = [u.value if isinstance(u, _BoolKey) else u for u in ukeys]
    return codes, uniques


def _is_blank(u: Any) -> bool:
    return u is None or (isinstance(u, str) and not u.strip()) or (isinstance(u, float) and u != u)


def _blank_uniques(uniques: Any) -> np.ndarray:
    return np.fromiter((_is_blank(u) for u in uniques), dtype=bool, count=len(uniques))


def _parse_column(codes: np.ndarray, uniques: Any, parse: Any, kind: str) -> tuple[Any, np.ndarray]:
    """Parse each distinct value once, then spread to the rows. Returns (values, bad mask)."""
    nu = len(uniques)
    if kind in ("id", "text"):  # the common, large case: text needs no checking
        texts = [_text(u) for u in uniques]
        texts.append(None)
        return pd.array(texts, dtype="string").take(codes), np.zeros(len(codes), dtype=bool)
    parsed: list[Any] = []
    ubad = np.zeros(nu + 1, dtype=bool)
    for i, u in enumerate(uniques):
        if _is_blank(u):
            parsed.append(None)
            continue
        v = parse(u)
        if v is _BAD:
            ubad[i] = True
            v = None
        parsed.append(v)
    parsed.append(None)
    bad = ubad[codes]
    if kind in ("likelihood", "consequence", "month", "int"):
        arr = pd.array(parsed, dtype="Int64")
    elif kind == "bool":
        arr = pd.array(parsed, dtype="boolean")
    elif kind == "date":
        arr = pd.array(pd.to_datetime(pd.Series(parsed, dtype="object")).astype("datetime64[ns]"))
    else:
        arr = pd.array(parsed, dtype="string")
    return arr.take(codes), bad


def _extra_column(codes: np.ndarray, uniques: Any) -> Any:
    """An unknown column, kept as it is (blank cells missing, text trimmed)."""
    vals = [None if _is_blank(u) else (u.strip() if isinstance(u, str) else u) for u in uniques]
    vals.append(None)
    arr = np.empty(len(vals), dtype=object)
    arr[:] = vals
    return pd.Series(arr[codes], dtype=object).infer_objects().array


# -- final frames ---------------------------------------------------------------------------
_FINAL_DTYPE = {
    "likelihood": "Int8",
    "consequence": "Int8",
    "month": "Int8",
    "int": "Int16",
    "bool": "boolean",
    "date": "datetime64[ns]",
}


def _final(tbl: _Table | None, sheet: L.Sheet) -> pd.DataFrame:
    """Final dtypes, every layout column present, extra columns after them, source_row last."""
    df = tbl.frame if tbl is not None else pd.DataFrame(index=pd.Index([], dtype="int64", name="source_row"))
    out: dict[str, Any] = {}
    n = len(df)
    for col in sheet.columns:
        dtype = _FINAL_DTYPE.get(col.kind, "string")
        if col.field in df.columns:
            s = df[col.field]
            out[col.field] = s.astype(dtype) if dtype != "string" else s.astype("string")
        elif not col.field.startswith(("consequence_society", "risk_score")):
            out[col.field] = (
                pd.Series(pd.array([pd.NA] * n, dtype=dtype), index=df.index)
                if dtype != "datetime64[ns]"
                else pd.Series(pd.NaT, index=df.index, dtype=dtype)
            )
    for c in df.columns:
        if c not in out:
            out[c] = df[c]
    frame = pd.DataFrame(out, index=df.index)
    frame["source_row"] = df.index.to_numpy(dtype="int64")
    return frame.reset_index(drop=True)


# -- cross-sheet rules and warnings -------------------------------------------------------------
def _cell(tbl: _Table, fld: str, row: int) -> str:
    return f"{col_letter(tbl.positions[fld])}{row}" if fld in tbl.positions else ""


def _check_references(rd: _Reader, risks: _Table, target: _Table | None, fld: str) -> None:
    """Risks must name assets and threats that exist; unknown references are errors (cell blanked)."""
    if target is None or fld not in risks.frame.columns or fld not in target.frame.columns:
        return
    known = target.frame[fld].dropna()
    values = risks.frame[fld]
    unknown = (values.notna() & ~values.isin(known)).to_numpy(dtype=bool)
    header = risks.headers[fld]
    by_case = dict(zip(known.str.casefold(), known, strict=True))
    for r, v in zip(risks.frame.index[unknown], values[unknown], strict=True):
        hint_da = hint_en = ""
        if _clean_id(str(v)) in target.rejected:
            cell = f"{target.name}!{target.rejected[_clean_id(str(v))]}"
            hint_da = f"; ID'et i {cell} har usynlige tegn eller styretegn, ret det dér"
            hint_en = f"; the ID in {cell} has invisible or control characters, correct it there"
        elif str(v).casefold() in by_case:
            twin = _display(by_case[str(v).casefold()])
            hint_da = f"; mente du '{twin}'? ID'er skal skrives med samme store/små bogstaver"
            hint_en = f"; did you mean '{twin}'? IDs must be written with the same upper/lower case"
        rd.problems.add(
            "error",
            "unknown_reference",
            f"{header} '{_display(v)}' findes ikke i arket '{target.name}'{hint_da}",
            f"{header} '{_display(v)}' is not in the sheet '{target.name}'{hint_en}",
            sheet=risks.name,
            cell=_cell(risks, fld, int(r)),
            row=int(r),
            column=header,
            value=v,
        )
    risks.frame.loc[unknown, fld] = pd.NA


def _scored(assets: pd.DataFrame, threats: pd.DataFrame, risks: pd.DataFrame, profile: Any, m: RiskMatrix):
    """Score the valid part of the round; risk_id is replaced by the Excel row."""
    from ..scoring import score

    a = assets[assets["asset_id"].notna()].drop_duplicates("asset_id")
    r = risks[risks["asset_id"].isin(a["asset_id"])].copy()
    r["risk_id"] = r["source_row"].astype("string")
    t = threats[threats["threat_id"].notna()]
    if r.empty:
        return None
    return score(Assessment(assets=a, threats=t, risks=r, profile=profile), m)


def _acceptance_missing(assets: Any, threats: Any, risks: Any, profile: Any, scores: Any, m: RiskMatrix) -> list[int]:
    """Excel rows of the risks whose decision is ``acceptance_missing`` (either perspective)."""
    from ..decisions import decisions

    a = assets[assets["asset_id"].notna()].drop_duplicates("asset_id")
    r = risks[risks["asset_id"].isin(a["asset_id"])].copy()
    r["risk_id"] = r["source_row"].astype("string")
    t = threats[threats["threat_id"].notna()]
    dec = decisions(Assessment(assets=a, threats=t, risks=r, profile=profile), scores, matrix=m)
    return sorted({int(x) for x in dec.loc[dec["reason"] == "acceptance_missing", "risk_id"]})


def _risk_rules(rd: _Reader, tbl: _Table, assess: dict[str, Any], meta: dict[str, Any]) -> None:
    """Acceptance, residual, formula, owner and deadline rules on the risks."""
    risks: pd.DataFrame = assess["risks"]
    assets: pd.DataFrame = assess["assets"]
    m = rd.matrix
    if risks.empty:
        return
    try:
        scores = _scored(assets, assess["threats"], risks, assess["profile"], m)
    except Exception:  # scoring is a check here; invalid cells are already reported
        scores = None
    row_of = risks["source_row"].to_numpy()
    if scores is not None and len(scores):
        srow = scores["risk_id"].astype("int64").to_numpy()
        inh = (scores["stage"] == "inherent").to_numpy()

        # An acceptance above the tolerance without who or when: a pending decision
        # (isms_analysis.decisions), not an error; warn at the cell that is empty.
        missing_acc = _acceptance_missing(assets, assess["threats"], risks, assess["profile"], scores, m)
        no_who = (risks["accepted_by"].isna() | (risks["accepted_by"] == "")).to_numpy(dtype=bool, na_value=True)
        no_when = risks["accepted_date"].isna().to_numpy()
        who_h = tbl.headers.get("accepted_by", L.RISKS.column("accepted_by").da)
        when_h = tbl.headers.get("accepted_date", L.RISKS.column("accepted_date").da)
        for i in np.flatnonzero(np.isin(row_of, missing_acc)):
            r = int(row_of[i])
            missing = [h for h, miss in ((who_h, no_who[i]), (when_h, no_when[i])) if miss]
            fld = "accepted_by" if no_who[i] else "accepted_date"
            if fld not in tbl.positions:
                fld = "treatment"
            rd.problems.add(
                "warning",
                "acceptance_missing",
                f"risikoen er accepteret over tolerancen, men {' og '.join(repr(x) for x in missing)} mangler; "
                "accepten afventer derfor en beslutning",
                f"the risk is accepted above the tolerance, but {' and '.join(repr(x) for x in missing)} "
                f"{'is' if len(missing) == 1 else 'are'} missing; the acceptance is therefore pending a decision",
                sheet=tbl.name,
                cell=_cell(tbl, fld, r),
                row=r,
                column=tbl.headers.get(fld, ""),
            )

        # Residual above inherent (any perspective).
        # (only where the inherent score could be computed: a blank likelihood is reported elsewhere)
        key = pd.MultiIndex.from_arrays([srow, scores["perspective"].cat.codes.to_numpy()])
        scored_inh = key[inh & scores["score"].notna().to_numpy()]
        res = (
            (scores["stage"] == "residual").to_numpy()
            & scores["residual_above_inherent"].to_numpy(dtype=bool)
            & key.isin(scored_inh)
        )
        for r in sorted(set(srow[res].tolist())):
            fld = next(
                (
                    f
                    for f in (
                        "residual_likelihood",
                        "residual_consequence_municipality",
                        "residual_consequence_data_subject",
                    )
                    if f in tbl.positions
                ),
                "likelihood",
            )
            rd.problems.add(
                "warning",
                "residual_above_inherent",
                "restrisikoen er højere end den iboende risiko (tjek restsandsynlighed og restkonsekvens)",
                "the residual risk is higher than the inherent risk (check residual likelihood and consequence)",
                sheet=tbl.name,
                cell=_cell(tbl, fld, r),
                row=r,
                column=tbl.headers.get(fld, ""),
            )

        # Computed score columns (often formulas) against the recomputed inherent score.
        for persp, fld in (("municipality", "risk_score_municipality"), ("data_subject", "risk_score_data_subject")):
            if fld not in risks.columns:
                continue
            sel = inh & (scores["perspective"] == persp).to_numpy()
            recomputed = pd.Series(scores["score"].to_numpy()[sel], index=srow[sel])
            cached = pd.Series(risks[fld].to_numpy(), index=row_of)
            both = cached.notna() & recomputed.reindex(cached.index).notna()
            differ = both & (cached != recomputed.reindex(cached.index)).fillna(False)
            header = tbl.headers[fld]
            for r in cached.index[differ.to_numpy(dtype=bool)]:
                got, want = int(cached[r]), int(recomputed[r])
                rd.problems.add(
                    "warning",
                    "formula_mismatch",
                    f"'{header}' er {got}, men konsekvens × sandsynlighed giver {want} (overskrevet formel?)",
                    f"'{header}' is {got}, but consequence × likelihood gives {want} (overwritten formula?)",
                    sheet=tbl.name,
                    cell=_cell(tbl, fld, int(r)),
                    row=int(r),
                    column=header,
                    value=got,
                )

    # Missing owners: a risk has an owner if it or its asset names one.
    asset_owner = assets.dropna(subset=["asset_id"]).drop_duplicates("asset_id").set_index("asset_id")["risk_owner"]
    inherited = risks["asset_id"].map(asset_owner)
    no_owner = (risks["owner"].isna() & inherited.isna()).to_numpy(dtype=bool, na_value=True)
    own_h = tbl.headers.get("owner", L.RISKS.column("owner").da)
    for i in np.flatnonzero(no_owner):
        r = int(row_of[i])
        rd.problems.add(
            "warning",
            "missing_owner",
            f"risikoen har ingen risikoejer ('{own_h}' er tom, og aktivet har heller ingen)",
            f"the risk has no risk owner ('{own_h}' is empty and its asset names none either)",
            sheet=tbl.name,
            cell=_cell(tbl, "owner", r),
            row=r,
            column=own_h,
        )

    # Deadlines before the round's assessment date on risks that are not closed.
    when = meta.get("assessment_date")
    if when is not None and "deadline" in tbl.positions:
        open_ = (risks["status"] != "closed").to_numpy(dtype=bool, na_value=True)
        late = (risks["deadline"] < pd.Timestamp(when)).to_numpy(dtype=bool, na_value=False) & open_
        header = tbl.headers["deadline"]
        for i in np.flatnonzero(late):
            r = int(row_of[i])
            d = risks["deadline"].iloc[i].strftime("%d-%m-%Y")
            rd.problems.add(
                "warning",
                "deadline_passed",
                f"fristen {d} ligger før vurderingsdatoen {when:%d-%m-%Y}, og risikoen er ikke lukket",
                f"the deadline {d} is before the assessment date {when:%d-%m-%Y} and the risk is not closed",
                sheet=tbl.name,
                cell=_cell(tbl, "deadline", r),
                row=r,
                column=header,
                value=d,
            )


def _asset_rules(rd: _Reader, tbl: _Table, assets: pd.DataFrame) -> None:
    row_of = assets["source_row"].to_numpy()
    own_h = tbl.headers.get("risk_owner", L.ASSETS.column("risk_owner").da)
    for i in np.flatnonzero(assets["risk_owner"].isna().to_numpy()):
        r = int(row_of[i])
        rd.problems.add(
            "warning",
            "missing_owner",
            f"aktivet har ingen risikoejer ('{own_h}' er tom)",
            f"the asset has no risk owner ('{own_h}' is empty)",
            sheet=tbl.name,
            cell=_cell(tbl, "risk_owner", r),
            row=r,
            column=own_h,
        )
    ds = [f"consequence_data_subject_{p}" for p in ("c", "i", "a")]
    no_ds = assets[ds].isna().all(axis=1).to_numpy()
    critical = assets["critical"].to_numpy(dtype=bool, na_value=False)
    personal = (assets["personal_data"].notna() & (assets["personal_data"] != "none")).to_numpy(
        dtype=bool, na_value=False
    )
    fld = next((f for f in ds if f in tbl.positions), "personal_data")
    # Every asset with personal data needs the data subjects' perspective too: one
    # assessment (the municipality's) is not enough.
    for i in np.flatnonzero(personal & no_ds):
        r = int(row_of[i])
        kind = assets["personal_data"].iloc[i]
        crit_da, crit_en = ("kritisk og har", "critical and holds") if critical[i] else ("har", "holds")
        rd.problems.add(
            "warning",
            "no_data_subject_consequence",
            f"aktivet {crit_da} personoplysninger ({L.label('personal_data', kind)}), men konsekvensen "
            "for de registrerede er ikke vurderet; kommunens vurdering alene er ikke nok",
            f"the asset {crit_en} personal data ({L.label('personal_data', kind, 'en')}), but the "
            "consequence for data subjects is not assessed; the municipality's assessment alone is not enough",
            sheet=tbl.name,
            cell=_cell(tbl, fld, r),
            row=r,
            column=tbl.headers.get(fld, ""),
        )


def _union(tbl: _Table, extra: dict[str, list[_Table]]) -> _Table:
    """A sheet's table with its continuations' rows, for reference checks (cells are not read from it)."""
    more = extra.get(tbl.sheet.key, [])
    if not more:
        return tbl
    frame = pd.concat([tbl.frame, *(t.frame for t in more)])
    rejected = {k: v for t in (tbl, *more) for k, v in t.rejected.items()}
    return _Table(tbl.sheet, tbl.name, frame, tbl.positions, tbl.headers, tbl.raw, tbl.header_row, rejected)


# -- public API -------------------------------------------------------------------------------
def _resolve_mapping(mapping: str | Path | dict[str, Any] | None) -> dict[str, Any] | None:
    if mapping is None:
        return None
    if isinstance(mapping, dict):
        return _check_mapping(mapping, "mapping")
    return load_mapping(mapping)


def _read(
    path: str | Path, mapping: str | Path | dict[str, Any] | None, activities: Any = None
) -> tuple[Assessment, pd.DataFrame]:
    path = Path(path)
    rd = _Reader(path, _resolve_mapping(mapping))
    wb, source = _open(path)
    from python_calamine import CalamineError

    try:
        names = list(wb.sheet_names)
        rd.hidden = {m.name for m in wb.sheets_metadata if str(m.visible).rsplit(".", 1)[-1] != "Visible"}
        rd.error_cells = _excel_error_cells(path)
        meta_name = rd.find_sheet(names, L.META)
        meta = rd.read_meta(wb, meta_name)
        used = {meta_name}
        tables: dict[str, _Table | None] = {}
        for sheet in L.SHEETS[1:]:
            name = rd.find_sheet(names, sheet)
            used.add(name)
            if name is None:
                if sheet.required:
                    rd.missing_sheet(sheet)
                tables[sheet.key] = None
                continue
            tables[sheet.key] = rd.read_sheet(wb, name, sheet)
        extra = other_sheets(rd, wb, names, used, tables)  # every other sheet named; continuations read
    except CalamineError:
        raise _unreadable(
            path.name,
            "et ark i filen er beskadiget og kan ikke læses. Åbn filen i Excel eller LibreOffice, gem den igen "
            "som .xlsx, og prøv igen.",
            "a sheet in the file is damaged and cannot be read. Open the file in Excel or LibreOffice, save it "
            "again as .xlsx and try again.",
        ) from None
    finally:
        with contextlib.suppress(Exception):  # already closed
            wb.close()
    risks_t = tables["risks"]
    for part in [risks_t, *extra.get("risks", [])] if risks_t is not None else []:
        for key, fld in (("assets", "asset_id"), ("threats", "threat_id")):
            if tables[key] is not None:
                _check_references(rd, part, _union(tables[key], extra), fld)
    frames = {s.key: _final(tables[s.key], s) for s in L.SHEETS[1:]}
    if activities is not None and tables["assets"] is not None:  # KL's shared processing activities
        from ..activities import inherit_consequences

        at = tables["assets"]
        frames["assets"], found = inherit_consequences(
            frames["assets"], activities, sheet=at.name, headers=at.headers,
            letters={f: col_letter(j) for f, j in at.positions.items()},
        )  # fmt: skip
        for w in found:
            rd.problems.add(w["severity"], w["code"], w["da"], w["en"], sheet=w["sheet"], cell=w["cell"],
                            row=w["row"], column=w["column"], value=w["value"])  # fmt: skip
    for part in [tables["assets"], *extra.get("assets", [])] if tables["assets"] is not None else []:
        _asset_rules(rd, part, frames["assets"] if part is tables["assets"] else _final(part, L.ASSETS))
    frames = combined(frames, tables, extra)  # each sheet followed by its continuation sheets' rows
    optional = {
        k: (frames[k] if tables[k] is not None else None) for k in ("profile", "soa", "actions", "wheel", "roles")
    }
    for part in [risks_t, *extra.get("risks", [])] if risks_t is not None else []:
        _risk_rules(rd, part, {**frames, "risks": _final(part, L.RISKS), "profile": optional["profile"]}, meta)
    problems = name_ids(rd.problems.frame(), [*tables.values(), *(t for more in extra.values() for t in more)])
    assessment = Assessment(
        assets=frames["assets"],
        threats=frames["threats"],
        risks=frames["risks"],
        profile=optional["profile"],
        meta=meta,
        soa=optional["soa"],
        actions=optional["actions"],
        wheel=optional["wheel"],
        problems=problems,
        source=source,
        roles=optional["roles"],
    )
    return assessment, problems


def read_workbook(
    path: str | Path,
    mapping: str | Path | dict[str, Any] | None = None,
    *,
    strict: bool = True,
    activities: str | Path | pd.DataFrame | None = None,
) -> Assessment:
    """Read one assessment round from a KL-style workbook (.xlsx, .xlsm, .ods).

    ``strict=True`` raises :class:`ValidationFailed` listing every error (warnings
    do not raise); ``strict=False`` returns the round with the errors in
    ``assessment.problems`` and the bad cells set to missing. Unreadable files
    raise :class:`WorkbookError`. ``activities``: a list of KL's shared processing
    activities (path or frame, see :mod:`isms_analysis.activities`) whose
    data-subject consequences matching processing activities inherit.

    The :class:`~isms_analysis.Assessment`'s frames (columns with dtype) have one row per data row, in sheet
    order, with ``source_row`` (int64, the Excel row) last and ``source_sheet`` (string)
    when a continuation sheet was read: ``assets`` (``asset_id``, ``name``, ``type`` (a
    key), ``area``, ``kle``, owners (string), ``critical`` (boolean), ``personal_data``
    (a key), ``consequence_<perspective>_<c|i|a>`` (Int8), ...), ``threats``
    (``threat_id``, ``name``, ``category`` (string), ``affects_c|i|a`` (boolean)),
    ``risks`` (IDs, ``treatment``/``status`` (keys), ``likelihood``,
    ``residual_likelihood``, ``residual_consequence_*`` (Int8), ``controls`` ("8.7;
    8.13"), ``accepted_date``/``deadline`` (datetime64), free text (string)),
    ``profile`` (``area``, ``max_accepted_level`` (the level identifier)), ``soa``,
    ``actions``, ``wheel``. Categorical values are keys: see ``docs/vocabulary.md``.
    """
    if activities is not None:
        from ..activities import as_activities

        activities = as_activities(activities)  # a bad list fails before the workbook is read
    assessment, problems = _read(path, mapping, activities)
    errors = problems[problems["severity"] == "error"]
    if strict and len(errors):
        name = Path(path).name
        n_warn = len(problems) - len(errors)
        raise ValidationFailed(
            problems,
            f"{name}: {len(errors)} fejl skal rettes, før arbejdsbogen kan bruges"
            f"{f' ({n_warn} advarsler)' if n_warn else ''}:\n" + format_problems(errors, "da"),
            f"{name}: {len(errors)} errors must be corrected before the workbook can be used"
            f"{f' ({n_warn} warnings)' if n_warn else ''}:\n" + format_problems(errors, "en"),
        )
    return assessment


def validate_workbook(
    path: str | Path, mapping: str | Path | dict[str, Any] | None = None, *, activities: Any = None
) -> pd.DataFrame:
    """Every error and warning in a workbook (columns of ``assessment.PROBLEM_COLUMNS``).

    Columns (object dtype, one row per problem, errors first): ``severity`` ("error" or
    "warning"), ``code`` (a key such as ``out_of_range``, ``unused_sheet``), ``file``,
    ``sheet``, ``cell`` (e.g. "F17"), ``row`` (int or None), ``column`` (the header as
    written), ``value`` (the cell as text), ``message_da``, ``message_en``.
    """
    if activities is not None:
        from ..activities import as_activities

        activities = as_activities(activities)
    return _read(path, mapping, activities)[1]


def format_problems(problems: pd.DataFrame, lang: str = "da") -> str:
    """One line per problem: ``file: Risici!F17: <message>`` (warnings marked)."""
    msg_col = "message_en" if lang == "en" else "message_da"
    warn = "advarsel" if lang != "en" else "warning"
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
