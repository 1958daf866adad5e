"""Pages of the rural programme (百千万工程). Thin: querysets only through the scoped mixins /
`visible_to`, figures from selectors, every write from a service function."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, Sum
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.generic import TemplateView

from countyworks.core import clock
from countyworks.core.models import Attachment, OrgUnit, Programme
from countyworks.core.viewmixins import (
    ScopedCreateView,
    ScopedDetailView,
    ScopedListView,
    ScopedMixin,
    ScopedUpdateView,
)

from . import selectors, services
from .filters import PlanFilter, unit_filter_for
from .forms import (
    AggregationForm,
    CheckForm,
    DesignationForm,
    EarnForm,
    EventForm,
    GridForm,
    LevelForm,
    MapForm,
    PlanForm,
    ProgressForm,
    RedeemForm,
    ReverseForm,
    RuleForm,
    StatsForm,
    TaskForm,
    VillagerForm,
    top_unit,
)
from .models import (
    CampaignEvent,
    CultivationTask,
    Designation,
    DesignationLevel,
    GreeningPlan,
    MaintenanceGrid,
    PointEntry,
    PointRule,
    UpkeepCheck,
    Villager,
)
from .tables import EventTable, GridTable, PlanTable, VillagerTable

P = Programme.RURAL


def errors_to_form(form, exc):
    if hasattr(exc, "error_dict"):
        for fld, errs in exc.error_dict.items():
            form.add_error(fld if fld in form.fields else None, errs)
    else:
        form.add_error(None, exc)


class RuralView:
    programme = P


class HomeView(RuralView, ScopedMixin, TemplateView):
    """The programme's front page: greening progress of the user's top unit, what waits for the
    user (plans to approve), and the registers."""

    model = GreeningPlan
    template_name = "rural/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        unit = top_unit(user)
        ctx["title"] = "百千万工程"
        ctx["unit"] = unit
        if unit is not None:
            ctx["stats"] = selectors.greening_stats(unit=unit, through=clock.today())
            ctx["typical"] = selectors.typical_counts(unit=unit)
        ctx["to_approve"] = (GreeningPlan.objects.visible_to(user, "review")
                             .filter(status=GreeningPlan.Status.SUBMITTED).select_related("unit"))
        ctx["returned"] = (GreeningPlan.objects.visible_to(user, "change")
                           .filter(status=GreeningPlan.Status.RETURNED).select_related("unit"))
        return ctx


# --- typical villages and towns ------------------------------------------------------------------------


class TypicalListView(RuralView, ScopedMixin, TemplateView):
    model = Designation
    template_name = "rural/typical_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = Designation.objects.visible_to(self.request.user)
        ctx.update(title="典型村镇培育", groups=selectors.typical_by_level(qs), total=qs.count(),
                   can_create=bool(services.scope_paths(self.request.user, programme=P, action="manage")))
        return ctx

    def render_to_response(self, context, **kwargs):
        if self.request.GET.get("export") != "xlsx":
            return super().render_to_response(context, **kwargs)
        import io
        from urllib.parse import quote

        from django.http import HttpResponse

        from countyworks.core.audit import audit_log
        from countyworks.core.models import AuditAction
        from countyworks.core.spreadsheets import write_xlsx

        rows = [[lvl.name, d.unit.name, d.year, len(d.tasks.all()), "" if p is None else p]
                for lvl, items in context["groups"] for d, p in items]
        buf = io.BytesIO()
        write_xlsx(buf, [("典型村镇", ["级别批次", "村（镇）", "认定年度", "培育任务(项)", "平均进度(%)"], rows)])
        audit_log(action=AuditAction.EXPORT, actor=self.request.user, object_type="export.rural.designation",
                  object_repr="典型村镇导出", message=f"导出{len(rows)}行")
        resp = HttpResponse(buf.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'典型村镇_{clock.today():%Y%m%d}.xlsx')}"
        return resp


class TypicalCreateView(RuralView, ScopedMixin, TemplateView):
    model = Designation
    action = "manage"
    template_name = "core/form.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", DesignationForm(user=self.request.user))
        ctx["title"] = "认定典型村镇"
        return ctx

    def post(self, request, *args, **kwargs):
        form = DesignationForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                d = services.designation_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, f"已认定{d}")
                return redirect(d.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form))


class LevelView(RuralView, ScopedMixin, TemplateView):
    """The designation levels and batches (级别批次): listed for everyone of the programme, added
    and changed by the programme office."""

    model = Designation
    template_name = "rural/levels.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        can = bool(services.scope_paths(self.request.user, programme=P, action="manage"))
        ctx.update(title="典型村镇级别批次", levels=DesignationLevel.objects.all(), can_manage=can,
                   form=kwargs.get("form") or LevelForm())
        return ctx

    def post(self, request, *args, **kwargs):
        level = get_object_or_404(DesignationLevel, pk=request.POST["pk"]) if request.POST.get("pk") else None
        form = LevelForm(request.POST, instance=None)
        if form.is_valid():
            try:
                services.level_save(actor=request.user, level=level, **form.cleaned_data)
            except PermissionDenied:
                raise
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, "已保存")
                return redirect("rural:levels")
        return self.render_to_response(self.get_context_data(form=form))


class TypicalDetailView(RuralView, ScopedDetailView):
    model = Designation
    template_name = "rural/typical_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "level")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        d = self.object
        ctx.update(
            title=str(d), tasks=list(d.tasks.all()), progress=selectors.designation_progress(d),
            history=Designation.objects.filter(unit=d.unit).select_related("level").order_by("year", "level__rank"),
            can_change=services.can(self.request.user, d.unit),
            task_form=kwargs.get("task_form") or TaskForm(),
        )
        return ctx

    def post(self, request, *args, **kwargs):
        self.object = d = self.get_object()
        if request.POST.get("task"):
            task = get_object_or_404(CultivationTask, pk=request.POST["task"], designation=d)
            form = ProgressForm(request.POST)
            if form.is_valid():
                try:
                    services.task_progress(actor=request.user, task=task, progress=form.cleaned_data["progress"])
                    messages.success(request, f"已更新“{task.title}”的进度")
                except ValidationError as exc:
                    messages.error(request, "；".join(exc.messages))
            else:
                messages.error(request, "完成值：" + "；".join(form.errors.get("progress", ["格式不正确"])))
            return redirect(d.get_absolute_url())
        form = TaskForm(request.POST)
        if form.is_valid():
            try:
                services.task_create(actor=request.user, designation=d, **form.cleaned_data)
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, "已添加培育任务")
                return redirect(d.get_absolute_url())
        return self.render_to_response(self.get_context_data(task_form=form))


# --- work plans -------------------------------------------------------------------------------------------


class PlanListView(RuralView, ScopedListView):
    model = GreeningPlan
    table_class = PlanTable
    filterset_class = PlanFilter
    title = export_name = "乡村绿化工作计划"

    def get_queryset(self):
        return super().get_queryset().select_related("unit")

    def get_create_url(self):
        return reverse("rural:plan_create") if services.scope_paths(self.request.user, programme=P, action="change") else None


class PlanCreateView(RuralView, ScopedCreateView):
    model = GreeningPlan
    form_class = PlanForm
    title = "制定乡村绿化工作计划"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("unit", "year", "map")}
        plan = services.plan_create(actor=self.request.user, unit=form.cleaned_data["unit"],
                                    year=form.cleaned_data["year"], **data)
        if form.cleaned_data.get("map"):
            services.plan_map_add(actor=self.request.user, plan=plan, upload=form.cleaned_data["map"])
        return plan

    def get_success_url(self):
        return self.object.get_absolute_url()


class PlanUpdateView(RuralView, ScopedUpdateView):
    model = GreeningPlan
    form_class = PlanForm
    title = "修改乡村绿化工作计划"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "map"}
        plan = services.plan_update(actor=self.request.user, plan=self.object, **data)
        if form.cleaned_data.get("map"):
            services.plan_map_add(actor=self.request.user, plan=plan, upload=form.cleaned_data["map"])
        return plan

    def get_success_url(self):
        return self.object.get_absolute_url()


class PlanDetailView(RuralView, ScopedDetailView):
    model = GreeningPlan
    template_name = "rural/plan_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "created_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        plan = self.object
        maps = selectors.plan_maps(plan)
        ctx.update(
            title=str(plan), maps=maps, current_map=maps[0] if maps else None,
            map_is_image=bool(maps) and selectors.is_image(maps[0]),
            progress=selectors.village_progress(plan, through=clock.today()),
            can_change=plan.editable and services.can(self.request.user, plan.unit),
            map_form=kwargs.get("map_form") or MapForm(),
            grids=MaintenanceGrid.objects.filter(unit=plan.unit, active=True),
        )
        return ctx

    def post(self, request, *args, **kwargs):
        self.object = plan = self.get_object()
        form = MapForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.plan_map_add(actor=request.user, plan=plan, upload=form.cleaned_data["file"])
            except ValidationError as exc:
                errors_to_form(form, exc)
            except PermissionDenied:
                raise
            else:
                messages.success(request, "已上传绿化示意图")
                return redirect(plan.get_absolute_url())
        return self.render_to_response(self.get_context_data(map_form=form))


INLINE_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
                "webp": "image/webp", "pdf": "application/pdf"}
INLINE_MODELS = {GreeningPlan, UpkeepCheck}


@xframe_options_sameorigin
def attachment_inline(request, pk):
    """A map or photo of a plan or upkeep check, served inline (shown in the page: an <img> or,
    for a PDF, an <iframe> of this same site) when its record is visible to the user; else 404."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    att = get_object_or_404(Attachment, pk=pk)
    model = att.content_type.model_class()
    if model not in INLINE_MODELS or not model.objects.visible_to(request.user).filter(pk=att.object_id).exists():
        raise Http404
    ext = att.original_name.rsplit(".", 1)[-1].lower()
    if ext not in INLINE_TYPES:
        raise Http404
    resp = FileResponse(att.file.open("rb"), content_type=INLINE_TYPES[ext])
    resp["Content-Disposition"] = "inline"
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Content-Security-Policy"] = "frame-ancestors 'self'; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return resp


