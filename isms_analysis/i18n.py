"""Danish (default) and English labels for everything a municipal user reads.

Modules keep their own messages next to the code that raises them; this module
holds the shared vocabulary: perspectives, stages, flags and common headings.
"""

from __future__ import annotations

LANGS = ("da", "en")

LABELS: dict[str, tuple[str, str]] = {
    # perspectives and stages
    "municipality": ("Kommunen", "Municipality"),
    "data_subject": ("De registrerede", "Data subjects"),
    "society": ("Samfundet", "Society"),
    "inherent": ("Iboende", "Inherent"),
    "residual": ("Rest", "Residual"),
    # flags
    "data_subject_very_high": (
        "Meget høj konsekvens for de registrerede",
        "Very high consequence for data subjects",
    ),
    "screening_candidate": ("Kan frasorteres (konsekvens ≤ 2)", "May be screened out (consequence ≤ 2)"),
    "above_tolerance": ("Over tolerancen", "Above tolerance"),
    "residual_above_inherent": ("Restrisiko over iboende risiko", "Residual above inherent"),
    # decisions (isms_analysis.decisions)
    "decision_status": ("Beslutning", "Decision"),
    "decision_reason": ("Begrundelse", "Reason"),
    "proposal": ("Indstilling", "Proposal"),
    # common column headings
    "risk_id": ("Risiko-ID", "Risk ID"),
    "asset_id": ("Aktiv-ID", "Asset ID"),
    "threat_id": ("Trussel-ID", "Threat ID"),
    "asset": ("Aktiv", "Asset"),
    "threat": ("Trussel", "Threat"),
    "area": ("Område", "Area"),
    "owner": ("Risikoejer", "Risk owner"),
    "treatment": ("Håndtering", "Treatment"),
    "status": ("Status", "Status"),
    "deadline": ("Frist", "Deadline"),
    "perspective": ("Perspektiv", "Perspective"),
    "stage": ("Trin", "Stage"),
    "consequence": ("Konsekvens", "Consequence"),
    "likelihood": ("Sandsynlighed", "Likelihood"),
    "score": ("Risikoscore", "Risk score"),
    "level": ("Niveau", "Level"),
    "count": ("Antal", "Count"),
    "total": ("I alt", "Total"),
    "critical": ("Kritisk", "Critical"),
    "yes": ("Ja", "Yes"),
    "no": ("Nej", "No"),
    "error": ("Fejl", "Error"),
    "warning": ("Advarsel", "Warning"),
}


def t(key: str, lang: str = "da") -> str:
    """The label for ``key`` in ``lang``; the key itself when unknown."""
    da, en = LABELS.get(key, (key, key))
    return en if lang == "en" else da


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"Ukendt sprog '{lang}' / unknown language (da, en)")
    return lang
