"""Tests for countyworks.core.spreadsheets (no Django: run with ``-p no:django``)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from countyworks.core.spreadsheets import (
    Column,
    SpreadsheetError,
    normalize_header,
    read_rows,
    read_table,
    write_errors_xlsx,
    write_template,
    write_xlsx,
)

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def settings():
    """Stand-in for pytest-django's ``settings``, which the package conftest requests for every
    test: this module needs no Django and must also run with ``-p no:django``."""
    return SimpleNamespace()


TITLE = "江海区2024年第10周乡村绿化进度表"
FOOTER = "填报单位：礼乐街道 填报人：张三 联系电话：0750-1234567"
GREENING = [
    Column("序号", required=False),
    Column("村（社区）", aliases=("村", "社区")),
    Column("已落实苗木", aliases=("苗木已落实",)),  # found as upper+lower of the two-row header
    Column("计划"),  # the lower header cell alone
    Column("植树日期", aliases=("植树",)),  # vertically merged over both header rows
    Column("备注", required=False),
]


def build_messy_workbook() -> openpyxl.Workbook:
    """The sheet offices really send, starting in column B under a hidden first sheet.

    Row 1 merged title, 2 blank, 3 "单位：万元", 4–5 two-row merged header, 6–9 data with a
    blank row 8, 10 合计, 11–13 footer lines. Also used by fixtures/make_fixtures.py.
    """
    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "隐藏"
    hidden["A1"] = "这张表被隐藏，不应读取"
    hidden.sheet_state = "hidden"
    ws = wb.create_sheet("绿化进度")
    wb.active = 1
    ws["B1"] = TITLE
    ws.merge_cells("B1:F1")
    ws["B3"] = "单位：万元"
    for col, text in zip("BCDF", ["序号", "村（社区）", "苗木", "植树"], strict=True):
        ws[f"{col}4"] = text
    ws["D5"], ws["E5"] = "已落实", "计划"
    for cells in ("B4:B5", "C4:C5", "D4:E4", "F4:F5"):
        ws.merge_cells(cells)
    data = {
        6: [1, "礼乐村", 10, 12.5, dt.date(2024, 3, 1)],
        7: [2, "威东村", 3, 4, dt.date(2024, 3, 2)],
        9: [3, "乐民社区", 0, 1.25, None],
        10: [None, "合 计", 13, 17.75, None],
        11: [FOOTER],
        12: ["审核人：李四"],
        13: ["备注：植树日期为实际完成日期"],
    }
    for row, values in data.items():
        for col, value in zip("BCDEF", values, strict=False):
            ws[f"{col}{row}"] = value
    ws.merge_cells("B11:F11")
    for row in (6, 7, 9):
        ws[f"F{row}"].number_format = "yyyy-mm-dd"
    return wb


def check_messy_table(table) -> None:
    assert table.header_row == 5
    assert table.title == TITLE
    assert table.mapping == {"序号": 1, "村（社区）": 2, "已落实苗木": 3, "计划": 4, "植树日期": 5}
    assert table.missing == [] and table.extra == []
    assert [n for n, _ in table.rows] == [6, 7, 9]
    assert table.rows[0][1] == {
        "序号": 1,
        "村（社区）": "礼乐村",
        "已落实苗木": 10,
        "计划": 12.5,
        "植树日期": dt.date(2024, 3, 1),
    }
    assert table.rows[2][1]["植树日期"] == ""
    assert table.blank_rows == 1
    assert table.skipped == [
        (10, "合计行，已跳过"),
        (11, "表尾说明行，已跳过"),
        (12, "表尾说明行，已跳过"),
        (13, "表尾说明行，已跳过"),
    ]


@pytest.fixture
def messy_xlsx(tmp_path: Path) -> Path:
    path = tmp_path / "绿化进度.xlsx"
    build_messy_workbook().save(path)
    return path


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("*企业名称", "企业名称"),
        ("＊企业名称＊", "企业名称"),
        (" 村（社区）\n", "村(社区)"),
        ("企业\u3000名称", "企业名称"),
        ("ＥＭＡＩＬ地址", "email地址"),
        ("Email", "email"),
        (None, ""),
        (2024, "2024"),
    ],
)
def test_normalize_header(raw, expected):
    assert normalize_header(raw) == expected


@given(st.text())
def test_normalize_header_is_idempotent(text):
    once = normalize_header(text)
    assert normalize_header(once) == once


# --------------------------------------------------------------------------- reading


def test_messy_sheet_from_path_and_filelike(messy_xlsx: Path):
    check_messy_table(read_table(messy_xlsx, messy_xlsx.name, GREENING))
    with open(messy_xlsx, "rb") as fh:
        check_messy_table(read_table(fh, "upload.XLSX", GREENING))


def test_row_numbers_match_excel(messy_xlsx: Path):
    """calamine starts iter_rows at the first used column; cells must still start at column A."""
    rows = dict(read_rows(messy_xlsx, "a.xlsx"))
    assert rows[1][1] == TITLE and rows[1][0] == ""
    assert rows[6][1:3] == [1, "礼乐村"]
    assert max(rows) == 13


@pytest.mark.parametrize("name", ["greening_lo.xlsx", "greening_lo.xls", "greening_lo.ods"])
def test_libreoffice_files_read_the_same(name):
    check_messy_table(read_table(FIXTURES / name, name, GREENING))


def test_single_header_row_extra_and_missing(tmp_path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业名录"])
    ws.append([])
    ws.append(["序号", "*企业名称", "信用代码", "法人代表", "金额（万元）"])
    ws.append([1, "江门市甲有限公司", "91440700MA00000001", "王五", 12])
    ws.append(["合计：", None, None, None, 12])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    columns = [
        Column("企业名称"),
        Column("统一社会信用代码", aliases=("信用代码", "社会信用代码")),
        Column("联系电话"),
        Column("金额", required=False),
    ]
    table = read_table(path, "t.xlsx", columns)
    assert table.header_row == 3 and table.title == "企业名录"
    assert table.mapping == {"企业名称": 1, "统一社会信用代码": 2, "金额": 4}
    assert table.missing == ["联系电话"]
    assert table.extra == ["序号", "法人代表"]
    assert table.rows == [
        (4, {"企业名称": "江门市甲有限公司", "统一社会信用代码": "91440700MA00000001", "金额": 12})
    ]
    assert table.skipped == [(5, "合计行，已跳过")]


def test_repeated_header_and_rows_without_wanted_values(tmp_path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (
        ["姓名", "电话"],
        ["张三", "1"],
        ["姓名", "电话"],
        [None, None, "只有备注"],
        ["李四", "2"],
        [],
        [],
    ):
        ws.append(row)
    path = tmp_path / "t.xlsx"
    wb.save(path)
    table = read_table(path, "t.xlsx", [Column("姓名"), Column("电话")])
    assert [n for n, _ in table.rows] == [2, 5]
    assert table.skipped == [(3, "重复的表头行，已跳过"), (4, "所需各列均未填写，已跳过")]
    assert table.blank_rows == 0  # trailing blank rows are not counted


def test_header_not_found(messy_xlsx: Path):
    with pytest.raises(SpreadsheetError, match="未找到表头行：应包含列 统一社会信用代码、企业名称"):
        read_table(messy_xlsx, "a.xlsx", [Column("统一社会信用代码"), Column("企业名称")])


def test_header_beyond_scan_limit(tmp_path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A5"], ws["B5"] = "姓名", "电话"
    path = tmp_path / "t.xlsx"
    wb.save(path)
    assert read_table(path, "t.xlsx", [Column("姓名")]).header_row == 5
    with pytest.raises(SpreadsheetError):
        read_table(path, "t.xlsx", [Column("姓名")], max_header_scan=4)


# --------------------------------------------------------------------------- CSV

CSV_COLUMNS = [
    Column("企业名称"),
    Column("统一社会信用代码", aliases=("信用代码",)),
    Column("金额", required=False),
]


def test_csv_gbk_comma():
    text = "企业名录\r\n企业名称,信用代码,金额\r\n江门市甲有限公司,91440700MA00000001,1.5\r\n合计,,1.5\r\n"
    table = read_table(io.BytesIO(text.encode("gbk")), "名录.csv", CSV_COLUMNS)
    assert table.header_row == 2 and table.title == "企业名录"
    assert table.rows == [
        (3, {"企业名称": "江门市甲有限公司", "统一社会信用代码": "91440700MA00000001", "金额": "1.5"})
    ]
    assert table.skipped == [(4, "合计行，已跳过")]


def test_csv_utf8_bom_semicolon(tmp_path: Path):
    path = tmp_path / "名录.csv"
    text = (
        '企业名称;统一社会信用代码;金额\n"甲;乙公司";91440700MA00000001;1,5\n\n丙公司;91440700MA00000002;2\n'
    )
    path.write_bytes(text.encode("utf-8-sig"))
    table = read_table(path, path.name, CSV_COLUMNS)
    assert table.header_row == 1
    assert table.mapping == {"企业名称": 0, "统一社会信用代码": 1, "金额": 2}
    assert table.rows[0] == (
        2,
        {"企业名称": "甲;乙公司", "统一社会信用代码": "91440700MA00000001", "金额": "1,5"},
    )
    assert table.rows[1][0] == 4 and table.blank_rows == 1


def test_csv_tab_separated_utf8():
    text = "企业名称\t信用代码\n甲公司\t91440700MA00000001\n"
    assert list(read_rows(io.BytesIO(text.encode()), "a.csv")) == [
        (1, ["企业名称", "信用代码"]),
        (2, ["甲公司", "91440700MA00000001"]),
    ]


# --------------------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x00\x01garbage" * 50, "a.xlsx", "无法读取文件"),
        (b"PK\x03\x04broken zip", "a.xlsx", "无法读取文件"),
        (b"\xef\xbb\xbf<html><table><tr><td>1</td></tr></table></html>", "export.xls", "网页（HTML）格式"),
        (b"", "a.xlsx", "文件为空"),
        (b"", "a.csv", "文件为空"),
        (b"a,b", "a.docx", "不支持的文件类型“.docx”"),
        (b"a,b", "noextension", "不支持的文件类型"),
        (b"PK\x03\x04", "a.csv", "内容是 Excel 表格"),
        # an Excel-encrypted .xlsx is an OLE container with an EncryptedPackage stream
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512 + "EncryptedPackage".encode("utf-16-le"),
            "a.xlsx",
            "密码",
        ),
    ],
)
def test_unreadable_files(content, name, message):
    with pytest.raises(SpreadsheetError, match=message):
        read_rows(io.BytesIO(content), name)


def test_password_protected_xls():
    with pytest.raises(SpreadsheetError, match="文件设置了打开密码"):
        read_rows(FIXTURES / "password_lo.xls", "password_lo.xls")


def test_empty_workbook(tmp_path: Path):
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(SpreadsheetError, match="表格为空"):
        read_rows(path, "empty.xlsx")


# --------------------------------------------------------------------------- writing

ENTERPRISE = [
    Column("企业名称", note="填写营业执照上的全称"),
    Column("统一社会信用代码", aliases=("信用代码",)),
    Column("企业规模", required=False, choices=("大型", "中型", "小型", "微型")),
    Column("产业类别", required=False, choices=tuple(f"产业类别{i:03d}，含逗号说明" for i in range(40))),
    Column("成立日期", required=False, width=12),
]


def test_template_round_trip(tmp_path: Path):
    path = tmp_path / "模板.xlsx"
    example = [
        "江门市甲有限公司",
        "91440700MA00000001",
        "小型",
        "产业类别001，含逗号说明",
        dt.date(2020, 5, 6),
    ]
    with open(path, "wb") as fh:
        write_template(
            fh, ENTERPRISE, sheet_name="企业名录/导入", title="企业名录导入模板", examples=[example]
        )

    table = read_table(path, path.name, ENTERPRISE)
    assert table.title == "企业名录导入模板" and table.header_row == 2
    assert table.mapping == {c.name: i for i, c in enumerate(ENTERPRISE)}
    assert table.missing == [] and table.extra == []
    assert table.rows == []  # an untouched template imports nothing: examples sit on the guide sheet

    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["企业名录_导入", "_选项", "填写说明"]
    assert wb["_选项"].sheet_state == "hidden"
    ws = wb["企业名录_导入"]
    assert ws["A2"].value == "*企业名称" and ws["A2"].font.b and ws["C2"].value == "企业规模"
    assert ws["A2"].comment.text.startswith("填写营业执照上的全称")
    assert ws.freeze_panes == "A3"
    assert ws.column_dimensions["B"].number_format == "@"  # 代码 columns are text: Excel keeps every digit
    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert validations["C3:C5002"].type == "list"
    assert validations["C3:C5002"].formula1 == '"大型,中型,小型,微型"'
    assert validations["D3:D5002"].formula1 == "'_选项'!$A$1:$A$40"
    assert wb["_选项"]["A40"].value == "产业类别039，含逗号说明"
    guide = [[c.value for c in row] for row in wb["填写说明"].iter_rows(min_row=1, max_row=3, max_col=4)]
    assert guide[0] == ["列名", "是否必填", "可选值", "说明"]
    assert guide[1] == ["企业名称", "必填", None, "填写营业执照上的全称"]
    assert guide[2] == ["统一社会信用代码", "必填", None, "（也可写作：信用代码）"]
    rows = [[c.value for c in row] for row in wb["填写说明"].iter_rows(min_row=1, max_col=5)]
    assert rows[-1][:3] == example[:3]  # the example is shown under 填写示例


def test_write_xlsx_keeps_types(tmp_path: Path):
    path = tmp_path / "export.xlsx"
    rows = (
        ["甲", 1, Decimal("12.50"), dt.date(2024, 3, 7), dt.datetime(2024, 3, 7, 8, 30), True, None, "=1+1"]
        for _ in range(3)
    )
    headers = ["名称", "数量", "金额", "日期", "时间", "是否", "空", "公式文本"]
    with open(path, "wb") as fh:
        write_xlsx(fh, [("企业[2024]", headers, rows), ("企业[2024]", ["a"], []), ("x" * 40, ["b"], [[1]])])

    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["企业_2024_", "企业_2024_(2)", "x" * 31]
    ws = wb["企业_2024_"]
    assert [c.value for c in ws[1]] == headers and ws["A1"].font.b
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:H4"
    b, c, d, e, f, g, h = (ws[f"{col}2"] for col in "BCDEFGH")
    assert b.value == 1 and b.data_type == "n" and c.value == 12.5
    assert d.is_date and d.value == dt.datetime(2024, 3, 7) and d.number_format == "yyyy-mm-dd"
    assert e.is_date and e.value == dt.datetime(2024, 3, 7, 8, 30)
    assert f.value is True and g.value is None
    assert h.value == "=1+1" and h.data_type == "s"  # written as text, never as a formula
    # and the reader gets them back
    rows_back = dict(read_rows(path, "export.xlsx"))
    assert rows_back[2][:4] == ["甲", 1, 12.5, dt.date(2024, 3, 7)]


def test_write_errors_xlsx():
    buf = io.BytesIO()
    write_errors_xlsx(buf, [(5, "企业名称", "不能为空"), (None, "", "缺少表头")])
    ws = openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["行号", "列名", "问题"],
        [5, "企业名称", "不能为空"],
        [None, None, "缺少表头"],
    ]


@pytest.mark.django_db
def test_csv_with_a_field_over_the_csv_limit_is_a_message_not_a_traceback():
    import csv as _csv
    import io as _io

    from countyworks.core.importing import run_import

    huge = "甲" * (_csv.field_size_limit() + 10)
    data = f"企业名称,统一社会信用代码\n{huge},x\n".encode()
    report = run_import("enterprises", _io.BytesIO(data), "e.csv", actor=None)
    assert not report.ok
    assert "第2行" in report.problems[0].message and "单元格内容过长" in report.problems[0].message
    broken = b'\xe4\xbc\x81\xe4\xb8\x9a\xe5\x90\x8d\xe7\xa7\xb0,x\n"' + b"a" * (_csv.field_size_limit() + 5)
    report = run_import("enterprises", _io.BytesIO(broken), "e.csv", actor=None)
    assert not report.ok and "行" in report.problems[0].message


@pytest.mark.django_db
def test_xlsx_with_one_cell_far_away_is_refused_cheaply(tmp_path):
    """A 5 KB file declaring XFD1048576 used to make the reader allocate 549 GB and abort."""
    from countyworks.core.importing import run_import

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业名称", "统一社会信用代码"])
    ws["XFD1048576"] = "x"
    path = tmp_path / "far.xlsx"
    wb.save(path)
    assert path.stat().st_size < 20_000
    with open(path, "rb") as fh:
        report = run_import("enterprises", fh, path.name, actor=None)
    assert not report.ok
    assert "表格过大" in report.problems[0].message and "1048576行×16384列" in report.problems[0].message


def _sheets(path: Path, sheets: list[tuple[str, list[list]]], hidden: tuple[str, ...] = ()) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        if name in hidden:
            ws.sheet_state = "hidden"
    wb.save(path)
    return path


def test_header_found_on_a_later_sheet(tmp_path: Path):
    path = _sheets(tmp_path / "b.xlsx", [("填表说明", [["请在下一张表填写"]]), ("Sheet2", [["无关"]]),
                                         ("企业", [["企业名称", "统一社会信用代码"], ["甲公司", "X1"]])])
    table = read_table(path, path.name, ENTERPRISE)
    assert table.sheet == "企业" and table.header_row == 1 and [r for _, r in table.rows][0]["企业名称"] == "甲公司"


def test_preferred_sheet_first_then_workbook_order_guides_last(tmp_path: Path):
    header = ["企业名称", "统一社会信用代码"]
    path = _sheets(tmp_path / "b.xlsx", [("填写说明", [header, ["示例", "X0"]]), ("一", [header, ["一公司", "X1"]]),
                                         ("企业名录", [header, ["名录公司", "X2"]])])
    assert read_table(path, path.name, ENTERPRISE, sheet_name="企业名录").sheet == "企业名录"
    assert read_table(path, path.name, ENTERPRISE).sheet == "一"
    assert read_table(path, path.name, ENTERPRISE, sheet_name="没有这张表").sheet == "一"


def test_a_complete_header_beats_an_earlier_partial_one(tmp_path: Path):
    path = _sheets(tmp_path / "b.xlsx", [("说明页", [["企业名称", "必填"]]), ("数据", [["企业名称"], ["甲"]]),
                                         ("全", [["企业名称", "统一社会信用代码"], ["乙", "X"]])])
    assert read_table(path, path.name, ENTERPRISE).sheet == "全"
    partial = _sheets(tmp_path / "c.xlsx", [("数据", [["企业名称"], ["甲"]]), ("另", [["无关"]])])
    table = read_table(partial, partial.name, ENTERPRISE)
    assert table.sheet == "数据" and table.missing == ["统一社会信用代码"]


def test_no_sheet_with_the_header_names_the_sheets_read(tmp_path: Path):
    path = _sheets(tmp_path / "b.xlsx", [("填表说明", [["说明"]]), ("Sheet2", [["无关"]]), ("藏", [["企业名称"]])],
                   hidden=("藏",))
    with pytest.raises(SpreadsheetError, match="已查看工作表：Sheet2、填表说明；均未找到表头行：应包含列"):
        read_table(path, path.name, ENTERPRISE)


@pytest.mark.django_db
def test_limits_apply_to_every_sheet(tmp_path):
    """A far-away cell on a later sheet is refused before any sheet is read."""
    from countyworks.core.importing import run_import

    wb = openpyxl.Workbook()
    wb.active.append(["企业名称", "统一社会信用代码"])
    wb.create_sheet("二")["XFD1048576"] = "x"
    path = tmp_path / "far2.xlsx"
    wb.save(path)
    with open(path, "rb") as fh:
        report = run_import("enterprises", fh, path.name, actor=None)
    assert not report.ok and "表格过大" in report.problems[0].message
