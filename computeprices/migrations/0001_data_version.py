from django.db import migrations, models
from django.db.models import Max
from django.utils import timezone


def create_row(apps, schema_editor):
    """The first version names the data already there (its newest price days), so footers stay right."""
    using = schema_editor.connection.alias
    gpu = apps.get_model("providers", "GpuPriceObservation").objects.using(using)
    token = apps.get_model("inference", "InferencePriceObservation").objects.using(using)
    apps.get_model("computeprices", "DataVersion").objects.using(using).create(
        pk=1,
        version=1,
        published_at=timezone.now(),
        gpu_prices_as_of=gpu.aggregate(d=Max("observed_on"))["d"],
        token_prices_as_of=token.aggregate(d=Max("observed_on"))["d"],
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("providers", "0002_gpu_daily_stats"),
        ("inference", "0002_throughputprofile"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.PositiveBigIntegerField(default=1)),
                ("published_at", models.DateTimeField(help_text="When the data last changed (UTC).")),
                (
                    "gpu_prices_as_of",
                    models.DateField(blank=True, help_text="Newest GPU price observation day.", null=True),
                ),
                (
                    "token_prices_as_of",
                    models.DateField(blank=True, help_text="Newest token price observation day.", null=True),
                ),
            ],
            options={
                "constraints": [models.CheckConstraint(condition=models.Q(("pk", 1)), name="data_version_single_row")],
            },
        ),
        migrations.RunPython(create_row, migrations.RunPython.noop),
    ]
