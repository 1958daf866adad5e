"""The bulletin pages: list, generate, read (every figure opens its records), publish, download."""

import json
from datetime import timedelta
from urllib.parse import quote

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import FormView

from countyworks.core import clock
from countyworks.core import programmes as registry
from countyworks.core.models import Programme
from countyworks.core.parsing import InvalidValue
from countyworks.core.programmes import FigureModel
from countyworks.core.scope import programme_roles, unit_in_scope
from countyworks.core.viewmixins import ScopedDetailView, ScopedListView, ScopedMixin

from . import documents, services
from .filters import BulletinFilter
from .forms import BulletinCreateForm, BulletinSettingForm
from .models import Bulletin
from .tables import BulletinTable

P = Programme.DISPATCH


def can(user, unit, action):
    return unit is not None and unit_in_scope(user, unit, programme=P, action=action)


def errors_to_form(form, exc):
    """A service's ValidationError next to its field where the form has one, else on top."""
    if hasattr(exc, "error_dict"):
        for fld, errs in exc.error_dict.items():
            form.add_error(fld if fld in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


class BulletinListView(ScopedListView):
    model = Bulletin
    programme = P
    table_class = BulletinTable
    filterset_class = BulletinFilter
    template_name = "reporting/list.html"
    title = export_name = "月通报"

    def get_queryset(self):
        return super().get_queryset().select_related("unit").defer("content")

    def get_create_url(self):
        return (
            reverse("reporting:bulletin_create") if programme_roles(self.request.user, P, "manage") else None
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if programme_roles(self.request.user, P, "manage"):
            ctx["settings_url"] = reverse("reporting:bulletin_settings")
        return ctx


class BulletinCreateView(ScopedMixin, FormView):
    programme = P
    action = "manage"
    form_class = BulletinCreateForm
    template_name = "reporting/bulletin_create.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        first = clock.today().replace(day=1)
        return {"period": f"{first - timedelta(days=1):%Y-%m}", "programme": "rural"}

    def form_valid(self, form):
        d = form.cleaned_data
        try:
            b = services.bulletin_create(
                programme=d["programme"],
                period=d["period"],
                unit=d["unit"],
                actor=self.request.user,
                issue_date=d["issue_date"],
                doc_number=d["doc_number"],
            )
        except (InvalidValue, ValueError) as exc:
            form.add_error("period", str(exc))
            return self.form_invalid(form)
        except ValidationError as exc:
            errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"已生成通报草稿“{b.title}”，核对后可发布")
        return redirect(b.get_absolute_url())

    def get_context_data(self, **kwargs):
        return super().get_context_data(title="生成月通报", **kwargs)


class BulletinDetailView(ScopedDetailView):
    model = Bulletin
    programme = P
    template_name = "reporting/bulletin_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "published_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        b = self.object
        ctx.update(
            title=b.title,
            content=b.content,
            links=True,
            bulletin=b,
            can_manage=can(self.request.user, b.unit, "manage"),
            in_force=services.published_of(programme=b.programme, period=b.period, unit=b.unit)
            if b.status == Bulletin.Status.DRAFT else None,
        )
        return ctx


class BulletinActionView(ScopedMixin, View):
    """POST publish / delete a draft (the services check the manage scope)."""

    model = Bulletin
    programme = P

    def post(self, request, pk, op):
        b = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            if op == "publish":
                services.bulletin_publish(bulletin=b, actor=request.user,
                                          correction_note=request.POST.get("correction_note", ""))
                messages.success(request, "通报已发布，内容已冻结")
            elif op == "delete":
                services.bulletin_delete_draft(bulletin=b, actor=request.user)
                messages.success(request, "草稿已删除")
                return redirect("reporting:bulletin_list")
            else:
                raise Http404
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect(b.get_absolute_url())


DOWNLOADS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
    "pdf": "application/pdf",
}


class BulletinDownloadView(ScopedMixin, View):
    """The stored content rendered as a file: a published bulletin always gives its frozen numbers."""

    model = Bulletin
    programme = P

    def get(self, request, pk, fmt):
        if fmt not in DOWNLOADS:
            raise Http404
        b = get_object_or_404(self.get_queryset(), pk=pk)
        if fmt == "pdf":
            from .pdf import PdfUnavailable, render_pdf

            try:
                data = render_pdf(b.content)
            except PdfUnavailable as exc:
                messages.error(request, str(exc))
                return redirect(b.get_absolute_url())
        elif fmt == "docx":
            data = documents.render_docx(b.content)
        elif fmt == "xlsx":
            data = documents.render_xlsx(b.content)
        else:
            data = json.dumps(b.content, ensure_ascii=False, indent=2).encode()
        resp = HttpResponse(data, content_type=DOWNLOADS[fmt])
        name = f"{b.title}（{b.content.get('period_label', b.period)}）.{fmt}"
        resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return resp


def _num(v):
    if v is None:
        return "—"
    f = float(v)
    return f"{int(f):,}" if f == int(f) else f"{f:,.2f}".rstrip("0").rstrip(".")


