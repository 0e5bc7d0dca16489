from django.urls import path

from . import views

app_name = "inference"

urlpatterns = [
    path("models/", views.model_list, name="model_list"),
    path("models/<slug:slug>/", views.model_detail, name="model_detail"),
    path("analysis/", views.analysis, name="analysis"),
]
