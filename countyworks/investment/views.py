"""Pages of the investment programme (招商引资). Thin: querysets come only through the scoped
mixins / `visible_to`, statistics from selectors, every write from a service function."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import FormView, TemplateView

from countyworks.core import clock
from countyworks.core import services as core_services
from countyworks.core.models import OrgUnit, Programme, Target, path_q
from countyworks.core.scope import unit_in_scope
from countyworks.core.viewmixins import (
    ScopedCreateView,
    ScopedDetailView,
    ScopedListView,
    ScopedMixin,
    ScopedUpdateView,
    ServiceFormMixin,
)

from . import selectors, services
from .filters import (
    ActivityFilter,
    LeadFilter,
    MeetingFilter,
    ProjectFilter,
    ServiceRequestFilter,
    TargetFilter,
)
from .forms import (
    ActivityForm,
    AgendaForm,
    AnswerForm,
    DecisionForm,
    EvaluationForm,
    LeadForm,
    MeetingForm,
    MilestoneForm,
    MinutesForm,
    ProjectForm,
    RatingForm,
    ServiceRequestForm,
    SignForm,
    StatsForm,
    TransitionForm,
    top_unit,
    units_for,
)
from .models import (
    Activity,
    Evaluation,
    Lead,
    Milestone,
    Project,
    ReviewItem,
    ReviewMeeting,
    ServiceRequest,
)
from .tables import ActivityTable, LeadTable, MeetingTable, ProjectTable, ServiceRequestTable, TargetTable

P = Programme.INVESTMENT
S = Lead.Status


def can(user, unit, action):
    return unit is not None and unit_in_scope(user, unit, programme=P, action=action)


def errors_to_form(form, exc, rename=None):
    """Put a service's ValidationError on the form: next to its field where the form has it."""
    rename = rename or {}
    if hasattr(exc, "error_dict"):
        for fld, errs in exc.error_dict.items():
            fld = rename.get(fld, fld)
            form.add_error(fld if fld in form.fields else None, errs)
    else:
        form.add_error(None, exc)


def _rename_error(exc, rename):
    if hasattr(exc, "error_dict"):
        return ValidationError({rename.get(k, k): v for k, v in exc.error_dict.items()})
    return exc


def safe_next(request, default):
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return nxt
    return default


def status_moves(lead):
    """The moves a lead may make now (services.TRANSITIONS), in the order of the status flow:
    [(value, label, needs_reason)]."""
    from .flows import lead_moves

    moves = lead_moves(lead)
    return [(s.value, s.label, "reason" in moves[s].requires) for s in S if s in moves]


class InvestmentView:
    programme = P


class ServiceFormView(ScopedMixin, ServiceFormMixin, FormView):
    """A form page whose form is not a model form; `perform(form)` calls the service."""

    action = "change"


class ActionDetailView(ScopedDetailView):
    """A detail page with small forms that post back to it (`form=<name>` in the POST). For each
    name in `form_actions`, `<name>_form(data)` builds the form and `<name>_perform(form)` calls the
    service and returns the success message. An invalid form re-renders the page with the errors
    next to the fields."""

    form_actions = ()

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        name = request.POST.get("form", "")
        if name not in self.form_actions:
            messages.error(request, "无效的操作")
            return redirect(request.path)
        form = getattr(self, f"{name}_form")(request.POST)
        if form.is_valid():
            try:
                msg = getattr(self, f"{name}_perform")(form)
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, msg or "已保存")
                return redirect(self.action_success_url(name))
        messages.error(request, "提交的内容有误，请按提示修改")
        ctx = self.get_context_data(object=self.object, **{f"{name}_form": form})
        return self.render_to_response(ctx)

    def action_success_url(self, name):
        return self.request.path

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        for name in self.form_actions:
            key = f"{name}_form"
            if key not in ctx:
                form = getattr(self, key)(None)
                if form is not None:
                    ctx[key] = form
        return ctx


# --- leads ------------------------------------------------------------------------------------------


