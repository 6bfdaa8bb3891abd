"""isms-analysis: risk-based information security for Danish municipalities.

The public API, re-exported. See docs/architecture.md for the modules.
"""

from importlib.metadata import PackageNotFoundError, version

from .assessment import Assessment
from .decisions import committee_items, decision_summary, decisions
from .matrix import KL, MatrixError, RiskMatrix, matrix
from .scoring import FLAGS, PERSPECTIVES, STAGES, rescore, score
from .workbook import read_workbook

try:
    __version__ = version("isms-analysis")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "Assessment",
    "FLAGS",
    "KL",
    "MatrixError",
    "PERSPECTIVES",
    "RiskMatrix",
    "STAGES",
    "__version__",
    "committee_items",
    "decision_summary",
    "decisions",
    "matrix",
    "read_workbook",
    "rescore",
    "score",
]

