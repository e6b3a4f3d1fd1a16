"""The one handler of every catalog request: route, misbehave, answer, journal, never a traceback.

The application's router knows the mock's own pages (control API, portal, OpenAPI); everything
else reaches ``catalog_dispatcher``, which routes it in the current ``Generation``. Doing this in
one handler, instead of a stack of aiohttp middlewares, keeps the cost of a canned answer close
to that of a bare aiohttp handler. Errors are JSON in the catalog's envelope: 404 with "did you
mean", 405 with ``Allow``, 413 for oversized bodies, 500 for anything unexpected.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from difflib import SequenceMatcher
from typing import cast

from aiohttp import web
from aiohttp.typedefs import Handler

from mockserver.catalog.behaviour import Fault
from mockserver.server.chaos import status_fault
from mockserver.server.endpoints import RouteHandler
from mockserver.server.faults import FaultPerformed, perform_fault
from mockserver.server.generation import Generation
from mockserver.server.responses import error_response
from mockserver.server.state import State
from mockserver.server.trace import TRACE, Trace

__all__ = ["catalog_dispatcher", "http_error", "json_errors", "suggest_routes"]

log = logging.getLogger("coherta_mock")

#: The mock's own pages, which the journal, latency and chaos leave out: these prefixes...
OWN_PREFIXES = ("/__mock/", "/docs/")
#: ...and these exact paths (a catalog may well have /docs-search or /openapi.json.bak).
OWN_PATHS = frozenset({"/docs", "/openapi.json"})


#: Paths longer than this get no suggestions: similarity costs the square of the length, and no
#: route of a real catalog is this long.
MAX_SUGGESTED_PATH = 256
_MIN_SIMILARITY = 0.6


def suggest_routes(path: str, routes: tuple[tuple[str, str], ...], limit: int = 3) -> list[str]:
    """The known routes closest to ``path``, best first."""
    if len(path) > MAX_SUGGESTED_PATH:
        return []
    segments = path.strip("/").split("/")
    scored: list[tuple[float, str]] = []
    for method, template in routes:
        parts = template.strip("/").split("/")
        # Fill placeholders with the request's own segments, so ids don't count as differences.
        filled = "/" + "/".join(
            segments[i] if part.startswith("{") and i < len(segments) else part
            for i, part in enumerate(parts)
        )
        matcher = SequenceMatcher(None, path, filled)
        # The cheap upper bounds first: most routes are nowhere near.
        if matcher.real_quick_ratio() < _MIN_SIMILARITY or matcher.quick_ratio() < _MIN_SIMILARITY:
            continue
        scored.append((matcher.ratio(), f"{method} {template}"))
    scored.sort(key=lambda item: -item[0])
    return [route for score, route in scored[:limit] if score >= _MIN_SIMILARITY]


def method_not_allowed(request: web.Request, allowed: set[str] | frozenset[str]) -> web.Response:
    """405 naming the methods the path does allow."""
    allow = ",".join(sorted(allowed))
    return error_response(
        405,
        "method_not_allowed",
        f"{request.method} is not allowed on {request.path}; allowed: {allow or 'none'}.",
        headers={"Allow": allow},
    )


def http_error(request: web.Request, exc: web.HTTPException) -> web.Response:
    """An HTTP error raised inside a handler (a body over the size limit, say) as JSON."""
    if exc.status == 413:
        return error_response(
            413,
            "payload_too_large",
            f"The request body is larger than the limit of {request.client_max_size:,} bytes.",
        )
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return method_not_allowed(request, exc.allowed_methods)
    return error_response(exc.status, exc.reason.lower().replace(" ", "_"), exc.text or exc.reason)


def _unexpected(request: web.Request) -> web.Response:
    log.exception("unexpected error answering %s %s", request.method, request.path)
    return error_response(
        500, "server_error", "The mock server hit an unexpected error; its log has the details."
    )


def json_errors(handler: Handler) -> Handler:
    """``handler`` with its HTTP errors and unexpected exceptions answered as JSON."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise  # redirects
            return http_error(request, exc)
        except Exception:
            return _unexpected(request)
        return response

    return guarded


