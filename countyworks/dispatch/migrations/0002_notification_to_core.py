from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0001_initial"),
        ("core", "0003_flowtransition_notification"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
