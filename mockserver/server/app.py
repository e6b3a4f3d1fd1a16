"""``create_app``: a Catalog and a Config become an aiohttp Application."""

from __future__ import annotations

import logging
from collections import defaultdict

from aiohttp import web

from mockserver.catalog.loader import load_catalog
from mockserver.catalog.model import Catalog, Endpoint
from mockserver.config import BUILTIN_ROUTES, Config
from mockserver.control.api import create_control_app
from mockserver.openapi.export import openapi_document
from mockserver.portal.views import PORTAL_PREFIX, create_portal_app, to_overview
from mockserver.server import tokens
from mockserver.server.endpoints import (
    MATCHED_ENDPOINT,
    Handler,
    answer_from_stubs,
    endpoint_handler,
    request_context,
    request_view,
)
from mockserver.server.middleware import ROUTES, json_errors, misbehave, record_requests
from mockserver.server.responses import json_response
from mockserver.server.state import STATE, State

__all__ = ["CONTROL_PREFIX", "create_app", "create_runner"]

#: A header field may be 128 KiB (aiohttp's default is 8 KiB): an oversized bearer token then
#: reaches the guard and gets a JSON 401 invalid_token, instead of aiohttp's plain-text 400 that
#: echoes the token's first bytes.
MAX_FIELD_SIZE = 128 * 1024
MAX_LINE_SIZE = 16 * 1024


def create_runner(
    app: web.Application, *, access_log: logging.Logger | None, shutdown_timeout: float
) -> web.AppRunner:
    """The AppRunner every front end serves the mock with: no signal handling of its own, the
    mock's parser limits."""
    return web.AppRunner(
        app,
        handle_signals=False,
        access_log=access_log,
        shutdown_timeout=shutdown_timeout,
        max_field_size=MAX_FIELD_SIZE,
        max_line_size=MAX_LINE_SIZE,
    )


CONTROL_PREFIX = "/__mock"
#: The token routes are always served, declared in the fixtures or not.
_BUILTIN_ROUTES: dict[str, tuple[str, str, Handler]] = {
    name: (*BUILTIN_ROUTES[name], handler)
    for name, handler in (("token", tokens.token), ("token_renew", tokens.token_renew))
}


def _builtin(endpoint_id: str, handler: Handler) -> Handler:
    """A built-in handler that runtime stubs can override, and that tells the journal its id."""

    async def handle(request: web.Request) -> web.StreamResponse:
        request[MATCHED_ENDPOINT] = endpoint_id
        state = request.app[STATE]
        stubs = state.stubs.for_endpoint(endpoint_id)
        if stubs:
            view = await request_view(request, any(s.variant.reads_body for s in stubs))
            stubbed = await answer_from_stubs(
                request,
                endpoint_id,
                stubs,
                view,
                state,
                lambda: request_context(request, view, None, state),
            )
            if stubbed is not None:
                return stubbed
        return await handler(request)

    return handle


OPENAPI_PATH = "/openapi.json"


async def openapi_json(request: web.Request) -> web.Response:
    """``GET /openapi.json``: the loaded catalog as an OpenAPI 3.1 document."""
    state = request.app[STATE]
    server = state.config.public_url or str(request.url.origin())
    return json_response(openapi_document(state.catalog, server))


def _location_templates(catalog: Catalog) -> dict[str, str]:
    """For each collection, the URL of one record, id as ``{id}``: its get route's path, else
    the path of another route that addresses one record (update, replace, delete)."""
    out: dict[str, str] = {}
    for action in ("get", "update", "replace", "delete"):
        for e in catalog.endpoints:
            binding = e.collection
            if binding is not None and binding.action == action and binding.key:
                out.setdefault(binding.name, e.path.replace("{" + binding.key + "}", "{id}"))
    return out


def _handler(endpoint: Endpoint, locations: dict[str, str]) -> Handler:
    if endpoint.builtin is not None:
        return _builtin(endpoint.id, _BUILTIN_ROUTES[endpoint.builtin][2])
    location = locations.get(endpoint.collection.name) if endpoint.collection else None
    return endpoint_handler(endpoint, location)


def _route_order(path: str) -> tuple[bool, int]:
    # Plain paths before parameterised ones; among those, more literal segments first.
    literal = sum(1 for part in path.split("/") if part and not part.startswith("{"))
    return ("{" in path, -literal)


def create_app(config: Config | None = None, *, catalog: Catalog | None = None) -> web.Application:
    """The mock as an aiohttp application; loads ``config``'s fixtures unless given a catalog."""
    config = config or Config()
    if catalog is None:
        catalog = load_catalog(config.fixtures_dir)
    app = web.Application(middlewares=[record_requests, json_errors, misbehave])
    app[STATE] = State(config=config, catalog=catalog)

    by_path: dict[str, list[tuple[str, Handler]]] = defaultdict(list)
    declared = set()
    locations = _location_templates(catalog)
    for endpoint in catalog.endpoints:
        by_path[endpoint.path].append((endpoint.method, _handler(endpoint, locations)))
        if endpoint.builtin:
            declared.add(endpoint.builtin)
    for name, (method, path, handler) in _BUILTIN_ROUTES.items():
        if name not in declared:
            by_path[path].append((method, _builtin(f"builtin.{name}", handler)))
    by_path["/.well-known/jwks.json"].append(("GET", _builtin("builtin.jwks", tokens.jwks)))

    for path in sorted(by_path, key=_route_order):
        resource = app.router.add_resource(path)
        for method, handler in by_path[path]:
            resource.add_route(method, handler)
    app[ROUTES] = tuple((method, path) for path, routes in by_path.items() for method, _ in routes)
    app.router.add_get(OPENAPI_PATH, openapi_json)
    # Before the portal sub-app, which would otherwise claim the bare /docs and answer 404.
    app.router.add_get(PORTAL_PREFIX, to_overview)
    if "/" not in by_path:
        app.router.add_get("/", to_overview)
    app.add_subapp(CONTROL_PREFIX, create_control_app())
    app.add_subapp(PORTAL_PREFIX, create_portal_app())
    return app
