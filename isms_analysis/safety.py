"""A safety gate that runs before any parser touches a workbook file.

Rule: a file from outside is checked by its *content* (magic bytes and the zip
central directory), never trusted by its extension, and refused with a short
Danish + English message naming the file and saying what to do, before a single
sheet is parsed. The checks are cheap by design: only the zip central directory is
read, plus a bounded prologue (at most :data:`PROLOGUE_BYTES`) of each XML member;
no member is decompressed in full.

Refused:

- a missing, empty, oversized or non-workbook file (CSV, PDF, HTML, text renamed
  ``.xlsx``; the message says what it looks like);
- a damaged or truncated zip (no central directory, members past the end of the
  file, duplicate member names, encrypted or unusually compressed members);
- an OLE2/CFB container: a password-protected OOXML workbook (``EncryptionInfo`` /
  ``EncryptedPackage`` streams) or a legacy ``.xls`` (unsupported: save as .xlsx);
- zip bombs, judged from the *declared* sizes in the central directory: too many
  members, a member or the total unpacking beyond the limits, or a compression
  ratio beyond :attr:`Limits.max_ratio`;
- members whose path is absolute or climbs out with ``..``;
- XML with a ``<!DOCTYPE`` (entity expansion, "billion laughs", external entities)
  — no Office or LibreOffice workbook carries one;
- a worksheet whose declared ``<dimension>`` exceeds :attr:`Limits.max_rows`.

Limits are configuration: :meth:`Limits.from_env` reads ``ISMS_MAX_FILE_MB``,
``ISMS_MAX_UNCOMPRESSED_MB``, ``ISMS_MAX_MEMBER_MB``, ``ISMS_MAX_ZIP_RATIO``,
``ISMS_ZIP_RATIO_GRACE_MB``, ``ISMS_MAX_ZIP_MEMBERS`` and ``ISMS_MAX_ROWS``.
"""

from __future__ import annotations

import os
import re
import struct
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path, PurePosixPath

from .errors import UserError, WorkbookError

__all__ = ["PROLOGUE_BYTES", "FileRefused", "Limits", "check_file"]

MB = 1024 * 1024
PROLOGUE_BYTES = 64 * 1024  # bytes of each XML member scanned for a DOCTYPE / dimension
EXCEL_MAX_ROWS = 1_048_576

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
SAFE_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


@dataclass(frozen=True)
class Limits:
    """Ceilings a workbook must stay under before it is parsed (bytes unless named)."""

    max_file_bytes: int = 200 * MB
    max_uncompressed_bytes: int = 1024 * MB  # all members together, as declared
    max_member_bytes: int = 500 * MB  # one member, as declared
    max_ratio: float = 200.0  # declared unpacked size / packed size, per member
    ratio_grace_bytes: int = 50 * MB  # members unpacking to less are not ratio-checked
    max_members: int = 10_000
    max_rows: int = EXCEL_MAX_ROWS  # per worksheet, from its <dimension>

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Limits:
        """Defaults overridden by ``ISMS_*`` environment variables (MB = MiB)."""
        env = os.environ if environ is None else environ
        spec = {
            "max_file_bytes": ("ISMS_MAX_FILE_MB", MB),
            "max_uncompressed_bytes": ("ISMS_MAX_UNCOMPRESSED_MB", MB),
            "max_member_bytes": ("ISMS_MAX_MEMBER_MB", MB),
            "max_ratio": ("ISMS_MAX_ZIP_RATIO", 1),
            "ratio_grace_bytes": ("ISMS_ZIP_RATIO_GRACE_MB", MB),
            "max_members": ("ISMS_MAX_ZIP_MEMBERS", 1),
            "max_rows": ("ISMS_MAX_ROWS", 1),
        }
        values: dict[str, float | int] = {}
        for f in fields(cls):
            var, unit = spec[f.name]
            raw = env.get(var, "").strip()
            if not raw:
                continue
            try:
                number = float(raw.replace(",", "."))
            except ValueError:
                number = -1.0
            if not number > 0 or number != number or number == float("inf"):
                raise UserError(
                    f"Miljøvariablen {var}={raw!r} skal være et positivt tal.",
                    f"The environment variable {var}={raw!r} must be a positive number.",
                )
            values[f.name] = number if f.name == "max_ratio" else int(number * unit)
        return cls(**values)  # type: ignore[arg-type]


