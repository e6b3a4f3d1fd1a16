"""The handler that answers a catalog endpoint: guard, pick a variant, render.

Everything that can be decided at load time is: static bodies are bytes already, and a request
is only parsed as far as the endpoint's conditions and templates (and any runtime stubs) need.
Runtime stubs answer before the fixture's own variants, newest first.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from mockserver.auth.issuer import VerifiedToken
from mockserver.catalog.matching import RequestView
from mockserver.catalog.model import Endpoint, ResponseVariant
from mockserver.catalog.templating import TemplateRenderError
from mockserver.server.guard import GuardRefusal, check_bearer
from mockserver.server.responses import error_response
from mockserver.server.state import STATE, State

__all__ = ["MATCHED_ENDPOINT", "MATCHED_STUB", "endpoint_handler"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
log = logging.getLogger("coherta_mock")
_NO_BODY_STATUSES = frozenset({204, 304})

#: The id of the catalog endpoint a request reached, for the journal.
MATCHED_ENDPOINT = web.RequestKey("coherta_mock_endpoint", str)
#: The id of the runtime stub that answered, if one did.
MATCHED_STUB = web.RequestKey("coherta_mock_stub", str)


def _first_values(pairs: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in pairs.items():
        out.setdefault(key, value)
    return out


async def _json_body(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    raw = await request.read()
    try:
        return json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        return None


def _is_static(variant: ResponseVariant) -> bool:
    return variant.body.static is not None and all(isinstance(v, str) for _, v in variant.headers)


def _reads_body(variant: ResponseVariant) -> bool:
    return (variant.when is not None and variant.when.has_body) or "body" in variant.body.uses


def _static_headers(variant: ResponseVariant) -> dict[str, str]:
    headers = {name: value for name, value in variant.headers if isinstance(value, str)}
    if variant.content_type and variant.status not in _NO_BODY_STATUSES:
        headers.setdefault("Content-Type", variant.content_type)
    return headers


def _context(
    request: web.Request, view: RequestView, verified: VerifiedToken | None, state: State
) -> dict[str, Any]:
    now = state.clock.now()
    return {
        "path": dict(view.path_params),
        "query": view.query,
        "headers": {k.lower(): v for k, v in request.headers.items()},
        "body": view.body,
        "claims": dict(verified.claims) if verified else {},
        "user": dict(verified.user.profile) if verified else {},
        "now": state.clock.now_rfc3339(),
        "timestamp": int(now),
        "request": {"method": request.method, "path": request.path},
    }


def _respond(
    endpoint: Endpoint,
    variant: ResponseVariant,
    static_headers: dict[str, str],
    request: web.Request,
    view: RequestView,
    verified: VerifiedToken | None,
    state: State,
) -> web.Response:
    if _is_static(variant):
        return web.Response(body=variant.body.static, status=variant.status, headers=static_headers)
    context = _context(request, view, verified, state)
    try:
        headers = dict(static_headers)
        for name, value in variant.headers:
            if not isinstance(value, str):
                headers[name] = str(value.render(context))
        body = None if variant.status in _NO_BODY_STATUSES else variant.body.render(context)
    except TemplateRenderError as exc:
        log.error("template error in %s (%s): %s", endpoint.id, variant.source, exc)
        return error_response(
            500,
            "template_error",
            f"The fixture response at {variant.source} failed to render: {exc}",
        )
    return web.Response(body=body, status=variant.status, headers=headers)


def endpoint_handler(endpoint: Endpoint) -> Handler:
    """The aiohttp handler for one catalog endpoint."""
    variants = endpoint.responses
    needs_view = any(v.when is not None or not _is_static(v) for v in variants)
    needs_body = any(_reads_body(v) for v in variants)
    prepared = [(v, _static_headers(v)) for v in variants]
    first, first_headers = prepared[0]

    async def handle(request: web.Request) -> web.StreamResponse:
        state = request.app[STATE]
        request[MATCHED_ENDPOINT] = endpoint.id
        verified: VerifiedToken | None = None
        if endpoint.protected:
            try:
                verified = check_bearer(request, state.issuer, endpoint.scopes)
            except GuardRefusal as refusal:
                return refusal.response
        stubs = state.stubs.for_endpoint(endpoint.id)
        if not needs_view and not stubs:
            return web.Response(body=first.body.static, status=first.status, headers=first_headers)
        read_body = needs_body or any(_reads_body(s.variant) for s in stubs)
        view = RequestView(
            method=request.method,
            path=request.path,
            path_params=request.match_info,
            query=_first_values(request.query),
            headers=request.headers,
            body=await _json_body(request) if read_body else None,
        )
        for stub in list(stubs):
            if stub.variant.when is None or not stub.variant.when.differences(view):
                state.stubs.use(stub)
                request[MATCHED_STUB] = stub.id
                headers = _static_headers(stub.variant)
                return _respond(endpoint, stub.variant, headers, request, view, verified, state)
        misses: list[dict[str, Any]] = []
        for variant, headers in prepared:
            if variant.when is not None:
                differences = variant.when.differences(view)
                if differences:
                    misses.append(
                        {
                            "status": variant.status,
                            "source": variant.source,
                            "differences": differences,
                        }
                    )
                    continue
            return _respond(endpoint, variant, headers, request, view, verified, state)
        return error_response(
            404,
            "no_matching_response",
            f"No response of {endpoint.id} ({endpoint.source}) matches this request, and it has "
            "no default response (one without 'when').",
            near_misses=misses,
        )

    return handle
