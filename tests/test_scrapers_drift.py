"""Drift fails loudly: a payload whose shape changed is a failed run with the reason, prices untouched.

Per source: the same payload with its price keys renamed, and with a required column missing. Then the
run-to-run rule (far fewer rows than the last good run), the 5x review threshold at its edges, and the
step-by-step drift past 5x of the 30-day median.
"""

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from inference.models import InferencePriceObservation
from providers.models import GpuOffering, GpuPriceObservation
from scrapers.ingest import run_source
from scrapers.models import PendingPrice, ScrapeRun
from scrapers.sources import RECORDED_PAYLOADS, get_source
from tests.factories import GpuPriceObservationFactory
from tests.test_scrapers_ingest import RecordsSource, make_catalogue, record, skypilot_csv

FIXTURES = Path(__file__).parent / "fixtures" / "scrapers"
DAY = date(2026, 11, 23)

pytestmark = pytest.mark.django_db


def rename_keys(text, old, new):
    return re.sub(rf'"{old}"', f'"{new}"', text)


def drop_csv_column(text, column):
    rows = list(csv.DictReader(io.StringIO(text)))
    out = io.StringIO()
    fields = [f for f in rows[0] if f != column]
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def drop_json_key(text, key):
    return re.sub(rf'"{key}":\s*("[^"]*"|[-0-9.e]+)\s*,?', "", text)


LITELLM = (FIXTURES / "litellm_small.json").read_text()
SKYPILOT = (FIXTURES / "skypilot_aws_small.csv").read_text()
RUNPOD = (FIXTURES / "runpod_small.json").read_text()
OPENROUTER = (FIXTURES / "openrouter_models_small.json").read_text()

# (source, payload, mutation name, mutated payload): every one must be a failed run.
FIXTURE_MUTATIONS = [
    ("litellm", LITELLM, "renamed cost keys", LITELLM.replace("_cost_per_token", "_cost_per_tok")),
    ("litellm", LITELLM, "missing output cost", drop_json_key(LITELLM, "output_cost_per_token")),
    ("litellm", LITELLM, "missing provider", drop_json_key(LITELLM, "litellm_provider")),
    ("skypilot:aws", SKYPILOT, "renamed price columns", SKYPILOT.replace(",Price,SpotPrice,", ",PriceUSD,Spot,")),
    ("skypilot:aws", SKYPILOT, "missing accelerator column", drop_csv_column(SKYPILOT, "AcceleratorName")),
    ("skypilot:aws", SKYPILOT, "missing price column", drop_csv_column(SKYPILOT, "Price")),
    ("runpod", RUNPOD, "renamed price keys", RUNPOD.replace("Price", "PriceUsd")),
    ("runpod", RUNPOD, "missing display name", drop_json_key(drop_json_key(RUNPOD, "displayName"), "id")),
    ("openrouter", OPENROUTER, "renamed pricing", rename_keys(OPENROUTER, "pricing", "prices")),
    ("openrouter", OPENROUTER, "missing prompt price", drop_json_key(OPENROUTER, "prompt")),
]


def prices_written():
    return GpuPriceObservation.objects.count() + InferencePriceObservation.objects.count()


def scrape_text(name, text, tmp_path, day=DAY):
    source = get_source(name)
    path = tmp_path / "payload"
    path.write_text(text, encoding="utf-8")
    return run_source(source, payload=source.read_file(path), day=day)


@pytest.mark.parametrize(
    ("name", "payload", "mutation", "mutated"), FIXTURE_MUTATIONS, ids=[f"{m[0]}-{m[2]}" for m in FIXTURE_MUTATIONS]
)
def test_renamed_keys_and_missing_columns_fail_the_run(tmp_path, name, payload, mutation, mutated):
    make_catalogue()
    good = scrape_text(name, payload, tmp_path, day=DAY - timedelta(days=1))
    assert good.status != ScrapeRun.Status.FAILED, good.error
    assert good.rows_published > 0
    before = prices_written()
    offerings_seen = sorted(GpuOffering.objects.values_list("pk", "last_seen_on"))

    run = scrape_text(name, mutated, tmp_path)
    run.refresh_from_db()
    assert run.status == ScrapeRun.Status.FAILED, f"{mutation}: {run.summary()}"
    assert run.error, mutation
    assert prices_written() == before  # prices untouched
    assert sorted(GpuOffering.objects.values_list("pk", "last_seen_on")) == offerings_seen
    assert run.rows_published == 0


def strip_dollars(html):
    """Every dollar sign gone from a page: the prices turned into bare numbers of no known currency."""
    return html.replace("$", "")


RECORDED_MUTATIONS = {
    "azure": lambda t: t.replace('"retailPrice"', '"retail_price"').replace('"unitPrice"', '"unit_price"'),
    "page:lambda": strip_dollars,
    "page:runpod": lambda t: re.sub(r'data-(secure|community)-cloud-price="[^"]*"', r'data-\1-cloud-price=""', t),
    "page:hyperstack": strip_dollars,
    "page:datacrunch": strip_dollars,
    "page:fluidstack": strip_dollars,
    "page:coreweave": strip_dollars,
    "litellm": lambda t: t.replace("_cost_per_token", "_cost_per_tok"),
    "openrouter": lambda t: t.replace('"pricing"', '"price_info"'),
}


