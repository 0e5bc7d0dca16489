"""Where a price came from, for any page: `{% load price_sources %}<a href="{{ o.latest_source|source_url }}">`.

A scraped source links to its row on /sources/ (last run, what it feeds); "curated" to the methodology.
"""

from django import template
from django.urls import reverse

register = template.Library()


@register.filter
def source_url(source):
    if not source:
        return ""
    if source == "curated":
        return reverse("methodology")
    return f"{reverse('scrapers:sources')}#{source.replace(':', '-')}"
