"""Root URLs: site-wide pages here; each app's pages under its own urls module."""

from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.methodology, name="methodology"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("providers.urls")),
    path("", include("inference.urls")),
    path("", include("scrapers.urls")),
]
