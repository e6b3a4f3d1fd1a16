"""Flows across the shipped catalog's stateful entities, with the demo user's token."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.conftest import get_token


async def test_shipped_project_create_read_list_update_delete(shipped_client: TestClient) -> None:
    """A project created through the API is read back, listed, updated, deleted, then 404."""
    auth = {"Authorization": f"Bearer {await get_token(shipped_client)}"}
    created = await shipped_client.post(
        "/projects", json={"name": "Partner portal", "visibility": "private"}, headers=auth
    )
    assert created.status == 201
    project = await created.json()
    assert project["id"].startswith("prj_")
    assert project["owner_id"] == "usr_2N7kQ4xR8mTb"
    assert project["status"] == "active"
    assert created.headers["Location"] == f"/projects/{project['id']}"
    got = await shipped_client.get(f"/projects/{project['id']}", headers=auth)
    assert await got.json() == project
    listed = await (await shipped_client.get("/projects", headers=auth)).json()
    assert listed["data"][0]["id"] == project["id"]
    assert listed["meta"]["total"] == 4
    patched = await shipped_client.patch(
        f"/projects/{project['id']}", json={"name": "Partner portal v2"}, headers=auth
    )
    assert (await patched.json())["name"] == "Partner portal v2"
    assert (await shipped_client.delete(f"/projects/{project['id']}", headers=auth)).status == 204
    gone = await shipped_client.get(f"/projects/{project['id']}", headers=auth)
    assert gone.status == 404
    assert (await gone.json())["error"] == "not_found"


async def test_shipped_task_lives_under_its_project(shipped_client: TestClient) -> None:
    """A task created under one project is listed there and not under another."""
    auth = {"Authorization": f"Bearer {await get_token(shipped_client)}"}
    created = await shipped_client.post(
        "/projects/prj_V7iB3m03nbqn/tasks", json={"title": "Invite pilot customers"}, headers=auth
    )
    assert created.status == 201
    task = await created.json()
    assert task["project_id"] == "prj_V7iB3m03nbqn"
    mine = await (await shipped_client.get("/projects/prj_V7iB3m03nbqn/tasks", headers=auth)).json()
    other = await (
        await shipped_client.get("/projects/prj_8fK2LmQ9wXe4/tasks", headers=auth)
    ).json()
    assert task["id"] in [t["id"] for t in mine["data"]]
    assert task["id"] not in [t["id"] for t in other["data"]]


async def test_shipped_state_resets(shipped_client: TestClient) -> None:
    """POST /__mock/reset brings the seeded projects back."""
    auth = {"Authorization": f"Bearer {await get_token(shipped_client)}"}
    assert (await shipped_client.delete("/projects/prj_8fK2LmQ9wXe4", headers=auth)).status == 204
    await shipped_client.post("/__mock/reset")
    auth = {"Authorization": f"Bearer {await get_token(shipped_client)}"}
    assert (await shipped_client.get("/projects/prj_8fK2LmQ9wXe4", headers=auth)).status == 200
