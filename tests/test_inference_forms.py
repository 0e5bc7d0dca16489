"""The per-token pages' options and column specs outside the views (inference.forms, inference.columns).

The pages' behaviour is shown over HTTP in test_model_pages / test_speed_pages / test_analysis; these
pin the pieces the views now read, so a change to a header or a notice's place fails here first."""

from decimal import Decimal

from computeprices.tables import table_csv
from inference import columns
from inference.forms import ModelPageForm, PageOptionsForm
from inference.queries import DEFAULT_BLEND, Blend


def test_a_bad_blend_falls_back_to_3_to_1_and_is_told():
    form = PageOptionsForm({"blend": "9:x", "format": "csv"})
    assert form.chosen_blend == DEFAULT_BLEND
    assert form.wants_csv
    assert len(form.notices) == 1 and form.notices[0].startswith("Ignored blend “9:x”: write it as input:output")


def test_model_page_tells_speed_options_beside_the_speed_table_and_the_rest_at_the_top():
    form = ModelPageForm({"blend": "bogus", "min_tps": "-1", "speed_sort": "loudest"})
    assert len(form.notices) == 1 and form.notices[0].startswith("Ignored blend “bogus”")
    assert [n.split("”")[0] for n in form.speed_notices] == ["Ignored min_tps “-1", "Ignored speed_sort “loudest"]
    assert form.option("min_tps") is None and form.option("speed_sort", "speed") == "speed"


def test_min_tps_cleans_as_the_page_shows_it_back():
    cleaned = {raw: ModelPageForm({"min_tps": raw}).option("min_tps") for raw in ("50.0", "1e3", " 12.5 ", "")}
    assert cleaned == {"50.0": Decimal(50), "1e3": Decimal(1000), " 12.5 ": Decimal("12.5"), "": None}
    assert str(cleaned["1e3"]) == "1000"
    for raw in ("0", "NaN", "Infinity", "10001", "fast"):
        assert ModelPageForm({"min_tps": raw}).speed_notices, raw


def test_speed_sort_is_exact():
    assert ModelPageForm({"speed_sort": "ttft"}).option("speed_sort") == "ttft"
    assert ModelPageForm({"speed_sort": "TTFT"}).speed_notices


def test_csv_headers_and_names_carry_the_blend():
    blend = Blend(10, 1)
    assert columns.csv_name("models", blend) == "models-blend-10-1.csv"
    assert [c.header for c in columns.model_list_csv(blend)][9] == "cheapest_blended_10_1"
    assert [c.header for c in columns.model_offerings_csv(blend)][3] == "blended_10_1"
    assert [c.header for c in columns.analysis_csv(blend)] == [
        "model", "slug", "creator", "kind", "total_params_b", "active_params_b", "cheapest_blended_10_1",
        "cheapest_provider", "fit_price_at_total", "markup_at_total", "fit_price_at_active", "markup_at_active",
        "priced_like_dense_b",
    ]  # fmt: skip
    response = table_csv(columns.csv_name("models", blend), columns.model_list_csv(blend), [])
    assert response["Content-Disposition"] == 'attachment; filename="models-blend-10-1.csv"'
    assert response.content.decode().splitlines() == [
        "model,slug,creator,total_params_b,active_params_b,context_window,open_weights,modalities,providers,"
        "cheapest_blended_10_1,median_blended,highest_blended,spread,cheapest_provider"
    ]
