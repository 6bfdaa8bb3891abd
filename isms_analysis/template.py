"""KL-style risk assessment workbooks: the blank template and an Assessment written out.

One workbook holds one assessment round (sheets Om, Aktiver, Trusler, Risici and
the optional Risikoprofil, Roller, SoA, Handlingsplan, Årshjul), with the canonical
headers from :mod:`isms_analysis.layout`. The blank template adds drop-down lists
for the scales and vocabularies, an instructions sheet, the KL 4x4 matrix drawn in
its colours, the 93 ISO/IEC 27001:2022 Annex A controls in the SoA and the default
threat catalogue in Trusler. Both are written deterministically (fixed document
timestamps), so regenerating gives the same file.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from . import excel
from .assessment import Assessment
from .catalogue import annex_a, default_threats
from .i18n import check_lang, t
from .layout import (
    ACTIONS,
    ASSETS,
    META,
    META_HEADERS,
    PROFILE,
    RISKS,
    ROLES_SHEET,
    SHEETS_BY_KEY,
    SOA,
    SOCIETY_FIELDS,
    THREATS,
    VOCABULARIES,
    WHEEL,
    Column,
    Sheet,
    label,
)
from .matrix import RiskMatrix
from .matrix import matrix as get_matrix

TEMPLATE_ROWS = 1000  # rows that carry drop-down lists in a blank sheet
INSTRUCTIONS = ("Vejledning", "Instructions")
# Computed score columns a municipality's workbook may carry; written only when present.
RISK_SCORE_FIELDS = tuple(c.field for c in RISKS.columns if c.field.startswith("risk_score_"))
MATRIX_SHEET = ("Matrix", "Matrix")


# -- drop-down lists ----------------------------------------------------------------------
def _choices(column: Column, m: RiskMatrix, lang: str) -> list[str] | None:
    """The values a column's drop-down offers, or None for free input."""
    if column.kind == "consequence":
        labels = m.consequence_labels(lang)
        return [str(i) for i in range(1, len(labels) + 1)] + [f"{i} - {x}" for i, x in enumerate(labels, 1)]
    if column.kind == "likelihood":
        labels = m.likelihood_labels(lang)
        return [str(i) for i in range(1, len(labels) + 1)] + [f"{i} - {x}" for i, x in enumerate(labels, 1)]
    if column.kind == "bool":
        return [t("yes", lang), t("no", lang)]
    if column.kind in ("choice", "text") and column.vocabulary:
        return [label(column.vocabulary, k, lang) for k in VOCABULARIES[column.vocabulary]]
    if column.kind == "level":
        return m.level_names(lang)
    return None


def add_dropdowns(ws: Worksheet, columns: list[Column], m: RiskMatrix, lang: str, last_row: int) -> None:
    """Data-validation lists on rows 2..last_row. A value outside the list gives a
    warning (it can still be kept: the reader checks every value anyway)."""
    for j, column in enumerate(columns, start=1):
        choices = _choices(column, m, lang)
        if not choices:
            continue
        formula = '"' + ",".join(choices) + '"'
        if len(formula) > 255:  # Excel's limit for an inline list
            continue
        dv = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="Ukendt værdi" if lang != "en" else "Unknown value",
            error=("Vælg en værdi fra listen: " if lang != "en" else "Choose a value from the list: ")
            + ", ".join(choices),
        )
        letter = get_column_letter(j)
        dv.add(f"{letter}2:{letter}{last_row}")
        ws.add_data_validation(dv)


