"""Render a bulletin content dict (see ``content.py``) into a Word document and an Excel workbook.

``render_docx`` lays the bulletin out to GB/T 9704-2012 《党政机关公文格式》:

* A4, margins top 37 mm / bottom 35 mm / left 28 mm / right 26 mm, giving a 156 × 225 mm 版心.
* A document grid of 22 lines × 28 characters (``w:docGrid w:type="linesAndChars"``):

  - text height = 297 − 37 − 35 = 225 mm. In twips the page is 16838 high and the margins round to
    2098 + 1984, leaving 12756 twips; 12756 / 22 = 579.8, so ``linePitch = 579`` (580 would need
    12760 twips and Word would fit only 21 lines). 579 twips = 28.95 pt ≈ 10.21 mm.
  - text width = 210 − 28 − 26 = 156 mm; in twips 11906 − 1587 − 1474 = 8845 twips = 442.25 pt;
    442.25 / 28 = 15.795 pt per character.
  - ``charSpace`` is the amount, in 1/4096 pt, added to the character pitch that the Normal style's
    (East Asian) font size gives; Normal is 3号 = 16 pt here, so
    ``charSpace = floor((442.25 / 28 − 16) × 4096) = floor(−841.1) = −842``
    (floored so that 28 characters always fit: 28 × (16 − 842/4096) = 442.24 pt ≤ 442.25 pt).

* Body text 3号 (16 pt) 仿宋_GB2312, first line indented 2 characters, exact line spacing = the line
  pitch (579 twips), no space before/after, widow control off (so every page holds 22 lines).
* The generated paragraphs do not *depend* on the character grid: they are marked
  ``w:snapToGrid w:val="0"`` and their 3号 runs are condensed by 0.3 pt (``w:spacing w:val="-6"``,
  i.e. ``floor(8845 / 28 − 320) − 1 = −6`` twips, one twip of headroom for layout rounding), so
  28 × 15.7 pt = 439.6 pt ≤ 442.25 pt < 29 × 15.7 pt: exactly 28 characters per line in Word and WPS
  *and* in LibreOffice, whose grid import rounds a 16 pt character up to two 15.8 pt cells
  (14 characters a line) when it is left on the grid. The section still declares the
  22 × 28 grid, so Word's 页面设置 shows 每行28字/每页22行 and text typed into Normal paragraphs
  snaps to it.
* 发文字号 (doc_number), when present, is centred in 3号 仿宋_GB2312 *above* the title, as in the
  standard's 版头 (发文字号 comes before the title), followed by an empty line; then the title in
  2号 (22 pt) 方正小标宋简体, centred, and an empty line before the body.
* Headings: level 1 (一、) 3号 黑体, level 2 (（一）) 3号 楷体_GB2312, level 3 (1.) 3号 仿宋_GB2312 bold;
  all indented 2 characters like body text, on the same line pitch, kept with the next paragraph,
  and given an outline level so Word's navigation pane lists them.
* Tables: a centred title line in 3号 黑体, then a bordered table exactly as wide as the 版心, cell
  text 4号 (14 pt) 仿宋_GB2312 on an exact 20 pt line (off the grid) — 小四 (12 pt) or 五号 (10.5 pt)
  when the columns would not otherwise fit without wrapping numbers — header row bold and repeated on
  every page (``w:tblHeader``), rows never split across pages, cells with a number right-aligned,
  text columns centred when all their entries are short, else left-aligned; an empty line follows the table.
* 发文机关署名 and 成文日期 close the document after two empty lines (room for the seal): the date in
  Arabic numerals (``2024年4月5日``) right-aligned with a 4-character right indent (右空四字), and the
  issuer on the line above, centred over the date (以成文日期为准居中编排, as for a sealed document);
  if the issuer is longer than the date its right indent shrinks accordingly (never below 0).
* Page numbers: 4号 (14 pt) 宋体 ``— N —`` in the footer, odd pages right-aligned with a one-character
  right indent (单页码居右空一字), even pages left-aligned with a one-character left indent
  (双页码居左空一字); ``w:evenAndOddHeaders`` is switched on. The footer sits 7 mm below the 版心.

The official fonts (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312, 宋体) are named in the file; a
government PC has them, elsewhere the word processor substitutes a CJK font.

``render_xlsx`` writes a "通报正文" sheet (title, 文号, date, every heading and paragraph as a line)
and one sheet per table with a title row, a bold frozen header row and numbers stored as numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import numbers
import re
import unicodedata

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips

RED = RGBColor(0xFF, 0x00, 0x00)

# --- layout constants (GB/T 9704-2012) -------------------------------------------------------

PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGIN_TOP_MM, MARGIN_BOTTOM_MM, MARGIN_LEFT_MM, MARGIN_RIGHT_MM = 37, 35, 28, 26
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28

FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_HEI = "黑体"
FONT_KAI = "楷体_GB2312"
FONT_PAGE_NUMBER = "宋体"

SIZE_TITLE = 22  # 2号
SIZE_MASTHEAD = 30  # 发文机关标志: red 小标宋, sized to the line (GB/T 9704 leaves the size to the issuer)
MASTHEAD_PITCH_TW = 860
SIZE_BODY = 16  # 3号
SIZE_TABLE = 14  # 4号
SIZE_PAGE_NUMBER = 14  # 4号
TABLE_LINE_PT = 20  # exact line height inside table cells

EM_DASH = "\u2014"


def _mm_to_twips(mm: float) -> int:
    return round(mm * 1440 / 25.4)


PAGE_WIDTH_TW = _mm_to_twips(PAGE_WIDTH_MM)  # 11906
PAGE_HEIGHT_TW = _mm_to_twips(PAGE_HEIGHT_MM)  # 16838
MARGIN_TW = {
    "top": _mm_to_twips(MARGIN_TOP_MM),  # 2098
    "bottom": _mm_to_twips(MARGIN_BOTTOM_MM),  # 1984
    "left": _mm_to_twips(MARGIN_LEFT_MM),  # 1587
    "right": _mm_to_twips(MARGIN_RIGHT_MM),  # 1474
}
TEXT_WIDTH_TW = PAGE_WIDTH_TW - MARGIN_TW["left"] - MARGIN_TW["right"]
TEXT_HEIGHT_TW = PAGE_HEIGHT_TW - MARGIN_TW["top"] - MARGIN_TW["bottom"]
# floor: the largest whole-twip pitch that still fits 22 lines in the text height
LINE_PITCH_TW = TEXT_HEIGHT_TW // LINES_PER_PAGE  # 579
# charSpace: 1/4096 pt added to the Normal style's font size (16 pt) to get the character pitch
CHAR_SPACE = math.floor((TEXT_WIDTH_TW / 20 / CHARS_PER_LINE - SIZE_BODY) * 4096)  # -842
CHAR_PITCH_TW = TEXT_WIDTH_TW / CHARS_PER_LINE  # ≈ 315.9 twips, one grid character
# condensed spacing (twips) that puts 28 but not 29 3号 characters on a line without the grid
# (one twip of headroom: LibreOffice fits only 27 characters at −5)
BODY_KERN_TW = math.floor(CHAR_PITCH_TW - SIZE_BODY * 20) - 1  # -6 (−0.3 pt)
FOOTER_DISTANCE_MM = 22  # page-number line (≈ 5.6 mm) starts 7 mm below the text block


# --- small XML helpers ----------------------------------------------------------------------

# Word rejects a file whose property children are out of schema order, so every child we add goes
# through _child(), which inserts it before the first existing sibling that must follow it.
_PPR_ORDER = (
    "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd "
    "tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
    "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc "
    "textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"
).split()
_RPR_ORDER = (
    "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof "
    "snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd "
    "fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath"
).split()
_TBLPR_ORDER = (
    "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc "
    "tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription"
).split()


def _child(parent, tag: str, order: list[str]):
    """The ``w:tag`` child of ``parent``, created in schema order if missing."""
    el = parent.find(qn(f"w:{tag}"))
    if el is not None:
        return el
    el = OxmlElement(f"w:{tag}")
    later = order[order.index(tag) + 1 :]
    for sibling in parent:
        local = sibling.tag.rsplit("}", 1)[-1]
        if local in later:
            sibling.addprevious(el)
            return el
    parent.append(el)
    return el


def _set_fonts(rpr_parent, font: str) -> None:
    """Name ``font`` for every script (ascii, hAnsi, eastAsia, cs) on a run or style rPr."""
    rpr = rpr_parent.get_or_add_rPr()
    rfonts = _child(rpr, "rFonts", _RPR_ORDER)
    for attr in list(rfonts.attrib):
        if attr.endswith("Theme"):  # theme fonts would override the explicit names
            del rfonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), font)
    rfonts.set(qn("w:hint"), "eastAsia")


def _style_run(run, font: str, size: float, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    _set_fonts(run._r, font)


def _ppr_child(paragraph, tag: str):
    return _child(paragraph._p.get_or_add_pPr(), tag.removeprefix("w:"), _PPR_ORDER)


def _indent_chars(paragraph, first_line_chars: float = 0, left_chars: float = 0, right_chars: float = 0):
    """Indent in character units (w:*Chars, hundredths of a character) with twip fallbacks."""
    ind = _ppr_child(paragraph, "w:ind")
    one = SIZE_BODY * 20  # one 3号 character in twips, the fallback for readers ignoring *Chars
    if first_line_chars:
        ind.set(qn("w:firstLineChars"), str(round(first_line_chars * 100)))
        ind.set(qn("w:firstLine"), str(round(first_line_chars * one)))
    if left_chars:
        ind.set(qn("w:leftChars"), str(round(left_chars * 100)))
        ind.set(qn("w:left"), str(round(left_chars * one)))
    if right_chars:
        ind.set(qn("w:rightChars"), str(round(right_chars * 100)))
        ind.set(qn("w:right"), str(round(right_chars * one)))


def _exact_spacing(paragraph, line_twips: int) -> None:
    pf = paragraph.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.line_spacing = Twips(line_twips)  # a Length ⇒ python-docx writes lineRule="exact"


def _no_grid(paragraph) -> None:
    _ppr_child(paragraph, "w:snapToGrid").set(qn("w:val"), "0")


def _red_rule(paragraph) -> None:
    """The red separator line under the 版头: a bottom border on an empty paragraph."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = _child(ppr, "pBdr", _PPR_ORDER)
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "12"), ("w:space", "1"), ("w:color", "FF0000")):
        bottom.set(qn(k), v)
    borders.append(bottom)


