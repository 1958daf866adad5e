"""The village notice (村级公示) of an identification procedure, as a .docx: the head of the
household, the village, the proposed category and the reason, and the notice period. Nothing
else about the family — no ID number, phone, bank account or health details."""

from urllib.parse import quote

from django.http import Http404, HttpResponse

from countyworks.core.audit import audit_log
from countyworks.core.models import AuditAction

from .flows import NOTICE_DAYS


def _cn(d):
    return f"{d.year}年{d.month}月{d.day}日"


def notice_lines(case):
    h = case.household
    return {
        "title": f"{h.unit.name}防止返贫监测对象识别公示",
        "body": [
            "经农户申请（或干部排查、部门筛查预警）、入户核实、信息比对和村级民主评议，"
            "拟将以下农户纳入防止返贫监测对象，现予公示。",
            f"户主姓名：{h.head_name}",
            f"所在村（社区）：{h.unit.name}",
            f"拟纳入类别：{case.get_proposed_category_display()}",
            f"纳入理由：{case.reason}",
            f"公示时间：{_cn(case.notice_from)}至{_cn(case.notice_to)}（不少于{NOTICE_DAYS}天）。",
            "公示期间如有异议，请向村（居）民委员会或镇（街道）反映。",
        ],
        "signature": f"{h.unit.name}村（居）民委员会",
        "date": _cn(case.notice_from),
    }


def render_docx(case):
    import io

    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    data = notice_lines(case)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "FangSong"
    style.font.size = Pt(16)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋_GB2312")
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(data["title"])
    run.bold = True
    run.font.size = Pt(22)
    for line in data["body"]:
        p = doc.add_paragraph(line)
        p.paragraph_format.first_line_indent = Pt(32)
    for text in (data["signature"], data["date"]):
        p = doc.add_paragraph(text)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def notice_response(case, fmt, *, actor):
    """The notice as .docx, or as PDF (the same .docx through the platform's converter)."""
    if fmt not in ("docx", "pdf"):
        raise Http404
    content = render_docx(case)
    if fmt == "pdf":  # PdfUnavailable (no LibreOffice on the server) is the view's to report
        from countyworks.reporting.pdf import docx_to_pdf

        content = docx_to_pdf(content)
    audit_log(action=AuditAction.EXPORT, actor=actor, obj=case, object_repr=f"{case.household.code} 公示",
              message=f"下载村级公示文书（{fmt}）")
    types = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf"}
    resp = HttpResponse(content, content_type=types[fmt])
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('村级公示_' + case.household.code + '.' + fmt)}"
    return resp
