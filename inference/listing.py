"""What /models/ (and /api/v1/models, which answers with the same rows) does between the query string
and the template: the catalogue's filter choices, the filtered models, their summaries and their order."""

from computeprices.tables import sort_rows

from .columns import DEFAULT_SORT, DESCENDING_FIRST, SORTS
from .models import LanguageModel
from .queries import modality_filter, model_price_summaries


def filter_choices():
    """Every creator and modality in the catalogue, for the filter form. One query."""
    creators, modalities = set(), set()
    for creator, modality_csv in LanguageModel.objects.order_by().values_list("creator", "modalities").distinct():
        creators.add(creator)
        modalities.update(m.strip() for m in modality_csv.split(",") if m.strip())
    return sorted(creators, key=str.lower), sorted(modalities)


def filtered_models(options):
    """LanguageModels passing a ModelListFilterForm's cleaned options (lazy: no query yet)."""
    models = LanguageModel.objects.all()
    if options.get("creator"):
        models = models.filter(creator=options["creator"])
    if options.get("open") == "1":
        models = models.filter(open_weights=True)
    if options.get("min_context") is not None:
        models = models.filter(context_window__gte=options["min_context"])
    if options.get("min_params") is not None:
        models = models.filter(total_params_b__gte=options["min_params"])
    if options.get("max_params") is not None:
        models = models.filter(total_params_b__lte=options["max_params"])
    if options.get("modality"):
        models = models.filter(modality_filter(options["modality"]))
    return models


def chosen_sort(options):
    """The ?sort= value that cleaned ("-cheapest"), or the default."""
    return options.get("sort") or DEFAULT_SORT


def sort_summaries(summaries, sort):
    """Sort by one column; models without a value for it go last whichever the direction."""
    descending, key = sort.startswith("-"), SORTS[sort.lstrip("-")]
    summaries = sorted(summaries, key=lambda s: (s.model.name.lower(), s.model.pk))
    return sort_rows(summaries, key, descending)


def model_summaries(options, blend):
    """The rows of /models/: filtered, summarized at `blend`, sorted. Two queries (models, offerings)."""
    return sort_summaries(model_price_summaries(filtered_models(options), blend), chosen_sort(options))


def sort_columns(sort):
    """{column: the sort value its header link sets}: a click on the current column flips the direction."""
    columns = {}
    for key in SORTS:
        if sort == key:
            columns[key] = f"-{key}"
        elif sort == f"-{key}":
            columns[key] = key
        else:
            columns[key] = f"-{key}" if key in DESCENDING_FIRST else key
    return columns