def _body_paragraph(doc, align=None):
    p = doc.add_paragraph()
    _no_grid(p)  # laid out by exact spacing + condensed runs, identically in Word, WPS and LibreOffice
    _exact_spacing(p, LINE_PITCH_TW)
    p.paragraph_format.widow_control = False
    if align is not None:
        p.alignment = align
    return p


def _add_text(paragraph, text: str, font: str = FONT_BODY, size: float = SIZE_BODY, bold: bool = False):
    run = paragraph.add_run(text)
    _style_run(run, font, size, bold)
    if size == SIZE_BODY and BODY_KERN_TW:
        _kern(run, BODY_KERN_TW)
    return run


def _kern(run, twips: int) -> None:
    """Character spacing (w:spacing in rPr, twips; negative = condensed), in schema order."""
    _child(run._r.get_or_add_rPr(), "spacing", _RPR_ORDER).set(qn("w:val"), str(twips))


# --- document-level setup -------------------------------------------------------------------


def _setup_styles(doc) -> None:
    styles_el = doc.styles.element
    rpr_default = styles_el.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if rpr_default is not None:
        rfonts = rpr_default.find(qn("w:rFonts"))
        if rfonts is not None:
            for attr in list(rfonts.attrib):
                del rfonts.attrib[attr]
            for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                rfonts.set(qn(attr), FONT_BODY)
        for tag in ("w:sz", "w:szCs"):
            el = rpr_default.find(qn(tag))
            if el is not None:
                el.set(qn("w:val"), str(SIZE_BODY * 2))
        lang = rpr_default.find(qn("w:lang"))
        if lang is not None:
            lang.set(qn("w:eastAsia"), "zh-CN")
    ppr_default = styles_el.find(qn("w:docDefaults") + "/" + qn("w:pPrDefault") + "/" + qn("w:pPr"))
    if ppr_default is not None:
        spacing = ppr_default.find(qn("w:spacing"))
        if spacing is not None:
            ppr_default.remove(spacing)

    normal = doc.styles["Normal"]
    normal.font.size = Pt(SIZE_BODY)  # charSpace is relative to this size
    _set_fonts(normal.element, FONT_BODY)
    pf = normal.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.widow_control = False
    ppr = normal.element.get_or_add_pPr()
    for tag in ("autoSpaceDE", "autoSpaceDN"):  # no extra gap between CJK and digits
        _child(ppr, tag, _PPR_ORDER).set(qn("w:val"), "0")

    settings = doc.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")


