"""POST /token and POST /token/renew over real HTTP: JSON, forms, OAuth2, and every refusal."""

from __future__ import annotations

import jwt
import pytest
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


async def test_token_wrong_password_is_401_invalid_grant(client: TestClient) -> None:
    """Wrong credentials: 401, WWW-Authenticate: Bearer, OAuth2 error JSON."""
    resp = await client.post("/token", json={"username": "demo", "password": "nope"})
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"] == 'Bearer realm="coherta"'
    assert resp.headers["Cache-Control"] == "no-store"
    assert await resp.json() == {
        "error": "invalid_grant",
        "error_description": "The username or password is not correct.",
    }


@pytest.mark.parametrize(
    ("kwargs", "description"),
    [
        ({"json": {"username": "demo"}}, "The 'password' field is required"),
        ({"json": {"password": "secret"}}, "The 'username' field is required"),
        ({"json": {"username": "", "password": "secret"}}, "The 'username' field is required"),
        ({"json": ["demo", "secret"]}, "must be an object"),
        ({"data": b"null", "headers": {"Content-Type": "application/json"}}, "not null"),
        ({"json": {"username": 7, "password": "secret"}}, "must be a string, not int"),
        ({"json": {"username": ["demo"], "password": "secret"}}, "must be a string, not list"),
        (
            {"data": b'{"username": "demo",', "headers": {"Content-Type": "application/json"}},
            "not valid JSON",
        ),
        (
            {
                "data": "username=demo&username=x&password=secret",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            },
            "'username' is repeated",
        ),
    ],
    ids=[
        "no-password",
        "no-username",
        "empty-username",
        "json-array",
        "json-null",
        "number",
        "list",
        "malformed-json",
        "repeated-form-field",
    ],
)
async def test_token_malformed_request_is_400_invalid_request(
    client: TestClient, kwargs: dict[str, object], description: str
) -> None:
    """Missing fields, wrong types and unreadable bodies are 400 invalid_request."""
    resp = await client.post("/token", **kwargs)
    assert resp.status == 400
    body = await resp.json()
    assert body["error"] == "invalid_request"
    assert description in body["error_description"]


async def test_token_unknown_grant_type_is_400(client: TestClient) -> None:
    """grant_type other than password is unsupported_grant_type."""
    resp = await client.post(
        "/token",
        data={"grant_type": "client_credentials", "username": "demo", "password": "secret"},
    )
    assert resp.status == 400
    assert (await resp.json())["error"] == "unsupported_grant_type"


async def test_token_scope_beyond_user_is_400_invalid_scope(client: TestClient) -> None:
    """Asking for a scope the user lacks is invalid_scope."""
    resp = await client.post(
        "/token", json={"username": "viewer", "password": "viewer-secret", "scope": "users:write"}
    )
    assert resp.status == 400
    assert (await resp.json())["error"] == "invalid_scope"


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", None])
async def test_token_unsupported_content_type_is_415(
    client: TestClient, content_type: str | None
) -> None:
    """Bodies that are neither JSON nor a form are 415."""
    headers = {"Content-Type": content_type} if content_type else {}
    # Without a Content-Type, aiohttp's client labels a bytes body application/octet-stream.
    resp = await client.post("/token", data=b"username=demo", headers=headers)
    assert resp.status == 415
    body = await resp.json()
    assert body["error"] == "invalid_request"
    assert "application/json" in body["error_description"]


async def test_token_get_is_405_with_allow(client: TestClient) -> None:
    """GET /token is 405 naming POST."""
    resp = await client.get("/token")
    assert resp.status == 405
    assert resp.headers["Allow"] == "POST"
    assert (await resp.json())["error"] == "method_not_allowed"


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
