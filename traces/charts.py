"""The dataset page's plotly figures, built in Python and handed to the template as plain dicts
(rendered with json_script, drawn by static/js/charts.js with our own plotly.min.js)."""

import json

import plotly.graph_objects as go

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
LAYOUT = {
    "template": "simple_white",
    "margin": {"l": 70, "r": 20, "t": 40, "b": 60},
    "height": 380,
    "legend": {"orientation": "h", "yanchor": "top", "y": -0.22},
}


def _as_dict(figure):
    # plotly's own encoder turns numpy/Decimal-free figures into JSON-safe dicts.
    return json.loads(figure.to_json())


def cost_by_route_figure(summary, p95_target_ms):
    """Bars: each route's lowest cost per accepted output at any latency and within the p95 target."""
    routes = [ROUTE_TICKS.get(r.route, r.route) for r in summary.routes]
    fig = go.Figure()
    fig.add_bar(
        name="any latency",
        x=routes,
        y=[_num(r.best_any_latency.cost_per_accepted) if r.best_any_latency else None for r in summary.routes],
        marker_color="#b8c4d0",
        customdata=[ROUTE_LABELS.get(r.route, r.route) for r in summary.routes],
        hovertemplate="%{customdata}: $%{y:.5~f} per accepted output<extra>any latency</extra>",
    )
    if p95_target_ms is not None:
        fig.add_bar(
            name=f"p95 ≤ {p95_target_ms:,} ms",
            x=routes,
            y=[_num(r.best_within_target.cost_per_accepted) if r.best_within_target else None for r in summary.routes],
            marker_color=[ROUTE_COLOURS.get(r.route, "#333") for r in summary.routes],
            customdata=[ROUTE_LABELS.get(r.route, r.route) for r in summary.routes],
            hovertemplate="%{customdata}: $%{y:.5~f} per accepted output<extra>within target</extra>",
        )
    fig.update_layout(
        **LAYOUT,
        barmode="group",
        xaxis={"tickangle": 0},
        title={"text": "Lowest cost per accepted output by route", "font": {"size": 14}},
        yaxis={
            "title": {"text": "USD per accepted output"},
            "rangemode": "tozero",
            "tickformat": "$,.5~f",
            "automargin": True,
        },
    )
    return _as_dict(fig)


def p95_concurrency_figure(summary, p95_target_ms):
    """Lines: p95 latency against concurrency, one line per route and provider · model."""
    fig = go.Figure()
    concurrencies = sorted({c for points in summary.p95_series.values() for c, _, _ in points})
    for route, points in summary.p95_series.items():
        setups = {}
        for concurrency, p95, label in points:
            setups.setdefault(label, []).append((concurrency, p95))
        for label, series in setups.items():
            fig.add_scatter(
                name=f"{ROUTE_LABELS.get(route, route)} · {label}",
                x=[c for c, _ in series],
                y=[_num(p) for _, p in series],
                mode="lines+markers",
                line={"color": ROUTE_COLOURS.get(route, "#333")},
                hovertemplate="concurrency %{x}: p95 %{y:,.0f} ms<extra>%{fullData.name}</extra>",
            )
    if p95_target_ms is not None:
        fig.add_hline(
            y=float(p95_target_ms),
            line_dash="dash",
            line_color="#9a5b00",
            annotation_text="your p95 target",
            annotation_position="top left",
        )
    fig.update_layout(
        **LAYOUT,
        title={"text": "p95 latency against concurrency", "font": {"size": 14}},
        # Log scale: concurrency is usually measured in doublings; ticks only where there is data.
        xaxis={
            "title": {"text": "concurrent requests"},
            "type": "log",
            "tickvals": concurrencies,
            "ticktext": [str(c) for c in concurrencies],
        },
        yaxis={"title": {"text": "p95 latency (ms)"}, "rangemode": "tozero", "tickformat": ",~r", "automargin": True},
    )
    return _as_dict(fig)


def _num(value):
    return None if value is None else float(value)
