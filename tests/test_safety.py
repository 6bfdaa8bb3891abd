"""The pre-read safety gate: every hostile or broken file is refused by content, cheaply."""

from __future__ import annotations

import importlib.util
import struct
import sys
import time
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import pytest

from isms_analysis.errors import UserError, WorkbookError
from isms_analysis.safety import MB, FileRefused, Limits, check_file

BAD = Path(__file__).parent / "data" / "bad"
_spec = importlib.util.spec_from_file_location("make_corpus", BAD / "make_corpus.py")
mc = importlib.util.module_from_spec(_spec)
sys.modules["make_corpus"] = mc
_spec.loader.exec_module(mc)

REFUSED = [c for c in mc.CORPUS if c.code]
PASSING = [c for c in mc.CORPUS if not c.code]


def refused(path: Path, limits: Limits | None = None) -> FileRefused:
    with pytest.raises(FileRefused) as info:
        check_file(path, limits)
    return info.value


def workbook(tmp_path: Path, name: str = "ok.xlsx", n_risks: int = 8) -> Path:
    return mc.write_xlsx(mc.baseline(n_risks), tmp_path / name)


def raw_zip(path: Path, members: dict[str, bytes]) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names on purpose
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in members.items() if isinstance(members, dict) else members:
                zf.writestr(name, data)
    return path


def xlsx_with(tmp_path: Path, member: str, data: bytes) -> Path:
    """The baseline workbook with one member replaced or added."""
    src = workbook(tmp_path, "src.xlsx")
    with zipfile.ZipFile(src) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members[member] = data
    return raw_zip(tmp_path / "patched.xlsx", members)


# -- the corpus -------------------------------------------------------------------------------
@pytest.mark.parametrize("case", REFUSED, ids=lambda c: c.file)
def test_corpus_file_is_refused_with_a_bilingual_message(case) -> None:
    err = refused(BAD / case.file)
    assert isinstance(err, WorkbookError) and err.exit_code == 2
    assert err.code == case.code
    assert err.message("da").startswith(f"Kan ikke læse '{case.file}': ")
    assert err.message("en").startswith(f"Cannot read '{case.file}': ")
    for word in case.da:
        assert word in err.message("da")
    for word in case.en:
        assert word in err.message("en")
    assert "\n" not in err.message("da") and len(err.message("da")) < 400
    assert len(err.message("en")) < 400


@pytest.mark.parametrize("case", PASSING, ids=lambda c: c.file)
def test_well_formed_corpus_files_pass_the_gate(case) -> None:
    # these are broken in their content, which is the reader's job, not the gate's
    assert check_file(BAD / case.file) == case.kind


def test_baseline_and_shipped_templates_pass(tmp_path: Path) -> None:
    assert check_file(BAD / mc.BASELINE) == "xlsx"
    templates = sorted((Path(__file__).parents[1] / "data" / "templates").glob("*.xlsx"))
    for t in templates:  # written by openpyxl, not by the corpus writer
        assert check_file(t) == "xlsx"


@pytest.mark.slow  # several seconds; left out by make test-fast
def test_corpus_is_small_and_up_to_date(tmp_path: Path) -> None:
    mc.build(tmp_path)
    for case in mc.CORPUS:
        committed, fresh = BAD / case.file, tmp_path / case.file
        assert committed.stat().st_size < 300 * 1024, case.file
        if zipfile.is_zipfile(fresh) and zipfile.is_zipfile(committed):
            # compare content (CRCs), not zlib's bytes
            def listing(p: Path) -> list[tuple[str, int, int]]:
                with zipfile.ZipFile(p) as zf:
                    return [(i.filename, i.CRC, i.file_size) for i in zf.infolist()]

            assert listing(committed) == listing(fresh), case.file
        else:
            assert committed.read_bytes() == fresh.read_bytes(), case.file
    assert (BAD / "README.md").read_text(encoding="utf-8") == mc.readme()


# -- what the file is -------------------------------------------------------------------------
def test_missing_file_and_folder(tmp_path: Path) -> None:
    err = refused(tmp_path / "findes-ikke.xlsx")
    assert err.code == "missing" and "findes-ikke.xlsx" in err.da and "does not exist" in err.en
    assert refused(tmp_path).code == "missing"


