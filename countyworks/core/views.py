import io
import uuid
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import DetailView, TemplateView

from . import services
from .audit import audit_verify
from .filters import AuditFilter, EnterpriseFilter, OrgUnitFilter, PersonFilter, TargetFilter, UserFilter
from .forms import (
    AttachmentForm,
    EnterpriseForm,
    ImportForm,
    OrgUnitForm,
    PasswordForm,
    PersonForm,
    RoleForm,
    TargetForm,
    UserCreateForm,
    UserForm,
)
from .importing import (
    REGISTRY,
    errors_xlsx,
    export_xlsx,
    get_importer,
    report_from_json,
    run_import,
    template_xlsx,
)
from .jobs import import_dir, start_import, stored_file
from .models import (
    SYSTEM_ROLE_KINDS,
    Attachment,
    AuditEntry,
    Enterprise,
    ImportJob,
    Notification,  # noqa: I001
    OrgUnit,
    Person,
    Role,
    RoleKind,
    RoleRequest,
    Target,
    User,
)
from .notifications import notifications_mark_read
from .scope import has_any_programme_role, has_system_role, system_kinds
from .tables import AuditTable, EnterpriseTable, OrgUnitTable, PersonTable, TargetTable, UserTable
from .viewmixins import (
    ANY_PROGRAMME,
    ScopedCreateView,
    ScopedDetailView,
    ScopedListView,
    ScopedMixin,
    ScopedUpdateView,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(data, name, content_type=XLSX):
    resp = HttpResponse(data, content_type=content_type)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return resp


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


@login_required
def home(request):
    user = request.user
    roles = list(user.roles.select_related("unit"))
    return render(request, "core/home.html", {"roles": roles, "system_kinds": system_kinds(user)})


# --- org units ------------------------------------------------------------------------------------------


class OrgUnitVisibility(ScopedMixin):
    """Org units: programme users see their subtrees; the 系统管理员 manages the whole tree."""

    model = OrgUnit

    def has_permission(self):
        user = self.request.user
        if has_system_role(user, RoleKind.SYSADMIN):
            return True
        return self.action == "view" and has_any_programme_role(user)

    def get_queryset(self):
        if has_system_role(self.request.user, RoleKind.SYSADMIN):
            return OrgUnit.objects.all()
        return OrgUnit.objects.visible_to(self.request.user)


class OrgUnitListView(OrgUnitVisibility, ScopedListView):
    table_class = OrgUnitTable
    filterset_class = OrgUnitFilter
    title = export_name = "组织机构"
    import_kind = "orgunits"
    paginate_by = 100

    def get_queryset(self):
        return super().get_queryset().select_related("parent").order_by("path")

    def get_create_url(self):
        return reverse("core:orgunit_create") if has_system_role(self.request.user, RoleKind.SYSADMIN) else None


class OrgUnitDetailView(OrgUnitVisibility, DetailView):
    template_name = "core/orgunit_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        visible = self.get_queryset()
        ctx["ancestors"] = visible.filter(pk__in=self.object.ancestors(include_self=False).values("pk")).order_by("depth")
        ctx["children"] = visible.filter(parent=self.object).order_by("sort_order", "code")
        ctx["can_edit"] = has_system_role(self.request.user, RoleKind.SYSADMIN)
        ctx["subtree_size"] = visible.subtree_of(self.object).count()
        return ctx


class OrgUnitCreateView(OrgUnitVisibility, ScopedCreateView):
    form_class = OrgUnitForm
    title = "新增组织单位"

    def perform(self, form):
        return services.orgunit_create(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return self.object.get_absolute_url()


class OrgUnitUpdateView(OrgUnitVisibility, ScopedUpdateView):
    form_class = OrgUnitForm
    title = "修改组织单位"

    def perform(self, form):
        return services.orgunit_update(unit=self.get_object(), actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return self.object.get_absolute_url()


# --- enterprises ------------------------------------------------------------------------------------------


class EnterpriseListView(ScopedListView):
    model = Enterprise
    programme = ANY_PROGRAMME
    table_class = EnterpriseTable
    filterset_class = EnterpriseFilter
    title = export_name = "企业名录"
    import_kind = "enterprises"

    def get_queryset(self):
        return super().get_queryset().select_related("industry")

    def get_create_url(self):
        return reverse("core:enterprise_create") if has_any_programme_role(self.request.user, "change") else None


class EnterpriseDetailView(ScopedDetailView):
    model = Enterprise
    programme = ANY_PROGRAMME
    template_name = "core/enterprise_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["attachments"] = Attachment.objects.filter(
            content_type=ContentType.objects.get_for_model(Enterprise), object_id=str(self.object.pk))
        ctx["can_edit"] = has_any_programme_role(self.request.user, "change")
        ctx["attachment_form"] = AttachmentForm()
        return ctx


class EnterpriseCreateView(ScopedCreateView):
    model = Enterprise
    programme = ANY_PROGRAMME
    form_class = EnterpriseForm
    title = "登记企业"

    def perform(self, form):
        return services.enterprise_create(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return self.object.get_absolute_url()


class EnterpriseUpdateView(ScopedUpdateView):
    model = Enterprise
    programme = ANY_PROGRAMME
    form_class = EnterpriseForm
    title = "修改企业信息"

    def perform(self, form):
        return services.enterprise_update(enterprise=self.get_object(), actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return self.object.get_absolute_url()


class PersonListView(ScopedListView):
    """领导干部: the people who may be leaders in charge (包抓领导) of tasks and projects."""

    model = Person
    programme = ANY_PROGRAMME
    table_class = PersonTable
    filterset_class = PersonFilter
    title = export_name = "领导干部"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "user")

    def get_create_url(self):
        return reverse("core:person_create") if has_any_programme_role(self.request.user, "manage") else None


class PersonCreateView(ScopedCreateView):
    model = Person
    programme = ANY_PROGRAMME
    action = "manage"
    form_class = PersonForm
    title = "登记领导干部"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        return services.person_create(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return reverse("core:person_list")


class PersonUpdateView(ScopedUpdateView):
    model = Person
    programme = ANY_PROGRAMME
    action = "manage"
    form_class = PersonForm
    title = "修改领导干部信息"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        return services.person_update(person=self.get_object(), actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return reverse("core:person_list")


class EnterpriseAttachmentView(ScopedMixin, View):
    model = Enterprise
    programme = ANY_PROGRAMME
    action = "change"

    def post(self, request, pk):
        ent = get_object_or_404(self.get_queryset(), pk=pk)
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.attachment_add(target=ent, upload=form.cleaned_data["file"], actor=request.user,
                                        caption=form.cleaned_data["caption"])
                messages.success(request, "附件已上传")
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
        else:
            messages.error(request, "请选择要上传的文件")
        return redirect(ent.get_absolute_url())


@login_required
def attachment_download(request, pk):
    """An attachment is served only if its record is visible to the user."""
    att = get_object_or_404(Attachment, pk=pk)
    model = att.content_type.model_class()
    manager = model.objects
    if not hasattr(manager, "visible_to") or not manager.visible_to(request.user).filter(pk=att.object_id).exists():
        raise Http404
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.original_name)


# --- targets ----------------------------------------------------------------------------------------------


class TargetListView(ScopedListView):
    model = Target
    programme = ANY_PROGRAMME
    table_class = TargetTable
    filterset_class = TargetFilter
    title = export_name = "年度目标"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "indicator")

    def get_create_url(self):
        return reverse("core:target_create") if has_any_programme_role(self.request.user, "manage") else None


class TargetCreateView(ScopedCreateView):
    model = Target
    programme = ANY_PROGRAMME
    action = "manage"
    form_class = TargetForm
    title = "设定年度目标"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        d = form.cleaned_data
        return services.target_set(unit=d["unit"], indicator=d["indicator"], year=d["year"], value=d["value"],
                                   actor=self.request.user)

    def get_success_url(self):
        return reverse("core:target_list")


# --- users and roles (系统管理员) ---------------------------------------------------------------------------


class SysadminMixin(ScopedMixin):
    """Account pages: the 系统管理员 manages accounts; the 安全管理员 manages the 三员 accounts and
    their duties (the services decide which account and which role each may touch)."""

    system_role = RoleKind.SYSADMIN
    model = User
    also_secadmin = True

    def has_permission(self):
        if self.also_secadmin and has_system_role(self.request.user, RoleKind.SECADMIN):
            return True
        return super().has_permission()

    def get_queryset(self):
        return User.objects.all()


class UserListView(SysadminMixin, ScopedListView):
    table_class = UserTable
    filterset_class = UserFilter
    title = export_name = "用户与角色"
    import_kind = "users"

    def get_queryset(self):
        return User.objects.select_related("unit").prefetch_related("roles__unit")

    def get_create_url(self):
        return reverse("core:user_create")


class UserDetailView(SysadminMixin, DetailView):
    template_name = "core/user_detail.html"
    context_object_name = "account"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["roles"] = self.object.roles.select_related("unit")
        ctx["role_form"] = RoleForm()
        ctx["password_form"] = PasswordForm()
        return ctx


class UserCreateView(SysadminMixin, ScopedCreateView):
    also_secadmin = False  # the 安全管理员 does not create accounts
    form_class = UserCreateForm
    title = "新增用户"

    def perform(self, form):
        d = dict(form.cleaned_data)
        password = d.pop("password1")
        d.pop("password2")
        return services.user_create(actor=self.request.user, password=password, **d)

    def get_success_url(self):
        return reverse("core:user_detail", args=[self.object.pk])


class UserUpdateView(SysadminMixin, ScopedUpdateView):
    form_class = UserForm
    title = "修改用户"

    def perform(self, form):
        return services.user_update(user=self.get_object(), actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return reverse("core:user_detail", args=[self.object.pk])


class UserRoleView(SysadminMixin, View):
    def post(self, request, pk):
        account = get_object_or_404(User, pk=pk)
        if "revoke" in request.POST:
            role = get_object_or_404(Role, pk=request.POST["revoke"], user=account)
            services.role_revoke(role=role, actor=request.user)
            messages.success(request, "已撤销角色")
        else:
            form = RoleForm(request.POST)
            if form.is_valid():
                data = dict(form.cleaned_data)
                reason = data.pop("reason", "")
                try:
                    if data["kind"] in SYSTEM_ROLE_KINDS:  # two people: requested here, confirmed by a 安全管理员
                        services.role_request_create(user=account, kind=data["kind"], actor=request.user, reason=reason)
                        messages.success(request, "已提交三员角色申请，待另一名安全管理员在“安全管理”中确认后生效")
                    else:
                        services.role_grant(user=account, actor=request.user, **data)
                        messages.success(request, "已授予角色")
                except (ValidationError, PermissionDenied) as exc:
                    msgs = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                    messages.error(request, "；".join(msgs))
            else:
                messages.error(request, "请完整填写角色信息")
        return redirect("core:user_detail", pk=pk)


class UserPasswordView(SysadminMixin, View):
    def post(self, request, pk):
        account = get_object_or_404(User, pk=pk)
        form = PasswordForm(request.POST)
        if form.is_valid():
            try:
                services.user_set_password(user=account, password=form.cleaned_data["password1"], actor=request.user)
                messages.success(request, "密码已重置")
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
        else:
            messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("core:user_detail", pk=pk)


# --- security (安全管理员) -----------------------------------------------------------------------------------


class SecurityView(ScopedMixin, TemplateView):
    system_role = RoleKind.SECADMIN
    template_name = "core/security.html"

    def get_context_data(self, **kwargs):
        from axes.models import AccessAttempt

        ctx = super().get_context_data(**kwargs)
        ctx["attempts"] = AccessAttempt.objects.order_by("-attempt_time")[:100]
        ctx["role_requests"] = RoleRequest.objects.select_related("user", "requested_by")[:50]
        ctx["settings"] = {
            "连续失败锁定次数": settings.AXES_FAILURE_LIMIT,
            "锁定时长": settings.AXES_COOLOFF_TIME,
            "空闲超时（秒）": settings.SESSION_COOKIE_AGE,
            "密码最小长度": next(v["OPTIONS"]["min_length"] for v in settings.AUTH_PASSWORD_VALIDATORS if "OPTIONS" in v),
            "审计日志保留天数": settings.AUDIT_RETENTION_DAYS,
            "附件大小上限（MB）": settings.ATTACHMENT_MAX_BYTES // 1048576,
            "允许的附件类型": "、".join(settings.ATTACHMENT_EXTENSIONS),
        }
        return ctx

    def post(self, request):
        from axes.utils import reset

        from .audit import audit_log
        from .models import AuditAction

        if request.POST.get("reset_2fa"):
            from . import twofactor

            account = User.objects.filter(username=request.POST["reset_2fa"]).first()
            if account is None:
                messages.error(request, "找不到该账号")
            else:
                twofactor.reset(account, request.user)
                messages.success(request, f"已重置“{account.username}”的双因素认证：下次登录时重新设置")
            return redirect("core:security")
        username = request.POST.get("username", "")
        count = reset(username=username) if username else 0
        audit_log(action=AuditAction.SECURITY, actor=request.user, object_type="core.user", object_repr=username,
                  message=f"解除账户锁定（清除{count}条失败记录）")
        messages.success(request, f"已解除“{username}”的锁定")
        return redirect("core:security")


# --- audit (审计员) ----------------------------------------------------------------------------------------


class AuditorMixin(ScopedMixin):
    system_role = RoleKind.AUDITOR
    model = AuditEntry

    def get_queryset(self):
        return AuditEntry.objects.all()


class AuditListView(AuditorMixin, ScopedListView):
    table_class = AuditTable
    filterset_class = AuditFilter
    title = export_name = "审计日志"
    template_name = "core/audit_list.html"


class AuditDetailView(AuditorMixin, DetailView):
    template_name = "core/audit_detail.html"
    context_object_name = "entry"

    def get_context_data(self, **kwargs):
        from .selectors import audit_entry_display

        ctx = super().get_context_data(**kwargs)
        ctx["type_label"], ctx["change_rows"] = audit_entry_display(self.object)
        return ctx


class AuditVerifyView(AuditorMixin, View):
    def post(self, request):
        result = audit_verify()
        if result.ok:
            messages.success(request, f"审计日志链完整：已校验{result.checked}条，未发现篡改或删除")
        else:
            messages.error(request, f"审计日志链被破坏（校验{result.checked}条）：" + "；".join(result.problems[:20]))
        return redirect("core:audit_list")


# --- import / export ----------------------------------------------------------------------------------------


def _permitted_importer(user, kind, verb="导入"):
    """The importer of `kind` for `user`: 404 for an unknown register, 403 when the user may not
    import (or export) it — the one check every import and export page makes."""
    if kind not in REGISTRY:
        raise Http404
    importer = get_importer(kind, user)
    try:
        importer.check_permission()
    except PermissionDenied:
        raise PermissionDenied(f"您没有{verb}此类数据的权限")
    return importer


def _import_dir():
    return import_dir()


def _inline(path):
    """Small files are answered in the request; larger ones go to the background worker."""
    return path.stat().st_size <= settings.IMPORT_INLINE_MAX_BYTES


class ImportView(View):
    """Upload → preview (a full validation run, rolled back) → confirm (the same file, written).
    Errors are shown on the page and offered as a downloadable .xlsx. A large file runs as a
    background job (core.jobs) whose page shows a progress bar."""

    template_name = "core/import.html"

    def dispatch(self, request, kind):
        if not request.user.is_authenticated:
            return redirect(f"{settings.LOGIN_URL and reverse('login')}?next={request.path}")
        self.kind, self.importer = kind, _permitted_importer(request.user, kind)
        return super().dispatch(request, kind)

    def get(self, request, kind):
        return render(request, self.template_name, {"form": ImportForm(), "importer": self.importer, "kind": kind,
                                                    "jobs": self._recent_jobs()})

    def post(self, request, kind):
        token = request.POST.get("token", "")
        if token:  # confirm a previewed file
            path = self._stored(token)
            filename = request.POST.get("filename", path.name)
            if not _inline(path):
                if ImportJob.objects.filter(token=token, commit=True).exclude(status=ImportJob.Status.FAILED).exists():
                    raise Http404  # confirmed already: the token is used up
                job = start_import(kind=kind, token=token, filename=filename, actor=request.user, commit=True)
                return redirect("core:import_job", kind=kind, pk=job.pk)
            with open(path, "rb") as fh:
                report = run_import(kind, fh, filename, actor=request.user, commit=True)
            if report.ok:
                path.unlink(missing_ok=True)
                messages.success(request, report.headline())
                return redirect(self.importer_list_url())
            return render(request, self.template_name, {"form": ImportForm(), "importer": self.importer,
                                                        "kind": kind, "report": report})
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "importer": self.importer, "kind": kind})
        upload = form.cleaned_data["file"]
        ext = upload.name.rsplit(".", 1)[-1].lower()
        token = f"{request.user.pk}-{uuid.uuid4().hex}"
        path = _import_dir() / f"{token}.{ext}"
        with open(path, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        if not _inline(path):
            job = start_import(kind=kind, token=token, filename=upload.name, actor=request.user, commit=False)
            return redirect("core:import_job", kind=kind, pk=job.pk)
        with open(path, "rb") as fh:
            report = run_import(kind, fh, upload.name, actor=request.user, commit=False)
        ctx = {"form": ImportForm(), "importer": self.importer, "kind": kind, "report": report,
               "filename": upload.name}
        if report.ok:
            ctx["token"] = token
        else:
            err_path = path.with_suffix(".errors.xlsx")
            with open(err_path, "wb") as fh:
                errors_xlsx(report, fh)
            ctx["error_token"] = token
            path.unlink(missing_ok=True)
        return render(request, self.template_name, ctx)

    def _stored(self, token):
        if not token.startswith(f"{self.request.user.pk}-"):
            raise Http404
        path = stored_file(token)
        if path is None:
            raise Http404
        return path

    def _recent_jobs(self):
        return ImportJob.objects.filter(actor=self.request.user, kind=self.kind)[:5]

    def importer_list_url(self):
        return import_list_url(self.kind)


def import_list_url(kind):
    return {"enterprises": reverse("core:enterprise_list"), "orgunits": reverse("core:orgunit_list"),
            "users": reverse("core:user_list")}.get(kind, reverse("home"))


@login_required
def import_job(request, kind, pk):
    """A background import's page: its progress bar while it runs (polled by core/jobs.js with
    ?fragment=1), its report when done — one's own jobs only, while one may import the register."""
    importer = _permitted_importer(request.user, kind)
    job = get_object_or_404(ImportJob, pk=pk, kind=kind, actor=request.user)
    ctx = {"importer": importer, "kind": kind, "job": job, "list_url": import_list_url(kind)}
    if job.status == ImportJob.Status.DONE and job.report:
        report = report_from_json(job.report)
        ctx.update(report=report, filename=job.filename)
        if not report.ok:
            ctx["error_token"] = job.token
        elif not job.commit:
            ctx["token"] = job.token
    if request.GET.get("fragment"):
        return render(request, "core/import_job.html", ctx)
    ctx["form"] = ImportForm()
    return render(request, "core/import.html", ctx)


@login_required
def import_errors(request, kind, token):
    """The error report of one's own preview, while one may still import that register."""
    _permitted_importer(request.user, kind)
    if not token.startswith(f"{request.user.pk}-") or not token.replace("-", "").isalnum():
        raise Http404
    path = _import_dir() / f"{token}.errors.xlsx"
    if not path.exists():
        raise Http404
    return _download(path.read_bytes(), f"导入错误_{kind}.xlsx")


@login_required
def import_template(request, kind):
    importer = _permitted_importer(request.user, kind)
    buf = io.BytesIO()
    template_xlsx(kind, buf, request.user)
    return _download(buf.getvalue(), f"{importer.label}导入模板.xlsx")


@login_required
def register_export(request, kind):
    """The whole register in the import layout (what `countyworks export KIND FILE` writes)."""
    importer = _permitted_importer(request.user, kind, "导出")
    buf = io.BytesIO()
    export_xlsx(kind, buf, actor=request.user)
    return _download(buf.getvalue(), f"{importer.label}.xlsx")


# --- notifications -------------------------------------------------------------------------------------


def _mark_read(user, ids=None):
    return notifications_mark_read(user=user, ids=ids)


@login_required
def notifications(request):
    if request.method == "POST":
        if request.POST.get("all"):
            n = _mark_read(request.user)
        else:
            n = _mark_read(request.user, [i for i in request.POST.getlist("id") if i.isdigit()])
        messages.success(request, f"已将{n}条通知标记为已读")
        return redirect("core:notifications")
    qs = request.user.notifications.all()
    if request.GET.get("unread"):
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "core/notifications.html",
        {
            "title": "通知",
            "page": page,
            "unread": request.user.notifications.filter(read_at__isnull=True).count(),
            "only_unread": bool(request.GET.get("unread")),
        },
    )


@login_required
def notification_open(request, pk):
    n = get_object_or_404(Notification, pk=pk, user=request.user)
    _mark_read(request.user, [n.pk])
    if n.url and url_has_allowed_host_and_scheme(n.url, allowed_hosts={request.get_host()}):
        return redirect(n.url)
    return redirect("core:notifications")


# --- workflow transitions (every flow's buttons post here) ---------------------------------------------


@login_required
def flow_transition(request, flow, pk):
    """Make one transition of a declared flow on a record the user may see (else 404). The flow
    decides who may (403 or a message otherwise); the page the user came from is shown again."""
    from django.apps import apps

    from .workflow import flows

    spec = flows().get(flow)
    if spec is None or not spec.model or request.method != "POST":
        raise Http404
    model = apps.get_model(spec.model)
    obj = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
    back = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else reverse("home")
    name = request.POST.get("transition", "")
    if request.POST.get("state") and request.POST["state"] != spec.state(obj):
        messages.error(request, f"该记录的状态已被他人改为“{spec.state_label(obj)}”，请查看后再操作")
        return redirect(back)
    try:
        spec.apply(obj, name, actor=request.user, reason=request.POST.get("reason", ""))
    except PermissionDenied as exc:
        raise PermissionDenied(str(exc))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(back)
    messages.success(request, f"已{spec.transition(name).label}")
    return redirect(back)


@login_required
def unit_search(request):
    """The unit picker's search: units of the user's scope matching a name or code (JSON)."""
    from django.http import JsonResponse

    from . import programmes as registry
    from .unitpicker import search_units

    programme = request.GET.get("programme", "")
    if programme and programme not in registry.codes():
        programme = ""
    action = request.GET.get("action", "view")
    if action not in ("view", "change", "review", "manage"):
        action = "view"
    return JsonResponse({"results": search_units(request.user, request.GET.get("q", ""),
                                                 programme=programme, action=action)})


# --- two-factor login (TOTP) ----------------------------------------------------------------------------


@login_required
def twofactor_setup(request):
    """Set up the authenticator: scan the QR code (or type the key), confirm with a code, note the
    recovery codes (shown once)."""
    from . import twofactor

    if twofactor.enrolled(request.user) and request.method == "GET" and "again" not in request.GET:
        return render(request, "core/twofactor_setup.html", {"enrolled": True,
                                                             "required": twofactor.required_for(request.user)})
    if twofactor.enrolled(request.user) and not request.user.is_verified():
        return redirect(reverse("core:twofactor_verify") + "?next=" + reverse("core:twofactor_setup"))
    device = twofactor.pending_device(request.user)
    ctx = {"device": device, "qr": twofactor.qr_svg(device), "secret": twofactor.secret_b32(device),
           "required": twofactor.required_for(request.user)}
    if request.method == "POST":
        codes = twofactor.confirm(request.user, device, request.POST.get("token", ""))
        if codes is None:
            ctx["error"] = "验证码不正确：请输入身份验证器中当前显示的6位数字（注意手机时间须准确）"
        else:
            from django_otp import login as otp_login

            otp_login(request, device)
            return render(request, "core/twofactor_codes.html", {"codes": codes})
    return render(request, "core/twofactor_setup.html", ctx)


@login_required
def twofactor_verify(request):
    """The second step of the login: a code from the authenticator, or a recovery code."""
    from . import twofactor

    nxt = request.POST.get("next") or request.GET.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        nxt = reverse("home")
    if not twofactor.enrolled(request.user):
        return redirect(nxt)
    error = ""
    if request.method == "POST":
        if twofactor.verify(request, request.POST.get("token", "")):
            return redirect(nxt)
        error = "验证码不正确或已使用过，请重新输入（连续输错后须稍等片刻再试）"
    return render(request, "core/twofactor_verify.html", {"next": nxt, "error": error})


# --- error pages ----------------------------------------------------------------------------------------

# PostgreSQL: lock_not_available (lock_timeout), deadlock_detected, serialization_failure
_BUSY_SQLSTATES = {"55P03", "40P01", "40001"}


def database_busy(exc):
    """A database that could not serve the request in time because others hold its locks (SQLite's
    busy timeout ran out: "database is locked"), as opposed to a real error."""
    from django.db import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    if "database is locked" in str(exc) or "database table is locked" in str(exc):
        return True
    return getattr(exc.__cause__, "sqlstate", None) in _BUSY_SQLSTATES


def server_error(request):
    """handler500: a request that outwaited the database's lock timeout (a long import holds the
    write lock) is told 系统繁忙，请稍后重试 (503, Retry-After) rather than a system error; Django
    calls this inside its exception handler, so the exception is the current one, wherever it was
    raised (a view or a middleware such as the session save)."""
    import sys

    from django.template import loader

    busy = database_busy(sys.exc_info()[1])
    html = loader.get_template("503.html" if busy else "500.html").render()
    resp = HttpResponse(html, status=503 if busy else 500)
    if busy:
        resp["Retry-After"] = "5"
    return resp
