"""The `scrape` command, the public /sources/ page and the admin (review queue, unmatched -> alias)."""

import json
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from computeprices.freshness import today_utc
from providers.models import GpuAlias, GpuPriceObservation
from scrapers.models import PendingPrice, ScrapeRun, UnmatchedName
from scrapers.sources import REGISTRY
from tests.factories import GpuOfferingFactory, GpuPriceObservationFactory
from tests.test_scrapers_ingest import make_catalogue, scrape, skypilot_csv

FIXTURES = Path(__file__).parent / "fixtures" / "scrapers"

pytestmark = pytest.mark.django_db


def run_command(*args):
    out = StringIO()
    call_command("scrape", *args, stdout=out)
    return out.getvalue()


# --- command ------------------------------------------------------------------------------------------


def test_command_json_summary_from_file_with_date():
    make_catalogue()
    out = run_command(
        "skypilot:aws", "--from-file", str(FIXTURES / "skypilot_aws_small.csv"), "--date", "2026-11-20", "--json"
    )
    summary = json.loads(out)
    assert summary["source"] == "skypilot:aws" and summary["observed_on"] == "2026-11-20"
    assert summary["rows_published"] == summary["rows_new"] > 0 and summary["rows_unmatched"] == 1
    assert GpuPriceObservation.objects.filter(observed_on=date(2026, 11, 20)).count() == summary["rows_new"]


def test_command_dry_run_writes_nothing():
    make_catalogue()
    summary = json.loads(
        run_command("litellm", "--from-file", str(FIXTURES / "litellm_small.json"), "--dry-run", "--json")
    )
    assert summary["dry_run"] and summary["rows_new"] == 2
    assert not ScrapeRun.objects.exists() and not GpuPriceObservation.objects.exists()