# -- sheets -------------------------------------------------------------------------------
def _as_date(value: Any) -> Any:
    """A date-like value as a Timestamp (ISO text too); other text is kept as is."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return value
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        return value
    return None if pd.isna(stamp) else stamp


def _write_meta(wb: Workbook, meta: dict[str, Any], lang: str) -> Worksheet:
    i = 1 if lang == "en" else 0
    rows = []
    for c in META.columns:
        value = meta.get(c.field)
        if c.kind == "date" and value is not None:
            value = _as_date(value)
        rows.append((excel.header(c, lang), value))
    frame = pd.DataFrame(rows, columns=[META_HEADERS[0][i], META_HEADERS[1][i]])
    ws = wb.create_sheet(excel.sheet_title(META, lang))
    excel.write_table(ws, frame, lang=lang, autofilter=False)
    fmt = excel.date_format(lang)
    for r, c in enumerate(META.columns, start=2):
        if c.kind == "date":
            ws.cell(row=r, column=2).number_format = fmt
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = max(ws.column_dimensions["B"].width or 0, 30)
    return ws


def _write_sheet(
    wb: Workbook,
    sheet: Sheet,
    frame: pd.DataFrame | None,
    lang: str,
    m: RiskMatrix,
    *,
    dropdowns: bool,
    optional: tuple[str, ...] = (),
) -> Worksheet:
    ws = excel.write_layout_sheet(wb, sheet, frame, lang, optional=optional)
    if dropdowns:
        columns = excel.layout_columns(sheet, frame, optional=optional)
        n = 0 if frame is None else len(frame)
        add_dropdowns(ws, columns, m, lang, max(TEMPLATE_ROWS, n + 500))
    return ws


def _profile_names(profile: pd.DataFrame, m: RiskMatrix, lang: str) -> pd.DataFrame:
    """Profile levels written as the matrix's level names (keys such as 'medium' too)."""
    levels = profile["max_accepted_level"].astype("string")
    names = {}
    for value in levels.dropna().unique():
        try:
            names[value] = m.levels[m.level_index(value)].name(lang)
        except KeyError:
            names[value] = value
    return profile.assign(max_accepted_level=levels.map(names))


def _role_names(roles: pd.DataFrame, m: RiskMatrix, lang: str) -> pd.DataFrame:
    """Roller's highest levels written as the matrix's level names."""
    return _profile_names(roles.rename(columns={"max_level": "max_accepted_level"}), m, lang).rename(
        columns={"max_accepted_level": "max_level"}
    )


def _matrix_of(meta: dict[str, Any]) -> RiskMatrix:
    try:
        return get_matrix(meta.get("matrix") or "kl")
    except Exception:  # an unknown matrix name is the reader's concern, not the writer's
        return get_matrix("kl")


def _timestamp(meta: dict[str, Any]) -> dt.datetime | None:
    value = meta.get("assessment_date")
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(stamp) else stamp.to_pydatetime().replace(tzinfo=None)


def write_workbook(assessment: Assessment, path: str | Path, lang: str = "da", *, dropdowns: bool = True) -> Path:
    """Write ``assessment`` as a KL-style workbook with the canonical headers in ``lang``.

    Sheets: Om, Aktiver, Trusler, Risici, then Risikoprofil, Roller, SoA,
    Handlingsplan and Årshjul when the assessment has them. The society columns are written only
    when the assets carry them. Vocabulary keys become labels, booleans Ja/Nej.
    """
    check_lang(lang)
    m = _matrix_of(assessment.meta)
    wb = excel.new_workbook()
    _write_meta(wb, assessment.meta, lang)
    _write_sheet(wb, ASSETS, assessment.assets, lang, m, dropdowns=dropdowns, optional=SOCIETY_FIELDS)
    _write_sheet(wb, THREATS, assessment.threats, lang, m, dropdowns=dropdowns)
    _write_sheet(wb, RISKS, assessment.risks, lang, m, dropdowns=dropdowns, optional=RISK_SCORE_FIELDS)
    if assessment.profile is not None:
        _write_sheet(wb, PROFILE, _profile_names(assessment.profile, m, lang), lang, m, dropdowns=dropdowns)
    if assessment.roles is not None:
        _write_sheet(wb, ROLES_SHEET, _role_names(assessment.roles, m, lang), lang, m, dropdowns=dropdowns)
    for key in ("soa", "actions", "wheel"):
        frame = getattr(assessment, key)
        if frame is not None:
            _write_sheet(wb, SHEETS_BY_KEY[key], frame, lang, m, dropdowns=dropdowns)
    return excel.save(wb, path, _timestamp(assessment.meta))


# -- the blank template -------------------------------------------------------------------
def _soa_rows(lang: str) -> pd.DataFrame:
    a = annex_a()
    suffix = "en" if lang == "en" else "da"
    return pd.DataFrame({"control_id": a["control_id"], "title": a[f"title_{suffix}"], "theme": a[f"theme_{suffix}"]})


