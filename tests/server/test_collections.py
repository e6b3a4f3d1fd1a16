"""Stateful collections over real HTTP: CRUD, pagination, filters, reset, repeatable ids."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from mockserver import Config, create_app


@pytest.fixture
async def notes(aiohttp_client, behaviour_dir: Path) -> TestClient:
    """The notes collection of docs/behaviour.md."""
    return await aiohttp_client(create_app(Config(fixtures=behaviour_dir)))


async def _auth(client: TestClient) -> dict[str, str]:
    resp = await client.post("/token", json={"username": "demo", "password": "secret"})
    return {"Authorization": f"Bearer {(await resp.json())['access_token']}"}


async def test_collection_pagination_and_links(notes: TestClient) -> None:
    """Lists page with page/per_page and say where the next page is."""
    auth = await _auth(notes)
    for i in range(4):
        assert (await notes.post("/notes", json={"title": f"n{i}"}, headers=auth)).status == 201
    page = await (await notes.get("/notes?page=2&per_page=2", headers=auth)).json()
    assert page["meta"] == {"page": 2, "per_page": 2, "total": 5}
    assert [n["title"] for n in page["data"]] == ["n1", "n0"]
    assert page["links"] == {
        "self": "/notes?page=2&per_page=2",
        "next": "/notes?page=3&per_page=2",
        "prev": "/notes?page=1&per_page=2",
    }
    last = await (await notes.get("/notes?page=3&per_page=2", headers=auth)).json()
    assert last["links"]["next"] is None
    assert [n["title"] for n in last["data"]] == ["Kick-off agenda"]


async def test_collection_filters_by_declared_fields(notes: TestClient) -> None:
    """A declared filter keeps records whose field equals the query value."""
    auth = await _auth(notes)
    await notes.post("/notes", json={"title": "Loose"}, headers=auth)
    pinned = await (await notes.get("/notes?pinned=True", headers=auth)).json()
    assert [n["title"] for n in pinned["data"]] == ["Kick-off agenda"]
    assert pinned["links"]["self"] == "/notes?pinned=True&page=1&per_page=20"


async def test_collection_update_merges_and_stamps(notes: TestClient) -> None:
    """PATCH changes the given fields, keeps the rest and refreshes updated_at."""
    auth = await _auth(notes)
    resp = await notes.patch("/notes/note_2k7QxW9mZp4R", json={"pinned": False}, headers=auth)
    assert resp.status == 200
    note = await resp.json()
    assert note["title"] == "Kick-off agenda"
    assert note["pinned"] is False
    assert note["created_at"] == "2025-11-03T09:00:00Z"
    assert note["updated_at"] != "2025-11-03T09:00:00Z"
    bad = await notes.patch("/notes/note_2k7QxW9mZp4R", json={"pinned": 3}, headers=auth)
    assert bad.status == 422
    clash = await notes.post("/notes", json={"title": "Other"}, headers=auth)
    other = (await clash.json())["id"]
    dup = await notes.patch(f"/notes/{other}", json={"title": "Kick-off agenda"}, headers=auth)
    assert dup.status == 409


async def test_collection_unknown_id_and_bad_body(notes: TestClient) -> None:
    """Unknown ids are 404 in the envelope; a non-object body is 422."""
    auth = await _auth(notes)
    missing = await notes.get("/notes/note_nope", headers=auth)
    assert missing.status == 404
    assert await missing.json() == {
        "error": "not_found",
        "error_description": "No note with id note_nope.",
    }
    assert (await notes.delete("/notes/note_nope", headers=auth)).status == 404
    listed = await notes.post("/notes", json=["x"], headers=auth)
    assert listed.status == 422


async def test_collection_ids_repeat_after_reset(notes: TestClient) -> None:
    """Generated ids follow a sequence that starts over on reset: runs are repeatable."""
    auth = await _auth(notes)
    first = (await (await notes.post("/notes", json={"title": "a"}, headers=auth)).json())["id"]
    await notes.post("/__mock/reset")
    auth = await _auth(notes)
    again = (await (await notes.post("/notes", json={"title": "a"}, headers=auth)).json())["id"]
    assert first == again
    assert len(first) == len("note_") + 12
    records = await (await notes.get("/__mock/collections/notes")).json()
    assert [r["id"] for r in records["records"]] == [again, "note_2k7QxW9mZp4R"]
    assert (await (await notes.get("/__mock/collections")).json()) == {"collections": {"notes": 2}}


async def test_collection_defaults_come_from_the_token_user(notes: TestClient) -> None:
    """Templated defaults see the token's user; the viewer cannot write."""
    auth = await _auth(notes)
    note = await (await notes.post("/notes", json={"title": "Mine"}, headers=auth)).json()
    assert note["author_id"] == "usr_2N7kQ4xR8mTb"
    viewer = await notes.post("/token", json={"username": "viewer", "password": "viewer-secret"})
    token = (await viewer.json())["access_token"]
    denied = await notes.post(
        "/notes", json={"title": "x"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert denied.status == 403
