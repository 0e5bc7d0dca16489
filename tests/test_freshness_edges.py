""" "Current" is seen in the last 3 days, through the pages: seen 3 days ago counts, 4 days ago is stale.

The review's deliberate bug (widening "current" from 3 to 4 days) went unnoticed; here the cheaper offering
was seen 4 days ago, so it must carry the stale badge and never be "cheapest now" on any page.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from computeprices.freshness import today_utc
from tests.factories import (
    GpuFactory,
    GpuPriceObservationFactory,
    InferencePriceObservationFactory,
    LanguageModelFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db


def row_of(html, name):
    """The table row (<tr>...</tr>) naming `name`."""
    rows = [r for r in re.findall(r"<tr\b.*?</tr>", html, flags=re.DOTALL) if name in r]
    assert rows, f"no row names {name}"
    return rows[0]


def card_section(html, start, end):
    begin = html.index(start) + len(start)
    return html[begin : html.index(end, begin)]


@pytest.fixture
def market():
    today = today_utc()
    three, four = ProviderFactory(name="Three Days Cloud"), ProviderFactory(name="Four Days Cloud")
    gpu = GpuFactory(name="H100 SXM", slug="h100-sxm")
    GpuPriceObservationFactory(
        offering__provider=three, offering__gpu=gpu, usd_per_gpu_hour=Decimal("2.00"), observed_on=today - timedelta(3)
    )
    GpuPriceObservationFactory(
        offering__provider=four, offering__gpu=gpu, usd_per_gpu_hour=Decimal("1.00"), observed_on=today - timedelta(4)
    )
    model = LanguageModelFactory(name="Llama Edge", slug="llama-edge")
    InferencePriceObservationFactory(
        offering__provider=three,
        offering__model=model,
        usd_per_mtok_input=Decimal("0.80"),
        usd_per_mtok_output=Decimal("0.80"),
        observed_on=today - timedelta(3),
    )
    InferencePriceObservationFactory(
        offering__provider=four,
        offering__model=model,
        usd_per_mtok_input=Decimal("0.10"),
        usd_per_mtok_output=Decimal("0.10"),
        observed_on=today - timedelta(4),
    )
    return gpu, model


def test_gpu_page_three_days_is_current_four_is_stale(client, market):
    gpu, _ = market
    html = client.get(gpu.get_absolute_url()).content.decode()
    assert "badge stale" not in row_of(html, "Three Days Cloud")
    assert "badge stale" in row_of(html, "Four Days Cloud")
    for card in re.findall(r'<div class="card callout".*?</div>\s*</div>', html, flags=re.DOTALL):
        # A cheaper offering seen 4 days ago never heads the page as a current price.
        assert "Four Days Cloud" not in card or "badge stale" in card


def test_model_page_three_days_is_current_four_is_stale(client, market):
    _, model = market
    html = client.get(model.get_absolute_url()).content.decode()
    card = card_section(html, 'id="cheapest-blended"', "</div>\n  </div>")
    assert "$0.80" in card or "0.8" in card
    assert "Three Days Cloud" in html[html.index('id="cheapest-blended"') : html.index("Every offering")]
    assert "Four Days Cloud" not in html[html.index('id="cheapest-blended"') : html.index("Every offering")]
    assert "badge stale" not in row_of(html, "Three Days Cloud")
    assert "badge stale" in row_of(html, "Four Days Cloud")


def test_gpu_list_cheapest_counts_three_days_not_four(client, market):
    html = client.get("/gpus/").content.decode()
    row = row_of(html, "H100 SXM")
    assert "$2.00" in row and "$1.00" not in row
