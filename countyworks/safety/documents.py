"""The 安全隐患整改通知书 as a printable .docx (A4, 仿宋 body, 小标宋 title), numbered with the
hazard's notice number. Everything on it comes from the hazard record."""

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_HEI = "黑体"


def cn_date(d):
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def _run(paragraph, text, font=FONT_BODY, size=16, bold=False):
    r = paragraph.add_run(text)
    r.font.size = Pt(size)
    r.font.bold = bold
    r.font.name = font
    r._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return r


def _para(doc, text="", *, align=None, indent=True, font=FONT_BODY, size=16, bold=False, space_after=0):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    pf = p.paragraph_format
    pf.line_spacing = Pt(28)
    pf.space_after = Pt(space_after)
    if indent:
        pf.first_line_indent = Pt(size * 2)
    if text:
        _run(p, text, font, size, bold)
    return p


def rectification_notice_docx(hazard) -> bytes:
    """The notice of one hazard (its number, the party, what was found, what to do and by when,
    the issuing team and date), as .docx bytes."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    obj = hazard.object
    campaign = hazard.campaign
    issuer = campaign.lead_bureau.name if campaign.lead_bureau_id else hazard.team.name

    _para(doc, "安全隐患整改通知书", align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, font=FONT_TITLE, size=22,
          space_after=12)
    _para(doc, hazard.notice_no, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, space_after=12)
    _para(doc, f"{hazard.responsible}：", indent=False)
    _para(doc, f"{cn_date(hazard.found_on)}，{hazard.team.name}"
               f"{'在' + campaign.name + '中' if not campaign.routine else '在日常检查中'}"
               f"对你单位负责的{obj.name}（{obj.category.name}"
               f"{'，' + obj.address if obj.address else ''}）进行了安全检查，发现存在以下"
               f"{hazard.get_level_display()}：")
    _para(doc, hazard.description)
    _para(doc, "一、整改要求", font=FONT_HEI)
    _para(doc, hazard.requirement or "立即整改，消除隐患。")
    _para(doc, "二、整改期限", font=FONT_HEI)
    _para(doc, f"请于{cn_date(hazard.deadline)}前整改完毕，并将整改情况（附整改后照片）报检查组复查。"
               "确有困难不能按期完成的，应在期限届满前提出延期申请，说明理由。")
    _para(doc, "三、其他", font=FONT_HEI)
    _para(doc, "整改期间应采取必要的安全防范措施，防止发生事故。逾期未整改或整改不到位的，"
               + ("将依法挂牌督办并" if hazard.level == "major" else "将")
               + "依法依规处理。")
    _para(doc, f"隐患编号：{hazard.code}", space_after=24)
    _para(doc, issuer, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _para(doc, hazard.team.name, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _para(doc, cn_date(hazard.notice_date), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, space_after=24)
    _para(doc, "被检查单位签收：                签收日期：    年  月  日", indent=False, size=14)
    buf = io.BytesIO()
    doc.core_properties.title = f"安全隐患整改通知书 {hazard.notice_no}"
    doc.save(buf)
    return buf.getvalue()