class FileRefused(WorkbookError):
    """The safety gate refused the file (exit 2); ``code`` says why, for tests and logs."""

    def __init__(self, code: str, name: str, da: str, en: str) -> None:
        super().__init__(f"Kan ikke læse '{name}': {da}", f"Cannot read '{name}': {en}")
        self.code = code


_SAVE_DA = "Åbn den i Excel eller LibreOffice, gem den som .xlsx, og prøv igen."
_SAVE_EN = "Open it in Excel or LibreOffice, save it as .xlsx and try again."
_ORIGINAL_DA = "Find den oprindelige arbejdsbog (.xlsx), eller åbn filen i Excel og gem den som .xlsx."
_ORIGINAL_EN = "Find the original workbook (.xlsx), or open the file in Excel and save it as .xlsx."
_DAMAGED_DA = "Hent eller kopiér filen igen, eller åbn den i Excel og gem den som .xlsx."
_DAMAGED_EN = "Download or copy the file again, or open it in Excel and save it as .xlsx."
_HOSTILE_DA = "Filen er ikke gemt af Excel eller LibreOffice; brug ikke filen, og få en ny kopi fra afsenderen."
_HOSTILE_EN = "The file was not saved by Excel or LibreOffice; do not use it, and get a new copy from the sender."


def _num(n: float, lang: str) -> str:
    """A whole number with the thousands separator of the language (Danish: 1.048.576)."""
    text = f"{n:,.0f}"
    return text.replace(",", ".") if lang == "da" else text


def _mb(n: float, lang: str) -> str:
    return f"{_num(n / MB, lang)} MB" if n >= MB else f"{_num(n, lang)} byte" + ("" if lang == "da" else "s")


# -- what a non-workbook looks like -----------------------------------------------------------
_MAGIC_KINDS: tuple[tuple[bytes, str, str, str], ...] = (
    (b"%PDF", "pdf", "en PDF", "a PDF"),
    (b"{\\rtf", "rtf", "et RTF-dokument", "an RTF document"),
    (b"\x89PNG", "image", "et billede (PNG)", "an image (PNG)"),
    (b"\xff\xd8\xff", "image", "et billede (JPEG)", "an image (JPEG)"),
    (b"GIF8", "image", "et billede (GIF)", "an image (GIF)"),
    (b"\x1f\x8b", "archive", "et gzip-arkiv", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "archive", "et 7-Zip-arkiv", "a 7-Zip archive"),
    (b"Rar!", "archive", "et RAR-arkiv", "a RAR archive"),
)


def _as_text(head: bytes) -> str | None:
    """The head decoded as text, or None when it looks binary."""
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom) :].decode(enc, errors="ignore")
    if b"\x00" in head:
        return None
    text = head.decode("utf-8", errors="ignore") or head.decode("cp1252", errors="ignore")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return text if text and printable / len(text) > 0.95 else None


