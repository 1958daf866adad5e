import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_industry_catalogue"),
        ("dispatch", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="FlowTransition",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("flow", models.CharField(max_length=60)),
                ("object_type", models.CharField(max_length=100)),
                ("object_id", models.BigIntegerField()),
                ("transition", models.CharField(max_length=60)),
                ("source", models.CharField(max_length=40)),
                ("target", models.CharField(max_length=40)),
                ("at", models.DateTimeField()),
                ("reason", models.TextField(blank=True)),
                ("attachment", models.CharField(blank=True, max_length=300)),
                ("data", models.JSONField(blank=True, default=dict)),
                ("actor", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL,
                                            related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={"verbose_name": "流转记录", "verbose_name_plural": "流转记录",
                     "indexes": [models.Index(fields=["object_type", "object_id", "at"],
                                              name="core_flowtr_object__54089c_idx")]},
        ),
        # the notification table stays where it is; only its owner changes (dispatch → core)
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("text", models.CharField(max_length=300)),
                        ("url", models.CharField(blank=True, max_length=300)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                   related_name="notifications", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={"db_table": "dispatch_notification", "ordering": ["-created_at"]},
                ),
            ],
            database_operations=[],
        ),
    ]
