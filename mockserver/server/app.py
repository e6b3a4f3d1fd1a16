"""``create_app``: a Catalog and a Config become an aiohttp Application."""

from __future__ import annotations

from collections import defaultdict

from aiohttp import web

from mockserver.catalog.loader import load_catalog
from mockserver.catalog.model import Catalog, Endpoint
from mockserver.config import Config
from mockserver.control.api import create_control_app
from mockserver.portal.views import PORTAL_PREFIX, create_portal_app, to_overview
from mockserver.server import tokens
from mockserver.server.endpoints import MATCHED_ENDPOINT, Handler, endpoint_handler
from mockserver.server.middleware import ROUTES, json_errors, record_requests
from mockserver.server.state import STATE, State

__all__ = ["CONTROL_PREFIX", "create_app"]

CONTROL_PREFIX = "/__mock"
#: The token routes are always served, declared in the fixtures or not.
_BUILTIN_ROUTES: dict[str, tuple[str, str, Handler]] = {
    "token": ("POST", "/token", tokens.token),
    "token_renew": ("POST", "/token/renew", tokens.token_renew),
}


def _builtin(endpoint_id: str, handler: Handler) -> Handler:
    """A built-in handler that tells the journal which endpoint it served."""

    async def handle(request: web.Request) -> web.StreamResponse:
        request[MATCHED_ENDPOINT] = endpoint_id
        return await handler(request)

    return handle


def _handler(endpoint: Endpoint) -> Handler:
    if endpoint.builtin is not None:
        return _builtin(endpoint.id, _BUILTIN_ROUTES[endpoint.builtin][2])
    return endpoint_handler(endpoint)


def _route_order(path: str) -> tuple[bool, int]:
    # Plain paths before parameterised ones; among those, more literal segments first.
    literal = sum(1 for part in path.split("/") if part and not part.startswith("{"))
    return ("{" in path, -literal)


def create_app(config: Config | None = None, *, catalog: Catalog | None = None) -> web.Application:
    """The mock as an aiohttp application; loads ``config``'s fixtures unless given a catalog."""
    config = config or Config()
    if catalog is None:
        catalog = load_catalog(config.fixtures_dir)
    app = web.Application(middlewares=[record_requests, json_errors])
    app[STATE] = State(config=config, catalog=catalog)

    by_path: dict[str, list[tuple[str, Handler]]] = defaultdict(list)
    declared = set()
    for endpoint in catalog.endpoints:
        by_path[endpoint.path].append((endpoint.method, _handler(endpoint)))
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
    # Before the portal sub-app, which would otherwise claim the bare /docs and answer 404.
    app.router.add_get(PORTAL_PREFIX, to_overview)
    if "/" not in by_path:
        app.router.add_get("/", to_overview)
    app.add_subapp(CONTROL_PREFIX, create_control_app())
    app.add_subapp(PORTAL_PREFIX, create_portal_app())
    return app
