"""The KL-style workbook layout as data: sheets, columns, headers and vocabularies.

One workbook holds one assessment round. Every sheet and column has a canonical
Danish header (what the template writes by default), an English header, and the
English snake_case field it maps to in :class:`isms_analysis.Assessment`. The
reader, the template writer, the register writer and the sample generator all
read this module; none of them spells a header itself.

Column kinds:

- ``id``: identifier text (trimmed); ``text``: free text; ``list``: IDs separated
  by ``;`` or ``,``;
- ``consequence`` / ``likelihood``: an integer on the matrix scale, also given as
  "3", 3.0, "3 - Høj", "Høj" or "Sandsynligt";
- ``bool``: Ja/Nej, Yes/No, X, ✓, 1/0; ``date``: Danish or ISO dates, Excel serials;
- ``choice``: one of a vocabulary below (Danish or English label, or the key);
- ``level``: a level name of the matrix; ``month``: 1-12 or a month name;
- ``int``: a whole number (e.g. a risk score computed by an Excel formula).

A ``text`` column may name a vocabulary too: the template then offers its labels
as a drop-down, but any text is read as it is (Tålelig nedetid).
"""

from __future__ import annotations

from dataclasses import dataclass

# -- vocabularies: key -> (Danish label, English label) ---------------------------------
ASSET_TYPES = {
    "business_process": ("Forretningsproces", "Business process"),
    "it_system": ("It-system", "IT system"),
    "processing_activity": ("Behandlingsaktivitet", "Processing activity"),
    "infrastructure": ("Infrastruktur", "Infrastructure"),
    "physical": ("Fysisk", "Physical"),
    "people": ("Medarbejdere", "People"),
    "intangible": ("Immateriel", "Intangible"),
}
PERSONAL_DATA = {
    "none": ("Ingen", "None"),
    "ordinary": ("Almindelige", "Ordinary"),
    "sensitive": ("Følsomme", "Sensitive"),
    "cpr": ("CPR", "CPR number"),
    "criminal": ("Strafbare forhold", "Criminal offences"),
}
TREATMENTS = {
    "mitigate": ("Mitiger", "Mitigate"),
    "accept": ("Acceptér", "Accept"),
    "avoid": ("Undgå", "Avoid"),
    "transfer": ("Flyt", "Transfer"),
}
RISK_STATUSES = {
    "open": ("Åben", "Open"),
    "in_progress": ("I gang", "In progress"),
    "closed": ("Lukket", "Closed"),
}
SOA_STATUSES = {
    "implemented": ("Implementeret", "Implemented"),
    "partly": ("Delvist implementeret", "Partly implemented"),
    "planned": ("Planlagt", "Planned"),
    "not_started": ("Ikke startet", "Not started"),
}
SOA_SOURCES = {
    "risk_assessment": ("Risikovurdering", "Risk assessment"),
    "legal": ("Lov/kontrakt", "Law/contract"),
    "best_practice": ("God praksis", "Best practice"),
}
ACTION_TYPES = {
    "risk_treatment": ("Risikohåndtering", "Risk treatment"),
    "improvement_plan": ("Årsplan", "Improvement plan"),
}
ACTION_STATUSES = {
    "not_started": ("Ikke startet", "Not started"),
    "in_progress": ("I gang", "In progress"),
    "done": ("Afsluttet", "Done"),
}
FREQUENCIES = {
    "monthly": ("Månedlig", "Monthly"),
    "quarterly": ("Kvartalsvis", "Quarterly"),
    "half_yearly": ("Halvårlig", "Half-yearly"),
    "yearly": ("Årlig", "Yearly"),
}
# Who may accept risks (the Roller sheet): the playbook's top management, the
# information security committee, and other management.
ROLES = {
    "top_management": ("Topledelse", "Top management"),
    "committee": ("Informationssikkerhedsudvalg", "Information security committee"),
    "management": ("Ledelse", "Management"),
}
# The risk profile's perspective column (blank: both perspectives).
PROFILE_PERSPECTIVES = {
    "municipality": ("Kommunen", "The municipality"),
    "data_subject": ("De registrerede", "Data subjects"),
}
# The playbook's scale for tolerable downtime (offered as a drop-down; free text is kept).
DOWNTIME = {
    "half_day": ("Under ½ dag", "Under ½ day"),
    "one_day": ("1 dag", "1 day"),
    "three_days": ("3 dage", "3 days"),
    "week": ("En uge eller mere", "A week or more"),
}
WHEEL_STATUSES = {
    "planned": ("Planlagt", "Planned"),
    "in_progress": ("I gang", "In progress"),
    "done": ("Udført", "Done"),
}
# Extra spellings people write, beyond the labels and keys above (compared after
# folding case, spaces and æ/ø/å).
CHOICE_ALIASES = {
    "treatment": {
        "accepter": "accept", "acceptere": "accept", "accepteret": "accept",
        "del": "transfer", "overfor": "transfer", "overfør": "transfer", "overføre": "transfer", "overføres": "transfer",
        "reducer": "mitigate", "reducere": "mitigate", "reduceres": "mitigate", "mitigere": "mitigate",
        "undgås": "avoid",
    },
    "status": {"aben": "open", "igang": "in_progress", "afsluttet": "closed", "lukket": "closed"},
}
# Extra labels of the likelihood/consequence scales (step on a 4-step scale).
SCALE_ALIASES = {
    "likelihood": {"Meget usandsynlig": 1, "Meget usandsynligt": 1, "Very unlikely": 1},
}
VOCABULARIES = {
    "asset_type": ASSET_TYPES,
    "personal_data": PERSONAL_DATA,
    "treatment": TREATMENTS,
    "risk_status": RISK_STATUSES,
    "soa_status": SOA_STATUSES,
    "soa_source": SOA_SOURCES,
    "action_type": ACTION_TYPES,
    "action_status": ACTION_STATUSES,
    "frequency": FREQUENCIES,
    "wheel_status": WHEEL_STATUSES,
    "role": ROLES,
    "profile_perspective": PROFILE_PERSPECTIVES,
    "downtime": DOWNTIME,
}
MONTHS_DA = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip
MONTHS_EN = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip


