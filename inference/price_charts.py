"""Plotly figures for the per-token pages, built in Python and handed to templates as plain JSON data.

Templates embed the result with `json_script` (which escapes <, > and &), and
static/js/charts.js draws every `[data-figure]` div with the vendored plotly-basic.min.js. Figures are plain
dicts in plotly's format, not plotly.graph_objects, whose validation costs tens of ms per request;
the tests pass each one through go.Figure, so plotly still checks them.
"""

import math

from computeprices.charts import CHART_LINES_MAX, fold_legend, implied_size_limit, log_ticks
from computeprices.charts import layout as chart_layout

from .models import ServingKind

ACCENT = "#0b5cad"
MUTED = "#9aa5b1"
MOE = "#b35c00"
PROPRIETARY = "#7a3e9d"


def _layout(**extra):
    """The site's one chart layout (computeprices.charts) with this chart's settings."""
    return chart_layout(hovermode="closest", **extra)


def offering_label(row, repeated_providers):
    """Provider name, plus quantization and serving kind when that provider has more than one offering."""
    offering = row.offering
    if offering.provider_id not in repeated_providers:
        return offering.provider.name
    detail = [offering.quantization or "quant. n/s"]
    if offering.serving_kind != ServingKind.SERVERLESS:
        detail.append(offering.get_serving_kind_display().lower())
    return f"{offering.provider.name} ({', '.join(detail)})"


def blended_bar_figure(rows, labels, blend):
    """Blended price per offering, cheapest to dearest (rows come sorted); stale offerings drawn muted."""
    priced = [(row, label) for row, label in zip(rows, labels, strict=True) if row.blended is not None]
    bar = {
        "type": "bar",
        "x": [label for _, label in priced],
        "y": [float(row.blended) for row, _ in priced],
        "marker": {"color": [MUTED if row.freshness == "stale" else ACCENT for row, _ in priced]},
        "customdata": [[float(row.offering.latest_input), float(row.offering.latest_output)] for row, _ in priced],
        "hovertemplate": (
            "%{x}<br>blended $%{y:.4f}<br>input $%{customdata[0]:.4f} · output $%{customdata[1]:.4f}<extra></extra>"
        ),
    }
    layout = _layout(
        yaxis={"title": {"text": f"USD per 1M tokens ({blend})"}, "rangemode": "tozero"},
        xaxis={"tickangle": -30, "automargin": True},
        bargap=0.25,
    )
    return {"data": [bar], "layout": layout}


def history_figure(rows, labels, history, blend):
    """Blended price over time, one step line per offering that has any history."""
    data = []
    for row, label in zip(rows, labels, strict=True):
        days = history.get(row.offering.pk, [])
        points = [(day, blend.price(i, o)) for day, i, o in days]
        if not points:
            continue
        data.append(
            {
                "type": "scatter",
                "name": label,
                "x": [day.isoformat() for day, _ in points],
                "y": [float(price) for _, price in points],
                "mode": "lines+markers",
                "line": {"shape": "hv"},
                "hovertemplate": "%{fullData.name}<br>%{x}: $%{y:.4f}<extra></extra>",
            }
        )
    layout = _layout(yaxis={"title": {"text": f"USD per 1M tokens ({blend})"}}, legend={"orientation": "h", "y": -0.25})
    return {"data": fold_legend(data, limit=CHART_LINES_MAX), "layout": layout}


def _log_spaced(low, high, count=60):
    low, high = max(float(low), 0.1), max(float(high), 0.2)
    step = (math.log(high) - math.log(low)) / (count - 1)
    return [math.exp(math.log(low) + i * step) for i in range(count)]