# --- grids ------------------------------------------------------------------------------------------------


class GridListView(RuralView, ScopedListView):
    model = MaintenanceGrid
    table_class = GridTable
    filterset_class = unit_filter_for(MaintenanceGrid)
    title = export_name = "网格化管护"

    def get_queryset(self):
        return (super().get_queryset().select_related("unit")
                .annotate(check_count=Count("checks"), last_check=Max("checks__date")).order_by("unit__path", "name"))

    def get_create_url(self):
        return reverse("rural:grid_create") if services.scope_paths(self.request.user, programme=P, action="change") else None


class GridCreateView(RuralView, ScopedCreateView):
    model = MaintenanceGrid
    form_class = GridForm
    title = "建立管护网格"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        return services.grid_create(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return self.object.get_absolute_url()


class GridDetailView(RuralView, ScopedDetailView):
    model = MaintenanceGrid
    template_name = "rural/grid_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("unit")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        g = self.object
        checks = list(g.checks.select_related("created_by"))
        for c in checks:
            c.photos = selectors.attachments_of(c)
        totals = g.checks.aggregate(lost=Coalesce(Sum("lost"), 0), replanted=Coalesce(Sum("replanted"), 0))
        ctx.update(title=str(g), checks=checks, totals=totals,
                   can_change=services.can(self.request.user, g.unit),
                   check_form=kwargs.get("check_form") or CheckForm())
        return ctx

    def post(self, request, *args, **kwargs):
        self.object = g = self.get_object()
        form = CheckForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.check_create(actor=request.user, grid=g, **form.cleaned_data)
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, "已记录管护巡查")
                return redirect(g.get_absolute_url())
        return self.render_to_response(self.get_context_data(check_form=form))


