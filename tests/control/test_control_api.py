"""The /__mock/ control API over real HTTP: reset, journal, stubs, clock, routes, access."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from aiohttp.typedefs import Handler

from mockserver import Config, create_app
from mockserver.server.state import STATE
from tests.conftest import MINIMAL, get_token


async def _auth(client: TestClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {await get_token(client)}"}


async def test_control_health_reports_totals(client: TestClient) -> None:
    """Health says ok with the catalog's figures."""
    resp = await client.get("/__mock/health")
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "ok"
    assert (body["endpoints"], body["protected"], body["open"], body["groups"]) == (7, 3, 4, 1)


async def test_control_journal_records_requests_with_secrets_masked(client: TestClient) -> None:
    """Each request is journaled: endpoint, status, query, headers and body; secrets masked."""
    token = await get_token(client)
    await client.get("/widgets/wid_1?verbose=true", headers={"Authorization": f"Bearer {token}"})
    await client.post("/widgets", json={"name": "Sprocket"}, headers={"X-Trace": "t1"})
    entries = (await (await client.get("/__mock/requests")).json())["requests"]
    token_call, widget, create = entries
    assert token_call["endpoint"] == "builtin.token"
    assert token_call["body"] == {"username": "demo", "password": "[redacted]"}
    assert widget["method"] == "GET"
    assert widget["path"] == "/widgets/wid_1"
    assert widget["query"] == {"verbose": "true"}
    assert widget["endpoint"] == "widgets.get"
    assert widget["status"] == 200
    assert widget["headers"]["Authorization"] == "Bearer [redacted]"
    assert create["status"] == 401
    assert create["body"] == {"name": "Sprocket"}
    assert create["headers"]["X-Trace"] == "t1"
    assert token not in str(entries)
    assert "secret" not in str(entries).replace("[redacted]", "")


async def test_control_journal_is_bounded(aiohttp_client) -> None:
    """Past its size the journal drops the oldest entries; memory stays flat."""
    client = await aiohttp_client(create_app(Config(fixtures=MINIMAL, journal_size=5)))
    for i in range(40):
        await client.get(f"/ping?i={i}")
    body = await (await client.get("/__mock/requests")).json()
    assert body["count"] == 5
    assert body["limit"] == 5
    assert [e["query"]["i"] for e in body["requests"]] == ["35", "36", "37", "38", "39"]


async def test_control_unmatched_lists_near_misses(client: TestClient) -> None:
    """Requests no endpoint matched are listed with the closest routes."""
    await client.get("/pign")
    await client.get("/ping")
    body = await (await client.get("/__mock/requests/unmatched")).json()
    (entry,) = body["requests"]
    assert entry["path"] == "/pign"
    assert entry["endpoint"] is None
    assert entry["status"] == 404
    assert entry["near_misses"][0] == "GET /ping"


async def test_control_delete_requests_clears_journal(client: TestClient) -> None:
    """DELETE /__mock/requests empties the journal."""
    await client.get("/ping")
    assert (await client.delete("/__mock/requests")).status == 204
    assert (await (await client.get("/__mock/requests")).json())["count"] == 0


async def test_control_stub_overrides_then_expires(client: TestClient) -> None:
    """A stub for the next 2 calls answers twice, then the fixture answers again."""
    resp = await client.post(
        "/__mock/stubs",
        json={
            "endpoint": "widgets.ping",
            "status": 503,
            "body": {"error": "unavailable"},
            "times": 2,
        },
    )
    assert resp.status == 201
    stub_id = (await resp.json())["id"]
    assert resp.headers["Location"] == f"/__mock/stubs/{stub_id}"
    assert [(await client.get("/ping")).status for _ in range(3)] == [503, 503, 200]
    entries = (await (await client.get("/__mock/requests")).json())["requests"]
    assert [e["stub"] for e in entries] == [stub_id, stub_id, None]
    assert (await (await client.get("/__mock/stubs")).json())["stubs"] == []


async def test_control_stub_by_concrete_path_matches_that_id_only(client: TestClient) -> None:
    """method + concrete path targets the endpoint and adds the path parameters as conditions."""
    headers = await _auth(client)
    resp = await client.post(
        "/__mock/stubs",
        json={"method": "GET", "path": "/widgets/wid_9", "body": {"id": "wid_9", "stubbed": True}},
    )
    assert resp.status == 201
    stubbed = await client.get("/widgets/wid_9", headers=headers)
    assert await stubbed.json() == {"id": "wid_9", "stubbed": True}
    other = await client.get("/widgets/wid_8", headers=headers)
    assert await other.json() == {"id": "wid_8", "verbose": False}


async def test_control_stub_keeps_the_bearer_guard(client: TestClient) -> None:
    """A stub overrides the answer, not the authentication."""
    await client.post("/__mock/stubs", json={"endpoint": "widgets.get", "status": 418})
    assert (await client.get("/widgets/wid_1")).status == 401
    assert (await client.get("/widgets/wid_1", headers=await _auth(client))).status == 418


