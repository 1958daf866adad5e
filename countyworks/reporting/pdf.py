"""PDF of an official document: the .docx we generate, converted by LibreOffice headless.

Why LibreOffice rather than WeasyPrint from the HTML version: the .docx is the document of record
(GB/T 9704 layout: 版头, red rule, 3号仿宋 at 28 lines of 22 characters, page numbers "— 1 —" on
alternating sides); converting that same file keeps the PDF identical to what Word prints, where
an HTML rendering would be a second layout to keep in step. Fonts are the free CJK fonts of Debian
(fonts-noto-cjk, fonts-arphic-ukai), mapped to the faces the document names by fonts/fonts.conf.
Nothing is fetched from the network; each conversion runs in its own temporary profile, with a
time limit, so a stuck converter never holds a web worker."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

FONTS_CONF = Path(__file__).resolve().parent / "fonts" / "fonts.conf"
TIMEOUT_S = 90


class PdfUnavailable(Exception):
    """The server cannot render PDF (LibreOffice missing, or the conversion failed)."""


def converter():
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(data: bytes) -> bytes:
    exe = converter()
    if exe is None:
        raise PdfUnavailable("服务器未安装 LibreOffice（libreoffice-writer-nogui），暂不能生成 PDF，请下载 Word 版本")
    with tempfile.TemporaryDirectory(prefix="cw-pdf-") as tmp:
        src = Path(tmp) / "document.docx"
        src.write_bytes(data)
        env = {**os.environ, "HOME": tmp, "FONTCONFIG_FILE": str(FONTS_CONF)}
        try:
            subprocess.run(
                [exe, "--headless", "--norestore", "--nolockcheck", f"-env:UserInstallation=file://{tmp}/profile",
                 "--convert-to", "pdf", "--outdir", tmp, str(src)],
                check=True, capture_output=True, timeout=TIMEOUT_S, env=env,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            raise PdfUnavailable(f"PDF 生成失败（{type(exc).__name__}），请下载 Word 版本") from exc
        out = Path(tmp) / "document.pdf"
        if not out.is_file():
            raise PdfUnavailable("PDF 生成失败，请下载 Word 版本")
        return out.read_bytes()


def render_pdf(content: dict) -> bytes:
    from .documents import render_docx

    return docx_to_pdf(render_docx(content))
