"""What the control API does, as plain functions on State.

The HTTP handlers of ``/__mock/`` and the Python harness (``MockServer``) both call these, so a
stub added from a test and one posted by another language's test suite are the same thing.
"""

from __future__ import annotations

import math
import re
import time
from datetime import datetime
from functools import cache
from typing import Any

from mockserver.catalog.loader import build_variant
from mockserver.catalog.model import Catalog, Endpoint
from mockserver.catalog.schema import stub_problems
from mockserver.config import BUILTIN_ROUTES
from mockserver.errors import ControlError, FixtureError, TokenError
from mockserver.server.state import State
from mockserver.server.stubs import Stub

__all__ = [
    "CLOCK_MAX",
    "CLOCK_MIN",
    "add_stub",
    "clock_reading",
    "configure_chaos",
    "describe_routes",
    "describe_scenarios",
    "move_clock",
    "resolve_endpoint",
    "revoke_user",
    "set_scenario",
]


#: The earliest time the mock clock may show: 1970-01-01T00:00:00Z.
CLOCK_MIN = 0.0
#: The latest: 9999-01-01T00:00:00Z, a year short of what RFC 3339 can write, so a token's
#: expiry and template arithmetic (``timestamp + 14 * 86400``) still fit.
CLOCK_MAX = 253_370_764_800.0


def _within_clock_range(target: float) -> None:
    if not CLOCK_MIN <= target <= CLOCK_MAX:
        raise ControlError(
            "the clock must stay between 1970-01-01T00:00:00Z and 9999-01-01T00:00:00Z; "
            f"this would move it to {target:.0f} seconds since the epoch"
        )


@cache
def _template_pattern(template: str) -> re.Pattern[str]:
    escaped = re.escape(template)
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", escaped) + "$")


def _stubbable(catalog: Catalog) -> list[Endpoint]:
    """The catalog's endpoints, plus the token routes when the fixtures do not declare them."""
    endpoints = list(catalog.endpoints)
    declared = {e.builtin for e in endpoints if e.builtin}
    for name, (method, path) in BUILTIN_ROUTES.items():
        if name not in declared:
            endpoints.append(
                Endpoint(
                    id=f"builtin.{name}",
                    method=method,
                    path=path,
                    summary=f"The token issuer's {method} {path}",
                    auth="open",
                    responses=(),
                    group="builtin",
                    builtin=name,  # type: ignore[arg-type]
                )
            )
    return endpoints


def resolve_endpoint(
    catalog: Catalog, *, endpoint: str | None, method: str | None, path: str | None
) -> tuple[Endpoint, dict[str, str]]:
    """The endpoint a stub targets, by id or by method and path; path parameters found in it."""
    endpoints = _stubbable(catalog)
    if endpoint is not None:
        found = next((e for e in endpoints if e.id == endpoint), None)
        if found is None:
            raise ControlError(f"no endpoint has the id {endpoint!r}; see GET /__mock/routes")
        return found, {}
    if method is None or path is None:
        raise ControlError(
            "a stub needs 'endpoint' (an id such as users.me), or 'method' and 'path'"
        )
    candidates = [e for e in endpoints if e.method == method]
    for e in candidates:
        if e.path == path:
            return e, {}
    matches = [
        (e, m.groupdict()) for e in candidates if (m := _template_pattern(e.path).match(path))
    ]
    if not matches:
        raise ControlError(f"no catalog endpoint serves {method} {path}; see GET /__mock/routes")
    # The most specific route: the one with the fewest parameters.
    return min(matches, key=lambda pair: len(pair[1]))


def add_stub(state: State, payload: Any) -> Stub:
    """Validate and register a runtime stub; ControlError lists what is wrong."""
    problems = stub_problems(payload)
    if problems:
        raise ControlError("invalid stub", problems)
    endpoint, params = resolve_endpoint(
        state.catalog,
        endpoint=payload.get("endpoint"),
        method=payload.get("method"),
        path=payload.get("path"),
    )
    spec = {k: v for k, v in payload.items() if k not in ("endpoint", "method", "path", "times")}
    if params:
        when = dict(spec.get("when") or {})
        when["path"] = {**params, **(when.get("path") or {})}
        spec["when"] = when
    try:
        variant = build_variant(spec, endpoint, source=f"stub for {endpoint.id}")
    except FixtureError as exc:
        raise ControlError("invalid stub", [p.message for p in exc.problems]) from None
    return state.stubs.add(endpoint.id, variant, payload.get("times"), payload)