class LeadListView(InvestmentView, ScopedListView):
    model = Lead
    table_class = LeadTable
    filterset_class = LeadFilter
    title = export_name = "招商线索"
    template_name = "investment/lead_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("enterprise", "unit", "industry")

    def get_create_url(self):
        return reverse("investment:lead_create") if units_for(self.request.user, "change").exists() else None


class LeadDetailView(InvestmentView, ScopedDetailView):
    model = Lead
    template_name = "investment/lead_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("enterprise", "enterprise__industry", "unit", "source_unit",
                                                     "officer", "industry")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        lead, user = self.object, self.request.user
        visible_meetings = set(ReviewMeeting.objects.visible_to(user).values_list("pk", flat=True))
        ctx.update(
            can_change=can(user, lead.unit, "change"),
            can_review=can(user, lead.unit, "review"),
            moves=status_moves(lead),
            activities=lead.activities.visible_to(user).select_related("unit"),
            scorecard=selectors.lead_scorecard(lead),
            review_items=[(i, i.meeting_id in visible_meetings)
                          for i in lead.review_items.select_related("meeting").order_by("-meeting__date")],
            approved=services.lead_is_approved(lead),
            project=Project.objects.visible_to(user).filter(lead=lead).first(),
            duplicates=duplicate_rows(user, selectors.lead_duplicates(
                credit_code=lead.enterprise.credit_code, name=lead.enterprise.name, exclude_pk=lead.pk)),
        )
        ctx.setdefault("move_form", TransitionForm())
        return ctx


