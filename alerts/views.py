"""/alerts/ (subscribe), /alerts/confirm/<token>/ and /alerts/unsubscribe/<token>/.

Subscribing answers the same whether or not the address is already subscribed, and never shows an
address; each client may subscribe ALERTS_SUBSCRIBE_LIMIT times an hour. Nothing is mailed to a new
address but the confirmation link.
"""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import sending
from .forms import SubscribeForm
from .models import Subscription

SAME_ANSWER = (
    "Thank you. If that address can receive mail, a confirmation link is on its way to it. "
    "Nothing else is sent until the link is clicked."
)
RESEND_AFTER = timedelta(hours=1)


def _over_limit(request) -> bool:
    """Count this client's subscribe attempts in the cache; True past the hourly limit."""
    key = f"alerts-subscribe:{request.META.get('REMOTE_ADDR', '')}"
    try:
        cache.add(key, 0, timeout=3600)
        return cache.incr(key) > settings.ALERTS_SUBSCRIBE_LIMIT
    except Exception:  # a failing cache must not break the form (nor turn the limit into a block)
        return False


def subscribe(form, base_url):
    """Create or re-send as the case may be; every path looks the same from outside."""
    wanted = form.subscription()
    existing = Subscription.objects.filter(
        email=wanted.email,
        kind=wanted.kind,
        gpu=wanted.gpu,
        model=wanted.model,
        provider=wanted.provider,
        below_usd=wanted.below_usd,
        status__in=[Subscription.Status.PENDING, Subscription.Status.ACTIVE],
    ).first()
    if existing is None:
        wanted.save()
        sending.send_confirmation(wanted, base_url)
    elif existing.status == Subscription.Status.PENDING and existing.created < timezone.now() - RESEND_AFTER:
        existing.created = timezone.now()
        existing.save(update_fields=["created"])
        sending.send_confirmation(existing, base_url)


# No CSRF token: posting this form only sends a confirmation e-mail to the address given, which anyone can
# do by posting it themselves (each client is rate limited), so a forged post gains nothing. Without the
# token's cookie the form page is the same for everyone and the page cache serves it like any other page.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def alerts_page(request):
    """The form. Queries: GPUs, models and providers for the choices (+1 to find an existing subscription)."""
    if request.method == "POST":
        if _over_limit(request):
            response = render(
                request,
                "alerts/message.html",
                {"title": "Too many requests", "message": "Too many subscriptions from here; try again in an hour."},
                status=429,
            )
            response["Retry-After"] = "3600"
            return response
        form = SubscribeForm(request.POST)
        if form.is_valid():
            subscribe(form, request.build_absolute_uri("/"))
            return render(request, "alerts/message.html", {"title": "Check your inbox", "message": SAME_ANSWER})
    else:
        form = SubscribeForm(initial={name: request.GET.get(name, "") for name in ("target", "provider")})
    return render(request, "alerts/subscribe.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    subscription = get_object_or_404(Subscription.objects.select_related("gpu", "model", "provider"), token=token)
    if subscription.status == Subscription.Status.UNSUBSCRIBED:
        message = "This alert was unsubscribed; subscribe again on the alerts page if you want it back."
    else:
        sending.confirm(subscription)
        message = (
            f"Confirmed. You will get one e-mail when {subscription.target_label} falls below "
            f"${sending.money(subscription.below_usd)} {subscription.unit}, and again after each time it rises "
            "back above and falls again. Every e-mail has a one-click unsubscribe link."
        )
    return render(request, "alerts/message.html", {"title": "Alert confirmed", "message": message})


@csrf_exempt  # RFC 8058: mail clients POST the one-click unsubscribe without a session
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    subscription = get_object_or_404(Subscription, token=token)
    sending.unsubscribe(subscription)
    return render(
        request,
        "alerts/message.html",
        {"title": "Unsubscribed", "message": "Unsubscribed: this alert will send nothing more."},
    )
