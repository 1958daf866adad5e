from django.db import migrations

# 六好项目评价法: six dimensions, each scored against written criteria; weights are editable.
DIMENSIONS = [
    ("industry", "好产业", 20, [
        ("符合本地产业体系（特色、主导或支柱产业）", 10),
        ("处于产业链关键环节，可补链强链延链", 6),
        ("符合国家产业政策和绿色低碳方向", 4),
    ]),
    ("enterprise", "好企业", 15, [
        ("企业实力：营收规模、行业地位（上市公司、500强、专精特新等）", 8),
        ("企业信用：无严重失信、重大行政处罚记录", 7),
    ]),
    ("technology", "好技术", 15, [
        ("拥有核心专利或自主知识产权", 8),
        ("研发投入强度与研发机构（省级以上研发平台）", 7),
    ]),
    ("team", "好团队", 10, [
        ("核心管理团队稳定、经验丰富", 5),
        ("技术团队与高层次人才情况", 5),
    ]),
    ("customer", "好客户", 15, [
        ("产品市场前景与主要客户质量", 8),
        ("订单与销售渠道稳定", 7),
    ]),
    ("project", "好项目", 25, [
        ("投资强度（万元/亩）达到园区准入标准", 6),
        ("亩均产值、亩均税收预期", 7),
        ("新增就业岗位", 4),
        ("环保达标、能耗可控", 4),
        ("安全生产风险可控", 4),
    ]),
]
VETOES = [
    ("V01", "属于国家或省禁止类、淘汰类产业"),
    ("V02", "触碰生态环境保护红线"),
    ("V03", "企业或实际控制人存在严重失信记录"),
    ("V04", "存在重大安全生产风险且无法有效管控"),
    ("V05", "不符合国土空间规划“三区三线”管控要求"),
]


def load(apps, schema_editor):
    Dimension = apps.get_model("investment", "EvalDimension")
    Criterion = apps.get_model("investment", "EvalCriterion")
    Veto = apps.get_model("investment", "VetoItem")
    for order, (code, name, weight, criteria) in enumerate(DIMENSIONS, 1):
        d, _ = Dimension.objects.get_or_create(code=code, defaults={"name": name, "weight": weight, "sort_order": order})
        for i, (text, max_points) in enumerate(criteria, 1):
            Criterion.objects.get_or_create(dimension=d, text=text, defaults={"max_points": max_points, "sort_order": i})
    for code, text in VETOES:
        Veto.objects.get_or_create(code=code, defaults={"text": text})
    Indicator = apps.get_model("core", "Indicator")
    for code, name, unit in [("projects_100m", "亿元以上项目数", "个"),
                             ("investment_100m", "亿元以上项目计划总投资(万元)", "万元")]:
        Indicator.objects.get_or_create(code=code, defaults={"name": name, "programme": "investment", "unit_label": unit})


class Migration(migrations.Migration):
    dependencies = [("investment", "0001_initial"), ("core", "0002_industry_catalogue")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