class LeadTransitionView(LeadDetailView):
    """POST only: move a lead (the detail page's buttons and the kanban's). From the kanban
    (`next` given) errors come back as messages; on the detail page next to the reason."""

    http_method_names = ["get", "post"]

    def get(self, request, *args, **kwargs):
        return redirect("investment:lead_detail", pk=kwargs["pk"])

    def post(self, request, *args, **kwargs):
        self.object = lead = self.get_object()
        if not can(request.user, lead.unit, "change"):  # a reader is refused before the form is read
            raise PermissionDenied("您只能查看该线索，不能变更其状态")
        form = TransitionForm(request.POST)
        back = safe_next(request, None)
        if form.is_valid():
            try:
                services.lead_transition(lead=lead, to=form.cleaned_data["to"], actor=request.user,
                                         reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                lead.refresh_from_db()
                messages.success(request, f"线索 {lead.code} 已转为“{lead.get_status_display()}”")
                return redirect(back or lead.get_absolute_url())
        msg = "；".join(e for errs in form.errors.values() for e in errs)
        messages.error(request, f"线索 {lead.code} 状态未变更：{msg}")
        if back:
            return redirect(back)
        return self.render_to_response(self.get_context_data(object=lead, move_form=form))


def duplicate_rows(user, found):
    """Duplicate leads as the warning shows them: code, title, unit, status, reason, and a link
    only where the user may open the lead (another unit's lead is named, not opened)."""
    visible = set(Lead.objects.visible_to(user).filter(pk__in=[lead.pk for lead, _ in found])
                  .values_list("pk", flat=True))
    return [{"code": lead.code, "title": lead.title, "unit": lead.unit.name, "status": lead.get_status_display(),
             "enterprise": lead.enterprise.name, "reason": reason,
             "url": lead.get_absolute_url() if lead.pk in visible else None}
            for lead, reason in found]


class LeadCreateView(InvestmentView, ScopedCreateView):
    """Register a lead. Before saving, duplicates (same credit code or near-identical name, any
    unit) are shown and the user must tick "仍然保存". From an activity (`?activity=`), the form is
    prefilled and the new lead is linked to the activity."""

    model = Lead
    form_class = LeadForm
    template_name = "investment/lead_form.html"
    title = "登记招商线索"
    success_message = "线索已登记"
    duplicates = None

    def source_activity(self):
        pk = self.request.GET.get("activity", "")
        if not pk:
            return None
        if not pk.isdigit():
            raise Http404
        return get_object_or_404(Activity.objects.visible_to(self.request.user, "change").select_related("unit"), pk=pk)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        user = self.request.user
        unit = top_unit(user, "change")
        initial = {"unit": unit}
        if unit is not None and unit.kind == OrgUnit.Kind.FIELD_OFFICE:
            initial.update(source=Lead.Source.FIELD_OFFICE, source_unit=unit)
        act = self.source_activity()
        if act is not None:
            initial["source_unit"] = act.unit
            if act.unit.kind == OrgUnit.Kind.FIELD_OFFICE:
                initial["source"] = Lead.Source.FIELD_OFFICE
            if can(user, act.unit, "change"):
                initial["unit"] = act.unit
            ents = list(act.enterprises.all())
            wanted = self.request.GET.get("enterprise", "")
            ent = next((e for e in ents if str(e.pk) == wanted), ents[0] if len(ents) == 1 else None)
            if ent is not None:
                initial.update(enterprise=ent, industry=ent.industry, title=f"{ent.name}投资项目")
        return initial

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["activity"] = self.source_activity()
        ctx["duplicates"] = self.duplicates
        return ctx

    def form_valid(self, form):
        code, name = form.duplicate_probe()
        found = selectors.lead_duplicates(credit_code=code, name=name)
        if found:
            self.duplicates = duplicate_rows(self.request.user, found)
            if not form.cleaned_data.get("confirm_duplicates"):
                form.add_error("confirm_duplicates", "发现疑似重复线索：请核对后勾选“仍然保存”再提交")
                return self.form_invalid(form)
        return super().form_valid(form)

    def perform(self, form):
        user, d = self.request.user, form.cleaned_data
        with transaction.atomic():
            ent = d.get("enterprise")
            if ent is None:
                try:
                    ent = core_services.enterprise_create(actor=user, name=d["new_name"].strip(),
                                                          credit_code=d["new_credit_code"], industry=d.get("industry"))
                except ValidationError as exc:
                    raise _rename_error(exc, {"name": "new_name", "credit_code": "new_credit_code"})
            lead = services.lead_create(actor=user, enterprise=ent, **form.lead_fields())
            act = self.source_activity()
            if act is not None:
                services.activity_add_lead(activity=act, lead=lead, actor=user)
        return lead

    def get_success_url(self):
        return self.object.get_absolute_url()


class LeadUpdateView(InvestmentView, ScopedUpdateView):
    model = Lead
    form_class = LeadForm
    template_name = "investment/lead_form.html"
    title = "修改招商线索"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        return services.lead_update(lead=self.get_object(), actor=self.request.user, **form.lead_fields())

    def get_success_url(self):
        return self.object.get_absolute_url()


class LeadDuplicateCheckView(InvestmentView, ScopedMixin, TemplateView):
    """htmx: the duplicate warning while the credit code / name is being typed."""

    model = Lead
    template_name = "investment/_duplicates.html"

    def get_context_data(self, **kwargs):
        from countyworks.core.identifiers import normalize_credit_code
        from countyworks.core.models import Enterprise

        g = self.request.GET
        code = normalize_credit_code(g.get("new_credit_code", "")) if g.get("new_credit_code") else ""
        name = g.get("new_name", "").strip()
        ent_pk = g.get("enterprise", "")
        if ent_pk.isdigit():
            ent = Enterprise.objects.visible_to(self.request.user).filter(pk=ent_pk).first()
            if ent is not None:
                code, name = ent.credit_code, ent.name
        found = selectors.lead_duplicates(credit_code=code or None, name=name or None) if (len(code) == 18 or len(name) >= 4) else []
        return {"duplicates": duplicate_rows(self.request.user, found), "live": True}


class PipelineView(InvestmentView, ScopedMixin, TemplateView):
    """The kanban of open leads by status, with the funnel."""

    model = Lead
    template_name = "investment/pipeline.html"
    per_column = 12

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        leads = Lead.objects.visible_to(user)
        projects = Project.objects.visible_to(user)
        units = units_for(user)
        unit = None
        if self.request.GET.get("unit", "").isdigit():
            unit = units.filter(pk=self.request.GET["unit"]).first()
        if unit is not None:
            leads = leads.filter(path_q(unit.path, "unit__path"))
            projects = projects.filter(path_q(unit.path, "unit__path"))
        counts = dict(leads.values_list("status").annotate(n=Count("pk")))
        columns = []
        for status in Lead.OPEN_STATUSES:
            cards = list(leads.filter(status=status).select_related("enterprise", "unit")
                         .order_by("-updated_at")[:self.per_column])
            columns.append({"status": status.value, "label": status.label, "count": counts.get(status.value, 0),
                            "cards": [(c, status_moves(c), can(user, c.unit, "change")) for c in cards]})
        ctx.update(
            title="招商看板", columns=columns, units=units, unit=unit,
            closed=[(s.value, s.label, counts.get(s.value, 0)) for s in (S.CONVERTED, S.SHELVED, S.LOST)],
            funnel=selectors.funnel(leads=leads, projects=projects),
            here=self.request.get_full_path(),
        )
        return ctx


# --- six-good evaluation ------------------------------------------------------------------------------


class ScorecardView(InvestmentView, ScopedDetailView):
    model = Lead
    template_name = "investment/scorecard.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["card"] = selectors.lead_scorecard(self.object)
        ctx["can_evaluate"] = can(self.request.user, self.object.unit, "review")
        return ctx


class EvaluationView(InvestmentView, ServiceFormView):
    """The current user's six-good scorecard of one lead (one evaluation per evaluator; a new
    submission replaces the previous one)."""

    model = Lead
    action = "review"
    form_class = EvaluationForm
    template_name = "investment/evaluation_form.html"
    success_message = "六好评价已提交"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.has_permission():
            self.lead = get_object_or_404(self.get_queryset().select_related("enterprise"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        ev = Evaluation.objects.filter(lead=self.lead, evaluator=self.request.user).first()
        return {**super().get_form_kwargs(), "evaluation": ev}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(lead=self.lead, title=f"六好评价 · {self.lead.title}")
        return ctx

    def perform(self, form):
        return services.evaluation_submit(lead=self.lead, evaluator=self.request.user, scores=form.scores(),
                                          vetoes=list(form.cleaned_data["vetoes"]),
                                          comment=form.cleaned_data["comment"])

    def get_success_url(self):
        return reverse("investment:lead_scorecard", args=[self.lead.pk])


# --- activities ---------------------------------------------------------------------------------------


class ActivityListView(InvestmentView, ScopedListView):
    model = Activity
    table_class = ActivityTable
    filterset_class = ActivityFilter
    title = export_name = "招商活动"
    template_name = "investment/activity_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("unit").annotate(
            enterprise_count=Count("enterprises", distinct=True), lead_count=Count("leads", distinct=True)
        ).order_by("-date", "-id")

    def get_create_url(self):
        return reverse("investment:activity_create") if units_for(self.request.user, "change").exists() else None


class ActivityCreateView(InvestmentView, ServiceFormView):
    model = Activity
    form_class = ActivityForm
    title = "记录招商活动"
    success_message = "活动已记录"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return {"unit": top_unit(self.request.user, "change"), "date": clock.today()}

    def perform(self, form):
        d = dict(form.cleaned_data)
        return services.activity_create(actor=self.request.user, unit=d.pop("unit"), kind=d.pop("kind"),
                                        date=d.pop("date"), title=d.pop("title"),
                                        enterprises=list(d.pop("enterprises")), other_units=list(d.pop("other_units")),
                                        **d)

    def get_success_url(self):
        return self.object.get_absolute_url()


class ActivityUpdateView(InvestmentView, ServiceFormView):
    model = Activity
    form_class = ActivityForm
    title = "修改招商活动"
    success_message = "活动已修改"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.has_permission():
            self.activity = get_object_or_404(Activity.objects.visible_to(request.user, action="change"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        a = self.activity
        return {"kind": a.kind, "date": a.date, "title": a.title, "city": a.city, "unit": a.unit,
                "other_units": list(a.other_units.all()), "leaders_present": a.leaders_present,
                "enterprises": list(a.enterprises.all()), "notes": a.notes}

    def perform(self, form):
        d = dict(form.cleaned_data)
        return services.activity_update(activity=self.activity, actor=self.request.user,
                                        enterprises=list(d.pop("enterprises")), other_units=list(d.pop("other_units")),
                                        **d)

    def get_success_url(self):
        return self.object.get_absolute_url()


class ActivityDetailView(InvestmentView, ScopedDetailView):
    model = Activity
    template_name = "investment/activity_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.update(
            can_change=can(user, self.object.unit, "change"),
            enterprises=self.object.enterprises.all(),
            leads=self.object.leads.visible_to(user).select_related("enterprise", "unit"),
            hidden_leads=self.object.leads.count() - self.object.leads.visible_to(user).count(),
        )
        return ctx


class FieldOfficeStatsView(InvestmentView, ScopedMixin, TemplateView):
    model = Activity
    template_name = "investment/field_office_stats.html"
    default_since = date(2023, 1, 1)

    def get_context_data(self, **kwargs):
        from countyworks.core.parsing import InvalidValue, parse_date

        ctx = super().get_context_data(**kwargs)
        since = self.default_since
        raw = self.request.GET.get("since", "").strip()
        if raw:
            try:
                since = parse_date(raw) or since
            except InvalidValue as exc:
                ctx["since_error"] = str(exc)
        unit = top_unit(self.request.user)
        ctx.update(title="驻点招商统计", since=since, unit=unit,
                   stats=selectors.field_office_stats(since=since, unit=unit))
        return ctx


# --- review meetings ------------------------------------------------------------------------------------


class MeetingListView(InvestmentView, ScopedListView):
    model = ReviewMeeting
    table_class = MeetingTable
    filterset_class = MeetingFilter
    title = export_name = "准入评审会"

    def get_queryset(self):
        return super().get_queryset().select_related("unit").annotate(item_count=Count("items")).order_by("-date", "-id")

    def get_create_url(self):
        return reverse("investment:meeting_create") if units_for(self.request.user, "review").exists() else None


class MeetingCreateView(InvestmentView, ScopedCreateView):
    model = ReviewMeeting
    action = "review"
    form_class = MeetingForm
    title = "安排准入评审会"
    success_message = "评审会已安排"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return {"unit": top_unit(self.request.user, "review"), "date": clock.today()}

    def perform(self, form):
        d = dict(form.cleaned_data)
        return services.meeting_create(actor=self.request.user, unit=d.pop("unit"), date=d.pop("date"),
                                       title=d.pop("title"), participants=list(d.pop("participants")), **d)

    def get_success_url(self):
        return self.object.get_absolute_url()


def meeting_items(meeting, user):
    """The agenda with each lead's scorecard and whether the user may open the lead."""
    visible = set(Lead.objects.visible_to(user).filter(review_items__meeting=meeting).values_list("pk", flat=True))
    items = meeting.items.select_related("lead", "lead__enterprise", "lead__unit").order_by("order")
    return [{"item": i, "card": selectors.lead_scorecard(i.lead), "lead_visible": i.lead_id in visible}
            for i in items]


class MeetingDetailView(InvestmentView, ActionDetailView):
    model = ReviewMeeting
    template_name = "investment/meeting_detail.html"
    form_actions = ("agenda", "decide", "minutes")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        m, user = self.object, self.request.user
        bound = ctx.get("decide_form") if ctx.get("decide_form") is not None and ctx["decide_form"].is_bound else None
        bound_item = self.request.POST.get("item") if bound else None
        rows = meeting_items(m, user)
        for r in rows:
            i = r["item"]
            if bound is not None and str(i.pk) == bound_item:
                r["form"] = bound
            else:
                r["form"] = DecisionForm(initial={"decision": i.decision, "conditions": i.conditions,
                                                  "notes": i.notes}, auto_id=f"id_%s_{i.pk}")
        ctx.update(rows=rows, can_review=can(user, m.unit, "review"), participants=m.participants.all())
        return ctx

    def agenda_form(self, data):
        return AgendaForm(data, user=self.request.user)

    def agenda_perform(self, form):
        lead = form.cleaned_data["lead"]
        services.meeting_add_lead(meeting=self.object, lead=lead, actor=self.request.user)
        return f"已将线索 {lead.code} 列入议程"

    def decide_form(self, data):
        if data is None:
            return None
        return DecisionForm(data, auto_id=f"id_%s_{self.request.POST.get('item', '')}")

    def decide_perform(self, form):
        item_pk = self.request.POST.get("item", "")
        item = get_object_or_404(ReviewItem, pk=item_pk if item_pk.isdigit() else 0, meeting=self.object)
        item = services.review_decide(item=item, actor=self.request.user, **form.cleaned_data)
        return f"已记录 {item.lead.code} 的评审结论：{item.get_decision_display()}"

    def minutes_form(self, data):
        if data is None:
            return MinutesForm(initial={"minutes": self.object.minutes, "held": self.object.held})
        return MinutesForm(data)

    def minutes_perform(self, form):
        services.meeting_update(meeting=self.object, actor=self.request.user, **form.cleaned_data)
        return "会议纪要已保存"


class MeetingRecordView(InvestmentView, ScopedDetailView):
    """The printable meeting record (会议纪要), A4-friendly."""

    model = ReviewMeeting
    template_name = "investment/meeting_record.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(rows=meeting_items(self.object, self.request.user), participants=self.object.participants.all())
        return ctx


# --- projects ---------------------------------------------------------------------------------------------


def with_overdue_count(qs):
    """Annotate each project with the number of its overdue milestones (selectors.overdue_milestones)."""
    overdue = (selectors.overdue_milestones(Project.objects.all()).filter(project=OuterRef("pk")).order_by()
               .values("project").annotate(c=Count("pk")).values("c"))
    return qs.annotate(overdue_count=Coalesce(Subquery(overdue, output_field=IntegerField()), 0))


class ProjectListView(InvestmentView, ScopedListView):
    model = Project
    table_class = ProjectTable
    filterset_class = ProjectFilter
    title = export_name = "签约项目"
    import_kind = "projects"
    template_name = "investment/project_list.html"

    def get_queryset(self):
        qs = super().get_queryset().select_related("enterprise", "unit", "industry").prefetch_related("milestones")
        if "overdue_count" in self.request.GET.get("sort", ""):
            return with_overdue_count(qs)  # sorting by it needs it in SQL, for every row
        return qs

    def get_table(self, **kwargs):
        """Unless the list is sorted by it, each shown project's overdue count comes from its
        prefetched milestones (the same rule, Milestone.is_overdue), not from a subquery run for
        every project of the filter."""
        table = super().get_table(**kwargs)
        if "overdue_count" not in self.request.GET.get("sort", ""):
            today = clock.today()
            rows = table.page.object_list if getattr(table, "page", None) else table.rows
            for row in rows:
                p = row.record
                p.overdue_count = sum(1 for m in p.milestones.all() if m.is_overdue(today))
        return table


class ProjectDetailView(InvestmentView, ActionDetailView):
    model = Project
    template_name = "investment/project_detail.html"
    form_actions = ("milestone",)

    def get_queryset(self):
        return super().get_queryset().select_related("enterprise", "unit", "industry", "lead", "leader", "officer")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        p, user = self.object, self.request.user
        timeline = selectors.milestone_timeline(p)
        ctx.update(
            timeline=timeline,
            overdue=[r for r in timeline if r["overdue"]],
            stage=selectors.project_stage(p),
            can_change=can(user, p.unit, "change"),
            requests=ServiceRequest.objects.visible_to(user).filter(project=p).select_related("bureau"),
            lead_visible=bool(p.lead_id and Lead.objects.visible_to(user).filter(pk=p.lead_id).exists()),
            today=clock.today(),
        )
        return ctx

    def milestone_form(self, data):
        if data is not None:
            return MilestoneForm(data)
        kind = self.request.GET.get("kind", Milestone.Kind.REGISTERED)
        ms = self.object.milestones.filter(kind=kind).first()
        return MilestoneForm(initial={"kind": kind, "planned_date": ms and ms.planned_date,
                                      "actual_date": ms and ms.actual_date, "note": ms.note if ms else ""})

    def milestone_perform(self, form):
        d = form.cleaned_data
        ms = services.milestone_set(project=self.object, kind=d["kind"], actor=self.request.user,
                                    planned_date=d["planned_date"], actual_date=d["actual_date"], note=d["note"])
        return f"已更新节点“{ms.get_kind_display()}”"


class ProjectUpdateView(InvestmentView, ScopedUpdateView):
    model = Project
    form_class = ProjectForm
    title = "修改项目信息"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        return services.project_update(project=self.get_object(), actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return self.object.get_absolute_url()


class LeadSignView(InvestmentView, ServiceFormView):
    """Sign a project from a lead approved by the admission review."""

    model = Lead
    form_class = SignForm
    template_name = "investment/sign_form.html"
    success_message = "项目已签约"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.has_permission():
            self.lead = get_object_or_404(self.get_queryset().select_related("enterprise", "unit"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.lead.status == S.CONVERTED or not services.lead_is_approved(self.lead):
            messages.error(request, "该线索已签约" if self.lead.status == S.CONVERTED
                           else "只有准入评审通过（或有条件通过）的线索才能签约")
            return redirect(self.lead.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        lead = self.lead
        # no signing date by default: signing is irreversible and the date counts in every statistic,
        # so the clerk types the date on the agreement (a default of today would be one click away)
        return {"name": lead.title, "planned_investment": lead.intended_investment, "unit": lead.unit,
                "officer": lead.officer}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(lead=self.lead, title=f"签约 · {self.lead.title}",
                   conditions=[i for i in self.lead.review_items.select_related("meeting")
                               if i.decision in ReviewItem.APPROVING])
        return ctx

    def perform(self, form):
        return services.project_sign(lead=self.lead, actor=self.request.user, milestone_plan=form.milestone_plan(),
                                     **form.project_fields())

    def get_success_url(self):
        return self.object.get_absolute_url()


# --- service requests -----------------------------------------------------------------------------------


class ServiceRequestListView(InvestmentView, ScopedListView):
    model = ServiceRequest
    table_class = ServiceRequestTable
    filterset_class = ServiceRequestFilter
    title = export_name = "服务诉求"

    def get_queryset(self):
        return super().get_queryset().select_related("project", "bureau")


class ServiceRequestCreateView(InvestmentView, ServiceFormView):
    model = Project
    form_class = ServiceRequestForm
    success_message = "诉求已提交，转责任单位办理"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.has_permission():
            self.project = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = f"提交服务诉求 · {self.project.name}"
        return ctx

    def perform(self, form):
        return services.service_request_create(project=self.project, actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return self.object.get_absolute_url()


class ServiceRequestDetailView(InvestmentView, ActionDetailView):
    model = ServiceRequest
    template_name = "investment/service_detail.html"
    form_actions = ("answer", "rate")

    def get_queryset(self):
        return super().get_queryset().select_related("project", "project__unit", "project__enterprise", "bureau")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        sr, user = self.object, self.request.user
        St = ServiceRequest.Status
        ctx.update(
            can_answer=can(user, sr.bureau, "change") and sr.status != St.CLOSED,
            can_rate=can(user, sr.project.unit, "change") and sr.status == St.ANSWERED,
            project_visible=Project.objects.visible_to(user).filter(pk=sr.project_id).exists(),
            overdue=sr.status == St.OPEN and sr.deadline < clock.today(),
        )
        return ctx

    def answer_form(self, data):
        return AnswerForm(data, initial={"reply": self.object.reply})

    def answer_perform(self, form):
        services.service_request_answer(request=self.object, actor=self.request.user, reply=form.cleaned_data["reply"])
        return "已答复"

    def rate_form(self, data):
        return RatingForm(data)

    def rate_perform(self, form):
        services.service_request_rate(request=self.object, actor=self.request.user, rating=form.cleaned_data["rating"],
                                      comment=form.cleaned_data["comment"])
        return "评价已记录，诉求办结"


# --- statistics -------------------------------------------------------------------------------------------


class StatsView(InvestmentView, ScopedMixin, TemplateView):
    """Year-to-date statistics of one unit in the user's scope (selectors.investment_stats)."""

    model = Project
    template_name = "investment/stats.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        default_unit = top_unit(user)
        data = {"year": clock.today().year, "unit": default_unit.pk if default_unit else None}
        data.update({k: v for k, v in self.request.GET.items() if k in ("year", "unit", "through") and v})
        form = StatsForm(data, user=user)
        ctx.update(title="招商引资统计", form=form)
        if not form.is_valid():
            return ctx
        year, unit = form.cleaned_data["year"], form.cleaned_data["unit"]
        through = form.cleaned_data["through"] or selectors.default_through(year)
        stats = selectors.investment_stats(year=year, unit=unit, through=through)
        counted = selectors.counted_projects(start=date(year, 1, 1), end=through, unit=unit)
        leads = Lead.objects.visible_to(user).filter(path_q(unit.path, "unit__path"),
                                                     registered_on__gte=date(year, 1, 1), registered_on__lte=through)
        ctx.update(
            stats=stats, unit=unit, year=year, through=through,
            funnel=selectors.funnel(leads=leads, projects=counted),
            median_days=selectors.median_days_signed_to_started(counted),
            projects_url=reverse("investment:project_list") + f"?unit={unit.pk}&year={year}",
        )
        return ctx


class RulesView(InvestmentView, ScopedMixin, TemplateView):
    model = Project
    template_name = "investment/rules.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": "统计口径", "rules": selectors.COUNTING_RULES}


class TargetListView(InvestmentView, ScopedListView):
    """The investment programme's annual targets, with the import link."""

    model = Target
    table_class = TargetTable
    filterset_class = TargetFilter
    title = export_name = "招商引资年度目标"
    import_kind = "targets"

    def get_queryset(self):
        return super().get_queryset().filter(indicator__programme=P).select_related("unit", "indicator")



class SettingsView(InvestmentView, ScopedMixin, TemplateView):
    """评价标准与产业目录: the six-good weights and criteria, veto items, the industry catalogue."""

    action = "manage"
    template_name = "investment/settings.html"

    def get_context_data(self, **kwargs):
        from countyworks.core.models import Industry

        from .models import EvalDimension, VetoItem

        ctx = super().get_context_data(**kwargs)
        ctx.update(title="评价标准与产业目录",
                   dimensions=EvalDimension.objects.prefetch_related("criteria").order_by("sort_order"),
                   vetoes=VetoItem.objects.order_by("code"), industries=Industry.objects.order_by("sort_order", "code"),
                   tiers=Industry.Tier.choices)
        return ctx

    def post(self, request):
        from decimal import Decimal, InvalidOperation

        from countyworks.core.models import Industry

        from .models import EvalCriterion, EvalDimension, VetoItem

        P_ = request.POST

        def num(value, kind):
            try:
                return kind(str(value).strip())
            except (InvalidOperation, ValueError):
                return None

        try:
            if P_.get("section") == "industries":
                changes = {i: (P_.get(f"ind_name_{i.pk}", i.name), P_.get(f"ind_tier_{i.pk}", i.tier),
                               P_.get(f"ind_active_{i.pk}") == "on") for i in Industry.objects.all()}
                services.industry_catalogue_save(actor=request.user, changes=changes,
                                                 new=(P_.get("new_name", ""), P_.get("new_tier", "")))
            else:
                services.evaluation_config_save(
                    actor=request.user,
                    weights={d: num(P_.get(f"weight_{d.pk}", d.weight), Decimal) for d in EvalDimension.objects.all()},
                    criteria={c: (P_.get(f"crit_text_{c.pk}", c.text), num(P_.get(f"crit_max_{c.pk}", c.max_points), int))
                              for c in EvalCriterion.objects.all()},
                    vetoes={v: (P_.get(f"veto_text_{v.pk}", v.text), P_.get(f"veto_active_{v.pk}") == "on")
                            for v in VetoItem.objects.all()},
                    new_veto=P_.get("new_veto", ""))
            messages.success(request, "已保存")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        return redirect("investment:settings")
