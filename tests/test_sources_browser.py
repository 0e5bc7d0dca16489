"""/sources/ fits a 390 px phone and a 1366 px screen: no sideways scrolling, every source reachable by anchor."""

import pytest
from django.urls import reverse

from computeprices.freshness import today_utc
from scrapers.sources import REGISTRY
from tests.test_scrapers_ingest import make_catalogue, scrape, skypilot_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [390, 1366])
def test_sources_page_fits_the_screen(browser_page, width):
    page, console_errors, base_url = browser_page
    make_catalogue()
    rows = [(f"instance-with-a-long-name-{i}", "H100-SXM", "1", "2.50", "") for i in range(5)]
    scrape("skypilot:aws", skypilot_csv(rows), day=today_utc())
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(base_url + reverse("scrapers:sources"))
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for name in REGISTRY:
        assert page.locator(f'[id="{name.replace(":", "-")}"]').count() == 1
    assert page.locator("#skypilot-aws dd").first.is_visible()
    assert page.locator("meter").count() == 5
    assert not console_errors
