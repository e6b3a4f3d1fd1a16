"""The ``coherta-mock`` command line: parse, build a Config, hand over; errors become exit codes.

Subcommands: ``serve`` (run the mock), ``check`` (validate fixtures), ``routes`` (list the catalog),
``record`` (write fixtures from a live API through a proxy), ``drift`` (compare fixtures with a
live API). Every ``serve`` option can also be set as a ``COHERTA_MOCK_*`` environment variable.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import gc
import json
import logging
import signal
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Coroutine, Sequence
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockserver import __version__
from mockserver.config import SETTINGS, Config, shipped_fixtures
from mockserver.errors import ConfigError, FixtureError, MockServerError, OutputExistsError

if TYPE_CHECKING:
    from aiohttp import web

    from mockserver.catalog.model import Catalog

# The server, the loader and aiohttp are imported by the commands that use them: `health` (the
# Docker HEALTHCHECK, run every few seconds) needs none of them.

__all__ = ["HEALTH_PATH", "ExitCode", "main"]

HEALTH_PATH = "/__mock/health"


class ExitCode(IntEnum):
    """What the process's exit status means."""

    OK = 0
    PROBLEMS_FOUND = 1  # check: the fixtures have problems
    UNHEALTHY = 1  # health: the mock did not answer ok
    USAGE = 2  # argparse's own code for a bad command line
    FIXTURES_INVALID = 3
    CONFIG_INVALID = 4
    ADDRESS_IN_USE = 5
    CANNOT_LISTEN = 6
    DRIFT_FOUND = 1  # drift: the live API differs from the fixtures
    TARGET_UNREACHABLE = 7  # drift: the live API did not answer
    TOKEN_REFUSED = 8  # drift: the live API's POST /token gave no token
    OUTPUT_EXISTS = 9  # record, import-openapi: the output directory already holds fixture files
    SPEC_INVALID = 10  # import-openapi: the document is not a usable OpenAPI 3.x document


def _display_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


