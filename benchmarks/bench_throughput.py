"""Throughput and latency: the mock's routes against a bare aiohttp handler, in one run.

Every server runs in its own process on a loopback port and stays up for the whole measurement;
each round drives every route once, in turn, so drift on a shared machine hits all of them alike,
and the ratios pair each route with the baseline of the same round. The baseline is the bare
handler on the event loop the mock runs on (read from the mock's memory maps: uvloop when its CLI
picked it); with uvloop installed, the bare handler on the other loop is a second row, showing
what the loop alone is worth.

Run alone: ``python -m benchmarks.bench_throughput [--seconds 4] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.canned import status_body
from benchmarks.load import LoadResult, Request, load_tool, measure
from benchmarks.procs import Server, event_loop_of, start_announcing
from benchmarks.results import Row, Section, Stat

__all__ = [
    "TOKEN_BODY",
    "LoadSettings",
    "Route",
    "Servers",
    "mock_routes",
    "mock_token",
    "run",
    "section",
    "start_servers",
]

TOKEN_BODY = b'{"username":"demo","password":"secret"}'
JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True, kw_only=True)
class LoadSettings:
    """How hard and how long to drive each route."""

    seconds: float = 4.0
    rounds: int = 3
    connections: int = 32
    warmup: float = 1.0
    tool: str = "auto"


@dataclass(kw_only=True)
class Route:
    """One measured route of one server; ``baseline`` names the row it is compared with."""

    key: str
    name: str
    server: Server
    path: str
    method: str = "GET"
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    baseline: str | None = "throughput.bare"
    warmup: float | None = None
    results: list[LoadResult] = field(default_factory=list)

    def request(self) -> Request:
        """The request to drive."""
        return Request(
            url=self.server.url + self.path,
            method=self.method,
            body=self.body,
            headers=self.headers,
        )


@dataclass(kw_only=True)
class Servers:
    """The servers of one throughput run, by role."""

    bare: Server
    other_bare: Server | None
    mock: Server
    generated: Server | None = None
    loops: dict[str, str] = field(default_factory=dict)


def mock_token(url: str) -> str:
    """An access token for demo/secret from the mock at ``url``."""
    request = urllib.request.Request(f"{url}/token", data=TOKEN_BODY, headers=JSON)
    with urllib.request.urlopen(request, timeout=10) as response:
        token: str = json.load(response)["access_token"]
    return token


def start_servers(stack: ExitStack, generated: Path | None) -> Servers:
    """Start the mock, the bare handler on the mock's event loop (the baseline) and on the other
    loop when uvloop is installed, and (with ``generated``) the mock on a large catalog."""
    python = sys.executable
    body = status_body().decode()

    def start(name: str, argv: list[str], timeout: float = 60.0) -> Server:
        server = start_announcing(name, argv, timeout=timeout)
        stack.callback(server.stop)
        return server

    def bare(loop: str) -> Server:
        argv = [python, "-m", "benchmarks.bare_server", "--loop", loop, "--body", body]
        return start(f"bare-{loop}", argv)

    mock = start("mock", [python, "-m", "mockserver", "serve", "--port", "0"])
    mock_loop = event_loop_of(mock.pid)
    if importlib.util.find_spec("uvloop") is None:
        servers = Servers(bare=bare("asyncio"), other_bare=None, mock=mock)
    else:
        # Both loops are measured; the one the mock runs on is the baseline of the ratios.
        other = "asyncio" if mock_loop == "uvloop" else "uvloop"
        servers = Servers(bare=bare(mock_loop), other_bare=bare(other), mock=mock)
    if generated is not None:
        servers.generated = start(
            "mock-large",
            [python, "-m", "mockserver", "serve", "--port", "0", "--fixtures", str(generated)],
            timeout=600.0,  # a slow loader is a finding, not a reason to stop the run
        )
    for role in ("bare", "other_bare", "mock", "generated"):
        server = getattr(servers, role)
        if server is not None:
            servers.loops[role] = event_loop_of(server.pid)
    return servers


def mock_routes(servers: Servers, generated_paths: tuple[str, str] | None) -> list[Route]:
    """The baselines' and the mock's routes (and the large catalog's, when it runs)."""
    auth = {"Authorization": f"Bearer {mock_token(servers.mock.url)}"}
    loop = servers.loops["bare"]
    routes = [
        Route(
            key="throughput.bare",
            name=f"bare aiohttp handler ({loop}, the baseline)",
            server=servers.bare,
            path="/status",
            baseline=None,
        )
    ]
    if servers.other_bare is not None:
        other = servers.loops["other_bare"]
        routes.append(
            Route(
                key="throughput.bare_other_loop",
                name=f"bare aiohttp handler ({other})",
                server=servers.other_bare,
                path="/status",
            )
        )
    m = servers.mock
    routes += [
        Route(key="throughput.status", name="mock: open GET /status", server=m, path="/status"),
        Route(
            key="throughput.audit_logs",
            name="mock: protected GET /audit-logs",
            server=m,
            path="/audit-logs",
            headers=auth,
        ),
        Route(
            key="throughput.users_me",
            name="mock: protected templated GET /users/me",
            server=m,
            path="/users/me",
            headers=auth,
        ),
        Route(
            key="throughput.token",
            name="mock: POST /token",
            server=m,
            path="/token",
            method="POST",
            body=TOKEN_BODY,
            headers=JSON,
        ),
    ]
    g = servers.generated
    if g is not None and generated_paths is not None:
        g_auth = {"Authorization": f"Bearer {mock_token(g.url)}"}
        open_path, protected_path = generated_paths
        routes += [
            Route(
                key="large.status",
                name="large catalog: open GET /status",
                server=g,
                path="/status",
                baseline="throughput.status",
            ),
            Route(
                key="large.audit_logs",
                name="large catalog: protected GET /audit-logs",
                server=g,
                path="/audit-logs",
                headers=g_auth,
                baseline="throughput.audit_logs",
            ),
            Route(
                key="large.open_generated",
                name=f"large catalog: open GET {open_path}",
                server=g,
                path=open_path,
                baseline="throughput.status",
            ),
            Route(
                key="large.protected_generated",
                name=f"large catalog: protected GET {protected_path}",
                server=g,
                path=protected_path,
                headers=g_auth,
                baseline="throughput.audit_logs",
            ),
        ]
    return routes


def run(
    routes: list[Route],
    settings: LoadSettings,
    after_round: Callable[[int], None] | None = None,
) -> None:
    """Warm every route up, then drive each once per round; results land on the routes."""
    tool = load_tool(settings.tool)
    for route in routes:
        warmup = settings.warmup if route.warmup is None else route.warmup
        if warmup > 0:
            measure(route.request(), warmup, settings.connections, tool)
    for number in range(settings.rounds):
        for route in routes:
            route.results.append(
                measure(route.request(), settings.seconds, settings.connections, tool)
            )
        if after_round is not None:
            after_round(number)


def section(title: str, routes: list[Route], notes: list[str], known: dict[str, Row]) -> Section:
    """A table of routes, each as a ratio of its baseline's row; ``known`` holds the rows of
    earlier tables (found baselines there too) and gets this table's rows added."""
    table = Section(title=title, notes=notes)
    for route in routes:
        bad = sum(r.bad for r in route.results)
        known[route.key] = Row(
            key=route.key,
            name=route.name,
            unit="req/s",
            value=Stat(tuple(r.rps for r in route.results)),
            p50_ms=Stat(tuple(r.p50_ms for r in route.results)),
            p99_ms=Stat(tuple(r.p99_ms for r in route.results)),
            note=f"{bad} errors or non-2xx" if bad else "",
        )
    for route in routes:
        row = known[route.key]
        if route.baseline is not None:
            row.baseline = known.get(route.baseline)
        table.add(row)
    return table


def main() -> None:
    """Print the throughput table for the baselines and the mock (no large catalog, no peers)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--load", choices=("auto", "wrk", "python"), default="auto")
    args = parser.parse_args()
    settings = LoadSettings(
        seconds=args.seconds, rounds=args.rounds, connections=args.connections, tool=args.load
    )
    with ExitStack() as stack:
        servers = start_servers(stack, None)
        routes = mock_routes(servers, None)
        started = time.perf_counter()
        run(routes, settings)
        took = time.perf_counter() - started
    print(section("Throughput", routes, [f"{took:.0f} s of load"], {}).text())


if __name__ == "__main__":
    main()
