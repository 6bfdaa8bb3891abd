"""The report runner hands the workbook it has just read and validated to the notebook's
kernel, which then does not read it again -- unless the file changed since."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest

from isms_analysis import context, workbook
from isms_analysis.context import PREREAD_ENV, preread_key, preread_stamp

SAMPLE = sorted((Path(__file__).resolve().parents[1] / "data" / "sample").glob("*.xlsx"))[-1]


@pytest.fixture
def handed(tmp_path, monkeypatch):
    wb = tmp_path / SAMPLE.name
    shutil.copy(SAMPLE, wb)
    a = workbook.read_workbook(wb)
    folder = tmp_path / "preread"
    folder.mkdir()
    with (folder / preread_key(wb)).open("wb") as fh:
        pickle.dump((preread_stamp(wb), a), fh)
    monkeypatch.setenv(PREREAD_ENV, str(folder))
    return wb, a


def test_the_kernel_uses_the_handed_over_assessment(handed, monkeypatch):
    wb, a = handed

    def no_second_read(*args, **kwargs):
        raise AssertionError("the workbook was read a second time")

    monkeypatch.setattr(workbook, "read_workbook", no_second_read)
    got = context.read_round(wb)
    assert got.meta == a.meta
    assert got.risks.equals(a.risks)


def test_a_changed_file_is_read_again(handed):
    wb, a = handed
    st = wb.stat()
    os.utime(wb, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    got = context.read_round(wb)
    assert got is not a and got.risks.equals(a.risks)


def test_with_activities_the_workbook_is_read_with_the_list(handed, monkeypatch):
    wb, _ = handed
    seen = {}

    def spy(path, **kwargs):
        seen.update(kwargs)
        return "read"

    monkeypatch.setattr(workbook, "read_workbook", spy)
    assert context.read_round(wb, activities="list.csv") == "read" and seen["activities"] == "list.csv"
