"""The built-in object categories with their first checklists, and 日常检查 (routine inspection),
which hazards imported without a campaign belong to."""

from django.db import migrations


def load(apps, schema_editor):
    from countyworks.safety.reference import CATEGORIES

    Category = apps.get_model("safety", "ObjectCategory")
    Checklist = apps.get_model("safety", "Checklist")
    Item = apps.get_model("safety", "ChecklistItem")
    Campaign = apps.get_model("safety", "Campaign")
    for order, (code, name, items) in enumerate(CATEGORIES, 1):
        cat, _ = Category.objects.get_or_create(code=code, defaults={"name": name, "builtin": True, "sort_order": order * 10})
        if not Checklist.objects.filter(category=cat).exists():
            cl = Checklist.objects.create(category=cat, version=1, note="初始版本")
            Item.objects.bulk_create([Item(checklist=cl, seq=i, text=t, basis=b) for i, (t, b) in enumerate(items, 1)])
    if not Campaign.objects.filter(routine=True).exists():
        Campaign.objects.create(name="日常检查", routine=True, description="专项检查行动以外的日常安全检查")


class Migration(migrations.Migration):
    dependencies = [("safety", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
