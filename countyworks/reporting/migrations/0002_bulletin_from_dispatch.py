import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """The bulletin moves from dispatch to reporting; its table (dispatch_bulletin) stays."""

    dependencies = [
        ("reporting", "0001_initial"),
        ("dispatch", "0003_bulletin_to_reporting"),
        ("core", "0003_flowtransition_notification"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Bulletin",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("programme", models.CharField(max_length=20, verbose_name="业务")),
                        ("period", models.CharField(max_length=7, verbose_name="期间")),
                        ("title", models.CharField(max_length=200, verbose_name="标题")),
                        ("content", models.JSONField(verbose_name="内容")),
                        ("status", models.CharField(choices=[("draft", "草稿"), ("published", "已发布")], default="draft",
                                                    max_length=20, verbose_name="状态")),
                        ("built_at", models.DateTimeField(verbose_name="生成时间")),
                        ("published_at", models.DateTimeField(blank=True, null=True, verbose_name="发布时间")),
                        ("published_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                           related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("unit", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="bulletins",
                                                   to="core.orgunit", verbose_name="单位")),
                    ],
                    options={"verbose_name": "月通报", "verbose_name_plural": "月通报", "ordering": ["-period", "-built_at"],
                             "db_table": "dispatch_bulletin"},
                ),
            ],
            database_operations=[],
        ),
    ]
