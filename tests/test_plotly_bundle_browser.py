"""Headless Chromium: the partial plotly bundle draws the analysis chart, log axes and blend buttons included."""

from decimal import Decimal

import pytest

from tests.factories import InferenceOfferingFactory, InferencePriceObservationFactory, LanguageModelFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_analysis_chart_draws_with_the_basic_bundle(browser_page):
    page, console_errors, base_url = browser_page
    for n, params in enumerate([8, 32, 70, 405]):
        model = LanguageModelFactory(
            slug=f"dense-{n}", open_weights=True, total_params_b=Decimal(params), active_params_b=Decimal(params)
        )
        InferencePriceObservationFactory(
            offering=InferenceOfferingFactory(model=model),
            usd_per_mtok_input=Decimal(params) / 200,
            usd_per_mtok_output=Decimal(params) / 100,
        )
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    scripts = []
    page.on("request", lambda request: scripts.append(request.url) if request.url.endswith(".js") else None)

    page.goto(f"{base_url}/analysis/")
    page.wait_for_selector("[data-figure] svg.main-svg", timeout=20_000)

    assert any(url.endswith("/static/vendor/plotly-basic.min.js") for url in scripts)
    assert page.locator("[data-figure] .scatterlayer .trace").count() >= 2  # the points and the fitted line
    assert page.locator("[data-figure] .updatemenu-container").count() >= 1  # the blend buttons
    assert console_errors == []