def move_clock(state: State, payload: Any) -> dict[str, Any]:
    """Apply ``{"advance": seconds}`` or ``{"set": "<RFC 3339>"}``; the clock's new reading."""
    if (
        not isinstance(payload, dict)
        or len(payload.keys() & {"advance", "set"}) != 1
        or (payload.keys() - {"advance", "set"})
    ):
        raise ControlError(
            'send exactly one of {"advance": <seconds>} or {"set": "<RFC 3339 time>"}'
        )
    if "advance" in payload:
        seconds = payload["advance"]
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ControlError(f"advance must be a number of seconds, got {seconds!r}")
        if not math.isfinite(seconds):
            raise ControlError(f"advance must be a finite number, got {seconds!r}")
        _within_clock_range(state.clock.now() + seconds)
        state.clock.advance(seconds)
    else:
        text = payload["set"]
        try:
            moment = datetime.fromisoformat(text) if isinstance(text, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise ControlError(
                "set must be an RFC 3339 time with a zone, such as 2030-01-01T00:00:00Z; "
                f"got {text!r}"
            )
        _within_clock_range(moment.timestamp())
        state.clock.set(moment.timestamp())
    state.issuer.forget_cached()
    return clock_reading(state)


def clock_reading(state: State) -> dict[str, Any]:
    """The mock clock's time and its offset from wall time."""
    now = state.clock.now()
    return {"now": state.clock.now_rfc3339(), "offset_seconds": round(now - time.time(), 3)}


def describe_routes(catalog: Catalog) -> dict[str, Any]:
    """The loaded catalog as JSON: routes and totals."""
    return {
        "routes": [
            {
                "id": e.id,
                "method": e.method,
                "path": e.path,
                "auth": e.auth,
                "scopes": list(e.scopes),
                "group": e.group,
                "summary": e.summary,
                "source": e.source,
            }
            for e in catalog.endpoints
        ],
        "totals": catalog.totals(),
    }


def describe_scenarios(state: State) -> dict[str, str]:
    """Every scenario the fixtures and stubs name, with its current state."""
    names = {
        part.scenario.name
        for e in state.catalog.endpoints
        for part in e.responses
        if part.scenario is not None
    }
    names |= set(state.scenarios)
    return {name: state.scenario_state(name) for name in sorted(names)}


def set_scenario(state: State, name: str, payload: Any) -> dict[str, str]:
    """Apply ``{"state": "<name>"}`` to a scenario."""
    new = payload.get("state") if isinstance(payload, dict) else None
    if not isinstance(new, str) or not new:
        raise ControlError('send {"state": "<state name>"}')
    state.scenarios[name] = new
    return {"name": name, "state": new}


def configure_chaos(state: State, payload: Any) -> dict[str, Any]:
    """Apply ``{"probability": p, "faults": [...], "seed": n}`` (faults and seed optional)."""
    if not isinstance(payload, dict) or "probability" not in payload:
        raise ControlError('send {"probability": 0.2, "faults": [...], "seed": 7}')
    unknown = set(payload) - {"probability", "faults", "seed"}
    if unknown:
        raise ControlError(f"unknown keys: {', '.join(sorted(unknown))}")
    faults = payload.get("faults", state.chaos.faults)
    if not isinstance(faults, list | tuple):
        raise ControlError("faults must be a list")
    state.chaos.configure(payload["probability"], faults, payload.get("seed", state.chaos.seed))
    return state.chaos.describe()


def revoke_user(state: State, payload: Any) -> dict[str, Any]:
    """Apply ``{"username": "..."}``: the user's tokens, renewals and logins are refused."""
    username = payload.get("username") if isinstance(payload, dict) else None
    if not isinstance(username, str):
        raise ControlError('send {"username": "<a user of auth.yaml>"}')
    try:
        state.issuer.revoke(username)
    except TokenError as exc:
        raise ControlError(exc.description) from None
    return {"revoked": sorted(state.issuer.revoked)}
