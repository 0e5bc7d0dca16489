"""Sending alert mail: the confirmation e-mail, and the nightly check that mails each price crossing once.

Mail goes through Django's e-mail backend (console in the demo, SMTP from the environment in
production: README). Links in mail are absolute: the confirmation's from the request it answers, the
alerts' from settings.SITE_URL (a nightly run has no request).
"""

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import SentAlert, Subscription
from .prices import current_prices

logger = logging.getLogger(__name__)


def absolute(path: str, base: str | None = None) -> str:
    return (base or settings.SITE_URL).rstrip("/") + path


def money(value: Decimal) -> str:
    value = value.normalize()
    return format(value if value.as_tuple().exponent < -2 else value.quantize(Decimal("0.01")), "f")


def send_confirmation(subscription: Subscription, base_url: str) -> None:
    """The only mail a pending subscription gets: a link that activates it."""
    context = {
        "subscription": subscription,
        "below": money(subscription.below_usd),
        "confirm_url": absolute(subscription.confirm_url(), base_url),
        "site_url": base_url,
    }
    EmailMessage(
        subject=f"Confirm your ComputePrices alert: {subscription.subject.name} below ${context['below']}",
        body=render_to_string("alerts/email/confirm.txt", context),
        to=[subscription.email],
    ).send()


def alert_message(subscription: Subscription, price: Decimal) -> EmailMessage:
    unsubscribe = absolute(subscription.unsubscribe_url())
    subject = (
        f"{subscription.subject.name} is now ${money(price)} {subscription.unit} "
        f"(your alert: below ${money(subscription.below_usd)})"
    )
    body = render_to_string(
        "alerts/email/alert.txt",
        {
            "subscription": subscription,
            "price": money(price),
            "below": money(subscription.below_usd),
            "page_url": absolute(subscription.subject.get_absolute_url()),
            "unsubscribe_url": unsubscribe,
        },
    )
    return EmailMessage(
        subject=subject,
        body=body,
        to=[subscription.email],
        # RFC 8058 one-click unsubscribe: mail clients POST to the link.
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )


@dataclass
class AlertRun:
    checked: int = 0
    sent: list = field(default_factory=list)  # [(subscription id, subject line)]
    failed: list = field(default_factory=list)
    dry_run: bool = False

    def summary(self):
        verb = "would send" if self.dry_run else "sent"
        return f"{self.checked} active alerts checked, {verb} {len(self.sent)}, {len(self.failed)} failed."


def send_price_alerts(dry_run: bool = False) -> AlertRun:
    """Mail every active subscription whose price has crossed below its threshold since the last check.

    A price at or below the threshold after being above it (or never checked) sends one e-mail;
    staying below sends nothing more; rising above re-arms it. A dry run sends and changes nothing.
    Queries: the subscriptions, one per market for the prices, one update re-arming those now above,
    and for each e-mail sent, its record.
    """
    run = AlertRun(dry_run=dry_run)
    subscriptions = list(Subscription.objects.active().select_related("gpu", "model", "provider"))
    prices = current_prices(subscriptions)
    run.checked = len(subscriptions)
    rearmed = []  # above the threshold now: the next fall below sends again
    for subscription in subscriptions:
        price = prices.get(subscription.pk)
        if price is None:
            continue  # nothing current to compare: keep the last known side
        below = price <= subscription.below_usd
        if below and subscription.is_below is not True:
            message = alert_message(subscription, price)
            run.sent.append((subscription.pk, message.subject))
            if dry_run:
                continue
            try:
                with transaction.atomic():
                    Subscription.objects.filter(pk=subscription.pk).update(is_below=True)
                    SentAlert.objects.create(
                        subscription=subscription,
                        price_usd=price,
                        below_usd=subscription.below_usd,
                        subject_line=message.subject[:300],
                    )
                    message.send()  # a failure rolls the record back: the next run tries again
            except Exception as exc:  # one bad address or SMTP hiccup must not stop the others
                logger.exception("price alert %s not sent", subscription.pk)
                run.sent.pop()
                run.failed.append((subscription.pk, str(exc)))
        elif not below and subscription.is_below is not False:
            rearmed.append(subscription.pk)
    if rearmed and not dry_run:
        Subscription.objects.filter(pk__in=rearmed).update(is_below=False)
    return run


def confirm(subscription: Subscription) -> None:
    if subscription.status == Subscription.Status.PENDING:
        subscription.status = Subscription.Status.ACTIVE
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["status", "confirmed_at"])


def unsubscribe(subscription: Subscription) -> None:
    if subscription.status != Subscription.Status.UNSUBSCRIBED:
        subscription.status = Subscription.Status.UNSUBSCRIBED
        subscription.unsubscribed_at = timezone.now()
        subscription.save(update_fields=["status", "unsubscribed_at"])
