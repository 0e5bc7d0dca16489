"""Headless Chromium opens a GPU page and a provider page: the chart is drawn, nothing logs an error."""

from datetime import timedelta
from decimal import Decimal

import pytest

from computeprices.freshness import today_utc
from providers.stats import refresh_gpu_daily_stats
from tests.factories import GpuFactory, GpuOfferingFactory, GpuPriceObservationFactory, ProviderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def build_history():
    gpu = GpuFactory(name="H100 SXM", slug="h100-sxm")
    tricky = ProviderFactory(name='Cloud </script><b>"x"</b>', slug="tricky")
    for provider, base in ((ProviderFactory(name="Lambda", slug="lambda"), "2.49"), (tricky, "3.10")):
        offering = GpuOfferingFactory(gpu=gpu, provider=provider)
        for back in range(10):
            GpuPriceObservationFactory(
                offering=offering,
                observed_on=today_utc() - timedelta(days=back),
                usd_per_gpu_hour=Decimal(base) + Decimal(back) / 20,
            )
    refresh_gpu_daily_stats()
    return gpu, tricky


def test_gpu_page_draws_the_history_chart_without_console_errors(browser_page):
    page, console_errors, base_url = browser_page
    gpu, tricky = build_history()
    # base.html declares no favicon, so Chromium's automatic /favicon.ico request 404s and logs a
    # console error that is not this page's; answer it here and still fail on any other bad response.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    failed = []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)

    page.goto(base_url + gpu.get_absolute_url())
    page.wait_for_selector("#history-chart svg.main-svg", timeout=20_000)
    assert page.locator("#history-chart svg").count() >= 1
    assert page.locator("#history-chart .scatterlayer .trace").count() >= 2  # cheapest and median lines
    # The provider named like markup shows as typed in the legend, and no <b> element was made.
    legend = page.locator("#history-chart .legend").text_content()
    assert "Cheapest" in legend and 'Cloud </script><b>"x"</b>' in legend
    assert page.locator("#history-chart .legend b").count() == 0

    page.goto(base_url + tricky.get_absolute_url())
    page.wait_for_selector("#history-chart svg.main-svg", timeout=20_000)

    # Phone width: the page itself does not scroll sideways (wide tables scroll inside their wrapper).
    page.set_viewport_size({"width": 375, "height": 800})
    for url in (gpu.get_absolute_url(), tricky.get_absolute_url(), "/gpus/", "/providers/"):
        page.goto(base_url + url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, url
    assert failed == []
    assert console_errors == []
