from django.db import migrations

# The Jianghai "1+3+2" industry system: 1 featured, 3 leading, 2 pillar industries, plus 其他.
CATALOGUE = [
    ("SAFETY", "安全应急产业", "featured", 10),
    ("EQUIP", "高端装备制造", "leading", 20),
    ("MATERIAL", "前沿新材料", "leading", 30),
    ("ELECTRONIC", "新一代电子信息", "leading", 40),
    ("APPLIANCE", "智能家电", "pillar", 50),
    ("BIOMED", "生物医药与健康", "pillar", 60),
    ("OTHER", "其他", "other", 90),
]


def load(apps, schema_editor):
    Industry = apps.get_model("core", "Industry")
    for code, name, tier, order in CATALOGUE:
        Industry.objects.get_or_create(code=code, defaults={"name": name, "tier": tier, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