@pytest.mark.parametrize(
    ("content", "da", "en"),
    [
        (b"<!DOCTYPE html><html><body><table></table></body></html>", "HTML", "HTML"),
        (b'<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?><Workbook/>', "Excel 2003", "Excel 2003"),
        (b"Risiko-ID\tAktiv-ID\nR-1\tA-1\n", "CSV", "CSV"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG", "PNG"),
        (bytes(range(256)) * 4, "ukendt binær", "unknown binary"),
    ],
)
def test_non_workbooks_are_named_by_what_they_look_like(tmp_path: Path, content, da, en) -> None:
    p = tmp_path / "risici.xlsx"
    p.write_bytes(content)
    err = refused(p)
    assert err.code == "not_a_workbook"
    assert da in err.da and "ikke en Excel-arbejdsbog" in err.da
    assert en in err.en and "not an Excel workbook" in err.en


def test_other_office_files_and_plain_zips(tmp_path: Path) -> None:
    docx = raw_zip(tmp_path / "a.xlsx", {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})
    assert "Word" in refused(docx).da
    plain = raw_zip(tmp_path / "b.xlsx", {"data.csv": b"a;b\n"})
    assert "zip-arkiv" in refused(plain).da and "zip archive" in refused(plain).en
    odt = raw_zip(tmp_path / "c.ods", {"mimetype": b"application/vnd.oasis.opendocument.text"})
    assert refused(odt).code == "not_a_workbook"
    xlsb = raw_zip(tmp_path / "d.xlsx", {"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x00"})
    err = refused(xlsb)
    assert err.code == "xlsb" and ".xlsb" in err.da and "gem den som .xlsx" in err.da
    doc = mc.write_cfb([("WordDocument", b"\xec\xa5")], tmp_path / "e.xls")
    assert "Word" in refused(doc).da and refused(doc).code == "not_a_workbook"


def test_kinds_are_detected_by_content_not_extension(tmp_path: Path) -> None:
    src = workbook(tmp_path)
    renamed = tmp_path / "risici.ods"
    renamed.write_bytes(src.read_bytes())
    assert check_file(renamed) == "xlsx"
    with zipfile.ZipFile(src) as zf:
        types = zf.read("[Content_Types].xml")
    macro = types.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")
    assert check_file(xlsx_with(tmp_path, "[Content_Types].xml", macro)) == "xlsm"
    ods = raw_zip(
        tmp_path / "x.xlsx",
        {"mimetype": mc_ods_mimetype(), "content.xml": b'<?xml version="1.0"?><office:document-content/>'},
    )
    assert check_file(ods) == "ods"
    legacy_named_xlsx = tmp_path / "legacy.xlsx"
    legacy_named_xlsx.write_bytes((BAD / "legacy.xls").read_bytes())
    assert refused(legacy_named_xlsx).code == "xls"
    encrypted_named_xls = tmp_path / "encrypted.xls"
    encrypted_named_xls.write_bytes((BAD / "encrypted.xlsx").read_bytes())
    assert refused(encrypted_named_xls).code == "encrypted"


def mc_ods_mimetype() -> bytes:
    return b"application/vnd.oasis.opendocument.spreadsheet"


def test_damaged_ole_container(tmp_path: Path) -> None:
    p = tmp_path / "x.xls"
    data = (BAD / "legacy.xls").read_bytes()
    p.write_bytes(data[:700])  # the directory sector is gone
    assert refused(p).code == "corrupt"


# -- zip structure ----------------------------------------------------------------------------
@pytest.mark.parametrize("member", ["../../etc/evil.xml", "/etc/evil.xml", "C:\\evil.xml", "xl\\..\\..\\evil.xml"])
def test_members_escaping_the_archive_are_refused(tmp_path: Path, member: str) -> None:
    err = refused(xlsx_with(tmp_path, member, b"<x/>"))
    assert err.code == "unsafe_path" and "ugyldig sti" in err.da and "unsafe path" in err.en


def test_duplicate_member_names_are_refused(tmp_path: Path) -> None:
    src = workbook(tmp_path)
    with zipfile.ZipFile(src) as zf:
        members = [(i.filename, zf.read(i)) for i in zf.infolist()]
    members.append(("xl/worksheets/sheet4.xml", b"<worksheet/>"))
    err = refused(raw_zip(tmp_path / "dup.xlsx", members))
    assert err.code == "corrupt" and "to gange" in err.da and "twice" in err.en


def test_member_pointing_past_the_end_is_corrupt(tmp_path: Path) -> None:
    src = workbook(tmp_path)
    data = bytearray(src.read_bytes())
    cd = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, cd + 20, 10**8)  # compressed size of the first member
    src.write_bytes(bytes(data))
    assert refused(src).code == "corrupt"


