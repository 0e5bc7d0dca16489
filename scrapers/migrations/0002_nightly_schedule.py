"""The nightly scrape as a django-celery-beat PeriodicTask (editable in admin). Idempotent: it updates
the entry by name rather than adding a second one, and leaves an admin's later edits to the time alone."""

from django.db import migrations

NIGHTLY_NAME = "Nightly scrape of every price source"
NIGHTLY_TASK = "scrapers.scrape_all"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=NIGHTLY_NAME,
        defaults={"task": NIGHTLY_TASK, "crontab": crontab, "enabled": True, "description": "02:30 UTC: every source, then statistics once."},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NIGHTLY_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("scrapers", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
