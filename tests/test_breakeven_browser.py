"""Headless Chromium: the breakeven page draws its chart, and its form is one column on a 390 px phone."""

from decimal import Decimal

import pytest

from inference.models import ThroughputProfile
from tests.factories import (
    GpuFactory,
    GpuOfferingFactory,
    GpuPriceObservationFactory,
    InferenceOfferingFactory,
    InferencePriceObservationFactory,
    LanguageModelFactory,
)


def _catalogue():
    model = LanguageModelFactory(slug="llama-3-3-70b", name="Llama 3.3 70B")
    InferencePriceObservationFactory(offering=InferenceOfferingFactory(model=model))
    gpu = GpuFactory(slug="h100-sxm", name="H100 SXM")
    GpuPriceObservationFactory(offering=GpuOfferingFactory(gpu=gpu), usd_per_gpu_hour=Decimal("2.10"))
    ThroughputProfile.objects.create(
        key="llama-h100", model=model, gpu=gpu, engine="vLLM", precision="fp8", gpus_per_replica=2,
        prefill_tokens_per_second=12000, prefill_measure="prefill", decode_tokens_per_second=2500,
        decode_measure="decode", source_url="https://example.com/bench", as_of="2025-06-01",
    )  # fmt: skip


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_chart_is_drawn_without_console_errors(browser_page):
    page, console_errors, url = browser_page
    _catalogue()
    # The site has no favicon yet (base.html); the browser's automatic request for one is not this page's.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    page.goto(f"{url}/breakeven/?model=llama-3-3-70b&tokens_per_day=1B")
    page.wait_for_selector("#breakeven-chart svg.main-svg", timeout=15_000)
    assert page.locator("#breakeven-chart .scatterlayer .trace").count() >= 2
    assert console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_390px_phone_the_form_is_one_column_without_horizontal_overflow(browser_page):
    page, console_errors, url = browser_page
    _catalogue()
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{url}/breakeven/?model=llama-3-3-70b&tokens_per_day=1B")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    lefts = page.eval_on_selector_all(
        ".breakeven-form fieldset:first-of-type .field", "els => els.map(e => e.getBoundingClientRect().left)"
    )
    assert len(lefts) >= 3 and len({round(x) for x in lefts}) == 1  # stacked: one column
    widths = page.eval_on_selector_all(
        ".breakeven-form input[type=text]", "els => els.map(e => e.getBoundingClientRect().right)"
    )
    assert max(widths) <= 390


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_target_self_hosting_cannot_meet_reads_on_a_390px_phone(browser_page):
    """The answer without self-hosting: its notice and cards fit a phone, and no chart is loaded."""
    page, console_errors, url = browser_page
    _catalogue()
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    page.set_viewport_size({"width": 390, "height": 844})
    # One user's decode reads all 70 GB of FP8 weights per token: 10,000 tokens/s would need 700 TB/s of memory.
    page.goto(f"{url}/breakeven/?model=llama-3-3-70b&tokens_per_day=1B&tokens_per_second_per_user=10000")
    assert page.locator("#target-unmet").is_visible()
    assert page.locator("#self-host-monthly").inner_text() == "not eligible"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    cards = page.eval_on_selector_all(".cards .card", "els => els.map(e => e.getBoundingClientRect().right)")
    assert cards and max(cards) <= 390
    assert page.locator("#breakeven-chart").count() == 0 and console_errors == []
