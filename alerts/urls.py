"""Feeds of price changes and e-mail price alerts."""

from django.urls import path

from . import feeds

app_name = "alerts"

urlpatterns = [
    path("feeds/price-changes/", feeds.SiteFeed(), name="price_changes_feed"),
    path("feeds/gpus/<slug:slug>/", feeds.GpuFeed(), name="gpu_feed"),
    path("feeds/models/<slug:slug>/", feeds.ModelFeed(), name="model_feed"),
    path("feeds/providers/<slug:slug>/", feeds.ProviderFeed(), name="provider_feed"),
]

from . import views  # noqa: E402

urlpatterns += [
    path("alerts/", views.alerts_page, name="subscribe"),
    path("alerts/confirm/<str:token>/", views.confirm, name="confirm"),
    path("alerts/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
