"""E-mail price alerts, the whole life cycle through Django's test outbox.

Subscribe (same answer whatever the address), confirm by the absolute link (nothing else sent before),
one e-mail per crossing, one-click unsubscribe, rate limit, dry run, the nightly chain, the admin.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from alerts.models import SentAlert, Subscription
from alerts.sending import send_price_alerts
from computeprices.freshness import today_utc
from providers.models import PricingType
from tests.factories import (
    GpuFactory,
    GpuOfferingFactory,
    GpuPriceObservationFactory,
    InferenceOfferingFactory,
    InferencePriceObservationFactory,
    LanguageModelFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal
URL = "/alerts/"


@pytest.fixture
def catalogue():
    h100 = GpuFactory(name="H100 SXM", slug="h100-sxm")
    lam, aws = ProviderFactory(name="Lambda", slug="lambda"), ProviderFactory(name="AWS", slug="aws")
    lam_offer = GpuOfferingFactory(gpu=h100, provider=lam)
    GpuPriceObservationFactory(offering=lam_offer, usd_per_gpu_hour=D("2.99"))
    GpuPriceObservationFactory(offering=GpuOfferingFactory(gpu=h100, provider=aws), usd_per_gpu_hour=D("3.90"))
    spot = GpuOfferingFactory(gpu=h100, provider=aws, pricing_type=PricingType.SPOT)
    GpuPriceObservationFactory(offering=spot, usd_per_gpu_hour=D("0.50"))  # spot never counts
    llama = LanguageModelFactory(name="Llama 3.3 70B", slug="llama-3-3-70b")
    llama_offer = InferenceOfferingFactory(model=llama, provider=lam)
    InferencePriceObservationFactory(offering=llama_offer, usd_per_mtok_input=D("0.60"), usd_per_mtok_output=D("0.80"))
    return {"h100": h100, "lambda": lam, "aws": aws, "lam_offer": lam_offer, "llama_offer": llama_offer}


def reprice(offering, price, days_ahead=1):
    """A newer observation of a GPU offering (tomorrow by default, so it wins over today's)."""
    GpuPriceObservationFactory(
        offering=offering, usd_per_gpu_hour=D(price), observed_on=today_utc() + timedelta(days=days_ahead)
    )


def subscribe(client, email="reader@example.com", target="gpu:h100-sxm", below="2.50", **extra):
    return client.post(URL, {"email": email, "target": target, "below": below, **extra})


def link_in(message, name):
    match = re.search(rf"http://testserver(/alerts/{name}/[\w-]+/)", message.body)
    assert match, message.body
    return match.group(1)


def active(client, **kwargs):
    assert subscribe(client, **kwargs).status_code == 200
    confirm_path = link_in(mail.outbox[-1], "confirm")
    assert client.get(confirm_path).status_code == 200
    mail.outbox.clear()
    return Subscription.objects.get(status="active", email=kwargs.get("email", "reader@example.com"))


def test_subscribing_sends_only_a_confirmation_with_an_absolute_link(client, catalogue):
    response = subscribe(client, below="3.00")  # the price is already below: still nothing until confirmed
    assert response.status_code == 200
    assert b"a confirmation link is on its way" in response.content
    assert b"reader@example.com" not in response.content
    (message,) = mail.outbox
    assert message.to == ["reader@example.com"]
    assert "http://testserver/alerts/confirm/" in message.body
    assert Subscription.objects.get().status == "pending"
    mail.outbox.clear()
    assert send_price_alerts().checked == 0 and mail.outbox == []  # pending: no alert


def test_the_whole_life_cycle_sends_one_mail_per_crossing(client, catalogue):
    subscription = active(client, below="2.50")
    assert subscription.confirmed_at is not None

    assert send_price_alerts().sent == [] and mail.outbox == []  # 2.99 is above 2.50
    reprice(catalogue["lam_offer"], "2.40")
    assert len(send_price_alerts().sent) == 1
    (alert,) = mail.outbox
    assert alert.subject == "H100 SXM is now $2.40 per GPU-hour (your alert: below $2.50)"
    assert "http://127.0.0.1:8000/gpus/h100-sxm/" in alert.body
    unsubscribe_url = re.search(r"(http://\S+/alerts/unsubscribe/\S+/)", alert.body).group(1)
    assert alert.extra_headers["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert alert.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    reprice(catalogue["lam_offer"], "2.30", days_ahead=2)
    assert send_price_alerts().sent == [] and len(mail.outbox) == 1  # still below: no second mail
    reprice(catalogue["lam_offer"], "2.70", days_ahead=3)
    assert send_price_alerts().sent == []  # back above: re-armed, silent
    reprice(catalogue["lam_offer"], "2.20", days_ahead=4)
    assert len(send_price_alerts().sent) == 1 and len(mail.outbox) == 2  # the second crossing
    assert list(SentAlert.objects.values_list("price_usd", flat=True)) == [D("2.2"), D("2.4")]

    path = unsubscribe_url.removeprefix("http://127.0.0.1:8000")
    assert client.get(path).status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == "unsubscribed"
    reprice(catalogue["lam_offer"], "2.80", days_ahead=5)
    send_price_alerts()
    reprice(catalogue["lam_offer"], "1.00", days_ahead=6)
    assert send_price_alerts().checked == 0 and len(mail.outbox) == 2


def test_one_click_unsubscribe_by_post_needs_no_csrf_token(client, catalogue):
    subscription = active(client)
    csrf_client = client.__class__(enforce_csrf_checks=True)
    assert csrf_client.post(subscription.unsubscribe_url()).status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == "unsubscribed"


def test_model_alert_watches_the_cheapest_blended_price_and_provider_alerts_one_provider(client, catalogue):
    model_alert = active(client, email="a@example.com", target="model:llama-3-3-70b", below="0.50")
    provider_alert = active(client, email="b@example.com", below="3.50", provider="aws")
    run = send_price_alerts()
    assert run.checked == 2 and run.sent == []  # 0.65 blended > 0.50; AWS on-demand 3.90 > 3.50
    InferencePriceObservationFactory(
        offering=catalogue["llama_offer"],
        usd_per_mtok_input=D("0.40"),
        usd_per_mtok_output=D("0.60"),
        observed_on=today_utc() + timedelta(days=1),
    )
    reprice(catalogue["lam_offer"], "1.00")  # Lambda, not AWS: the provider alert stays quiet
    sent = dict(send_price_alerts().sent)
    assert sent == {model_alert.pk: "Llama 3.3 70B is now $0.45 per 1M tokens (3:1 blended) (your alert: below $0.50)"}
    assert provider_alert.pk not in sent


def test_same_answer_whether_or_not_the_address_is_subscribed(client, catalogue):
    first = subscribe(client)
    mail.outbox.clear()
    again = subscribe(client)  # pending, asked again within the hour: no second mail
    assert again.content == first.content and mail.outbox == []
    client.get(Subscription.objects.get().confirm_url())
    active_again = subscribe(client)
    assert active_again.content == first.content and mail.outbox == []
    assert Subscription.objects.count() == 1


def test_subscribing_is_rate_limited_per_client(client, catalogue, settings):
    settings.ALERTS_SUBSCRIBE_LIMIT = 2
    assert subscribe(client, email="1@example.com").status_code == 200
    assert subscribe(client, email="2@example.com").status_code == 200
    refused = subscribe(client, email="3@example.com")
    assert refused.status_code == 429 and refused["Retry-After"] == "3600"
    assert len(mail.outbox) == 2 and Subscription.objects.count() == 2
    other_client = {"email": "4@example.com", "target": "gpu:h100-sxm", "below": "2"}
    assert client.post(URL, other_client, REMOTE_ADDR="10.1.1.1").status_code == 200


@pytest.mark.parametrize(
    "field, data",
    [
        ("email", {"email": "not-an-address"}),
        ("target", {"target": "gpu:nope"}),
        ("target", {"target": "h100-sxm"}),
        ("below", {"below": "0"}),
        ("below", {"below": "1e400"}),
        ("provider", {"provider": "nobody"}),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_sent(client, catalogue, field, data):
    response = client.post(URL, {"email": "r@example.com", "target": "gpu:h100-sxm", "below": "2"} | data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert mail.outbox == [] and Subscription.objects.count() == 0


def test_unknown_tokens_are_404s(client):
    assert client.get("/alerts/confirm/nope/").status_code == 404
    assert client.get("/alerts/unsubscribe/nope/").status_code == 404


def test_form_page_prefills_the_target_and_never_lists_addresses(client, catalogue):
    active(client, email="secret@example.com")
    response = client.get(URL, {"target": "gpu:h100-sxm"})
    assert response.status_code == 200
    assert b'<option value="gpu:h100-sxm" selected>' in response.content
    assert b"secret@example.com" not in response.content


def test_dry_run_command_lists_and_sends_nothing(client, catalogue, capsys):
    subscription = active(client, below="3.00")
    call_command("send_price_alerts", "--dry-run")
    out = capsys.readouterr().out
    assert f"would send #{subscription.pk}: H100 SXM is now $2.99 per GPU-hour" in out
    assert "1 active alerts checked, would send 1, 0 failed." in out
    assert mail.outbox == [] and SentAlert.objects.count() == 0
    call_command("send_price_alerts")
    assert len(mail.outbox) == 1 and "sent 1" in capsys.readouterr().out


def test_a_failing_mail_is_not_recorded_and_is_tried_again(client, catalogue, monkeypatch):
    active(client, below="3.00")

    def boom(self, fail_silently=False):
        raise OSError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", boom)
    run = send_price_alerts()
    assert run.failed and SentAlert.objects.count() == 0
    monkeypatch.undo()
    assert len(send_price_alerts().sent) == 1 and SentAlert.objects.count() == 1


def test_the_nightly_run_sends_alerts_after_the_scrapers(client, catalogue, monkeypatch):
    from scrapers import tasks

    active(client, below="3.00")
    monkeypatch.setattr(tasks.scrape_source, "run", lambda name, **kw: {"source": name, "status": "ok"})
    tasks.scrape_all.delay()
    assert [m.subject for m in mail.outbox] == ["H100 SXM is now $2.99 per GPU-hour (your alert: below $3.00)"]


def test_database_refuses_a_subscription_with_two_targets(catalogue):
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.create(
            email="x@example.com",
            kind="gpu",
            gpu=catalogue["h100"],
            model=catalogue["llama_offer"].model,
            below_usd=1,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.create(email="x@example.com", kind="gpu", gpu=catalogue["h100"], below_usd=0)


def test_admin_lists_subscriptions_and_sent_alerts(admin_client, client, catalogue):
    active(client, below="3.00")
    send_price_alerts()
    assert b"reader@example.com" in admin_client.get(reverse("admin:alerts_subscription_changelist")).content
    assert b"H100 SXM is now" in admin_client.get(reverse("admin:alerts_sentalert_changelist")).content


@pytest.mark.parametrize("count", [3, 30])
def test_sending_queries_are_constant(client, catalogue, count, django_assert_max_num_queries):
    for n in range(count):
        Subscription.objects.create(
            email=f"r{n}@example.com", kind="gpu", gpu=catalogue["h100"], below_usd=D("1"), status="active"
        )
    with django_assert_max_num_queries(3):  # subscriptions, GPU prices, (no model alerts)
        send_price_alerts()


@pytest.mark.parametrize("extra", [0, 40])
def test_form_queries_and_size_are_constant(client, catalogue, extra, django_assert_max_num_queries):
    for n in range(extra):
        GpuFactory(slug=f"extra-{n}")
        ProviderFactory(slug=f"extra-provider-{n}", name=f"Extra provider {n}")
    with django_assert_max_num_queries(4):  # GPUs and models for the choices (+2 for the footer)
        page = client.get(URL)
    assert page.status_code == 200
    assert "Extra provider" not in page.content.decode()  # providers are named, never listed
    with django_assert_max_num_queries(10):  # + the provider's name (2), the provider, the subscription, the insert
        assert subscribe(client, email=f"q{extra}@example.com", provider="aws").status_code == 200
    assert Subscription.objects.get(email=f"q{extra}@example.com").provider == catalogue["aws"]


def test_a_provider_is_found_by_any_name_the_scrapers_accept(client, catalogue):
    assert subscribe(client, email="s@example.com", provider=" Lambda Labs ").status_code == 200
    assert Subscription.objects.get(email="s@example.com").provider == catalogue["lambda"]
    refused = subscribe(client, email="t@example.com", provider="Nobody Cloud")
    assert refused.status_code == 400 and "No provider called “Nobody Cloud”" in refused.content.decode()
    assert client.get(URL, {"provider": "aws"}).context["form"]["provider"].value() == "aws"


def test_the_form_page_is_served_from_the_page_cache_and_confirm_links_never_are(client, catalogue, settings):
    settings.PAGE_CACHE_SECONDS = 3600
    assert client.get(URL)["X-Page-Cache"] == "miss"
    assert client.get(URL).get("X-Page-Cache") == "hit"
    # Posting needs no CSRF token (it only mails a confirmation link, as posting it yourself would).
    strict = type(client)(enforce_csrf_checks=True)
    assert subscribe(strict, email="c@example.com").status_code == 200
    confirm_path = link_in(mail.outbox[-1], "confirm")
    assert client.get(confirm_path).status_code == 200
    assert Subscription.objects.get(email="c@example.com").status == "active"
    assert "X-Page-Cache" not in client.get(confirm_path)
