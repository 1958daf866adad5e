"""Pages of the households programme. Querysets only through `visible_to` (a household of another
unit is a 404); protected values shown masked; revealing one is a POST with a reason, answered
with a page that is not cached; ID numbers and phones are searched by POST, never in a URL."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.generic import FormView, TemplateView

from countyworks.core import clock
from countyworks.core.models import Programme
from countyworks.core.scope import programme_roles, unit_in_scope
from countyworks.core.viewmixins import ScopedDetailView, ScopedListView, ScopedMixin, ServiceFormMixin

from . import forms as f
from . import selectors, services
from .filters import EliminationFilter, HouseholdFilter, IdentificationFilter
from .flows import ELIMINATION, IDENTIFICATION, elimination_refusal, notice_refusal, procedure_clock
from .masking import mask
from .models import (
    PROTECTED,
    Elimination,
    Household,
    Identification,
    Member,
    MonitoringLine,
    RiskFactor,
    Visit,
)
from .tables import EliminationTable, HouseholdTable, IdentificationTable

P = Programme.HOUSEHOLDS


def can(user, unit, action):
    return unit is not None and unit_in_scope(user, unit, programme=P, action=action)


def errors_to_form(form, exc):
    if hasattr(exc, "error_dict"):
        for fld, errs in exc.error_dict.items():
            form.add_error(fld if fld in form.fields else None, errs)
    else:
        form.add_error(None, exc)


class HouseholdsView:
    programme = P


# --- households -------------------------------------------------------------------------------------


class HouseholdListView(HouseholdsView, ScopedListView):
    model = Household
    table_class = HouseholdTable
    filterset_class = HouseholdFilter
    title = export_name = "监测户"
    template_name = "households/household_list.html"
    import_kind = "households"

    def get_queryset(self):
        return super().get_queryset().select_related("unit")

    def get_create_url(self):
        return reverse("households:household_create") if f.villages_for(self.request.user).exists() else None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["search_form"] = f.SearchForm()
        return ctx

    def export_xlsx(self, context):
        """The export of a register of personal data: masked values, and the exporting user and
        time in the file itself."""
        import io
        from urllib.parse import quote

        from django.http import HttpResponse

        from countyworks.core.audit import audit_log
        from countyworks.core.models import AuditAction
        from countyworks.core.spreadsheets import write_xlsx

        table = context["table"]
        values = list(table.as_values())
        headers, rows = [str(h) for h in values[0]], values[1:]
        stamp = f"导出人：{self.request.user.display_name}（{self.request.user.get_username()}）  " \
                f"导出时间：{clock.now():%Y-%m-%d %H:%M}  个人信息已脱敏，仅限工作使用"
        rows = [*rows, [], [stamp]]
        buf = io.BytesIO()
        write_xlsx(buf, [(self.export_name, headers, rows)])
        audit_log(action=AuditAction.EXPORT, actor=self.request.user, object_type="export.households.household",
                  object_repr="监测户导出", message=f"导出{len(values) - 1}户（已脱敏）")
        name = f"{self.export_name}_{clock.today():%Y%m%d}.xlsx"
        resp = HttpResponse(buf.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return resp


class SearchView(HouseholdsView, ScopedMixin, FormView):
    """Exact search by ID number or phone through the blind index; POST only."""

    form_class = f.SearchForm
    template_name = "households/search.html"

    def get(self, request, *args, **kwargs):
        return redirect("households:household_list")

    def form_valid(self, form):
        number = form.cleaned_data["number"]
        visible = Household.objects.visible_to(self.request.user)
        by_id = services.find_by_id_number(number, Member.objects.filter(household__in=visible))
        ids = set(by_id.values_list("household_id", flat=True))
        ids |= set(services.find_by_phone(number, visible).values_list("pk", flat=True))
        ids |= set(services.find_by_phone(number, Member.objects.filter(household__in=visible))
                   .values_list("household_id", flat=True))
        results = list(Household.objects.filter(pk__in=ids).select_related("unit"))
        if len(results) == 1:
            return redirect(results[0].get_absolute_url())
        resp = self.render_to_response(self.get_context_data(form=form, results=results, searched=True))
        add_never_cache_headers(resp)
        return resp


class HouseholdCreateView(HouseholdsView, ScopedMixin, ServiceFormMixin, FormView):
    form_class = f.HouseholdForm
    action = "change"
    title = "登记监测户"
    success_message = "已登记"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        try:
            return services.household_create(actor=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "id_number" in exc.error_dict:
                exc.error_dict["head_id_number"] = exc.error_dict.pop("id_number")
            raise

    def get_success_url(self):
        return self.object.get_absolute_url()


class HouseholdUpdateView(HouseholdsView, ScopedMixin, ServiceFormMixin, FormView):
    form_class = f.HouseholdEditForm
    action = "change"
    title = "修改户信息"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.has_permission():
            raise PermissionDenied("您没有访问此页面的权限")
        self.object = get_object_or_404(Household.objects.visible_to(request.user, "change"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def perform(self, form):
        data = {k: form.cleaned_data[k] for k in form.fields}
        return services.household_update(actor=self.request.user, household=self.object, **data)

    def get_success_url(self):
        return self.object.get_absolute_url()


class HouseholdDetailView(HouseholdsView, ScopedDetailView):
    """The household with its members, income, risks, procedures, measures and visits, and the
    small forms that add to them (`form=<name>` in the POST)."""

    model = Household
    template_name = "households/household_detail.html"
    form_actions = ("member", "member_remove", "income", "risk", "resolve", "measure", "measure_result", "visit",
                    "identify", "eliminate", "erase")

    def get_queryset(self):
        return super().get_queryset().select_related("unit")

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        name = request.POST.get("form", "")
        if name not in self.form_actions:
            messages.error(request, "无效的操作")
            return redirect(request.path)
        needed = "manage" if name == "erase" else "change"
        if not can(request.user, self.object.unit, needed):
            raise PermissionDenied("您没有修改该户信息的权限")
        form = self.forms(request.POST, request.FILES)[name]
        if form.is_valid():
            try:
                msg, target = getattr(self, f"do_{name}")(form.cleaned_data)
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, msg)
                return redirect(target or request.path)
        messages.error(request, "提交的内容有误，请按提示修改")
        return self.render_to_response(self.get_context_data(object=self.object, bound=(name, form)))

    def forms(self, data=None, files=None):
        return {
            "member": f.MemberForm(data, prefix="m"), "income": f.IncomeForm(data, prefix="i"),
            "risk": f.RiskForm(data, prefix="r"), "resolve": f.ResolveForm(data, prefix="rs"),
            "measure": f.MeasureForm(data, prefix="ms"), "visit": f.VisitForm(data, files, prefix="v"),
            "identify": f.IdentificationStartForm(data, prefix="id"),
            "eliminate": f.EliminationStartForm(data, prefix="el"), "erase": f.EraseForm(data, prefix="er"),
            "member_remove": f.MemberRemoveForm(data, prefix="mr"), "measure_result": f.MeasureResultForm(data, prefix="mo"),
        }

    def do_member(self, d):
        services.member_add(actor=self.request.user, household=self.object, **d)
        return "已登记家庭成员", None

    def do_member_remove(self, d):
        member = get_object_or_404(Member, pk=d["member"], household=self.object)
        services.member_remove(actor=self.request.user, member=member, reason=d["reason"])
        return "已移除家庭成员", None

    def do_measure_result(self, d):
        from .models import Measure

        measure = get_object_or_404(Measure, pk=d["measure"], household=self.object)
        services.measure_update(actor=self.request.user, measure=measure, result=d["result"])
        return "已更新帮扶成效", None

    def do_income(self, d):
        services.income_set(actor=self.request.user, household=self.object, **d)
        return "已登记年度收入", None

    def do_risk(self, d):
        services.risk_add(actor=self.request.user, household=self.object, **d)
        return "已登记风险因素", None

    def do_resolve(self, d):
        risk = get_object_or_404(RiskFactor, pk=d["risk"], household=self.object)
        services.risk_resolve(actor=self.request.user, risk=risk, resolved_on=d["resolved_on"],
                              resolution=d["resolution"])
        return "已登记风险化解", None

    def do_measure(self, d):
        services.measure_add(actor=self.request.user, household=self.object, **d)
        return "已登记帮扶措施", None

    def do_visit(self, d):
        services.visit_add(actor=self.request.user, household=self.object, **d)
        return "已登记走访记录", None

    def do_identify(self, d):
        case = services.identification_start(actor=self.request.user, household=self.object, **d)
        return "已启动识别程序", case.get_absolute_url()

    def do_eliminate(self, d):
        case = services.elimination_start(actor=self.request.user, household=self.object, **d)
        return "已启动风险消除程序", case.get_absolute_url()

    def do_erase(self, d):
        services.household_erase(actor=self.request.user, household=self.object, reason=d["reason"])
        return "已删除该户个人信息", None

    def get_context_data(self, bound=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        h, user = self.object, self.request.user
        forms = self.forms()
        if bound:
            forms[bound[0]] = bound[1]
        visits = list(h.visits.all())
        from django.contrib.contenttypes.models import ContentType

        from countyworks.core.models import Attachment

        photos = {}
        for att in Attachment.objects.filter(content_type=ContentType.objects.get_for_model(Visit),
                                             object_id__in=[str(v.pk) for v in visits]):
            photos.setdefault(int(att.object_id), []).append(att)
        for v in visits:
            v.photos = photos.get(v.pk, [])
        ctx.update(
            h=h, members=h.members.all(), incomes=h.incomes.all(), risks=h.risks.all(), measures=h.measures.all(),
            visits=visits, identifications=h.identifications.all(), eliminations=h.eliminations.all(),
            can_change=can(user, h.unit, "change") and not h.erased_at, can_manage=can(user, h.unit, "manage"),
            can_reveal=services.may_reveal(user, h) and not h.erased_at, forms=forms,
            open_case=h.identifications.filter(status__in=Identification.OPEN).first()
            or h.eliminations.filter(status__in=Elimination.OPEN).first(),
            elimination_block=elimination_refusal(h) if h.status == Household.Status.MONITORED else None,
            lines={x.year: x.amount for x in MonitoringLine.objects.all()},
        )
        return ctx


class RevealView(HouseholdsView, ScopedMixin, TemplateView):
    """POST: one protected field of one record of a visible household, with a reason (audited).
    GET shows the reason form."""

    template_name = "households/reveal.html"
    MODELS = {"household": Household, "member": Member, "riskfactor": RiskFactor, "visit": Visit}

    def target(self):
        model = self.MODELS.get(self.kwargs["model"])
        field = self.kwargs["field"]
        if model is None or field not in PROTECTED.get(model.__name__, {}):
            raise Http404
        households = Household.objects.visible_to(self.request.user)
        if model is Household:
            obj = get_object_or_404(households, pk=self.kwargs["pk"])
        else:
            obj = get_object_or_404(model.objects.filter(household__in=households), pk=self.kwargs["pk"])
        household = obj if model is Household else obj.household
        if not services.may_reveal(self.request.user, household):
            raise PermissionDenied("您没有查看完整个人信息的权限")
        return obj, field, household

    def get_context_data(self, **kwargs):
        obj, field, household = self.target()
        label = services.FIELD_LABELS[(obj._meta.model_name, field)]
        kind = PROTECTED[type(obj).__name__][field]
        return {**super().get_context_data(**kwargs), "obj": obj, "field": field, "label": label, "h": household,
                "masked": mask(kind, getattr(obj, field)), "form": kwargs.get("form") or f.RevealForm(),
                "title": f"查看完整{label}"}

    def post(self, request, *args, **kwargs):
        obj, field, household = self.target()
        form = f.RevealForm(request.POST)
        ctx_extra = {}
        if form.is_valid():
            try:
                ctx_extra["value"] = services.reveal(actor=request.user, obj=obj, field=field,
                                                     reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                errors_to_form(form, exc)
        resp = self.render_to_response(self.get_context_data(form=form, **ctx_extra) | ctx_extra)
        add_never_cache_headers(resp)
        return resp


# --- procedures -----------------------------------------------------------------------------------------


class IdentificationListView(HouseholdsView, ScopedListView):
    model = Identification
    table_class = IdentificationTable
    filterset_class = IdentificationFilter
    title = export_name = "识别程序"

    def get_queryset(self):
        return super().get_queryset().select_related("household", "household__unit")


class EliminationListView(HouseholdsView, ScopedListView):
    model = Elimination
    table_class = EliminationTable
    filterset_class = EliminationFilter
    title = export_name = "风险消除"

    def get_queryset(self):
        return super().get_queryset().select_related("household", "household__unit")


class _CaseDetailView(HouseholdsView, ScopedDetailView):
    template_name = "households/case_detail.html"
    flow = None
    move = None

    def get_queryset(self):
        return super().get_queryset().select_related("household", "household__unit")

    def get_context_data(self, **kwargs):
        from countyworks.core.workflow import panel

        ctx = super().get_context_data(**kwargs)
        case = self.object
        ctx.update(case=case, h=case.household, clock=procedure_clock(case), notice_block=notice_refusal(case),
                   panel=panel(self.flow, case, self.request.user), kind=self.kind,
                   move_url=reverse(self.move_url, args=[case.pk]), title=self.title)
        return ctx

    def post(self, request, *args, **kwargs):
        case = self.get_object()
        if request.POST.get("state") and request.POST["state"] != case.status:
            messages.error(request, f"该记录的状态已被他人改为“{case.get_status_display()}”，请查看后再操作")
            return redirect(case.get_absolute_url())
        name = request.POST.get("transition", "")
        try:
            type(self).move(actor=request.user, case=case, name=name, reason=request.POST.get("reason", ""))
        except PermissionDenied as exc:
            raise PermissionDenied(str(exc))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已{self.flow.transition(name).label}")
        return redirect(case.get_absolute_url())


class IdentificationDetailView(_CaseDetailView):
    model = Identification
    flow = IDENTIFICATION
    move = staticmethod(services.identification_move)
    move_url = "households:identification_detail"
    kind = "identification"
    title = "识别程序"


class EliminationDetailView(_CaseDetailView):
    model = Elimination
    flow = ELIMINATION
    move = staticmethod(services.elimination_move)
    move_url = "households:elimination_detail"
    kind = "elimination"
    title = "风险消除"


class NoticeView(HouseholdsView, ScopedDetailView):
    """The village notice of a procedure (.docx or PDF): head of household, village, category and
    reason, and the notice period — nothing else about the family."""

    model = Identification

    def get(self, request, *args, **kwargs):
        from .notice import notice_response

        case = get_object_or_404(self.get_queryset().select_related("household__unit"), pk=kwargs["pk"])
        if not case.notice_from:
            messages.error(request, "尚未开始村级公示")
            return redirect(case.get_absolute_url())
        from countyworks.reporting.pdf import PdfUnavailable

        try:
            return notice_response(case, kwargs["fmt"], actor=request.user)
        except PdfUnavailable as exc:
            messages.error(request, str(exc))
            return redirect(case.get_absolute_url())


# --- monitoring lines and statistics --------------------------------------------------------------------


class LineView(HouseholdsView, ScopedMixin, FormView):
    form_class = f.LineForm
    template_name = "households/lines.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(lines=MonitoringLine.objects.all(), title="年度监测线",
                   can_manage=bool(programme_roles(self.request.user, P, "manage")))
        return ctx

    def form_valid(self, form):
        try:
            services.line_set(actor=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "已设定监测线")
        return redirect("households:lines")


class StatsView(HouseholdsView, ScopedMixin, TemplateView):
    template_name = "households/stats.html"

    def get_context_data(self, **kwargs):
        from countyworks.core.scope import units_in_scope

        ctx = super().get_context_data(**kwargs)
        units = units_in_scope(self.request.user, programme=P).order_by("depth", "sort_order", "code")
        unit = units.first()
        try:
            chosen = int(self.request.GET.get("unit", ""))
            unit = units.get(pk=chosen)
        except (ValueError, units.model.DoesNotExist):
            pass
        year = clock.today().year - 1  # incomes are recorded for full years
        try:
            year = int(self.request.GET.get("year", year))
        except ValueError:
            pass
        ctx.update(title="监测统计", units=units, unit=unit, year=year,
                   stats=selectors.household_stats(unit=unit, year=year) if unit else None)
        return ctx
