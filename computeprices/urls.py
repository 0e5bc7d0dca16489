"""Root URLs: site-wide pages here; each app's pages under its own urls module."""

from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import RedirectView

from . import views
from .api import api, api_page
from .sitemaps import SITEMAPS

admin.site.site_header = "ComputePrices admin"
admin.site.site_title = "ComputePrices admin"
admin.site.index_title = "Catalogue, prices and scrapers"

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.methodology, name="methodology"),
    path("search/", views.search_page, name="search"),
    path("healthz", views.healthz, name="healthz"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("admin/", admin.site.urls),
    path("api/", api_page, name="api_page"),
    path("api/v1/", RedirectView.as_view(pattern_name="api_page")),  # the API's root: its human page
    path("api/v1/", api.urls),  # before the apps: the API serves /api/v1/breakeven through its adapter
    path("", include("providers.urls")),
    path("", include("inference.urls")),
    path("", include("scrapers.urls")),
    path("", include("traces.urls")),
    path("", include("alerts.urls")),
    path("", include("selfhost.urls")),
]

handler404 = "computeprices.views.page_not_found"
handler500 = "computeprices.views.server_error"