# -- zip bombs --------------------------------------------------------------------------------
def _declared(path: Path, member: str, size: int) -> None:
    """Rewrite the central directory's declared uncompressed size of ``member`` (nothing else)."""
    data = bytearray(path.read_bytes())
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos + 1)) >= 0:
        n_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46 : pos + 46 + n_len].decode() == member:
            struct.pack_into("<I", data, pos + 24, size)
    path.write_bytes(bytes(data))


def test_zip_bomb_is_refused_without_decompressing() -> None:
    tracemalloc.start()
    t0 = time.perf_counter()
    err = refused(BAD / "zipbomb.xlsx")
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert err.code == "zip_bomb" and "sheet4.xml" in err.da and "160 MB" in err.da
    assert elapsed < 0.5  # decompressing 160 MiB takes seconds
    assert peak < 5 * MB


def test_declared_sizes_decide_before_any_decompression(tmp_path: Path) -> None:
    p = workbook(tmp_path)
    _declared(p, "xl/worksheets/sheet4.xml", 4_000_000_000)  # a lie the gate must believe
    err = refused(p)
    assert err.code == "zip_bomb" and "ISMS_MAX_MEMBER_MB" in err.da


def test_each_limit_refuses_a_normal_workbook_when_tiny(tmp_path: Path) -> None:
    p = workbook(tmp_path)
    size = p.stat().st_size
    assert refused(p, Limits(max_file_bytes=size - 1)).code == "too_large"
    assert check_file(p, Limits(max_file_bytes=size)) == "xlsx"
    assert refused(p, Limits(max_uncompressed_bytes=5000)).code == "zip_bomb"
    assert refused(p, Limits(max_member_bytes=2000)).code == "zip_bomb"
    assert refused(p, Limits(max_members=8)).code == "zip_bomb"
    assert check_file(p, Limits(max_members=9)) == "xlsx"  # 5 package parts + 4 sheets
    assert refused(p, Limits(max_ratio=2, ratio_grace_bytes=0)).code == "zip_bomb"
    assert check_file(p, Limits(max_ratio=2)) == "xlsx"  # small members are not ratio-checked
    err = refused(p, Limits(max_rows=8))  # Risici declares A1:J9
    assert err.code == "too_many_rows" and "9 rækker" in err.da and "9 rows" in err.en
    assert check_file(p, Limits(max_rows=9)) == "xlsx"


def test_dimension_beyond_excel_is_refused_by_default(tmp_path: Path) -> None:
    book = mc.baseline()
    book.sheet("Risici").dimension = "A1:Q2000000"
    err = refused(mc.write_xlsx(book, tmp_path / "big.xlsx"))
    assert err.code == "too_many_rows" and "2.000.000" in err.da and "2,000,000" in err.en