def price_size_figure(analysis):
    """Cheapest price against parameters: dense points and their line, MoE pairs, proprietary at implied size."""
    fit = analysis.fit
    data = []
    layout = _layout(
        xaxis={"title": {"text": "parameters (billions)"}, "type": "log"},
        yaxis={"title": {"text": f"cheapest USD per 1M tokens ({analysis.blend})"}, "type": "log"},
        legend={"orientation": "h", "y": -0.3},
        margin={"t": 64},
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "x": 0,
                "y": 1.02,
                "xanchor": "left",
                "yanchor": "bottom",
                "buttons": [
                    {
                        "label": "log axes",
                        "method": "relayout",
                        "args": [
                            {
                                "xaxis.type": "log",
                                "yaxis.type": "log",
                                "xaxis.tickmode": "array",
                                "yaxis.tickmode": "array",
                            }
                        ],
                    },
                    {
                        "label": "linear axes",
                        "method": "relayout",
                        "args": [
                            {
                                "xaxis.type": "linear",
                                "yaxis.type": "linear",
                                "xaxis.tickmode": "auto",
                                "yaxis.tickmode": "auto",
                            }
                        ],
                    },
                ],
            }
        ],
    )
    if analysis.dense:
        data.append(
            dict(
                type="scatter",
                name="open-weight dense",
                x=[float(p.total_params_b) for p in analysis.dense],
                y=[float(p.price) for p in analysis.dense],
                text=[f"{p.name} · {p.provider_name}" for p in analysis.dense],
                mode="markers",
                marker={"color": ACCENT, "size": 9},
                hovertemplate="%{text}<br>%{x}B · $%{y:.4f}<extra></extra>",
            )
        )
    if fit is not None:
        sizes = [float(p.total_params_b) for p in analysis.dense]
        xs = _log_spaced(min(sizes), max(sizes))
        data.append(
            dict(
                type="scatter",
                name=f"least squares: ${fit.intercept:.4f} + ${fit.slope_per_10b:.4f} per 10B",
                x=xs,
                y=[float(fit.intercept) + float(fit.slope) * x for x in xs],
                mode="lines",
                line={"color": ACCENT, "dash": "dash"},
                hoverinfo="skip",
            )
        )
    if analysis.moe:
        xs, ys, texts = [], [], []
        for p in analysis.moe:
            xs += [float(p.active_params_b), float(p.total_params_b), None]
            ys += [float(p.price), float(p.price), None]
            texts += [f"{p.name} · active", f"{p.name} · total", None]
        data.append(
            dict(
                type="scatter",
                name="open-weight MoE (active — total)",
                x=xs,
                y=ys,
                text=texts,
                mode="lines+markers",
                marker={"color": MOE, "size": 8},
                line={"color": MOE},
                hovertemplate="%{text}<br>%{x}B · $%{y:.4f}<extra></extra>",
            )
        )
    limit = implied_size_limit([p.total_params_b for p in analysis.dense])
    placed = [(p, fit.implied_params_b(p.price)) for p in analysis.proprietary] if fit else []
    # Beyond the largest open model the line is guessing: such a model is left off the chart (the table says why).
    placed = [(p, size) for p, size in placed if size is not None and (limit is None or size <= limit)]
    if placed:
        data.append(
            dict(
                type="scatter",
                name="proprietary, at the size the line prices it",
                x=[float(size) for _, size in placed],
                y=[float(p.price) for p, _ in placed],
                text=[f"{p.name} · priced like a dense {size:.0f}B model" for p, size in placed],
                mode="markers",
                marker={"color": PROPRIETARY, "size": 9, "symbol": "diamond"},
                hovertemplate="%{text}<br>$%{y:.4f}<extra></extra>",
            )
        )
    _readable_log_axes(layout, data)
    return {"data": data, "layout": layout}


def _readable_log_axes(layout, data):
    """Ticks at 1-3-10 steps labelled as plain numbers, not plotly's minor "5 2 10 5 2 1" digits."""
    for axis, key in (("xaxis", "x"), ("yaxis", "y")):
        values = [v for trace in data for v in trace.get(key, []) if v is not None and v > 0]
        ticks = log_ticks(min(values), max(values)) if values else {}
        if ticks:
            prefix = "$" if key == "y" else ""
            suffix = "B" if key == "x" else ""
            ticks["ticktext"] = [f"{prefix}{t}{suffix}" for t in ticks["ticktext"]]
            layout[axis].update(tickmode="array", **ticks)
