"""The site's URLs plus a trivial view, for `bench_pages` only: the floor every page is measured against.

Never the ROOT_URLCONF of a public site: bench_pages swaps it in with override_settings, and
bin/bench-server runs gunicorn with computeprices.settings_bench. The trivial view is exempt from the
page cache there, so the floor is the middleware stack plus a view, as before the page cache existed.
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
