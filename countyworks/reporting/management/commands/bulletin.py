"""`countyworks bulletin --programme investment --period 2024-03 --format docx|xlsx|html|json -o FILE`"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string

from countyworks.core.parsing import InvalidValue


class Command(BaseCommand):
    help = (
        "生成月通报：--programme 业务代码|all --period YYYY-MM --format docx|xlsx|html|json -o 文件"
    )

    def add_arguments(self, parser):
        from countyworks.core import programmes as registry

        parser.add_argument("--programme", required=True, choices=[c for c, _ in registry.bulletin_choices()])
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--format", default="json", choices=["docx", "pdf", "xlsx", "html", "json"])
        parser.add_argument("-o", "--output", required=True)
        parser.add_argument("--unit", help="单位名称或代码；缺省为顶级单位")
        parser.add_argument("--publish", action="store_true", help="同时保存为已发布的通报快照")
        parser.add_argument("--correction-note", default="", help="本期已发布时，发布更正版的更正说明")
        parser.add_argument("--doc-number", default="", help="文号，如 某投促〔2024〕3号；缺省按本单位通报版头设置编号")

    def handle(self, programme, period, format, output, unit=None, publish=False, doc_number="",
               correction_note="", **opts):
        from django.core.exceptions import ValidationError

        from countyworks.core.selectors import unit_by_name_or_code as _unit
        from countyworks.reporting.bulletins import bulletin_build
        from countyworks.reporting.documents import render_docx, render_xlsx

        top = _unit(unit)
        try:
            if publish:
                from countyworks.reporting.services import bulletin_create, bulletin_publish

                b = bulletin_publish(
                    bulletin=bulletin_create(
                        programme=programme, period=period, unit=top, actor=None, doc_number=doc_number
                    ),
                    actor=None, correction_note=correction_note,
                )
                content = b.content
            else:
                content = bulletin_build(programme=programme, period=period, unit=top, doc_number=doc_number)
        except (InvalidValue, ValueError) as exc:
            raise CommandError(str(exc))
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages))
        path = Path(output)
        if format == "json":
            path.write_text(json.dumps(content, ensure_ascii=False, indent=2), encoding="utf-8")
        elif format == "docx":
            path.write_bytes(render_docx(content))
        elif format == "pdf":
            from countyworks.reporting.pdf import PdfUnavailable, render_pdf

            try:
                path.write_bytes(render_pdf(content))
            except PdfUnavailable as exc:
                raise CommandError(str(exc))
        elif format == "xlsx":
            path.write_bytes(render_xlsx(content))
        else:
            html = render_to_string("reporting/bulletin_standalone.html", {"content": content, "links": False})
            path.write_text(html, encoding="utf-8")
        self.stdout.write(
            self.style.SUCCESS(f"已生成{content['title']}（{content['period_label']}）：{path}")
        )
