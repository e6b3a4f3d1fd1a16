"""Request validation: declared fields broken -> 422 listing each problem; can be turned off."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from mockserver import Config, create_app
from tests.conftest import get_token

FIELDS = """format: 1
group: {name: things, title: Things, description: Validation test.}
endpoints:
  - id: things.create
    method: POST
    path: /things/{shelf}
    summary: Create a thing
    auth: open
    request:
      path:
        shelf: {type: integer, description: Shelf number.}
      query:
        dry_run: {type: boolean, description: Only check.}
        mode: {type: string, enum: [fast, safe], description: How.}
      headers:
        X-Tenant: {type: string, required: true, description: Tenant.}
      body:
        name: {type: string, required: true, description: Name.}
        size: {type: integer, description: Size.}
        colour: {type: string, enum: [red, blue], description: Colour.}
        tags: {type: array, description: Tags.}
    responses: [{status: 201, body: {ok: true}}]
  - id: things.loose
    method: POST
    path: /loose
    summary: Not validated
    auth: open
    validate: false
    request:
      body:
        name: {type: string, required: true, description: Name.}
    responses: [{status: 200, body: {ok: true}}]
"""


@pytest.fixture
def things_dir(minimal_dir: Path) -> Path:
    """The minimal fixtures plus a group with declared fields of every kind."""
    (minimal_dir / "things.yaml").write_text(FIELDS)
    return minimal_dir


@pytest.fixture
async def things(aiohttp_client, things_dir: Path) -> TestClient:
    """A client of that fixture set."""
    return await aiohttp_client(create_app(Config(fixtures=things_dir)))


async def test_validation_accepts_a_good_request(things: TestClient) -> None:
    """A request that fits every declared field is answered."""
    resp = await things.post(
        "/things/3?dry_run=true&mode=fast",
        json={"name": "Lamp", "size": 2, "colour": "red", "tags": ["a"]},
        headers={"X-Tenant": "acme"},
    )
    assert resp.status == 201


async def test_validation_lists_every_problem(things: TestClient) -> None:
    """Wrong types, values outside an enum and missing fields: 422 with each problem."""
    resp = await things.post(
        "/things/top?dry_run=maybe&mode=turbo",
        json={"size": "big", "colour": "green", "tags": "a"},
    )
    assert resp.status == 422
    body = await resp.json()
    assert body["error"] == "validation_failed"
    assert body["details"] == [
        {"location": "path", "field": "shelf", "message": "must be an integer, not 'top'"},
        {"location": "query", "field": "dry_run", "message": "must be true or false, not 'maybe'"},
        {
            "location": "query",
            "field": "mode",
            "message": "must be one of 'fast', 'safe', not 'turbo'",
        },
        {"location": "headers", "field": "X-Tenant", "message": "is required"},
        {"location": "body", "field": "name", "message": "is required"},
        {"location": "body", "field": "size", "message": "must be an integer, not string"},
        {
            "location": "body",
            "field": "colour",
            "message": "must be one of 'red', 'blue', not 'green'",
        },
        {"location": "body", "field": "tags", "message": "must be an array, not string"},
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"name": ', "is not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b"", "a JSON object body is required"),
    ],
)
async def test_validation_body_shapes(things: TestClient, data: bytes, message: str) -> None:
    """Malformed JSON, a non-object and a missing body are each named."""
    resp = await things.post(
        "/things/1", data=data, headers={"X-Tenant": "a", "Content-Type": "application/json"}
    )
    assert resp.status == 422
    assert (await resp.json())["details"] == [{"location": "body", "field": "", "message": message}]


async def test_validation_off_per_endpoint(things: TestClient) -> None:
    """validate: false lets anything through to the responses."""
    assert (await things.post("/loose", data=b"{oops")).status == 200


async def test_validation_off_globally(aiohttp_client, things_dir: Path) -> None:
    """--no-validation lets anything through everywhere."""
    client = await aiohttp_client(create_app(Config(fixtures=things_dir, no_validation=True)))
    assert (await client.post("/things/x", json={})).status == 201


async def test_validation_runs_after_the_bearer_guard(shipped_client: TestClient) -> None:
    """Without a token a protected route is 401 whatever the body; with one, 422 on a bad body."""
    assert (await shipped_client.post("/projects", json={"name": 5})).status == 401
    token = await get_token(shipped_client)
    resp = await shipped_client.post(
        "/projects", json={"name": 5}, headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status == 422
    assert (await resp.json())["details"] == [
        {"location": "body", "field": "name", "message": "must be a string, not integer"}
    ]