# --- events -----------------------------------------------------------------------------------------------


class EventListView(RuralView, ScopedListView):
    model = CampaignEvent
    table_class = EventTable
    filterset_class = unit_filter_for(CampaignEvent, search="title")
    title = export_name = "植树活动"

    def get_queryset(self):
        return (super().get_queryset().select_related("unit", "organiser")
                .annotate(trees_total=Coalesce(Sum("species__trees"), 0)).order_by("-date", "-pk"))

    def get_create_url(self):
        return reverse("rural:event_create") if services.scope_paths(self.request.user, programme=P, action="change") else None


def _report_of_week(unit, day):
    from countyworks.dispatch.models import Submission
    from countyworks.dispatch.selectors import monday

    return Submission.objects.filter(form__code=selectors.GREENING_FORM, unit=unit, week_start=monday(day)).first()


class EventCreateView(RuralView, ScopedMixin, TemplateView):
    model = CampaignEvent
    action = "change"
    template_name = "core/form.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", EventForm(user=self.request.user))
        ctx["title"] = "登记植树活动"
        return ctx

    def post(self, request, *args, **kwargs):
        form = EventForm(request.POST, user=request.user)
        if form.is_valid():
            d = dict(form.cleaned_data)
            species = d.pop("species_text")
            counted = d.pop("counted_in_report")
            report = None
            if counted:
                report = _report_of_week(d["unit"], d["date"])
                if report is None:
                    form.add_error("counted_in_report", f"{d['unit'].name}当周尚无乡村绿化周报，请先报送周报或取消勾选")
            if not form.errors:
                try:
                    e = services.event_create(actor=request.user, species=species, report=report, **d)
                except ValidationError as exc:
                    errors_to_form(form, exc)
                else:
                    messages.success(request, "已登记植树活动")
                    return redirect(e.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form))


