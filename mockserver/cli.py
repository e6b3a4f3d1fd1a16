"""The ``coherta-mock`` command line: parse, build a Config, hand over; errors become exit codes.

Subcommands: ``serve`` (run the mock), ``check`` (validate fixtures), ``routes`` (list the catalog).
Every ``serve`` option can also be set as a ``COHERTA_MOCK_*`` environment variable.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import json
import logging
import signal
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from enum import IntEnum
from pathlib import Path

from aiohttp import web

from mockserver import __version__
from mockserver.catalog.loader import check_fixtures, load_catalog
from mockserver.catalog.model import Catalog
from mockserver.config import SETTINGS, Config, shipped_fixtures
from mockserver.control.operations import describe_routes
from mockserver.errors import ConfigError, FixtureError, MockServerError
from mockserver.server.app import create_app

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


def _display_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


async def _serve(config: Config, catalog: Catalog) -> None:
    app = create_app(config, catalog=catalog)
    runner = web.AppRunner(
        app,
        handle_signals=False,
        access_log=logging.getLogger("coherta_mock.access") if config.access_log else None,
        shutdown_timeout=5.0,
    )
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    port = runner.addresses[0][1]
    t = catalog.totals()
    logging.getLogger("coherta_mock").info(
        "serving %d endpoints (%d protected, %d open) in %d groups from %s",
        t["endpoints"],
        t["protected"],
        t["open"],
        t["groups"],
        catalog.root,
    )
    print(f"coherta-mock listening on http://{_display_host(config.host)}:{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    logging.getLogger("coherta_mock").info("stopping")
    await runner.cleanup()


def _cmd_serve(args: argparse.Namespace) -> int:
    overrides = {s.name: getattr(args, s.name) for s in SETTINGS}
    config = Config.from_env(**overrides)
    logging.basicConfig(
        stream=sys.stdout,
        level=config.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    catalog = load_catalog(config.fixtures_dir)
    try:
        asyncio.run(_serve(config, catalog))
    except OSError as exc:
        where = f"{config.host}:{config.port}"
        if exc.errno == errno.EADDRINUSE:
            print(
                f"coherta-mock: {where} is already in use; stop the other server or pick another "
                "port with --port (0 picks a free one)",
                file=sys.stderr,
            )
            return ExitCode.ADDRESS_IN_USE
        print(f"coherta-mock: cannot listen on {where}: {exc.strerror or exc}", file=sys.stderr)
        return ExitCode.CANNOT_LISTEN
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
    root = args.dir or Config.from_env().fixtures_dir
    problems = check_fixtures(root)
    for problem in problems:
        print(problem)
    if problems:
        count = len(problems)
        print(f"{count} problem{'s' if count != 1 else ''} in {root}", file=sys.stderr)
        return ExitCode.PROBLEMS_FOUND
    catalog = load_catalog(root)
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

    routes = commands.add_parser("routes", help="list the catalog's routes and totals")
    routes.add_argument("--fixtures", type=Path, metavar="DIR", help="fixture directory")
    routes.add_argument("--json", action="store_true", help="print JSON instead of a table")
    routes.set_defaults(run=_cmd_routes)
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
