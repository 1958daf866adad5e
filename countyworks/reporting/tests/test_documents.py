"""The .docx follows GB/T 9704-2012 and the .xlsx keeps numbers as numbers.

Each test re-opens the rendered bytes (python-docx / openpyxl) and checks something a reader of the
document would notice: the page, the grid of 22 × 28, the fonts, page numbers, the table, the
signature block.
"""

import io
from decimal import Decimal

import openpyxl
import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from countyworks.reporting import content as c
from countyworks.reporting.documents import format_cn_date, render_docx, render_xlsx

TWIPS_PER_MM = 1440 / 25.4
EMU_PER_MM = 36000


def sample_content(rows=30):
    units = ["外海街道", "江海街道", "礼乐街道", "滘头街道", "高新区", "银洲湖片区"]
    table_rows = []
    for i in range(rows):
        target, done = 10 + i % 7, 8 + (i * 5) % 11
        rate = round(done / target * 100, 1)
        table_rows.append(
            [
                c.cell(i + 1, num=i + 1),
                c.cell(f"{units[i % len(units)]}{i + 1}组"),
                c.cell(target, num=target),
                c.cell(done, num=done, ref=f"inv.unit.{i}.projects_100m"),
                c.cell(f"{rate}%", num=rate),
            ]
        )
    long_text = (
        "各单位要对照年度目标任务，逐项梳理在谈项目、签约项目和落地项目，"
        "建立问题清单、责任清单和时限清单，确保项目早签约、早落地、早投产、早见效。"
    )
    return {
        "title": "江海区招商引资工作月通报",
        "doc_number": "江海投促〔2024〕3号",
        "issuer": "江海区投资促进中心",
        "date": "2024-04-05",
        "period": "2024-03",
        "period_label": "2024年3月",
        "unit": "江海区",
        "blocks": [
            c.level1(1, "总体情况"),
            c.paragraph(
                "2024年1—3月，全区引进亿元以上产业项目",
                c.run("51", ref="inv.projects_100m"),
                "个，同比增长",
                c.run("18.6%", ref="inv.projects_100m_yoy"),
                "；实际利用外资",
                c.run("3.2亿元", ref="inv.fdi"),
                "。" + long_text,
            ),
            c.level2(1, "项目引进"),
            c.paragraph(
                "外海街道完成", c.run("14", ref="inv.unit.12.projects_100m"), "个，居全区首位。" + long_text
            ),
            c.heading(3, "1.重点项目"),
            c.paragraph(long_text * 2),
            c.table(
                "表1 各单位招商引资目标完成情况",
                ["排名", "单位", "目标(个)", "完成(个)", "完成率"],
                table_rows,
                key="inv.by_unit",
            ),
            c.level1(2, "下一步工作"),
            c.paragraph(long_text),
            c.paragraph(long_text * 3),
        ],
        "figures": {
            "inv.projects_100m": {
                "label": "2024年1—3月亿元以上项目数",
                "value": 51,
                "model": "investment.project",
                "ids": [3, 5, 8],
            },
        },
    }


@pytest.fixture(scope="module")
def docx_doc():
    return Document(io.BytesIO(render_docx(sample_content())))


@pytest.fixture(scope="module")
def xlsx_book():
    return openpyxl.load_workbook(io.BytesIO(render_xlsx(sample_content())))


def _paragraph_with(doc, text):
    for p in doc.paragraphs:
        if p.text == text:
            return p
    raise AssertionError(f"no paragraph {text!r}")


def _east_asia(run):
    rfonts = run._r.rPr.find(qn("w:rFonts"))
    return rfonts.get(qn("w:eastAsia")), rfonts.get(qn("w:ascii")), rfonts.get(qn("w:hAnsi"))


def _ind(p, attr):
    ind = p._p.pPr.find(qn("w:ind"))
    return None if ind is None else ind.get(qn(attr))


# --- page -----------------------------------------------------------------------------------


def test_page_is_a4_with_gbt9704_margins(docx_doc):
    s = docx_doc.sections[0]
    mm = lambda length: round(length / EMU_PER_MM, 1)  # noqa: E731
    assert (mm(s.page_width), mm(s.page_height)) == (210.0, 297.0)
    assert (mm(s.top_margin), mm(s.bottom_margin), mm(s.left_margin), mm(s.right_margin)) == (
        37.0,
        35.0,
        28.0,
        26.0,
    )


