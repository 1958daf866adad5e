"""Pages of the weekly dispatch and the monthly bulletins (周调度月通报). Thin: querysets come only
through the scoped mixins / `visible_to`, reporting figures from selectors, every write from a
service function; a bulletin page renders only its stored (frozen) content."""

from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from countyworks.core import clock
from countyworks.core import services as core_services
from countyworks.core.models import Attachment, AuditEntry, Programme, RoleKind
from countyworks.core.scope import programme_roles, unit_in_scope
from countyworks.core.viewmixins import (
    ScopedCreateView,
    ScopedDetailView,
    ScopedListView,
    ScopedMixin,
    ScopedUpdateView,
    ServiceFormMixin,
)

from . import selectors, services
from .filters import SubmissionFilter, TaskFilter
from .forms import (
    ReopenForm,
    ReportFormDefinitionForm,
    ReviewForm,
    SubmissionForm,
    TaskForm,
    TaskProgressForm,
    WeekPickerForm,
    dispatch_units,
)
from .models import ReportForm, Submission, Task
from .tables import SubmissionTable, TaskTable

P = Programme.DISPATCH
S = Submission.Status
GRID_WEEKS = 8
# the status grid's cells: short label and colour of each reporting state (selectors.UnitWeek.state)
CELL = {
    "on_time": ("按时", "cell-on-time"),
    "late": ("逾期", "cell-late"),
    "missing": ("未报", "cell-missing"),
    "returned": ("已退回", "cell-returned"),
    "pending": ("未到期", "cell-pending"),
}


def can(user, unit, action):
    return unit is not None and unit_in_scope(user, unit, programme=P, action=action)


def errors_to_form(form, exc):
    """A service's ValidationError next to its field where the form has one, else on top."""
    if hasattr(exc, "error_dict"):
        for fld, errs in exc.error_dict.items():
            form.add_error(fld if fld in form.fields else None, errs)
    else:
        form.add_error(None, exc)


def _parse_date(value):
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def submit_url(form, unit, week_start):
    return (
        reverse("dispatch:submit", args=[form.pk])
        + "?"
        + urlencode({"unit": unit.pk, "week": week_start.isoformat()})
    )


def current_week(form, today=None):
    """The week a unit should be reporting now: this week, or the form's last week once it ended."""
    week = selectors.monday(today or clock.today())
    if form.end_date:
        week = min(week, selectors.monday(form.end_date))
    return week if week >= selectors.monday(form.start_date) else None


WEEKDAYS = "一二三四五六日"


def due_text(form):
    return f"每周{WEEKDAYS[form.due_weekday - 1]} {form.due_time:%H:%M} 截止"


STATUS_LABELS = {**dict(Submission.Status.choices), **dict(Task.Status.choices)}


def history_of(obj):
    """The audit entries written for one record, oldest first (its status history), each with
    its status change in words."""
    entries = list(
        AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .select_related("actor")
        .order_by("seq")
    )
    for e in entries:
        change = (e.changes or {}).get("status")
        e.status_change = [STATUS_LABELS.get(v, v) if v else "—" for v in change] if change else None
    return entries


# --- dispatch home: the operator's weeks and the reviewer's status grid -----------------------------


