"""Atom feeds of price changes (Django's syndication framework).

/feeds/price-changes/ carries the notable moves (5% or more) of the last week in both markets;
/feeds/gpus/<slug>/, /feeds/models/<slug>/ and /feeds/providers/<slug>/ every move of the last
90 days for one GPU, model or provider. Two or three queries each, whatever the size of the data.
"""

from datetime import UTC, datetime, time, timedelta

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from computeprices.freshness import today_utc
from inference.models import LanguageModel
from providers.models import Gpu, Provider

from . import changes

SITE_FEED_DAYS = 7
ENTITY_FEED_DAYS = 90


class PriceChangeFeed(Feed):
    feed_type = Atom1Feed
    author_name = "ComputePrices"

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        parts = [f"{item.what} at {item.provider.name}, price dated {item.day:%Y-%m-%d} (UTC)."]
        if item.detail:
            parts.append(item.detail + ".")
        return " ".join(parts)

    def item_link(self, item):
        return item.url

    def item_guid(self, item):
        return f"computeprices:{item.key}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return datetime.combine(item.day, time.min, tzinfo=UTC)

    item_updateddate = item_pubdate


class SiteFeed(PriceChangeFeed):
    title = "ComputePrices: notable price moves"
    subtitle = f"GPU-hour and per-token prices that moved by 5% or more in the last {SITE_FEED_DAYS} days."

    def link(self):
        return reverse("home")

    def items(self):
        return changes.all_changes(today_utc() - timedelta(days=SITE_FEED_DAYS), notable=changes.NOTABLE)


class GpuFeed(PriceChangeFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Gpu, slug=slug)

    def title(self, gpu):
        return f"ComputePrices: {gpu.name} price changes"

    def subtitle(self, gpu):
        return f"Every change of a {gpu.name} GPU-hour price in the last {ENTITY_FEED_DAYS} days."

    def link(self, gpu):
        return gpu.get_absolute_url()

    def items(self, gpu):
        return changes.gpu_changes(today_utc() - timedelta(days=ENTITY_FEED_DAYS), gpu=gpu)


class ModelFeed(PriceChangeFeed):
    def get_object(self, request, slug):
        return get_object_or_404(LanguageModel, slug=slug)

    def title(self, model):
        return f"ComputePrices: {model.name} price changes"

    def subtitle(self, model):
        return f"Every change of a {model.name} per-token price in the last {ENTITY_FEED_DAYS} days."

    def link(self, model):
        return model.get_absolute_url()

    def items(self, model):
        return changes.token_changes(today_utc() - timedelta(days=ENTITY_FEED_DAYS), model=model)


class ProviderFeed(PriceChangeFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Provider, slug=slug)

    def title(self, provider):
        return f"ComputePrices: {provider.name} price changes"

    def subtitle(self, provider):
        return f"Every change of a {provider.name} price, both markets, in the last {ENTITY_FEED_DAYS} days."

    def link(self, provider):
        return provider.get_absolute_url()

    def items(self, provider):
        return changes.all_changes(today_utc() - timedelta(days=ENTITY_FEED_DAYS), provider=provider)
