"""Headless Chromium: the breakeven page draws its plotly chart from our own static files."""

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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_chart_is_drawn_without_console_errors(browser_page):
    page, console_errors, url = browser_page
    model = LanguageModelFactory(slug="llama-3-3-70b", name="Llama 3.3 70B")
    InferencePriceObservationFactory(offering=InferenceOfferingFactory(model=model))
    gpu = GpuFactory(slug="h100-sxm", name="H100 SXM")
    GpuPriceObservationFactory(offering=GpuOfferingFactory(gpu=gpu), usd_per_gpu_hour=Decimal("2.10"))
    ThroughputProfile.objects.create(
        key="llama-h100", model=model, gpu=gpu, engine="vLLM", precision="fp8", gpus_per_replica=2,
        prefill_tokens_per_second=12000, prefill_measure="prefill", decode_tokens_per_second=2500,
        decode_measure="decode", source_url="https://example.com/bench", as_of="2025-06-01",
    )  # fmt: skip

    # The site has no favicon yet (base.html); the browser's automatic request for one is not this page's.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    page.goto(f"{url}/breakeven/?model=llama-3-3-70b&tokens_per_day=1e9")
    page.wait_for_selector("#breakeven-chart svg.main-svg", timeout=15_000)
    assert page.locator("#breakeven-chart .scatterlayer .trace").count() >= 2
    assert console_errors == []