class HomeView(ScopedMixin, TemplateView):
    programme = P
    template_name = "dispatch/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        kinds = {r.kind for r in programme_roles(user, P, "view")}
        forms = selectors.forms_for(user).select_related("owner")
        if "pk" in self.kwargs:  # one form's page
            forms = [get_object_or_404(forms, pk=self.kwargs["pk"])]
        picker = WeekPickerForm(self.request.GET or None)
        params = picker.cleaned_data if picker.is_valid() else {}
        ctx.update(title="周调度", picker=picker, today=clock.today())
        if RoleKind.OPERATOR in kinds:
            ctx["operator_cards"] = self.operator_cards(forms)
        if kinds - {RoleKind.OPERATOR}:
            ctx["grids"] = [g for g in (self.grid(f, params) for f in forms) if g]
        ctx["can_define_forms"] = RoleKind.MANAGER in kinds
        return ctx

    def operator_cards(self, forms):
        user = self.request.user
        units = dispatch_units(user, "change")
        cards = []
        for form in forms:
            week = current_week(form)
            if week is None:
                continue
            prev = week - timedelta(days=7)
            this_rows = selectors.week_status(form, week, units=units)
            prev_rows = (
                {r.unit.pk: r for r in selectors.week_status(form, prev, units=units)}
                if prev >= selectors.monday(form.start_date)
                else {}
            )
            for row in this_rows:
                last = prev_rows.get(row.unit.pk)
                cards.append(
                    {
                        "form": form,
                        "unit": row.unit,
                        "week": week,
                        "week_label": selectors.week_label(week),
                        "is_this_week": week == selectors.monday(clock.today()),
                        "now": self._cell(row, form),
                        "due_at": row.due_at,
                        "submit_url": submit_url(form, row.unit, week),
                        "prev": self._cell(last, form) if last else None,
                        "prev_label": selectors.week_label(prev),
                        "prev_submit_url": submit_url(form, row.unit, prev) if last else None,
                    }
                )
        return cards

    def _cell(self, row, form):
        label, css = CELL[row.state]
        sub = row.submission
        locked = bool(sub and sub.locked)
        if sub and sub.status == S.DRAFT:
            label = "草稿未提交" if row.state != "missing" else "未报（有草稿）"
        return {
            "state": row.state,
            "label": label,
            "css": css,
            "locked": locked,
            "submission": sub,
            "reason": sub.return_reason if sub and row.state == "returned" else "",
            "url": sub.get_absolute_url() if sub else None,
        }

    def grid(self, form, params):
        user = self.request.user
        units = dispatch_units(user, "view")
        all_weeks = selectors.form_weeks(form)
        if not all_weeks:
            return None
        last = selectors.monday(params["week"]) if params.get("week") else all_weeks[-1]
        shown = [w for w in all_weeks if w <= last][-GRID_WEEKS:] or all_weeks[:GRID_WEEKS]
        by_week = {w: {r.unit.pk: r for r in selectors.week_status(form, w, units=units)} for w in shown}
        assigned = list(form.units.filter(pk__in=units.values("pk")).order_by("path"))
        if not assigned:
            return None
        start, end = params.get("start"), params.get("end")
        range_weeks = [
            w for w in all_weeks if (not start or w >= selectors.monday(start)) and (not end or w <= end)
        ]
        rates = selectors.reporting_rates(form, range_weeks, units=units)
        rate_by_unit = {r["unit_id"]: r for r in rates["units"]}
        can_change = {u.pk for u in assigned if can(user, u, "change")}
        rows = []
        for u in assigned:
            cells = []
            for w in shown:
                row = by_week[w].get(u.pk)
                label, css = CELL[row.state]
                sub = row.submission
                url = (
                    sub.get_absolute_url()
                    if sub
                    else (submit_url(form, u, w) if u.pk in can_change else None)
                )
                cells.append(
                    {
                        "label": label,
                        "css": css,
                        "url": url,
                        "locked": bool(sub and sub.locked),
                        "title": f"{u.name} {selectors.week_label(w)}：{row.state_label}"
                        + (f"（{sub.get_status_display()}）" if sub else ""),
                    }
                )
            rows.append({"unit": u, "cells": cells, "rates": rate_by_unit.get(u.pk)})
        return {
            "form": form,
            "due_text": due_text(form),
            "weeks": [
                {"start": w, "label": selectors.week_label(w), "short": f"第{w.isocalendar()[1]}周"}
                for w in shown
            ],
            "rows": rows,
            "rates": rates,
            "range": (range_weeks[0], range_weeks[-1]) if range_weeks else None,
        }


# --- the weekly submission form ----------------------------------------------------------------------