def test_command_exits_non_zero_when_the_run_failed(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("<html>not json</html>")
    with pytest.raises(CommandError, match="failed: litellm"):
        run_command("litellm", "--from-file", str(bad), "--json")
    assert ScrapeRun.objects.get().status == ScrapeRun.Status.FAILED


def test_command_rejects_unknown_sources_and_bad_combinations():
    with pytest.raises(CommandError, match="unknown source"):
        run_command("nope")
    with pytest.raises(CommandError):
        run_command()
    with pytest.raises(CommandError):
        run_command("--all", "--from-file", "x")


def test_command_lists_sources():
    assert run_command("--list").split() == sorted(REGISTRY)


# --- /sources/ ----------------------------------------------------------------------------------------


def _populate(n):
    catalogue = make_catalogue()
    rows = [(f"inst-{i}", "H100-SXM", "1", "2.50", "") for i in range(n)]
    scrape("skypilot:aws", skypilot_csv(rows), day=today_utc())
    scrape("litellm", (FIXTURES / "litellm_small.json").read_text(), day=today_utc())
    ScrapeRun.objects.create(source="azure", observed_on=today_utc(), status=ScrapeRun.Status.FAILED, error="boom")
    return catalogue


@pytest.mark.parametrize("n", [3, 60])
def test_sources_page_lists_every_source_in_constant_queries(client, django_assert_max_num_queries, n):
    _populate(n)
    with django_assert_max_num_queries(9):  # 7 in scrapers.report + the footer's 2 (context processor)
        response = client.get(reverse("scrapers:sources"))
    assert response.status_code == 200
    body = response.content.decode()
    for name in REGISTRY:
        assert f'id="{name.replace(":", "-")}"' in body
    card = body.split('id="skypilot-aws"')[1].split("</section>")[0]
    assert f"<dd>{n} / {n}</dd>" in card  # seen / published
    assert f"<dt>Listed prices it publishes</dt><dd>{n}</dd>" in card
    azure = body.split('id="azure"')[1].split("</section>")[0]
    assert "never" in azure and "failed: boom" in azure  # only a failed run: no successful one to show


def test_sources_page_counts_only_current_scraped_prices(client):
    catalogue = make_catalogue()
    offering = GpuOfferingFactory(provider=catalogue["providers"]["aws"], gpu=catalogue["gpus"]["t4"])
    GpuPriceObservationFactory(
        offering=offering, source="skypilot:aws", is_curated=False, observed_on=today_utc() - timedelta(days=30)
    )
    ScrapeRun.objects.create(source="skypilot:aws", observed_on=today_utc(), status=ScrapeRun.Status.OK)
    body = client.get(reverse("scrapers:sources")).content.decode()
    card = body.split('id="skypilot-aws"')[1].split("</section>")[0]
    assert "<dt>Listed prices it publishes</dt><dd>0</dd>" in card  # seen 30 days ago: delisted


# --- admin --------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client_(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(user)
    return client


def test_admin_lists_runs_and_queue(admin_client_):
    _populate(2)
    for name in ("scraperun", "pendingprice", "unmatchedname", "provideralias"):
        assert admin_client_.get(reverse(f"admin:scrapers_{name}_changelist")).status_code == 200


def test_admin_adds_unmatched_names_as_aliases(admin_client_):
    catalogue = make_catalogue()
    scrape("skypilot:aws", (FIXTURES / "skypilot_aws_small.csv").read_text())
    unmatched = UnmatchedName.objects.get(raw_name="B999")
    url = reverse("admin:scrapers_unmatchedname_changelist")
    form = admin_client_.post(url, {"action": "add_as_alias", "_selected_action": [unmatched.pk]})
    assert form.status_code == 200 and b"Add as alias of" in form.content
    done = admin_client_.post(
        url,
        {
            "action": "add_as_alias",
            "_selected_action": [unmatched.pk],
            "apply": "1",
            "target": catalogue["gpus"]["h200"].pk,
        },
    )
    assert done.status_code == 302
    assert GpuAlias.objects.get(alias="b999").gpu == catalogue["gpus"]["h200"]
    unmatched.refresh_from_db()
    assert unmatched.resolved
    rerun = scrape("skypilot:aws", (FIXTURES / "skypilot_aws_small.csv").read_text())
    assert rerun.rows_unmatched == 0


def test_admin_approve_and_reject_actions(admin_client_):
    make_catalogue()
    day = today_utc()
    scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8.0", "55.04", "")]), day=day - timedelta(days=1))
    scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8.0", "440.00", "")]), day=day)
    pending = PendingPrice.objects.get()
    url = reverse("admin:scrapers_pendingprice_changelist")
    admin_client_.post(url, {"action": "approve", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert pending.status == PendingPrice.Status.APPROVED
    assert GpuPriceObservation.objects.get(observed_on=day).usd_per_gpu_hour == 55
    offering = pending.gpu_offering
    other = PendingPrice.objects.create(
        source="skypilot:aws",
        observed_on=day + timedelta(days=1),
        gpu_offering=offering,
        usd_per_gpu_hour=1,
        reason="x",
    )
    admin_client_.post(url, {"action": "reject", "_selected_action": [other.pk]})
    other.refresh_from_db()
    assert other.status == PendingPrice.Status.REJECTED and other.reviewed is not None
    assert not GpuPriceObservation.objects.filter(observed_on=day + timedelta(days=1)).exists()


def test_every_price_can_link_to_where_it_came_from():
    from django.template import Context, Template

    rendered = Template("{% load price_sources %}{{ a|source_url }} {{ b|source_url }}").render(
        Context({"a": "skypilot:aws", "b": "curated"})
    )
    assert rendered == f"{reverse('scrapers:sources')}#skypilot-aws {reverse('methodology')}"


def test_alias_form_preselects_the_closest_catalogue_entry(admin_client_):
    catalogue = make_catalogue()
    unmatched = UnmatchedName.objects.create(source="skypilot:aws", kind="gpu", raw_name="H200-141GB")
    form = admin_client_.post(
        reverse("admin:scrapers_unmatchedname_changelist"),
        {"action": "add_as_alias", "_selected_action": [unmatched.pk]},
    )
    assert form.context["form"].initial["target"] == catalogue["gpus"]["h200"].pk


def test_data_report_shows_curated_dates_disagreements_and_ages(client, time_machine):
    import json
    from datetime import date
    from io import StringIO

    from django.core.management import call_command

    from tests.factories import GpuPriceObservationFactory as Obs

    time_machine.move_to("2026-11-23 12:00Z")
    catalogue = make_catalogue()
    curated = GpuOfferingFactory(provider=catalogue["providers"]["aws"], gpu=catalogue["gpus"]["t4"])
    Obs(offering=curated, source="curated", is_curated=True, observed_on=date(2026, 3, 23))  # undated, 8 months
    dated = GpuOfferingFactory(provider=catalogue["providers"]["lambda"], gpu=catalogue["gpus"]["t4"])
    Obs(offering=dated, source="curated", is_curated=True, observed_on=date(2026, 11, 1), price_date=date(2026, 10, 1))
    scrape("skypilot:aws", skypilot_csv([("p5.48xlarge", "H100", "8.0", "55.04", "")]), day=date(2026, 11, 23))
    out = StringIO()
    call_command("data_report", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["curated"]["curated_prices"] == 2 and report["curated"]["undated_prices"] == 1
    assert report["curated"]["price_dates"] == ["2026-10-01", "2026-10-01"]
    assert report["curated"]["collected"] == ["2026-03-23", "2026-11-01"]
    aws = next(s for s in report["sources"] if s["source"] == "skypilot:aws")
    assert aws["rows_published"] == 1 and aws["listed_prices_published"] == 1
    assert report["age_histogram"] == {
        "≤ 3 days": 1,
        "4–14 days": 0,
        "15–90 days": 1,
        "3–12 months": 1,
        "over a year": 0,
    }
    text = StringIO()
    call_command("data_report", stdout=text)
    assert "skypilot:aws" in text.getvalue() and "curated set: 2 offerings" in text.getvalue()
    body = client.get(reverse("scrapers:sources")).content.decode()
    assert "2026-03-23 to 2026-11-01" in body and "<meter" in body
