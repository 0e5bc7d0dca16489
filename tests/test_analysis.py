"""Price against model size: the least-squares fit (pure), the analysis page, and its nightly cache."""

import statistics
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from computeprices.dataversion import database_key
from computeprices.freshness import today_utc
from inference.analysis import (
    LineFit,
    NotEnoughData,
    compute_price_size_analysis,
    least_squares,
    price_size_analysis,
    refresh_price_size_fit,
)
from inference.queries import DEFAULT_BLEND, Blend
from tests.charts import assert_valid_plotly, page_figures
from tests.factories import (
    InferenceOfferingFactory,
    InferencePriceObservationFactory,
    LanguageModelFactory,
    ProviderFactory,
)

D = Decimal


# The pure fit ---------------------------------------------------------------------------------------


def test_exact_line_through_exact_points_gives_exact_slope_and_intercept():
    intercept, slope = D("0.05"), D("0.0015")
    points = [(x, intercept + slope * x) for x in (D("8"), D("70"), D("405"), D("123.5"))]
    fit = least_squares(points)
    assert fit == LineFit(intercept=intercept, slope=slope, r_squared=D(1), n=4)
    assert fit.slope_per_10b == D("0.015")


def test_fit_matches_the_textbook_formulas_on_scattered_points():
    points = [(D(8), D("0.06")), (D(32), D("0.11")), (D(70), D("0.12")), (D(405), D("0.80")), (D(12), D("0.05"))]
    fit = least_squares(points)
    xs, ys = [float(x) for x, _ in points], [float(y) for _, y in points]
    expected = statistics.linear_regression(xs, ys)
    r = statistics.correlation(xs, ys)
    assert float(fit.slope) == pytest.approx(expected.slope, rel=1e-12)
    assert float(fit.intercept) == pytest.approx(expected.intercept, rel=1e-12)
    assert float(fit.r_squared) == pytest.approx(r * r, rel=1e-12)
    assert fit.n == 5


@pytest.mark.parametrize("count", [0, 1, 2])
def test_fewer_than_three_points_is_no_fit(count):
    with pytest.raises(NotEnoughData, match="at least 3"):
        least_squares([(D(n + 1), D(n)) for n in range(count)])


def test_one_size_only_is_no_fit():
    with pytest.raises(NotEnoughData, match="same parameter count"):
        least_squares([(D(7), D("0.1")), (D(7), D("0.2")), (D(7), D("0.3"))])


def test_flat_prices_fit_with_zero_slope_and_no_r_squared():
    fit = least_squares([(D(1), D("0.2")), (D(2), D("0.2")), (D(3), D("0.2"))])
    assert (fit.slope, fit.intercept, fit.r_squared) == (0, D("0.2"), None)
    assert fit.implied_params_b(D("1")) is None


def test_implied_params_inverts_the_line():
    fit = LineFit(intercept=D("0.03"), slope=D("0.002"), r_squared=D(1), n=3)
    assert fit.implied_params_b(D("0.43")) == D(200)
    assert fit.implied_params_b(D("0.01")) is None  # cheaper than the intercept: no size gives that price


# The page and its data -----------------------------------------------------------------------------


def priced_model(slug, params, input_price, output_price, *, active=None, open_weights=True, days_ago=0, **extra):
    model = LanguageModelFactory(
        name=extra.pop("name", slug.title()),
        slug=slug,
        total_params_b=None if params is None else D(params),
        active_params_b=None if params is None else D(active if active is not None else params),
        open_weights=open_weights,
    )
    offering = InferenceOfferingFactory(model=model, provider=extra.pop("provider", None) or ProviderFactory())
    InferencePriceObservationFactory(
        offering=offering,
        observed_on=today_utc() - timedelta(days=days_ago),
        usd_per_mtok_input=D(input_price),
        usd_per_mtok_output=D(output_price),
    )
    return model


def blended(i, o, a=3, b=1):
    return (a * D(i) + b * D(o)) / (a + b)


DENSE = [
    ("d8", 8, "0.05", "0.08"),
    ("d70", 70, "0.23", "0.40"),
    ("d405", 405, "0.80", "0.80"),
    ("d32", 32, "0.1", "0.3"),
]


