from django.urls import path

from . import views

app_name = "traces"

urlpatterns = [
    path("traces/", views.dataset_list, name="dataset_list"),
    path("traces/<slug:slug>/", views.dataset_detail, name="dataset_detail"),
]
