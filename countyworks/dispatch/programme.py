"""What the weekly dispatch contributes to the platform (core.programmes): the 周调度 and 月通报
menu entries and the reporting section every bulletin carries."""

from countyworks.core.programmes import FigureModel, NavItem, ProgrammeSpec, Section, register


def _reporting(b):
    from .bulletin import reporting_section

    reporting_section(b)


def _num(v):
    if v is None:
        return "—"
    f = float(v)
    return f"{int(f):,}" if f == int(f) else f"{f:,.2f}".rstrip("0").rstrip(".")


def _figures_text(sub):
    return "；".join(
        f"{f['label']} {_num(sub.figures.get(f['code']))}{f.get('unit', '')}"
        for f in sub.form.fields
        if sub.figures.get(f["code"]) is not None
    )


def _submission_cells(s, fig):
    from .selectors import week_label

    return [s.unit.name, week_label(s.week_start), _figures_text(s), s.get_status_display()]


def _submission_value_column(s, code):
    field = next((f for f in s.form.fields if f["code"] == code), None)
    return f"{field['label']}({field.get('unit', '')})" if field else None


def _cockpit(**kwargs):
    from .cockpit import cockpit_contribution

    return cockpit_contribution(**kwargs)


def _api(router):
    from .api import SubmissionViewSet

    router.register("dispatch/submissions", SubmissionViewSet, basename="submission")


PROGRAMME = register(ProgrammeSpec(
    code="dispatch",
    label="周调度月通报",
    office="重点工作督查办公室",
    bulletin_title="重点工作",
    order=90,
    urls="countyworks.dispatch.urls",
    nav=[
        NavItem("dispatch", "周调度", "dispatch:home"),
        NavItem("bulletins", "月通报", "reporting:bulletin_list"),
    ],
    nav_flat=True,
    sections=[Section("dispatch.reporting", "周调度报送和重点任务推进情况", _reporting, order=900, every=True)],
    figure_models={
        "dispatch.submission": FigureModel(
            columns=("填报单位", "周次", "报送数据", "状态"), related=("unit", "form"), cells=_submission_cells,
            value_column=_submission_value_column, value=lambda s, code: s.figures.get(code),
        ),
        "dispatch.task": FigureModel(
            columns=("任务", "责任单位", "完成时限", "状态"), related=("unit",),
            cells=lambda t, fig: [t.title, t.unit.name, t.deadline.isoformat(), t.get_status_display()],
        ),
    },
    cockpit=_cockpit,
    api=_api,
    in_bulletin=False,
    reporting_programmes=("dispatch",),
))