async def test_control_stub_with_conditions_and_templates(client: TestClient) -> None:
    """Stubs use the fixture model: when-conditions and templates work the same."""
    await client.post(
        "/__mock/stubs",
        json={
            "endpoint": "widgets.create",
            "when": {"body": {"name": "boom"}},
            "status": 422,
            "body": {"error": "validation_failed", "error_description": "{{ body.name }} is bad"},
        },
    )
    headers = await _auth(client)
    bad = await client.post("/widgets", json={"name": "boom"}, headers=headers)
    assert bad.status == 422
    assert (await bad.json())["error_description"] == "boom is bad"
    good = await client.post("/widgets", json={"name": "fine"}, headers=headers)
    assert good.status == 201


async def test_control_delete_stub(client: TestClient) -> None:
    """A deleted stub stops answering; deleting it again is 404."""
    stub = await (
        await client.post("/__mock/stubs", json={"endpoint": "widgets.ping", "status": 500})
    ).json()
    assert (await client.get("/ping")).status == 500
    assert (await client.delete(f"/__mock/stubs/{stub['id']}")).status == 204
    assert (await client.get("/ping")).status == 200
    assert (await client.delete(f"/__mock/stubs/{stub['id']}")).status == 404


async def test_control_clock_advance_expires_token_and_renew_works(client: TestClient) -> None:
    """Advancing the clock expires a token (401); /token/renew then gives a working one."""
    token = await get_token(client)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/widgets/wid_1", headers=headers)).status == 200
    resp = await client.post("/__mock/clock", json={"advance": 3600})
    assert resp.status == 200
    assert (await client.get("/widgets/wid_1", headers=headers)).status == 401
    renewed = await client.post("/token/renew", headers=headers)
    assert renewed.status == 200
    fresh = (await renewed.json())["access_token"]
    assert (
        await client.get("/widgets/wid_1", headers={"Authorization": f"Bearer {fresh}"})
    ).status == 200


async def test_control_clock_set_moves_issue_time(client: TestClient) -> None:
    """Setting the clock makes new tokens carry that time."""
    resp = await client.post("/__mock/clock", json={"set": "2030-01-01T00:00:00Z"})
    assert (await resp.json())["now"].startswith("2030-01-01T00:00:0")
    reading = await (await client.get("/__mock/clock")).json()
    assert reading["now"].startswith("2030-01-01T00:00:")
    assert reading["offset_seconds"] > 0


async def test_control_reset_clears_journal_stubs_and_clock(client: TestClient) -> None:
    """POST /__mock/reset puts everything back."""
    await client.post("/__mock/stubs", json={"endpoint": "widgets.ping", "status": 500})
    await client.post("/__mock/clock", json={"advance": 10_000})
    await client.get("/ping")
    assert (await client.post("/__mock/reset")).status == 200
    state = client.app[STATE]
    assert len(state.journal) == 0
    assert state.stubs.describe() == []
    assert (await (await client.get("/__mock/clock")).json())["offset_seconds"] == pytest.approx(
        0, abs=1
    )
    assert (await client.get("/ping")).status == 200


async def test_control_routes_lists_catalog(client: TestClient) -> None:
    """GET /__mock/routes is the loaded catalog with totals."""
    body = await (await client.get("/__mock/routes")).json()
    assert body["totals"] == {"endpoints": 7, "protected": 3, "open": 4, "groups": 1}
    assert body["routes"][0]["id"] == "widgets.ping"


def _as_remote(address: str):
    @web.middleware
    async def from_address(request: web.Request, handler: Handler) -> web.StreamResponse:
        # aiohttp's documented way for proxies to set the peer: clone with another remote.
        return await handler(request.clone(remote=address))

    return from_address


async def test_control_refuses_non_loopback_caller_without_key(aiohttp_client) -> None:
    """A caller from another host gets 403 on the control API, but health stays open."""
    app = create_app(Config(fixtures=MINIMAL))
    app.middlewares.insert(0, _as_remote("203.0.113.7"))
    client = await aiohttp_client(app)
    resp = await client.post("/__mock/reset")
    assert resp.status == 403
    assert (await resp.json())["error"] == "control_forbidden"
    assert (await client.get("/__mock/health")).status == 200
    assert (await client.get("/ping")).status == 200


async def test_control_key_is_demanded_from_every_caller(aiohttp_client) -> None:
    """With a control key, loopback callers need it too, and it opens the API to others."""
    app = create_app(Config(fixtures=MINIMAL, control_key="s3cret-key"))
    app.middlewares.insert(0, _as_remote("203.0.113.7"))
    client = await aiohttp_client(app)
    assert (await client.get("/__mock/requests")).status == 401
    wrong = await client.get("/__mock/requests", headers={"X-Mock-Control-Key": "nope"})
    assert wrong.status == 401
    assert (await wrong.json())["error"] == "control_key_required"
    ok = await client.get("/__mock/requests", headers={"X-Mock-Control-Key": "s3cret-key"})
    assert ok.status == 200
    local = await aiohttp_client(create_app(Config(fixtures=MINIMAL, control_key="s3cret-key")))
    assert (await local.post("/__mock/reset")).status == 401


def test_is_loopback_accepts_only_loopback() -> None:
    """127/8, ::1 and mapped loopback are loopback; others and garbage are not."""
    from mockserver.control.api import is_loopback

    assert all(map(is_loopback, ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"]))
    assert not any(map(is_loopback, ["10.0.0.1", "203.0.113.7", "::ffff:10.0.0.1", "", None, "x"]))
