"""In headless Chromium: the trace page's plotly charts draw, with no console errors."""

import pytest

from tests.test_traces_import import row, to_csv
from traces.importer import import_traces, load_example_dataset


def no_favicon(page):
    # The site has no favicon yet; Chromium's automatic request for one is not this page's error.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_trace_charts_draw_without_console_errors(browser_page):
    page, console_errors, base_url = browser_page
    no_favicon(page)
    dataset = load_example_dataset().dataset

    page.goto(f"{base_url}{dataset.get_absolute_url()}?p95=10000")
    page.wait_for_selector("[data-figure] svg.main-svg", timeout=15000)
    charts = page.locator("[data-figure]")
    assert charts.count() == 6
    for i in range(charts.count()):
        assert charts.nth(i).locator("svg.main-svg").count() >= 1
    # The bar chart has bars, the latency chart has lines.
    assert page.locator("[data-figure^='cost-figure'] .bars path").count() > 0
    assert page.locator("[data-figure^='p95-figure'] .scatterlayer .js-line").count() > 0
    assert console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_hostile_names_draw_as_text(browser_page):
    page, console_errors, base_url = browser_page
    no_favicon(page)
    hostile = "</script><script>window.pwned=1</script>\"'"
    dataset = import_traces(to_csv([row(provider=hostile, model=hostile, workload=hostile)]), "h.csv").dataset

    page.goto(f"{base_url}{dataset.get_absolute_url()}")
    page.wait_for_selector("[data-figure] svg.main-svg", timeout=15000)
    assert page.evaluate("window.pwned") is None
    assert hostile in page.locator("h2").first.inner_text()
    assert console_errors == []
