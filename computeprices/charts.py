"""The one chart layout every plotly figure on the site starts from, and helpers that keep charts
readable on a 390 px phone: a legend of at most LEGEND_TOP entries (the rest in one "others" entry)
and log-axis ticks that read as prices or sizes (0.1, 0.3, 1, 3, 10) rather than plotly's 5 2 10 5 2.

Figures are plain dicts in plotly's format; static/js/charts.js draws them without the mode bar (the
toolbar that covered titles).
"""

import copy
import math

FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13, "color": "#1b1f24"}
COLOURS = [
    "#0b5cad", "#d1495b", "#1a7f37", "#7a3e9d", "#b35c00", "#00798c", "#8c564b", "#e377c2",
]  # fmt: skip
OTHERS_COLOUR = "#9aa5b1"
LEGEND_TOP = 8
CHART_LINES_MAX = 40  # lines one chart draws at most: the cheapest first (fold_legend)

BASE_LAYOUT = {
    "template": {},
    "paper_bgcolor": "#ffffff",
    "plot_bgcolor": "#ffffff",
    "font": FONT,
    "colorway": COLOURS,
    "hoverlabel": {"namelength": -1},
    "margin": {"l": 56, "r": 16, "t": 48, "b": 40},
    "title": {"font": {"size": 14}, "x": 0.01, "xanchor": "left", "xref": "container"},
    "legend": {"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0, "font": {"size": 12}},
    "xaxis": {"gridcolor": "#e5e9ef", "automargin": True},
    "yaxis": {"gridcolor": "#e5e9ef", "zerolinecolor": "#d9dee4", "automargin": True},
}


def _merge(base, extra):
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def layout(**overrides):
    """BASE_LAYOUT with `overrides` merged in (nested dicts merge key by key)."""
    return _merge(copy.deepcopy(BASE_LAYOUT), overrides)


def title(text):
    """A chart title from the chart's left edge (not the plot's), so a long one still fits a phone."""
    return {"text": text, "font": {"size": 14}, "x": 0.01, "xanchor": "left", "xref": "container"}


def fold_legend(traces, keep=LEGEND_TOP, others_label="others", limit=None):
    """Keep the first `keep` traces in the legend; the rest become one grey toggleable "N others" entry.

    `traces` should come ordered by importance (e.g. cheapest first). Hovering an "others" line
    still names it. With `limit`, only the first `limit` traces are drawn at all (a chart of a thousand
    providers' lines is megabytes no reader can see) and the "others" entry says how many were left out.
    Returns the list drawn.
    """
    left_out = max(0, len(traces) - limit) if limit is not None else 0
    traces = traces[: len(traces) - left_out]
    rest = traces[keep:]
    for i, trace in enumerate(rest):
        trace["meta"] = trace.get("name", "")
        trace["hovertemplate"] = "%{meta}: %{y:$,.2f}<extra></extra>"
        trace["legendgroup"] = "others"
        trace["showlegend"] = i == 0
        trace.setdefault("line", {})["color"] = OTHERS_COLOUR
    if len(rest) > 1 or left_out:
        rest[0]["name"] = f"{len(rest)} {others_label}" + (f" ({left_out:,} more not drawn)" if left_out else "")
    return traces


def log_ticks(low, high):
    """Tick values and labels for a log axis from low to high: 1-3-10 steps, numbers people read."""
    if low is None or high is None or low <= 0 or high <= 0:
        return {}
    values = []
    for exponent in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 2):
        for mantissa in (1, 3):
            values.append(mantissa * 10**exponent)
    values = [v for v in values if low / 3.5 <= v <= high * 3.5]
    return {"tickvals": values, "ticktext": [readable(v) for v in values]}


def readable(value):
    """0.03 -> "0.03", 3000 -> "3,000", 1e-4 -> "0.0001"."""
    if value >= 1:
        return f"{value:,.0f}"
    return f"{value:.{max(0, -math.floor(math.log10(value)))}f}"


def implied_size_limit(dense_sizes, factor=5):
    """The largest parameter count (B) a price-vs-size line may be read at: `factor` x the largest
    model it was fitted on. Beyond it the line is guessing, and a page says so instead of a number."""
    sizes = [s for s in dense_sizes if s]
    return max(sizes) * factor if sizes else None
