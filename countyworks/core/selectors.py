"""Reads of the core that views need beyond a scoped queryset."""

from django.apps import apps

EXTRA_LABELS = {"role": "角色", "agenda": "评审议程", "file": "文件", "rows": "行数", "created": "新增",
                "updated": "更新", "unchanged": "未变化", "scores": "评分", "vetoes": "否决事项",
                "enterprises": "对接企业", "leads": "线索"}


def audit_entry_display(entry):
    """The entry's object type and changed fields in the users' words (verbose names), with
    foreign keys shown as ids and choices as their labels where the model knows them."""
    model = None
    if "." in entry.object_type:
        try:
            model = apps.get_model(entry.object_type)
        except (LookupError, ValueError):
            model = None
    type_label = str(model._meta.verbose_name) if model else entry.object_type
    rows = []
    for key, pair in (entry.changes or {}).items():
        field_name, _, sub = key.partition(".")
        label = EXTRA_LABELS.get(key, key)
        choices = {}
        if model is not None:
            try:
                f = model._meta.get_field(field_name)
                label = str(f.verbose_name)
                choices = dict(f.flatchoices) if f.choices else {}
            except Exception:  # noqa: BLE001 - keys like "started.actual_date" are not fields
                label = EXTRA_LABELS.get(key, key)
        if sub:
            part = getattr(model, "audit_part_label", None)  # the model names its own sub-records
            label = f"{part(field_name) if part else field_name}·{'实际日期' if sub == 'actual_date' else '计划日期' if sub == 'planned_date' else sub}"
        if isinstance(pair, list) and len(pair) == 2:
            before, after = (choices.get(v, v) for v in pair)
            rows.append((label, before, after, True))
        else:
            rows.append((label, pair, None, False))
    return type_label, rows



def unit_by_name_or_code(text):
    """The org unit a command line names (its code, else its unique name); the top unit when
    blank. Raises CommandError with a Chinese message."""
    from django.core.management.base import CommandError

    from .models import OrgUnit

    if not text:
        unit = OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
        if unit is None:
            raise CommandError("尚无组织单位，请先导入组织机构或运行 countyworks load-demo")
        return unit
    matches = list(OrgUnit.objects.filter(code=text)) or list(OrgUnit.objects.filter(name=text))
    if not matches:
        raise CommandError(f"找不到单位“{text}”")
    if len(matches) > 1:
        raise CommandError(f"单位名称“{text}”不唯一，请使用单位代码")
    return matches[0]


SPECIAL_TYPES = {"auth": "登录与账号", "import": "导入", "export": "导出", "security": "安全设置"}


def audit_type_label(object_type):
    """An audit entry's object type in the users' words: the model's verbose name, a programme's
    declared audit label, or "导入：签约项目" for import./export. kinds."""
    from . import programmes as registry

    if not object_type:
        return "—"
    labels = registry.audit_labels()
    if object_type in labels:
        return labels[object_type]
    head, _, rest = object_type.partition(".")
    if head in ("import", "export") and rest:
        inner = rest if "." not in rest else None
        if inner is None:
            try:
                return f"{SPECIAL_TYPES[head]}：{apps.get_model(rest)._meta.verbose_name}"
            except (LookupError, ValueError):
                return f"{SPECIAL_TYPES[head]}：{rest}"
        from .importing import REGISTRY

        return f"{SPECIAL_TYPES[head]}：{REGISTRY[inner].label if inner in REGISTRY else inner}"
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return SPECIAL_TYPES.get(head, object_type)


def audit_type_choices():
    """(object_type, label) of every type the audit log holds, for the viewer's filter."""
    from .models import AuditEntry

    types = AuditEntry.objects.order_by().values_list("object_type", flat=True).distinct()
    return sorted(((t, audit_type_label(t)) for t in types if t), key=lambda c: c[1])
