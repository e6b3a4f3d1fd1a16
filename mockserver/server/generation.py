"""A generation: one loaded catalog and everything built from it, served as a whole.

The routes, the token issuer and the collections of a catalog are built together into one
immutable ``Generation``. A reload builds the next one beside the old and swaps one reference
(``State.generation``), so a request is answered entirely by the generation that routed it: it
sees the old catalog or the new one, never a mix.

The routes live in an aiohttp ``UrlDispatcher`` of their own (not the application's router, which
is frozen once the server starts): lookups are indexed by path prefix, so their cost does not
grow with the number of endpoints.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import cast

from aiohttp import web
from aiohttp.typedefs import Handler

from mockserver.auth.issuer import TokenIssuer
from mockserver.catalog.model import Catalog, Endpoint
from mockserver.collector import collector_paused
from mockserver.config import BUILTIN_ROUTES
from mockserver.server import tokens
from mockserver.server.collections import CollectionStore
from mockserver.server.endpoints import (
    RouteHandler,
    answer_from_stubs,
    endpoint_handler,
    request_context,
    request_view,
)
from mockserver.server.state import State
from mockserver.server.trace import TRACE

__all__ = ["JWKS_PATH", "Generation", "build_generation"]

JWKS_PATH = "/.well-known/jwks.json"

_TokenHandler = Callable[[web.Request, TokenIssuer], Awaitable[web.StreamResponse]]
#: The token routes are always served, declared in the fixtures or not.
_BUILTIN_HANDLERS: dict[str, _TokenHandler] = {
    "token": tokens.token,
    "token_renew": tokens.token_renew,
}


@dataclass(frozen=True, eq=False)
class Generation:
    """One catalog with its routes, token issuer and collections."""

    number: int
    catalog: Catalog
    issuer: TokenIssuer
    collections: CollectionStore
    router: web.UrlDispatcher
    #: (method, path template) of every route, for "did you mean".
    routes: tuple[tuple[str, str], ...]


def _builtin(
    endpoint_id: str, handler: _TokenHandler, state: State, issuer: TokenIssuer
) -> RouteHandler:
    """A built-in route that runtime stubs can override, and that tells the journal its id."""

    async def handle(request: web.Request, params: Mapping[str, str]) -> web.StreamResponse:
        request[TRACE].endpoint = endpoint_id
        stubs = state.stubs.for_endpoint(endpoint_id)
        if stubs:
            view = await request_view(request, params, any(s.variant.reads_body for s in stubs))
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
        return await handler(request, issuer)

    return handle


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


def _route_order(path: str) -> tuple[bool, int]:
    # Plain paths before parameterised ones; among those, more literal segments first.
    literal = sum(1 for part in path.split("/") if part and not part.startswith("{"))
    return ("{" in path, -literal)


def build_generation(
    catalog: Catalog, state: State, number: int = 1, issuer: TokenIssuer | None = None
) -> Generation:
    """Build the routes of ``catalog``; ``issuer`` is kept when given (a reload that left the
    auth settings alone keeps every issued token valid)."""
    with collector_paused():
        return _build(catalog, state, number, issuer)


def _build(catalog: Catalog, state: State, number: int, issuer: TokenIssuer | None) -> Generation:
    issuer = issuer or TokenIssuer(catalog.auth, state.clock)
    collections = CollectionStore(catalog.collections)
    locations = _location_templates(catalog)
    by_path: dict[str, list[tuple[str, RouteHandler]]] = defaultdict(list)
    declared = set()
    for endpoint in catalog.endpoints:
        by_path[endpoint.path].append(
            (endpoint.method, _handler(endpoint, locations, state, issuer, collections))
        )
        if endpoint.builtin:
            declared.add(endpoint.builtin)
    for name, token_handler in _BUILTIN_HANDLERS.items():
        if name not in declared:
            method, path = BUILTIN_ROUTES[name]
            by_path[path].append(
                (method, _builtin(f"builtin.{name}", token_handler, state, issuer))
            )
    by_path[JWKS_PATH].append(("GET", _builtin("builtin.jwks", tokens.jwks, state, issuer)))

    router = web.UrlDispatcher()
    for path in sorted(by_path, key=_route_order):
        resource = router.add_resource(path)
        for method, handler in by_path[path]:
            # aiohttp keeps the callable as is; the dispatcher calls it with the path params.
            resource.add_route(method, cast(Handler, handler))
    router.freeze()
    routes = tuple((method, path) for path, handlers in by_path.items() for method, _ in handlers)
    return Generation(number, catalog, issuer, collections, router, routes)


def _handler(
    endpoint: Endpoint,
    locations: dict[str, str],
    state: State,
    issuer: TokenIssuer,
    collections: CollectionStore,
) -> RouteHandler:
    if endpoint.builtin is not None:
        return _builtin(endpoint.id, _BUILTIN_HANDLERS[endpoint.builtin], state, issuer)
    location = locations.get(endpoint.collection.name) if endpoint.collection else None
    return endpoint_handler(endpoint, state, issuer, collections, location)
