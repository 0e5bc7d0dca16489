"""The public page about where prices come from."""

from django.urls import path

from . import views

app_name = "scrapers"

urlpatterns = [
    path("sources/", views.sources, name="sources"),
]