@pytest.mark.parametrize("name", sorted(RECORDED_MUTATIONS))
def test_recorded_payload_with_prices_gone_fails_the_run(shared_data, tmp_path, name):
    """The issue's case: LiteLLM's real map with *_cost_per_token renamed was 'ok: seen 2,566, published 0'."""
    source = get_source(name)
    text = (shared_data / RECORDED_PAYLOADS[name]).read_text(encoding="utf-8-sig")
    run = scrape_text(name, RECORDED_MUTATIONS[name](text), tmp_path)
    assert run.status == ScrapeRun.Status.FAILED, run.summary()
    assert run.error and source.name
    assert prices_written() == 0


def test_far_fewer_rows_than_the_last_good_run_fails(tmp_path):
    make_catalogue()
    rows = [(f"g{n}.xlarge", "H100 SXM", 1, "2.00", "") for n in range(10)]
    first = scrape_text("skypilot:aws", skypilot_csv(rows), tmp_path, day=DAY - timedelta(days=1))
    assert first.status == ScrapeRun.Status.OK and first.rows_published == 10
    before = prices_written()

    run = scrape_text("skypilot:aws", skypilot_csv(rows[:4]), tmp_path)
    assert run.status == ScrapeRun.Status.FAILED
    assert "far fewer than the 10 of the last good run" in run.error
    assert prices_written() == before

    run = scrape_text("skypilot:aws", skypilot_csv(rows[:5]), tmp_path)  # half is not "far fewer"
    assert run.status == ScrapeRun.Status.OK


def test_failed_drift_run_shows_on_sources_page_and_nightly_summary(client, tmp_path):
    from scrapers.tasks import refresh_statistics

    make_catalogue()
    scrape_text("litellm", LITELLM, tmp_path, day=DAY - timedelta(days=1))
    run = scrape_text("litellm", LITELLM.replace("_cost_per_token", "_cost_per_tok"), tmp_path)
    page = client.get("/sources/").content.decode()
    assert "none was a usable price" in page
    assert refresh_statistics([run.summary()])["failed"] == ["litellm"]


# --- the review threshold at its edges --------------------------------------------------------------


@pytest.mark.parametrize(
    ("new_price", "reviewed"),
    [("9.98", False), ("10.00", True), ("10.02", True), ("0.401", False), ("0.40", True), ("0.399", True)],
)
def test_moves_of_5x_or_more_either_way_are_reviewed(new_price, reviewed):
    """Last published $2.00: 4.99x up ($9.98) publishes; 5.0x and 5.01x go to review; likewise down."""
    catalogue = make_catalogue()
    GpuPriceObservationFactory(
        offering__provider=catalogue["providers"]["aws"],
        offering__gpu=catalogue["gpus"]["h100-sxm"],
        offering__instance_name="x1",
        offering__region="",
        usd_per_gpu_hour=Decimal("2.00"),
        observed_on=DAY - timedelta(days=1),
        source="test:records",
    )
    run = run_source(RecordsSource([record(new_price)]), payload="", day=DAY)
    assert run.rows_flagged == (1 if reviewed else 0), run.summary()
    assert PendingPrice.objects.exists() == reviewed


def test_step_by_step_drift_past_5x_of_the_30_day_median_is_reviewed():
    """Each step is under 5x of the last price, but the newest is 5x+ of the 30-day median: reviewed."""
    catalogue = make_catalogue()
    offering = GpuPriceObservationFactory(
        offering__provider=catalogue["providers"]["aws"],
        offering__gpu=catalogue["gpus"]["h100-sxm"],
        offering__instance_name="x1",
        offering__region="",
        usd_per_gpu_hour=Decimal("1.00"),
        observed_on=DAY - timedelta(days=20),
        source="test:records",
    ).offering
    for days_ago, price in [(19, "1.00"), (18, "1.00"), (3, "4.00")]:
        GpuPriceObservation.objects.create(
            offering=offering, observed_on=DAY - timedelta(days=days_ago), source="test:records",
            usd_per_gpu_hour=Decimal(price),
        )  # fmt: skip
    run = run_source(RecordsSource([record("5.00")]), payload="", day=DAY)  # 1.25x of $4, 5x of the $1 median
    assert run.rows_flagged == 1
    assert "30-day median" in PendingPrice.objects.get().reason

    PendingPrice.objects.all().delete()
    run = run_source(RecordsSource([record("4.90")]), payload="", day=DAY + timedelta(days=1))
    assert run.rows_flagged == 0  # 4.9x of the median: published


def test_failed_drift_run_shows_in_admin_with_its_reason(admin_client, tmp_path):
    make_catalogue()
    scrape_text("litellm", LITELLM, tmp_path, day=DAY - timedelta(days=1))
    run = scrape_text("litellm", LITELLM.replace("_cost_per_token", "_cost_per_tok"), tmp_path)
    changelist = admin_client.get("/admin/scrapers/scraperun/?status__exact=failed").content.decode()
    assert "litellm" in changelist
    change = admin_client.get(f"/admin/scrapers/scraperun/{run.pk}/change/").content.decode()
    assert "none was a usable price" in change
