"""Column specs of the per-token tables: what /models/ sorts by and what each page's CSV writes.

A sort maps ?sort=<name> to a key function (None sorts last); a CSV spec is a list of
computeprices.tables.Column(header, read(row)). Headers and file names that carry the blend ratio
are built from it ("cheapest_blended_3_1", "models-blend-3-1.csv").
"""

from computeprices.tables import Column as C

# /models/
SORTS = {
    "name": lambda s: s.model.name.lower(),
    "creator": lambda s: s.model.creator.lower(),
    "params": lambda s: s.model.total_params_b,
    "active": lambda s: s.model.active_params_b,
    "context": lambda s: s.model.context_window,
    "released": lambda s: s.model.release_date,
    "providers": lambda s: s.provider_count or None,
    "cheapest": lambda s: s.cheapest,
    "median": lambda s: s.median,
    "highest": lambda s: s.highest,
    "spread": lambda s: s.spread,
}
DEFAULT_SORT = "-providers"
# Columns whose header link sorts high first on the first click.
DESCENDING_FIRST = {"providers", "spread", "released", "context", "params", "active"}


def blend_parts(blend, sep="_"):
    return f"{blend.input_parts}{sep}{blend.output_parts}"


def csv_name(base, blend):
    """The file name of a blended table: ("models", 3:1) -> "models-blend-3-1.csv"."""
    return f"{base}-blend-{blend_parts(blend, '-')}.csv"


def model_list_csv(blend):
    return [
        C("model", lambda s: s.model.name),
        C("slug", lambda s: s.model.slug),
        C("creator", lambda s: s.model.creator),
        C("total_params_b", lambda s: s.model.total_params_b),
        C("active_params_b", lambda s: s.model.active_params_b),
        C("context_window", lambda s: s.model.context_window),
        C("open_weights", lambda s: s.model.open_weights),
        C("modalities", lambda s: s.model.modalities),
        C("providers", lambda s: s.provider_count),
        C(f"cheapest_blended_{blend_parts(blend)}", lambda s: s.cheapest),
        C("median_blended", lambda s: s.median),
        C("highest_blended", lambda s: s.highest),
        C("spread", lambda s: s.spread),
        C("cheapest_provider", lambda s: s.cheapest_offering.provider.name if s.cheapest_offering else ""),
    ]


# /models/<slug>/
def model_offerings_csv(blend):
    return [
        C("provider", lambda r: r.offering.provider.name),
        C("input", lambda r: r.offering.latest_input),
        C("output", lambda r: r.offering.latest_output),
        C(f"blended_{blend_parts(blend)}", lambda r: r.blended),
        C("cached_input", lambda r: r.offering.latest_cached_input),
        C("cache_write", lambda r: r.offering.latest_cache_write),
        C("batch_discount", lambda r: r.offering.latest_batch_discount),
        C("batch_blended", lambda r: r.batch_blended),
        C("context_served", lambda r: r.offering.latest_context),
        C("quantization", lambda r: r.offering.quantization),
        C("serving_kind", lambda r: r.offering.serving_kind),
        C("last_seen_on", lambda r: r.offering.last_seen_on),
        C("freshness", lambda r: r.freshness),
        C("source", lambda r: r.offering.latest_source),
        C("source_url", lambda r: r.offering.latest_source_url),
    ]


# /analysis/
def analysis_csv(blend):
    return [
        C("model", lambda r: r["point"].name),
        C("slug", lambda r: r["point"].slug),
        C("creator", lambda r: r["point"].creator),
        C("kind", lambda r: r["point"].kind),
        C("total_params_b", lambda r: r["point"].total_params_b),
        C("active_params_b", lambda r: r["point"].active_params_b),
        C(f"cheapest_blended_{blend_parts(blend)}", lambda r: r["point"].price),
        C("cheapest_provider", lambda r: r["point"].provider_name),
        C("fit_price_at_total", lambda r: r["fit_at_total"]),
        C("markup_at_total", lambda r: r["markup_at_total"]),
        C("fit_price_at_active", lambda r: r["fit_at_active"]),
        C("markup_at_active", lambda r: r["markup_at_active"]),
        C("priced_like_dense_b", lambda r: r["implied_params_b"]),
    ]