async def _own_methods(request: web.Request) -> set[str]:
    """The methods the mock's own pages allow on this path (a wrong method there is a 405)."""
    allowed: set[str] = set()
    for resource in request.app.router.resources():
        match, methods = await resource.resolve(request)
        if match is None:
            allowed |= methods
    allowed.discard("*")
    return allowed


def catalog_dispatcher(state: State, fallback: Handler) -> Handler:
    """The application's catch-all handler; ``fallback`` answers ``GET /`` when the catalog has
    no route there."""

    async def unmatched(request: web.Request, generation: Generation) -> web.StreamResponse:
        match = await generation.router.resolve(request)
        error = match.http_exception
        if error is None:
            return await cast(RouteHandler, match.handler)(request, match)
        if isinstance(error, web.HTTPMethodNotAllowed):
            return method_not_allowed(request, error.allowed_methods)
        own = await _own_methods(request)
        if own:
            return method_not_allowed(request, own)
        if request.path == "/" and request.method in ("GET", "HEAD"):
            return await fallback(request)
        near = tuple(suggest_routes(request.path, generation.routes))
        request[TRACE].near_misses = near
        return error_response(
            404,
            "not_found",
            f"No route matches {request.method} {request.path}.",
            did_you_mean=list(near),
        )

    async def misbehaving(
        request: web.Request, answer: Callable[[], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if state.config.latency is not None:
            await asyncio.sleep(state.config.latency.sample(state.rng))
        fault = state.chaos.draw()
        if fault is None:
            return await answer()
        if fault.isdigit():
            request[TRACE].fault = fault
            return status_fault(fault)
        response = await answer() if fault == "truncated_body" else None
        return await perform_fault(
            request,
            cast(Fault, fault),  # chaos faults that are not HTTP statuses are connection faults
            response if isinstance(response, web.Response) else None,
        )

    async def dispatch(request: web.Request) -> web.StreamResponse:
        generation = state.generation  # one read: the whole request is answered by it
        path = request.path
        own_page = path.startswith(OWN_PREFIXES) or path in OWN_PATHS
        trace = request[TRACE] = Trace()
        try:
            if (state.chaos.probability > 0 or state.config.latency is not None) and not own_page:
                response = await misbehaving(request, lambda: unmatched(request, generation))
            else:
                response = await unmatched(request, generation)
        except FaultPerformed:
            # The connection is closed already: whatever is returned here is never sent.
            response = web.Response(status=204)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            response = http_error(request, exc)
        except Exception:
            response = _unexpected(request)
        if not own_page:
            await _journal(request, trace, state, generation, response)
        return response

    return dispatch


async def _journal(
    request: web.Request,
    trace: Trace,
    state: State,
    generation: Generation,
    response: web.StreamResponse,
) -> None:
    raw = b""
    content_type = ""
    if request.body_exists:
        # Over the size limit read() raises; the 413 is what the journal shows then.
        with contextlib.suppress(web.HTTPException):
            raw = await request.read()  # cached when the handler has read it already
        content_type = request.content_type
    endpoint = trace.endpoint
    near = trace.near_misses  # found already when the 404 was answered
    if endpoint is None and near is None:
        near = tuple(suggest_routes(request.path, generation.routes))
    fault = trace.fault
    state.journal.record(
        at=state.clock.now(),
        method=request.method,
        path=request.path,
        query=request.query,
        headers=request.headers,
        raw_body=raw,
        content_type=content_type,
        endpoint=endpoint,
        stub=trace.stub,
        status=None if fault and fault != "truncated_body" else response.status,
        fault=fault,
        near_misses=near if endpoint is None and near is not None else (),
    )
