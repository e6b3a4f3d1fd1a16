"""The mock's own control API, mounted at ``/__mock/`` (never part of the Coherta catalog).

Each route is one small task on State (see ``operations``). The API answers loopback callers
only, unless the server has a control key, which every caller must then send as
``X-Mock-Control-Key``: a sidecar may be reachable from other containers.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import json
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from mockserver import __version__
from mockserver.control import operations
from mockserver.errors import ControlError, Problem
from mockserver.server.dispatch import json_errors
from mockserver.server.reload import reload_fixtures
from mockserver.server.responses import error_response, json_response
from mockserver.server.state import STATE, State

__all__ = ["CONTROL_KEY_HEADER", "CONTROL_PREFIX", "add_control_routes", "is_loopback"]

CONTROL_PREFIX = "/__mock"
CONTROL_KEY_HEADER = "X-Mock-Control-Key"


def is_loopback(remote: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback addresses."""
    if not remote:
        return False
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _refusal(request: web.Request) -> web.Response | None:
    """Why this caller may not use the control API, or None when it may."""
    key = request.app[STATE].config.control_key
    if key is not None:
        given = request.headers.get(CONTROL_KEY_HEADER, "")
        if not hmac.compare_digest(given.encode(), key.encode()):
            return error_response(
                401,
                "control_key_required",
                f"This mock's control API needs the {CONTROL_KEY_HEADER} header with the key "
                "it was started with (--control-key / COHERTA_MOCK_CONTROL_KEY).",
            )
    elif not is_loopback(request.remote):
        return error_response(
            403,
            "control_forbidden",
            "The control API answers loopback callers only; start the mock with --control-key "
            f"(COHERTA_MOCK_CONTROL_KEY) and send {CONTROL_KEY_HEADER} to reach it from elsewhere.",
        )
    return None


def _restricted(handler: Handler) -> Handler:
    """``handler`` for loopback callers only, or every caller with the configured control key."""

    @functools.wraps(handler)
    async def checked(request: web.Request) -> web.StreamResponse:
        refusal = _refusal(request)
        return refusal if refusal is not None else await handler(request)

    return checked


def _state(request: web.Request) -> State:
    return request.app[STATE]


async def _json(request: web.Request) -> Any:
    raw = await request.read()
    try:
        return json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError, RecursionError):  # nested past the stack
        raise ControlError("the body is not valid JSON") from None


def _bad(exc: ControlError) -> web.Response:
    return error_response(400, "invalid_request", exc.message, details=exc.details)


def _problem(problem: Problem) -> dict[str, Any]:
    return {
        "location": problem.location,
        "file": problem.file,
        "line": problem.line,
        "column": problem.column,
        "message": problem.message,
    }


async def health(request: web.Request) -> web.Response:
    """``GET /__mock/health``: 200 while the server answers. Status ``ok``, or ``degraded`` when
    the last reload failed and the previous catalog is still served (with the problems)."""
    state = _state(request)
    problems = state.reload_problems
    payload: dict[str, Any] = {
        "status": "degraded" if problems else "ok",
        "version": __version__,
        "fixtures": state.catalog.root,
        "generation": state.generation.number,
        **state.catalog.totals(),
    }
    if problems:
        payload["problems"] = [_problem(p) for p in problems]
    return json_response(payload)


async def reload(request: web.Request) -> web.Response:
    """``POST /__mock/reload``: load the fixtures again; 200 when the new catalog is served, 422
    with every problem when it is not (the previous catalog still is)."""
    state = _state(request)
    result = await reload_fixtures(state)
    if not result.ok:
        return error_response(
            422,
            "fixtures_invalid",
            f"The fixtures in {state.config.fixtures_dir} did not load; still serving "
            f"generation {result.generation}.",
            problems=[_problem(p) for p in result.problems],
        )
    return json_response(
        {"status": "reloaded", "generation": result.generation, **state.catalog.totals()}
    )


async def reset(request: web.Request) -> web.Response:
    """``POST /__mock/reset``: journal, stubs, clock and state back to start-up."""
    _state(request).reset()
    return json_response({"status": "reset"})


async def list_requests(request: web.Request) -> web.Response:
    """``GET /__mock/requests``: the journal, oldest first."""
    journal = _state(request).journal
    entries = [e.as_dict() for e in journal.entries()]
    return json_response({"requests": entries, "count": len(entries), "limit": journal.size})


async def clear_requests(request: web.Request) -> web.Response:
    """``DELETE /__mock/requests``: forget the journal."""
    _state(request).journal.clear()
    return web.Response(status=204)


async def unmatched_requests(request: web.Request) -> web.Response:
    """``GET /__mock/requests/unmatched``: requests no endpoint matched, with near misses."""
    entries = [e.as_dict() for e in _state(request).journal.unmatched()]
    return json_response({"requests": entries, "count": len(entries)})


async def create_stub(request: web.Request) -> web.Response:
    """``POST /__mock/stubs``: a runtime stub in the fixture response form, plus its target."""
    try:
        stub = operations.add_stub(_state(request), await _json(request))
    except ControlError as exc:
        return _bad(exc)
    return json_response(
        {"id": stub.id, "endpoint": stub.endpoint, "times": stub.times},
        status=201,
        headers={"Location": f"/__mock/stubs/{stub.id}"},
    )