def test_limits_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "ISMS_MAX_FILE_MB": "2",
        "ISMS_MAX_UNCOMPRESSED_MB": "10",
        "ISMS_MAX_MEMBER_MB": "1,5",
        "ISMS_MAX_ZIP_RATIO": "50",
        "ISMS_ZIP_RATIO_GRACE_MB": "1",
        "ISMS_MAX_ZIP_MEMBERS": "100",
        "ISMS_MAX_ROWS": "5000",
    }
    lim = Limits.from_env(env)
    assert lim == Limits(2 * MB, 10 * MB, int(1.5 * MB), 50.0, 1 * MB, 100, 5000)
    assert Limits.from_env({}) == Limits()
    assert Limits().max_file_bytes == 200 * MB and Limits().max_uncompressed_bytes == 1024 * MB
    assert Limits().max_member_bytes == 500 * MB and Limits().max_ratio == 200
    assert Limits().max_members == 10_000 and Limits().max_rows == 1_048_576
    with pytest.raises(UserError) as info:
        Limits.from_env({"ISMS_MAX_ZIP_RATIO": "mange"})
    assert "ISMS_MAX_ZIP_RATIO" in info.value.da and info.value.exit_code == 2
    with pytest.raises(UserError):
        Limits.from_env({"ISMS_MAX_FILE_MB": "-1"})
    # check_file without limits reads the environment
    p = workbook(tmp_path)
    monkeypatch.setenv("ISMS_MAX_FILE_MB", "0.001")
    err = refused(p)
    assert err.code == "too_large" and "ISMS_MAX_FILE_MB" in err.da
    monkeypatch.setenv("ISMS_MAX_FILE_MB", "1")
    assert check_file(p) == "xlsx"


# -- hostile XML ------------------------------------------------------------------------------
DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@pytest.mark.parametrize(
    ("xml", "word"),
    [
        (DECL + b'<!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet>&a;</worksheet>', "ENTITY"),
        (DECL + b'<!DOCTYPE x SYSTEM "http://example.invalid/x.dtd"><worksheet/>', "DOCTYPE"),
        (DECL + b'<!-- <worksheet> --><!doctype x [<!ENTITY a "b">]><worksheet/>', "ENTITY"),
        (DECL + b"<?pi <worksheet>?>\n<!DOCTYPE x><worksheet/>", "DOCTYPE"),
        ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><w/>'.encode("utf-16"), "ENTITY"),
    ],
)
def test_doctype_anywhere_in_the_prologue_is_refused(tmp_path: Path, xml: bytes, word: str) -> None:
    err = refused(xlsx_with(tmp_path, "xl/worksheets/sheet4.xml", xml))
    assert err.code == "xml_entities" and word in err.da and word in err.en
    assert "sheet4.xml" in err.da


def test_doctype_after_the_root_element_is_left_to_the_parser(tmp_path: Path) -> None:
    # not a prologue: no parser expands it (it is not well-formed), so the gate does not look
    xml = DECL + b"<worksheet><sheetData/></worksheet>" + b" " * 100 + b"<!-- <!DOCTYPE x> -->"
    assert check_file(xlsx_with(tmp_path, "xl/worksheets/sheet4.xml", xml)) == "xlsx"


def test_an_endless_prologue_is_refused(tmp_path: Path) -> None:
    xml = DECL + b"<!--" + b"x" * (70 * 1024) + b"--><worksheet/>"
    err = refused(xlsx_with(tmp_path, "xl/worksheets/sheet4.xml", xml))
    assert err.code == "xml_entities" and "lang indledning" in err.da


def test_openpyxl_uses_defusedxml() -> None:
    import openpyxl

    assert openpyxl.DEFUSEDXML is True
    with pytest.raises(Exception) as info:  # noqa: B017 - openpyxl wraps the defusedxml error
        openpyxl.load_workbook(BAD / "billion-laughs.xlsx")
    chain, exc = [], info.value
    while exc is not None:
        chain.append(type(exc).__module__)
        exc = exc.__cause__ or exc.__context__
    assert any(m.startswith("defusedxml") for m in chain)


def test_calamine_does_not_expand_entities() -> None:
    # documented in docs/security.md: calamine (quick-xml) refuses undeclared entities
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(BAD / "billion-laughs.xlsx"))
    t0 = time.perf_counter()
    with pytest.raises(Exception, match="entity"):
        wb.get_sheet_by_name("Om").to_python()
    assert time.perf_counter() - t0 < 1


# -- speed ------------------------------------------------------------------------------------
@pytest.mark.slow  # several seconds; left out by make test-fast
def test_a_20000_risk_workbook_is_checked_in_milliseconds(tmp_path: Path) -> None:
    p = workbook(tmp_path, "stor.xlsx", n_risks=20_000)
    check_file(p)  # warm the page cache
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        assert check_file(p) == "xlsx"
        times.append(time.perf_counter() - t0)
    assert sorted(times)[2] < 0.05, times
