"""Fuzzing every importer with hostile files (hypothesis): wrong or missing headers, formulas, huge
and control-character strings, wrong types, far-away cells, empty sheets, CSVs in GBK / GB18030 /
UTF-8 with BOM / UTF-16 with Excel's ="…" quoting, bytes that are no spreadsheet, truncated zips.
Whatever the file, run_import returns a report (no exception reaches the caller, so no 500 and no
dead worker) and a file with a problem writes nothing at all. The number of examples per importer
is CW_FUZZ_EXAMPLES (default 25; `.ci/run` uses the default); the count of files tried is printed.
The cases are derandomised (the same every run) unless CW_FUZZ_RANDOM=1."""

import csv
import io
import os
import zipfile

import openpyxl
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from countyworks.core.backup import table_counts
from countyworks.core.importing import REGISTRY, get_importer, run_import

EXAMPLES = int(os.environ.get("CW_FUZZ_EXAMPLES", "25"))
# the suite (and so CI) replays the same derandomised cases every run: a gate must not fail by luck;
# CW_FUZZ_RANDOM=1 explores new ones (with CW_FUZZ_EXAMPLES=500, say) when hunting
DERANDOMIZE = os.environ.get("CW_FUZZ_RANDOM") != "1"
TRIED = {"files": 0, "refused": 0, "imported": 0}

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
cell = st.one_of(
    st.none(), _text, st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False),
    st.dates(), st.sampled_from(["=1/0", "=HYPERLINK(\"http://evil\",\"x\")", "=SUM(A1:A9)", "+cmd|' /C calc'!A0",
                                 "-1", "1e20", "Infinity", "NaN", "1,2,3", "约1.5亿", "２０２４年", "0x1F", "\x00\x07",
                                 "<script>alert(1)</script>", "' OR 1=1 --", "x" * 5000, "2024-02-30", "24/13/2024"]),
)


def _headers(kind):
    return [c.name for c in get_importer(kind, None).columns]


@st.composite
def hostile_table(draw, kind):
    headers = _headers(kind)
    mode = draw(st.sampled_from(["right", "shuffled", "missing", "extra", "garbage"]))
    if mode == "shuffled":
        headers = draw(st.permutations(headers))
    elif mode == "missing" and len(headers) > 1:
        headers = [h for i, h in enumerate(headers) if i != draw(st.integers(0, len(headers) - 1))]
    elif mode == "extra":
        headers = [*headers, draw(_text)]
    elif mode == "garbage":
        headers = draw(st.lists(_text, min_size=1, max_size=6))
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=len(headers) + 2), max_size=5))
    return headers, rows


def _legal(v):  # what a workbook can hold (control characters reach us through CSV instead)
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", v)[:32000] if isinstance(v, str) else v


def _xlsx(headers, rows, far_cell=None, info_sheet=False):
    wb = openpyxl.Workbook()
    ws = wb.active
    if info_sheet:
        ws.title = "填表说明"
        ws.append(["请按模板填写"])
        ws = wb.create_sheet("数据")
    ws.append([_legal(h) for h in headers])
    for r in rows:
        ws.append([_legal(v) for v in r])
    if far_cell:
        ws[far_cell] = "far"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _csv(headers, rows, encoding, excel_quoting):
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(headers)
    for r in rows:
        w.writerow([(f'="{v}"' if excel_quoting and v is not None else v) for v in r])
    return out.getvalue().encode(encoding, errors="replace")


@st.composite
def hostile_file(draw, kind):
    headers, rows = draw(hostile_table(kind))
    shape = draw(st.sampled_from(["xlsx", "xlsx-info", "xlsx-far", "csv", "bytes", "truncated", "empty", "zip"]))
    if shape == "xlsx":
        return "导入.xlsx", _xlsx(headers, rows)
    if shape == "xlsx-info":
        return "导入.xlsx", _xlsx(headers, rows, info_sheet=True)
    if shape == "xlsx-far":
        return "导入.xlsx", _xlsx(headers, rows, far_cell=draw(st.sampled_from(["XFD1048576", "Z1048576", "AA70000"])))
    if shape == "csv":
        enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"]))
        return "导入.csv", _csv(headers, rows, enc, draw(st.booleans()))
    if shape == "bytes":
        return draw(st.sampled_from(["导入.xlsx", "导入.xls", "导入.csv"])), draw(st.binary(max_size=2000))
    if shape == "truncated":
        data = _xlsx(headers, rows)  # (its length varies with the save time: draw the cut as a fraction)
        return "导入.xlsx", data[: len(data) * draw(st.integers(0, 9999)) // 10000]
    if shape == "zip":  # a zip that is no workbook
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("readme.txt", "not a workbook")
        return "导入.xlsx", buf.getvalue()
    return "导入.xlsx", b""


@pytest.fixture(scope="module", autouse=True)
def _report_count(request):
    yield
    capman = request.config.pluginmanager.getplugin("capturemanager")
    with capman.global_and_fixture_disabled():
        print(f"\n[fuzz] {TRIED['files']} hostile files through {len(REGISTRY)} importers: "
              f"{TRIED['refused']} refused with a message, {TRIED['imported']} imported; 0 exceptions")


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_no_hostile_file_crashes_an_importer_or_writes_half(kind):
    @settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
              deadline=None, database=None, derandomize=DERANDOMIZE)
    @given(hostile_file(kind))
    def attack(named):
        name, data = named
        with transaction.atomic():
            before = table_counts()
            report = run_import(kind, io.BytesIO(data), name, actor=None, commit=True)  # must not raise
            TRIED["files"] += 1
            if report.ok:
                TRIED["imported"] += 1
            else:
                TRIED["refused"] += 1
                assert report.problems and all(p.message for p in report.problems)
                after = table_counts()
                assert after == before, f"a refused file wrote: {set(after.items()) - set(before.items())}"
            transaction.set_rollback(True)  # each example starts from the same database

    attack()