@dataclass(frozen=True)
class Column:
    field: str
    da: str
    en: str
    kind: str = "text"
    required: bool = False  # the column must exist
    mandatory: bool = False  # every row must have a value
    vocabulary: str | None = None  # for kind "choice"
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sheet:
    key: str  # the Assessment attribute
    da: str
    en: str
    columns: tuple[Column, ...]
    required: bool = False
    aliases: tuple[str, ...] = ()
    # The first column is unique together with these fields (e.g. area and perspective).
    unique_with: tuple[str, ...] = ()

    def column(self, field: str) -> Column:
        return next(c for c in self.columns if c.field == field)


def _cons(persp_da: str, persp_en: str, field: str, props: str = "FIT") -> tuple[Column, ...]:
    en_props = {"F": "C", "I": "I", "T": "A", "A": "Authenticity"}
    keys = {"F": "c", "I": "i", "T": "a", "A": "authenticity"}
    return tuple(
        Column(
            f"consequence_{field}_{keys[p]}",
            f"Konsekvens {persp_da} {p}",
            f"Consequence {persp_en} {en_props[p]}",
            "consequence",
        )
        for p in props
    )


META = Sheet(
    "meta",
    "Om",
    "About",
    (
        Column("municipality", "Kommune", "Municipality", mandatory=True),
        Column("round", "Runde", "Round", mandatory=True),
        Column("assessment_date", "Vurderingsdato", "Assessment date", "date"),
        Column("prepared_by", "Udarbejdet af", "Prepared by"),
        Column("approved_by", "Godkendt af", "Approved by"),
        Column("approved_date", "Godkendt dato", "Approval date", "date"),
        Column("matrix", "Matrix", "Matrix"),
    ),
    required=True,
)
# The Om sheet is two columns (field, value); these are their headers.
META_HEADERS = (("Felt", "Field"), ("Værdi", "Value"))