class SubmitView(ScopedMixin, TemplateView):
    """`?unit=<id>&week=YYYY-MM-DD`: one unit's week of one report form."""

    programme = P
    action = "change"
    template_name = "dispatch/submission_form.html"

    def setup_week(self):
        user = self.request.user
        self.report_form = get_object_or_404(selectors.forms_for(user), pk=self.kwargs["form_pk"])
        self.units = self.report_form.units.filter(
            pk__in=dispatch_units(user, "change").values("pk")
        ).order_by("path")
        unit_id = self.request.GET.get("unit")
        if unit_id:
            if not str(unit_id).isdigit():
                raise Http404
            self.unit = get_object_or_404(self.units, pk=unit_id)
        else:
            self.unit = self.units.first() if self.units.count() == 1 else None
        week = _parse_date(self.request.GET.get("week"))
        self.week = selectors.monday(week) if week else current_week(self.report_form)
        weeks = selectors.form_weeks(self.report_form)
        self.week_ok = bool(self.week and weeks and weeks[0] <= self.week <= weeks[-1])
        self.submission = (
            Submission.objects.filter(form=self.report_form, unit=self.unit, week_start=self.week).first()
            if self.unit and self.week
            else None
        )

    def make_form(self, data=None, files=None):
        locked = bool(self.submission and self.submission.locked)
        initial = {}
        if self.submission:
            initial = {f"fig_{k}": ("" if v is None else v) for k, v in self.submission.figures.items()}
            initial["text"] = self.submission.text
        return SubmissionForm(data, files, report_form=self.report_form, locked=locked, initial=initial)

    def get(self, request, *args, **kwargs):
        self.setup_week()
        return self.render(self.make_form())

    def post(self, request, *args, **kwargs):
        self.setup_week()
        if self.unit is None or not self.week_ok:
            raise Http404
        if self.submission and self.submission.locked:
            # the service refuses too; say it plainly instead of showing a form of disabled fields
            messages.error(
                request,
                f"{selectors.week_label(self.week)}已审核锁定，不能修改；如需更正请联系审核人重新打开。",
            )
            return self.render(self.make_form(), status=409)
        form = SubmissionForm(request.POST, request.FILES, report_form=self.report_form)
        submit = request.POST.get("action") != "draft"
        if not form.is_valid():
            return self.render(form)
        figures, errors = services.clean_figures(self.report_form, form.raw_figures())
        if errors:
            form.add_service_errors(errors)
            return self.render(form)
        warnings = []
        try:
            with transaction.atomic():
                sub = services.submission_save(
                    form=self.report_form,
                    unit=self.unit,
                    week_start=self.week,
                    figures=figures,
                    text=form.cleaned_data["text"],
                    actor=request.user,
                    submit=submit,
                    confirm=form.cleaned_data["confirm"],
                    explanation=form.cleaned_data["explanation"],
                )
                for photo in form.cleaned_data["photos"]:
                    core_services.attachment_add(target=sub, upload=photo, actor=request.user)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors = dict(exc.message_dict)
                warnings = errors.pop("confirm", [])
                if "file" in errors:
                    errors["photos"] = errors.pop("file")
                form.add_service_errors(errors)
            else:
                form.add_error(None, exc)
            return self.render(form, warnings=warnings, photos_dropped=bool(form.cleaned_data.get("photos")))
        messages.success(
            request, f"{selectors.week_label(self.week)}周报已提交" if submit else "已暂存，尚未提交"
        )
        return redirect(sub.get_absolute_url())

    def render(self, form, *, warnings=(), photos_dropped=False, status=200):
        rf, week = self.report_form, self.week
        ctx = self.get_context_data(
            form=form,
            report_form=rf,
            unit=self.unit,
            units=self.units,
            week=week,
            submission=self.submission,
            warnings=list(warnings),
            photos_dropped=photos_dropped,
            week_ok=self.week_ok,
            flag_rules=[r for r in rf.rules if r.get("severity") == "flag"],
            title=f"填报{rf.name}",
        )
        if week:
            ctx.update(
                week_label=selectors.week_label(week),
                week_end=week + timedelta(days=6),
                due_at=rf.due_at(week),
                overdue=timezone.now() > rf.due_at(week),
            )
            ctx["choose_urls"] = [(u, submit_url(rf, u, week)) for u in self.units]
            if self.unit:
                weeks = selectors.form_weeks(rf)
                prev, nxt = week - timedelta(days=7), week + timedelta(days=7)
                ctx["prev_url"] = submit_url(rf, self.unit, prev) if weeks and prev >= weeks[0] else None
                ctx["next_url"] = submit_url(rf, self.unit, nxt) if weeks and nxt <= weeks[-1] else None
        if self.submission:
            ctx["photos"] = _attachments(self.submission)
        return self.response_class(
            request=self.request,
            template=self.get_template_names(),
            context=ctx,
            using=self.template_engine,
            status=status,
        )


def _attachments(obj):
    return Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    )


# --- submissions: detail with review and reopening, list -----------------------------------------------


