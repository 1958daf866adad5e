"""The rural programme's defaults: the designation levels (editable afterwards) and, on an
installation that already has its org tree, the weekly greening report form (code "greening")
with its figures and their aggregation types. A fresh installation without org units gets the
form on its first greening import (services.ensure_greening_form)."""

from datetime import date

from django.db import migrations

LEVELS = [
    ("省级首批典型村", "province", "village", 10),
    ("省级典型镇", "province", "town", 15),
    ("市级典型镇", "city", "town", 20),
    ("市级典型村", "city", "village", 30),
    ("区级典型村", "district", "village", 40),
]

FIELDS = [
    {"code": "seedlings_secured", "label": "已落实苗木", "unit": "株", "required": True, "aggregation": "sum"},
    {"code": "trees_planted", "label": "已植树", "unit": "株", "required": True, "aggregation": "sum"},
    {"code": "training", "label": "培训人次", "unit": "人次", "required": True, "aggregation": "sum"},
    {"code": "sages_visited", "label": "走访乡贤", "unit": "人", "required": True, "aggregation": "latest"},
    {"code": "party_members", "label": "参与“五带头”党员", "unit": "人", "required": True, "aggregation": "latest"},
    {"code": "meetings", "label": "座谈会", "unit": "次", "required": True, "aggregation": "sum"},
]
RULES = [{"type": "cumulative_lte", "left": "trees_planted", "right": "seedlings_secured",
          "message": "累计已植树不能超过累计已落实苗木"}]


def forwards(apps, schema_editor):
    Level = apps.get_model("rural", "DesignationLevel")
    for name, tier, target, rank in LEVELS:
        Level.objects.get_or_create(name=name, defaults={"tier": tier, "target": target, "rank": rank})
    OrgUnit = apps.get_model("core", "OrgUnit")
    ReportForm = apps.get_model("dispatch", "ReportForm")
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("sort_order", "code").first()
    if root is not None and not ReportForm.objects.filter(code="greening").exists():
        ReportForm.objects.create(code="greening", name="乡村绿化周报", programme="rural", owner=root, fields=FIELDS,
                                  rules=RULES, start_date=date(2024, 1, 1))


class Migration(migrations.Migration):
    dependencies = [("rural", "0001_initial"), ("dispatch", "0002_notification_to_core"), ("core", "0003_flowtransition_notification")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
