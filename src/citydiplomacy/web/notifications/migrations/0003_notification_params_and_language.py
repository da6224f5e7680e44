"""Notifications store what they are about (``params``), not their English words (issue 19,
item 3): the old ``subject``/``body`` columns become ``legacy_subject``/``legacy_body``, the
text shown for rows written before (their ``params`` null); each user's e-mail language."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def words_for_old_code(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Going back to 0002 (whose rows are only text): write each row's English words into the
    text columns before ``params`` is dropped, so rows written since are not left blank."""
    from django.utils import translation

    from citydiplomacy.web.notifications.wording import render

    Notification = apps.get_model("notifications", "Notification")
    with translation.override("en"):
        for n in Notification.objects.filter(params__isnull=False).iterator():
            try:
                words = render(n.kind, n.params, n.legacy_subject, n.legacy_body)
                subject, body = str(words.subject), str(words.body)
            except Exception:  # a kind this code cannot word: its kind, rather than nothing
                subject, body = n.kind.replace("_", " "), ""
            n.legacy_subject, n.legacy_body = subject[:200], body
            n.save(update_fields=["legacy_subject", "legacy_body"])


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
        migrations.RunPython(migrations.RunPython.noop, words_for_old_code),
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
