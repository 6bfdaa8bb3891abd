"""Regenerate the corpus of hostile and broken workbooks in this folder.

Run ``python tests/data/bad/make_corpus.py``. The output is deterministic (fixed
zip timestamps, no random numbers), every file is small, and each workbook-shaped
case is a valid KL-style round (canonical Danish headers from
:mod:`isms_analysis.layout`) with exactly one thing broken. ``CORPUS`` is the
single source of truth for the expected outcomes: the tests and README.md read it.

Workbooks are written as raw SpreadsheetML (inline strings, no shared strings) so
that formulas without cached values, Excel error cells, DOCTYPEs, rows without
``r`` attributes and control characters can be written exactly as needed. The OLE2
containers (encrypted workbook, legacy .xls) are built by hand with a minimal
compound-file writer, so no extra package is needed to regenerate the corpus.
"""

from __future__ import annotations

import hashlib
import struct
import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
try:
    from isms_analysis import layout as L
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(HERE.parents[2]))
    from isms_analysis import layout as L

FIXED_TIME = (2026, 1, 1, 0, 0, 0)
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
EXCEL_MAX_CELL = 32_767


# -- cell values ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Formula:
    """A formula cell written without a cached value (as non-Excel tools do)."""

    text: str


@dataclass(frozen=True)
class Err:
    """An Excel error value such as #REF!."""

    code: str


def _col(idx: int) -> str:
    out = ""
    idx += 1
    while idx:
        idx, rem = divmod(idx - 1, 26)
        out = chr(65 + rem) + out
    return out


def _xml_text(value: str) -> str:
    """Escape for XML; control characters as Excel's _xHHHH_ escapes."""
    out = []
    for ch in value:
        code = ord(ch)
        if (code < 0x20 and ch not in "\t\n\r") or code in (0xFFFE, 0xFFFF):
            out.append(f"_x{code:04X}_")
        else:
            out.append(ch)
    return escape("".join(out), {'"': "&quot;"})


def _cell(ref: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Formula):
        return f'<c r="{ref}"><f>{escape(value.text)}</f></c>'
    if isinstance(value, Cached):
        return f'<c r="{ref}"><f>{escape(value.text)}</f><v>{value.value}</v></c>'
    if isinstance(value, DateCell):
        return f'<c r="{ref}" s="2"><v>{value.serial}</v></c>'
    if isinstance(value, Err):
        return f'<c r="{ref}" t="e"><v>{escape(value.code)}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_xml_text(str(value))}</t></is></c>'


@dataclass(frozen=True)
class Cached:
    """A formula cell with its cached value (what Excel saves)."""

    text: str
    value: Any


@dataclass(frozen=True)
class DateCell:
    """A number in a date-formatted cell (an Excel date serial, 1900 system)."""

    serial: float


# -- workbook description ---------------------------------------------------------------------
@dataclass
class SheetSpec:
    name: str
    rows: list[list[Any]]
    state: str = "visible"  # or "hidden"
    merges: tuple[str, ...] = ()
    dimension: str | None = None
    prologue: str = ""  # raw XML between the declaration and <worksheet> (a DOCTYPE)
    tail_rows: Callable[[], Iterator[bytes]] | None = None  # raw <row> XML after the data rows
    tail_size: int = 0  # bytes tail_rows yields, for the dimension-free size estimate


@dataclass
class Book:
    sheets: list[SheetSpec] = field(default_factory=list)
    external_link: str = ""  # the file name of a linked workbook ([1] in formulas), "" for none

    def sheet(self, name: str) -> SheetSpec:
        return next(s for s in self.sheets if s.name == name)


def _sheet_rows(rows: list[list[Any]]) -> str:
    parts = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{_col(c)}{r}", v) for c, v in enumerate(row))
        parts.append(f'<row r="{r}">{cells}</row>')
    return "".join(parts)


def _sheet_xml_parts(spec: SheetSpec) -> Iterator[bytes]:
    width = max((len(r) for r in spec.rows), default=1)
    dim = spec.dimension or f"A1:{_col(max(width, 1) - 1)}{max(len(spec.rows), 1)}"
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{spec.prologue}'.encode()
    yield (
        f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><dimension ref="{dim}"/><sheetData>{_sheet_rows(spec.rows)}'
    ).encode()
    if spec.tail_rows is not None:
        yield from spec.tail_rows()
    merges = ""
    if spec.merges:
        refs = "".join(f'<mergeCell ref="{m}"/>' for m in spec.merges)
        merges = f'<mergeCells count="{len(spec.merges)}">{refs}</mergeCells>'
    yield f"</sheetData>{merges}</worksheet>".encode()


STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN_NS}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFFFF2CC"/></patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="2" borderId="0" xfId="0" applyFill="1"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def _zinfo(name: str) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    zi.compress_type = zipfile.ZIP_DEFLATED
    zi.create_system = 0
    zi.external_attr = 0
    return zi


