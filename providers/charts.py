"""Plotly figures for the GPU and provider pages, built in Python and embedded with json_script.

A figure is a plain dict in plotly's figure format ({"data": [...], "layout": {...}}) for the
template's json_script, which escapes <, > and & so no name can end the <script> element. Names also
go through html.escape because plotly renders trace names as pseudo-HTML (<b>, <a>): a provider
called "<b>x</b>" shows as typed.

Why dicts and not plotly.graph_objects at request time: validating a figure of 25 traces costs
~40 ms per page. The tests pass every figure through plotly.graph_objects.Figure (which raises on
any unknown or ill-typed property), so the format is still checked by plotly itself.
"""

import html
from datetime import timedelta

from computeprices.charts import CHART_LINES_MAX, fold_legend
from computeprices.charts import layout as chart_layout
from computeprices.charts import title as chart_title

# The site's one chart layout (computeprices.charts) with this family's axes.
LAYOUT = chart_layout(
    hovermode="x unified",
    yaxis={"title": {"text": "USD per GPU-hour"}, "tickprefix": "$", "rangemode": "tozero"},
    xaxis={"type": "date"},
)


def _label(name: str) -> str:
    return html.escape(str(name), quote=False)


def step_series(points, every_day=False) -> tuple[list, list]:
    """x and y for a step line ("hv") from [(day, price)] in day order.

    A price holds until the next point, so unless `every_day`, only the days it changes are kept
    (and the last day of each run); a missing day becomes a None, which plotly draws as a gap
    instead of a bridge.
    """
    xs, ys = [], []
    for i, (day, value) in enumerate(points):
        before = points[i - 1] if i else None
        after = points[i + 1] if i + 1 < len(points) else None
        gap_before = before is not None and (day - before[0]).days > 1
        last_of_run = after is None or (after[0] - day).days > 1
        if gap_before:
            xs.append((before[0] + timedelta(days=1)).isoformat())
            ys.append(None)
        if every_day or before is None or gap_before or value != before[1] or last_of_run:
            xs.append(day.isoformat())
            ys.append(float(value))
    return xs, ys


def _marker_sizes(ys, every_day):
    """A dot where the price changes; with `every_day`, only on days standing alone (else invisible)."""
    sizes = []
    for i, y in enumerate(ys):
        alone = (i == 0 or ys[i - 1] is None) and (i + 1 == len(ys) or ys[i + 1] is None)
        sizes.append(0 if y is None else 6 if alone else 0 if every_day else 5)
    return sizes


def _line(points, markers=True, every_day=False, **kwargs) -> dict:
    """A step line of [(day, price)]; see step_series for what is kept."""
    xs, ys = step_series(points, every_day=every_day)
    line = {"shape": "hv", **kwargs.pop("line", {})}
    mode = {"mode": "lines+markers", "marker": {"size": _marker_sizes(ys, every_day)}} if markers else {"mode": "lines"}
    return {"type": "scatter", "x": xs, "y": ys, "line": line, **mode, **kwargs}


def _figure(heading: str, traces: list[dict]) -> dict:
    return {"data": traces, "layout": {**LAYOUT, "title": chart_title(_label(heading))}}


def gpu_history_figure(history, title: str) -> dict:
    """Daily cheapest, median and interquartile band of one GPU, plus one toggleable line per provider."""

    def column(name):
        return [(row.day, getattr(row, name)) for row in history.stats]

    # The market lines keep every day, so hovering any day reads its cheapest and median.
    traces = [
        _line(
            column("p75_usd_per_gpu_hour"),
            name="75th percentile",
            every_day=True,
            markers=False,
            line={"width": 0},
            showlegend=False,
            hoverinfo="skip",
        ),
        _line(
            column("p25_usd_per_gpu_hour"),
            name="25th-75th percentile",
            every_day=True,
            markers=False,
            line={"width": 0},
            fill="tonexty",
            fillcolor="rgba(11, 92, 173, 0.12)",
            hoverinfo="skip",
        ),
        _line(
            column("median_usd_per_gpu_hour"),
            name="Median across providers",
            every_day=True,
            line={"color": "#0b5cad", "width": 2},
        ),
        _line(
            column("cheapest_usd_per_gpu_hour"), name="Cheapest", every_day=True, line={"color": "#1a7f37", "width": 3}
        ),
    ]
    # The reader clicks a provider in the legend to show its line; cheapest providers first, the
    # rest behind one "others" entry so the legend fits a phone.
    lines = sorted(history.lines.items(), key=lambda item: (_latest(item[1]) is None, _latest(item[1]) or 0, item[0]))
    providers = [_line(points, name=_label(name), line={"width": 1}, visible="legendonly") for name, points in lines]
    return _figure(title, traces + fold_legend(providers, others_label="other providers", limit=CHART_LINES_MAX))


def provider_history_figure(history, title: str) -> dict:
    """One provider's cheapest price per GPU over time, with each GPU's market median to toggle on."""
    traces = fold_legend(
        [_line(points, name=_label(name), legendgroup=_label(name)) for name, points in history.lines.items()],
        others_label="other GPUs",
    )
    folded = {t["meta"] for t in traces if t.get("legendgroup") == "others"}
    medians = {}
    for gpu_name, day, median in history.stats:
        medians.setdefault(gpu_name, []).append((day, median))
    for name, points in medians.items():
        traces.append(
            _line(
                points,
                name=_label(f"{name} market median"),
                line={"dash": "dot", "width": 1},
                legendgroup="others" if _label(name) in folded else _label(name),
                showlegend=_label(name) not in folded,
                visible="legendonly",
            )
        )
    return _figure(title, traces)


def _latest(points):
    return points[-1][1] if points else None
