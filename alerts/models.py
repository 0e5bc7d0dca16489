"""E-mail price alerts: who asked to hear about which price falling below what, and what was sent.

A subscription is pending until its confirmation link is clicked (double opt-in), then active until
its one-click unsubscribe link is followed. `is_below` remembers which side of the threshold the
price was on at the last check, so one e-mail goes out per crossing, not one per night.
"""

import secrets

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


def new_token():
    return secrets.token_urlsafe(32)


class SubscriptionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Subscription.Status.ACTIVE)


class Subscription(models.Model):
    class Kind(models.TextChoices):
        GPU = "gpu", "Cheapest on-demand GPU-hour"
        MODEL = "model", "Cheapest blended (3:1) price per 1M tokens"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        ACTIVE = "active", "Active"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    email = models.EmailField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    gpu = models.ForeignKey("providers.Gpu", on_delete=models.CASCADE, null=True, blank=True)
    model = models.ForeignKey("inference.LanguageModel", on_delete=models.CASCADE, null=True, blank=True)
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.CASCADE, null=True, blank=True, help_text="Blank: any provider."
    )
    below_usd = models.DecimalField(
        "below (USD)", max_digits=12, decimal_places=6, help_text="USD per GPU-hour, or USD per 1M tokens."
    )
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.PENDING)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    is_below = models.BooleanField(
        null=True, blank=True, help_text="Whether the price was below the threshold at the last check."
    )
    created = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="gpu") & Q(gpu__isnull=False) & Q(model__isnull=True))
                | (Q(kind="model") & Q(model__isnull=False) & Q(gpu__isnull=True)),
                name="alert_subscription_one_target",
            ),
            models.CheckConstraint(condition=Q(below_usd__gt=0), name="alert_subscription_threshold_positive"),
        ]
        indexes = [
            # send_price_alerts: every active subscription.
            models.Index(fields=["status"], name="alert_subscription_status_idx"),
            # subscribe: an address's existing subscriptions.
            models.Index(fields=["email"], name="alert_subscription_email_idx"),
        ]

    def __str__(self):
        return f"{self.target_label} below ${self.below_usd} ({self.get_status_display()})"

    @property
    def target(self):
        return f"gpu:{self.gpu.slug}" if self.kind == self.Kind.GPU else f"model:{self.model.slug}"

    @property
    def subject(self):
        return self.gpu if self.kind == self.Kind.GPU else self.model

    @property
    def unit(self):
        return "per GPU-hour" if self.kind == self.Kind.GPU else "per 1M tokens (3:1 blended)"

    @property
    def target_label(self):
        at = f" at {self.provider.name}" if self.provider_id else ""
        what = "on-demand GPU-hour" if self.kind == self.Kind.GPU else "blended price per 1M tokens"
        return f"{self.subject.name}: cheapest {what}{at}"

    def confirm_url(self):
        return reverse("alerts:confirm", args=[self.token])

    def unsubscribe_url(self):
        return reverse("alerts:unsubscribe", args=[self.token])


class SentAlert(models.Model):
    """One alert e-mail: the price that crossed the threshold, when."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="sent_alerts")
    sent_at = models.DateTimeField(default=timezone.now)
    price_usd = models.DecimalField("price (USD)", max_digits=12, decimal_places=6)
    below_usd = models.DecimalField("threshold (USD)", max_digits=12, decimal_places=6)
    subject_line = models.CharField(max_length=300)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self):
        return self.subject_line
