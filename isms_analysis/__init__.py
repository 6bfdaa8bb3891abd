"""isms-analysis: risk-based information security for Danish municipalities.

Everything an analyst uses is importable from here (``import isms_analysis as isms``):

- reading and validating: :func:`read_workbook`, :func:`validate_workbook`,
  :func:`format_problems`, :class:`Assessment`;
- scoring: :func:`score`, :func:`rescore`, :func:`summarise`, the matrix
  (:class:`RiskMatrix`, :data:`KL`, :func:`get_matrix`);
- the committee's list: :func:`decisions`, :func:`decision_summary`,
  :func:`committee_items`;
- rounds over time: :func:`compare_rounds`, :func:`movers`, :func:`trend`,
  :func:`trend_by`, :func:`migration_matrix`, :func:`time_to_treatment`;
- the store: :func:`import_round`, :func:`load_rounds`, :func:`load_round`,
  :func:`list_rounds`, :func:`export_parquet`, :func:`store_path`;
- figures: :func:`heatmap`, :func:`heatmap_panel`, :func:`level_bars`,
  :func:`perspective_comparison`, :func:`level_distribution_figure`,
  :func:`migration_sankey_figure`, :func:`trend_by_figure`,
  :func:`time_to_treatment_figure`, :func:`coverage_figure`,
  :func:`effectiveness_figure`, :func:`wheel_figure`, :func:`save_png`;
- Excel output: :func:`write_register`, :func:`write_template`;
- the SoA: :func:`coverage`, :func:`gap_view`, :func:`own_controls`,
  :func:`soa_flags`, :func:`treatment_gaps`, :func:`control_effectiveness`;
- the annual wheel (*årshjul*) and the action plan: :func:`due_dates`,
  :func:`due_in_quarter`, :func:`action_status`, :func:`actions_for_high_risks`,
  :func:`unverified_residuals`;
- KL's shared processing activities and peers: :func:`read_activities`,
  :func:`apply_activities`, :func:`inherited_table`, :func:`build_extract`,
  :func:`export_benchmark`, :func:`read_extract`, :func:`read_extracts`,
  :func:`describe_extract`, :func:`peer_tables`, :func:`load_benchmark`,
  :func:`generate_municipalities`, :func:`write_municipalities`;
- the vocabulary (keys in the data, labels at display, filters in either language):
  :func:`where`, :func:`labels`; see ``docs/vocabulary.md``.

Modules keep their own names (``isms_analysis.matrix`` is the module; the function that
returns a matrix is :func:`get_matrix`; ``isms_analysis.decisions`` is the function, its
module's constants come with ``from isms_analysis.decisions import ...``). Names are
imported on first use, so ``import isms_analysis`` and the ``isms`` command stay quick.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .version import __version__

# public name -> (module, name in the module)
_EXPORTS: dict[str, tuple[str, str]] = {
    # reading and validating
    "Assessment": ("assessment", "Assessment"),
    "read_workbook": ("workbook", "read_workbook"),
    "validate_workbook": ("workbook", "validate_workbook"),
    "format_problems": ("workbook", "format_problems"),
    # the matrix and scoring
    "KL": ("matrix", "KL"),
    "MatrixError": ("matrix", "MatrixError"),
    "RiskMatrix": ("matrix", "RiskMatrix"),
    "get_matrix": ("matrix", "matrix"),
    "FLAGS": ("scoring", "FLAGS"),
    "PERSPECTIVES": ("scoring", "PERSPECTIVES"),
    "STAGES": ("scoring", "STAGES"),
    "score": ("scoring", "score"),
    "rescore": ("scoring", "rescore"),
    "summarise": ("scoring", "summarise"),
    # the committee's decisions (pending, decided, breach)
    "decisions": ("decisions", "decisions"),
    "decision_summary": ("decisions", "decision_summary"),
    "committee_items": ("decisions", "committee_items"),
    # rounds over time
    "compare_rounds": ("comparison", "compare_rounds"),
    "movers": ("comparison", "movers"),
    "trend": ("comparison", "trend"),
    "trend_by": ("comparison", "trend_by"),
    "migration_matrix": ("comparison", "migration_matrix"),
    "time_to_treatment": ("comparison", "time_to_treatment"),
    # the store
    "import_round": ("store", "import_round"),
    "load_rounds": ("store", "load_rounds"),
    "load_round": ("store", "load_round"),
    "list_rounds": ("store", "list_rounds"),
    "export_parquet": ("store", "export_parquet"),
    "store_path": ("store", "store_path"),
    # figures
    "heatmap": ("figures", "heatmap"),
    "heatmap_panel": ("figures", "heatmap_panel"),
    "level_bars": ("figures", "level_bars"),
    "perspective_comparison": ("figures", "perspective_comparison"),
    "save_png": ("figures", "save_png"),
    "level_distribution_figure": ("figures", "level_distribution_figure"),
    "migration_sankey_figure": ("figures", "migration_sankey_figure"),
    "trend_by_figure": ("figures", "trend_by_figure"),
    "time_to_treatment_figure": ("figures", "time_to_treatment_figure"),
    "coverage_figure": ("figures", "coverage_figure"),
    "effectiveness_figure": ("figures", "effectiveness_figure"),
    "wheel_figure": ("figures", "wheel_figure"),
    # Excel output
    "write_register": ("register", "write_register"),
    "write_template": ("template", "write_template"),
    # the SoA
    "coverage": ("soa", "coverage"),
    "gap_view": ("soa", "gap_view"),
    "own_controls": ("soa", "own_controls"),
    "soa_flags": ("soa", "soa_flags"),
    "treatment_gaps": ("soa", "treatment_gaps"),
    "control_effectiveness": ("soa", "control_effectiveness"),
    # the annual wheel and the action plan
    "due_dates": ("wheel", "due_dates"),
    "due_in_quarter": ("wheel", "due_in_quarter"),
    "action_status": ("actionplan", "action_status"),
    "actions_for_high_risks": ("actionplan", "actions_for_high_risks"),
    "unverified_residuals": ("wheel", "unverified_residuals"),
    # KL's shared processing activities and peers (benchmark)
    "read_activities": ("activities", "read_activities"),
    "apply_activities": ("activities", "apply_activities"),
    "inherited_table": ("activities", "inherited_table"),
    "build_extract": ("benchmark", "build_extract"),
    "export_benchmark": ("benchmark", "export_benchmark"),
    "read_extract": ("benchmark", "read_extract"),
    "read_extracts": ("benchmark", "read_extracts"),
    "describe_extract": ("benchmark", "describe_extract"),
    "peer_tables": ("benchmark", "peer_tables"),
    "load_benchmark": ("benchmark", "load_benchmark"),
    "generate_municipalities": ("municipalities", "generate_municipalities"),
    "write_municipalities": ("municipalities", "write_municipalities"),
    # the vocabulary
    "where": ("vocabulary", "where"),
    "labels": ("vocabulary", "labels"),
}

__all__ = ["__version__", *sorted(_EXPORTS)]

from . import vocabulary as vocabulary  # noqa: E402  registers the ``.isms`` accessors on Series/DataFrame

# ``decisions`` is both a module and its main function; bind the function now, or importing the
# module (as the reports do) would replace it with the module. Its constants stay importable with
# ``from isms_analysis.decisions import REASONS``.
from .decisions import committee_items, decision_summary, decisions  # noqa: E402, F401


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module, attr = _EXPORTS[name]
        value = getattr(import_module(f".{module}", __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})

