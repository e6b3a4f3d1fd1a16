"""The portal in real headless Chromium: figures, token form, try-it, search, filters, links."""

from __future__ import annotations

import re
from collections.abc import Iterator

import jwt
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from mockserver import MockServer
from tests.portal.browser import CHROMIUM_ARGS, chromium_path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for this module."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    """The shipped catalog on a background thread."""
    with MockServer() as server:
        yield server


@pytest.fixture
def console_errors() -> list[str]:
    """Console and page errors of the test's page; a test removes the ones it expects."""
    return []


@pytest.fixture
def page(browser: Browser, mock: MockServer, console_errors: list[str]) -> Iterator[Page]:
    """A fresh page; at the end no unexpected console or page error may remain."""
    mock.reset()
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    yield page
    context.close()
    assert console_errors == [], f"console errors: {console_errors}"


def test_browser_overview_figures_equal_fixture_counts(page: Page, mock: MockServer) -> None:
    """The four headline figures are the loaded catalog's."""
    page.goto(f"{mock.url}/")
    assert page.url == f"{mock.url}/docs/"
    totals = mock.state.catalog.totals()
    for key, label in (
        ("endpoints", "Public endpoints"),
        ("protected", "Protected routes"),
        ("open", "Open routes"),
        ("groups", "Reference groups"),
    ):
        expect(page.locator(f'[data-figure="{key}"]')).to_have_text(str(totals[key]))
        expect(page.get_by_text(label, exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Authentication first")).to_be_visible()
    expect(page.get_by_role("heading", name="Separate API reference")).to_be_visible()
    expect(page.locator("#sample-curl")).to_contain_text(f'curl -X POST "{mock.url}/token"')


def test_browser_token_form_fills_header_and_try_it_gets_user(page: Page, mock: MockServer) -> None:
    """demo/secret gets a token, the header is filled, and try-it shows the user."""
    page.goto(f"{mock.url}/docs/")
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill("secret")
    page.get_by_role("button", name="Request token").click()
    expect(page.locator("#token-status")).to_contain_text("Token received")
    header = page.locator("#auth-header")
    expect(header).to_have_text(re.compile(r"^Authorization: Bearer eyJ"))
    token = header.inner_text().removeprefix("Authorization: Bearer ")
    assert mock.state.issuer.verify(token).user.username == "demo"
    assert '"access_token"' in page.locator("#token-response").inner_text()
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("#try-status")).to_have_text("200 OK")
    expect(page.locator("#try-response")).to_contain_text('"username": "demo"')


def test_browser_token_form_sends_form_encoding(page: Page, mock: MockServer) -> None:
    """Choosing form data sends application/x-www-form-urlencoded, which the mock accepts."""
    page.goto(f"{mock.url}/docs/")
    page.get_by_label("Username").fill("viewer")
    page.get_by_label("Password").fill("viewer-secret")
    page.get_by_label("Form data").check()
    page.get_by_role("button", name="Request token").click()
    expect(page.locator("#token-status")).to_contain_text("Token received")
    (call,) = mock.calls("POST", "/token")
    assert call["headers"]["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert call["body"] == {"username": "viewer", "password": "[redacted]"}
    token = jwt.decode(
        page.locator("#auth-header").inner_text().split()[-1], options={"verify_signature": False}
    )
    assert token["sub"] == "viewer"


def test_browser_wrong_password_shows_the_error(
    page: Page, mock: MockServer, console_errors: list[str]
) -> None:
    """A refused token request is shown in the page; the header keeps its placeholder."""
    page.goto(f"{mock.url}/docs/")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Request token").click()
    status = page.locator("#token-status")
    expect(status).to_contain_text("Token request refused: 401 invalid_grant")
    expect(status).to_have_attribute("data-state", "error")
    expect(page.locator("#auth-header")).to_have_text("Authorization: Bearer PASTE_ACCESS_TOKEN")
    # Chromium logs the 401 as a failed resource load: expected here, and the only error.
    assert console_errors == [
        "Failed to load resource: the server responded with a status of 401 (Unauthorized)"
    ]
    console_errors.clear()


def test_browser_unreachable_server_is_reported(browser: Browser) -> None:
    """When the mock stops answering, the form says so instead of failing silently."""
    context = browser.new_context()
    page = context.new_page()
    with MockServer() as short_lived:
        page.goto(f"{short_lived.url}/docs/")
    page.get_by_role("button", name="Request token").click()
    expect(page.locator("#token-status")).to_contain_text("The mock did not answer")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("#try-status")).to_contain_text("The mock did not answer")
    context.close()


def test_browser_copy_button_copies_header(browser: Browser, mock: MockServer) -> None:
    """The copy button puts the ready-to-send header on the clipboard."""
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{mock.url}/docs/")
    page.get_by_role("button", name="Request token").click()
    expect(page.locator("#token-status")).to_contain_text("Token received")
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#copy-status")).to_have_text("Header copied to the clipboard.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#auth-header").inner_text()
    context.close()


def test_browser_reference_search_narrows_to_users_me(page: Page, mock: MockServer) -> None:
    """Searching users/me leaves only routes with that path, GET /users/me among them."""
    page.goto(f"{mock.url}/docs/reference")
    page.get_by_label("Search routes").fill("users/me")
    visible = page.locator(".ref-item:not([hidden])")
    expect(visible.first).to_be_visible()
    ids = visible.evaluate_all("items => items.map(i => i.dataset.id)")
    assert "users.me" in ids
    assert len(ids) <= 3
    paths = visible.locator(".path").all_inner_texts()
    assert all("/users/me" in p for p in paths)
    expect(page.locator("#ref-count")).to_have_text(f"{len(ids)} of 122 endpoints")


def test_browser_reference_filters_open_routes(page: Page, mock: MockServer) -> None:
    """Filtering by open leaves only open routes: all 39 of them."""
    page.goto(f"{mock.url}/docs/reference")
    page.get_by_label("Auth", exact=True).select_option("open")
    visible = page.locator(".ref-item:not([hidden])")
    expect(visible).to_have_count(39)
    auths = set(visible.evaluate_all("items => items.map(i => i.dataset.auth)"))
    assert auths == {"open"}
    page.get_by_label("Method", exact=True).select_option("DELETE")
    expect(page.locator("#ref-empty")).to_be_visible()


def test_browser_reference_deep_link_selects_endpoint(page: Page, mock: MockServer) -> None:
    """#projects.get opens that endpoint with its fields, scopes, cURL and examples."""
    page.goto(f"{mock.url}/docs/reference#projects.get")
    article = page.locator("article.endpoint.selected")
    expect(article).to_have_count(1)
    expect(article).to_have_attribute("id", "projects.get")
    expect(article.get_by_role("heading", level=2)).to_contain_text("/projects/{project_id}")
    expect(article.locator("table.fields tbody tr").first).to_contain_text("project_id")
    expect(article.locator(".scope")).to_have_text("projects:read")
    expect(article.locator("code.curl")).to_contain_text('-H "Authorization: Bearer $TOKEN"')
    expect(article.locator(".example figcaption").first).to_contain_text("404")
    link = page.locator('.ref-item[data-id="projects.get"] a')
    expect(link).to_have_attribute("aria-current", "true")
    page.locator('.ref-item[data-id="users.me"] a').click()
    expect(page.locator("article.endpoint.selected")).to_have_attribute("id", "users.me")


def test_browser_every_control_has_a_label(page: Page, mock: MockServer) -> None:
    """Inputs, selects and buttons have accessible names on both pages."""
    for path in ("/docs/", "/docs/reference"):
        page.goto(f"{mock.url}{path}")
        unnamed = page.evaluate(
            """() => Array.from(document.querySelectorAll('input, select, button'))
                .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                              && !(el.tagName === 'BUTTON' && el.textContent.trim()))
                .map(el => el.outerHTML)"""
        )
        assert unnamed == []
        assert page.locator("h1").count() == 1


@pytest.mark.parametrize("path", ["/docs/", "/docs/reference#users.me"])
def test_browser_narrow_screen_has_no_sideways_scroll(
    browser: Browser, mock: MockServer, path: str
) -> None:
    """At phone width the pages reflow instead of scrolling sideways."""
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{mock.url}{path}")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    context.close()


def test_browser_screenshot_script_writes_four_pictures(tmp_path) -> None:
    """docs/screenshots.py (make screenshots) produces desktop and narrow PNGs of both pages."""
    import struct
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "docs" / "screenshots.py"
    result = subprocess.run(
        [sys.executable, str(script), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    sizes = {}
    for png in sorted(tmp_path.glob("*.png")):
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        sizes[png.name] = struct.unpack(">II", data[16:24])
    assert sizes == {
        "portal-overview-desktop.png": (1366, 900),
        "portal-overview-narrow.png": (390, 844),
        "portal-reference-desktop.png": (1366, 900),
        "portal-reference-narrow.png": (390, 844),
    }