def write_xlsx(book: Book, path: Path) -> Path:
    """Write ``book`` as a minimal, deterministic .xlsx."""
    n = len(book.sheets)
    ctypes = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, n + 1)
        )
        + "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    sheets = "".join(
        f'<sheet name="{escape(s.name)}" sheetId="{i}"{"" if s.state == "visible" else f" state={chr(34)}{s.state}{chr(34)}"}'
        f' r:id="rId{i}"/>'
        for i, s in enumerate(book.sheets, start=1)
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        f"<sheets>{sheets}</sheets></workbook>"
    )
    wb_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, n + 1)
        )
        + f'<Relationship Id="rId{n + 1}" Type="{REL_NS}/styles" Target="styles.xml"/>'
        + (
            f'<Relationship Id="rId{n + 2}" Type="{REL_NS}/externalLink" Target="externalLinks/externalLink1.xml"/>'
            if book.external_link
            else ""
        )
        + "</Relationships>"
    )
    extra: list[tuple[str, str]] = []
    if book.external_link:
        ctypes = ctypes.replace(
            "</Types>",
            '<Override PartName="/xl/externalLinks/externalLink1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>',
        )
        workbook = workbook.replace(
            "</sheets>", f'</sheets><externalReferences><externalReference r:id="rId{n + 2}"/></externalReferences>'
        )
        extra = [
            (
                "xl/externalLinks/externalLink1.xml",
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns="{MAIN_NS}" '
                f'xmlns:r="{REL_NS}"><externalBook r:id="rId1"><sheetNames><sheetName val="Risici"/></sheetNames>'
                "</externalBook></externalLink>",
            ),
            (
                "xl/externalLinks/_rels/externalLink1.xml.rels",
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rId1" Type="{REL_NS}/externalLinkPath" Target="{escape(book.external_link)}" '
                'TargetMode="External"/></Relationships>',
            ),
        ]
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in (
            ("[Content_Types].xml", ctypes),
            ("_rels/.rels", rels),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", wb_rels),
            ("xl/styles.xml", STYLES),
            *extra,
        ):
            zf.writestr(_zinfo(name), text.encode(), compresslevel=9)
        for i, spec in enumerate(book.sheets, start=1):
            zi = _zinfo(f"xl/worksheets/sheet{i}.xml")
            if spec.tail_rows is None:
                zf.writestr(zi, b"".join(_sheet_xml_parts(spec)), compresslevel=9)
            else:  # stream large members
                zi._compresslevel = 9  # type: ignore[attr-defined]
                with zf.open(zi, "w", force_zip64=spec.tail_size > 2**31 - 2**20) as fh:
                    for part in _sheet_xml_parts(spec):
                        fh.write(part)
    return path


# -- a valid KL-style round -------------------------------------------------------------------
def _headers(sheet: L.Sheet, fields: Iterable[str]) -> list[str]:
    return [sheet.column(f).da for f in fields]


ASSET_FIELDS = (
    "asset_id", "name", "type", "area", "risk_owner", "critical", "personal_data",
    "consequence_municipality_c", "consequence_municipality_i", "consequence_municipality_a",
    "consequence_data_subject_c", "consequence_data_subject_i", "consequence_data_subject_a",
)  # fmt: skip
THREAT_FIELDS = ("threat_id", "name", "category", "affects_c", "affects_i", "affects_a")
RISK_FIELDS = (
    "risk_id", "asset_id", "threat_id", "vulnerability", "existing_controls",
    "likelihood", "treatment", "owner", "status", "notes",
)  # fmt: skip
# Excel columns of the Risici sheet (header in row 1, data from row 2)
RISK_COL = {f: _col(i) for i, f in enumerate(RISK_FIELDS)}

ASSETS = (
    ("A-01", "Sagsbehandlingssystem (social)", "It-system", "Social og sundhed", "Socialchef", "Ja", "Følsomme", 3, 3, 4, 4, 3, 2),
    ("A-02", "Lønsystem", "It-system", "HR", "HR-chef", "Ja", "CPR", 3, 4, 3, 3, 3, 2),
    ("A-03", "Papirarkiv i borgerservice", "Fysisk", "Borgerservice", "Borgerservicechef", "Nej", "Almindelige", 2, 2, 1, 3, 2, 1),
    ("A-04", "Netværksudstyr", "Infrastruktur", "IT", "IT-chef", "Ja", "Ingen", 2, 3, 4, 1, 1, 1),
)  # fmt: skip
THREATS = (
    ("T-01", "Phishing", "Cyber", "Ja", "Ja", "Nej"),
    ("T-02", "Ransomware", "Cyber", "Ja", "Ja", "Ja"),
    ("T-03", "Fejlsendt brev", "Menneskelig fejl", "Ja", "Nej", "Nej"),
    ("T-04", "Upload til privat sky", "Menneskelig fejl", "Ja", "Nej", "Nej"),
)  # fmt: skip
VULNERABILITIES = (
    "Ingen to-faktor-login",
    "Forældet sikkerhedskopi",
    "Manglende kontrol af modtager",
    "Ingen regler for skytjenester",
)


def risk_rows(n: int) -> list[list[Any]]:
    """``n`` valid risk rows cycling through the assets and threats (deterministic)."""
    rows = []
    for k in range(n):
        a, t = k % len(ASSETS), (k // len(ASSETS)) % len(THREATS)
        rows.append(
            [
                f"R-{k + 1:05d}" if n > 999 else f"R-{k + 1:03d}",
                ASSETS[a][0],
                THREATS[t][0],
                VULNERABILITIES[t],
                "Awareness-kampagne",
                1 + (k * 7 + 3) % 4,
                "Mitiger",
                ASSETS[a][4],
                "Åben",
                "",
            ]
        )
    return rows


def baseline(n_risks: int = 8) -> Book:
    """A valid KL-style round: Om, Aktiver, Trusler, Risici (canonical Danish headers)."""
    (felt, _), (vaerdi, _) = L.META_HEADERS
    meta = [
        [felt, vaerdi],
        [L.META.column("municipality").da, "Eksempel Kommune"],
        [L.META.column("round").da, "2026-Q1"],
        [L.META.column("assessment_date").da, "2026-03-31"],
        [L.META.column("prepared_by").da, "Informationssikkerhedskoordinator"],
        [L.META.column("matrix").da, "kl"],
    ]
    return Book(
        [
            SheetSpec(L.META.da, meta),
            SheetSpec(L.ASSETS.da, [_headers(L.ASSETS, ASSET_FIELDS), *map(list, ASSETS)]),
            SheetSpec(L.THREATS.da, [_headers(L.THREATS, THREAT_FIELDS), *map(list, THREATS)]),
            SheetSpec(L.RISKS.da, [_headers(L.RISKS, RISK_FIELDS), *risk_rows(n_risks)]),
        ]
    )


# -- OLE2 / compound file writer ----------------------------------------------------------------
_FREE, _END, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def _pseudo_random(seed: str, n: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:n])