# How the records behind a bulletin figure are listed comes from the programme that owns the model
# (core.programmes FigureModel); the org units a figure counts are listed by core's own columns.
_ORGUNIT_FIGURE = FigureModel(columns=("单位", "代码", "类型"), cells=lambda u, fig: [u.name, u.code, u.get_kind_display()])


def figure_records(fig, user, key=""):
    """The records a bulletin figure counted, in the order of its ids: each row's cells from the
    record as it is now, a link where the user may open the record, "记录已删除" where it is gone."""
    label = fig.get("model", "")
    spec = _ORGUNIT_FIGURE if label == "core.orgunit" else registry.figure_model(label)
    ids = list(fig.get("ids", []))
    if spec is None:
        return ["编号"], [{"id": i, "deleted": False, "cells": [str(i)], "url": None} for i in ids], None
    columns, related, cells = list(spec.columns), spec.related, spec.cells
    model = apps.get_model(label)
    found = {o.pk: o for o in model.objects.filter(pk__in=ids).select_related(*related)}
    manager = model.objects
    visible = (
        set(manager.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
        if hasattr(manager, "visible_to")
        else set()
    )
    rows = []
    for i in ids:
        obj = found.get(i)
        if obj is None:
            rows.append({"id": i, "deleted": True, "cells": [], "url": None})
        else:
            rows.append(
                {
                    "id": i,
                    "deleted": False,
                    "cells": cells(obj, fig),
                    "url": obj.get_absolute_url()
                    if i in visible and hasattr(obj, "get_absolute_url")
                    else None,
                }
            )
    total = None
    code = key.rsplit(".", 1)[-1] if key else ""
    first = next(iter(found.values()), None)
    heading = spec.value_column(first, code) if spec.value_column and first is not None else None
    if heading:  # the figure per record and its sum as the records are now (e.g. a weekly figure)
        columns.append(heading)
        total = 0
        for r in rows:
            if not r["deleted"]:
                v = spec.value(found[r["id"]], code) or 0
                total += v
                r["cells"].append(_num(v))
        total = _num(total)
    return columns, rows, total


class BulletinFigureView(ScopedDetailView):
    model = Bulletin
    programme = P
    template_name = "reporting/bulletin_figure.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        key = self.kwargs["key"]
        fig = (self.object.content.get("figures") or {}).get(key)
        if fig is None:
            raise Http404
        columns, rows, total = figure_records(fig, self.request.user, key)
        value = fig.get("value")
        ctx.update(
            title=fig.get("label", key),
            bulletin=self.object,
            key=key,
            fig=fig,
            columns=columns,
            rows=rows,
            total=total,
            value=_num(value) if isinstance(value, int | float) else (value if value is not None else "—"),
            deleted=sum(1 for r in rows if r["deleted"]),
        )
        return ctx


class BulletinSettingsView(ScopedMixin, FormView):
    """The 版头 and 落款 of the bulletins, per unit and programme: the settings in force and a form
    to set one (an existing unit + programme is updated)."""

    programme = P
    action = "manage"
    form_class = BulletinSettingForm
    template_name = "reporting/bulletin_settings.html"

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "user": self.request.user}
        unit, programme = self.request.GET.get("unit", "").strip(), self.request.GET.get("programme", "")
        if self.request.method == "GET" and unit.isdigit():
            from countyworks.core.scope import units_in_scope

            from .models import BulletinSetting

            units = units_in_scope(self.request.user, programme=P, action="manage")
            s = BulletinSetting.objects.filter(unit__in=units, unit_id=int(unit), programme=programme).first()
            if s:
                kwargs["initial"] = {"unit": s.unit_id, "programme": s.programme, "masthead": s.masthead,
                                     "issuer": s.issuer, "doc_prefix": s.doc_prefix, "recipients": s.recipients,
                                     "copy_to": s.copy_to}
        return kwargs

    def form_valid(self, form):
        d = form.cleaned_data
        try:
            services.bulletin_setting_save(actor=self.request.user, unit=d["unit"], programme=d["programme"],
                                           **{k: d[k] for k in ("masthead", "issuer", "doc_prefix", "recipients",
                                                                "copy_to")})
        except ValidationError as exc:
            errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "已保存通报版头设置")
        return redirect("reporting:bulletin_settings")

    def get_context_data(self, **kwargs):
        from countyworks.core.scope import units_in_scope

        from .models import BulletinSetting, masthead_for

        units = units_in_scope(self.request.user, programme=P, action="manage")
        rows = BulletinSetting.objects.filter(unit__in=units).select_related("unit").order_by("unit__path", "programme")
        labels = dict(registry.bulletin_choices())
        return super().get_context_data(
            title="通报版头设置",
            rows=[(s, labels.get(s.programme, s.programme)) for s in rows],
            defaults=[(label, masthead_for(top, code)["issuer"]) for code, label in registry.bulletin_choices()]
            if (top := units.order_by("depth", "path").first()) else [],
            top=units.order_by("depth", "path").first(),
            **kwargs,
        )
