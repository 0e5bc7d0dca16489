"""Headless Chromium: the model page really draws its bar chart, with nothing logged to the console."""

from decimal import Decimal

import pytest

from tests.factories import (
    InferenceOfferingFactory,
    InferencePriceObservationFactory,
    LanguageModelFactory,
    ProviderFactory,
)

EVIL = "Evil</script><script>alert(\"x\")</script> 'q'"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_model_page_draws_its_bar_chart_without_console_errors(browser_page):
    page, console_errors, base_url = browser_page
    model = LanguageModelFactory(name="Llama 3.3 70B", slug="llama-3-3-70b")
    for n, name in enumerate(["Cheap Co", EVIL, "Dear Co"]):
        offering = InferenceOfferingFactory(model=model, provider=ProviderFactory(name=name, slug=f"p-{n}"))
        InferencePriceObservationFactory(
            offering=offering, usd_per_mtok_input=Decimal(n + 1) / 10, usd_per_mtok_output=Decimal(n + 1) / 5
        )
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    # The site has no favicon yet (base.html's concern); its 404 would be the only console error.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))

    page.goto(f"{base_url}{model.get_absolute_url()}?blend=1:1")
    page.wait_for_selector("#price-bar svg.main-svg", timeout=15000)

    assert page.locator("#price-bar .trace.bars .point").count() == 3
    ticks = page.locator("#price-bar .xtick text").all_text_contents()
    assert ticks[0] == "Cheap Co" and "Evil</script>" in ticks[1]
    assert dialogs == []
    assert console_errors == []