def _describe(head: bytes) -> tuple[str, str, str]:
    """(code, Danish, English) description of a file that is not a zip or OLE2 container."""
    for magic, code, da, en in _MAGIC_KINDS:
        if head.startswith(magic):
            return code, da, en
    text = _as_text(head)
    if text is None:
        return "unknown", "en ukendt binær fil", "an unknown binary file"
    low = text.lstrip().lower()
    if low.startswith(("<!doctype html", "<html")) or "<html" in low[:1024]:
        return (
            "html",
            "en HTML-side (fx en eksport fra et webbaseret system)",
            "an HTML page (e.g. an export from a web system)",
        )
    if low.startswith("<?xml") or low.startswith("<"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in low or 'progid="excel.sheet"' in low:
            return "spreadsheetml", "et XML-regneark fra Excel 2003", "an Excel 2003 XML spreadsheet"
        return "xml", "en XML-fil", "an XML file"
    lines = [ln for ln in text.splitlines()[:5] if ln.strip()]
    if lines and any(sep in lines[0] for sep in (";", ",", "\t")):
        return "csv", "en CSV-/tekstfil", "a CSV/text file"
    return "text", "en tekstfil", "a text file"


# -- OLE2 / compound file binary ----------------------------------------------------------------
_ENDOFCHAIN = 0xFFFFFFFE
_MAX_SECTOR = 0xFFFFFFFA


def _ole_names(path: Path, size: int) -> set[str]:
    """Names of the entries in an OLE2 (CFB) directory; reads only header, FAT entries and directory."""
    with path.open("rb") as fh:
        header = fh.read(512)
        if len(header) < 512:
            raise ValueError("short header")
        shift = struct.unpack_from("<H", header, 0x1E)[0]
        if shift not in (9, 12):
            raise ValueError("bad sector size")
        ss = 1 << shift
        n_sectors = max(0, size // ss - 1)
        (first_dir,) = struct.unpack_from("<I", header, 0x30)
        difat_start, n_difat = struct.unpack_from("<II", header, 0x44)
        difat = [s for s in struct.unpack_from("<109I", header, 0x4C) if s <= _MAX_SECTOR]
        per = ss // 4
        sector = difat_start
        for _ in range(min(n_difat, n_sectors)):
            if sector > _MAX_SECTOR:
                break
            fh.seek((sector + 1) * ss)
            block = struct.unpack(f"<{per}I", fh.read(ss))
            difat.extend(s for s in block[:-1] if s <= _MAX_SECTOR)
            sector = block[-1]

        def fat_next(sec: int) -> int:
            idx = sec // per
            if idx >= len(difat):
                raise ValueError("FAT too short")
            fh.seek((difat[idx] + 1) * ss + (sec % per) * 4)
            data = fh.read(4)
            if len(data) < 4:
                raise ValueError("FAT past end of file")
            return struct.unpack("<I", data)[0]

        names: set[str] = set()
        seen: set[int] = set()
        sec = first_dir
        while sec != _ENDOFCHAIN:
            if sec > _MAX_SECTOR or sec in seen or sec >= n_sectors or len(seen) > 100_000:
                raise ValueError("bad directory chain")
            seen.add(sec)
            fh.seek((sec + 1) * ss)
            block = fh.read(ss)
            for off in range(0, len(block) - 127, 128):
                n_len = struct.unpack_from("<H", block, off + 64)[0]
                if block[off + 66] in (1, 2, 5) and 2 <= n_len <= 64:
                    names.add(block[off : off + n_len - 2].decode("utf-16-le", errors="replace"))
            sec = fat_next(sec)
    return names


def _check_ole(path: Path, size: int) -> str:
    name = path.name
    try:
        streams = _ole_names(path, size)
    except (ValueError, struct.error, OSError):
        raise FileRefused(
            "corrupt",
            name,
            f"filen er en beskadiget Office-fil. {_DAMAGED_DA}",
            f"the file is a damaged Office file. {_DAMAGED_EN}",
        ) from None
    if streams & {"EncryptionInfo", "EncryptedPackage"}:
        raise FileRefused(
            "encrypted",
            name,
            "arbejdsbogen er beskyttet med adgangskode (krypteret). Åbn den i Excel med adgangskoden, "
            "gem den uden adgangskode (Filer > Info > Beskyt projektmappe > Krypter med adgangskode: tom), og prøv igen.",
            "the workbook is password protected (encrypted). Open it in Excel with the password, "
            "save it without a password (File > Info > Protect Workbook > Encrypt with Password: empty) and try again.",
        )
    if streams & {"Workbook", "Book"}:
        raise FileRefused(
            "xls",
            name,
            f"filen er i det gamle Excel-format (.xls, Excel 97-2003), som ikke understøttes. {_SAVE_DA}",
            f"the file is in the old Excel format (.xls, Excel 97-2003), which is not supported. {_SAVE_EN}",
        )
    if "WordDocument" in streams:
        da, en = "et Word-dokument (.doc)", "a Word document (.doc)"
    elif "PowerPoint Document" in streams:
        da, en = "en PowerPoint-præsentation (.ppt)", "a PowerPoint presentation (.ppt)"
    else:
        da, en = "et ældre Office-dokument (OLE2)", "an old-style Office document (OLE2)"
    raise FileRefused(
        "not_a_workbook",
        name,
        f"filen er {da}, ikke en Excel-arbejdsbog. {_ORIGINAL_DA}",
        f"the file is {en}, not an Excel workbook. {_ORIGINAL_EN}",
    )


# -- zip containers ---------------------------------------------------------------------------
_ROOT_START = re.compile(rb"<[A-Za-z_:]")
_DIMENSION = re.compile(
    rb"<(?:[\w.-]+:)?dimension\s+ref\s*=\s*[\"']\$?[A-Za-z]*\$?(\d*)(?::\$?[A-Za-z]*\$?(\d+))?[\"']"
)


def _unsafe_member_name(member: str) -> bool:
    norm = member.replace("\\", "/")
    return (
        norm.startswith("/")
        or re.match(r"^[A-Za-z]:", norm) is not None
        or ".." in PurePosixPath(norm).parts
        or "\x00" in norm
    )


def _prologue_problem(buf: bytes) -> tuple[str, int]:
    """Scan an XML member's prologue: ("doctype" | "entity" | "long" | "", offset of the root element)."""
    if buf.startswith((b"\xff\xfe", b"\xfe\xff")) or buf[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        enc = "utf-16-be" if buf.startswith(b"\xfe\xff") or buf[:1] == b"\x00" else "utf-16-le"
        buf = buf.decode(enc, errors="ignore").encode("utf-8")
    pos = 3 if buf.startswith(b"\xef\xbb\xbf") else 0
    n = len(buf)
    while pos < n:
        while pos < n and buf[pos] in b" \t\r\n":
            pos += 1
        if pos >= n:
            return "", -1
        if buf.startswith(b"<?", pos):
            end, close = buf.find(b"?>", pos + 2), 2
        elif buf.startswith(b"<!--", pos):
            end, close = buf.find(b"-->", pos + 4), 3
        elif buf[pos : pos + 9].upper() == b"<!DOCTYPE":
            return ("entity" if b"<!ENTITY" in buf.upper() else "doctype"), pos
        elif _ROOT_START.match(buf, pos):
            return "", pos
        else:  # text or something odd before the root: not XML; the parser will say so
            return "", -1
        if end < 0:
            return ("long" if n >= PROLOGUE_BYTES else ""), -1
        pos = end + close
    return "", -1


def _kind(zf: zipfile.ZipFile, names: set[str], name: str) -> str:
    if "mimetype" in names:
        with zf.open("mimetype") as fh:
            mimetype = fh.read(200).strip()
        if mimetype == ODS_MIMETYPE:
            return "ods"
        if mimetype.startswith(b"application/vnd.oasis.opendocument"):
            raise FileRefused(
                "not_a_workbook",
                name,
                f"filen er et OpenDocument-dokument, men ikke et regneark. {_ORIGINAL_DA}",
                f"the file is an OpenDocument file, but not a spreadsheet. {_ORIGINAL_EN}",
            )
    if "[Content_Types].xml" in names:
        if "xl/workbook.bin" in names:
            raise FileRefused(
                "xlsb",
                name,
                f"filen er en binær Excel-arbejdsbog (.xlsb), som ikke understøttes. {_SAVE_DA}",
                f"the file is a binary Excel workbook (.xlsb), which is not supported. {_SAVE_EN}",
            )
        if any(n.startswith("xl/") for n in names):
            with zf.open("[Content_Types].xml") as fh:
                types = fh.read(PROLOGUE_BYTES).lower()
            macro = b"macroenabled" in types or "xl/vbaProject.bin" in names
            return "xlsm" if macro else "xlsx"
        if "word/document.xml" in names:
            da, en = "et Word-dokument (.docx)", "a Word document (.docx)"
        elif "ppt/presentation.xml" in names:
            da, en = "en PowerPoint-præsentation (.pptx)", "a PowerPoint presentation (.pptx)"
        else:
            da, en = "et Office-dokument", "an Office document"
    else:
        da, en = "et zip-arkiv", "a zip archive"
    raise FileRefused(
        "not_a_workbook",
        name,
        f"filen er {da}, ikke en Excel-arbejdsbog. {_ORIGINAL_DA}",
        f"the file is {en}, not an Excel workbook. {_ORIGINAL_EN}",
    )


def _bomb(name: str, member: str, unpacked: int, packed: int, limit: str, value: float, var: str) -> None:
    """Refuse a zip whose declared sizes exceed a limit (nothing has been decompressed)."""
    ratio_da, ratio_en = _num(unpacked / max(packed, 1), "da"), _num(unpacked / max(packed, 1), "en")
    if member:
        what_da = (
            f"delen {member[:80]!r} pakkes ud til {_mb(unpacked, 'da')} fra {_mb(packed, 'da')} (forhold {ratio_da}:1)"
        )
        what_en = (
            f"the part {member[:80]!r} unpacks to {_mb(unpacked, 'en')} from {_mb(packed, 'en')} (ratio {ratio_en}:1)"
        )
    else:
        what_da = f"filen pakkes ud til mindst {_mb(unpacked, 'da')}"
        what_en = f"the file unpacks to at least {_mb(unpacked, 'en')}"
    if limit == "max_ratio":
        lim_da, lim_en = f"forhold {_num(value, 'da')}:1", f"ratio {_num(value, 'en')}:1"
    else:
        lim_da, lim_en = _mb(value, "da"), _mb(value, "en")
    raise FileRefused(
        "zip_bomb",
        name,
        f"{what_da}; det ligner en zip-bombe og åbnes ikke (grænse: {lim_da}, se {var}). {_HOSTILE_DA}",
        f"{what_en}; it looks like a zip bomb and is not opened (limit: {lim_en}, see {var}). {_HOSTILE_EN}",
    )


def _check_zip(path: Path, size: int, limits: Limits) -> str:
    name = path.name
    damaged = (
        "corrupt",
        name,
        f"filen er beskadiget eller ufuldstændig (fx en afbrudt kopiering eller download). {_DAMAGED_DA}",
        f"the file is damaged or incomplete (e.g. an interrupted copy or download). {_DAMAGED_EN}",
    )
    try:
        zf = zipfile.ZipFile(path)  # reads the central directory only
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, struct.error):
        raise FileRefused(*damaged) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            raise FileRefused(
                "zip_bomb",
                name,
                f"filen indeholder {_num(len(infos), 'da')} dele (højst {_num(limits.max_members, 'da')} tilladt; "
                f"se ISMS_MAX_ZIP_MEMBERS). {_HOSTILE_DA}",
                f"the file holds {_num(len(infos), 'en')} parts (at most {_num(limits.max_members, 'en')} allowed; "
                f"see ISMS_MAX_ZIP_MEMBERS). {_HOSTILE_EN}",
            )
        total = 0
        names: set[str] = set()
        for info in infos:
            member = info.filename
            if _unsafe_member_name(member):
                raise FileRefused(
                    "unsafe_path",
                    name,
                    f"filen indeholder en del med en ugyldig sti ({member[:80]!r}). {_HOSTILE_DA}",
                    f"the file holds a part with an unsafe path ({member[:80]!r}). {_HOSTILE_EN}",
                )
            if member in names:
                raise FileRefused(
                    "corrupt",
                    name,
                    f"filen indeholder delen {member[:80]!r} to gange. {_HOSTILE_DA}",
                    f"the file holds the part {member[:80]!r} twice. {_HOSTILE_EN}",
                )
            names.add(member)
            if info.flag_bits & 0x1:
                raise FileRefused(
                    "encrypted",
                    name,
                    "dele af filen er krypteret med adgangskode. Gem arbejdsbogen uden adgangskode, og prøv igen.",
                    "parts of the file are encrypted with a password. Save the workbook without a password and try again.",
                )
            if info.compress_type not in SAFE_COMPRESSION:
                raise FileRefused(
                    "corrupt",
                    name,
                    f"filen bruger en ukendt komprimering. {_SAVE_DA}",
                    f"the file uses an unknown compression. {_SAVE_EN}",
                )
            if info.header_offset + info.compress_size > size:
                raise FileRefused(*damaged)
            unpacked, packed = info.file_size, max(info.compress_size, 1)
            total += unpacked
            if unpacked > limits.max_member_bytes:
                _bomb(name, member, unpacked, packed, "max_member_bytes", limits.max_member_bytes, "ISMS_MAX_MEMBER_MB")
            if unpacked >= limits.ratio_grace_bytes and unpacked / packed > limits.max_ratio:
                _bomb(name, member, unpacked, packed, "max_ratio", limits.max_ratio, "ISMS_MAX_ZIP_RATIO")
            if total > limits.max_uncompressed_bytes:
                _bomb(
                    name,
                    "",
                    total,
                    size,
                    "max_uncompressed_bytes",
                    limits.max_uncompressed_bytes,
                    "ISMS_MAX_UNCOMPRESSED_MB",
                )
        try:
            kind = _kind(zf, names, name)
            for info in infos:
                if info.is_dir() or info.file_size == 0:
                    continue
                with zf.open(info) as fh:
                    buf = fh.read(PROLOGUE_BYTES)
                _check_prologue(buf, info.filename, name, limits)
        except FileRefused:
            raise
        except Exception:  # BadZipFile, zlib.error, EOFError, NotImplementedError ... from a broken member
            raise FileRefused(*damaged) from None
    return kind


def _check_prologue(buf: bytes, member: str, name: str, limits: Limits) -> None:
    head = buf.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<") and not head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00<")):
        return  # not XML (images, vbaProject.bin, mimetype)
    problem, root = _prologue_problem(buf)
    if problem:
        what_da = {
            "entity": "XML med entitetsdefinitioner (<!ENTITY>), som kan bruges til at lamme computeren ('billion laughs')",
            "doctype": "XML med en <!DOCTYPE>, som kan hente eksterne data",
            "long": "XML med en unormalt lang indledning",
        }[problem]
        what_en = {
            "entity": "XML with entity declarations (<!ENTITY>), which can be used to exhaust the computer ('billion laughs')",
            "doctype": "XML with a <!DOCTYPE>, which can fetch external data",
            "long": "XML with an abnormally long prologue",
        }[problem]
        raise FileRefused(
            "xml_entities",
            name,
            f"delen {member[:80]!r} indeholder {what_da}. {_HOSTILE_DA}",
            f"the part {member[:80]!r} contains {what_en}. {_HOSTILE_EN}",
        )
    if root >= 0 and member.startswith("xl/worksheets/"):
        m = _DIMENSION.search(buf, root)
        if m:
            last = int(m.group(2) or m.group(1) or 0)
            if last > limits.max_rows:
                raise FileRefused(
                    "too_many_rows",
                    name,
                    f"et ark angiver {_num(last, 'da')} rækker (højst {_num(limits.max_rows, 'da')} tilladt; se ISMS_MAX_ROWS). "
                    "Slet tomme rækker under dataene, gem, og prøv igen.",
                    f"a sheet declares {_num(last, 'en')} rows (at most {_num(limits.max_rows, 'en')} allowed; see ISMS_MAX_ROWS). "
                    "Delete empty rows below the data, save and try again.",
                )