@pytest.fixture
def catalogue(db):
    for slug, params, i, o in DENSE:
        priced_model(slug, params, i, o)
        # A dearer provider, and one with no price yet, must not move the point: the fit uses the cheapest.
        model = LanguageModelFactory(slug=slug)  # get_or_create: the model just made
        InferenceOfferingFactory(model=model, quantization="bf16")
        InferencePriceObservationFactory(
            offering=InferenceOfferingFactory(model=model, quantization="fp16"),
            usd_per_mtok_input=D("50"),
            usd_per_mtok_output=D("50"),
        )
    priced_model("moe", 671, "0.3", "1.2", active=37)
    priced_model("closed", None, "1.25", "10", open_weights=False, name="Closed Pro")
    priced_model("no-size", None, "0.1", "0.1")  # open weights without a published size: not placeable
    priced_model("old", 13, "0.001", "0.001", days_ago=30)  # delisted: not a current price


def expected_fit(a=3, b=1):
    return least_squares([(D(p), blended(i, o, a, b)) for _, p, i, o in DENSE])


@pytest.mark.django_db
def test_analysis_fits_the_cheapest_price_of_dense_open_models(catalogue):
    result = compute_price_size_analysis()
    assert {p.slug for p in result.dense} == {s for s, *_ in DENSE}
    assert [p.slug for p in result.moe] == ["moe"]
    assert [p.slug for p in result.proprietary] == ["closed"]
    assert result.fit == expected_fit()


@pytest.mark.django_db
def test_analysis_page_shows_the_fit_from_the_data(client, catalogue):
    response = client.get(reverse("inference:analysis"))
    assert response.status_code == 200
    fit = expected_fit()
    assert response.context["analysis"].fit == fit
    body = response.content.decode()
    assert f"{fit.r_squared:.3f}" in body
    assert f'<span id="fit-n">{len(DENSE)}</span>' in body
    rows = {r["point"].slug: r for r in response.context["rows"]}
    moe_price = blended("0.3", "1.2")
    assert rows["moe"]["fit_at_active"] == fit.predict(D(37))
    assert rows["moe"]["fit_at_total"] == fit.predict(D(671))
    assert rows["moe"]["markup_at_total"] == moe_price / fit.predict(D(671))
    assert rows["closed"]["implied_params_b"] == (blended("1.25", "10") - fit.intercept) / fit.slope
    assert rows["d70"]["markup_at_total"] == blended("0.23", "0.40") / fit.predict(D(70))
    assert 'src="/static/vendor/plotly-basic.min.js"' in body


@pytest.mark.django_db
def test_chart_draws_moe_at_active_and_total_and_proprietary_at_implied_size(client, catalogue):
    assert_valid_plotly(page_figures(client.get(reverse("inference:analysis"))))
    traces = {t["name"].split(":")[0]: t for t in client.get(reverse("inference:analysis")).context["figure"]["data"]}
    fit = expected_fit()
    assert traces["open-weight MoE (active — total)"]["x"] == [37.0, 671.0, None]
    assert traces["open-weight MoE (active — total)"]["y"][:2] == [float(blended("0.3", "1.2"))] * 2
    proprietary = traces["proprietary, at the size the line prices it"]
    assert proprietary["x"] == pytest.approx([float(fit.implied_params_b(blended("1.25", "10")))])
    assert sorted(traces["open-weight dense"]["x"]) == sorted(float(p) for _, p, *_ in DENSE)
    line = traces["least squares"]
    assert line["y"][0] == pytest.approx(float(fit.predict(D(str(line["x"][0])))))


@pytest.mark.django_db
def test_analysis_follows_the_blend_ratio(client, catalogue):
    response = client.get(reverse("inference:analysis"), {"blend": "1:1"})
    assert response.context["analysis"].fit == expected_fit(1, 1)
    assert response.context["analysis"].fit != expected_fit()


