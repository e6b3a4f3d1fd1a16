"""The portal over plain HTTP: pages, figures, samples, escaping and static files."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

from aiohttp.test_utils import TestClient

from mockserver import Config, create_app
from tests.conftest import MINIMAL


async def test_portal_root_redirects_to_overview(shipped_client: TestClient) -> None:
    """/ and /docs redirect to /docs/."""
    for path in ("/", "/docs"):
        resp = await shipped_client.get(path, allow_redirects=False)
        assert resp.status == 302
        assert resp.headers["Location"] == "/docs/"


async def test_portal_overview_shows_catalog_figures(shipped_client: TestClient) -> None:
    """The headline figures are computed from the loaded fixtures."""
    resp = await shipped_client.get("/docs/")
    assert resp.status == 200
    assert resp.content_type == "text/html"
    page = await resp.text()
    figures = dict(re.findall(r'data-figure="(\w+)">(\d+)<', page))
    assert figures == {"endpoints": "122", "protected": "83", "open": "39", "groups": "34"}


async def test_portal_overview_figures_follow_other_fixtures(client: TestClient) -> None:
    """Another fixture set shows its own figures."""
    page = await (await client.get("/docs/")).text()
    assert dict(re.findall(r'data-figure="(\w+)">(\d+)<', page)) == {
        "endpoints": "7",
        "protected": "3",
        "open": "4",
        "groups": "1",
    }


async def test_portal_samples_use_the_url_the_browser_used(shipped_client: TestClient) -> None:
    """The cURL and JavaScript samples point at the mock's own base URL."""
    page = html.unescape(await (await shipped_client.get("/docs/")).text())
    base = str(shipped_client.make_url("")).rstrip("/")
    assert f'curl -X POST "{base}/token"' in page
    assert f'await fetch("{base}/users/me"' in page


async def test_portal_samples_follow_public_url(aiohttp_client) -> None:
    """With --public-url, the samples use it instead of the request's host."""
    app = create_app(Config(fixtures=MINIMAL, public_url="http://coherta:8080/"))
    client = await aiohttp_client(app)
    page = html.unescape(await (await client.get("/docs/")).text())
    assert 'curl -X POST "http://coherta:8080/token"' in page
    reference = html.unescape(await (await client.get("/docs/reference")).text())
    assert "curl -X GET http://coherta:8080/widgets/wid_1" in reference


async def test_portal_reference_lists_every_endpoint(shipped_client: TestClient) -> None:
    """The reference has one nav item and one article per endpoint, with cURL samples."""
    page = await (await shipped_client.get("/docs/reference")).text()
    assert len(re.findall(r'<li class="ref-item"', page)) == 122
    assert len(re.findall(r'<article class="endpoint"', page)) == 122
    assert len(re.findall(r'data-auth="open"', page)) == 39
    article = page.split('<article class="endpoint" id="users.me"')[1].split("</article>")[0]
    assert "Authorization: Bearer $TOKEN" in html.unescape(article)
    assert "users:read" in article


async def test_portal_escapes_fixture_text(minimal_dir: Path, aiohttp_client) -> None:
    """Text from fixtures is HTML-escaped, never run as markup."""
    widgets = minimal_dir / "widgets.yaml"
    widgets.write_text(
        widgets.read_text().replace(
            "summary: An open, static route", 'summary: "<script>alert(1)</script>"'
        )
    )
    client = await aiohttp_client(create_app(Config(fixtures=minimal_dir)))
    page = await (await client.get("/docs/reference")).text()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


async def test_portal_static_files_are_served(shipped_client: TestClient) -> None:
    """CSS and JavaScript are shipped in the package, served with their types."""
    css = await shipped_client.get("/docs/static/portal.css")
    assert css.status == 200
    assert css.content_type == "text/css"
    js = await shipped_client.get("/docs/static/reference.js")
    assert js.content_type == "text/javascript"


async def test_portal_requests_are_not_journaled(shipped_client: TestClient) -> None:
    """Portal pages are the mock's own, not part of the catalog journal."""
    await shipped_client.get("/docs/")
    await shipped_client.get("/docs/static/portal.css")
    body = await (await shipped_client.get("/__mock/requests")).json()
    assert body["count"] == 0


def test_portal_files_ship_in_the_package() -> None:
    """Templates and static files live inside the package (no CDN, no build step)."""
    root = Path(__file__).resolve().parents[2] / "mockserver" / "portal"
    assert {p.name for p in (root / "templates").iterdir()} >= {
        "base.html",
        "overview.html",
        "reference.html",
    }
    assert {p.name for p in (root / "static").iterdir()} >= {
        "portal.css",
        "overview.js",
        "reference.js",
    }
    for page in (root / "templates").glob("*.html"):
        assert "http://" not in page.read_text().replace("http://127", "")
        assert "https://" not in page.read_text()
    assert shutil.which("chromium") or Path("/usr/bin/chromium").exists()


async def test_portal_page_cache_stays_bounded(shipped_client: TestClient) -> None:
    """Pages are kept per base URL, but many Host headers cannot grow the cache without bound."""
    from mockserver.portal import views

    for i in range(80):
        resp = await shipped_client.get("/docs/", headers={"Host": f"host{i}.example:8080"})
        assert resp.status == 200
        assert f"http://host{i}.example:8080/token" in await resp.text()
    assert len(shipped_client.app[views._PAGES]) <= views._MAX_CACHED_PAGES
