"""Pages of the safety programme (安全生产检查). Thin: querysets come only through the scoped
mixins / `visible_to`, figures from selectors, every write from a service."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView

from countyworks.core import clock
from countyworks.core.models import Attachment, Programme
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
from .filters import HazardFilter, InspectionFilter, ObjectFilter
from .forms import (
    CampaignForm,
    CampaignTeamForm,
    CategoryForm,
    ChecklistForm,
    ExtensionDecisionForm,
    ExtensionForm,
    HazardEditForm,
    HazardForm,
    InspectionForm,
    ObjectForm,
    PhotoForm,
    RectificationForm,
    SuperviseForm,
)
from .models import (
    Campaign,
    Hazard,
    HazardExtension,
    InspectedObject,
    Inspection,
    InspectionResult,
    ObjectCategory,
)
from .tables import CampaignTable, HazardTable, InspectionTable, ObjectTable
from .workflows import AFTER_PHOTO, HAZARD_FLOW, NEED_AFTER_PHOTO

P = Programme.SAFETY


def is_office(user):
    return bool(programme_roles(user, P, "manage"))


def errors_to_form(form, exc):
    if hasattr(exc, "error_dict"):
        for fld, errs in exc.error_dict.items():
            form.add_error(fld if fld in form.fields else None, errs)
    else:
        form.add_error(None, exc)


class SafetyView:
    programme = P


class ServiceFormView(SafetyView, ScopedMixin, ServiceFormMixin, FormView):
    action = "change"


def _photos(obj):
    from django.contrib.contenttypes.models import ContentType

    return Attachment.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))


# --- campaigns ------------------------------------------------------------------------------------------


class CampaignListView(SafetyView, ScopedListView):
    model = Campaign
    table_class = CampaignTable
    title = export_name = "检查行动"

    def get_queryset(self):
        return super().get_queryset().select_related("lead_bureau")

    def get_create_url(self):
        return reverse("safety:campaign_create") if is_office(self.request.user) else None


class CampaignCreateView(SafetyView, ScopedCreateView):
    model = Campaign
    form_class = CampaignForm
    title = "新建检查行动"
    action = "manage"
    success_message = "检查行动已创建"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        d = form.cleaned_data
        return services.campaign_create(actor=self.request.user, name=d["name"], lead_bureau=d["lead_bureau"],
                                        start=d["start"], end=d["end"], categories=list(d["categories"]),
                                        description=d["description"])


class CampaignUpdateView(SafetyView, ScopedUpdateView):
    model = Campaign
    form_class = CampaignForm
    title = "修改检查行动"
    action = "manage"

    def get_queryset(self):
        return super().get_queryset().filter(routine=False)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        d = dict(form.cleaned_data)
        d["categories"] = list(d["categories"])
        return services.campaign_update(campaign=self.get_object(), actor=self.request.user, **d)


class CampaignDetailView(SafetyView, ScopedDetailView):
    model = Campaign
    template_name = "safety/campaign_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        c, user = self.object, self.request.user
        can_manage = not c.routine and c.lead_bureau and unit_in_scope(user, c.lead_bureau, programme=P, action="manage")
        teams = None if can_manage or (c.lead_bureau and unit_in_scope(user, c.lead_bureau, programme=P)) else \
            selectors.teams_for(user, "view")
        ctx.update(
            progress=selectors.campaign_progress(c, teams=teams) if not c.routine else [],
            stats=selectors.safety_stats(campaign=c) if teams is None else None,
            can_manage=can_manage,
            team_form=kwargs.get("team_form") or (CampaignTeamForm(user=user) if can_manage else None),
            hazards_url=reverse("safety:hazard_list") + f"?campaign={c.pk}",
        )
        return ctx

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = CampaignTeamForm(request.POST, user=request.user)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.campaign_team_set(campaign=self.object, team=d["team"], actor=request.user,
                                           leader=d["leader"], members=list(d["members"]), areas=list(d["areas"]),
                                           objects=list(d["objects"]))
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, f"已保存{d['team'].name}的分工")
                return redirect(self.object.get_absolute_url())
        return self.render_to_response(self.get_context_data(object=self.object, team_form=form))


# --- categories and checklists ----------------------------------------------------------------------------


class CategoryListView(SafetyView, ScopedMixin, TemplateView):
    template_name = "safety/category_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        cats = ObjectCategory.objects.visible_to(self.request.user).annotate(
            n_objects=Count("objects_of", distinct=True))
        ctx.update(categories=[(c, c.current_checklist()) for c in cats], can_manage=is_office(self.request.user),
                   form=kwargs.get("form") or CategoryForm())
        return ctx

    def post(self, request, *args, **kwargs):
        form = CategoryForm(request.POST)
        if form.is_valid():
            try:
                cat = services.category_create(actor=request.user, name=form.cleaned_data["name"])
            except PermissionDenied:
                raise
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, f"已新增类别“{cat.name}”，请为其发布检查表")
                return redirect(cat.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form))


class CategoryDetailView(SafetyView, ScopedDetailView):
    model = ObjectCategory
    template_name = "safety/category_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        versions = list(self.object.checklists.order_by("-version").prefetch_related("items").select_related("created_by")
                        .annotate(n_inspections=Count("inspections")))
        current = versions[0] if versions else None
        initial = "\n".join(f"{i.text}|{i.basis}" if i.basis else i.text for i in current.items.all()) if current else ""
        ctx.update(versions=versions, current=current, can_manage=is_office(self.request.user),
                   form=kwargs.get("form") or ChecklistForm(initial={"items": initial}))
        return ctx

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not is_office(request.user):
            raise PermissionDenied("仅业务管理员可以修订检查表")
        form = ChecklistForm(request.POST)
        if form.is_valid():
            try:
                cl = services.checklist_publish(category=self.object, items=form.cleaned_data["items"],
                                                note=form.cleaned_data["note"], actor=request.user)
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, f"已发布第{cl.version}版检查表")
                return redirect(self.object.get_absolute_url())
        return self.render_to_response(self.get_context_data(object=self.object, form=form))


# --- inspected objects -------------------------------------------------------------------------------------


class ObjectListView(SafetyView, ScopedListView):
    model = InspectedObject
    table_class = ObjectTable
    filterset_class = ObjectFilter
    title = export_name = "检查对象"
    import_kind = "inspected-objects"

    def get_queryset(self):
        return super().get_queryset().select_related("category", "unit", "enterprise")

    def get_create_url(self):
        return reverse("safety:object_create")


class ObjectDetailView(SafetyView, ScopedDetailView):
    model = InspectedObject
    template_name = "safety/object_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.update(
            inspections=self.object.inspections.visible_to(user).select_related("team", "campaign", "checklist")
            .annotate(failed=Count("results", filter=Q(results__result="fail"))),
            hazards=self.object.hazards.visible_to(user).select_related("team"),
            can_inspect=InspectedObject.objects.visible_to(user, "change").filter(pk=self.object.pk).exists()
            and selectors.teams_for(user).exists(),
            can_change=InspectedObject.objects.visible_to(user, "change").filter(pk=self.object.pk).exists(),
            today=clock.today(),
        )
        return ctx


class ObjectCreateView(SafetyView, ScopedCreateView):
    model = InspectedObject
    form_class = ObjectForm
    title = "登记检查对象"
    success_message = "检查对象已登记"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        d = dict(form.cleaned_data)
        d["enterprise"] = d.pop("credit_code")
        try:
            return services.object_create(actor=self.request.user, **d)
        except PermissionDenied as exc:
            raise ValidationError({"unit": str(exc)})


class ObjectUpdateView(SafetyView, ScopedUpdateView):
    model = InspectedObject
    form_class = ObjectForm
    title = "修改检查对象"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        d = dict(form.cleaned_data)
        d["enterprise"] = d.pop("credit_code")
        try:
            return services.object_update(obj=self.get_object(), actor=self.request.user, **d)
        except PermissionDenied as exc:
            raise ValidationError({"unit": str(exc)})


# --- inspections ---------------------------------------------------------------------------------------


class InspectionListView(SafetyView, ScopedListView):
    model = Inspection
    table_class = InspectionTable
    filterset_class = InspectionFilter
    title = export_name = "检查记录"

    def get_queryset(self):
        return super().get_queryset().select_related("object", "team", "campaign").annotate(
            failed_count=Count("results", filter=Q(results__result="fail"))).order_by("-date", "-id")

    def get_create_url(self):
        return reverse("safety:inspection_start") if selectors.teams_for(self.request.user).exists() else None


class InspectionStartView(SafetyView, ScopedMixin, TemplateView):
    """Step 1 on the phone: pick the object (search by name)."""

    template_name = "safety/inspection_start.html"
    action = "change"

    def has_permission(self):
        # only members of a team (or offices over teams) record inspections
        return super().has_permission() and selectors.teams_for(self.request.user).exists()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        q = (self.request.GET.get("q") or "").strip()[:50]
        objs = selectors.objects_for_inspection(self.request.user)
        if q:
            objs = objs.filter(Q(name__icontains=q) | Q(address__icontains=q))
        ctx.update(q=q, objects=objs[:50], total=objs.count())
        return ctx


class InspectionCreateView(ServiceFormView):
    """Step 2: the checklist of the object's category, item by item. Works on a 360 px phone;
    the page keeps a draft in the browser and resends it with its idempotency key."""

    template_name = "safety/inspection_form.html"
    form_class = InspectionForm
    title = "现场检查"

    def has_permission(self):
        return super().has_permission() and selectors.teams_for(self.request.user).exists()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.has_permission():
            raise PermissionDenied("您没有访问此页面的权限")
        self.obj = get_object_or_404(selectors.objects_for_inspection(request.user), pk=kwargs["object_pk"])
        self.checklist = selectors.current_checklist(self.obj.category)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "obj": self.obj, "checklist": self.checklist}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(obj=self.obj, checklist=self.checklist)
        return ctx

    def perform(self, form):
        d = form.cleaned_data
        insp, created = services.inspection_record(
            actor=self.request.user, campaign=d["campaign"], team=d["team"], object=self.obj, date=d["date"],
            results=form.results(), inspectors=d["inspectors"], note=d["note"], client_key=d["client_key"] or None,
            open_hazards=d["open_hazards"], deadline=d["deadline"])
        if not created:
            self.success_message = "该检查记录已提交过，未重复保存"
        else:
            n = insp.hazards.count()
            self.success_message = f"检查记录已保存，登记隐患{n}条" if n else "检查记录已保存"
        return insp

    def get_success_url(self):
        return self.object.get_absolute_url()


class InspectionDetailView(SafetyView, ScopedDetailView):
    model = Inspection
    template_name = "safety/inspection_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("object", "object__category", "team", "campaign", "checklist")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        insp, user = self.object, self.request.user
        can_hazard = unit_in_scope(user, insp.team, programme=P, action="change")
        rows = []
        for r in insp.results.select_related("item").prefetch_related("photos"):
            hz = Hazard.objects.filter(result=r).first()
            rows.append({"r": r, "hazard": hz, "photos": list(r.photos.all()),
                         "can_open": can_hazard and r.result == InspectionResult.Result.FAIL and hz is None})
        ctx.update(rows=rows)
        return ctx


# --- hazards -------------------------------------------------------------------------------------------


class HazardListView(SafetyView, ScopedListView):
    model = Hazard
    table_class = HazardTable
    filterset_class = HazardFilter
    title = export_name = "安全隐患"
    import_kind = "hazards"
    template_name = "safety/hazard_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("object", "unit", "team")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        table = ctx["table"]
        rows = [r.record for r in table.paginated_rows] if hasattr(table, "paginated_rows") else []
        ctx["overdue_ids"] = {h.pk for h in rows if selectors.is_overdue(h)}
        return ctx

    def get_create_url(self):
        return reverse("safety:hazard_create") if selectors.teams_for(self.request.user).exists() else None


class HazardCreateView(SafetyView, ScopedCreateView):
    """登记隐患; `?result=<id>` pre-fills it from a failed checklist item."""

    model = Hazard
    form_class = HazardForm
    title = "登记隐患"
    success_message = "隐患已登记"

    def get_result(self):
        pk = self.request.GET.get("result") or self.request.POST.get("result")
        if not pk:
            return None
        if not str(pk).isdigit():
            raise Http404
        return get_object_or_404(InspectionResult.objects.visible_to(self.request.user, "change")
                                 .select_related("inspection", "item"), pk=pk, result="fail")

    def get_initial(self):
        result = self.get_result()
        if result is None:
            return {}
        d = services.hazard_defaults(result)
        return {k: d[k] for k in ("campaign", "team", "object", "level", "description", "responsible", "requirement",
                                  "found_on", "deadline")}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["result"] = self.get_result()
        return ctx

    def perform(self, form):
        d = dict(form.cleaned_data)
        result = self.get_result()
        if result is not None:
            if Hazard.objects.filter(result=result).exists():
                raise ValidationError("该不符合项已登记隐患")
            d.update(inspection=result.inspection, result=result)
        return services.hazard_create(actor=self.request.user, **d)

    def get_template_names(self):
        return ["safety/hazard_form.html"]


class HazardUpdateView(SafetyView, ScopedUpdateView):
    model = Hazard
    form_class = HazardEditForm
    title = "修改隐患"

    def get_queryset(self):
        return super().get_queryset().filter(status=Hazard.Status.FOUND)

    def perform(self, form):
        return services.hazard_update(hazard=self.get_object(), actor=self.request.user, **form.cleaned_data)


class HazardDetailView(SafetyView, ScopedDetailView):
    model = Hazard
    template_name = "safety/hazard_detail.html"
    forms = {"rectify": RectificationForm, "extend": ExtensionForm, "decide": ExtensionDecisionForm,
             "supervise": SuperviseForm, "photos": PhotoForm}

    def get_queryset(self):
        return super().get_queryset().select_related("object", "object__category", "object__enterprise", "team",
                                                     "unit", "campaign", "inspection", "result__item",
                                                     "supervising_unit")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        h, user = self.object, self.request.user
        today = clock.today()
        photos = list(_photos(h))
        result_photos = list(_photos(h.result)) if h.result_id else []
        pending = h.extensions.filter(status=HazardExtension.Status.PENDING).first()
        why_submit = HAZARD_FLOW.refusal(h, "submit", user)
        ctx.update(
            overdue=selectors.is_overdue(h, today), overdue_days=selectors.overdue_days(h, today),
            before_photos=[p for p in photos if not p.caption.startswith(AFTER_PHOTO)] + result_photos,
            after_photos=[p for p in photos if p.caption.startswith(AFTER_PHOTO)],
            can_rectify=why_submit in (None, NEED_AFTER_PHOTO),
            can_edit=h.status == Hazard.Status.FOUND and unit_in_scope(user, h.team, programme=P, action="change"),
            can_add_photos=h.status != Hazard.Status.CLOSED and unit_in_scope(user, h.team, programme=P,
                                                                              action="change"),
            can_extend=pending is None and services.can_request_extension(h, user),
            pending=pending,
            can_decide=pending is not None and services.can_decide_extension(h, user)
            and pending.requested_by_id != user.pk,
            can_supervise=services.can_supervise(h, user, today),
            extensions=list(h.extensions.select_related("requested_by", "decided_by")),
            deadlines=selectors.deadline_history(h),
        )
        for name, cls in self.forms.items():
            ctx.setdefault(f"{name}_form", kwargs.get(f"{name}_form") or cls())
        return ctx

    def post(self, request, *args, **kwargs):
        self.object = h = self.get_object()
        name = request.POST.get("form", "")
        if name not in self.forms:
            messages.error(request, "无效的操作")
            return redirect(h.get_absolute_url())
        form = self.forms[name](request.POST, request.FILES)
        if form.is_valid():
            try:
                msg = getattr(self, f"do_{name}")(h, form.cleaned_data)
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, msg)
                return redirect(h.get_absolute_url())
        messages.error(request, "提交的内容有误，请按提示修改")
        return self.render_to_response(self.get_context_data(object=h, **{f"{name}_form": form}))

    def do_rectify(self, h, d):
        services.hazard_submit_rectification(hazard=h, actor=self.request.user, note=d["note"], photos=d["photos"])
        return "已提交整改，等待复查"

    def do_extend(self, h, d):
        services.extension_request(hazard=h, actor=self.request.user, new_deadline=d["new_deadline"],
                                   reason=d["reason"])
        return "延期申请已提交"

    def do_decide(self, h, d):
        pending = h.extensions.filter(status=HazardExtension.Status.PENDING).first()
        if pending is None:
            raise ValidationError("没有待审批的延期申请")
        services.extension_decide(extension=pending, actor=self.request.user, approve=d["decision"] == "approve",
                                  note=d["note"])
        return "已批准延期" if d["decision"] == "approve" else "已不予批准"

    def do_supervise(self, h, d):
        services.hazard_supervise(hazard=h, actor=self.request.user, supervising_unit=d["supervising_unit"])
        return "已挂牌督办"

    def do_photos(self, h, d):
        services.hazard_add_photos(hazard=h, actor=self.request.user, photos=d["photos"])
        return f"已上传{len(d['photos'])}张照片"


class HazardNoticeView(SafetyView, ScopedDetailView):
    """The printable 整改通知书 (.docx) of a hazard whose notice was issued."""

    model = Hazard

    def get(self, request, *args, **kwargs):
        from urllib.parse import quote

        from .documents import rectification_notice_docx

        h = self.get_object()
        if not h.notice_no:
            raise Http404("整改通知书尚未下发")
        data = rectification_notice_docx(h)
        fmt = kwargs.get("fmt", "docx")
        types = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf"}
        if fmt == "pdf":  # the same .docx through the platform's converter (reporting.pdf)
            from django.contrib import messages
            from django.shortcuts import redirect

            from countyworks.reporting.pdf import PdfUnavailable, docx_to_pdf

            try:
                data = docx_to_pdf(data)
            except PdfUnavailable as exc:
                messages.error(request, str(exc))
                return redirect(h.get_absolute_url())
        resp = HttpResponse(data, content_type=types[fmt])
        name = f"整改通知书_{h.notice_no}.{fmt}"
        resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return resp


class StatsView(SafetyView, ScopedMixin, TemplateView):
    template_name = "safety/stats.html"

    def get_context_data(self, **kwargs):
        from countyworks.core.models import OrgUnit
        from countyworks.core.scope import scope_paths

        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        campaign = None
        cid = self.request.GET.get("campaign")
        if cid and cid.isdigit():
            campaign = Campaign.objects.visible_to(user).filter(pk=cid).first()
        # the figures of the user's own subtrees: pick one of them (the district's covers all)
        roots = list(OrgUnit.objects.filter(path__in=scope_paths(user, programme=P)).order_by("path"))
        unit = roots[0] if roots else None
        uid = self.request.GET.get("unit")
        if uid and uid.isdigit():
            unit = next((u for u in roots if u.pk == int(uid)), unit)
        ctx["roots"] = roots
        ctx.update(stats=selectors.safety_stats(campaign=campaign, unit=unit), campaign=campaign,
                   campaigns=Campaign.objects.visible_to(user), unit=unit)
        return ctx

