"""A spreadsheet is read in a child process under a memory ceiling: a reader that runs out of
memory or aborts (as python-calamine's Rust does on a failed allocation) ends in the child, and
the import reports it in Chinese — the process that serves everyone else lives on."""

import io
import os

import openpyxl
import pytest

from countyworks.core import isolation
from countyworks.core.importing import run_import
from countyworks.core.models import Enterprise

pytestmark = pytest.mark.django_db


def workbook():
    wb = openpyxl.Workbook()
    wb.active.append(["企业名称", "统一社会信用代码", "所在城市", "产业类别", "企业规模", "联系人", "联系电话"])
    wb.active.append(["江门市隔离测试有限公司", "91440704MA4UWZZZ0X", "江门", "", "小型", "", ""])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_reader_out_of_memory_is_a_message_not_a_dead_process(settings, monkeypatch):
    settings.IMPORT_MEMORY_MB = 512

    def greedy(*a, **k):  # a parser that allocates without bound (2 GB)
        return bytearray(2 * 2**30)

    monkeypatch.setattr(isolation, "read_table", greedy)
    report = run_import("enterprises", io.BytesIO(workbook()), "企业.xlsx", actor=None, commit=True)
    assert not report.ok and "内存超过导入上限（512 MB）" in str(report.problems[0])
    assert not Enterprise.objects.exists()


def test_a_reader_that_aborts_takes_only_its_child(monkeypatch):
    monkeypatch.setattr(isolation, "read_table", lambda *a, **k: os.abort())  # like a Rust allocation failure
    pid = os.getpid()
    report = run_import("enterprises", io.BytesIO(workbook()), "企业.xlsx", actor=None, commit=True)
    assert os.getpid() == pid and not report.ok
    assert "内存超过导入上限" in str(report.problems[0])
    assert not Enterprise.objects.exists()


def test_the_same_file_reads_the_same_in_the_child(settings):
    settings.IMPORT_ISOLATE = True
    isolated = isolation.read_table_isolated(io.BytesIO(workbook()), "企业.xlsx", _columns())
    settings.IMPORT_ISOLATE = False
    direct = isolation.read_table_isolated(io.BytesIO(workbook()), "企业.xlsx", _columns())
    assert isolated.rows == direct.rows and isolated.header_row == direct.header_row


def _columns():
    from countyworks.core.importing import get_importer

    return get_importer("enterprises", None).columns
