# An upload is stored first ("checking") and checked by a task (web/tasks.py).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0003_audit_order_and_stored_checks"),
    ]

    operations = [
        migrations.AlterField(
            model_name="submission",
            name="status",
            field=models.CharField(
                choices=[
                    ("checking", "Being checked"),
                    ("invalid", "Has errors"),
                    ("ready", "Valid, waiting to be committed"),
                    ("committed", "Committed"),
                    ("discarded", "Discarded"),
                ],
                max_length=16,
            ),
        ),
    ]
