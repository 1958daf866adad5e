"""The leader in charge of a project is a core.Person (name, post, unit), no longer an account:
each account that was a leader becomes the person linked to it."""

import django.db.models.deletion
from django.db import migrations, models


def forwards(apps, schema_editor):
    from countyworks.core.migration_helpers import person_for_account

    Model = apps.get_model("investment", "project")
    cache = {}
    for row in Model.objects.filter(leader__isnull=False).only("pk", "leader_id"):
        Model.objects.filter(pk=row.pk).update(leader_person=person_for_account(apps, row.leader_id, cache))


def backwards(apps, schema_editor):
    Model = apps.get_model("investment", "project")
    for row in Model.objects.filter(leader_person__isnull=False, leader_person__user__isnull=False).select_related(
            "leader_person"):
        Model.objects.filter(pk=row.pk).update(leader_id=row.leader_person.user_id)


class Migration(migrations.Migration):
    dependencies = [
        ("investment", "0002_six_good_defaults"),
        ("core", "0004_person"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="leader_person",
            field=models.ForeignKey(null=True, blank=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="core.person", verbose_name="包抓领导"),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="project", name="leader"),
        migrations.RenameField(model_name="project", old_name="leader_person", new_name="leader"),
        migrations.AlterField(
            model_name="project",
            name="leader",
            field=models.ForeignKey(null=True, blank=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="projects", to="core.person", verbose_name="包抓领导"),
        ),
    ]
