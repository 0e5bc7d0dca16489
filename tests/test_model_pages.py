"""The per-token pages /models/ and /models/<slug>/: figures, blend ratio, filters, CSV, escaping, query counts."""

import csv
import io
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from computeprices.freshness import today_utc
from inference.models import ServingKind
from tests.charts import assert_valid_plotly, page_figures
from tests.factories import (
    InferenceOfferingFactory,
    InferencePriceObservationFactory,
    LanguageModelFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal
EVIL = "Evil</script><script>alert(\"x\")</script> 'q' & co"


def offer(model, provider, input_price, output_price, days_ago=0, **observation):
    kind = observation.pop("serving_kind", ServingKind.SERVERLESS)
    quantization = observation.pop("quantization", "fp8")
    offering = InferenceOfferingFactory(model=model, provider=provider, serving_kind=kind, quantization=quantization)
    InferencePriceObservationFactory(
        offering=offering,
        observed_on=today_utc() - timedelta(days=days_ago),
        usd_per_mtok_input=D(input_price),
        usd_per_mtok_output=D(output_price),
        **observation,
    )
    return offering


def blend(input_price, output_price, input_parts=3, output_parts=1):
    """The test's own blended price: (a x input + b x output) / (a + b)."""
    return (input_parts * D(input_price) + output_parts * D(output_price)) / (input_parts + output_parts)


PRICES = [("1", "2"), ("2", "4"), ("4", "8")]


@pytest.fixture
def llama():
    model = LanguageModelFactory(name="Llama 3.3 70B", slug="llama-3-3-70b", creator="Meta")
    for n, (i, o) in enumerate(PRICES):
        offer(model, ProviderFactory(name=f"Prov {n}", slug=f"prov-{n}"), i, o)
    return model


def summary_for(response, slug):
    return next(s for s in response.context["summaries"] if s.model.slug == slug)


def csv_rows(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


# /models/ ------------------------------------------------------------------------------------------


def test_model_list_shows_cheapest_median_highest_and_spread(client, llama):
    response = client.get(reverse("inference:model_list"))
    assert response.status_code == 200
    s = summary_for(response, llama.slug)
    blended = sorted(blend(i, o) for i, o in PRICES)
    assert (s.cheapest, s.median, s.highest) == (blended[0], blended[1], blended[2])
    assert s.spread == blended[2] / blended[0]
    assert s.provider_count == 3
    assert s.cheapest_offering.provider.name == "Prov 0"
    row = re.search(r'<tr data-model="llama-3-3-70b">.*?</tr>', response.content.decode(), re.S)[0]
    assert "$1.25" in row and "$2.50" in row and "$5.00" in row and "×4.0" in row


@pytest.mark.parametrize("ratio,parts", [("1:1", (1, 1)), ("10:1", (10, 1)), ("3:1", (3, 1)), ("7:2", (7, 2))])
def test_blend_ratio_changes_every_figure_on_the_list(client, llama, ratio, parts):
    response = client.get(reverse("inference:model_list"), {"blend": ratio})
    s = summary_for(response, llama.slug)
    blended = sorted(blend(i, o, *parts) for i, o in PRICES)
    assert (s.cheapest, s.median, s.highest) == tuple(blended)
    assert s.spread == blended[2] / blended[0]
    assert str(response.context["blend"]) == ratio
    assert not response.context["ignored"]


def test_one_click_blend_links_keep_other_filters(client, llama):
    body = client.get(reverse("inference:model_list"), {"creator": "Meta"}).content.decode()
    assert "?creator=Meta&amp;blend=1%3A1" in body
    assert "?creator=Meta&amp;blend=10%3A1" in body


@pytest.mark.parametrize(
    "params,ignored_name",
    [
        ({"blend": "banana"}, "blend"),
        ({"blend": "0:0"}, "blend"),
        ({"blend": "1000:1"}, "blend"),
        ({"min_context": "lots"}, "min_context"),
        ({"min_params": "-5"}, "min_params"),
        ({"creator": "Nobody Inc"}, "creator"),
        ({"modality": "smell"}, "modality"),
        ({"sort": "price; DROP TABLE"}, "sort"),
        ({"open": "maybe"}, "open"),
        ({"format": "xml"}, "format"),
        ({"min_params": "50", "max_params": "10"}, "max_params"),
    ],
)
def test_bad_filter_values_are_ignored_and_reported(client, llama, params, ignored_name):
    response = client.get(reverse("inference:model_list"), params)
    assert response.status_code == 200
    ignored = response.context["ignored"]
    assert len(ignored) == 1 and ignored_name in ignored[0]
    assert "were ignored" in response.content.decode()
    assert summary_for(response, llama.slug).cheapest == blend("1", "2")  # default 3:1 still applied


NASTY = ["", " ", "\x00", "é", "1e999", "NaN", "-0", "99999999999999999999999", "' OR 1=1 --", "<b>", "3:1:1", "٣:١"]


@pytest.mark.parametrize("value", NASTY)
def test_no_query_string_value_is_a_server_error(client, llama, value):
    names = ["blend", "format", "creator", "open", "min_context", "min_params", "max_params", "modality", "sort"]
    for url in [reverse("inference:model_list"), llama.get_absolute_url(), reverse("inference:analysis")]:
        response = client.get(url, dict.fromkeys(names, value))
        assert response.status_code == 200, (url, value)


def test_filters_narrow_the_list(client, llama):
    small = LanguageModelFactory(
        name="Tiny", slug="tiny", creator="Acme", total_params_b=D("3"), active_params_b=D("3"), context_window=8192
    )
    closed = LanguageModelFactory(
        name="Closed", slug="closed", creator="Acme", open_weights=False, total_params_b=None, active_params_b=None,
        modalities="text,image", context_window=32000,
    )  # fmt: skip
    url = reverse("inference:model_list")

    def slugs(**params):
        response = client.get(url, params)
        assert not response.context["ignored"], response.context["ignored"]
        return {s.model.slug for s in response.context["summaries"]}

    assert slugs() == {llama.slug, small.slug, closed.slug}
    assert slugs(creator="acme") == {small.slug, closed.slug}  # case does not matter
    assert slugs(open="1") == {llama.slug, small.slug}
    assert slugs(min_context="100000") == {llama.slug}
    assert slugs(min_params="1", max_params="10") == {small.slug}
    assert slugs(min_params="10") == {llama.slug}
    assert slugs(modality="image") == {closed.slug}


def test_sort_by_price_puts_unpriced_models_last_both_ways(client, llama):
    other = LanguageModelFactory(name="Other", slug="other")
    offer(other, ProviderFactory(slug="p-x"), "0.1", "0.1")
    LanguageModelFactory(name="Unpriced", slug="unpriced")
    url = reverse("inference:model_list")
    ascending = [s.model.slug for s in client.get(url, {"sort": "cheapest"}).context["summaries"]]
    descending = [s.model.slug for s in client.get(url, {"sort": "-cheapest"}).context["summaries"]]
    assert ascending == ["other", llama.slug, "unpriced"]
    assert descending == [llama.slug, "other", "unpriced"]


def test_stale_and_delisted_offerings_do_not_count_on_the_list(client, llama):
    offer(llama, ProviderFactory(slug="stale-co"), "0.01", "0.01", days_ago=5)
    offer(llama, ProviderFactory(slug="gone-co"), "0.01", "0.01", days_ago=30)
    s = summary_for(client.get(reverse("inference:model_list")), llama.slug)
    assert s.cheapest == blend("1", "2") and s.provider_count == 3


def test_model_list_csv_has_exactly_the_rows_shown(client, llama):
    LanguageModelFactory(name="Tiny", slug="tiny", creator="Acme")
    params = {"creator": "Meta", "blend": "1:1"}
    shown = [s.model.slug for s in client.get(reverse("inference:model_list"), params).context["summaries"]]
    rows = csv_rows(client.get(reverse("inference:model_list"), {**params, "format": "csv"}))
    assert rows[0][9] == "cheapest_blended_1_1"
    assert [r[1] for r in rows[1:]] == shown == [llama.slug]
    assert D(rows[1][9]) == blend("1", "2", 1, 1)


def test_model_list_has_no_chart_script(client, llama):
    assert "plotly" not in client.get(reverse("inference:model_list")).content.decode()


# /models/<slug>/ -----------------------------------------------------------------------------------


def test_unknown_model_is_404(client):
    assert client.get(reverse("inference:model_detail", args=["no-such-model"])).status_code == 404


def test_model_page_lists_offerings_cheapest_blended_first_with_every_price(client, llama):
    dear = ProviderFactory(name="Dear", slug="dear")
    offer(
        llama, dear, "0.5", "30", usd_per_mtok_cached_input=D("0.25"), usd_per_mtok_cache_write=D("0.625"),
        batch_discount=D("0.5"), context_served=65536, quantization="bf16",
    )  # fmt: skip
    response = client.get(llama.get_absolute_url())
    rows = response.context["rows"]
    assert [r.blended for r in rows] == sorted(r.blended for r in rows)
    dear_row = next(r for r in rows if r.offering.provider == dear)
    assert dear_row.blended == blend("0.5", "30")
    assert dear_row.batch_blended == blend("0.5", "30") * D("0.5")
    body = response.content.decode()
    html_row = re.search(r'<tr data-provider="dear">.*?</tr>', body, re.S)[0]
    for text in ["$0.50", "$30.00", "$0.25", "$0.625", "65,536", "bf16", f"{dear_row.batch_blended:.2f}"]:
        assert text in html_row, text


def test_blend_ratio_changes_every_figure_on_the_model_page(client, llama):
    InferencePriceObservationFactory(
        offering=llama.offerings.get(provider__slug="prov-0"),
        observed_on=today_utc() - timedelta(days=10),
        usd_per_mtok_input=D("9"),
        usd_per_mtok_output=D("9"),
    )
    response = client.get(llama.get_absolute_url(), {"blend": "10:1"})
    expected = sorted(blend(i, o, 10, 1) for i, o in PRICES)
    assert [r.blended for r in response.context["rows"]] == expected
    summary = response.context["summary"]
    assert (summary.cheapest, summary.median, summary.highest) == tuple(expected)
    bar = response.context["bar_figure"]["data"][0]
    assert bar["y"] == pytest.approx([float(p) for p in expected])
    history = {t["name"]: t["y"] for t in response.context["history_figure"]["data"]}
    assert history["Prov 0"] == pytest.approx([9.0, float(blend("1", "2", 10, 1))])
    assert "(10:1)" in response.context["bar_figure"]["layout"]["yaxis"]["title"]["text"]


def test_stale_offering_is_badged_and_kept_out_of_the_cards(client, llama):
    offer(llama, ProviderFactory(name="Old Co", slug="old-co"), "0.01", "0.01", days_ago=5)
    offer(llama, ProviderFactory(name="Gone Co", slug="gone-co"), "0.01", "0.01", days_ago=30)
    response = client.get(llama.get_absolute_url())
    body = response.content.decode()
    assert "badge stale" in re.search(r'<tr data-provider="old-co">.*?</tr>', body, re.S)[0]
    assert 'data-provider="gone-co"' not in body
    assert response.context["summary"].cheapest == blend("1", "2")


def test_batch_offering_is_listed_but_not_the_cheapest(client, llama):
    offer(llama, ProviderFactory(slug="batchy"), "0.01", "0.01", serving_kind=ServingKind.BATCH)
    response = client.get(llama.get_absolute_url())
    assert response.context["rows"][0].offering.provider.slug == "batchy"
    assert response.context["summary"].cheapest_offering.provider.slug == "prov-0"


def test_model_page_csv_has_exactly_the_rows_shown(client, llama):
    offer(llama, ProviderFactory(slug="old-co"), "0.01", "0.01", days_ago=5)
    offer(llama, ProviderFactory(slug="gone-co"), "0.01", "0.01", days_ago=30)
    shown = [r.offering.provider.name for r in client.get(llama.get_absolute_url()).context["rows"]]
    rows = csv_rows(client.get(llama.get_absolute_url(), {"format": "csv", "blend": "1:1"}))
    assert [r[0] for r in rows[1:]] == shown and len(shown) == 4
    assert rows[0][3] == "blended_1_1"
    assert D(rows[2][3]) == blend(*PRICES[0], 1, 1)


def test_model_page_draws_charts_with_deferred_local_plotly(client, llama):
    body = client.get(llama.get_absolute_url()).content.decode()
    assert re.search(r'<script defer src="/static/vendor/plotly-basic\.min\.js"></script>', body)
    assert "cdn" not in body.lower()
    assert 'id="price-bar-figure"' in body and 'data-figure="price-bar-figure"' in body
    assert_valid_plotly(page_figures(client.get(llama.get_absolute_url())))


def test_model_without_offerings_has_no_chart_and_says_so(client):
    model = LanguageModelFactory(slug="lonely")
    body = client.get(model.get_absolute_url()).content.decode()
    assert "plotly" not in body
    assert "No provider lists this model" in body


def test_model_page_has_the_self_hosting_slot(client, llama):
    assert 'id="self-host"' in client.get(llama.get_absolute_url()).content.decode()


def test_bad_blend_on_model_page_is_ignored_and_reported(client, llama):
    response = client.get(llama.get_absolute_url(), {"blend": "</script>"})
    assert response.status_code == 200
    assert response.context["ignored"]
    assert "Ignored blend “&lt;/script&gt;”" in response.content.decode()
    assert response.context["summary"].cheapest == blend("1", "2")


def embedded_json(body, element_id):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', body, re.S)
    return json.loads(match[1])


def test_names_with_script_tags_and_quotes_cannot_break_out(client):
    model = LanguageModelFactory(name=EVIL, slug="evil")
    provider = ProviderFactory(name=EVIL, slug="evil-co")
    offer(model, provider, "1", "2")
    for url in [model.get_absolute_url(), reverse("inference:model_list"), reverse("inference:analysis")]:
        body = client.get(url).content.decode()
        assert '<script>alert("x")' not in body, url
        assert "Evil&lt;/script&gt;" in body, url
    body = client.get(model.get_absolute_url()).content.decode()
    figure = embedded_json(body, "price-bar-figure")
    assert figure["data"][0]["x"] == [EVIL]
    assert len(re.findall(r"</script>", body)) == body.count("<script")


# Query counts --------------------------------------------------------------------------------------


def build_catalogue(models, providers):
    provider_objs = [ProviderFactory(slug=f"qp-{n}") for n in range(providers)]
    made = []
    for m in range(models):
        model = LanguageModelFactory(slug=f"qm-{m}", total_params_b=D(m + 1), active_params_b=D(m + 1))
        for n, provider in enumerate(provider_objs):
            offering = offer(model, provider, f"0.{n + 1}", f"0.{n + 2}")
            InferencePriceObservationFactory(offering=offering, observed_on=today_utc() - timedelta(days=2))
        made.append(model)
    return made


@pytest.mark.parametrize("models,providers", [(2, 2), (12, 6)])
def test_model_list_query_count_is_constant(client, django_assert_max_num_queries, models, providers):
    build_catalogue(models, providers)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("inference:model_list"), {"blend": "1:1", "sort": "spread"})
    assert len(response.context["summaries"]) == models


@pytest.mark.parametrize("models,providers", [(1, 2), (3, 9)])
def test_model_page_query_count_is_constant(client, django_assert_max_num_queries, models, providers):
    model = build_catalogue(models, providers)[0]
    # Three for the page (model, offerings, history), two for the footer, three or four for the cheapest
    # self-hosting plan (selfhost.summary: offerings, measured profiles, GPUs, and their prices when any),
    # one for the offerings' latest speed measurements (inference.speed.model_page_context).
    with django_assert_max_num_queries(9):
        response = client.get(model.get_absolute_url())
    assert len(response.context["rows"]) == providers