ASSETS = Sheet(
    "assets",
    "Aktiver",
    "Assets",
    (
        Column("asset_id", "Aktiv-ID", "Asset ID", "id", required=True, mandatory=True),
        Column("name", "Aktiv", "Asset", required=True, mandatory=True),
        Column("type", "Type", "Type", "choice", vocabulary="asset_type"),
        Column("area", "Område", "Area"),
        Column("kle", "KLE", "KLE"),
        Column("system_owner", "Systemejer", "System owner"),
        Column("data_owner", "Dataejer", "Data owner"),
        Column("risk_owner", "Risikoejer", "Risk owner"),
        Column("critical", "Kritisk", "Critical", "bool"),
        Column("personal_data", "Personoplysninger", "Personal data", "choice", vocabulary="personal_data"),
        *_cons("kommune", "municipality", "municipality"),
        *_cons("registrerede", "data subjects", "data_subject"),
        Column("tolerable_downtime", "Tålelig nedetid", "Tolerable downtime", vocabulary="downtime"),
        Column("notes", "Bemærkninger", "Notes"),
        *_cons("samfund", "society", "society", "FITA"),
    ),
    required=True,
)
SOCIETY_FIELDS = tuple(c.field for c in ASSETS.columns if "_society_" in c.field)

THREATS = Sheet(
    "threats",
    "Trusler",
    "Threats",
    (
        Column("threat_id", "Trussel-ID", "Threat ID", "id", required=True, mandatory=True),
        Column("name", "Trussel", "Threat", required=True, mandatory=True),
        Column("category", "Kategori", "Category"),
        Column("description", "Beskrivelse", "Description"),
        Column("affects_c", "F", "C", "bool"),
        Column("affects_i", "I", "I", "bool"),
        Column("affects_a", "T", "A", "bool"),
    ),
    required=True,
)

RISKS = Sheet(
    "risks",
    "Risici",
    "Risks",
    (
        Column("risk_id", "Risiko-ID", "Risk ID", "id", required=True, mandatory=True),
        Column("asset_id", "Aktiv-ID", "Asset ID", "id", required=True, mandatory=True),
        Column("threat_id", "Trussel-ID", "Threat ID", "id", required=True, mandatory=True),
        Column("vulnerability", "Sårbarhed", "Vulnerability"),
        Column(
            "existing_controls",
            "Eksisterende foranstaltninger",
            "Existing controls",
            aliases=("Eksisterende kontroller",),
        ),
        Column("likelihood", "Sandsynlighed", "Likelihood", "likelihood", required=True, mandatory=True),
        Column("treatment", "Håndtering", "Treatment", "choice", vocabulary="treatment"),
        Column("controls", "Foranstaltninger", "Controls", "list", aliases=("Kontroller",)),
        Column("residual_likelihood", "Restsandsynlighed", "Residual likelihood", "likelihood"),
        Column(
            "residual_consequence_municipality",
            "Restkonsekvens kommune",
            "Residual consequence municipality",
            "consequence",
        ),
        Column(
            "residual_consequence_data_subject",
            "Restkonsekvens registrerede",
            "Residual consequence data subjects",
            "consequence",
        ),
        Column("owner", "Risikoejer", "Risk owner"),
        Column("accepted_by", "Accepteret af", "Accepted by"),
        Column("accepted_date", "Accepteret dato", "Acceptance date", "date"),
        Column("status", "Status", "Status", "choice", vocabulary="risk_status"),
        Column("deadline", "Frist", "Deadline", "date"),
        Column("notes", "Bemærkninger", "Notes"),
        # When an acceptance must be re-evaluated (blank: 12 months after the acceptance).
        Column("review_date", "Revurderes", "Review date", "date", aliases=("Revurderingsdato",)),
        Column("residual_description", "Restrisiko (beskrivelse)", "Residual risk (description)"),
        # Optional computed columns (often Excel formulas): the reader compares their
        # cached values with the recomputed inherent score and warns on disagreement.
        Column("risk_score_municipality", "Risikoscore kommune", "Risk score municipality", "int"),
        Column("risk_score_data_subject", "Risikoscore registrerede", "Risk score data subjects", "int"),
    ),
    required=True,
)