class SubmissionDetailView(ScopedDetailView):
    model = Submission
    programme = P
    template_name = "dispatch/submission_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("form", "unit", "submitted_by", "reviewed_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        sub, user = self.object, self.request.user
        may_review = can(user, sub.unit, "review")
        ctx.update(
            title=str(sub),
            week_label=selectors.week_label(sub.week_start),
            figures=[
                {"label": f["label"], "value": sub.figures.get(f["code"]), "unit": f.get("unit", "")}
                for f in sub.form.fields
            ],
            photos=_attachments(sub),
            history=history_of(sub),
            due_at=sub.form.due_at(sub.week_start),
            can_review=may_review and sub.status == S.SUBMITTED and sub.submitted_by_id != user.pk,
            own_submission=sub.submitted_by_id == user.pk,
            may_review=may_review,
            can_reopen=may_review and sub.locked,
            can_edit=can(user, sub.unit, "change") and not sub.locked,
            edit_url=submit_url(sub.form, sub.unit, sub.week_start),
            review_form=kwargs.get("review_form") or ReviewForm(),
            reopen_form=kwargs.get("reopen_form") or ReopenForm(),
        )
        return ctx

    def post(self, request, *args, **kwargs):
        self.object = sub = self.get_object()
        op = request.POST.get("op")
        if op in ("approve", "return"):
            form, key = ReviewForm(request.POST), "review_form"
        elif op == "reopen":
            form, key = ReopenForm(request.POST), "reopen_form"
        else:
            return HttpResponseBadRequest("未知操作")
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            try:
                if op == "reopen":
                    services.submission_reopen(submission=sub, actor=request.user, reason=reason)
                    messages.success(request, "已重新打开，填报单位可更正后重新提交")
                else:
                    services.submission_review(
                        submission=sub, actor=request.user, approve=op == "approve", reason=reason
                    )
                    messages.success(request, "审核通过，本周已锁定" if op == "approve" else "已退回填报单位")
                return redirect(sub.get_absolute_url())
            except ValidationError as exc:
                errors_to_form(form, exc)
        return self.render_to_response(self.get_context_data(**{key: form}))


class SubmissionListView(ScopedListView):
    model = Submission
    programme = P
    table_class = SubmissionTable
    filterset_class = SubmissionFilter
    template_name = "dispatch/list.html"
    title = export_name = "周报报送记录"

    def get_queryset(self):
        return super().get_queryset().select_related("form", "unit", "submitted_by", "reviewed_by")


# --- tasks ---------------------------------------------------------------------------------------------


class TaskListView(ScopedListView):
    model = Task
    programme = P
    table_class = TaskTable
    filterset_class = TaskFilter
    template_name = "dispatch/list.html"
    title = export_name = "重点任务"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "leader")

    def get_create_url(self):
        return reverse("dispatch:task_create") if programme_roles(self.request.user, P, "manage") else None


class TaskDetailView(ScopedDetailView):
    model = Task
    programme = P
    template_name = "dispatch/task_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "leader")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        t = self.object
        ctx.update(
            title=t.title,
            history=history_of(t),
            can_edit=can(self.request.user, t.unit, "change"),
            overdue=t.is_overdue(),
            rate=round(t.progress * 100 / t.target, 1) if t.target and t.progress is not None else None,
        )
        return ctx


class TaskCreateView(ScopedCreateView):
    model = Task
    programme = P
    action = "manage"
    form_class = TaskForm
    title = "新增重点任务"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        d = dict(form.cleaned_data)
        return services.task_create(
            actor=self.request.user,
            programme=d.pop("programme"),
            title=d.pop("title"),
            unit=d.pop("unit"),
            deadline=d.pop("deadline"),
            **d,
        )

    def get_success_url(self):
        return self.object.get_absolute_url()


class TaskUpdateView(ScopedUpdateView):
    model = Task
    programme = P
    title = "更新重点任务"

    def get_form_class(self):
        return TaskForm if can(self.request.user, self.get_object().unit, "manage") else TaskProgressForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        return services.task_update(task=self.get_object(), actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return self.object.get_absolute_url()


class ReportFormEditView(ScopedMixin, ServiceFormMixin, FormView):
    """Create (no pk) or change a weekly reporting form: programme managers only."""

    programme = P
    action = "manage"
    form_class = ReportFormDefinitionForm
    template_name = "core/form.html"
    success_message = "周报表已保存"

    def dispatch(self, request, *args, **kwargs):
        self.report_form = None
        if request.user.is_authenticated and "pk" in kwargs and self.has_permission():
            self.report_form = get_object_or_404(
                ReportForm.objects.filter(pk__in=selectors.forms_for(request.user).values("pk")), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self):
        return f"修改周报表：{self.report_form.name}" if self.report_form else "新建周报表"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        if self.report_form:
            return ReportFormDefinitionForm.initial_for(self.report_form)
        return {"start_date": clock.today(), "due_weekday": 5, "due_time": "17:00", "active": True}

    def perform(self, form):
        d = dict(form.cleaned_data)
        return services.report_form_save(
            actor=self.request.user, form=self.report_form, units=list(d.pop("units")), fields=d.pop("fields_text"),
            rules=d.pop("rules_text"), **d)

    def get_success_url(self):
        return self.object.get_absolute_url()
