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
- Excel error values, formulas without a cached value and merged ranges: see
  :mod:`isms_analysis.workbook.scan`.

The mapping file (TOML) tells the reader a municipality's own sheet and column
names: see :mod:`isms_analysis.workbook.mapping`.
"""

from __future__ import annotations

from .headers import col_letter
from .mapping import load_mapping
from .parsers import parse_date
from .problems import format_problems, problems_to_records
from .reader import read_meta, read_workbook, validate_workbook
from .sheets import is_lock_file, skip_lock_files

__all__ = [
    "col_letter",
    "format_problems",
    "is_lock_file",
    "load_mapping",
    "parse_date",
    "problems_to_records",
    "read_meta",
    "read_workbook",
    "skip_lock_files",
    "validate_workbook",
]
