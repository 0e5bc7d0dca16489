"""Login throttling (django-axes) and the Content-Security-Policy (django-csp) with the charts intact."""

import re

import pytest

from tests.test_hostile_requests import site  # noqa: F401 - the curated site and its URLs

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.com", "right-password")


def login(client, password, username="admin", ip="10.0.0.1"):
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )  # fmt: skip


def test_thirty_wrong_passwords_then_the_right_one_does_not_log_in(client, admin):
    """The issue's case: 30 wrong passwords, then the right one, logged in."""
    for _ in range(30):
        login(client, "wrong")
    response = login(client, "right-password")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still asks for login


def test_the_limit_is_five_failures(client, admin):
    for _ in range(4):
        assert login(client, "wrong").status_code == 200  # the form again, with its error
    assert login(client, "right-password").status_code == 302  # the fifth attempt may still succeed
    assert "_auth_user_id" in client.session


def test_a_username_is_locked_from_other_addresses_too(client, admin):
    for n in range(5):
        login(client, "wrong", ip=f"10.0.1.{n}")
    assert login(client, "right-password", ip="10.0.2.1").status_code == 429


def test_every_page_has_a_csp_and_no_inline_script(client, site):  # noqa: F811
    for url in site:
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-eval" not in policy.split("style-src")[0], url
        assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
        for tag in re.findall(r"<script\b[^>]*>", response.content.decode()):
            # Code only from our static files; chart data only as json_script (inert JSON).
            assert "src=" in tag or 'type="application/json"' in tag, f"{url}: inline script {tag}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_browser_enforces_the_policy_and_the_charts_still_draw(browser_page):
    """Under the CSP the trace charts draw (plotly from our static files, data from json_script), and an
    inline script slipped into the page is refused by Chromium."""
    from traces.importer import load_example_dataset

    page, console_errors, base_url = browser_page
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    dataset = load_example_dataset().dataset
    response = page.goto(f"{base_url}{dataset.get_absolute_url()}?p95=10000")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector("[data-figure] svg.main-svg", timeout=15000)
    assert page.locator("[data-figure] svg.main-svg").count() >= 6
    assert console_errors == []

    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.pwned = 1';"
        " document.body.appendChild(s); }"
    )
    assert page.evaluate("() => window.pwned") is None
    assert any("Content Security Policy" in error for error in console_errors)
