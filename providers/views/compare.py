"""/compare/ (the form's target) and /compare/<a>-vs-<b>/: both markets of two providers side by side."""

from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from computeprices.tables import table_csv
from inference.queries import BLEND_CHOICES, DEFAULT_BLEND

from .. import columns, listing, queries
from ..forms import CompareForm
from ..models import PricingType, Provider


def compare_pick(request):
    """Redirect to /compare/<a>-vs-<b>/, or back to the form if the pair is bad. Each of a and b is a slug
    (the selects) or a provider's name as typed (the text boxes of a long list). One query."""
    a, b = request.GET.get("a", "").strip()[:200], request.GET.get("b", "").strip()[:200]
    if a and b:
        found = list(Provider.objects.filter(Q(slug__in=[a, b]) | Q(name__iexact=a) | Q(name__iexact=b)))

        def pick(wanted):
            return next((p for p in found if p.slug == wanted), None) or next(
                (p for p in found if p.name.lower() == wanted.lower()), None
            )

        first, second = pick(a), pick(b)
        if first is not None and second is not None and first != second:
            return redirect("providers:compare", pair=f"{first.slug}-vs-{second.slug}")
    return redirect(reverse("providers:provider_list") + "?compare=invalid#compare")


def providers_for_pair(pair):
    """The two providers named by "<a>-vs-<b>" (slugs may themselves contain "-vs-"); one query."""
    parts = pair.split("-vs-")
    splits = [("-vs-".join(parts[:i]), "-vs-".join(parts[i:])) for i in range(1, len(parts))]
    wanted = {slug for split in splits for slug in split if slug}
    found = {p.slug: p for p in Provider.objects.filter(slug__in=wanted)} if wanted else {}
    for a, b in splits:
        if a in found and b in found and a != b:
            return found[a], found[b]
    raise Http404("No such pair of providers.")


def compare(request, pair):
    """GPUs both rent and models both serve, side by side, and what only one has.

    Queries: the two providers, their current GPU offerings, their current inference offerings (+2 footer).
    """
    a, b = providers_for_pair(pair)
    form = CompareForm(request.GET)
    pricing_type = form.option("pricing_type")
    shared, exclusive = queries.compare_providers(a, b)
    shared = [s for s in shared if pricing_type is None or s.pricing_type == pricing_type]
    exclusive = [e for e in exclusive if pricing_type is None or e.offering.pricing_type == pricing_type]
    shared, sorts = listing.sorted_by(form, shared, columns.COMPARE_SORTS, "gpu")
    blend = form.option("blend", DEFAULT_BLEND)
    models, only_a, only_b = listing.compare_models(a, b, blend)
    if form.wants_csv:
        table = form.option("table")
        if table == "exclusive":
            return table_csv(form.csv_name(f"{a.slug}-vs-{b.slug}-only-one"), columns.COMPARE_EXCLUSIVE_CSV, exclusive)
        if table == "models":
            return table_csv(form.csv_name(f"{a.slug}-vs-{b.slug}-models"), columns.compare_models_csv(a, b), models)
        return table_csv(form.csv_name(f"{a.slug}-vs-{b.slug}"), columns.compare_csv(a, b), shared)
    return render(request, "providers/compare.html", {
        "a": a, "b": b, "shared": shared, "exclusive": exclusive, "models": models,
        "models_only_a": only_a, "models_only_b": only_b,
        "blend": blend, "blend_choices": BLEND_CHOICES, "filters": form, "sorts": sorts,
        "pricing_types": PricingType.choices, "selected": {"pricing_type": pricing_type},
        "csv_url": form.url(format="csv", table=None), "exclusive_csv_url": form.url(format="csv", table="exclusive"),
        "models_csv_url": form.url(format="csv", table="models"),
        "swap_url": reverse("providers:compare", args=[f"{b.slug}-vs-{a.slug}"]),
    })  # fmt: skip
