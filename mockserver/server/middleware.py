"""Errors as JSON: unknown routes with "did you mean", 405 with Allow, and never a traceback."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from difflib import SequenceMatcher
from typing import cast

from aiohttp import web
from aiohttp.typedefs import Handler

from mockserver.catalog.behaviour import Fault
from mockserver.server.chaos import status_fault
from mockserver.server.endpoints import MATCHED_ENDPOINT, MATCHED_STUB
from mockserver.server.faults import FAULT, FaultPerformed, perform_fault
from mockserver.server.responses import error_response
from mockserver.server.state import STATE

__all__ = ["ROUTES", "json_errors", "misbehave", "record_requests", "suggest_routes"]

log = logging.getLogger("coherta_mock")

#: (method, path template) of every route the app serves, for "did you mean".
ROUTES = web.AppKey("coherta_mock_routes", tuple[tuple[str, str], ...])
#: The closest routes to an unmatched request, found once for the 404 and the journal.
NEAR_MISSES = web.RequestKey("coherta_mock_near_misses", tuple[str, ...])


def suggest_routes(path: str, routes: tuple[tuple[str, str], ...], limit: int = 3) -> list[str]:
    """The known routes closest to ``path``, best first."""
    segments = path.strip("/").split("/")
    scored: list[tuple[float, str]] = []
    for method, template in routes:
        parts = template.strip("/").split("/")
        # Fill placeholders with the request's own segments, so ids don't count as differences.
        filled = "/" + "/".join(
            segments[i] if part.startswith("{") and i < len(segments) else part
            for i, part in enumerate(parts)
        )
        scored.append((SequenceMatcher(None, path, filled).ratio(), f"{method} {template}"))
    scored.sort(key=lambda item: -item[0])
    return [route for score, route in scored[:limit] if score >= 0.6]


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Render HTTP errors raised by aiohttp, and unexpected exceptions, as JSON."""
    try:
        return await handler(request)
    except FaultPerformed:
        # The connection is closed already: whatever is returned here is never sent.
        return web.Response(status=204)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        if exc.status == 404:
            near = tuple(suggest_routes(request.path, request.config_dict.get(ROUTES, ())))
            request[NEAR_MISSES] = near
            return error_response(
                404,
                "not_found",
                f"No route matches {request.method} {request.path}.",
                did_you_mean=list(near),
            )
        if exc.status == 405:
            allow = exc.headers.get("Allow", "")
            return error_response(
                405,
                "method_not_allowed",
                f"{request.method} is not allowed on {request.path}; allowed: {allow or 'none'}.",
                headers={"Allow": allow},
            )
        if exc.status == 413:
            return error_response(
                413,
                "payload_too_large",
                f"The request body is larger than the limit of {request.client_max_size:,} bytes.",
            )
        return error_response(
            exc.status, exc.reason.lower().replace(" ", "_"), exc.text or exc.reason
        )
    except Exception:
        log.exception("unexpected error answering %s %s", request.method, request.path)
        return error_response(
            500,
            "server_error",
            "The mock server hit an unexpected error; its log has the details.",
        )


#: Paths the journal leaves out: the mock's own control API and portal.
_UNJOURNALED = ("/__mock/", "/docs/", "/docs", "/openapi.json")


@web.middleware
async def record_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Journal every request to the catalog: what arrived, what matched, what was answered."""
    response = await handler(request)
    if request.path.startswith(_UNJOURNALED):
        return response
    state = request.app[STATE]
    raw = b""
    if request.body_exists:
        # Over the size limit read() raises; the 413 is what the journal shows then.
        with contextlib.suppress(web.HTTPException):
            raw = await request.read()  # cached when the handler has read it already
    endpoint = request.get(MATCHED_ENDPOINT)
    near: tuple[str, ...] = ()
    if endpoint is None:
        near = request.get(NEAR_MISSES) or tuple(suggest_routes(request.path, request.app[ROUTES]))
    fault = request.get(FAULT)
    state.journal.record(
        at=state.clock.now(),
        method=request.method,
        path=request.path,
        query=request.query,
        headers=request.headers,
        raw_body=raw,
        content_type=request.content_type,
        endpoint=endpoint,
        stub=request.get(MATCHED_STUB),
        status=None if fault and fault != "truncated_body" else response.status,
        fault=fault,
        near_misses=near,
    )
    return response


@web.middleware
async def misbehave(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Global latency and seeded chaos, on catalog requests only."""
    if request.path.startswith(_UNJOURNALED):
        return await handler(request)
    state = request.app[STATE]
    if state.config.latency is not None:
        await asyncio.sleep(state.config.latency.sample(state.rng))
    fault = state.chaos.draw()
    if fault is None:
        return await handler(request)
    if fault.isdigit():
        request[FAULT] = fault
        return status_fault(fault)
    response = await handler(request) if fault == "truncated_body" else None
    return await perform_fault(
        request,
        cast(Fault, fault),  # chaos faults that are not HTTP statuses are connection faults
        response if isinstance(response, web.Response) else None,
    )
