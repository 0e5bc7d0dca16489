"""sitemap.xml: the section pages and every GPU, provider, model and trace data set page."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from inference.models import LanguageModel
from providers.models import Gpu, Provider
from traces.models import TraceDataset


class SectionSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return [
            "home",
            "providers:gpu_list",
            "providers:provider_list",
            "inference:model_list",
            "inference:analysis",
            "selfhost:breakeven",
            "traces:dataset_list",
            "methodology",
        ]

    def location(self, item):
        return reverse(item)


class CatalogueSitemap(Sitemap):
    changefreq = "daily"

    def __init__(self, model):
        self.model = model

    def items(self):
        return self.model.objects.order_by("slug")


SITEMAPS = {
    "sections": SectionSitemap,
    "gpus": CatalogueSitemap(Gpu),
    "providers": CatalogueSitemap(Provider),
    "models": CatalogueSitemap(LanguageModel),
    "traces": CatalogueSitemap(TraceDataset),
}
