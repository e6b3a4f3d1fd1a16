"""GET /openapi.json: a valid OpenAPI 3.1 document of the loaded catalog."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate

from mockserver import Config, create_app
from tests.conftest import MINIMAL


async def test_openapi_document_is_valid_and_complete(shipped_client: TestClient) -> None:
    """The shipped catalog's document validates and has every operation, tag and scheme."""
    resp = await shipped_client.get("/openapi.json")
    assert resp.status == 200
    doc = await resp.json()
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    operations = [
        (method, path, op) for path, item in doc["paths"].items() for method, op in item.items()
    ]
    assert len(operations) == 122
    assert len(doc["tags"]) == 34
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    by_id = {op["operationId"]: op for _, _, op in operations}
    me = by_id["users.me"]
    assert me["security"] == [{"bearerAuth": ["users:read"]}]
    assert me["tags"] == ["users"]
    assert {"200", "401", "403", "default"} <= set(me["responses"])
    token = by_id["authentication.token"]
    assert token["security"] == []
    assert set(token["requestBody"]["content"]) == {
        "application/json",
        "application/x-www-form-urlencoded",
    }
    assert token["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "username",
        "password",
    ]
    get_project = by_id["projects.get"]
    (param,) = get_project["parameters"]
    assert (param["name"], param["in"], param["required"]) == ("project_id", "path", True)
    not_found = get_project["responses"]["404"]["content"]["application/json"]
    assert not_found["schema"] == {"$ref": "#/components/schemas/Error"}
    (example,) = not_found["examples"].values()
    assert example["value"]["error"] == "not_found"


async def test_openapi_servers_follow_the_request_or_public_url(aiohttp_client) -> None:
    """servers[0] is the URL the client used, or --public-url when set."""
    plain = await aiohttp_client(create_app(Config(fixtures=MINIMAL)))
    doc = await (await plain.get("/openapi.json")).json()
    assert doc["servers"] == [{"url": str(plain.make_url("")).rstrip("/")}]
    public = await aiohttp_client(
        create_app(Config(fixtures=MINIMAL, public_url="http://coherta:8080"))
    )
    assert (await (await public.get("/openapi.json")).json())["servers"] == [
        {"url": "http://coherta:8080"}
    ]


async def test_openapi_is_not_journaled(client: TestClient) -> None:
    """The document is the mock's own, not a catalog request."""
    await client.get("/openapi.json")
    assert (await (await client.get("/__mock/requests")).json())["count"] == 0
