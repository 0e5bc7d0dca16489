"""Template context every page gets: how fresh the data is (shown in the footer)."""

from .dataversion import current_data_version


def data_freshness(request):
    # From the data version record (set by the page cache middleware, else one cache GET or primary-key
    # read): never a MAX() over the observation tables on a page view.
    version = getattr(request, "data_version", None) or current_data_version()
    return {"gpu_prices_as_of": version.gpu_prices_as_of, "token_prices_as_of": version.token_prices_as_of}