def _instructions(m: RiskMatrix, lang: str) -> list[tuple[str, str]]:
    """The instructions sheet's rows (topic, text), written for this project."""
    cons = ", ".join(f"{i} {x}" for i, x in enumerate(m.consequence_labels(lang), 1))
    like = ", ".join(f"{i} {x}" for i, x in enumerate(m.likelihood_labels(lang), 1))
    levels = "\n".join(f"{lv.name(lang)}: {lv.advice(lang)}" for lv in m.levels)
    n_threats = len(default_threats(lang))
    if lang == "en":
        return [
            ("About this workbook",
             "The workbook holds one risk assessment round. Fill in the sheets About, Assets, Threats and Risks; "
             "Risk profile, Roles, SoA, Action plan and Annual wheel are optional. Keep the column headers as they are, "
             "so the workbook can be read by isms-analysis (isms validate FILE shows every problem)."),
            ("About",
             "Municipality, round (e.g. 2025-Q1), assessment date, who prepared and approved the assessment, and "
             "the risk matrix used (KL, Standard, Herning or Datatilsynet; KL when blank)."),
            ("Assets",
             "One asset per row: business processes, IT systems, processing activities, infrastructure, paper "
             "archives, staff. The Asset ID must be unique. Area links the asset to the risk profile. Critical = "
             "Yes means that only top management may accept its risks. Give the consequence of a loss of "
             "confidentiality (C), integrity (I) and availability (A) twice: for the municipality and for the "
             "data subjects. Leave the data-subject columns blank for assets without personal data. The society "
             "columns (C, I, A and Authenticity) are optional (NIS2). Tolerable downtime uses the playbook's "
             "scale: under ½ day, 1 day, 3 days, a week or more."),
            ("Threats",
             f"Pre-filled with the default threat catalogue ({n_threats} threats, IDs T01...). The C, I and A "
             "columns show which properties a threat can harm. Add local threats with new IDs (e.g. from the "
             "municipality's own incidents); do not remove IDs that Risks refers to."),
            ("Risks",
             "One row per asset and relevant threat. Likelihood is the likelihood that the threat exploits a "
             "vulnerability of the asset. Treatment: Mitigate, Accept, Avoid or Transfer. Controls: SoA control "
             "IDs separated by semicolons. Residual likelihood and residual consequences are assessed after the "
             "treatment; blank means unchanged. Describe the residual risk in words in Residual risk "
             "(description). An acceptance above the tolerance names who accepted the risk and when; Review "
             "date says when it must be re-evaluated (blank: 12 months after the acceptance). A mitigated, "
             "avoided or transferred risk above the tolerance needs a deadline and a risk owner."),
            ("Risk profile",
             "Per area, the highest level management accepts (e.g. a lower tolerance for risks to life, honour "
             "and welfare than for economic risks). Perspective: The municipality or Data subjects; blank means "
             "both. Record who approved the profile and when. Areas not listed use Below medium."),
            ("Roles",
             "Who may accept risks: Name as it is written in Accepted by (a name or a title), Role (Top "
             "management, Information security committee or Management) and Max level, the highest level the "
             "person may accept. Risks to critical assets are accepted by top management."),
            ("SoA",
             "Pre-filled with the 93 controls of ISO/IEC 27001:2022 Annex A (control IDs and short titles only). "
             "For each: applicable Yes/No, the justification, the source of the requirement, implementation "
             "status, who is responsible and which risks it treats. Controls beyond Annex A may be added."),
            ("Action plan", "Actions for the most important risks (risk treatment) and one-off improvements "
             "(improvement plan), with responsible person, deadline and status."),
            ("Annual wheel", "Recurring activities (follow-up, checks, reporting) with frequency, month, "
             "responsible person and status."),
            ("Scales", f"Consequence: {cons}.\nLikelihood: {like}.\nWrite the number or pick e.g. '3 - High'."),
            ("Two perspectives",
             "Every asset is assessed for the municipality (ISO 27001: economy, reputation, service) and for the "
             "data subjects (GDPR: harm to citizens, employees and other persons). Both are required."),
            ("Calculation",
             "Per perspective: consequence = the highest of the C, I and A consequences; risk score = "
             "consequence x likelihood. The level is the matrix cell's level (see the Matrix sheet)."),
            ("Levels", levels),
            ("Rules",
             "Data subjects: a very high consequence (4) with score 4 or 8 should still be considered for "
             "reduction.\nA consequence of at most 2 may be screened out: the risk can never exceed 8.\n"
             "Risks within the tolerance are accepted when the committee approves the round (About: Approved by "
             "and Approval date).\n"
             "Risks to critical assets are accepted by top management: fill in Accepted by and Acceptance date.\n"
             "Use the same method in every round, so that rounds can be compared."),
            ("Sources",
             "Threat catalogue: written for isms-analysis, based on the MONARC threat catalogue (CC0, "
             "monarc-project) and the ENISA Threat Taxonomy (CC0/BSD-2, MISP taxonomies). Annex A: control IDs "
             "and short titles of ISO/IEC 27001:2022; the standard's text is not reproduced."),
        ]  # fmt: skip
    return [
        ("Om arbejdsbogen",
         "Arbejdsbogen rummer én risikovurderingsrunde. Udfyld arkene Om, Aktiver, Trusler og Risici; "
         "Risikoprofil, Roller, SoA, Handlingsplan og Årshjul er valgfri. Lad kolonneoverskrifterne stå uændret, så "
         "isms-analysis kan læse arbejdsbogen (isms validate FIL viser alle fejl og advarsler)."),
        ("Om",
         "Kommune, runde (fx 2025-K1), vurderingsdato, hvem der har udarbejdet og godkendt vurderingen, og den "
         "risikomatrix der bruges (KL, Standard, Herning eller Datatilsynet; KL hvis feltet er tomt)."),
        ("Aktiver",
         "Ét aktiv pr. række: forretningsprocesser, it-systemer, behandlingsaktiviteter, infrastruktur, "
         "papirarkiver, medarbejdere. Aktiv-ID skal være entydigt. Område kobler aktivet til risikoprofilen. "
         "Kritisk = Ja betyder, at kun topledelsen kan acceptere aktivets risici. Angiv konsekvensen ved tab af "
         "fortrolighed (F), integritet (I) og tilgængelighed (T) to gange: for kommunen og for de registrerede. "
         "Lad kolonnerne for de registrerede stå tomme for aktiver uden personoplysninger. Kolonnerne for "
         "samfundet (F, I, T og A = autenticitet) er valgfri (NIS2). Tålelig nedetid vælges på drejebogens "
         "skala: under ½ dag, 1 dag, 3 dage, en uge eller mere."),
        ("Trusler",
         f"Forudfyldt med standardtrusselskataloget ({n_threats} trusler, ID T01 ...). Kolonnerne F, I og T "
         "viser, hvilke egenskaber truslen kan ramme. Tilføj lokale trusler med nye ID'er (fx fra kommunens egne "
         "hændelser); slet ikke ID'er, som arket Risici henviser til."),
        ("Risici",
         "Én række pr. aktiv og relevant trussel. Sandsynlighed er sandsynligheden for, at truslen udnytter en "
         "sårbarhed ved aktivet. Håndtering: Mitiger, Acceptér, Undgå eller Flyt. Foranstaltninger: ID'er på "
         "foranstaltninger fra SoA adskilt af semikolon. Restsandsynlighed og restkonsekvens vurderes efter "
         "håndteringen; tom betyder uændret. Beskriv den tilbageværende risiko med ord i Restrisiko "
         "(beskrivelse). En accept over tolerancen skal have navn og dato (Accepteret af, Accepteret dato); "
         "Revurderes angiver, hvornår accepten skal tages op igen (tom: 12 måneder efter accepten). En risiko "
         "over tolerancen, der mitigeres, undgås eller flyttes, skal have en frist og en risikoejer."),
        ("Risikoprofil",
         "Pr. område det højeste niveau, ledelsen vil acceptere (fx lavere tolerance for risici mod liv, ære og "
         "velfærd end for økonomiske risici). Perspektiv: Kommunen eller De registrerede; tom betyder begge. "
         "Skriv hvem der har godkendt profilen og hvornår. Områder uden række bruger Under middel."),
        ("Roller",
         "Hvem der må acceptere risici: Navn, som det skrives i Accepteret af (et navn eller en titel), Rolle "
         "(Topledelse, Informationssikkerhedsudvalg eller Ledelse) og Maks. niveau, det højeste niveau personen "
         "må acceptere. Risici for kritiske aktiver accepteres af topledelsen."),
        ("SoA",
         "Forudfyldt med de 93 foranstaltninger i ISO/IEC 27001:2022 Anneks A (kun ID og kort titel). Angiv for "
         "hver: relevant Ja/Nej, begrundelse, kilden til kravet, implementeringsstatus, ansvarlig og hvilke "
         "risici den håndterer. Foranstaltninger ud over Anneks A kan tilføjes."),
        ("Handlingsplan", "Handlinger for de vigtigste risici (risikohåndtering) og enkeltstående forbedringer "
         "(årsplan) med ansvarlig, frist og status."),
        ("Årshjul", "Tilbagevendende aktiviteter (opfølgning, kontroller, rapportering) med frekvens, måned, "
         "ansvarlig og status."),
        ("Skalaer", f"Konsekvens: {cons}.\nSandsynlighed: {like}.\nSkriv tallet eller vælg fx '3 - Høj'."),
        ("To perspektiver",
         "Hvert aktiv vurderes for kommunen (ISO 27001: økonomi, omdømme, serviceniveau) og for de registrerede "
         "(GDPR: skade på borgere, medarbejdere og andre personer). Begge vurderinger skal laves."),
        ("Beregning",
         "Pr. perspektiv: konsekvens = den højeste af konsekvenserne for F, I og T; risikoscore = konsekvens x "
         "sandsynlighed. Niveauet er matrixcellens niveau (se arket Matrix)."),
        ("Niveauer", levels),
        ("Regler",
         "De registrerede: en meget høj konsekvens (4) med score 4 eller 8 bør stadig overvejes reduceret.\n"
         "En konsekvens på højst 2 kan frasorteres: risikoen kan aldrig blive over 8.\n"
         "Risici inden for tolerancen er accepteret, når udvalget godkender runden (Om: Godkendt af og "
         "Godkendt dato).\n"
         "Risici for kritiske aktiver accepteres af topledelsen: udfyld Accepteret af og Accepteret dato.\n"
         "Brug samme metode i hver runde, så runderne kan sammenlignes."),
        ("Kilder",
         "Trusselskatalog: skrevet til isms-analysis på grundlag af MONARC-trusselskataloget (CC0, "
         "monarc-project) og ENISA Threat Taxonomy (CC0/BSD-2, MISP-taksonomier). Anneks A: kontrol-ID'er og "
         "korte titler fra ISO/IEC 27001:2022; standardens tekst er ikke gengivet."),
    ]  # fmt: skip