def test_grid_gives_22_lines_of_28_characters(docx_doc):
    s = docx_doc.sections[0]
    grid = s._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    line_pitch = int(grid.get(qn("w:linePitch")))
    text_height = (s.page_height - s.top_margin - s.bottom_margin) / 635  # EMU → twips
    assert int(text_height // line_pitch) == 22 and line_pitch == 579
    # charSpace: 1/4096 pt added to the Normal style's 16 pt → 28 characters fill the 156 mm line
    char_pitch_pt = 16 + int(grid.get(qn("w:charSpace"))) / 4096
    text_width_pt = (s.page_width - s.left_margin - s.right_margin) / 12700
    assert int(text_width_pt // char_pitch_pt) == 28
    assert docx_doc.styles["Normal"].font.size == Pt(16)


def test_body_is_3hao_fangsong_indented_two_chars_on_the_grid(docx_doc):
    p = next(p for p in docx_doc.paragraphs if p.text.startswith("2024年1—3月"))
    assert all(r.font.size == Pt(16) for r in p.runs)
    assert {_east_asia(r) for r in p.runs} == {("仿宋_GB2312", "仿宋_GB2312", "仿宋_GB2312")}
    assert _ind(p, "w:firstLineChars") == "200"
    spacing = p._p.pPr.find(qn("w:spacing"))
    assert spacing.get(qn("w:lineRule")) == "exact" and spacing.get(qn("w:line")) == "579"
    # 28 characters a line also where the character grid is not honoured (LibreOffice): the runs
    # are condensed so that 28, but not 29, 3号 characters fit in the 156 mm line
    s = docx_doc.sections[0]
    text_width_pt = (s.page_width - s.left_margin - s.right_margin) / 12700
    for r in p.runs:
        pitch = 16 + int(r._r.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20
        assert 28 * pitch <= text_width_pt < 29 * pitch
    # the referenced figures are in the text as plain numbers
    assert "51个，同比增长18.6%" in p.text


def test_title_is_2hao_xiaobiaosong_centred_under_the_doc_number(docx_doc):
    title = _paragraph_with(docx_doc, "江海区招商引资工作月通报")
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0].font.size == Pt(22)
    assert _east_asia(title.runs[0])[0] == "方正小标宋简体"
    number = _paragraph_with(docx_doc, "江海投促〔2024〕3号")
    assert number.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert number.runs[0].font.size == Pt(16) and _east_asia(number.runs[0])[0] == "仿宋_GB2312"
    texts = [p.text for p in docx_doc.paragraphs]
    assert texts.index("江海投促〔2024〕3号") < texts.index("江海区招商引资工作月通报")


def test_property_children_are_in_schema_order(docx_doc):
    """Word refuses to open a file whose pPr/rPr/tblPr children are out of order."""
    from countyworks.reporting.documents import _PPR_ORDER, _RPR_ORDER, _TBLPR_ORDER

    parts = [docx_doc.element, docx_doc.styles.element]
    s = docx_doc.sections[0]
    parts += [s.footer._element, s.even_page_footer._element]
    for part in parts:
        for tag, order in (("pPr", _PPR_ORDER), ("rPr", _RPR_ORDER), ("tblPr", _TBLPR_ORDER)):
            for el in part.iter(qn(f"w:{tag}")):
                names = [child.tag.rsplit("}", 1)[-1] for child in el]
                positions = [order.index(n) for n in names if n in order]
                assert positions == sorted(positions), (tag, names)


def test_no_doc_number_line_when_empty():
    content = sample_content(rows=2)
    content["doc_number"] = ""
    doc = Document(io.BytesIO(render_docx(content)))
    assert doc.paragraphs[0].text == "江海区招商引资工作月通报"


@pytest.mark.parametrize(
    "text, font, bold",
    [
        ("一、总体情况", "黑体", False),
        ("（一）项目引进", "楷体_GB2312", False),
        ("1.重点项目", "仿宋_GB2312", True),
    ],
)
def test_heading_fonts(docx_doc, text, font, bold):
    p = _paragraph_with(docx_doc, text)
    run = p.runs[0]
    assert _east_asia(run)[0] == font
    assert run.font.size == Pt(16)
    assert bool(run.font.bold) is bold
    assert _ind(p, "w:firstLineChars") == "200"
    assert p.paragraph_format.keep_with_next


# --- page numbers ---------------------------------------------------------------------------


def _footer_has_page_field(footer):
    xml = footer._element.xml
    return "PAGE" in "".join(t.text or "" for t in footer._element.iter(qn("w:instrText"))) or (
        'w:instr=" PAGE' in xml
    )


def test_page_numbers_alternate_right_and_left(docx_doc):
    assert docx_doc.settings.odd_and_even_pages_header_footer
    s = docx_doc.sections[0]
    for footer, align in (
        (s.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (s.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        assert not footer.is_linked_to_previous
        assert _footer_has_page_field(footer)
        p = footer.paragraphs[0]
        assert p.alignment == align
        # "— N —": em dash, space, the number, space, em dash (the field result is "1")
        assert p.text == "\u2014 1 \u2014"
        for run in p.runs:
            assert run.font.size == Pt(14)
            assert _east_asia(run)[0] == "宋体"
    assert _ind(s.footer.paragraphs[0], "w:right") == "280"  # 单页码居右空一字
    assert _ind(s.even_page_footer.paragraphs[0], "w:left") == "280"  # 双页码居左空一字


# --- table ----------------------------------------------------------------------------------


def test_table_fits_the_line_and_repeats_its_header(docx_doc):
    assert len(docx_doc.tables) == 1
    table = docx_doc.tables[0]
    assert len(table.rows) == 31
    header = table.rows[0]
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    assert [cell.text for cell in header.cells] == ["排名", "单位", "目标(个)", "完成(个)", "完成率"]
    assert all(cell.paragraphs[0].runs[0].font.bold for cell in header.cells)
    widths = [int(gc.get(qn("w:w"))) for gc in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    s = docx_doc.sections[0]
    text_width_twips = round((s.page_width - s.left_margin - s.right_margin) / 635)
    assert sum(widths) == text_width_twips
    assert table._tbl.tblPr.find(qn("w:tblBorders")) is not None
    first = table.rows[1].cells
    assert first[4].text == "80.0%"
    assert first[4].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert first[2].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    run = first[1].paragraphs[0].runs[0]
    assert run.font.size == Pt(14) and _east_asia(run)[0] == "仿宋_GB2312"
    title = _paragraph_with(docx_doc, "表1 各单位招商引资目标完成情况")
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER and title.paragraph_format.keep_with_next


# --- signature ------------------------------------------------------------------------------


def test_issuer_and_date_close_the_document_right_aligned(docx_doc):
    paragraphs = [p for p in docx_doc.paragraphs if p.text]
    issuer, date = paragraphs[-2], paragraphs[-1]
    assert (issuer.text, date.text) == ("江海区投资促进中心", "2024年4月5日")
    assert issuer.alignment == date.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert _ind(date, "w:rightChars") == "400"  # 右空四字
    # the issuer (9 characters) is centred over the shorter date, so it sits 2–4 characters in
    assert 200 <= int(_ind(issuer, "w:rightChars")) < 400


@pytest.mark.parametrize(
    "value, expected", [("2024-04-05", "2024年4月5日"), ("2024-12-31", "2024年12月31日"), ("", "")]
)
def test_date_in_arabic_numerals_without_leading_zeros(value, expected):
    assert format_cn_date(value) == expected


# --- xlsx -----------------------------------------------------------------------------------


def test_xlsx_has_text_sheet_then_one_sheet_per_table(xlsx_book):
    assert xlsx_book.sheetnames == ["通报正文", "表1 各单位招商引资目标完成情况"]
    body = [row[0] for row in xlsx_book["通报正文"].iter_rows(values_only=True) if row[0]]
    assert body[0] == "江海区招商引资工作月通报"
    assert "江海区投资促进中心 2024年4月5日" in body
    assert "一、总体情况" in body and "（一）项目引进" in body
    assert any(line.strip().startswith("2024年1—3月，全区引进亿元以上产业项目51个") for line in body)


def test_xlsx_table_numbers_are_numbers_with_bold_frozen_header(xlsx_book):
    ws = xlsx_book["表1 各单位招商引资目标完成情况"]
    header = [cell.value for cell in ws[2]]
    assert header == ["排名", "单位", "目标(个)", "完成(个)", "完成率"]
    assert all(cell.font.bold for cell in ws[2])
    assert ws.freeze_panes == "A3"
    first = [cell.value for cell in ws[3]]
    assert first[:4] == [1, "外海街道1组", 10, 8]
    assert first[4] == 80 and not isinstance(first[4], str)
    # the rate keeps its look: 80 stored as a number, shown as "80.0%"
    assert ws.cell(3, 5).number_format == '0.0"%"'
    assert ws.max_row == 2 + 30
    assert sum(v for v in (ws.cell(r, 4).value for r in range(3, 33))) > 0  # summable in Excel
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width


def test_xlsx_sheet_names_are_short_and_unique():
    content = sample_content(rows=2)
    table = next(b for b in content["blocks"] if b["type"] == "table")
    long_title = "表2 各镇街、园区重点项目推进情况一览表（截至2024年3月31日）：续"
    content["blocks"] += [dict(table, title=long_title), dict(table, title=long_title)]
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(content)))
    names = book.sheetnames
    assert len(names) == 4 and len(set(names)) == 4
    assert all(len(n) <= 31 and ":" not in n for n in names)


def wide_table_content():
    """Eight columns as the real investment table has, with Decimal amounts and '—' for no data."""
    columns = [
        "排名",
        "单位",
        "年度目标(个)",
        "完成(个)",
        "完成率",
        "同比",
        "计划总投资(亿元)",
        "投资目标完成率",
    ]
    rows = []
    for i in range(12):
        rows.append(
            [
                c.cell(i + 1, num=i + 1),
                c.cell(["外海街道", "银洲湖高端装备制造产业园", "高新区"][i % 3]),
                c.cell(12, num=12),
                c.cell(9 + i, num=9 + i),
                c.cell(f"{(9 + i) / 12 * 100:.1f}%", num=round((9 + i) / 12 * 100, 1)),
                c.cell("增长12.5%", num=12.5) if i % 4 else c.cell("—"),
                c.cell(f"{Decimal('1234.56') + i:,}", num=Decimal("1234.56") + i),
                c.cell("—"),
            ]
        )
    content = sample_content(rows=1)
    content["blocks"] = [
        c.level1(1, "各单位招商引资完成情况"),
        c.table("表1 各单位亿元以上项目完成情况", columns, rows),
    ]
    return content


def test_wide_table_fits_and_decimal_numbers_are_numbers():
    content = wide_table_content()
    doc = Document(io.BytesIO(render_docx(content)))
    table = doc.tables[0]
    widths = [int(gc.get(qn("w:w"))) for gc in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    s = doc.sections[0]
    assert sum(widths) == round((s.page_width - s.left_margin - s.right_margin) / 635)
    # eight columns do not fit in 4号 without wrapping numbers: the table drops to a smaller size
    size = table.rows[1].cells[1].paragraphs[0].runs[0].font.size.pt
    assert size in (12, 10.5)
    assert min(widths) >= 2 * size * 20  # every column keeps room for two characters
    # no number wraps: each numeric column is wider than its widest number (digits ≤ 0.6 em)
    for col in (0, 2, 3, 4, 6):
        widest = max(len(row.cells[col].text) for row in table.rows[1:])
        assert widths[col] >= widest * 0.6 * size * 20 + 2 * 57
    amount = table.rows[1].cells[6].paragraphs[0]
    assert amount.text == "1,234.56" and amount.alignment == WD_ALIGN_PARAGRAPH.RIGHT

    ws = openpyxl.load_workbook(io.BytesIO(render_xlsx(content)))["表1 各单位亿元以上项目完成情况"]
    assert ws.cell(3, 7).value == pytest.approx(1234.56)
    assert ws.cell(3, 7).number_format == "#,##0.00"
    assert ws.cell(3, 8).value == "—"


def test_docx_has_the_red_masthead_and_separator_line():
    import zipfile

    content = {"title": "某区招商引资工作月通报", "masthead": "某区投资促进中心", "doc_number": "某投促〔2024〕3号",
               "issuer": "某区投资促进中心", "date": "2024-04-05", "blocks": [], "figures": {}}
    data = render_docx(content)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert xml.index("某区投资促进中心") < xml.index("某投促〔2024〕3号") < xml.index("某区招商引资工作月通报")
    assert 'w:color w:val="FF0000"' in xml
    assert '<w:bottom w:val="single" w:sz="12" w:space="1" w:color="FF0000"/>' in xml