async def list_stubs(request: web.Request) -> web.Response:
    """``GET /__mock/stubs``: the live stubs, newest first."""
    return json_response({"stubs": _state(request).stubs.describe()})


async def delete_stub(request: web.Request) -> web.Response:
    """``DELETE /__mock/stubs/{id}``."""
    stub_id = request.match_info["stub_id"]
    if not _state(request).stubs.remove(stub_id):
        return error_response(404, "not_found", f"No stub with id {stub_id!r}.")
    return web.Response(status=204)


async def get_clock(request: web.Request) -> web.Response:
    """``GET /__mock/clock``: the mock's time."""
    return json_response(operations.clock_reading(_state(request)))


async def set_clock(request: web.Request) -> web.Response:
    """``POST /__mock/clock``: ``{"advance": seconds}`` or ``{"set": "<RFC 3339>"}``."""
    try:
        reading = operations.move_clock(_state(request), await _json(request))
    except ControlError as exc:
        return _bad(exc)
    return json_response(reading)


async def routes(request: web.Request) -> web.Response:
    """``GET /__mock/routes``: the loaded catalog."""
    return json_response(operations.describe_routes(_state(request).catalog))


async def get_scenarios(request: web.Request) -> web.Response:
    """``GET /__mock/scenarios``: every scenario's current state."""
    return json_response({"scenarios": operations.describe_scenarios(_state(request))})


async def put_scenario(request: web.Request) -> web.Response:
    """``PUT /__mock/scenarios/{name}``: ``{"state": "..."}``."""
    try:
        result = operations.set_scenario(
            _state(request), request.match_info["name"], await _json(request)
        )
    except ControlError as exc:
        return _bad(exc)
    return json_response(result)


async def get_chaos(request: web.Request) -> web.Response:
    """``GET /__mock/chaos``: the chaos settings."""
    return json_response(_state(request).chaos.describe())


async def put_chaos(request: web.Request) -> web.Response:
    """``PUT /__mock/chaos``: ``{"probability": p, "faults": [...], "seed": n}``."""
    try:
        return json_response(operations.configure_chaos(_state(request), await _json(request)))
    except ControlError as exc:
        return _bad(exc)


async def delete_chaos(request: web.Request) -> web.Response:
    """``DELETE /__mock/chaos``: no more chaos."""
    chaos = _state(request).chaos
    chaos.configure(0.0, chaos.faults, chaos.seed)
    return web.Response(status=204)


async def get_revocations(request: web.Request) -> web.Response:
    """``GET /__mock/revocations``: the revoked users."""
    return json_response({"revoked": sorted(_state(request).issuer.revoked)})


async def post_revocation(request: web.Request) -> web.Response:
    """``POST /__mock/revocations``: ``{"username": "..."}`` revokes a user's tokens."""
    try:
        result = operations.revoke_user(_state(request), await _json(request))
    except ControlError as exc:
        return _bad(exc)
    return json_response(result, status=201)


async def delete_revocation(request: web.Request) -> web.Response:
    """``DELETE /__mock/revocations/{username}``: accept the user again."""
    username = request.match_info["username"]
    if not _state(request).issuer.restore(username):
        return error_response(404, "not_found", f"The user {username!r} is not revoked.")
    return web.Response(status=204)


async def get_collections(request: web.Request) -> web.Response:
    """``GET /__mock/collections``: each stateful collection and its record count."""
    records = _state(request).collections.records
    return json_response({"collections": {name: len(rs) for name, rs in records.items()}})


async def get_collection(request: web.Request) -> web.Response:
    """``GET /__mock/collections/{name}``: a collection's live records."""
    name = request.match_info["name"]
    records = _state(request).collections.records.get(name)
    if records is None:
        return error_response(404, "not_found", f"No collection named {name!r}.")
    return json_response({"name": name, "records": records})


#: Each route of the control API: method, path under CONTROL_PREFIX, handler.
_ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("POST", "/reset", reset),
    ("POST", "/reload", reload),
    ("GET", "/requests", list_requests),
    ("DELETE", "/requests", clear_requests),
    ("GET", "/requests/unmatched", unmatched_requests),
    ("POST", "/stubs", create_stub),
    ("GET", "/stubs", list_stubs),
    ("DELETE", "/stubs/{stub_id}", delete_stub),
    ("GET", "/clock", get_clock),
    ("POST", "/clock", set_clock),
    ("GET", "/routes", routes),
    ("GET", "/scenarios", get_scenarios),
    ("PUT", "/scenarios/{name}", put_scenario),
    ("GET", "/chaos", get_chaos),
    ("PUT", "/chaos", put_chaos),
    ("DELETE", "/chaos", delete_chaos),
    ("GET", "/revocations", get_revocations),
    ("POST", "/revocations", post_revocation),
    ("DELETE", "/revocations/{username}", delete_revocation),
    ("GET", "/collections", get_collections),
    ("GET", "/collections/{name}", get_collection),
)


def add_control_routes(app: web.Application) -> None:
    """Serve the control API under ``/__mock/`` on ``app``."""
    # Probes (Kubernetes, Docker) must reach the health check from anywhere.
    app.router.add_get(f"{CONTROL_PREFIX}/health", json_errors(health), allow_head=True)
    for method, path, handler in _ROUTES:
        app.router.add_route(method, CONTROL_PREFIX + path, json_errors(_restricted(handler)))