def write_cfb(streams: list[tuple[str, bytes]], path: Path) -> Path:
    """A minimal version-3 compound file with root-level streams (each padded to >= 4096 bytes
    so that it lives in regular sectors and no mini stream is needed)."""
    ss = 512
    data = [(name, body.ljust(4096, b"\x00")) for name, body in streams]
    n_dir_sectors = (len(data) + 1 + 3) // 4
    stream_sectors = [(len(body) + ss - 1) // ss for _, body in data]
    total = 1 + n_dir_sectors + sum(stream_sectors)
    assert total <= ss // 4, "one FAT sector only"
    fat = [_FREE] * (ss // 4)
    fat[0] = _FATSECT
    for i in range(1, 1 + n_dir_sectors):
        fat[i] = i + 1 if i < n_dir_sectors else _END
    starts, nxt = [], 1 + n_dir_sectors
    for count in stream_sectors:
        starts.append(nxt)
        for j in range(count):
            fat[nxt + j] = nxt + j + 1 if j < count - 1 else _END
        nxt += count

    def entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        return (
            raw.ljust(64, b"\x00")
            + struct.pack("<HBB", len(raw), kind, 1)  # name length, type, colour black
            + struct.pack("<III", left, right, child)
            + b"\x00" * 16  # CLSID
            + struct.pack("<I", 0)  # state bits
            + b"\x00" * 16  # created / modified times
            + struct.pack("<IQ", start, size)
        )

    # siblings as a right-leaning chain, sorted the CFB way (length, then upper-case name)
    order = sorted(range(len(data)), key=lambda i: (len(data[i][0]), data[i][0].upper()))
    entries = [entry("Root Entry", 5, _FREE, _FREE, order[0] + 1 if data else _FREE, _END, 0)]
    for i, (name, body) in enumerate(data):
        pos = order.index(i)
        right = order[pos + 1] + 1 if pos + 1 < len(order) else _FREE
        entries.append(entry(name, 2, _FREE, right, _FREE, starts[i], len(body)))
    directory = b"".join(entries).ljust(n_dir_sectors * ss, b"\x00")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 0x1000, _END, 0, _END, 0)
        + struct.pack("<109I", 0, *([_FREE] * 108))
    )
    assert len(header) == 512
    body = b"".join(b for _, b in data)
    path.write_bytes(header + struct.pack(f"<{ss // 4}I", *fat) + directory + body)
    return path


def _encryption_info() -> bytes:
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption">'
        '<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
        'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/>'
        "</encryption>"
    )
    return struct.pack("<HHI", 4, 4, 0x40) + xml.encode()  # agile encryption, version 4.4


def _biff_bof() -> bytes:
    # BOF record (0x0809) of a BIFF8 workbook globals substream, then EOF (0x000A)
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0x000080C9, 0x00000206)
    return bof + struct.pack("<HH", 0x000A, 0)


# -- the cases --------------------------------------------------------------------------------
def _with(book: Book, sheet: str, row: int, fld: str, value: Any) -> Book:
    """Set one cell of the Risici-style sheet by Excel row (1 = header) and field."""
    spec = book.sheet(sheet)
    fields = {L.RISKS.da: RISK_FIELDS, L.ASSETS.da: ASSET_FIELDS, L.THREATS.da: THREAT_FIELDS}[sheet]
    spec.rows[row - 1][fields.index(fld)] = value
    return book


def make_not_a_workbook(path: Path) -> None:
    head = ";".join(_headers(L.RISKS, RISK_FIELDS))
    lines = [head] + [";".join(str(v) for v in r) for r in risk_rows(8)]
    path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8"))


