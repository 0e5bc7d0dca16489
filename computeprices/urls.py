"""Root URLs: site-wide pages here; each app's pages under its own urls module."""

from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from . import views
from .sitemaps import SITEMAPS

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.methodology, name="methodology"),
    path("healthz", views.healthz, name="healthz"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("admin/", admin.site.urls),
    path("", include("providers.urls")),
    path("", include("inference.urls")),
    path("", include("scrapers.urls")),
    path("", include("traces.urls")),
    path("", include("selfhost.urls")),
]
