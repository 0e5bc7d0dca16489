"""Units to USD per GPU-hour / per 1M tokens as Decimal, and the bounds that need no database."""

from decimal import Decimal

import pytest

from scrapers.normalize import GPU_HOUR_CEILING, MTOK_CEILING, Refused, gpu_price, token_price
from scrapers.sources.base import GpuRecord, GpuUnit, TokenRecord, TokenUnit


def gpu(price, unit=GpuUnit.INSTANCE_HOUR, gpus=8, **kw):
    return GpuRecord(
        provider="P",
        gpu="H100",
        gpus_per_instance=gpus,
        pricing_type="on_demand",
        price=Decimal(price),
        unit=unit,
        **kw,
    )


def tokens(inp, out, unit=TokenUnit.PER_TOKEN, **kw):
    return TokenRecord(provider="P", model="m", input=Decimal(inp), output=Decimal(out), unit=unit, **kw)


def test_instance_hour_is_divided_by_gpus_and_kept():
    price = gpu_price(gpu("24"))
    assert price.usd_per_gpu_hour == Decimal("3.0000") and price.usd_per_instance_hour == Decimal("24.0000")


def test_gpu_hour_price_gives_the_instance_price_too():
    price = gpu_price(gpu("2.99", unit=GpuUnit.GPU_HOUR))
    assert price.usd_per_gpu_hour == Decimal("2.99") and price.usd_per_instance_hour == Decimal("23.92")


def test_reservation_term_total_becomes_hourly():
    price = gpu_price(gpu("42066.0", gpus=2, unit=GpuUnit.INSTANCE_TERM_TOTAL, term_hours=8760))
    assert price.usd_per_instance_hour == Decimal("4.8021") and price.usd_per_gpu_hour == Decimal("2.4010")


def test_a_term_total_read_as_hourly_is_refused_by_the_ceiling():
    with pytest.raises(Refused, match="ceiling"):
        gpu_price(gpu("42066.0", gpus=2))
    assert GPU_HOUR_CEILING < Decimal("42066") / 2


def test_placeholder_cent_prices_are_refused_by_the_floor():
    with pytest.raises(Refused, match="floor"):
        gpu_price(gpu("0.01"))  # Azure's 0.01/hour for an 8x H200


def test_float_artifacts_round_to_four_places():
    assert gpu_price(gpu("0.36979999999999996", gpus=1)).usd_per_gpu_hour == Decimal("0.3698")


@pytest.mark.parametrize("bad", ["0", "-1.5"])
def test_zero_and_negative_gpu_prices_are_refused(bad):
    with pytest.raises(Refused):
        gpu_price(gpu(bad))


@pytest.mark.parametrize(
    ("unit", "inp", "expected"),
    [
        (TokenUnit.PER_TOKEN, "0.00000013", Decimal("0.13")),
        (TokenUnit.PER_1K, "0.0025", Decimal("2.5")),
        (TokenUnit.PER_1M, "3.00", Decimal("3.00")),
        (TokenUnit.CENTS_PER_TOKEN, "0.000023", Decimal("0.23")),
    ],
)
def test_token_units_become_usd_per_million(unit, inp, expected):
    assert token_price(tokens(inp, inp, unit=unit)).input == expected


def test_per_million_value_stored_per_token_is_refused():
    with pytest.raises(Refused, match="ceiling"):
        token_price(tokens("0.071", "0.071"))  # wandb: $71,000 per 1M
    assert MTOK_CEILING >= 600  # o1-pro's $600/M output must pass


def test_o1_pro_is_legitimately_expensive():
    assert token_price(tokens("0.00015", "0.0006")).output == Decimal("600")


def test_zero_output_is_refused():
    with pytest.raises(Refused):
        token_price(tokens("0.0000005", "0"))


def test_batch_discount_and_cache_prices():
    price = token_price(
        tokens("0.0000025", "0.00001", cached_input=Decimal("0.00000125"), batch_input=Decimal("0.00000125"))
    )
    assert price.cached_input == Decimal("1.25") and price.batch_discount == Decimal("0.5")
    assert price.blended == (3 * Decimal("2.5") + Decimal("10")) / 4


def test_batch_discount_is_the_share_off_the_list_price():
    price = token_price(tokens("0.000001", "0.000002", batch_input=Decimal("0.0000004")))
    assert price.batch_discount == Decimal("0.6")


def test_batch_price_above_list_is_not_a_discount():
    assert token_price(tokens("0.000001", "0.000002", batch_input=Decimal("0.000003"))).batch_discount is None
