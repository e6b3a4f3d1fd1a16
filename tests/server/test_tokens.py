"""POST /token and POST /token/renew over real HTTP: JSON, forms, OAuth2, and every refusal."""

from __future__ import annotations

import jwt
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from mockserver.server.state import STATE
from tests.conftest import get_token

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


async def _assert_grant(resp, username: str = "demo") -> str:
    assert resp.status == 200, await resp.text()
    for name, value in NO_STORE.items():
        assert resp.headers[name] == value
    body = await resp.json()
    assert body["token_type"] == "bearer"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert body["expires_in"] == claims["exp"] - claims["iat"]
    assert claims["sub"] == username
    token: str = body["access_token"]
    return token


async def test_token_accepts_json(client: TestClient) -> None:
    """The portal's cURL request: a JSON body."""
    resp = await client.post("/token", json={"username": "demo", "password": "secret"})
    await _assert_grant(resp)


async def test_token_accepts_urlencoded_form(client: TestClient) -> None:
    """Form data works like JSON."""
    resp = await client.post("/token", data={"username": "demo", "password": "secret"})
    await _assert_grant(resp)


async def test_token_accepts_multipart_form(client: TestClient) -> None:
    """multipart/form-data works too."""
    form = FormData()
    form.add_field("username", "viewer")
    form.add_field("password", "viewer-secret")
    form._is_multipart = True  # force multipart encoding for plain fields
    resp = await client.post("/token", data=form)
    await _assert_grant(resp, "viewer")


async def test_token_accepts_oauth2_password_grant(client: TestClient) -> None:
    """What OAuth2 client libraries send: grant_type=password, client_id and scope."""
    resp = await client.post(
        "/token",
        data={
            "grant_type": "password",
            "username": "demo",
            "password": "secret",
            "scope": "users:read",
            "client_id": "my-app",
        },
    )
    await _assert_grant(resp)
    assert (await resp.json())["scope"] == "users:read"


async def test_renew_returns_fresh_token_for_expired_one(client: TestClient) -> None:
    """An expired token renews; the new token unlocks protected routes."""
    token = await get_token(client)
    client.app[STATE].clock.advance(3600 + 5)
    expired = await client.get("/widgets/wid_1", headers={"Authorization": f"Bearer {token}"})
    assert expired.status == 401
    resp = await client.post("/token/renew", headers={"Authorization": f"Bearer {token}"})
    renewed = await _assert_grant(resp)
    assert renewed != token
    ok = await client.get("/widgets/wid_1", headers={"Authorization": f"Bearer {renewed}"})
    assert ok.status == 200


async def test_renew_refuses_token_past_renewal_window(client: TestClient) -> None:
    """Too long after expiry: 401 invalid_token telling the user to log in again."""
    token = await get_token(client)
    client.app[STATE].clock.advance(3600 + 86400 + 1)
    resp = await client.post("/token/renew", headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"].startswith(
        'Bearer realm="coherta", error="invalid_token"'
    )
    assert "request a new one from POST /token" in (await resp.json())["error_description"]


async def test_renew_refuses_tampered_token(client: TestClient) -> None:
    """A token with a changed signature cannot be renewed."""
    token = await get_token(client)
    resp = await client.post("/token/renew", headers={"Authorization": f"Bearer {token[:-2]}xx"})
    assert resp.status == 401
    assert (await resp.json())["error"] == "invalid_token"


async def test_renew_without_token_is_401_challenge(client: TestClient) -> None:
    """No Authorization header: a plain Bearer challenge."""
    resp = await client.post("/token/renew")
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"] == 'Bearer realm="coherta"'
    assert resp.headers["Cache-Control"] == "no-store"


async def test_jwks_is_empty_for_hmac(client: TestClient) -> None:
    """An HS256 issuer publishes no public keys."""
    resp = await client.get("/.well-known/jwks.json")
    assert resp.status == 200
    assert await resp.json() == {"keys": []}