async def _run_until_signal(
    app: web.Application,
    host: str,
    port: int,
    announce: Callable[[int], None],
    access_log: logging.Logger | None = None,
) -> None:
    """Serve ``app`` until SIGTERM or SIGINT; ``announce`` gets the bound port once listening."""
    from aiohttp import web

    from mockserver.server.app import create_runner
    from mockserver.server.reload import watch_fixtures
    from mockserver.server.state import STATE

    # aiohttp may wait the shutdown timeout twice for a handler that does not finish (once for
    # the handler, once more after cancelling its body): 2 x 3 s stays within Docker's 10 s.
    runner = create_runner(app, access_log=access_log, shutdown_timeout=3.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    announce(runner.addresses[0][1])
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    state = app.get(STATE)
    watcher = (
        asyncio.create_task(watch_fixtures(state))
        if state is not None and state.config.watch
        else None
    )
    await stop.wait()
    if watcher is not None:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    await runner.cleanup()


async def _serve(config: Config, catalog: Catalog) -> None:
    from mockserver.server.app import create_app

    log = logging.getLogger("coherta_mock")

    def announce(port: int) -> None:
        t = catalog.totals()
        log.info(
            "serving %d endpoints (%d protected, %d open) in %d groups from %s",
            t["endpoints"],
            t["protected"],
            t["open"],
            t["groups"],
            catalog.root,
        )
        print(f"coherta-mock listening on http://{_display_host(config.host)}:{port}", flush=True)

    app = create_app(config, catalog=catalog)
    # The catalog and its routes live as long as the server: keep the collector from walking
    # them again and again while it serves (a reload's new generation is not frozen: rare).
    gc.freeze()
    await _run_until_signal(
        app,
        config.host,
        config.port,
        announce,
        logging.getLogger("coherta_mock.access") if config.access_log else None,
    )
    log.info("stopping")


def _run_server(main: Coroutine[Any, Any, None]) -> None:
    """Run a server's main coroutine on uvloop where it is installed, else on asyncio's loop."""
    try:
        import uvloop  # libuv's event loop: sockets and timers in C
    except ImportError:  # pragma: no cover - uvloop is a dependency except on Windows
        asyncio.run(main)
        return
    uvloop.run(main)


def _listen_error(exc: OSError, host: str, port: int) -> int:
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        print(
            f"coherta-mock: {where} is already in use; stop the other server or pick another "
            "port with --port (0 picks a free one)",
            file=sys.stderr,
        )
        return ExitCode.ADDRESS_IN_USE
    print(f"coherta-mock: cannot listen on {where}: {exc.strerror or exc}", file=sys.stderr)
    return ExitCode.CANNOT_LISTEN


def _cmd_serve(args: argparse.Namespace) -> int:
    from mockserver.catalog.loader import load_catalog

    overrides = {s.name: getattr(args, s.name) for s in SETTINGS}
    config = Config.from_env(**overrides)
    logging.basicConfig(
        stream=sys.stdout,
        level=config.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    catalog = load_catalog(config.fixtures_dir)
    try:
        _run_server(_serve(config, catalog))
    except OSError as exc:
        return _listen_error(exc, config.host, config.port)
    return ExitCode.OK


def _cmd_health(args: argparse.Namespace) -> int:
    base = args.url or f"http://127.0.0.1:{Config.from_env().port}"
    target = base if base.rstrip("/").endswith(HEALTH_PATH) else base.rstrip("/") + HEALTH_PATH
    try:
        with urllib.request.urlopen(target, timeout=args.timeout) as response:
            body = json.load(response)
    except urllib.error.HTTPError as exc:
        print(f"coherta-mock health: {target} answered {exc.code}", file=sys.stderr)
        return ExitCode.UNHEALTHY
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        print(f"coherta-mock health: {target} did not answer: {reason}", file=sys.stderr)
        return ExitCode.UNHEALTHY
    status = body.get("status") if isinstance(body, dict) else None
    print(f"{target}: {status}")
    return ExitCode.OK if status in ("ok", "degraded") else ExitCode.UNHEALTHY


def _cmd_check(args: argparse.Namespace) -> int:
    from mockserver.catalog.loader import load_catalog

    root = args.dir or Config.from_env().fixtures_dir
    try:
        catalog = load_catalog(root)
    except FixtureError as exc:
        for problem in exc.problems:
            print(problem)
        count = len(exc.problems)
        print(f"{count} problem{'s' if count != 1 else ''} in {root}", file=sys.stderr)
        return ExitCode.PROBLEMS_FOUND
    print(f"{root}: OK, {_totals_line(catalog)}")
    return ExitCode.OK


def _totals_line(catalog: Catalog) -> str:
    t = catalog.totals()
    endpoints = "endpoint" if t["endpoints"] == 1 else "endpoints"
    groups = "group" if t["groups"] == 1 else "groups"
    return (
        f"{t['endpoints']} {endpoints} · {t['protected']} protected · {t['open']} open · "
        f"{t['groups']} {groups}"
    )


def _cmd_routes(args: argparse.Namespace) -> int:
    from mockserver.catalog.loader import load_catalog
    from mockserver.control.operations import describe_routes

    catalog = load_catalog(args.fixtures or Config.from_env().fixtures_dir)
    if args.json:
        print(json.dumps(describe_routes(catalog), indent=2))
        return ExitCode.OK
    rows = [
        (e.method, e.path, e.auth, " ".join(e.scopes) or "-", e.group) for e in catalog.endpoints
    ]
    header = ("METHOD", "PATH", "AUTH", "SCOPES", "GROUP")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    print()
    print(_totals_line(catalog))
    return ExitCode.OK


async def _record(app: web.Application, host: str, port: int, target: str) -> None:
    from mockserver.recording.proxy import RECORDER

    def announce(bound: int) -> None:
        print(
            f"coherta-mock recording on http://{_display_host(host)}:{bound} -> {target}",
            flush=True,
        )

    await _run_until_signal(app, host, port, announce)
    store = app[RECORDER].store
    logging.getLogger("coherta_mock.record").info(
        "stopped; %d endpoints recorded in %s", store.endpoint_count, store.out
    )


def _cmd_record(args: argparse.Namespace) -> int:
    # stdout carries only the "recording on" line; the log of what is recorded goes to stderr.
    logging.basicConfig(
        stream=sys.stderr, level="INFO", format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    from mockserver.recording import create_recorder_app

    try:
        app = create_recorder_app(args.target, args.out, force=args.force)
    except OutputExistsError as exc:
        print(f"coherta-mock: {exc}", file=sys.stderr)
        return ExitCode.OUTPUT_EXISTS
    try:
        asyncio.run(_record(app, args.host, args.port, args.target))
    except OSError as exc:
        return _listen_error(exc, args.host, args.port)
    return ExitCode.OK


def _cmd_drift(args: argparse.Namespace) -> int:
    from mockserver.catalog.loader import load_catalog
    from mockserver.drift import TargetUnreachableError, TokenRefusedError, run_drift

    catalog = load_catalog(args.fixtures or Config.from_env().fixtures_dir)
    try:
        report = asyncio.run(
            run_drift(
                catalog,
                args.target,
                username=args.username,
                password=args.password,
                timeout=args.timeout,
            )
        )
    except TargetUnreachableError as exc:
        print(f"coherta-mock drift: {exc}", file=sys.stderr)
        return ExitCode.TARGET_UNREACHABLE
    except TokenRefusedError as exc:
        print(f"coherta-mock drift: {exc}", file=sys.stderr)
        return ExitCode.TOKEN_REFUSED
    print(json.dumps(report.as_dict(), indent=2) if args.json else report.text())
    return ExitCode.DRIFT_FOUND if report.drifted else ExitCode.OK


def _cmd_import_openapi(args: argparse.Namespace) -> int:
    from mockserver.catalog.loader import check_fixtures
    from mockserver.openapi.importer import OpenAPIImportError, import_openapi

    try:
        result = import_openapi(args.spec, args.out, force=args.force)
    except OutputExistsError as exc:
        print(f"coherta-mock: {exc}", file=sys.stderr)
        return ExitCode.OUTPUT_EXISTS
    except OpenAPIImportError as exc:
        print(f"coherta-mock: {exc}", file=sys.stderr)
        return ExitCode.SPEC_INVALID
    for path in result.files:
        print(path)
    problems = check_fixtures(args.out)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(
        f"imported {result.endpoints} endpoints into {args.out}"
        + (f"; {len(problems)} problems to fix by hand" if problems else "")
    )
    return ExitCode.PROBLEMS_FOUND if problems else ExitCode.OK


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535; 0 picks one)")
    return port


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``coherta-mock``."""
    parser = argparse.ArgumentParser(
        prog="coherta-mock",
        description="An offline mock of the Coherta API with a fake JWT token issuer.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the mock server",
        description="Run the mock server. Every option can also be set as an environment variable.",
    )
    defaults = Config()
    for setting in SETTINGS:
        default = getattr(defaults, setting.name)
        shown = "the shipped catalog" if setting.name == "fixtures" else default
        shown = "none" if shown is None else shown
        help_text = f"{setting.help} [env: {setting.env}; default: {shown}]"
        if setting.is_flag:
            serve.add_argument(
                setting.flag, dest=setting.name, action="store_true", default=None, help=help_text
            )
        else:
            serve.add_argument(
                setting.flag,
                dest=setting.name,
                type=setting.parse,
                default=None,
                metavar=setting.metavar,
                help=help_text,
            )
    serve.set_defaults(run=_cmd_serve)

    check = commands.add_parser("check", help="validate a fixture directory and list every problem")
    check.add_argument(
        "dir", nargs="?", type=Path, help=f"fixture directory (default: {shipped_fixtures()})"
    )
    check.set_defaults(run=_cmd_check)

    health = commands.add_parser(
        "health",
        help="exit 0 when a running mock answers /__mock/health, 1 otherwise",
        description="Check a running mock (Docker HEALTHCHECK, compose, CI). No curl needed.",
    )
    health.add_argument(
        "--url",
        metavar="URL",
        help="the mock's base URL (default: http://127.0.0.1:$COHERTA_MOCK_PORT, port 8080)",
    )
    health.add_argument(
        "--timeout", type=float, default=3.0, metavar="SECONDS", help="default: 3 seconds"
    )
    health.set_defaults(run=_cmd_health)

    imports = commands.add_parser(
        "import-openapi",
        help="turn an OpenAPI 3.0/3.1 document into fixtures, one file per tag",
        description="Write fixtures for an OpenAPI 3.0/3.1 document (JSON or YAML): request "
        "fields, responses from examples (or generated from schemas), auth from security.",
    )
    imports.add_argument("spec", type=Path, metavar="SPEC", help="the OpenAPI document")
    imports.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    imports.add_argument("--force", action="store_true", help="overwrite existing fixture files")
    imports.set_defaults(run=_cmd_import_openapi)

    routes = commands.add_parser("routes", help="list the catalog's routes and totals")
    routes.add_argument("--fixtures", type=Path, metavar="DIR", help="fixture directory")
    routes.add_argument("--json", action="store_true", help="print JSON instead of a table")
    routes.set_defaults(run=_cmd_routes)

    record = commands.add_parser(
        "record",
        help="record a live API's answers as fixtures, through a proxy",
        description="Run a proxy that forwards every request to --target, answers with the "
        "target's answer and writes each new method, route and status to fixtures in --out, "
        "secrets redacted. SIGTERM or Ctrl-C stops it.",
    )
    record.add_argument("--target", required=True, metavar="URL", help="the API to record")
    record.add_argument(
        "--out", required=True, type=Path, metavar="DIR", help="directory to write fixtures to"
    )
    record.add_argument(
        "--host", default="127.0.0.1", metavar="HOST", help="address to listen on [127.0.0.1]"
    )
    record.add_argument(
        "--port", type=_port, default=8080, metavar="PORT", help="port; 0 picks a free one [8080]"
    )
    record.add_argument(
        "--force", action="store_true", help="replace the fixture files already in --out"
    )
    record.set_defaults(run=_cmd_record)

    drift = commands.add_parser(
        "drift",
        help="compare the fixtures' GET endpoints with a live API",
        description="Send each GET endpoint's example request to --target and report where the "
        "answer differs from the fixture's default response. Exit 0: no drift; 1: drift.",
    )
    drift.add_argument("--target", required=True, metavar="URL", help="the live API's base URL")
    drift.add_argument("--fixtures", type=Path, metavar="DIR", help="fixture directory")
    drift.add_argument("--username", default="demo", metavar="USER", help="for POST /token [demo]")
    drift.add_argument(
        "--password", default="secret", metavar="PASSWORD", help="for POST /token [secret]"
    )
    drift.add_argument("--json", action="store_true", help="print the report as JSON")
    drift.add_argument(
        "--timeout", type=float, default=30.0, metavar="SECONDS", help="per request [30]"
    )
    drift.set_defaults(run=_cmd_drift)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``coherta-mock`` with ``argv``; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return int(args.run(args))
    except ConfigError as exc:
        print(f"coherta-mock: {exc}", file=sys.stderr)
        return ExitCode.CONFIG_INVALID
    except FixtureError as exc:
        print(f"coherta-mock: cannot load fixtures\n{exc}", file=sys.stderr)
        return ExitCode.FIXTURES_INVALID
    except MockServerError as exc:
        print(f"coherta-mock: {exc}", file=sys.stderr)
        return ExitCode.CONFIG_INVALID
    except KeyboardInterrupt:
        return ExitCode.OK