PROFILE = Sheet(
    "profile",
    "Risikoprofil",
    "Risk profile",
    (
        Column("area", "Område", "Area", required=True, mandatory=True),
        Column(
            "max_accepted_level", "Maks. accepteret niveau", "Max accepted level", "level", required=True, mandatory=True
        ),
        # Blank: the row holds for both perspectives.
        Column("perspective", "Perspektiv", "Perspective", "choice", vocabulary="profile_perspective"),
        Column("approved_by", "Godkendt af", "Approved by"),
        Column("approved_date", "Godkendt dato", "Approval date", "date"),
    ),
    unique_with=("perspective",),
)

# Who may accept which level: a name or title as written in "Accepteret af".
ROLES_SHEET = Sheet(
    "roles",
    "Roller",
    "Roles",
    (
        Column("name", "Navn", "Name", required=True, mandatory=True),
        Column("role", "Rolle", "Role", "choice", required=True, mandatory=True, vocabulary="role"),
        Column("max_level", "Maks. niveau", "Max level", "level", required=True, mandatory=True),
    ),
)

SOA = Sheet(
    "soa",
    "SoA",
    "SoA",
    (
        Column("control_id", "Kontrol-ID", "Control ID", "id", required=True, mandatory=True),
        Column("title", "Kontrol", "Control", required=True),
        Column("theme", "Tema", "Theme"),
        Column("applicable", "Relevant", "Applicable", "bool"),
        Column("justification", "Begrundelse", "Justification"),
        Column("source", "Kilde", "Source", "choice", vocabulary="soa_source"),
        Column("status", "Status", "Status", "choice", vocabulary="soa_status"),
        Column("responsible", "Ansvarlig", "Responsible"),
        Column("risks", "Risici", "Risks", "list"),
        Column("nsis", "NSIS", "NSIS"),
    ),
)

ACTIONS = Sheet(
    "actions",
    "Handlingsplan",
    "Action plan",
    (
        Column("action_id", "Handling-ID", "Action ID", "id", required=True, mandatory=True),
        Column("title", "Handling", "Action", required=True),
        Column("type", "Type", "Type", "choice", vocabulary="action_type"),
        Column("risks", "Risici", "Risks", "list"),
        Column("controls", "Foranstaltninger", "Controls", "list", aliases=("Kontroller",)),
        Column("responsible", "Ansvarlig", "Responsible"),
        Column("deadline", "Frist", "Deadline", "date"),
        Column("status", "Status", "Status", "choice", vocabulary="action_status"),
    ),
)

WHEEL = Sheet(
    "wheel",
    "Årshjul",
    "Annual wheel",
    (
        Column("activity_id", "Aktivitet-ID", "Activity ID", "id", required=True, mandatory=True),
        Column("title", "Aktivitet", "Activity", required=True),
        Column("category", "Kategori", "Category"),
        Column("frequency", "Frekvens", "Frequency", "choice", vocabulary="frequency"),
        Column("month", "Måned", "Month", "month"),
        Column("responsible", "Ansvarlig", "Responsible"),
        Column("last_done", "Senest udført", "Last done", "date"),
        Column("status", "Status", "Status", "choice", vocabulary="wheel_status"),
        Column("controls", "Foranstaltninger", "Controls", "list", aliases=("Kontroller",)),
    ),
)

SHEETS: tuple[Sheet, ...] = (META, ASSETS, THREATS, RISKS, PROFILE, SOA, ACTIONS, WHEEL, ROLES_SHEET)
SHEETS_BY_KEY = {s.key: s for s in SHEETS}


def label(vocabulary: str, key: str | None, lang: str = "da") -> str:
    """The Danish (or English) label of a vocabulary key; '' for missing."""
    if key is None or key != key:
        return ""
    da, en = VOCABULARIES[vocabulary].get(str(key), (str(key), str(key)))
    return en if lang == "en" else da


def col_letter(idx: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    s = ""
    idx += 1
    while idx:
        idx, r = divmod(idx - 1, 26)
        s = chr(65 + r) + s
    return s
