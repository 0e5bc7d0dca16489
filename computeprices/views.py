"""Site-wide pages: home, methodology, search, the 404 and 500 pages, and the health check."""

from django.conf import settings
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render

from inference.models import LanguageModel
from providers.models import GpuOffering

from .search import search

HOME_GPU_FAMILIES = [("H100", "h100"), ("A100", "a100")]
HOME_POPULAR_MODEL_COUNT = 6


def home(request):
    cheapest_gpus = GpuOffering.objects.cheapest_current_by_family(HOME_GPU_FAMILIES)
    popular_models = LanguageModel.objects.most_served(HOME_POPULAR_MODEL_COUNT)
    return render(request, "home.html", {"cheapest_gpus": cheapest_gpus, "popular_models": popular_models})


def methodology(request):
    return render(request, "methodology.html")


def healthz(request):
    """200 "ok" when the database and Redis answer; 200 "degraded" when only Redis fails (pages are
    served without the cache); 503 "error" naming what failed when the database does not answer."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # any failure is a failed check, reported not raised
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {exc.__class__.__name__}"
    else:
        checks["redis"] = "not configured"
    # Without Redis the pages still answer (no cache, see computeprices/cache.py): degraded, not down.
    if checks["database"] != "ok":
        status, code = "error", 503
    elif checks["redis"] not in ("ok", "not configured"):
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse({"status": status, **checks}, status=code)


def search_page(request):
    """/search/?q=: GPUs, models and providers matching what was typed. Six queries (+2 for the footer)."""
    query = request.GET.get("q", "").strip()[:100]
    results = search(query) if query else {"gpus": [], "models": [], "providers": []}
    found = sum(len(hits) for hits in results.values())
    return render(request, "search.html", {"query": query, "results": results, "found": found})


def page_not_found(request, exception=None):
    return render(request, "404.html", {"path": request.path}, status=404)


def server_error(request):
    """No context processors or database: the site may be failing because of them."""
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render({}))
