"""Errors as JSON: 404 with suggestions, 405 with Allow."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

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
