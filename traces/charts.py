"""The dataset page's plotly figures, built in Python as plain dicts in plotly's figure format
(rendered with json_script, drawn by static/js/charts.js with our own plotly-basic.min.js).

Plain dicts, not plotly.graph_objects: its validation costs tens of ms per figure on every request.
tests/test_traces_pages.py passes every figure through go.Figure, so plotly still checks the format.
"""

from computeprices.charts import layout as chart_layout
from computeprices.charts import title as chart_title

from .models import Route

ROUTE_LABELS = dict(Route.choices)
# Bar labels, broken so four routes fit side by side at phone width.
ROUTE_TICKS = {
    "managed_api": "managed<br>API",
    "serverless": "open-weight<br>serverless",
    "dedicated": "dedicated<br>endpoint",
    "self_hosted": "self-hosted<br>GPU",
}
ROUTE_COLOURS = {
    "managed_api": "#0b5cad",
    "serverless": "#2a9d8f",
    "dedicated": "#e76f51",
    "self_hosted": "#6a4c93",
}
# The site's one chart layout (computeprices.charts) with this page's height and legend place.
LAYOUT = chart_layout(height=380, margin={"l": 70, "b": 60}, legend={"y": -0.22})


def cost_by_route_figure(summary, p95_target_ms):
    """Bars: each route's lowest cost per accepted output at any latency and within the p95 target."""
    routes = [ROUTE_TICKS.get(r.route, r.route) for r in summary.routes]
    names = [ROUTE_LABELS.get(r.route, r.route) for r in summary.routes]
    data = [
        {
            "type": "bar",
            "name": "any latency",
            "x": routes,
            "y": [_num(r.best_any_latency.cost_per_accepted) if r.best_any_latency else None for r in summary.routes],
            "marker": {"color": "#b8c4d0"},
            "customdata": names,
            "hovertemplate": "%{customdata}: $%{y:.5~f} per accepted output<extra>any latency</extra>",
        }
    ]
    if p95_target_ms is not None:
        data.append(
            {
                "type": "bar",
                "name": f"p95 ≤ {p95_target_ms:,} ms",
                "x": routes,
                "y": [
                    _num(r.best_within_target.cost_per_accepted) if r.best_within_target else None
                    for r in summary.routes
                ],
                "marker": {"color": [ROUTE_COLOURS.get(r.route, "#333") for r in summary.routes]},
                "customdata": names,
                "hovertemplate": "%{customdata}: $%{y:.5~f} per accepted output<extra>within target</extra>",
            }
        )
    layout = {
        **LAYOUT,
        "barmode": "group",
        "xaxis": {"tickangle": 0},
        "title": chart_title("Lowest cost per accepted output by route"),
        "yaxis": {
            "title": {"text": "USD per accepted output"},
            "rangemode": "tozero",
            "tickformat": "$,.5~f",
            "automargin": True,
        },
    }
    return {"data": data, "layout": layout}


def p95_concurrency_figure(summary, p95_target_ms):
    """Lines: p95 latency against concurrency, one line per route and provider · model."""
    data = []
    concurrencies = sorted({c for points in summary.p95_series.values() for c, _, _ in points})
    for route, points in summary.p95_series.items():
        setups = {}
        for concurrency, p95, label in points:
            setups.setdefault(label, []).append((concurrency, p95))
        for label, series in setups.items():
            data.append(
                {
                    "type": "scatter",
                    "name": f"{ROUTE_LABELS.get(route, route)} · {label}",
                    "x": [c for c, _ in series],
                    "y": [_num(p) for _, p in series],
                    "mode": "lines+markers",
                    "line": {"color": ROUTE_COLOURS.get(route, "#333")},
                    "hovertemplate": "concurrency %{x}: p95 %{y:,.0f} ms<extra>%{fullData.name}</extra>",
                }
            )
    layout = {
        **LAYOUT,
        "title": chart_title("p95 latency against concurrency"),
        # Log scale: concurrency is usually measured in doublings; ticks only where there is data.
        "xaxis": {
            "title": {"text": "concurrent requests"},
            "type": "log",
            "tickvals": concurrencies,
            "ticktext": [str(c) for c in concurrencies],
        },
        "yaxis": {
            "title": {"text": "p95 latency (ms)"},
            "rangemode": "tozero",
            "tickformat": ",~r",
            "automargin": True,
        },
    }
    if p95_target_ms is not None:
        target = float(p95_target_ms)
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "x domain",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": target,
                "y1": target,
                "line": {"dash": "dash", "color": "#9a5b00"},
            }
        ]
        layout["annotations"] = [
            {
                "text": "your p95 target",
                "xref": "x domain",
                "x": 0,
                "xanchor": "left",
                "yref": "y",
                "y": target,
                "yanchor": "bottom",
                "showarrow": False,
            }
        ]
    return {"data": data, "layout": layout}


def _num(value):
    return None if value is None else float(value)
