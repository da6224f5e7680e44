"""Notifications store what they are about (``params``), not their English words (issue 19,
item 3): the old ``subject``/``body`` columns become ``legacy_subject``/``legacy_body``, the
text shown for rows written before (their ``params`` null); each user's e-mail language."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_reporting_deadlines_and_editor_invitations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(
            model_name="notification", old_name="subject", new_name="legacy_subject"
        ),
        migrations.RenameField(model_name="notification", old_name="body", new_name="legacy_body"),
        migrations.AlterField(
            model_name="notification",
            name="legacy_subject",
            field=models.CharField(
                blank=True, help_text="English subject of a row without params", max_length=200
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="legacy_body",
            field=models.TextField(blank=True, help_text="English body of a row without params"),
        ),
        migrations.AddField(
            model_name="notification",
            name="params",
            field=models.JSONField(
                blank=True,
                default=None,
                help_text="what it is about (ids, names, ISO dates, counts, codes); null: an old row",
                null=True,
            ),
        ),
        migrations.CreateModel(
            name="NotificationSettings",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="notification_settings",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        choices=[("en", "English"), ("fr", "Français")],
                        help_text="the language of the user's notification e-mails",
                        max_length=10,
                    ),
                ),
            ],
        ),
    ]
