"""Protected routes: RFC 6750 challenges for missing, bad and under-scoped tokens."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from mockserver.server.state import STATE
from tests.conftest import get_token


async def test_guard_no_authorization_is_401_plain_challenge(client: TestClient) -> None:
    """No credentials: 401 with a realm and no error code (RFC 6750 §3.1)."""
    resp = await client.get("/widgets/wid_1")
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"] == 'Bearer realm="coherta"'
    body = await resp.json()
    assert body["error"] == "unauthorized"
    assert "Authorization: Bearer" in body["error_description"]


async def test_guard_other_scheme_is_401_plain_challenge(client: TestClient) -> None:
    """Basic credentials on a bearer route: the same plain challenge."""
    resp = await client.get("/widgets/wid_1", headers={"Authorization": "Basic ZGVtbzpzZWNyZXQ="})
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"] == 'Bearer realm="coherta"'
    assert "'Basic' is not accepted" in (await resp.json())["error_description"]


@pytest.mark.parametrize(
    ("value", "description"),
    [
        ("Bearer not.a.jwt", "not a well-formed JWT"),
        ("Bearer ", "no token after 'Bearer'"),
        (
            "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJkZW1vIn0.",
            "signed with 'none'",
        ),
    ],
)
async def test_guard_bad_token_is_401_invalid_token(
    client: TestClient, value: str, description: str
) -> None:
    """A bad token: 401, error="invalid_token" and a description in header and body."""
    resp = await client.get("/widgets/wid_1", headers={"Authorization": value})
    assert resp.status == 401
    challenge = resp.headers["WWW-Authenticate"]
    assert challenge.startswith(
        'Bearer realm="coherta", error="invalid_token", error_description="'
    )
    body = await resp.json()
    assert body["error"] == "invalid_token"
    assert description in body["error_description"]
    assert description in challenge


async def test_guard_expired_token_is_401(client: TestClient) -> None:
    """Moving the mock clock past exp expires the token."""
    token = await get_token(client)
    client.app[STATE].clock.advance(3601)
    resp = await client.get("/widgets/wid_1", headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 401
    assert "expired" in (await resp.json())["error_description"]


async def test_guard_missing_scope_is_403_insufficient_scope(client: TestClient) -> None:
    """A valid token without the route's scope: 403 naming the scope."""
    token = await get_token(client, "viewer", "viewer-secret")
    resp = await client.post(
        "/widgets", json={"name": "x"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status == 403
    assert resp.headers["WWW-Authenticate"].startswith(
        'Bearer realm="coherta", error="insufficient_scope"'
    )
    assert 'scope="projects:write"' in resp.headers["WWW-Authenticate"]
    body = await resp.json()
    assert body["error"] == "insufficient_scope"
    assert body["scope"] == "projects:write"


async def test_guard_open_route_needs_no_token(client: TestClient) -> None:
    """Open routes answer without Authorization."""
    resp = await client.get("/ping")
    assert resp.status == 200
    assert await resp.json() == {"pong": True}
