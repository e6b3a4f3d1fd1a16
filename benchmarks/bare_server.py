"""The bare aiohttp handler: the ceiling of our stack, one canned ``GET /status``.

Run: ``python -m benchmarks.bare_server [--loop auto|asyncio|uvloop] [--body JSON]``. ``auto``
installs uvloop when it is importable, as the mock's CLI does, so that the baseline runs on the
mock's event loop. It prints ``listening on http://127.0.0.1:PORT loop=NAME`` and serves until
SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import signal

from aiohttp import web

__all__ = ["main"]


def _install_loop(choice: str) -> str:
    if choice == "asyncio":
        return "asyncio"
    try:
        # Imported by name: uvloop is optional and not installed for type checking.
        uvloop = importlib.import_module("uvloop")
    except ImportError:
        if choice == "uvloop":
            raise
        return "asyncio"
    uvloop.install()
    return "uvloop"


async def _serve(body: bytes, loop_name: str) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/status", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(f"listening on http://127.0.0.1:{port} loop={loop_name}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def main() -> None:
    """Serve the canned route on the chosen event loop."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop", choices=("auto", "asyncio", "uvloop"), default="auto")
    # The driver passes the mock's own /status body; importing the catalog here would weigh on
    # this process's memory, which is reported next to the mock's.
    parser.add_argument("--body", default='{"status":"ok"}', help="the JSON body to answer")
    args = parser.parse_args()
    loop_name = _install_loop(args.loop)
    asyncio.run(_serve(args.body.encode(), loop_name))


if __name__ == "__main__":
    main()
