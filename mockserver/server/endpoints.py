"""The handler that answers a catalog endpoint: guard, pick a variant, behave, render.

Everything that can be decided at load time is: static bodies are bytes already, and a request
is only parsed as far as the endpoint's conditions, templates, stubs and collection need. The
order of precedence: runtime stubs (newest first), then the fixture's variants with conditions,
then the collection action (for endpoints bound to one) or the default variant.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from mockserver.auth.issuer import TokenIssuer, VerifiedToken
from mockserver.catalog.matching import RequestView
from mockserver.catalog.model import Endpoint, ResponseVariant
from mockserver.catalog.templating import TemplateRenderError
from mockserver.catalog.validation import BodyState, request_problems
from mockserver.server.collections import CollectionStore, run_collection_action
from mockserver.server.faults import perform_fault
from mockserver.server.guard import GuardRefusal, check_bearer
from mockserver.server.responses import error_response, header_safe, validation_error
from mockserver.server.state import State
from mockserver.server.stubs import Stub
from mockserver.server.trace import TRACE

__all__ = [
    "RouteHandler",
    "answer_from_stubs",
    "answer_variant",
    "endpoint_handler",
    "request_context",
    "request_view",
    "variant_differences",
]

#: A catalog route's handler: the request and the path parameters its route matched.
RouteHandler = Callable[[web.Request, Mapping[str, str]], Awaitable[web.StreamResponse]]
log = logging.getLogger("coherta_mock")
_NO_BODY_STATUSES = frozenset({204, 304})


def _first_values(pairs: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in pairs.items():
        out.setdefault(key, value)
    return out


async def _json_body(request: web.Request) -> tuple[BodyState, Any]:
    raw = await request.read() if request.can_read_body else b""
    if not raw:
        return BodyState.ABSENT, None
    try:
        return BodyState.PARSED, json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # nested past the stack
        return BodyState.MALFORMED, None


def _static_output(variant: ResponseVariant) -> bool:
    return variant.body.static is not None and all(isinstance(v, str) for _, v in variant.headers)


def _is_static(variant: ResponseVariant) -> bool:
    return variant.is_plain and _static_output(variant)


def _static_headers(variant: ResponseVariant) -> dict[str, str]:
    headers = {name: value for name, value in variant.headers if isinstance(value, str)}
    if variant.content_type and variant.status not in _NO_BODY_STATUSES:
        headers.setdefault("Content-Type", variant.content_type)
    return headers


async def request_view(
    request: web.Request, params: Mapping[str, str], read_body: bool
) -> RequestView:
    """What conditions and templates see of ``request``."""
    return (await _parsed_request(request, params, read_body))[0]


async def _parsed_request(
    request: web.Request, params: Mapping[str, str], read_body: bool
) -> tuple[RequestView, BodyState]:
    body_state, body = await _json_body(request) if read_body else (BodyState.ABSENT, None)
    view = RequestView(
        method=request.method,
        path=request.path,
        path_params=params,
        query=_first_values(request.query),
        headers=request.headers,
        body=body,
    )
    return view, body_state


def request_context(
    request: web.Request, view: RequestView, verified: VerifiedToken | None, state: State
) -> dict[str, Any]:
    """What templates see: the request's values, the token's claims and user, the clock."""
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


def variant_differences(variant: ResponseVariant, view: RequestView, state: State) -> list[str]:
    """Why ``variant`` does not answer this request: its conditions and scenario state."""
    differences = variant.when.differences(view) if variant.when is not None else []
    rule = variant.scenario
    if rule is not None and rule.state is not None:
        current = state.scenario_state(rule.name)
        if current != rule.state:
            differences.append(f"scenario {rule.name} is {current!r}, expected {rule.state!r}")
    return differences


def _render(
    endpoint_id: str, variant: ResponseVariant, context_of: Callable[[], dict[str, Any]]
) -> web.Response:
    headers = _static_headers(variant)
    if _static_output(variant):
        return web.Response(body=variant.body.static, status=variant.status, headers=headers)
    context = context_of()  # only templates need it: building it reads the clock and the token
    try:
        for name, value in variant.headers:
            if not isinstance(value, str):
                headers[name] = header_safe(str(value.render(context)))
        body = None if variant.status in _NO_BODY_STATUSES else variant.body.render(context)
    except TemplateRenderError as exc:
        log.error("template error in %s (%s): %s", endpoint_id, variant.source, exc)
        return error_response(
            500,
            "template_error",
            f"The fixture response at {variant.source} failed to render: {exc}",
        )
    return web.Response(body=body, status=variant.status, headers=headers)


async def answer_variant(
    request: web.Request,
    endpoint_id: str,
    variant: ResponseVariant,
    state: State,
    context: Callable[[], dict[str, Any]],
) -> web.StreamResponse:
    """Answer with ``variant``: move its scenario, take its sequence's turn, wait, misbehave."""
    if variant.scenario is not None and variant.scenario.next is not None:
        state.scenarios[variant.scenario.name] = variant.scenario.next
    if variant.sequence:
        variant = state.next_in_sequence(variant)
    if variant.delay is not None:
        await asyncio.sleep(variant.delay.sample(state.rng))
    response = _render(endpoint_id, variant, context)
    if variant.fault is not None:
        return await perform_fault(request, variant.fault, response)
    return response