def _setup_section(section) -> None:
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = Twips(PAGE_WIDTH_TW)
    section.page_height = Twips(PAGE_HEIGHT_TW)
    section.top_margin = Twips(MARGIN_TW["top"])
    section.bottom_margin = Twips(MARGIN_TW["bottom"])
    section.left_margin = Twips(MARGIN_TW["left"])
    section.right_margin = Twips(MARGIN_TW["right"])
    section.header_distance = Mm(15)
    section.footer_distance = Mm(FOOTER_DISTANCE_MM)
    section.gutter = Twips(0)

    sectpr = section._sectPr
    grid = sectpr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sectpr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TW))
    grid.set(qn("w:charSpace"), str(CHAR_SPACE))


def _add_field(paragraph, instr: str, shown_text: str, font: str, size: float) -> None:
    """A complex field (begin / instrText / separate / cached result / end)."""

    def fld_char(kind):
        run = paragraph.add_run()
        _style_run(run, font, size)
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run._r.append(el)

    fld_char("begin")
    run = paragraph.add_run()
    _style_run(run, font, size)
    instr_el = OxmlElement("w:instrText")
    instr_el.set(qn("xml:space"), "preserve")
    instr_el.text = f" {instr} "
    run._r.append(instr_el)
    fld_char("separate")
    _style_run(paragraph.add_run(shown_text), font, size)
    fld_char("end")


