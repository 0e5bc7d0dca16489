"""Reading the plotly figures a page embeds, and checking them with plotly's own validation."""

import json
import re

import plotly.graph_objects as go


def page_figures(response):
    """{json_script id: figure} of every chart on the page."""
    page = response.content.decode()
    scripts = re.findall(r'<script id="([^"]+)" type="application/json">(.*?)</script>', page, re.S)
    return {script_id: json.loads(body) for script_id, body in scripts}


# The trace types static/vendor/plotly-basic.min.js can draw (see static/vendor/README.md).
BUNDLED_TRACE_TYPES = {"scatter", "bar", "pie"}


def assert_valid_plotly(figures):
    """Each figure is built as a plain dict (fast); plotly raises here on any property it does not know.

    Every trace must also be one the partial plotly bundle we serve can draw.
    """
    assert figures, "the page embeds no figure"
    for figure in figures.values():
        go.Figure(figure)
        for trace in figure.get("data", []):
            assert trace.get("type", "scatter") in BUNDLED_TRACE_TYPES, f"{trace.get('type')} is not in the bundle"
