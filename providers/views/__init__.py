"""GPU and provider pages, one module per page family: gpus (/gpus/...), providers (/providers/...),
compare (/compare/...). Views read options through providers.forms, data through providers.queries
and providers.listing, CSV columns from providers.columns; each renders HTML or, with ?format=csv,
the same rows as CSV."""

# Helpers that lived in the old providers/views.py, for code written against it: they live in
# computeprices.tables now (QueryFilters became computeprices.tables.QueryForm).
from computeprices.tables import csv_response, sort_links, sort_rows

from .compare import compare, compare_pick
from .gpus import gpu_chooser_or_404, gpu_detail, gpu_list
from .providers import provider_detail, provider_list

__all__ = [
    "csv_response", "sort_links", "sort_rows",
    "compare", "compare_pick", "gpu_chooser_or_404", "gpu_detail", "gpu_list", "provider_detail", "provider_list",
]  # fmt: skip
