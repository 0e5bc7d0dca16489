from django.urls import path

from . import views

app_name = "selfhost"

urlpatterns = [
    path("breakeven/", views.breakeven_page, name="breakeven"),
    path("api/v1/breakeven", views.breakeven_api, name="breakeven_api"),
]