@pytest.mark.django_db
def test_fewer_than_three_dense_models_page_says_why(client):
    priced_model("a", 8, "0.1", "0.1")
    priced_model("b", 70, "0.5", "0.5")
    response = client.get(reverse("inference:analysis"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="no-fit"' in body
    assert "A line needs at least 3 models" in body and "there are 2" in body


@pytest.mark.django_db
def test_empty_catalogue_page_renders_without_a_chart(client):
    body = client.get(reverse("inference:analysis")).content.decode()
    assert "there are 0" in body and "plotly" not in body


@pytest.mark.django_db
def test_nightly_refresh_caches_the_fit_and_a_publish_recomputes(client, catalogue, django_assert_num_queries):
    refreshed = refresh_price_size_fit()
    assert refreshed.fit == expected_fit()
    # Cached: the default and the one-click blends were computed ahead.
    with django_assert_num_queries(0):
        assert price_size_analysis().fit == expected_fit()
        assert price_size_analysis(Blend(10, 1)).fit == expected_fit(10, 1)
    # A price published after the refresh bumps the data version: the next read recomputes.
    priced_model("d1", 1, "9", "9")
    assert price_size_analysis().fit.n == len(DENSE) + 1
    assert client.get(reverse("inference:analysis")).context["analysis"].fit.n == len(DENSE) + 1


@pytest.mark.django_db
def test_fit_cache_key_names_the_database_and_the_data_version(catalogue):
    from django.db import connection

    from computeprices.dataversion import bump_data_version
    from inference.analysis import _cache_key

    key = _cache_key(DEFAULT_BLEND)
    assert database_key() in key
    bump_data_version()
    assert _cache_key(DEFAULT_BLEND) != key
    # Another database (same alias, another name) never shares an entry.
    original = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = original + "_other"
    try:
        assert database_key() not in key
    finally:
        connection.settings_dict["NAME"] = original


@pytest.mark.django_db
def test_an_unlinked_blend_is_computed_not_cached(catalogue):
    assert price_size_analysis(Blend(7, 2)).fit == expected_fit(7, 2)
    priced_model("d1", 1, "9", "9")
    assert price_size_analysis(Blend(7, 2)).fit.n == len(DENSE) + 1


@pytest.mark.django_db
def test_analysis_csv_has_the_rows_shown(client, catalogue):
    shown = [r["point"].slug for r in client.get(reverse("inference:analysis")).context["rows"]]
    response = client.get(reverse("inference:analysis"), {"format": "csv"})
    lines = response.content.decode().splitlines()
    assert [line.split(",")[1] for line in lines[1:]] == shown
    assert len(shown) == len(DENSE) + 2


@pytest.mark.django_db
def test_bad_blend_on_analysis_is_ignored_and_reported(client, catalogue):
    response = client.get(reverse("inference:analysis"), {"blend": "3/1"})
    assert response.status_code == 200
    assert response.context["ignored"] and response.context["analysis"].fit == expected_fit()


@pytest.mark.django_db
@pytest.mark.parametrize("models", [4, 20])
def test_analysis_query_count_is_constant(client, django_assert_max_num_queries, models):
    for n in range(models):
        priced_model(f"m{n}", n + 1, f"0.{n + 1:02d}", "0.5", provider=ProviderFactory(slug=f"p{n % 3}"))
    with django_assert_max_num_queries(3):  # cache miss: one query, plus the footer's two
        response = client.get(reverse("inference:analysis"))
    assert response.context["analysis"].fit.n == models
    with django_assert_max_num_queries(2):  # cached
        client.get(reverse("inference:analysis"))


@pytest.mark.django_db
def test_price_size_fit_command_prints_the_fit_of_the_data(capsys):
    from django.core.management import call_command

    from tests.factories import InferenceOfferingFactory, InferencePriceObservationFactory, LanguageModelFactory

    # Input = output price, so every blend sees the same exact line: $0.10 + $0.05 per 10B.
    for params, price in [("10", "0.15"), ("20", "0.20"), ("40", "0.30")]:
        model = LanguageModelFactory(total_params_b=Decimal(params), active_params_b=Decimal(params))
        offering = InferenceOfferingFactory(model=model)
        InferencePriceObservationFactory(
            offering=offering, usd_per_mtok_input=Decimal(price), usd_per_mtok_output=Decimal(price)
        )
    call_command("price_size_fit")
    out = capsys.readouterr().out
    assert "blend 3:1: intercept $0.1000 + $0.0500 per 10B, R² 1.000, n=3 dense models" in out
    assert "at 70B $0.450" in out


@pytest.mark.django_db
def test_a_price_far_beyond_the_line_says_so_instead_of_an_absurd_size(client, catalogue):
    priced_model("opus", None, "15", "75", open_weights=False, name="Very Dear")  # the line would say ~12,000B
    response = client.get(reverse("inference:analysis"))
    row = next(r for r in response.context["rows"] if r["point"].slug == "opus")
    assert row["beyond_range"] and row["implied_params_b"] is None
    body = response.content.decode()
    assert "off the line" in body and "DESIGN.md" not in body
    names = [t["text"] for t in response.context["figure"]["data"] if t.get("text")]
    assert not any("Very Dear" in text for texts in names for text in texts if text)
    ticks = response.context["figure"]["layout"]["xaxis"]["ticktext"]
    assert "100B" in ticks and all(t.endswith("B") for t in ticks)
