"""Load on one URL: wrk (Debian's package) when installed, else a bounded Python generator.

Both report requests per second, p50 and p99 latency in milliseconds, and how many answers were
not 2xx/3xx (or failed on the socket), so a benchmark of an error page cannot pass for a fast one.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

__all__ = ["LoadResult", "Request", "load_tool", "measure"]

#: At most this many requests per Python-generated measurement (a bound besides the time).
PYTHON_MAX_REQUESTS = 2_000_000


@dataclass(frozen=True, kw_only=True)
class Request:
    """What to send, again and again."""

    url: str
    method: str = "GET"
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class LoadResult:
    """The outcome of one measurement."""

    rps: float
    p50_ms: float
    p99_ms: float
    bad: int


def load_tool(choice: str) -> str:
    """``wrk`` or ``python``: ``auto`` picks wrk when it is on PATH."""
    if choice == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if choice == "wrk" and not shutil.which("wrk"):
        raise RuntimeError("--load wrk: wrk is not installed (apt-get install wrk)")
    return choice


def measure(request: Request, seconds: float, connections: int, tool: str) -> LoadResult:
    """Drive ``request`` for ``seconds`` over ``connections`` keep-alive connections."""
    if tool == "wrk":
        return _wrk(request, max(1, round(seconds)), connections)
    return asyncio.run(_python_load(request, seconds, connections))


def _wrk_ms(out: str, label: str) -> float:
    match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\b", out, re.MULTILINE)
    if not match:
        return math.nan
    value, unit = float(match.group(1)), match.group(2)
    return {"us": value / 1000, "ms": value, "s": value * 1000}[unit]


def _wrk(request: Request, seconds: int, connections: int) -> LoadResult:
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", request.url]
    lua = None
    if request.method != "GET" or request.headers or request.body is not None:
        lines = [f"wrk.method = {json.dumps(request.method)}"]
        if request.body is not None:
            lines.append(f"wrk.body = {json.dumps(request.body.decode())}")
        lines += [
            f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in request.headers.items()
        ]
        fd, lua = tempfile.mkstemp(suffix=".lua")
        os.write(fd, "\n".join(lines).encode())
        os.close(fd)
        argv[1:1] = ["-s", lua]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    finally:
        if lua:
            os.unlink(lua)
    out = done.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if done.returncode != 0 or not rps:
        raise RuntimeError(f"wrk failed on {request.url}: {done.stderr or out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    bad = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        bad += sum(int(n) for n in socket_errors.groups())
    return LoadResult(
        rps=float(rps.group(1)), p50_ms=_wrk_ms(out, "50%"), p99_ms=_wrk_ms(out, "99%"), bad=bad
    )


async def _python_load(request: Request, seconds: float, connections: int) -> LoadResult:
    import aiohttp

    latencies: list[float] = []
    bad = 0
    started = time.monotonic()
    stop = started + seconds

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal bad
        while time.monotonic() < stop and len(latencies) < PYTHON_MAX_REQUESTS:
            start = time.perf_counter()
            try:
                async with session.request(
                    request.method, request.url, data=request.body, headers=request.headers
                ) as resp:
                    await resp.read()
                    bad += resp.status >= 400
            except aiohttp.ClientError:
                bad += 1
            latencies.append(time.perf_counter() - start)

    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(connections)))
    elapsed = time.monotonic() - started
    ordered = sorted(latencies)
    if not ordered:
        return LoadResult(rps=0.0, p50_ms=math.nan, p99_ms=math.nan, bad=bad)
    return LoadResult(
        rps=len(ordered) / elapsed,
        p50_ms=ordered[len(ordered) // 2] * 1000,
        p99_ms=ordered[max(0, math.ceil(len(ordered) * 0.99) - 1)] * 1000,
        bad=bad,
    )
