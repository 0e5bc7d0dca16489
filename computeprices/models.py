"""The data version: one row that every publish bumps, so caches can key on it (see computeprices.dataversion)."""

from django.db import models


class DataVersion(models.Model):
    """The single row (pk=1) naming the current state of the published data.

    Written only by computeprices.dataversion.bump_data_version(). Pages read it (usually from the
    cache) to key their cached copies and to show how fresh the prices are without a MAX() over the
    observation tables.
    """

    version = models.PositiveBigIntegerField(default=1)
    published_at = models.DateTimeField(help_text="When the data last changed (UTC).")
    gpu_prices_as_of = models.DateField(null=True, blank=True, help_text="Newest GPU price observation day.")
    token_prices_as_of = models.DateField(null=True, blank=True, help_text="Newest token price observation day.")

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="data_version_single_row")]

    def __str__(self):
        return f"data version {self.version} ({self.published_at:%Y-%m-%d %H:%M} UTC)"
