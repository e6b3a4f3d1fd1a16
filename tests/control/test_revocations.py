"""Revoking a user through the control API: tokens, renewals and logins are refused."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.conftest import get_token


async def test_revoked_user_tokens_get_invalid_token(client: TestClient) -> None:
    """A revoked user's (cached) token, renewal and login are refused until restored."""
    token = await get_token(client)
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/widgets/wid_1", headers=bearer)).status == 200
    resp = await client.post("/__mock/revocations", json={"username": "demo"})
    assert resp.status == 201
    assert await resp.json() == {"revoked": ["demo"]}
    refused = await client.get("/widgets/wid_1", headers=bearer)
    assert refused.status == 401
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    assert (await client.post("/token/renew", headers=bearer)).status == 401
    login = await client.post("/token", json={"username": "demo", "password": "secret"})
    assert (await login.json())["error_description"] == "The user 'demo' has been revoked."
    assert (await (await client.get("/__mock/revocations")).json()) == {"revoked": ["demo"]}
    assert (await client.delete("/__mock/revocations/demo")).status == 204
    assert (await client.get("/widgets/wid_1", headers=bearer)).status == 200
    assert (await client.delete("/__mock/revocations/demo")).status == 404


async def test_revoking_unknown_user_is_400(client: TestClient) -> None:
    """Only users of auth.yaml can be revoked."""
    resp = await client.post("/__mock/revocations", json={"username": "ghost"})
    assert resp.status == 400
    assert "Unknown user 'ghost'" in (await resp.json())["error_description"]
    assert (await client.post("/__mock/revocations", json={"user": "demo"})).status == 400


async def test_renewal_refused_by_stub_on_builtin_route(client: TestClient) -> None:
    """The built-in renewal route takes runtime stubs (builtin.token_renew)."""
    token = await get_token(client)
    resp = await client.post(
        "/__mock/stubs",
        json={
            "endpoint": "builtin.token_renew",
            "status": 401,
            "body": {"error": "invalid_grant", "error_description": "Session ended."},
            "times": 1,
        },
    )
    assert resp.status == 201
    bearer = {"Authorization": f"Bearer {token}"}
    refused = await client.post("/token/renew", headers=bearer)
    assert refused.status == 401
    assert (await refused.json())["error_description"] == "Session ended."
    assert (await client.post("/token/renew", headers=bearer)).status == 200
