"""What the weekly dispatch contributes to the monthly bulletin: the reporting rate of each weekly
form (应报/实报/按时) and the overdue key tasks, in every programme's bulletin (the programmes' own
sections, greening included, come from their apps)."""

from datetime import datetime, time

from django.utils import timezone

from countyworks.core.models import OrgUnit, path_q
from countyworks.reporting.content import cell, names, paragraph, run, table

from .models import ReportForm, Submission, Task
from .selectors import form_weeks, reporting_rates


def reporting_section(b):
    programmes = b.reporting_programmes
    forms = ReportForm.objects.filter(programme__in=programmes, active=True)
    tasks = Task.objects.overdue(b.through).filter(path_q(b.unit.path, "unit__path"), programme__in=programmes)
    if not forms and not tasks:
        return
    b.section("周调度报送和重点任务推进情况")
    units = OrgUnit.objects.filter(path_q(b.unit.path))
    for f in forms:
        weeks = sorted(
            {w for w in form_weeks(f, until=b.through) if b.period.start <= w <= b.period.end}
        )
        if not weeks:
            continue
        now = timezone.make_aware(datetime.combine(b.through, time.max))
        r = reporting_rates(f, weeks, units=units, now=now)
        if not r["expected"]:
            continue
        subs = Submission.objects.filter(form=f, week_start__in=weeks, unit__in=units).values_list(
            "pk", flat=True
        )
        k = b.ref(
            f"dispatch.{f.code}.rate",
            f"{b.period.label_zh}{f.name}报送率",
            r["reporting_rate"],
            "dispatch.submission",
            list(subs),
        )
        missing = [u["unit"] for u in r["units"] if u["missing"]]
        late = [u["unit"] for u in r["units"] if u["late"]]
        # the records behind 应报 / 实报, by the same rule as reporting_rates: the assigned units,
        # and their submissions (first submitted, returned ones included) of the weeks already due
        due_weeks = [w for w in weeks if f.due_at(w) < now]
        unit_ids = [u["unit_id"] for u in r["units"]]
        submitted = Submission.objects.filter(form=f, week_start__in=due_weeks, unit__in=unit_ids,
                                              first_submitted_at__isnull=False)
        k_exp = b.ref(f"dispatch.{f.code}.expected", f"{b.period.label_zh}{f.name}应报单位（每单位每周一份）",
                      r["expected"], "core.orgunit", unit_ids)
        k_sub = b.ref(f"dispatch.{f.code}.submitted", f"{b.period.label_zh}{f.name}实报周报", r["submitted"],
                      "dispatch.submission", list(submitted.values_list("pk", flat=True)))
        runs = [
            f"{b.period.label_zh}“{f.name}”应报", run(f"{r['expected']}份", k_exp), "，实报",
            run(f"{r['submitted']}份", k_sub), "，报送率",
            run(f"{r['reporting_rate']:.1f}%", k),
            f"，按时报送率{r['timeliness']:.1f}%",
        ]
        if late:
            runs.append(f"；逾期报送的单位：{names(late)}")
        if missing:
            runs.append(f"；存在漏报的单位：{names(missing)}")
        runs.append("。")
        b.blocks.append(paragraph(*runs))
    if tasks:
        key = b.ref(
            "dispatch.tasks_overdue",
            "逾期未完成的重点任务",
            tasks.count(),
            "dispatch.task",
            list(tasks.values_list("pk", flat=True)),
        )
        b.blocks.append(
            paragraph(
                "重点任务中有", run(tasks.count(), key), "项已超过完成时限仍未完成，请包抓领导督促推进。"
            )
        )
        b.blocks.append(
            table(
                f"表{b.table_no()} 逾期重点任务",
                ["任务", "责任单位", "包抓领导", "完成时限"],
                [
                    [
                        cell(t.title),
                        cell(t.unit.name),
                        cell(str(t.leader) if t.leader else "—"),
                        cell(t.deadline.isoformat()),
                    ]
                    for t in tasks.select_related("unit", "leader")
                ],
                key="dispatch.tasks_overdue",
            )
        )

