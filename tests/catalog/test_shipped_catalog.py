"""Tests generated from the shipped fixtures themselves, so they grow with the catalog.

For every endpoint: the auth rules hold (401 without a token, 403 for the read-only user where its
scopes fall short, success with the demo token), and every response variant is reachable by a
request built from the fixture: path, query and body values from the declared examples, then the
variant's own `when` values on top. Reaching a variant renders its body, so every body renders.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from mockserver import Catalog, Config, Endpoint, ResponseVariant, create_app, load_catalog
from mockserver.catalog.matching import Matcher
from mockserver.config import shipped_fixtures

CATALOG: Catalog = load_catalog(shipped_fixtures())
ENDPOINTS = CATALOG.endpoints
IDS = [e.id for e in ENDPOINTS]
VIEWER = CATALOG.auth.user("viewer")


def _matcher_value(matcher: Matcher) -> str | None:
    if matcher.kind == "equals":
        return str(matcher.expected)
    if matcher.kind == "one_of":
        return str(matcher.expected[0])
    if matcher.kind == "present":
        return "1" if matcher.expected else None
    raise AssertionError(f"cannot build a value for /{matcher.expected}/; use equals in fixtures")


def _merge(base: Any, extra: Any) -> Any:
    if isinstance(base, dict) and isinstance(extra, dict):
        merged = dict(base)
        for key, value in extra.items():
            merged[key] = _merge(base.get(key), value)
        return merged
    return copy.deepcopy(extra)


def build_request(endpoint: Endpoint, variant: ResponseVariant | None) -> dict[str, Any]:
    """Path, query, headers and JSON body reaching ``variant`` (None: the examples only)."""
    path_values = {
        f.name: str(f.example if f.example is not None else "x") for f in endpoint.request.path
    }
    query = {
        f.name: str(f.example).lower() if isinstance(f.example, bool) else str(f.example)
        for f in endpoint.request.query
        if f.required
    }
    headers: dict[str, str] = {}
    body: Any = None
    if endpoint.request.body:
        body = {f.name: f.example for f in endpoint.request.body if f.required}
    when = variant.when if variant is not None else None
    if when is not None:
        for target, matchers in (
            (path_values, when.path),
            (query, when.query),
            (headers, when.headers),
        ):
            for m in matchers:
                value = _matcher_value(m)
                if value is None:
                    target.pop(m.name, None)
                else:
                    target[m.name] = value
        if when.has_body:
            body = _merge(body or {}, when.body)
    path = endpoint.path
    for name, value in path_values.items():
        path = path.replace("{" + name + "}", value)
    return {
        "method": endpoint.method,
        "path": path,
        "query": query,
        "headers": headers,
        "body": body,
    }


async def _token(client: TestClient, username: str, password: str) -> str:
    resp = await client.post("/token", json={"username": username, "password": password})
    assert resp.status == 200
    return str((await resp.json())["access_token"])


async def _send(client: TestClient, req: dict[str, Any], token: str | None) -> tuple[int, bytes]:
    headers = dict(req["headers"])
    if token is not None and "Authorization" not in headers:
        headers["Authorization"] = f"Bearer {token}"
    kwargs: dict[str, Any] = {"params": req["query"], "headers": headers}
    if req["body"] is not None:
        kwargs["json"] = req["body"]
    async with client.request(req["method"], req["path"], **kwargs) as resp:
        raw = await resp.read()
        if resp.content_type == "application/json":
            json.loads(raw)  # every JSON body must render to valid JSON
        if resp.status >= 400 and resp.content_type == "application/json":
            envelope = json.loads(raw)
            assert isinstance(envelope.get("error"), str), raw
            assert isinstance(envelope.get("error_description"), str), raw
        return resp.status, raw


@pytest.fixture
async def catalog_client(aiohttp_client) -> TestClient:
    """The shipped catalog, loaded once per module, served fresh per test."""
    return await aiohttp_client(create_app(Config(), catalog=CATALOG))


def test_shipped_catalog_totals_match_the_portal() -> None:
    """122 endpoints, 83 protected, 39 open, 34 groups, as the public portal says."""
    assert CATALOG.totals() == {"endpoints": 122, "protected": 83, "open": 39, "groups": 34}


def test_shipped_catalog_documents_the_portal_routes() -> None:
    """The routes the portal documents exist exactly as documented."""
    routes = {(e.method, e.path): e for e in ENDPOINTS}
    assert routes[("POST", "/token")].auth == "open"
    assert routes[("POST", "/token/renew")].auth == "open"
    assert routes[("GET", "/users/me")].auth == "bearer"


def test_shipped_catalog_scopes_are_granted_to_demo() -> None:
    """The demo user's scopes cover every protected route; the viewer's do not cover writes."""
    demo = CATALOG.auth.user("demo")
    assert demo is not None
    assert VIEWER is not None
    needed = {s for e in ENDPOINTS for s in e.scopes}
    assert needed <= set(demo.scopes)
    assert any(not set(e.scopes) <= set(VIEWER.scopes) for e in ENDPOINTS)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_shipped_endpoint_is_fully_described(endpoint: Endpoint) -> None:
    """Summary, description, declared fields with descriptions, scopes, a success response."""
    assert endpoint.summary
    assert endpoint.description
    for field in endpoint.request.all_fields():
        assert field.description, f"{endpoint.id}: {field.location}.{field.name} has no description"
    if endpoint.protected:
        assert endpoint.scopes, f"{endpoint.id} is protected but declares no scopes"
    assert any(200 <= v.status < 300 for v in endpoint.responses)
    assert endpoint.responses[-1].is_default


@pytest.mark.parametrize(
    "endpoint", [e for e in ENDPOINTS if e.protected], ids=[e.id for e in ENDPOINTS if e.protected]
)
async def test_shipped_protected_endpoint_auth(
    catalog_client: TestClient, endpoint: Endpoint
) -> None:
    """401 without a token; 403 for the viewer where its scopes fall short; success for demo."""
    assert VIEWER is not None
    req = build_request(endpoint, None)
    status, _ = await _send(catalog_client, req, None)
    assert status == 401
    viewer_status, body = await _send(
        catalog_client, req, await _token(catalog_client, "viewer", "viewer-secret")
    )
    if set(endpoint.scopes) <= set(VIEWER.scopes):
        assert viewer_status == endpoint.responses[-1].status, body
    else:
        assert viewer_status == 403, body
    demo_status, body = await _send(
        catalog_client, req, await _token(catalog_client, "demo", "secret")
    )
    assert demo_status == endpoint.responses[-1].status, body


@pytest.mark.parametrize(
    "endpoint",
    [e for e in ENDPOINTS if not e.protected],
    ids=[e.id for e in ENDPOINTS if not e.protected],
)
async def test_shipped_open_endpoint_answers_without_token(
    catalog_client: TestClient, endpoint: Endpoint
) -> None:
    """Open routes give their success response with no Authorization header."""
    req = build_request(endpoint, None)
    if endpoint.builtin == "token_renew":
        req["headers"]["Authorization"] = f"Bearer {await _token(catalog_client, 'demo', 'secret')}"
    status, body = await _send(catalog_client, req, None)
    assert status == endpoint.responses[-1].status, body


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
async def test_shipped_endpoint_every_variant_is_reachable(
    catalog_client: TestClient, endpoint: Endpoint
) -> None:
    """A request built from each variant's `when` gets that variant's status, body rendered."""
    token = await _token(catalog_client, "demo", "secret") if endpoint.protected else None
    failures = []
    for index, variant in enumerate(endpoint.responses):
        if variant.is_default:
            continue
        req = build_request(endpoint, variant)
        status, body = await _send(catalog_client, req, token)
        if status != variant.status:
            failures.append(
                f"variant {index} ({variant.source}) wanted {variant.status}, "
                f"got {status}: {body[:200]!r}"
            )
    assert not failures, "\n".join(failures)