def _write_instructions(wb: Workbook, m: RiskMatrix, lang: str) -> Worksheet:
    i = 1 if lang == "en" else 0
    ws = wb.create_sheet(INSTRUCTIONS[i])
    rows = _instructions(m, lang)
    frame = pd.DataFrame(rows, columns=["Emne" if i == 0 else "Topic", "Forklaring" if i == 0 else "Explanation"])
    excel.write_table(ws, frame, lang=lang, autofilter=False, widths=False)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 110
    for r in range(2, len(rows) + 2):
        ws.cell(row=r, column=1).font = Font(bold=True)
        ws.cell(row=r, column=1).alignment = Alignment(vertical="top")
        ws.cell(row=r, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    return ws


def _write_matrix_sheet(wb: Workbook, m: RiskMatrix, lang: str) -> Worksheet:
    ws = wb.create_sheet(MATRIX_SHEET[1 if lang == "en" else 0])
    title = f"{'Risk matrix' if lang == 'en' else 'Risikomatrix'} ({m.name})"
    last = excel.draw_matrix(ws, m, lang, title=title)
    excel.draw_levels(ws, m, lang, start_row=last + 2)
    return ws


def write_template(path: str | Path, lang: str = "da") -> Path:
    """Write the blank KL-style template: every sheet with drop-downs, instructions,
    the KL matrix, Annex A in SoA and the default threat catalogue in Trusler."""
    check_lang(lang)
    m = get_matrix("kl")
    wb = excel.new_workbook()
    _write_instructions(wb, m, lang)
    _write_meta(wb, {"matrix": m.name}, lang)
    _write_sheet(wb, ASSETS, None, lang, m, dropdowns=True)
    threats = default_threats(lang).drop(columns="source")
    _write_sheet(wb, THREATS, threats, lang, m, dropdowns=True)
    _write_sheet(wb, RISKS, None, lang, m, dropdowns=True, optional=RISK_SCORE_FIELDS)
    _write_sheet(wb, PROFILE, None, lang, m, dropdowns=True)
    _write_sheet(wb, ROLES_SHEET, None, lang, m, dropdowns=True)
    _write_sheet(wb, SOA, _soa_rows(lang), lang, m, dropdowns=True)
    _write_sheet(wb, ACTIONS, None, lang, m, dropdowns=True)
    _write_sheet(wb, WHEEL, None, lang, m, dropdowns=True)
    _write_matrix_sheet(wb, m, lang)
    return excel.save(wb, path)