class EventDetailView(RuralView, ScopedDetailView):
    model = CampaignEvent
    template_name = "rural/event_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "organiser", "report")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        e = self.object
        ctx.update(title=str(e), species=list(e.species.all()), week_report=_report_of_week(e.unit, e.date),
                   can_change=services.can(self.request.user, e.unit))
        return ctx

    def post(self, request, *args, **kwargs):
        e = self.get_object()
        report = _report_of_week(e.unit, e.date) if request.POST.get("link") == "1" else None
        try:
            services.event_link(actor=request.user, event=e, report=report)
            messages.success(request, "已计入村周报" if report else "已改为单独计入")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect(e.get_absolute_url())


# --- villager points --------------------------------------------------------------------------------------


class VillagerListView(RuralView, ScopedListView):
    model = Villager
    table_class = VillagerTable
    filterset_class = unit_filter_for(Villager)
    title = export_name = "村民积分"
    template_name = "rural/villager_list.html"

    def get_queryset(self):
        return selectors.balances(super().get_queryset().select_related("unit")).order_by("unit__path", "-balance", "name")

    def get_create_url(self):
        return reverse("rural:villager_create") if services.scope_paths(self.request.user, programme=P, action="change") else None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        from .forms import units_for
        from .models import VILLAGE_KINDS

        ctx["villages"] = units_for(self.request.user, "view", VILLAGE_KINDS)
        ctx["month"] = clock.today().strftime("%Y-%m")
        return ctx


class VillagerCreateView(RuralView, ScopedMixin, TemplateView):
    model = Villager
    action = "change"
    template_name = "core/form.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", VillagerForm(user=self.request.user))
        ctx["title"] = "登记积分村民"
        return ctx

    def post(self, request, *args, **kwargs):
        form = VillagerForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                v = services.villager_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, f"已登记{v}")
                return redirect(v.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form))


class VillagerDetailView(RuralView, ScopedDetailView):
    model = Villager
    template_name = "rural/villager_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("unit")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        v = self.object
        entries = list(v.entries.select_related("rule", "created_by").order_by("date", "pk"))
        reversed_ids = set(PointEntry.objects.filter(villager=v, reverses__isnull=False).values_list("reverses_id", flat=True))
        running = 0
        for e in entries:
            running += e.points
            e.running = running
            e.is_reversed = e.pk in reversed_ids
        ctx.update(title=f"{v.unit.name} {v.name} 积分台账", entries=entries, balance=running,
                   can_change=services.can(self.request.user, v.unit),
                   earn_form=kwargs.get("earn_form") or EarnForm(villager=v),
                   redeem_form=kwargs.get("redeem_form") or RedeemForm())
        return ctx

    def post(self, request, *args, **kwargs):
        self.object = v = self.get_object()
        op = request.POST.get("op")
        forms = {}
        try:
            if op == "earn":
                form = forms["earn_form"] = EarnForm(request.POST, villager=v)
                if form.is_valid():
                    services.points_earn(actor=request.user, villager=v, **form.cleaned_data)
                    messages.success(request, "已登记积分")
                    return redirect(v.get_absolute_url())
            elif op == "redeem":
                form = forms["redeem_form"] = RedeemForm(request.POST)
                if form.is_valid():
                    services.points_redeem(actor=request.user, villager=v, **form.cleaned_data)
                    messages.success(request, "已登记兑换")
                    return redirect(v.get_absolute_url())
            elif op == "reverse":
                form = ReverseForm(request.POST)
                if not form.is_valid():
                    messages.error(request, "冲正须填写原因")
                    return redirect(v.get_absolute_url())
                entry = get_object_or_404(PointEntry, pk=form.cleaned_data["entry"], villager=v)
                services.points_reverse(actor=request.user, entry=entry, reason=form.cleaned_data["reason"])
                messages.success(request, "已登记冲正记录")
                return redirect(v.get_absolute_url())
            else:
                raise Http404
        except ValidationError as exc:
            if op == "reverse":
                messages.error(request, "；".join(exc.messages))
                return redirect(v.get_absolute_url())
            errors_to_form(form, exc)
        return self.render_to_response(self.get_context_data(**forms))


