"""The breakeven chart: monthly cost of both routes against daily volume, over a range that shows every
crossing that matters (the first, the volume from which self-hosting stays cheaper, and yours)."""

from inference import economics
from inference.economics import D

POINTS = 240


def cost_chart(w: economics.Workload, result: economics.Comparison, ranges):
    volume = w.tokens_per_day
    if volume <= 0:
        return None
    span = [volume]
    if ranges is not None and ranges.first_crossing:
        span.append(ranges.first_crossing)
    if ranges is not None and ranges.stays_cheaper_from:
        span.append(ranges.stays_cheaper_from)
    low, high = min(span) / 10, max(span) * 10
    ratio = float(high / low) ** (1 / (POINTS - 1))
    factors = [D(float(low) * ratio**i) / volume for i in range(POINTS)]
    points = economics.cost_curve(w, factors)
    xs = [float(p[0]) for p in points]
    data = [
        {"type": "scatter", "x": xs, "y": [float(p[1]) for p in points], "name": "API", "mode": "lines"},
        {
            "type": "scatter",
            "x": xs,
            "y": [float(p[2]) for p in points],
            "name": "Rented GPUs (whole replicas)",
            "mode": "lines",
            "line": {"shape": "hv"},
        },
        {
            "type": "scatter",
            "x": [float(volume)],
            "y": [float(result.api_monthly_cost)],
            "name": "Your volume",
            "mode": "markers",
            "marker": {"size": 10},
        },
    ]
    layout = {
        "xaxis": {"type": "log", "title": {"text": "Tokens per day"}},
        "yaxis": {"type": "log", "title": {"text": "USD per month"}},
        "margin": {"l": 60, "r": 10, "t": 40, "b": 50},
        "legend": {"orientation": "h", "y": 1.15, "x": 0},
        "template": "none",
        "shapes": [],
        "annotations": [],
    }
    marks = []
    if ranges is not None and ranges.first_crossing:
        marks.append((ranges.first_crossing, "first crossing"))
    if ranges is not None and ranges.stays_cheaper_from and ranges.stays_cheaper_from != ranges.first_crossing:
        marks.append((ranges.stays_cheaper_from, "stays cheaper"))
    for x, text in marks:
        x = float(x)
        layout["shapes"].append(
            {
                "type": "line",
                "xref": "x",
                "x0": x,
                "x1": x,
                "yref": "y domain",
                "y0": 0,
                "y1": 1,
                "line": {"dash": "dot"},
            }
        )
        layout["annotations"].append(
            {"text": text, "xref": "x", "x": x, "yref": "y domain", "y": 1, "showarrow": False, "xanchor": "left"}
        )
    # Shade where self-hosting is cheaper (the first few ranges; many thin ones would only add noise).
    for start, end in ranges.winning[:12] if ranges is not None else []:
        layout["shapes"].append(
            {
                "type": "rect",
                "xref": "x",
                "x0": float(start),
                "x1": float(end if end is not None else high),
                "yref": "y domain",
                "y0": 0,
                "y1": 1,
                "fillcolor": "rgba(46, 160, 67, 0.12)",
                "line": {"width": 0},
                "layer": "below",
            }
        )
    return {"data": data, "layout": layout}
