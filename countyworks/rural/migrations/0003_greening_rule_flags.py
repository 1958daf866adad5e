"""The greening form's "trees planted to date ≤ seedlings secured to date" rule flags a week (an
explanation is then required: trees planted from last year's seedlings, donated saplings) instead
of refusing it — in the web form as on import. A rule that already declares its severity is kept."""

from django.db import migrations


def forwards(apps, schema_editor):
    ReportForm = apps.get_model("dispatch", "ReportForm")
    for form in ReportForm.objects.filter(code="greening"):
        rules, changed = [], False
        for r in form.rules or []:
            if (r.get("type") == "cumulative_lte" and r.get("left") == "trees_planted"
                    and r.get("right") == "seedlings_secured" and "severity" not in r):
                r = {**r, "severity": "flag"}
                changed = True
            rules.append(r)
        if changed:
            form.rules = rules
            form.save(update_fields=["rules"])


def backwards(apps, schema_editor):
    ReportForm = apps.get_model("dispatch", "ReportForm")
    for form in ReportForm.objects.filter(code="greening"):
        form.rules = [{k: v for k, v in r.items() if k != "severity"} for r in form.rules or []]
        form.save(update_fields=["rules"])


class Migration(migrations.Migration):
    dependencies = [("rural", "0002_defaults")]

    operations = [migrations.RunPython(forwards, backwards)]
