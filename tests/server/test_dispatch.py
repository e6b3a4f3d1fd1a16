"""Errors as JSON: 404 with suggestions, 405 with Allow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from mockserver import Config, create_app
from mockserver.server.dispatch import suggest_routes


async def test_unknown_path_is_404_with_did_you_mean(client: TestClient) -> None:
    """A near-miss path lists the closest routes."""
    resp = await client.get("/widgetz/wid_1")
    assert resp.status == 404
    body = await resp.json()
    assert body["error"] == "not_found"
    assert body["error_description"] == "No route matches GET /widgetz/wid_1."
    assert body["did_you_mean"][0] in {"GET /widgets/{widget_id}", "DELETE /widgets/{widget_id}"}


async def test_known_path_other_method_is_405_with_allow(client: TestClient) -> None:
    """PUT on a GET/DELETE route: 405 with Allow."""
    resp = await client.put("/widgets/wid_1")
    assert resp.status == 405
    assert set(resp.headers["Allow"].split(",")) == {"GET", "DELETE"}
    assert (await resp.json())["error"] == "method_not_allowed"


def test_suggest_routes_ignores_parameter_values() -> None:
    """Ids in the request do not count against a parameterised route."""
    routes = (("GET", "/users/me"), ("GET", "/users/{user_id}"), ("GET", "/projects"))
    assert suggest_routes("/user/usr_123", routes)[0] == "GET /users/{user_id}"
    assert suggest_routes("/zzzzzzzzzz/qqqq/xxxx", routes) == []


async def test_wrong_method_on_the_mocks_own_pages_is_405_with_allow(client: TestClient) -> None:
    """The control API and /openapi.json answer a wrong method like catalog routes do."""
    resp = await client.get("/__mock/reset")
    assert resp.status == 405
    assert resp.headers["Allow"] == "POST"
    assert (await resp.json())["error"] == "method_not_allowed"
    resp = await client.delete("/openapi.json")
    assert resp.status == 405
    assert set(resp.headers["Allow"].split(",")) == {"GET", "HEAD"}


async def test_unknown_pages_under_the_mocks_prefixes_are_json_404s(client: TestClient) -> None:
    """/__mock/ and /docs/ paths that do not exist get the JSON 404 and stay out of the journal."""
    for path in ("/__mock/nope", "/docs/nope"):
        resp = await client.get(path)
        assert resp.status == 404, path
        assert (await resp.json())["error"] == "not_found"
    journal = await (await client.get("/__mock/requests")).json()
    assert journal["count"] == 0


async def test_catalog_paths_that_only_start_like_the_mocks_pages_are_journaled(
    aiohttp_client: Any, write_fixture: Callable[[str, str], Path], minimal_dir: Path
) -> None:
    """/docs-search is a catalog route like any other: journaled, subject to chaos."""
    write_fixture(
        "search.yaml",
        "format: 1\n"
        "group: {name: search, title: Search, description: Docs search.}\n"
        "endpoints:\n"
        "  - {id: search.docs, method: GET, path: /docs-search, summary: Search, auth: open,\n"
        "     responses: [{body: {hits: 0}}]}\n",
    )
    client = await aiohttp_client(create_app(Config(fixtures=minimal_dir)))
    resp = await client.get("/docs-search")
    assert await resp.json() == {"hits": 0}
    journal = await (await client.get("/__mock/requests")).json()
    assert [(e["path"], e["endpoint"]) for e in journal["requests"]] == [
        ("/docs-search", "search.docs")
    ]
