"""Catalog endpoints: the first matching variant answers, rendered with the request's values."""

from __future__ import annotations

from datetime import datetime

from aiohttp.test_utils import TestClient

from mockserver.server.state import STATE
from tests.conftest import get_token


async def _auth(
    client: TestClient, username: str = "demo", password: str = "secret"
) -> dict[str, str]:
    return {"Authorization": f"Bearer {await get_token(client, username, password)}"}


async def test_endpoint_default_variant_with_templates(client: TestClient) -> None:
    """Without a matching condition the default answers, path parameter templated."""
    resp = await client.get("/widgets/wid_7", headers=await _auth(client))
    assert resp.status == 200
    assert resp.headers["X-Static"] == "yes"
    assert resp.content_type == "application/json"
    assert await resp.json() == {"id": "wid_7", "verbose": False}


async def test_endpoint_when_on_path_selects_error_variant(client: TestClient) -> None:
    """The reserved id picks the 404 variant."""
    resp = await client.get("/widgets/wid_missing", headers=await _auth(client))
    assert resp.status == 404
    assert await resp.json() == {
        "error": "not_found",
        "error_description": "No widget with id wid_missing.",
    }


async def test_endpoint_when_on_query_renders_typed_values(client: TestClient) -> None:
    """Typed leaves, token claims and the token's user reach the body; header templated."""
    resp = await client.get("/widgets/wid_42?verbose=true", headers=await _auth(client))
    assert resp.status == 200
    assert resp.headers["X-Widget"] == "wid_42"
    body = await resp.json()
    assert body == {
        "id": "wid_42",
        "number": 42,
        "owner": "demo",
        "scopes": 30,
        "label": "Widget wid_42 for Dana Demo",
        "verbose": True,
    }


async def test_endpoint_when_on_body_and_body_templates(client: TestClient) -> None:
    """A JSON-body subset selects the 409; otherwise the body is echoed with the mock's time."""
    headers = await _auth(client)
    conflict = await client.post("/widgets", json={"name": "taken"}, headers=headers)
    assert conflict.status == 409
    created = await client.post("/widgets", json={"name": "Sprocket", "size": 3}, headers=headers)
    assert created.status == 201
    assert created.headers["Location"] == "/widgets/wid_new"
    body = await created.json()
    assert body["name"] == "Sprocket"
    assert body["size"] == 3
    now = client.app[STATE].clock.now()
    created = datetime.fromisoformat(body["created_at"]).timestamp()
    expires = datetime.fromisoformat(body["expires_at"]).timestamp()
    assert abs(created - now) <= 2
    assert expires - created == 60


async def test_endpoint_text_body(client: TestClient) -> None:
    """A string body is text/plain, templated."""
    resp = await client.get("/widgets/w9/label")
    assert resp.status == 200
    assert resp.content_type == "text/plain"
    assert await resp.text() == "Label of w9\n"


async def test_endpoint_body_file(client: TestClient) -> None:
    """body_file is served as it is, with a type guessed from its name."""
    resp = await client.get("/widgets/manual")
    assert resp.status == 200
    assert resp.content_type == "text/plain"
    assert await resp.text() == "The widget manual.\n"


async def test_endpoint_no_content(client: TestClient) -> None:
    """A 204 has no body and no content type."""
    resp = await client.delete("/widgets/wid_1", headers=await _auth(client))
    assert resp.status == 204
    assert await resp.read() == b""
    assert "Content-Type" not in resp.headers


async def test_endpoint_no_matching_variant_explains_near_misses(client: TestClient) -> None:
    """Without a default, a miss is a 404 that lists each variant's differences."""
    resp = await client.get("/headers?q=123", headers={"X-Mode": "turbo"})
    assert resp.status == 404
    body = await resp.json()
    assert body["error"] == "no_matching_response"
    (miss,) = body["near_misses"]
    assert miss["differences"] == [
        "query q is '123', expected a match for /[a-z]+/",
        "header X-Mode is 'turbo', expected one of ['fast', 'slow']",
    ]
    hit = await client.get("/headers?q=abc", headers={"X-Mode": "fast"})
    assert await hit.json() == {"mode": "fast", "q": "abc"}


async def test_endpoint_users_me_returns_token_user(shipped_client: TestClient) -> None:
    """GET /users/me answers with the token's user from auth.yaml, as JSON."""
    for username, password in (("demo", "secret"), ("viewer", "viewer-secret")):
        resp = await shipped_client.get(
            "/users/me", headers=await _auth(shipped_client, username, password)
        )
        assert resp.status == 200
        assert resp.content_type == "application/json"
        user = shipped_client.app[STATE].catalog.auth.user(username)
        assert user is not None
        assert await resp.json() == dict(user.profile)


async def test_endpoint_templated_header_cannot_inject(client: TestClient) -> None:
    """Request data rendered into a header has its control characters percent-encoded."""
    resp = await client.get("/widgets/a%0D%0AX-Evil:%201?verbose=true", headers=await _auth(client))
    assert resp.status == 200
    assert resp.headers["X-Widget"] == "a%0D%0AX-Evil: 1"
    assert "X-Evil" not in resp.headers
