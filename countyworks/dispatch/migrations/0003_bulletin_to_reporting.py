from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0002_notification_to_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Bulletin")],
            database_operations=[],
        ),
    ]
