"""The mapping file: a municipality's own sheet and column names (TOML).

Keys are the canonical sheet keys (``meta``, ``assets``, ``threats``, ``risks``,
``profile``, ``soa``, ``actions``, ``wheel``) and field names of
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

import tomllib
from pathlib import Path
from typing import Any

from .. import layout as L
from ..errors import UserError
from ..text import pair
from .problems import fill

__all__ = ["check_mapping", "load_mapping", "name_list", "resolve_mapping"]


def load_mapping(path: str | Path) -> dict[str, Any]:
    """Read and check a mapping TOML (format in the module docstring)."""
    p = Path(path)
    try:
        spec = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(*fill(pair("workbook.mapping_not_found"), path=p)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(*fill(pair("workbook.mapping_not_toml"), name=p.name, error=exc)) from None
    return check_mapping(spec, p.name)


def name_list(value: Any) -> list[str]:
    """One name or a list of names, as a list of strings."""
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def check_mapping(spec: dict[str, Any], source: str) -> dict[str, Any]:
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
        raise UserError(*fill(pair("workbook.mapping_unknown_keys"), source=source, keys=", ".join(bad), sheets=keys))
    return spec


def resolve_mapping(mapping: str | Path | dict[str, Any] | None) -> dict[str, Any] | None:
    """A mapping given as a path or a dict, checked; None stays None."""
    if mapping is None:
        return None
    if isinstance(mapping, dict):
        return check_mapping(mapping, "mapping")
    return load_mapping(mapping)