async def answer_from_stubs(
    request: web.Request,
    endpoint_id: str,
    stubs: list[Stub],
    view: RequestView,
    state: State,
    context: Callable[[], dict[str, Any]],
) -> web.StreamResponse | None:
    """The answer of the newest stub that matches, counting the call; None when none does."""
    for stub in list(stubs):  # a copy: answering may use a stub up and remove it
        if not variant_differences(stub.variant, view, state):
            state.stubs.use(stub)
            request[TRACE].stub = stub.id
            return await answer_variant(request, endpoint_id, stub.variant, state, context)
    return None


def endpoint_handler(
    endpoint: Endpoint,
    state: State,
    issuer: TokenIssuer,
    collections: CollectionStore,
    location_of: str | None = None,
) -> RouteHandler:
    """The handler of one catalog endpoint, answering from ``issuer`` and ``collections`` (its
    generation's); ``location_of`` is the created-record URL template (``/projects/{id}``) for a
    collection's create action."""
    variants = endpoint.responses
    collection = endpoint.collection
    validates = endpoint.validate and any(True for _ in endpoint.request.all_fields())
    needs_view = (
        validates or collection is not None or any(not _is_static(v) or v.when for v in variants)
    )
    needs_body = endpoint.needs_body or (validates and bool(endpoint.request.body))
    first = variants[0]
    first_headers = _static_headers(first)

    async def handle(request: web.Request, params: Mapping[str, str]) -> web.StreamResponse:
        request[TRACE].endpoint = endpoint.id
        verified: VerifiedToken | None = None
        if endpoint.protected:
            try:
                verified = check_bearer(request, issuer, endpoint.scopes)
            except GuardRefusal as refusal:
                return refusal.response
        stubs = state.stubs.for_endpoint(endpoint.id)
        if not needs_view and not stubs:
            return web.Response(body=first.body.static, status=first.status, headers=first_headers)
        view, body_state = await _parsed_request(
            request, params, needs_body or any(s.variant.reads_body for s in stubs)
        )
        if validates and not state.config.no_validation:
            problems = request_problems(
                endpoint.request,
                path=view.path_params,
                query=view.query,
                headers=view.headers,
                body_state=body_state,
                body=view.body,
            )
            if problems:
                return validation_error(problems)

        def context() -> dict[str, Any]:
            return request_context(request, view, verified, state)

        stubbed = await answer_from_stubs(request, endpoint.id, stubs, view, state, context)
        if stubbed is not None:
            return stubbed
        misses: list[dict[str, Any]] = []
        for variant in variants:
            if collection is not None and variant.is_default:
                continue  # documents the collection's answer; the collection gives it
            differences = variant_differences(variant, view, state)
            if differences:
                misses.append(
                    {"status": variant.status, "source": variant.source, "differences": differences}
                )
                continue
            return await answer_variant(request, endpoint.id, variant, state, context)
        if collection is not None:
            location = location_of
            if location:
                for name, value in view.path_params.items():
                    location = location.replace("{" + name + "}", header_safe(value))
            return run_collection_action(
                collections,
                endpoint,
                path=request.path,
                path_params=view.path_params,
                query=view.query,
                body=view.body,
                context=context(),
                now=state.clock.now_rfc3339(),
                location_of=location,
            )
        return error_response(
            404,
            "no_matching_response",
            f"No response of {endpoint.id} ({endpoint.source}) matches this request, and it has "
            "no default response (one without 'when').",
            near_misses=misses,
        )

    return handle
