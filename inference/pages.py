"""What a per-token page shows beside its table, assembled outside the view: the model page's summary
line and price charts, and the price-against-size rows of /analysis/. Views pick HTML or CSV and render."""

from datetime import timedelta

from computeprices.charts import implied_size_limit
from computeprices.freshness import in_market
from computeprices.tables import TablePage

from . import price_charts
from .queries import HISTORY_DAYS, SUMMARY_SERVING_KINDS, price_history, summarize


def current_summary(model, rows, blend):
    """The summary line of /models/<slug>/ (and /api/v1/models/<slug>): listed, non-batch offerings (the market
    rule, computeprices.freshness.in_market: seen by a scraper in 3 days, or curated under a year old). No queries."""
    current = [r.offering for r in rows if in_market(r.offering) and r.offering.serving_kind in SUMMARY_SERVING_KINDS]
    return summarize(model, current, blend)


def offerings_page(model, rows, blend, today, query):
    """The model page's offerings a page at a time (?page=, computeprices.tables.TablePage): the summary over
    every offering, the table and its two charts over the page's rows. One query (the history)."""
    page = TablePage(rows, query, anchor="#offerings")
    context = price_context(model, page.rows, blend, today, summary_rows=rows)
    return context | {"rows": page.rows, "page": page, "row_count": len(rows)}


def bounded_speed(context, query):
    """The speed table (computed over every offering) shown a page at a time (?speed_page=). No queries."""
    page = TablePage(context["speed_rows"], query, param="speed_page", label="speed page", anchor="#speed")
    ignored = list(context["speed_ignored"]) + page.notices
    return context | {"speed_rows": page.rows, "speed_page": page, "speed_ignored": ignored}


def price_context(model, rows, blend, today, summary_rows=None):
    """The model page's summary, blended-price bars and price history chart. One query (the history)."""
    provider_ids = [r.offering.provider_id for r in rows]
    repeated = {pid for pid in provider_ids if provider_ids.count(pid) > 1}
    labels = [price_charts.offering_label(r, repeated) for r in rows]
    history = price_history([r.offering for r in rows], today - timedelta(days=HISTORY_DAYS))
    has_bars = any(r.blended is not None for r in rows)
    return {
        "summary": current_summary(model, rows if summary_rows is None else summary_rows, blend),
        "bar_figure": price_charts.blended_bar_figure(rows, labels, blend) if has_bars else None,
        "history_figure": price_charts.history_figure(rows, labels, history, blend) if history else None,
        "history_days": HISTORY_DAYS,
    }


def _markup(price, predicted):
    return price / predicted if predicted is not None and predicted > 0 else None


def analysis_rows(result):
    """One dict per model: its price beside what the line predicts for its size, and the size its price implies."""
    fit = result.fit
    limit = implied_size_limit([p.total_params_b for p in result.dense])
    rows = []
    for point in [*result.dense, *result.moe, *result.proprietary]:
        row = {"point": point, "fit_at_total": None, "fit_at_active": None, "implied_params_b": None}
        if fit is not None:
            if point.kind != "proprietary":
                row["fit_at_total"] = fit.predict(point.total_params_b)
                if point.kind == "moe":
                    row["fit_at_active"] = fit.predict(point.active_params_b)
            if point.kind != "dense":
                implied = fit.implied_params_b(point.price)
                # Far beyond the largest open model the line is guessing: the page says so, not a number.
                row["beyond_range"] = implied is not None and limit is not None and implied > limit
                row["implied_params_b"] = None if row["beyond_range"] else implied
        row["markup_at_total"] = _markup(point.price, row["fit_at_total"])
        row["markup_at_active"] = _markup(point.price, row["fit_at_active"])
        rows.append(row)
    order = {"dense": 0, "moe": 1, "proprietary": 2}
    rows.sort(key=lambda r: (order[r["point"].kind], r["point"].total_params_b or 0, r["point"].name.lower()))
    return rows
