"""Read and validate KL-style risk assessment workbooks: see :mod:`isms_analysis.workbook.reader`."""

from .reader import format_problems, load_mapping, problems_to_records, read_workbook, validate_workbook

__all__ = ["format_problems", "load_mapping", "problems_to_records", "read_workbook", "validate_workbook"]