# -- the gate ---------------------------------------------------------------------------------
def check_file(path: str | Path, limits: Limits | None = None) -> str:
    """Check a workbook file before parsing it; return its kind: "xlsx", "xlsm" or "ods".

    Raises :class:`FileRefused` (a :class:`WorkbookError`, exit 2) with a Danish and
    English message naming the file when it is missing, empty, too large, not a
    workbook, damaged, encrypted, a legacy ``.xls``/``.xlsb``, a zip bomb, or
    carries hostile XML. Reads the zip central directory and at most
    :data:`PROLOGUE_BYTES` of each member, never a whole member.
    """
    limits = limits if limits is not None else Limits.from_env()
    p = Path(path)
    name = p.name
    if not p.exists():
        raise FileRefused(
            "missing",
            name,
            "filen findes ikke. Kontrollér stien og filnavnet.",
            "the file does not exist. Check the path and file name.",
        )
    if p.is_dir():
        raise FileRefused(
            "missing",
            name,
            "det er en mappe, ikke en fil. Angiv selve arbejdsbogen.",
            "it is a folder, not a file. Give the workbook itself.",
        )
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise FileRefused(
            "unreadable",
            name,
            f"filen kan ikke åbnes ({exc.strerror}). Kontrollér rettighederne, og luk den i andre programmer.",
            f"the file cannot be opened ({exc.strerror}). Check the permissions and close it in other programs.",
        ) from None
    if size == 0 or not head:
        raise FileRefused(
            "empty", name, f"filen er tom (0 byte). {_ORIGINAL_DA}", f"the file is empty (0 bytes). {_ORIGINAL_EN}"
        )
    if size > limits.max_file_bytes:
        raise FileRefused(
            "too_large",
            name,
            f"filen fylder {_mb(size, 'da')}, mere end grænsen på {_mb(limits.max_file_bytes, 'da')} (se ISMS_MAX_FILE_MB). "
            "Fjern billeder og ubrugte ark, eller hæv grænsen.",
            f"the file is {_mb(size, 'en')}, more than the limit of {_mb(limits.max_file_bytes, 'en')} (see ISMS_MAX_FILE_MB). "
            "Remove pictures and unused sheets, or raise the limit.",
        )
    if head.startswith(OLE_MAGIC):
        return _check_ole(p, size)
    if head.startswith(ZIP_MAGICS):
        return _check_zip(p, size, limits)
    code, da, en = _describe(head)
    raise FileRefused(
        "not_a_workbook",
        name,
        f"filen er {da}, ikke en Excel-arbejdsbog. {_ORIGINAL_DA}",
        f"the file is {en}, not an Excel workbook. {_ORIGINAL_EN}",
    )