def _fill_page_number_footer(footer, odd: bool) -> None:
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    for run in list(p.runs):
        run._r.getparent().remove(run._r)
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    _no_grid(p)
    p.paragraph_format.space_before = Pt(0)
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.line_spacing = Pt(SIZE_PAGE_NUMBER + 2)
    ind = _ppr_child(p, "w:ind")  # 空一字: one 4号 character
    ind.set(qn("w:right" if odd else "w:left"), str(SIZE_PAGE_NUMBER * 20))
    _style_run(p.add_run(f"{EM_DASH} "), FONT_PAGE_NUMBER, SIZE_PAGE_NUMBER)
    _add_field(p, "PAGE", "1", FONT_PAGE_NUMBER, SIZE_PAGE_NUMBER)
    _style_run(p.add_run(f" {EM_DASH}"), FONT_PAGE_NUMBER, SIZE_PAGE_NUMBER)


# --- content --------------------------------------------------------------------------------


def format_cn_date(value) -> str:
    """``"2024-04-05"`` (or a date) → ``"2024年4月5日"`` — Arabic numerals, no leading zeros."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
    return f"{value.year}年{value.month}月{value.day}日"


def _display_width(text: str) -> float:
    """Width in em, on the safe side for substitute fonts: full-width and ambiguous characters (CJK,
    "—") and "%" count 1, other characters 0.6 (仿宋_GB2312 itself draws them 0.5 em wide)."""
    return sum(1.0 if ch in "%‰" or unicodedata.east_asian_width(ch) in "WFA" else 0.6 for ch in text)


HEADING_FONTS = {
    1: (FONT_HEI, False),
    2: (FONT_KAI, False),
    3: (FONT_BODY, True),
}


def _add_heading(doc, level: int, text: str) -> None:
    font, bold = HEADING_FONTS.get(level, (FONT_BODY, True))
    p = _body_paragraph(doc)
    _indent_chars(p, first_line_chars=2)
    p.paragraph_format.keep_with_next = True
    _ppr_child(p, "w:outlineLvl").set(qn("w:val"), str(max(0, min(level, 9) - 1)))
    _add_text(p, text, font, SIZE_BODY, bold)


def _add_paragraph(doc, block) -> None:
    p = _body_paragraph(doc, WD_ALIGN_PARAGRAPH.JUSTIFY)
    _indent_chars(p, first_line_chars=2)
    for r in block.get("runs", []):
        if r.get("text"):
            _add_text(p, r["text"])


TABLE_SIZES = (SIZE_TABLE, 12, 10.5)  # 4号, then 小四, then 五号 for tables that do not fit
CELL_MARGIN_TW = 57  # 1 mm left/right inside each cell (Word's default is 1.9 mm)
CELL_PADDING_TW = 2 * CELL_MARGIN_TW + 40  # the cell margins + a little air


def _table_layout(columns, rows) -> tuple[float, list[int]]:
    """(font size, twips per column) for a table exactly as wide as the text.

    Numbers must never wrap, so a numeric column is at least as wide as its widest number; text
    columns may wrap down to 5 characters, headers to two lines. The largest font size (4号, 小四,
    五号) at which those minimums fit is used; spare width goes to the columns that would wrap.
    """
    n = len(columns)
    if n == 0:
        return SIZE_TABLE, []
    header_w, data_w, numeric = [], [], []
    for i, col in enumerate(columns):
        cells = [row[i] for row in rows if i < len(row)]
        header_w.append(_display_width(str(col)))
        data_w.append(max([_display_width(_cell_text(x)) for x in cells] or [0]))
        numeric.append(any(_is_numeric_cell(x) for x in cells))
    for size in TABLE_SIZES:
        em = size * 20
        natural = [max(2.0, h, d) * em + CELL_PADDING_TW for h, d in zip(header_w, data_w, strict=True)]
        minimum = [
            max(2.0, math.ceil(h / 2), d if num else min(d, 5.0)) * em + CELL_PADDING_TW
            for h, d, num in zip(header_w, data_w, numeric, strict=True)
        ]
        if sum(natural) <= TEXT_WIDTH_TW:
            widths = [w * TEXT_WIDTH_TW / sum(natural) for w in natural]
            break
        if sum(minimum) <= TEXT_WIDTH_TW:
            spare = TEXT_WIDTH_TW - sum(minimum)
            wish = [nat - mn for nat, mn in zip(natural, minimum, strict=True)]
            widths = [mn + spare * w / sum(wish) for mn, w in zip(minimum, wish, strict=True)]
            break
    else:  # even 五号 minimums do not fit: shrink proportionally (numbers may wrap)
        widths = [w * TEXT_WIDTH_TW / sum(minimum) for w in minimum]
    widths = [int(w) for w in widths]
    widths[-1] += TEXT_WIDTH_TW - sum(widths)
    return size, widths


def _cell_text(c) -> str:
    if isinstance(c, dict):
        return str(c.get("text", ""))
    return "" if c is None else str(c)


def _is_numeric_cell(c) -> bool:
    """A cell carrying a number (int, float or Decimal — not bool) in "num"."""
    if not isinstance(c, dict):
        return False
    num = c.get("num")
    return isinstance(num, numbers.Number) and not isinstance(num, bool | complex)


def _set_table_borders(table) -> None:
    borders = _child(table._tbl.tblPr, "tblBorders", _TBLPR_ORDER)
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "4")  # ½ pt
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)


def _fill_cell(cell, text: str, align, bold: bool, width: int, size: float = SIZE_TABLE) -> None:
    cell.width = Twips(width)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    p = cell.paragraphs[0]
    p.alignment = align
    _no_grid(p)
    _exact_spacing(p, round((size + TABLE_LINE_PT - SIZE_TABLE) * 20))  # 20 pt line for 4号
    p.paragraph_format.widow_control = False
    if text:
        _add_text(p, text, FONT_BODY, size, bold)


def _add_table(doc, block) -> None:
    columns = [str(c) for c in block.get("columns", [])]
    rows = block.get("rows", [])
    if block.get("title"):
        p = _body_paragraph(doc, WD_ALIGN_PARAGRAPH.CENTER)
        p.paragraph_format.keep_with_next = True
        _add_text(p, block["title"], FONT_HEI, SIZE_BODY)
    ncols = max([len(columns)] + [len(r) for r in rows]) if (columns or rows) else 0
    if ncols == 0:
        return
    columns = columns + [""] * (ncols - len(columns))
    size, widths = _table_layout(columns, rows)
    numeric_cols = [any(_is_numeric_cell(r[i]) for r in rows if i < len(r)) for i in range(ncols)]
    # a text column is centred when all its entries are short, else left-aligned (one rule per column)
    short_cols = [
        all(_display_width(_cell_text(r[i])) <= 6 for r in rows if i < len(r)) for i in range(ncols)
    ]

    table = doc.add_table(rows=1 + len(rows), cols=ncols)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tblpr = table._tbl.tblPr
    tblw = _child(tblpr, "tblW", _TBLPR_ORDER)
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(TEXT_WIDTH_TW))
    _child(tblpr, "tblLayout", _TBLPR_ORDER).set(qn("w:type"), "fixed")
    cell_mar = _child(tblpr, "tblCellMar", _TBLPR_ORDER)
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(CELL_MARGIN_TW))
        el.set(qn("w:type"), "dxa")
        cell_mar.append(el)
    _set_table_borders(table)
    for gridcol, w in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=False):
        gridcol.set(qn("w:w"), str(w))

    all_rows = list(table.rows)  # table.rows[i] rebuilds the row list on every access
    header = all_rows[0]
    trpr = header._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", "w:tblHeader"):
        el = OxmlElement(tag)
        trpr.append(el)
    for i, name in enumerate(columns):
        _fill_cell(header.cells[i], name, WD_ALIGN_PARAGRAPH.CENTER, True, widths[i], size)

    for r_idx, row in enumerate(rows, start=1):
        tr = all_rows[r_idx]
        tr._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        cells = tr.cells
        for i in range(ncols):
            c = row[i] if i < len(row) else {"text": ""}
            if _is_numeric_cell(c):
                align = WD_ALIGN_PARAGRAPH.RIGHT
            elif numeric_cols[i] or short_cols[i]:
                align = WD_ALIGN_PARAGRAPH.CENTER
            else:
                align = WD_ALIGN_PARAGRAPH.LEFT
            _fill_cell(cells[i], _cell_text(c), align, False, widths[i], size)
    _body_paragraph(doc)  # an empty line between the table and the text that follows


def _add_signature(doc, issuer: str, date_text: str) -> None:
    """Issuer centred over the date; the date 右空四字."""
    for _ in range(2):
        _body_paragraph(doc)
    date_width = _display_width(date_text) or 4
    if issuer:
        p = _body_paragraph(doc, WD_ALIGN_PARAGRAPH.RIGHT)
        right = max(0.0, 4 + (date_width - _display_width(issuer)) / 2)
        if right:
            _indent_chars(p, right_chars=right)
        p.paragraph_format.keep_with_next = True
        _add_text(p, issuer)
    if date_text:
        p = _body_paragraph(doc, WD_ALIGN_PARAGRAPH.RIGHT)
        _indent_chars(p, right_chars=4)
        _add_text(p, date_text)


def render_docx(content: dict) -> bytes:
    """The bulletin as a GB/T 9704-2012 style .docx (bytes)."""
    doc = Document()
    _setup_styles(doc)
    section = doc.sections[0]
    _setup_section(section)
    doc.settings.odd_and_even_pages_header_footer = True
    _fill_page_number_footer(section.footer, odd=True)
    _fill_page_number_footer(section.even_page_footer, odd=False)

    props = doc.core_properties
    props.title = content.get("title", "") or ""
    props.author = content.get("issuer", "") or ""
    props.subject = content.get("period_label", "") or ""
    props.comments = content.get("doc_number", "") or ""

    # python-docx's template starts with no paragraphs; everything is appended in order.
    masthead = (content.get("masthead") or "").strip()
    if masthead:  # 版头: 发文机关标志 in red, 发文字号, the red separator line (GB/T 9704-2012 §7.2)
        p = _body_paragraph(doc, WD_ALIGN_PARAGRAPH.CENTER)
        _exact_spacing(p, MASTHEAD_PITCH_TW)
        # one line: the size shrinks with the name's length (a 156 mm text width holds ≈ 440 pt)
        size = max(16, min(SIZE_MASTHEAD, int(420 / max(len(masthead), 1))))
        run = _add_text(p, masthead, FONT_TITLE, size)
        run.font.color.rgb = RED
        _body_paragraph(doc)
    if content.get("doc_number"):
        p = _body_paragraph(doc, WD_ALIGN_PARAGRAPH.CENTER)
        _add_text(p, content["doc_number"])
    if masthead:
        _red_rule(_body_paragraph(doc))
        _body_paragraph(doc)
    elif content.get("doc_number"):
        _body_paragraph(doc)
    title = content.get("title", "")
    if title:
        for line in str(title).split("\n"):
            p = _body_paragraph(doc, WD_ALIGN_PARAGRAPH.CENTER)
            p.paragraph_format.keep_with_next = True
            _add_text(p, line, FONT_TITLE, SIZE_TITLE)
        if content.get("subtitle"):
            p = _body_paragraph(doc, WD_ALIGN_PARAGRAPH.CENTER)
            _add_text(p, content["subtitle"], FONT_KAI)
        _body_paragraph(doc)
    correction = (content.get("correction") or {}).get("text")
    if correction:
        p = _body_paragraph(doc)
        _add_text(p, correction, FONT_HEI)

    for block in content.get("blocks", []):
        kind = block.get("type")
        if kind == "heading":
            _add_heading(doc, int(block.get("level", 1)), block.get("text", ""))
        elif kind == "paragraph":
            _add_paragraph(doc, block)
        elif kind == "table":
            _add_table(doc, block)

    _add_signature(doc, content.get("issuer", "") or "", format_cn_date(content.get("date")))

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- xlsx -----------------------------------------------------------------------------------

_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_NUMBER_TEXT = re.compile(r"^\s*([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*(.*?)\s*$")


def _sheet_name(title: str, used: set[str], fallback: str) -> str:
    name = _INVALID_SHEET_CHARS.sub(" ", title or "").strip().strip("'") or fallback
    name = name[:31]
    candidate, n = name, 2
    while candidate.lower() in used:
        suffix = f"({n})"
        candidate = name[: 31 - len(suffix)] + suffix
        n += 1
    used.add(candidate.lower())
    return candidate


def _number_format(text: str, num) -> str | None:
    """An Excel number format that shows ``num`` the way ``text`` shows it (e.g. 107.7 → "107.7%")."""
    m = _NUMBER_TEXT.match(text or "")
    if not m:
        return None
    sign, int_part, decimals, suffix = m.groups()
    shown = float(sign + int_part.replace(",", "") + ("." + decimals if decimals else ""))
    pattern = ("#,##0" if "," in int_part else "0") + ("." + "0" * len(decimals) if decimals else "")
    if suffix == "%" and not math.isclose(shown, float(num), rel_tol=1e-9, abs_tol=1e-9):
        if math.isclose(shown, float(num) * 100, rel_tol=1e-6, abs_tol=1e-6):
            return pattern + "%"  # num is a fraction (0.186 for "18.6%")
        return None
    if not math.isclose(shown, float(num), rel_tol=1e-6, abs_tol=1e-6):
        return None
    if suffix:
        return pattern + '"' + suffix.replace('"', "") + '"'
    return pattern


def render_xlsx(content: dict) -> bytes:
    """The bulletin as an .xlsx: a "通报正文" sheet, then one sheet per table."""
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_urls": False})
    base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
    f_title = wb.add_format({**base, "bold": True, "font_size": 16, "align": "center"})
    f_sheet_title = wb.add_format({**base, "bold": True, "font_size": 14})
    f_text = wb.add_format({**base, "text_wrap": True})
    f_heading = wb.add_format({**base, "bold": True, "text_wrap": True})
    f_meta = wb.add_format({**base, "font_color": "#555555"})
    f_header = wb.add_format(
        {**base, "bold": True, "align": "center", "border": 1, "bg_color": "#F2F2F2", "text_wrap": True}
    )
    f_cell_text = wb.add_format({**base, "border": 1})
    num_formats: dict[str, object] = {}

    def num_fmt(pattern):
        key = pattern or "General"
        if key not in num_formats:
            num_formats[key] = wb.add_format({**base, "border": 1, "num_format": key, "align": "right"})
        return num_formats[key]

    used: set[str] = set()
    body = wb.add_worksheet(_sheet_name("通报正文", used, "通报正文"))
    body.set_column(0, 0, 100)
    row = 0
    body.write(row, 0, content.get("title", ""), f_title)
    body.set_row(row, 28)
    row += 1
    for meta in (
        content.get("doc_number", ""),
        " ".join(x for x in (content.get("issuer", ""), format_cn_date(content.get("date"))) if x),
        f"统计期：{content['period_label']}" if content.get("period_label") else "",
    ):
        if meta:
            body.write(row, 0, meta, f_meta)
            row += 1
    row += 1
    tables = []
    for block in content.get("blocks", []):
        kind = block.get("type")
        if kind == "heading":
            body.write(row, 0, block.get("text", ""), f_heading)
        elif kind == "paragraph":
            text = "".join(r.get("text", "") for r in block.get("runs", []))
            body.write(row, 0, "\u3000\u3000" + text, f_text)
            # wrapped rows do not grow automatically in Excel: give long paragraphs room
            lines = max(1, math.ceil(_display_width(text) / 48))
            if lines > 1:
                body.set_row(row, 15 * lines)
        elif kind == "table":
            tables.append(block)
            body.write(row, 0, f"（{block.get('title') or '表格'}：见工作表）", f_meta)
        else:
            continue
        row += 1

    for idx, block in enumerate(tables, start=1):
        ws = wb.add_worksheet(_sheet_name(block.get("title", ""), used, f"表{idx}"))
        columns = [str(c) for c in block.get("columns", [])]
        rows = block.get("rows", [])
        ncols = max([len(columns)] + [len(r) for r in rows]) if (columns or rows) else 1
        if block.get("title"):
            ws.write(0, 0, block["title"], f_sheet_title)
        ws.set_row(0, 22)
        header_row = 1
        for c, name in enumerate(columns):
            ws.write_string(header_row, c, name, f_header)
        widths = [_display_width(name) for name in columns] + [0] * (ncols - len(columns))
        for r, data in enumerate(rows, start=header_row + 1):
            for c in range(ncols):
                cell = data[c] if c < len(data) else {"text": ""}
                text = _cell_text(cell)
                if _is_numeric_cell(cell):
                    value = cell["num"] if isinstance(cell["num"], int | float) else float(cell["num"])
                    ws.write_number(r, c, value, num_fmt(_number_format(text, value)))
                else:
                    ws.write_string(r, c, text, f_cell_text)
                widths[c] = max(widths[c], _display_width(text))
        for c, w in enumerate(widths):
            # Excel widths are in "0" characters; a CJK character is about two of them
            ws.set_column(c, c, min(60, max(8, 2 * w + 2)))
        ws.freeze_panes(header_row + 1, 0)
        if columns and rows:
            ws.autofilter(header_row, 0, header_row + len(rows), ncols - 1)
        ws.repeat_rows(header_row)
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)

    wb.close()
    return out.getvalue()
