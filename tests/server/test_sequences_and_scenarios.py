"""Sequences served in order, scenarios moving state, both reset by POST /__mock/reset."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient

from mockserver import Config, create_app


async def _client(aiohttp_client, behaviour_dir: Path) -> TestClient:
    return await aiohttp_client(create_app(Config(fixtures=behaviour_dir)))


async def test_sequence_repeats_its_last_item(aiohttp_client, behaviour_dir: Path) -> None:
    """503, 503, 200, then 200 again; reset starts over."""
    client = await _client(aiohttp_client, behaviour_dir)
    assert [(await client.get("/flaky")).status for _ in range(4)] == [503, 503, 200, 200]
    await client.post("/__mock/reset")
    assert (await client.get("/flaky")).status == 503


async def test_sequence_loops_on_a_stub(aiohttp_client, behaviour_dir: Path) -> None:
    """A stub's looping sequence cycles."""
    client = await _client(aiohttp_client, behaviour_dir)
    resp = await client.post(
        "/__mock/stubs",
        json={
            "endpoint": "resilience.limited",
            "loop": True,
            "sequence": [{"status": 200}, {"status": 500}],
        },
    )
    assert resp.status == 201
    assert [(await client.get("/limited")).status for _ in range(5)] == [200, 500, 200, 500, 200]


async def test_scenario_state_through_control_api(aiohttp_client, behaviour_dir: Path) -> None:
    """GET lists scenarios and states; PUT moves one; reset puts it back to Started."""
    client = await _client(aiohttp_client, behaviour_dir)
    assert await (await client.get("/__mock/scenarios")).json() == {
        "scenarios": {"order": "Started"}
    }
    moved = await client.put("/__mock/scenarios/order", json={"state": "Paid"})
    assert await moved.json() == {"name": "order", "state": "Paid"}
    assert (await (await client.get("/orders/ord_1")).json())["status"] == "paid"
    assert (await client.post("/orders/ord_1/pay")).status == 409
    assert (await client.put("/__mock/scenarios/order", json={"state": ""})).status == 400
    await client.post("/__mock/reset")
    assert (await (await client.get("/orders/ord_1")).json())["status"] == "pending"


async def test_scenario_stub_waits_for_its_state(aiohttp_client, behaviour_dir: Path) -> None:
    """A stub whose scenario state does not hold does not answer; the fixture does."""
    client = await _client(aiohttp_client, behaviour_dir)
    await client.post(
        "/__mock/stubs",
        json={"endpoint": "orders.pay", "scenario": {"name": "order", "state": "Shipped"}},
    )
    await client.post("/orders/ord_1/pay")
    resp = await client.post("/orders/ord_1/pay")
    assert resp.status == 409
