"""The generic view pieces every app uses. Scope is applied here, once: a view's queryset comes
only from `Model.objects.visible_to(user, action)`, so a record outside the user's scope is a 404,
and a user without any role for the view's programme gets 403."""

import io

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.views.generic import CreateView, DetailView, UpdateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from . import clock
from .audit import audit_log, record_version
from .models import AuditAction
from .scope import has_any_programme_role, has_system_role, programme_roles
from .spreadsheets import write_xlsx

ANY_PROGRAMME = "*"


class ScopedMixin(AccessMixin):
    """`programme` (a Programme value, ANY_PROGRAMME) or `system_role` (a RoleKind) decides who
    may open the view at all (else 403); `action` is the scope action used for the queryset."""

    programme = None
    system_role = None
    action = "view"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.has_permission():
            raise PermissionDenied("您没有访问此页面的权限")
        return super().dispatch(request, *args, **kwargs)

    def has_permission(self):
        user = self.request.user
        if self.system_role:
            return has_system_role(user, self.system_role)
        if self.programme == ANY_PROGRAMME:
            return has_any_programme_role(user, action=self.action)
        return bool(programme_roles(user, self.programme, self.action))

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user, action=self.action)


class ExportMixin:
    """`?export=xlsx` on a list page exports exactly what the list shows (its filters and
    sort), all pages of it; the export is audited."""

    export_name = "导出"

    def render_to_response(self, context, **kwargs):
        if self.request.GET.get("export") == "xlsx":
            return self.export_xlsx(context)
        return super().render_to_response(context, **kwargs)

    def export_xlsx(self, context):
        table = context["table"]
        values = list(table.as_values(exclude_columns=getattr(self, "export_exclude", ())))
        headers, rows = values[0], values[1:]
        buf = io.BytesIO()
        write_xlsx(buf, [(self.export_name, [str(h) for h in headers], rows)])
        audit_log(action=AuditAction.EXPORT, actor=self.request.user, object_type=f"export.{self.model._meta.label_lower}",
                  object_repr=f"{self.export_name}导出", message=f"导出{len(rows)}行；条件：{self.request.GET.urlencode()}")
        name = f"{self.export_name}_{clock.today():%Y%m%d}.xlsx"
        resp = HttpResponse(buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        from urllib.parse import quote

        resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return resp


class ScopedListView(ScopedMixin, ExportMixin, SingleTableMixin, FilterView):
    template_name = "core/list.html"
    paginate_by = 50
    title = ""
    create_url = None
    import_kind = None

    def get_table_pagination(self, table):
        if self.request.GET.get("export") == "xlsx":
            return False
        return {"per_page": self.paginate_by}

    def get_paginate_by(self, queryset):
        """The table paginates (one COUNT per page); the list view itself must not paginate too."""
        return None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        table = ctx.get("table")
        total = table.paginator.count if table is not None and getattr(table, "paginator", None) else len(table.rows)
        ctx.update(title=self.title, create_url=self.get_create_url(), import_kind=self.import_kind,
                   can_import=self.can_import(), total=total, querystring=self.request.GET.urlencode())
        return ctx

    def get_create_url(self):
        return self.create_url

    def can_import(self):
        if not self.import_kind:
            return False
        from .importing import get_importer

        try:
            get_importer(self.import_kind, self.request.user).check_permission()
        except PermissionDenied:
            return False
        return True


class ScopedDetailView(ScopedMixin, DetailView):
    pass


class ServiceFormMixin:
    """Forms never save models themselves: `perform(form)` calls the service. A ValidationError
    from the service becomes a form error, a PermissionDenied a 403."""

    template_name = "core/form.html"
    success_message = "已保存"
    title = ""

    def form_valid(self, form):
        try:
            self.object = self.perform(form)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for fld, errs in exc.error_dict.items():
                    form.add_error(fld if fld in form.fields else None, errs)
            else:
                form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        from django.shortcuts import redirect

        return redirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = self.title
        return ctx


class ScopedCreateView(ScopedMixin, ServiceFormMixin, CreateView):
    action = "change"


VERSION_FIELD = "record_version"


class ScopedUpdateView(ScopedMixin, ServiceFormMixin, UpdateView):
    """An edit page. Two people editing the same record: the second save is refused with a message
    saying who changed it and when, and nothing of it is written (the form keeps what was typed)."""

    action = "change"

    def get_form(self, form_class=None):
        from django import forms as dj_forms

        form = super().get_form(form_class)
        form.fields[VERSION_FIELD] = dj_forms.CharField(widget=dj_forms.HiddenInput, required=False)
        if self.request.method != "POST":
            form.initial[VERSION_FIELD] = record_version(self.object)
        return form

    def form_valid(self, form):
        from django.db import transaction

        posted = form.cleaned_data.pop(VERSION_FIELD, "") or ""
        with transaction.atomic():
            current = type(self.object).objects.select_for_update().filter(pk=self.object.pk).first()
            if current is None:
                form.add_error(None, "该记录已被删除，您的修改未保存")
                return self.form_invalid(form)
            if posted and posted != record_version(current):
                form.add_error(None, self.conflict_message(current))
                return self.form_invalid(form)
            return super().form_valid(form)

    def conflict_message(self, current):
        from django.utils import timezone as tz

        from .models import AuditEntry

        last = (AuditEntry.objects.filter(object_type=current._meta.label_lower, object_id=str(current.pk))
                .order_by("-seq").first())
        who = ""
        if last is not None:
            who = f"（{last.actor_name or '系统'}于{tz.localtime(last.at):%m月%d日 %H:%M}修改）"
        return f"您打开此页面后，该记录已被他人修改{who}，您的修改未保存。请刷新页面查看最新内容后再修改。"


def today():
    return clock.today()
