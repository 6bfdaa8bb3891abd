"""Header detection: which sheet row holds a data sheet's headers and which column is which field.

Headers are found by name in Danish or English (or the mapping file's names), ignoring
case, spaces, punctuation, line breaks, text in brackets and æ/ø/å written ae/oe/aa;
title rows above the header are skipped, and a two-row header whose group cell
("Konsekvens for kommunen", "Consequence for data subjects", ...) spans F/I/T (or
C/I/A) sub-headers is understood.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .. import layout as L
from ..folding import fold, tokens
from ..layout import col_letter
from .mapping import name_list

__all__ = ["HEADER_SCAN_ROWS", "PROPS", "candidates", "col_letter", "combine", "consequence_field", "header_keys",
           "locate_header", "match_headers"]  # fmt: skip

HEADER_SCAN_ROWS = 30

_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")


@lru_cache(maxsize=65536)
def header_keys(text: Any) -> frozenset[str]:
    """Fold with and without bracketed text: "Sandsynlighed (1-4)" matches "Sandsynlighed"."""
    keys = {fold(text)}
    if "(" in str(text) or "[" in str(text):
        stripped = fold(_BRACKETS.sub(" ", str(text)))
        if stripped:
            keys.add(stripped)
    keys.discard("")
    return frozenset(keys)


# -- consequence headers ("Konsekvens for kommunen" + "F") ----------------------------------
PROPS = {
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
def consequence_field(header: str) -> str | None:
    """consequence_<perspective>_<c|i|a|authenticity> for a combined consequence header."""
    tok = tokens(header)
    if len(tok) < 3 or not any(t.startswith(("konsekvens", "consequence", "impact")) for t in tok):
        return None
    if any(t.startswith(("rest", "residual")) for t in tok):
        return None
    persp = _perspective(tok)
    prop = PROPS.get(tok[-1])
    if persp is None or prop is None:
        return None
    if tok[-1] == "a" and persp == "society" and any(t.startswith("konsekvens") for t in tok):
        prop = "authenticity"  # Danish FITA: A is autenticitet
    return f"consequence_{persp}_{prop}"


# -- header rows -----------------------------------------------------------------------------
def candidates(sheet: L.Sheet, mapping: dict[str, Any]) -> dict[str, str]:
    """Folded header -> field for ``sheet`` (mapping names take precedence)."""
    table: dict[str, str] = {}
    for col in sheet.columns:
        for name in (col.da, col.en, col.field, *col.aliases):
            for k in header_keys(name):
                table.setdefault(k, col.field)
    for fld, names in mapping.get("columns", {}).get(sheet.key, {}).items():
        for name in name_list(names):
            for k in header_keys(name):
                table[k] = fld
    return table


def match_headers(
    cells: list[Any], sheet: L.Sheet, table: dict[str, str]
) -> tuple[dict[int, str], list[tuple[int, str]]]:
    """(column index -> field, (column index, field) of each later column with a field already
    matched) for one header row: the first match of a field wins."""
    fields = {c.field for c in sheet.columns}
    out: dict[int, str] = {}
    duplicates: list[tuple[int, str]] = []
    seen: set[str] = set()
    for j, cell in enumerate(cells):
        if not isinstance(cell, str) or not cell.strip():
            continue
        fld = None
        for k in header_keys(cell):
            if k in table:
                fld = table[k]
                break
        if fld is None:
            cf = consequence_field(cell)
            fld = cf if cf in fields else None
        if fld is not None and fld not in seen:
            out[j] = fld
            seen.add(fld)
        elif fld is not None:
            duplicates.append((j, fld))
    return out, duplicates


def combine(upper: list[Any], lower: list[Any], merged: list[tuple[int, int]]) -> list[Any]:
    """Merge a group row (e.g. "Konsekvens for kommunen") with its sub-header row (F/I/T)."""
    width = max(len(upper), len(lower))
    group = [
        upper[j] if j < len(upper) and isinstance(upper[j], str) and upper[j].strip() else "" for j in range(width)
    ]
    for c0, c1 in merged:  # horizontally merged group cells
        for j in range(c0 + 1, min(c1 + 1, width)):
            group[j] = group[j] or group[c0]
    sub = [lower[j] if j < len(lower) else "" for j in range(width)]
    is_prop = [isinstance(s, str) and fold(s) in PROPS for s in sub]
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


def locate_header(
    rows: list[list[Any]], sheet: L.Sheet, mapping: dict[str, Any], merged_by_row: dict[int, list[tuple[int, int]]]
) -> tuple[list[Any] | None, int]:
    """(header cells, index of the last header row) -- best scoring single or two-row header."""
    table = candidates(sheet, mapping)
    forced = mapping.get("header_rows", {}).get(sheet.key)
    scan = range(int(forced) - 1, int(forced)) if forced else range(min(len(rows), HEADER_SCAN_ROWS))
    best: tuple[int, int, list[Any], int] | None = None  # (score, -rows used, cells, last row)
    for r in scan:
        if r >= len(rows) or (best is not None and r > best[3] + 2):
            break  # past the header: the rest is data
        single = rows[r]
        cand = [(single, r)]
        if r + 1 < len(rows):
            cand.append((combine(rows[r], rows[r + 1], merged_by_row.get(r, [])), r + 1))
        for cells, last in cand:
            score = len(match_headers(cells, sheet, table)[0])
            key = (score, -(last - r))
            if score and (best is None or key > best[:2]):
                best = (score, -(last - r), cells, last)
    if best is None:
        return None, -1
    return best[2], best[3]