def make_pdf(path: Path) -> None:
    path.write_bytes(
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def make_empty(path: Path) -> None:
    path.write_bytes(b"")


def make_truncated(path: Path) -> None:
    write_xlsx(baseline(), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def make_encrypted(path: Path) -> None:
    package = struct.pack("<Q", 6000) + _pseudo_random("encrypted-package", 6000)
    write_cfb([("EncryptionInfo", _encryption_info()), ("EncryptedPackage", package)], path)


def make_legacy(path: Path) -> None:
    write_cfb([("Workbook", _biff_bof())], path)


BOMB_BYTES = 160 * 1024 * 1024  # whitespace inside the Risici sheet


def make_zipbomb(path: Path) -> None:
    def filler() -> Iterator[bytes]:
        chunk = b" " * (1024 * 1024)
        for _ in range(BOMB_BYTES // len(chunk)):
            yield chunk

    book = baseline()
    risks = book.sheet(L.RISKS.da)
    risks.tail_rows, risks.tail_size = filler, BOMB_BYTES
    write_xlsx(book, path)


LAUGHS = (
    '<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n"
)


def make_billion_laughs(path: Path) -> None:
    book = baseline()
    om = book.sheets[0]  # xl/worksheets/sheet1.xml
    om.prologue = LAUGHS
    # the entity reference must be raw XML, so patch it into the written member afterwards
    om.rows[1][1] = "@@LOL9@@"
    tmp = path.with_suffix(".tmp")
    write_xlsx(book, tmp)
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"@@LOL9@@", b"&lol9;")
            dst.writestr(_zinfo(info.filename), data, compresslevel=9)
    tmp.unlink()


EMPTY_ROWS = 1_048_576


def make_million_empty_rows(path: Path) -> None:
    book = baseline()
    risks = book.sheet(L.RISKS.da)
    n_data = len(risks.rows)
    n_empty = EMPTY_ROWS - n_data
    styled_cells = "".join(f'<c r="{_col(c)}{{r}}" s="1"/>' for c in range(17))

    def rows() -> Iterator[bytes]:
        # 1,000 rows of formatted empty cells A:Q, then formatted empty rows up to Excel's last row
        # (rows without an r attribute follow on from the previous row, as ECMA-376 allows)
        first = n_data + 1
        yield "".join(
            f'<row r="{r}" s="1" customFormat="1">' + styled_cells.format(r=r) + "</row>"
            for r in range(first, first + 1000)
        ).encode()
        row = b'<row s="1" customFormat="1"/>'
        left = n_empty - 1000
        while left:
            k = min(left, 100_000)
            yield row * k
            left -= k

    risks.dimension = f"A1:Q{EMPTY_ROWS}"
    risks.tail_rows, risks.tail_size = rows, 30 * n_empty
    write_xlsx(book, path)


SCORE_COL = _col(len(RISK_FIELDS))  # K: a computed column added after the layout's columns


def make_formulas_no_cache(path: Path) -> None:
    book = baseline()
    risks = book.sheet(L.RISKS.da)
    risks.rows[0].append(L.RISKS.column("risk_score_municipality").da)
    for r in range(2, 2 + 8):
        _with(book, L.RISKS.da, r, "likelihood", Formula(f"MIN(4,MOD(ROW()*7,4)+1)+0*{RISK_COL['notes']}{r}"))
        risks.rows[r - 1].append(Formula(f"{RISK_COL['likelihood']}{r}*4"))  # recomputed by the reader: ignored
    write_xlsx(book, path)


def make_excel_errors(path: Path) -> None:
    book = baseline()
    _with(book, L.RISKS.da, 2, "likelihood", Err("#REF!"))
    _with(book, L.RISKS.da, 3, "likelihood", Err("#DIV/0!"))
    _with(book, L.ASSETS.da, 3, "consequence_data_subject_c", Err("#N/A"))
    risks = book.sheet(L.RISKS.da)  # a helper column the reader does not use: a warning only
    risks.rows[0].append("Hjælpekolonne")
    for k, row in enumerate(risks.rows[1:]):
        row.append(Err("#N/A") if k == 2 else "ok")
    write_xlsx(book, path)


def make_merged(path: Path) -> None:
    book = baseline()
    risks = book.sheet(L.RISKS.da)
    col = RISK_COL["asset_id"]
    # rows 2-4 become risks of A-01 written as one merged Aktiv-ID cell (value only in the first)
    risks.rows[1][1] = "A-01"
    risks.rows[2][1] = None
    risks.rows[3][1] = None
    risks.merges = (f"{col}2:{col}4",)
    write_xlsx(book, path)


def make_hidden_sheets(path: Path) -> None:
    """Last year's sheets kept hidden under the expected names; this round's data on visible sheets."""
    current, stale = baseline(), baseline(4)
    for spec in stale.sheets[1:]:
        spec.state = "hidden"
    for row in stale.sheet(L.RISKS.da).rows[1:]:
        row[RISK_FIELDS.index("notes")] = "Kopi fra 2025"
    for spec in current.sheets[1:]:
        spec.name = f"{spec.name} 2026"
    write_xlsx(Book([current.sheets[0], *stale.sheets[1:], *current.sheets[1:]]), path)


def make_duplicate_headers(path: Path) -> None:
    book = baseline()
    risks = book.sheet(L.RISKS.da)
    risks.rows[0].append(L.RISKS.column("likelihood").da)  # a second "Sandsynlighed" in column K
    for k, row in enumerate(risks.rows[1:]):
        row.append(4 - k % 4)
    write_xlsx(book, path)


def make_headers_only(path: Path) -> None:
    book = baseline()
    for spec in book.sheets[1:]:
        spec.rows = spec.rows[:1]
    write_xlsx(book, path)


def make_long_cells(path: Path) -> None:
    book = baseline()
    text = ("Sårbarhed beskrevet meget udførligt. " * 900)[:EXCEL_MAX_CELL]
    _with(book, L.RISKS.da, 2, "notes", text)  # allowed: free text up to Excel's limit
    _with(book, L.RISKS.da, 3, "vulnerability", text)  # allowed
    _with(book, L.RISKS.da, 4, "likelihood", ("Sandsynligt " * 3000)[:EXCEL_MAX_CELL])  # not a likelihood
    _with(book, L.RISKS.da, 5, "risk_id", ("R-005 " * 6000)[:EXCEL_MAX_CELL])  # an ID is at most 100 characters
    write_xlsx(book, path)


ESC_ID = "A-01\x1b[2J\x1b[31m\x07"  # clear screen, red text, bell


def make_odd_ids(path: Path) -> None:
    book = baseline()
    assets = book.sheet(L.ASSETS.da)
    copy_1, copy_2 = list(ASSETS[0]), list(ASSETS[1])
    copy_1[0], copy_2[0] = "a-01", "A-02 "  # differ only in case / a trailing space
    assets.rows += [copy_1, copy_2]
    assets.rows[3][0] = "A-03\u00a0"  # non-breaking space
    assets.rows[4][0] = "\u200fA-04"  # right-to-left mark
    _with(book, L.RISKS.da, 3, "asset_id", "A-02\u200b")  # zero-width space
    _with(book, L.RISKS.da, 6, "asset_id", ESC_ID)  # terminal escape sequences and a bell
    _with(book, L.RISKS.da, 8, "risk_id", "\ufeffR-007")  # a byte-order mark pasted in front
    write_xlsx(book, path)


def make_near_duplicate_sheets(path: Path) -> None:
    """Last round's register kept next to this one under names that fold to the same sheet."""
    book = baseline()
    old = baseline()
    _with(old, L.RISKS.da, 2, "likelihood", 1)
    for spec, name in zip(old.sheets[1:], ("Aktiver.", "Tru-sler", "Rísici"), strict=True):
        spec.name = name
    write_xlsx(Book([*book.sheets, *old.sheets[1:]]), path)


def make_boolean_likelihood(path: Path) -> None:
    """TRUE (SAND) first in Sandsynlighed, the number 1 below it: Python has True == 1."""
    book = baseline()
    _with(book, L.RISKS.da, 2, "likelihood", True)
    for r in range(3, 10):
        _with(book, L.RISKS.da, r, "likelihood", 1)
    _with(book, L.ASSETS.da, 3, "consequence_municipality_c", False)  # FALSK, and no 0 nearby
    write_xlsx(book, path)


FAR_DATES = ("31-12-9999", DateCell(2958465), "2300-01-01", DateCell(-693593), "0001-01-01", 2958465, DateCell(1))
DATE_COLS = ("K", "L")  # Frist, Accepteret dato after the baseline's ten Risici columns


def make_far_dates(path: Path) -> None:
    """Placeholder dates far in the future or past (31-12-9999 for "never"), as text, as date
    cells and as a serial number; a Vurderingsdato in 2300."""
    book = baseline()
    book.sheets[0].rows[3][1] = "2300-01-01"  # Om: Vurderingsdato (B4)
    risks = book.sheet(L.RISKS.da)
    risks.rows[0] += [L.RISKS.column("deadline").da, L.RISKS.column("accepted_date").da]
    for k, row in enumerate(risks.rows[1:]):
        row += [FAR_DATES[k] if k < len(FAR_DATES) else "2026-12-31", "2026-01-15" if k else "1899-12-31"]
    write_xlsx(book, path)


WIDE_COLUMNS = 16_384  # Excel's maximum (XFD)


def make_wide_sheet(path: Path) -> None:
    """The Risici header row filled out to XFD (Excel's last column); the data stays in A:J."""
    book = baseline()
    header = book.sheet(L.RISKS.da).rows[0]
    header += [f"Kolonne{j + 1}" for j in range(len(header), WIDE_COLUMNS)]
    write_xlsx(book, path)


def make_external_link(path: Path) -> None:
    """Sandsynlighed in Risici!F2:F3 read from another workbook ([1]); only the cached value is saved."""
    book = baseline()
    book.external_link = "file:///S:/Sikkerhed/Risici%202025.xlsx"
    _with(book, L.RISKS.da, 2, "likelihood", Cached("[1]Risici!F2", 4))
    _with(book, L.RISKS.da, 3, "likelihood", Cached("'[1]Risici'!F3*1", 3))
    _with(book, L.RISKS.da, 4, "vulnerability", Cached("[1]Risici!D4", 0))  # a used text column
    write_xlsx(book, path)


@dataclass(frozen=True)
class Case:
    file: str
    make: Callable[[Path], None]
    broken: str  # what is broken, for README.md
    exit: int  # expected `isms validate` exit code
    code: str = ""  # FileRefused.code from safety.check_file ("" = passes the gate)
    kind: str = ""  # check_file's return value when it passes
    where: tuple[str, ...] = ()  # sheet / cell texts the message must name
    da: tuple[str, ...] = ()  # Danish words the message must contain
    en: tuple[str, ...] = ()  # English words the message must contain
    # every problem the reader reports, exactly: (severity, code, "Sheet!Cell" or "Sheet", Danish part,
    # English part); the two parts are stable pieces of the message
    problems: tuple[tuple[str, str, str, str, str], ...] = ()


FORMULA = ("formel uden gemt værdi (filen er gemt af et program, der ikke beregner formler); åbn og gem filen i Excel",
           "formula without a saved value (the file was saved by a program that does not calculate formulas); "
           "open and save the file in Excel")
HIDDEN = ("er skjult; vis arket i Excel", "is hidden; unhide it in Excel")
EMPTY_SHEET = ("har ingen rækker under overskrifterne (række 1)", "has no rows below its headers (row 1)")
INVISIBLE_HINT = ("skriv ID'et igen i cellen", "type the ID again in the cell")
CASE_RULE = ("Aktiv-ID 'A-01' (A2) og 'a-01' (A6) adskiller sig kun ved store/små bogstaver; Aktiv-ID'er må ikke "
             "kun adskille sig ved store/små bogstaver",
             "Aktiv-ID 'A-01' (A2) and 'a-01' (A6) differ only in upper/lower case; Asset IDs must not differ only "
             "in case")


R = L.RISKS.da
CORPUS: tuple[Case, ...] = (
    Case("not-a-workbook.xlsx", make_not_a_workbook, "CSV text (UTF-8 with BOM) renamed .xlsx", 2,
         "not_a_workbook", da=("CSV",), en=("CSV",)),
    Case("pdf-renamed.xlsx", make_pdf, "a minimal PDF renamed .xlsx", 2, "not_a_workbook",
         da=("PDF", "ikke en Excel-arbejdsbog"), en=("PDF", "not an Excel workbook")),
    Case("empty.xlsx", make_empty, "0 bytes", 2, "empty", da=("tom",), en=("empty",)),
    Case("truncated.xlsx", make_truncated, "a valid workbook cut in half (no central directory)", 2,
         "corrupt", da=("beskadiget",), en=("damaged",)),
    Case("encrypted.xlsx", make_encrypted, "OLE2 container with EncryptionInfo + EncryptedPackage streams", 2,
         "encrypted", da=("adgangskode", "gem den uden adgangskode"), en=("password", "without a password")),
    Case("legacy.xls", make_legacy, "OLE2 container with a BIFF8 Workbook stream (Excel 97-2003)", 2, "xls",
         da=(".xls", "gem den som .xlsx"), en=(".xls", "save it as .xlsx")),
    Case("zipbomb.xlsx", make_zipbomb, f"Risici sheet declares {BOMB_BYTES // 2**20} MiB (whitespace) packed ~1000:1",
         2, "zip_bomb", da=("zip-bombe",), en=("zip bomb",)),
    Case("billion-laughs.xlsx", make_billion_laughs, "sheet1.xml (Om) has a nested `<!ENTITY>` DOCTYPE", 2,
         "xml_entities", da=("ENTITY",), en=("ENTITY",)),
    Case("million-empty-rows.xlsx", make_million_empty_rows,
         "valid round; Risici has `<dimension ref=\"A1:Q1048576\"/>` and ~1,048,568 formatted empty rows", 0, kind="xlsx"),
    Case("formulas-no-cache.xlsx", make_formulas_no_cache,
         f"Sandsynlighed F2:F9 are formulas without cached values; so is the computed 'Risikoscore kommune' "
         f"{SCORE_COL}2:{SCORE_COL}9 (ignored: the reader recomputes it)",
         1, kind="xlsx", where=(R, f"{RISK_COL['likelihood']}2"),
         da=("åbn og gem filen i Excel",), en=("open and save the file in Excel",),
         problems=tuple(("error", "formula_no_value", f"{R}!{RISK_COL['likelihood']}{r}", *FORMULA)
                        for r in range(2, 10))),
    Case("excel-errors.xlsx", make_excel_errors,
         "#REF! (Risici!F2), #DIV/0! (Risici!F3), #N/A (Aktiver!K3); #N/A in an unused helper column (Risici!K4)", 1,
         kind="xlsx", where=(R, "F2", "F3", "K3"),
         problems=(
             ("error", "excel_error", "Aktiver!K3", "cellen indeholder Excel-fejlen #N/A; ret formlen",
              "the cell holds the Excel error #N/A; fix the formula"),
             ("error", "excel_error", f"{R}!F2", "cellen indeholder Excel-fejlen #REF!; ret formlen",
              "the cell holds the Excel error #REF!; fix the formula"),
             ("error", "excel_error", f"{R}!F3", "cellen indeholder Excel-fejlen #DIV/0!; ret formlen",
              "the cell holds the Excel error #DIV/0!; fix the formula"),
             ("warning", "excel_error", f"{R}!K4", "Excel-fejlen #N/A; kolonnen bruges ikke i vurderingen",
              "the Excel error #N/A; the column is not used in the assessment"),
         )),
    Case("merged-data-rows.xlsx", make_merged, "Aktiv-ID merged over Risici!B2:B4 (value in B2 only)", 1,
         kind="xlsx", where=(R, "B2:B4", "B3"), da=("Ophæv fletningen",), en=("Unmerge",),
         problems=(("error", "merged_cells", f"{R}!B2:B4",
                    "cellerne B2:B4 er flettet over flere rækker; kun B2 har en værdi, de øvrige (fx B3) står tomme",
                    "the cells B2:B4 are merged across rows; only B2 has a value, the others (e.g. B3) are empty"),)),
    Case("hidden-sheets.xlsx", make_hidden_sheets,
         "last year's sheets hidden as Aktiver/Trusler/Risici; this round on visible 'Risici 2026' etc.", 1,
         kind="xlsx", where=(R,), da=("skjult",), en=("hidden",),
         problems=tuple(("error", "hidden_sheet", s, f"arket '{s}' {HIDDEN[0]}", f"the sheet '{s}' {HIDDEN[1]}")
                        for s in (L.ASSETS.da, L.THREATS.da, R))
         + tuple(("warning", "unused_sheet", f"{s} 2026", f"arket '{s} 2026' har overskrifter som '{s}', men er ikke læst",
                  f"the sheet '{s} 2026' has headers like '{s}' but is not read")
                 for s in (L.ASSETS.da, L.THREATS.da, R))),
    Case("duplicate-headers.xlsx", make_duplicate_headers, "Risici has 'Sandsynlighed' in F1 and K1", 1,
         kind="xlsx", where=(R, "Sandsynlighed"),
         problems=(("error", "duplicate_column", f"{R}!K1",
                    "kolonnen 'Sandsynlighed' findes flere gange (F1 og K1); slet eller omdøb den ene",
                    "the column 'Sandsynlighed' occurs more than once (F1 and K1); delete or rename one of them"),)),
    Case("headers-only.xlsx", make_headers_only, "Aktiver, Trusler and Risici have headers but no rows", 1,
         kind="xlsx", where=(R,),
         problems=tuple(("error", "empty_sheet", s, f"arket '{s}' {EMPTY_SHEET[0]}", f"the sheet '{s}' {EMPTY_SHEET[1]}")
                        for s in (L.ASSETS.da, L.THREATS.da, R))),
    Case("long-cells.xlsx", make_long_cells,
         "32,767-character cells: Risici!J2, D3 (free text, allowed), F4 (Sandsynlighed, invalid), "
         "A5 (Risiko-ID, invalid: an ID has at most 100 characters)", 1,
         kind="xlsx", where=(R, "F4", "A5"),
         problems=(
             ("error", "invalid_id", f"{R}!A5", "er 32.767 tegn langt; et ID må højst have 100 tegn",
              "is 32,767 characters long; an ID may have at most 100 characters"),
             ("error", "unparseable", f"{R}!F4", "er ikke en gyldig sandsynlighed; tilladt: 1–4",
              "is not a valid likelihood; allowed: 1–4"),
         )),
    Case("odd-ids.xlsx", make_odd_ids,
         "IDs with NBSP (Aktiver!A4, allowed: stripped), RTL mark (Aktiver!A5), zero-width space (Risici!B3), "
         "ESC/BEL (Risici!B6), BOM (Risici!A8); 'a-01' vs 'A-01', 'A-02 ' vs 'A-02'", 1,
         kind="xlsx", where=(L.ASSETS.da, "A2", "A6", "A5", "B3", "B6", "A8"),
         da=("U+200F", "U+200B", "U+FEFF"), en=("U+200F", "U+200B", "U+FEFF"),
         problems=(
             ("error", "id_case", "Aktiver!A2", *CASE_RULE),
             ("error", "duplicate_id", "Aktiver!A3", "Aktiv-ID 'A-02' findes flere gange: rækkerne 3 og 7",
              "Aktiv-ID 'A-02' occurs more than once: rows 3 and 7"),
             ("error", "invalid_id", "Aktiver!A5", "Aktiv-ID '\\u200fA-04' indeholder et usynligt tegn (U+200F)",
              "Aktiv-ID '\\u200fA-04' contains an invisible character (U+200F)"),
             ("error", "id_case", "Aktiver!A6", *CASE_RULE),
             ("error", "duplicate_id", "Aktiver!A7", "Aktiv-ID 'A-02' findes flere gange: rækkerne 3 og 7",
              "Aktiv-ID 'A-02' occurs more than once: rows 3 and 7"),
             ("error", "invalid_id", f"{R}!B3", "Aktiv-ID 'A-02\\u200b' indeholder et usynligt tegn (U+200B)",
              "Aktiv-ID 'A-02\\u200b' contains an invisible character (U+200B)"),
             ("error", "unknown_reference", f"{R}!B5",
              "Aktiv-ID 'A-04' findes ikke i arket 'Aktiver'; ID'et i Aktiver!A5 har usynlige tegn eller styretegn",
              "Aktiv-ID 'A-04' is not in the sheet 'Aktiver'; the ID in Aktiver!A5 has invisible or control "
              "characters"),
             ("error", "invalid_id", f"{R}!B6",
              "Aktiv-ID 'A-01\\x1b[2J\\x1b[31m\\x07' indeholder styretegn (U+001B, U+0007)",
              "Aktiv-ID 'A-01\\x1b[2J\\x1b[31m\\x07' contains control characters (U+001B, U+0007)"),
             ("error", "invalid_id", f"{R}!A8", "Risiko-ID '\\ufeffR-007' indeholder et usynligt tegn (U+FEFF)",
              "Risiko-ID '\\ufeffR-007' contains an invisible character (U+FEFF)"),
             ("error", "unknown_reference", f"{R}!B9",
              "Aktiv-ID 'A-04' findes ikke i arket 'Aktiver'; ID'et i Aktiver!A5", "the ID in Aktiver!A5"),
         )),
    Case("near-duplicate-sheets.xlsx", make_near_duplicate_sheets,
         "last round's sheets kept as 'Aktiver.', 'Tru-sler' and 'Rísici' (each folds to a known sheet) next to "
         "this round's Aktiver, Trusler and Risici", 1,
         kind="xlsx", where=(L.ASSETS.da, L.THREATS.da, R, "Rísici"),
         problems=tuple(("error", "duplicate_sheet", s, f"arkene '{s}' og '{old}' læses begge som arket '{s}'",
                         f"the sheets '{s}' and '{old}' both read as the sheet '{en}'")
                        for s, old, en in ((L.ASSETS.da, "Aktiver.", L.ASSETS.en), (L.THREATS.da, "Tru-sler", L.THREATS.en),
                                           (R, "Rísici", L.RISKS.en)))),
    Case("boolean-likelihood.xlsx", make_boolean_likelihood,
         "TRUE in Risici!F2 (Sandsynlighed) above seven cells holding 1; FALSE in Aktiver!H3 (a consequence)", 1,
         kind="xlsx", where=(R, "F2", "H3"), da=("SAND", "FALSK"), en=("SAND", "FALSK"),
         problems=(
             ("error", "unparseable", "Aktiver!H3", "værdien 'FALSK' er ikke en gyldig konsekvens",
              "the value 'FALSK' is not a valid consequence"),
             ("error", "unparseable", f"{R}!F2", "værdien 'SAND' er ikke en gyldig sandsynlighed",
              "the value 'SAND' is not a valid likelihood"),
         )),
    Case("far-dates.xlsx", make_far_dates,
         "Om!B4 Vurderingsdato 2300-01-01; Frist K2:K8 = 31-12-9999 (text), 9999-12-31 (date cell), 2300-01-01, "
         "a date cell before 1900, 0001-01-01, 2958465 (a number), 1900-01-01 (date cell); "
         "Accepteret dato L2 = 1899-12-31", 1,
         kind="xlsx", where=("Om!B4", f"{R}!K2", f"{R}!K3", f"{R}!K5", f"{R}!L2"),
         da=("01-01-1990 og 31-12-2100", "en dato før 1900"), en=("01-01-1990 and 31-12-2100", "a date before 1900"),
         problems=(
             ("error", "unparseable", "Om!B4", "værdien '2300-01-01' er ikke en gyldig dato; tilladt: en dato mellem "
              "01-01-1990 og 31-12-2100", "the value '2300-01-01' is not a valid date; allowed: a date between "
              "01-01-1990 and 31-12-2100"),
             *((("error", "unparseable", f"{R}!{cell}", f"værdien '{shown}' er ikke en gyldig dato",
                 f"the value '{shown}' is not a valid date")
                for cell, shown in (("K2", "31-12-9999"), ("K3", "31-12-9999"), ("K4", "2300-01-01"),
                                    ("K6", "0001-01-01"), ("K7", "2958465"), ("K8", "01-01-1900"),
                                    ("L2", "1899-12-31")))),
             ("error", "unparseable", f"{R}!K5", "værdien (en dato før 1900) er ikke en gyldig dato",
              "the value (a date before 1900) is not a valid date"),
         )),
    Case("wide-sheet.xlsx", make_wide_sheet,
         f"valid round; the Risici header row is filled out to XFD ({WIDE_COLUMNS:,} columns), the data stays in "
         "A:J (validated in well under 5 s, no warnings)", 0, kind="xlsx"),
    Case("external-link.xlsx", make_external_link,
         "Risici!F2, F3 (Sandsynlighed) and D4 (Sårbarhed) are formulas reading another workbook ([1]); only "
         "their cached values are saved", 0,
         kind="xlsx", where=(R, "F2", "F3", "D4"), da=("kan være forældet",), en=("may be stale",),
         problems=tuple(("warning", "external_link", f"{R}!{c}",
                         "henter sin værdi fra en anden arbejdsbog", "takes its value from another workbook")
                        for c in ("F2", "F3", "D4"))),
)  # fmt: skip
BASELINE = "_baseline.xlsx"  # the valid round every case starts from (control file)


def build(directory: Path = HERE) -> list[Path]:
    """(Re)write every corpus file, the baseline and README.md into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    out = [write_xlsx(baseline(), directory / BASELINE)]
    for case in CORPUS:
        case.make(directory / case.file)
        out.append(directory / case.file)
    (directory / "README.md").write_text(readme(), encoding="utf-8")
    return out


def readme() -> str:
    lines = [
        "# Hostile and broken workbooks",
        "",
        "Generated by `python tests/data/bad/make_corpus.py` (deterministic; do not edit by hand).",
        "Every workbook-shaped file is the valid round `_baseline.xlsx` (Om, Aktiver, Trusler, Risici",
        "with the canonical Danish headers) with exactly one thing broken. Expected outcome of",
        "`isms validate FILE` (and `--lang en`): the exit code below, a short message naming the file",
        "(and the sheet/cell listed), never a traceback. `safety.check_file` refuses the files with a",
        "code; the others pass the gate and are judged by the reader.",
        "",
        "| file | what is broken | exit | check_file | message names | message also says (da / en) |",
        "|---|---|---|---|---|---|",
        f"| `{BASELINE}` | nothing (control) | 0 | xlsx | | |",
    ]
    for c in CORPUS:
        gate = f"refused: `{c.code}`" if c.code else c.kind
        names = ", ".join(f"`{w}`" for w in c.where)
        says = " / ".join(", ".join(f"`{w}`" for w in words) for words in (c.da, c.en) if words)
        lines.append(f"| `{c.file}` | {c.broken} | {c.exit} | {gate} | {names} | {says} |")
    lines += [
        "",
        "Exit codes: 0 valid, 1 invalid (every problem listed with its cell), 2 unreadable/refused.",
        "For every file the output has no line longer than 600 characters (long values are cut) and",
        "no raw control or invisible characters (ESC, BEL, zero-width space, RTL mark are shown escaped).",
        "`isms report quarterly --workbook FILE` gives the same exit code and message for every file",
        "except the valid ones, and creates nothing under `--out`.",
        "",
        "## Every problem the reader reports, exactly",
        "",
        "`tests/test_bad_corpus.py` asserts that `validate_workbook(FILE)` reports exactly these",
        "(severity, code, place) and that each message contains the quoted parts.",
        "",
        "| file | severity | code | place | message (da) contains | message (en) contains |",
        "|---|---|---|---|---|---|",
    ]
    for c in CORPUS:
        for sev, code, place, da, en in c.problems:
            cells = (f"`{c.file}`", sev, f"`{code}`", f"`{place}`", da, en)
            lines.append("| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |")
    lines += [
        "",
        "The reader rules behind the exit-1 cases (see `isms_analysis/workbook/` and docs/security.md):",
        "",
        "- Excel error values (`#REF!`, `#DIV/0!`, `#N/A`, ...) and formulas without a cached value are",
        "  errors in their cell when the column is one the reader uses (calamine returns both as empty);",
        "  an error value in a column the reader does not use is a warning; an uncached formula in a",
        "  computed score column or an unused column is ignored (the reader recomputes the score).",
        "- A range merged over more than one data row in a used column is one error at the range",
        "  (`B2:B4`); its empty cells are not reported again as missing.",
        "- A hidden sheet that matches an expected name is reported, never read silently. Two sheets that",
        "  fold to the same expected sheet ('Risici' and 'Rísici', 'Risici_', 'RISICI ', 'Ri-sici') are one",
        "  error naming both; the reader never picks one silently.",
        "- A boolean (TRUE/SAND, FALSE/FALSK) in a numeric column is an error at its own cell; cells",
        "  holding 1 or 0 in the same column keep their own value (Python has True == 1).",
        "- Dates must lie between 01-01-1990 and 31-12-2100 (placeholders such as 31-12-9999 are",
        "  errors at the cell, shown as written; a date cell before 1900 is named as such).",
        "- A formula that reads another workbook (`[1]Ark!A1`) in a used column is a warning at the",
        "  cell: its cached value may be stale.",
        "- Columns to the right of the last recognised header and the last column with data are",
        "  ignored, even when a header row is filled out to XFD.",
        "- A header found twice is an error; a required sheet without rows is an error.",
        "- IDs: surrounding spaces, including no-break spaces, are removed (so 'A-02 ' duplicates",
        "  'A-02'); an ID containing a control (Unicode Cc) or format (Cf: zero-width space, RTL mark,",
        "  BOM, soft hyphen) character is an error at its cell, shown escaped with its code point; an ID",
        "  longer than 100 characters is an error; a sheet's own IDs must not differ only in upper/lower",
        "  case (both cells named). A reference to such a rejected ID names the rejected cell.",
        "",
        "See docs/security.md for the limits and why each case is refused.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    for p in build():
        print(f"{p.stat().st_size:>9,}  {p.relative_to(HERE.parents[2])}")
