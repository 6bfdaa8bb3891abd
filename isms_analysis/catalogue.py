"""Reference catalogues shipped with the package: ISO/IEC 27001:2022 Annex A and
the default threat catalogue. Parsed once and cached (they never change at run time).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd

THEMES = ("organisational", "people", "physical", "technological")


def _read_csv(name: str) -> pd.DataFrame:
    with resources.files("isms_analysis").joinpath("data", name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype="string", keep_default_na=False)


@lru_cache(maxsize=1)
def _annex_a() -> pd.DataFrame:
    df = _read_csv("annex_a_2022.csv")
    df["theme"] = pd.Categorical(df["theme"], categories=list(THEMES))
    return df


def annex_a() -> pd.DataFrame:
    """The 93 Annex A controls: control_id, theme, theme_da, theme_en, title_da, title_en."""
    return _annex_a().copy()


@lru_cache(maxsize=1)
def _threats() -> pd.DataFrame:
    return _read_csv("threat_catalogue.csv")


def default_threats(lang: str = "da") -> pd.DataFrame:
    """The default threat catalogue (43 threats, IDs T01...) in Assessment threat columns.

    Columns: threat_id, name, category, description (Danish, or English with
    ``lang="en"``), affects_c, affects_i, affects_a (booleans: which of C/I/A the
    threat can harm) and source (the MONARC/ENISA entries it is based on; see
    ``data/THREATS-LICENSE.md``).
    """
    df = _threats()
    suffix = "en" if lang == "en" else "da"
    out = pd.DataFrame(
        {
            "threat_id": df["threat_id"],
            "name": df[f"name_{suffix}"],
            "category": df[f"category_{suffix}"],
            "description": df[f"description_{suffix}"],
            **{f"affects_{p}": (df[f"affects_{p}"] == "1").astype("boolean") for p in ("c", "i", "a")},
            "source": df["source"],
        }
    )
    return out.reset_index(drop=True)
