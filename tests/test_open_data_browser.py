"""In headless Chromium at phone and desktop widths: the API page, the API docs and the alerts form."""

import pytest

from tests.test_traces_browser import no_favicon


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 1366])
def test_api_page_docs_and_alerts_fit_and_run_without_errors(browser_page, width):
    page, console_errors, base_url = browser_page
    no_favicon(page)
    page.set_viewport_size({"width": width, "height": 900})
    for path in ("/api/", "/alerts/"):
        page.goto(f"{base_url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    page.goto(f"{base_url}/api/v1/docs")
    # Swagger UI from our static files draws the operations from our schema.
    page.wait_for_selector(".opblock-summary-path", timeout=15000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/gpus/{slug}/history" in p.replace("\u200b", "") for p in paths)
    assert console_errors == []
