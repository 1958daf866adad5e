"""The PDF of a bulletin (LibreOffice headless from the .docx): the red masthead and rule are there,
and the pages carry their numbers. Needs `make browser-deps` (libreoffice-writer-nogui, poppler)."""

import shutil
import subprocess

import pytest

from countyworks.reporting.pdf import PdfUnavailable, docx_to_pdf, render_pdf

needs_office = pytest.mark.skipif(
    not (shutil.which("soffice") and shutil.which("pdftoppm") and shutil.which("pdftotext")),
    reason="LibreOffice / poppler not installed (make browser-deps installs them)",
)


def content(paragraphs=60):
    from countyworks.reporting.content import level1, paragraph

    blocks = [level1(1, "总体情况")]
    blocks += [paragraph(f"第{i}段：全区各单位认真落实工作部署，推进项目建设，取得阶段性成效。") for i in range(paragraphs)]
    return {"title": "某区招商引资工作月通报", "subtitle": "（2024年3月）", "masthead": "某区投资促进中心",
            "doc_number": "某投促〔2024〕3号", "issuer": "某区投资促进中心", "date": "2024-04-05",
            "blocks": blocks, "figures": {}}


def _red_pixels(ppm: bytes) -> int:
    """Count strongly red pixels of a binary PPM (P6) page image."""
    parts = ppm.split(maxsplit=4)
    assert parts[0] == b"P6"
    width, height, data = int(parts[1]), int(parts[2]), parts[4]
    n = 0
    for i in range(0, width * height * 3, 3):
        r, g, b = data[i], data[i + 1], data[i + 2]
        if r > 200 and g < 90 and b < 90:
            n += 1
    return n


@needs_office
def test_pdf_has_the_red_masthead_rule_and_page_numbers(tmp_path):
    pdf = render_pdf(content())
    assert pdf[:5] == b"%PDF-"
    path = tmp_path / "b.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    flat = text.replace(" ", "")  # pdftotext spaces CJK from digits
    assert "某区投资促进中心" in flat and "某投促〔2024〕3号" in flat
    assert flat.count("\f") >= 2  # pages
    assert "—1—" in flat and "—2—" in flat
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")], check=True)
    first = sorted(tmp_path.glob("p*.ppm"))[0].read_bytes()
    assert _red_pixels(first) > 200  # the red 发文机关标志 and the red rule under it


def test_a_server_without_libreoffice_says_so_in_chinese(monkeypatch):
    from countyworks.reporting import pdf

    monkeypatch.setattr(pdf, "converter", lambda: None)
    with pytest.raises(PdfUnavailable, match="未安装 LibreOffice"):
        docx_to_pdf(b"PK")
