"""Deprecated: the shared labels now live in the text catalogue (:mod:`isms_analysis.text`,
``data/text/common.toml``). Use ``text.t("common.<key>", lang)``; this module only maps
the old names onto the catalogue until its last caller has moved."""

from __future__ import annotations

from .text import LANGS as LANGS  # re-exported for old callers
from .text import check_lang as check_lang
from .text import pair

# The keys this module knew; any other key still comes back as itself, as it always did,
# so the callers' fallbacks (report labels, follow-up values) keep their behaviour.
KEYS = (
    "municipality", "data_subject", "society", "inherent", "residual",
    "data_subject_very_high", "screening_candidate", "above_tolerance", "residual_above_inherent",
    "decision_status", "decision_reason", "proposal",
    "risk_id", "asset_id", "threat_id", "asset", "threat", "area", "owner", "treatment", "status", "deadline",
    "perspective", "stage", "consequence", "likelihood", "score", "level", "count", "total", "critical",
    "yes", "no", "error", "warning",
)  # fmt: skip


def __getattr__(name: str) -> dict[str, tuple[str, str]]:
    if name == "LABELS":
        return {key: pair(f"common.{key}") for key in KEYS}
    raise AttributeError(name)


def t(key: str, lang: str = "da") -> str:
    """The common label for ``key`` in ``lang``; the key itself when unknown (old behaviour)."""
    if key not in KEYS:
        return key
    da, en = pair(f"common.{key}")
    return en if lang == "en" else da
