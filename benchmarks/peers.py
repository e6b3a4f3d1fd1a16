"""Peers on the same canned route: WireMock, Mockoon CLI, json-server, and oauth2-mock-server's
token endpoint, installed with npm into a cache folder outside the repository.

``make bench-peers`` only (never CI). The cache is ``~/.cache/coherta-mock-bench/peers`` (or
``COHERTA_BENCH_PEERS``); ``npm install --prefix`` fills it once. Each peer serves ``GET /status``
with the mock's own body on a loopback port; WireMock (the ``wiremock`` npm package bundles the
standalone jar) runs on ``java -jar`` with its request journal off, its fastest setting.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.canned import status_body
from benchmarks.procs import Server, free_port, start_polling
from benchmarks.results import Row, Section, Stat

__all__ = ["PACKAGES", "Peer", "install", "peer_cache", "start_peers", "versions"]

#: What ``npm install`` puts into the cache, pinned as issue 9 names them.
PACKAGES = ("wiremock@3.13.2", "@mockoon/cli@9", "oauth2-mock-server@9", "json-server@0.17.4")
_MODULES = ("wiremock", "@mockoon/cli", "oauth2-mock-server", "json-server")


def peer_cache() -> Path:
    """The folder holding the peers' ``node_modules``."""
    default = Path.home() / ".cache" / "coherta-mock-bench" / "peers"
    return Path(os.environ.get("COHERTA_BENCH_PEERS", default))


def install(cache: Path) -> None:
    """Install the peers into ``cache`` unless they are there already."""
    if all((cache / "node_modules" / m / "package.json").is_file() for m in _MODULES):
        return
    if not shutil.which("npm"):
        raise RuntimeError("the peers need npm (and Java 17 for WireMock)")
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(cache), *PACKAGES],
        check=True,
        timeout=900,
    )


def versions(cache: Path) -> dict[str, str]:
    """Each peer package's installed version."""
    found = {}
    for module in _MODULES:
        meta = cache / "node_modules" / module / "package.json"
        found[module] = json.loads(meta.read_text())["version"] if meta.is_file() else "missing"
    return found


@dataclass(kw_only=True)
class Peer:
    """A peer server: how to start it, what to probe, what to load."""

    key: str
    name: str
    argv: list[str]
    probe: str = "/status"
    path: str = "/status"
    method: str = "GET"
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    warmup: float | None = None
    port: int = 0
    starts: list[float] = field(default_factory=list)


def _wiremock(cache: Path, work: Path, port: int) -> list[str]:
    jar = next((cache / "node_modules" / "wiremock").rglob("wiremock-standalone-*.jar"))
    mappings = work / "wiremock" / "mappings"
    mappings.mkdir(parents=True, exist_ok=True)
    mapping = {
        "request": {"method": "GET", "url": "/status"},
        "response": {
            "status": 200,
            "body": status_body().decode(),
            "headers": {"Content-Type": "application/json"},
        },
    }
    (mappings / "status.json").write_text(json.dumps(mapping))
    return [
        "java",
        "-jar",
        str(jar),
        "--port",
        str(port),
        "--bind-address",
        "127.0.0.1",
        "--root-dir",
        str(work / "wiremock"),
        "--disable-banner",
        "--no-request-journal",
    ]


# Builds the environment with Mockoon's own schema builders, so it matches the installed version.
_MOCKOON_ENV = """
const c = require('@mockoon/commons');
const [body, port] = process.argv.slice(1);
const env = c.BuildEnvironment({hasDefaultRoute: false, hasContentTypeHeader: true,
                                hasCorsHeaders: false});
const route = c.BuildHTTPRoute(true, {endpoint: 'status', body});
route.uuid = c.generateUUID();
route.responses[0].uuid = c.generateUUID();
env.uuid = c.generateUUID();
env.name = 'coherta-bench';
env.port = Number(port);
env.hostname = '127.0.0.1';
env.routes.push(route);
env.rootChildren.push({type: 'route', uuid: route.uuid});
process.stdout.write(JSON.stringify(env));
"""


def _mockoon(cache: Path, work: Path, port: int) -> list[str]:
    env = subprocess.run(
        ["node", "-e", _MOCKOON_ENV, status_body().decode(), str(port)],
        cwd=cache,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    (work / "mockoon.json").write_text(env)
    run_js = cache / "node_modules" / "@mockoon" / "cli" / "bin" / "run.js"
    return [
        "node",
        str(run_js),
        "start",
        "--data",
        str(work / "mockoon.json"),
        "--port",
        str(port),
        "-X",
    ]


def _json_server(cache: Path, work: Path, port: int) -> list[str]:
    (work / "db.json").write_text(json.dumps({"status": json.loads(status_body())}))
    bin_js = cache / "node_modules" / "json-server" / "lib" / "cli" / "bin.js"
    return [
        "node",
        str(bin_js),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--quiet",
        str(work / "db.json"),
    ]


def _oauth2(cache: Path, work: Path, port: int) -> list[str]:
    cli = cache / "node_modules" / "oauth2-mock-server" / "dist" / "oauth2-mock-server.mjs"
    return ["node", str(cli), "-a", "127.0.0.1", "-p", str(port)]


def _peers(cache: Path, work: Path, wiremock_warmup: float) -> list[Peer]:
    peers = []
    for key, name, build, extra in (
        ("wiremock", "WireMock 3 (JVM, after warm-up)", _wiremock, {"warmup": wiremock_warmup}),
        ("mockoon", "Mockoon CLI", _mockoon, {}),
        ("json_server", "json-server 0.17", _json_server, {}),
        (
            "oauth2",
            "oauth2-mock-server: POST /token",
            _oauth2,
            {
                "probe": "/.well-known/openid-configuration",
                "path": "/token",
                "method": "POST",
                "body": b"grant_type=client_credentials",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            },
        ),
    ):
        port = free_port()
        peer = Peer(key=key, name=name, argv=build(cache, work, port), port=port)
        for attr, value in extra.items():
            setattr(peer, attr, value)
        peers.append(peer)
    return peers


def start_peers(
    stack: ExitStack, work: Path, starts: int, wiremock_warmup: float
) -> list[tuple[Peer, Server]]:
    """Start each peer ``starts`` times (timing each to its first 200); keep the last running."""
    cache = peer_cache()
    install(cache)
    running = []
    for peer in _peers(cache, work, wiremock_warmup):
        for attempt in range(max(1, starts)):
            server = start_polling(peer.key, peer.argv, peer.port, cache, probe_path=peer.probe)
            peer.starts.append(server.started_in * 1000)
            if attempt + 1 < max(1, starts):
                server.stop()
            else:
                stack.callback(server.stop)
                running.append((peer, server))
    return running


def startup_section(peers: list[Peer], mock_serve: Row | None) -> Section:
    """Start to first 200 of each peer, as a ratio of the mock's ``serve`` start-up."""
    section = Section(
        title="Peers: start to first 200",
        notes=["ms from process start; ratios against `coherta-mock serve` (start-up table)"],
    )
    for peer in peers:
        section.add(
            Row(
                key=f"peers.start.{peer.key}",
                name=peer.name.split(":")[0],
                unit="ms",
                value=Stat(tuple(peer.starts)),
                baseline=mock_serve,
                paired=False,
            )
        )
    return section
