"""Template context every page gets: how fresh the data is (shown in the footer)."""

from django.db.models import Max

from inference.models import InferencePriceObservation
from providers.models import GpuPriceObservation


def data_freshness(request):
    # Two indexed aggregate queries per page, whatever the size of the data.
    return {
        "gpu_prices_as_of": GpuPriceObservation.objects.aggregate(d=Max("observed_on"))["d"],
        "token_prices_as_of": InferencePriceObservation.objects.aggregate(d=Max("observed_on"))["d"],
    }
