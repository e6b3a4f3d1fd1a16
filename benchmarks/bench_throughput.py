"""Throughput and latency of the mock against a bare aiohttp handler, measured in one run.

Each server runs in its own process on a loopback port; the load comes from wrk (Debian's
package) when installed, else from a bounded Python load generator. Reported: requests/s, p50
and p99, and each figure as a ratio of the bare aiohttp baseline measured in the same run.

Run: ``python benchmarks/bench_throughput.py [--seconds 5] [--connections 32]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request

#: Whether wrk drives the load (set from --load at start).
USE_WRK = [bool(shutil.which("wrk"))]

BARE_SERVER = textwrap.dedent(
    """
    import sys
    from aiohttp import web

    async def handler(request):
        return web.Response(body=b'{"status":"ok"}', content_type="application/json")

    app = web.Application()
    app.router.add_get("/status", handler)
    runner = web.AppRunner(app, access_log=None)

    async def main():
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        print(f"listening on http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
        import asyncio
        await asyncio.Event().wait()

    import asyncio
    asyncio.run(main())
    """
)


def _start(argv: list[str]) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        if match:
            return proc, match.group(1)
    proc.kill()
    raise RuntimeError(f"server did not start: {argv}")


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _wrk(url: str, seconds: int, connections: int, script: str | None) -> dict[str, float]:
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script:
        argv[1:1] = ["-s", script]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30).stdout

    def ms(label: str) -> float:
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)", out, re.MULTILINE)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(rps.group(1)) if rps else float("nan"),
        "p50": ms("50%"),
        "p99": ms("99%"),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }


async def _python_load(
    url: str,
    seconds: int,
    connections: int,
    method: str,
    body: bytes | None,
    headers: dict[str, str],
) -> dict[str, float]:
    import aiohttp

    latencies: list[float] = []
    bad = 0
    stop = time.monotonic() + seconds

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal bad
        while time.monotonic() < stop and len(latencies) < 2_000_000:
            start = time.perf_counter()
            async with session.request(method, url, data=body, headers=headers) as resp:
                await resp.read()
                bad += resp.status >= 300
            latencies.append(time.perf_counter() - start)

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(worker(session) for _ in range(connections)))
    ordered = sorted(latencies)
    return {
        "rps": len(latencies) / seconds,
        "p50": statistics.median(ordered) * 1000,
        "p99": ordered[int(len(ordered) * 0.99) - 1] * 1000,
        "non_2xx": float(bad),
    }


def _measure(
    url: str,
    seconds: int,
    connections: int,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, float]:
    headers = headers or {}
    if USE_WRK[0]:
        lua = None
        if method != "GET" or headers:
            fd, lua = tempfile.mkstemp(suffix=".lua")
            lines = [f'wrk.method = "{method}"']
            if body is not None:
                lines.append(f"wrk.body = {json.dumps(body.decode())}")
            lines += [f'wrk.headers["{k}"] = {json.dumps(v)}' for k, v in headers.items()]
            os.write(fd, "\n".join(lines).encode())
            os.close(fd)
        try:
            return _wrk(url, seconds, connections, lua)
        finally:
            if lua:
                os.unlink(lua)
    return asyncio.run(_python_load(url, seconds, connections, method, body, headers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="per measurement (max 60)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--load", choices=("auto", "wrk", "python"), default="auto", help="load generator"
    )
    args = parser.parse_args()
    if args.load != "auto":
        USE_WRK[0] = args.load == "wrk"
    seconds = max(1, min(args.seconds, 60))
    rows: list[tuple[str, dict[str, float]]] = []
    bare, bare_url = _start([sys.executable, "-c", BARE_SERVER])
    try:
        rows.append(
            (
                "bare aiohttp handler (baseline)",
                _measure(f"{bare_url}/status", seconds, args.connections),
            )
        )
    finally:
        _stop(bare)
    mock, url = _start([sys.executable, "-m", "mockserver", "serve", "--port", "0"])
    try:
        token_body = b'{"username":"demo","password":"secret"}'
        request = urllib.request.Request(
            f"{url}/token", data=token_body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            token = json.load(response)["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        rows.append(
            (
                "mock: open canned route GET /status",
                _measure(f"{url}/status", seconds, args.connections),
            )
        )
        rows.append(
            (
                "mock: protected GET /audit-logs",
                _measure(f"{url}/audit-logs", seconds, args.connections, headers=auth),
            )
        )
        rows.append(
            (
                "mock: protected templated GET /users/me",
                _measure(f"{url}/users/me", seconds, args.connections, headers=auth),
            )
        )
        rows.append(
            (
                "mock: POST /token",
                _measure(
                    f"{url}/token",
                    seconds,
                    args.connections,
                    "POST",
                    token_body,
                    {"Content-Type": "application/json"},
                ),
            )
        )
    finally:
        _stop(mock)
    base = rows[0][1]["rps"]
    tool = "wrk -t1" if USE_WRK[0] else "python load generator"
    print(f"throughput, {tool}, {args.connections} connections, {seconds} s each, loopback")
    print(
        f"{'measurement':42} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'x bare':>7}"
    )
    for name, r in rows:
        print(
            f"{name:42} {r['rps']:9.0f} {r['p50']:8.2f} {r['p99']:8.2f} {r['non_2xx']:8.0f} "
            f"{r['rps'] / base:7.2f}"
        )


if __name__ == "__main__":
    main()
