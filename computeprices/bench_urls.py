"""The site's URLs plus a trivial view, for `bench_pages` only: the floor every page is measured against.

Never the ROOT_URLCONF of a running site; bench_pages swaps it in with override_settings.
"""

from django.http import HttpResponse
from django.urls import include, path

TRIVIAL_PATH = "/__bench__/ok"


def ok(request):
    return HttpResponse("ok")


urlpatterns = [
    path(TRIVIAL_PATH.lstrip("/"), ok),
    path("", include("computeprices.urls")),
]
