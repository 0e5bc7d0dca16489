from django.urls import path

from . import views

app_name = "providers"

urlpatterns = [
    path("gpus/", views.gpu_list, name="gpu_list"),
    path("gpus/<slug:slug>/", views.gpu_detail, name="gpu_detail"),
    path("providers/", views.provider_list, name="provider_list"),
    path("providers/<slug:slug>/", views.provider_detail, name="provider_detail"),
    path("compare/", views.compare_pick, name="compare_pick"),
    # "<a>-vs-<b>": both are provider slugs; the view splits the pair.
    path("compare/<slug:pair>/", views.compare, name="compare"),
]