class RuleListView(RuralView, ScopedMixin, TemplateView):
    model = PointRule
    template_name = "rural/rule_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(title="村民积分规则", rules=PointRule.objects.visible_to(self.request.user).select_related("unit"),
                   can_create=bool(services.scope_paths(self.request.user, programme=P, action="review")))
        return ctx


class RuleCreateView(RuralView, ScopedCreateView):
    model = PointRule
    form_class = RuleForm
    action = "review"
    title = "新增积分规则"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        return services.rule_create(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return reverse("rural:rule_list")


class PointsNoticeView(RuralView, ScopedMixin, TemplateView):
    """The printable monthly points notice (村民积分公示) of one village: names, points earned and
    redeemed in the month, balance and rank. No phone numbers."""

    model = Villager
    template_name = "rural/points_notice.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        unit = get_object_or_404(OrgUnit.objects.filter(selectors_scope(self.request.user)), pk=self.kwargs["unit"])
        try:
            y, m = (int(x) for x in self.request.GET.get("month", clock.today().strftime("%Y-%m")).split("-"))
            start = date(y, m, 1)
        except (ValueError, TypeError):
            raise Http404
        import calendar

        end = date(y, m, calendar.monthrange(y, m)[1])
        ctx.update(title=f"{unit.name}村民积分公示（{y}年{m}月）", unit=unit, start=start, end=end,
                   rows=selectors.monthly_notice(unit=unit, month_start=start, month_end=end))
        return ctx


def selectors_scope(user):
    from countyworks.core.scope import scope_q

    return scope_q(user, programme=P, unit_field="pk")


# --- greening statistics ---------------------------------------------------------------------------------


class GreeningView(RuralView, ScopedMixin, TemplateView):
    """The greening figures of one unit to a date (selectors.greening_stats), per child unit with
    rank, and the weekly form's figures with their aggregation types."""

    model = GreeningPlan
    template_name = "rural/greening.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        default = top_unit(user)
        data = {"unit": default.pk if default else None, "through": clock.today().isoformat()}
        data.update({k: v for k, v in self.request.GET.items() if k in ("unit", "through") and v})
        form = StatsForm(data, user=user)
        gform = selectors.greening_form()
        ctx.update(title="乡村绿化进度", form=form, gform=gform,
                   fields=[{**f, "aggregation": selectors.aggregation(f), "aggregation_label": selectors.aggregation_label(f)}
                           for f in (gform.fields if gform else [])],
                   can_manage=gform is not None and services.can(user, gform.owner, "manage"),
                   aggregation_choices=list(selectors.AGGREGATIONS.items()))
        if form.is_valid() and form.cleaned_data["unit"]:
            unit = form.cleaned_data["unit"]
            through = form.cleaned_data["through"] or clock.today()
            ctx.update(stats=selectors.greening_stats(unit=unit, through=through), unit=unit, through=through)
        return ctx

    def post(self, request, *args, **kwargs):
        gform = selectors.greening_form()
        form = AggregationForm(request.POST)
        if gform is None or not form.is_valid():
            raise Http404
        try:
            services.figure_aggregation_set(form=gform, actor=request.user, **form.cleaned_data)
            messages.success(request, "已更改汇总方式")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("rural:greening")


class RulesView(RuralView, ScopedMixin, TemplateView):
    model = GreeningPlan
    template_name = "rural/rules.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(title="乡村绿化统计口径", rules=selectors.COUNTING_RULES)
        return ctx
