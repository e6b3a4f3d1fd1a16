"""Soak: many concurrent clients against one ``coherta-mock serve`` for minutes, nothing lost.

Starts ``python -m mockserver serve --port 0`` on loopback and runs ``--clients`` concurrent
aiohttp clients (each its own session, reopened now and then so connections churn) for
``--seconds`` (hard cap 30 minutes) or ``--max-requests`` answers, whichever comes first. Each
client mixes token issue (``POST /token``), renewal (``POST /token/renew``), protected reads
(``GET /users/me``, ``/audit-logs``, ``/projects``), a create-then-delete of a project (so the
stateful collection stays the same size) and bad calls (a forged token, a wrong password, an
unknown route). Every ``--sample-every`` seconds it reads the server's resident memory
(``/proc/PID/status`` VmRSS) and open file descriptors (``/proc/PID/fd``).

The report: answers per status and per call, unexpected answers, client-side errors, the 5xx
count, the RSS and FD series (start, max, end, and the least-squares slope over the second half),
and the server log's tracebacks and ERROR lines. The exit status is 1 when there was any 5xx, any
unexpected answer or client error, any traceback or ERROR line in the log, RSS growth over the
second half beyond ``--max-rss-growth-mib``, FDs growing (second-half growth or more open after
the load than before it), or a SIGTERM that did not stop the server with status 0.

Run: ``python benchmarks/soak.py [--seconds 180] [--clients 64] [--json report.json]``.
Linux only (it reads /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

HARD_CAP_SECONDS = 1800.0
MAX_CLIENTS = 1024
LISTENING = re.compile(r"coherta-mock listening on (http://127\.0\.0\.1:\d+)\s*$")
#: Lines of the server's output that mean something went wrong on its side.
LOG_PROBLEM = re.compile(r"Traceback|\b(ERROR|CRITICAL)\b")
CREDENTIALS = {"username": "demo", "password": "secret"}
#: A token signed with another key: well-formed, never valid.
FORGED = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiJkZW1vIiwiZXhwIjo0MTAyNDQ0ODAwfQ."
    "c29hay1mb3JnZWQtc2lnbmF0dXJlLW5vdC12YWxpZA"
)
#: How many calls a client makes on one session before it opens a new one.
SESSION_CALLS = 200


# -- the server -----------------------------------------------------------------------------------


@dataclass
class ServerProcess:
    """The mock under soak: its process, URL and every line it printed."""

    proc: subprocess.Popen[bytes]
    url: str
    lines: list[str] = field(default_factory=list)
    readers: list[threading.Thread] = field(default_factory=list)


def _collect(stream: Any, lines: list[str], first_url: list[str], ready: threading.Event) -> None:
    for raw in stream:
        line = raw.decode("utf-8", "replace").rstrip("\n")
        lines.append(line)
        match = LISTENING.search(line)
        if match and not first_url:
            first_url.append(match.group(1))
            ready.set()
    ready.set()


def start_server(extra_args: Sequence[str] = ()) -> ServerProcess:
    """``python -m mockserver serve --port 0`` on loopback, once it has printed its URL."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockserver",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            *extra_args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    lines: list[str] = []
    url: list[str] = []
    ready = threading.Event()
    readers = [
        threading.Thread(target=_collect, args=(stream, lines, url, ready), daemon=True)
        for stream in (proc.stdout, proc.stderr)
    ]
    for reader in readers:
        reader.start()
    if not ready.wait(timeout=60) or not url:
        proc.kill()
        proc.wait(timeout=10)
        raise SystemExit("soak: the server printed no URL:\n" + "\n".join(lines[-40:]))
    return ServerProcess(proc=proc, url=url[0], lines=lines, readers=readers)


def stop_server(server: ServerProcess, timeout: float = 15.0) -> int | None:
    """SIGTERM, then the exit status (None when it had to be killed)."""
    server.proc.send_signal(signal.SIGTERM)
    try:
        code: int | None = server.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait(timeout=10)
        code = None
    for reader in server.readers:
        reader.join(timeout=5)
    return code


# -- sampling ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """The server's resident memory and open descriptors at one moment."""

    t: float
    rss_kib: int
    fds: int


def sample(pid: int, started: float) -> Sample:
    """Read VmRSS and the number of open file descriptors of ``pid`` from /proc."""
    rss = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
            break
    return Sample(t=time.monotonic() - started, rss_kib=rss, fds=len(os.listdir(f"/proc/{pid}/fd")))


def slope(points: Sequence[tuple[float, float]]) -> float:
    """The least-squares slope of (x, y) points; 0 with fewer than two distinct x."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points)
    if var == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / var


@dataclass(frozen=True)
class Series:
    """Summary of one sampled quantity."""

    start: float
    max: float
    end: float
    slope_per_min: float
    growth_second_half: float
    #: The slope over the last third, per minute: tells warm-up (caches filling) from a leak.
    slope_last_third_per_min: float


def summarize(samples: Sequence[Sample], value: Callable[[Sample], float]) -> Series:
    """Start, max, end, and the trend over the second half of the run."""
    values = [value(s) for s in samples]
    half = samples[-1].t / 2 if samples else 0.0
    second = [(s.t, value(s)) for s in samples if s.t >= half]
    per_second = slope(second)
    span = (second[-1][0] - second[0][0]) if len(second) > 1 else 0.0
    third = [(s.t, value(s)) for s in samples if s.t >= half * 4 / 3]
    return Series(
        start=values[0],
        max=max(values),
        end=values[-1],
        slope_per_min=per_second * 60,
        growth_second_half=per_second * span,
        slope_last_third_per_min=slope(third) * 60,
    )


# -- the clients ---------------------------------------------------------------------------------


@dataclass
class Tally:
    """Everything the clients saw."""

    by_status: Counter[int] = field(default_factory=Counter)
    by_call: Counter[str] = field(default_factory=Counter)
    unexpected: Counter[str] = field(default_factory=Counter)
    client_errors: Counter[str] = field(default_factory=Counter)
    total: int = 0

    def record(self, call: str, status: int, expected: set[int]) -> None:
        """Count one answer to ``call``."""
        self.total += 1
        self.by_status[status] += 1
        self.by_call[f"{call} {status}"] += 1
        if status not in expected:
            self.unexpected[f"{call} {status}"] += 1


class Client:
    """One simulated client: its own session, its current token, its own random stream."""

    def __init__(self, base: str, seed: int, tally: Tally, timeout: float) -> None:
        self.base = base
        self.rng = random.Random(seed)
        self.tally = tally
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.session: aiohttp.ClientSession | None = None
        self.token = ""
        self.calls = 0

    async def open(self) -> aiohttp.ClientSession:
        """The current session, reopened every SESSION_CALLS calls so connections churn."""
        if self.session is not None and self.calls % SESSION_CALLS == 0:
            await self.session.close()
            self.session = None
        if self.session is None:
            self.session = aiohttp.ClientSession(timeout=self.timeout)
        return self.session

    async def close(self) -> None:
        """Close the session."""
        if self.session is not None:
            await self.session.close()
            self.session = None

    async def call(
        self,
        name: str,
        method: str,
        path: str,
        expected: set[int],
        *,
        token: str | None = None,
        body: Any = None,
    ) -> Any:
        """Make one request and tally it; the JSON answer when it is 2xx JSON, else None."""
        session = await self.open()
        self.calls += 1
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        async with session.request(method, self.base + path, json=body, headers=headers) as resp:
            raw = await resp.read()
            self.tally.record(name, resp.status, expected)
            if 200 <= resp.status < 300 and resp.content_type == "application/json" and raw:
                return json.loads(raw)
            return None

    async def issue(self) -> None:
        """POST /token."""
        answer = await self.call("POST /token", "POST", "/token", {200}, body=CREDENTIALS)
        if answer:
            self.token = answer["access_token"]

    async def step(self) -> None:
        """One action, drawn by weight."""
        if not self.token:
            await self.issue()
            return
        roll = self.rng.random()
        if roll < 0.12:
            await self.issue()
        elif roll < 0.22:
            answer = await self.call(
                "POST /token/renew", "POST", "/token/renew", {200}, token=self.token
            )
            if answer:
                self.token = answer["access_token"]
        elif roll < 0.42:
            await self.call("GET /users/me", "GET", "/users/me", {200}, token=self.token)
        elif roll < 0.54:
            await self.call("GET /audit-logs", "GET", "/audit-logs", {200}, token=self.token)
        elif roll < 0.68:
            await self.call("GET /projects", "GET", "/projects", {200}, token=self.token)
        elif roll < 0.80:
            name = f"Soak {self.rng.getrandbits(64):016x}"
            created = await self.call(
                "POST /projects", "POST", "/projects", {201}, token=self.token, body={"name": name}
            )
            if created and isinstance(created.get("id"), str):
                await self.call(
                    "DELETE /projects/{id}",
                    "DELETE",
                    f"/projects/{created['id']}",
                    {204},
                    token=self.token,
                )
        elif roll < 0.87:
            await self.call("GET /users/me forged", "GET", "/users/me", {401}, token=FORGED)
        elif roll < 0.93:
            await self.call(
                "POST /token wrong password",
                "POST",
                "/token",
                {401},
                body={"username": "demo", "password": "wrong"},
            )
        else:
            await self.call("GET /no/such/route", "GET", "/no/such/route", {404})


async def run_client(client: Client, deadline: float, limit: int) -> None:
    """Act until the deadline or until the whole run has ``limit`` answers."""
    try:
        while time.monotonic() < deadline and client.tally.total < limit:
            try:
                await client.step()
            except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
                client.tally.client_errors[type(exc).__name__] += 1
                await client.close()
    finally:
        await client.close()


async def sampler(
    pid: int, started: float, every: float, samples: list[Sample], stop: asyncio.Event
) -> None:
    """Sample the server until ``stop`` is set."""
    while not stop.is_set():
        samples.append(sample(pid, started))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)


async def soak(
    url: str, pid: int, seconds: float, clients: int, limit: int, every: float, timeout: float
) -> tuple[Tally, list[Sample], Sample, Sample]:
    """Run the clients and the sampler; also sample idle before and after the load."""
    await asyncio.sleep(0.5)
    started = time.monotonic()
    before = sample(pid, started)
    tally = Tally()
    samples: list[Sample] = []
    stop = asyncio.Event()
    watcher = asyncio.create_task(sampler(pid, started, every, samples, stop))
    deadline = time.monotonic() + seconds
    workers = [Client(url, seed=i, tally=tally, timeout=timeout) for i in range(clients)]
    await asyncio.gather(*(run_client(w, deadline, limit) for w in workers))
    samples.append(sample(pid, started))
    stop.set()
    await watcher
    # Closed sessions close their sockets; give the server a moment to see the FINs.
    await asyncio.sleep(2.0)
    after = sample(pid, started)
    return tally, samples, before, after


# -- the report ----------------------------------------------------------------------------------


@dataclass
class Report:
    """The soak's figures and verdict."""

    seconds: float
    clients: int
    answers: int
    per_second: float
    by_status: dict[str, int]
    by_call: dict[str, int]
    unexpected: dict[str, int]
    client_errors: dict[str, int]
    server_errors: int
    rss_mib: dict[str, float]
    fds: dict[str, float]
    fds_idle_before: int
    fds_idle_after: int
    log_problems: list[str]
    exit_status: int | None
    failures: list[str]
    samples: list[dict[str, float]]


def build_report(
    tally: Tally,
    samples: list[Sample],
    before: Sample,
    after: Sample,
    log_lines: list[str],
    exit_status: int | None,
    args: argparse.Namespace,
    elapsed: float,
) -> Report:
    """Figures and the list of failed criteria."""
    rss = summarize(samples, lambda s: s.rss_kib / 1024)
    fds = summarize(samples, lambda s: float(s.fds))
    server_errors = sum(n for status, n in tally.by_status.items() if status >= 500)
    problems = [line for line in log_lines if LOG_PROBLEM.search(line)]
    failures = []
    if server_errors:
        failures.append(f"{server_errors} answers were 5xx")
    if tally.unexpected:
        failures.append(f"{sum(tally.unexpected.values())} unexpected answers")
    if tally.client_errors:
        failures.append(f"{sum(tally.client_errors.values())} client-side errors")
    if problems:
        failures.append(f"{len(problems)} traceback or ERROR lines in the server log")
    if rss.growth_second_half > args.max_rss_growth_mib:
        failures.append(
            f"RSS grew {rss.growth_second_half:.1f} MiB over the second half "
            f"(limit {args.max_rss_growth_mib} MiB)"
        )
    if fds.growth_second_half > args.max_fd_growth:
        failures.append(
            f"open FDs grew by {fds.growth_second_half:.1f} over the second half "
            f"(limit {args.max_fd_growth})"
        )
    if after.fds > before.fds + args.max_fd_growth:
        failures.append(f"{after.fds} FDs open after the load, {before.fds} before it")
    if exit_status != 0:
        failures.append(f"SIGTERM ended the server with status {exit_status}")
    if tally.total == 0:
        failures.append("no answers at all")
    return Report(
        seconds=round(elapsed, 1),
        clients=args.clients,
        answers=tally.total,
        per_second=round(tally.total / elapsed, 1) if elapsed else 0.0,
        by_status={str(k): v for k, v in sorted(tally.by_status.items())},
        by_call=dict(sorted(tally.by_call.items())),
        unexpected=dict(tally.unexpected),
        client_errors=dict(tally.client_errors),
        server_errors=server_errors,
        rss_mib={k: round(v, 2) for k, v in asdict(rss).items()},
        fds={k: round(v, 2) for k, v in asdict(fds).items()},
        fds_idle_before=before.fds,
        fds_idle_after=after.fds,
        log_problems=problems[:20],
        exit_status=exit_status,
        failures=failures,
        samples=[
            {"t": round(s.t, 1), "rss_mib": round(s.rss_kib / 1024, 2), "fds": s.fds}
            for s in samples
        ],
    )


def print_report(report: Report) -> None:
    """The report as text on stdout."""
    print(
        f"soak: {report.answers} answers in {report.seconds} s from {report.clients} clients "
        f"({report.per_second}/s)"
    )
    print("answers by status: " + ", ".join(f"{k}: {v}" for k, v in report.by_status.items()))
    for call, count in report.by_call.items():
        print(f"  {call:<40} {count}")
    print(f"5xx answers: {report.server_errors}")
    print(f"unexpected answers: {sum(report.unexpected.values())} {report.unexpected or ''}")
    print(f"client-side errors: {sum(report.client_errors.values())} {report.client_errors or ''}")
    r, f = report.rss_mib, report.fds
    print(
        f"RSS MiB: start {r['start']}, max {r['max']}, end {r['end']}, second-half slope "
        f"{r['slope_per_min']:+.2f} MiB/min (growth {r['growth_second_half']:+.2f} MiB), "
        f"last-third slope {r['slope_last_third_per_min']:+.2f} MiB/min"
    )
    print(
        f"open FDs: start {f['start']:.0f}, max {f['max']:.0f}, end {f['end']:.0f}, second-half "
        f"slope {f['slope_per_min']:+.2f}/min (growth {f['growth_second_half']:+.2f}); idle "
        f"before {report.fds_idle_before}, after {report.fds_idle_after}"
    )
    print(f"server log: {len(report.log_problems)} traceback/ERROR lines")
    for line in report.log_problems[:10]:
        print(f"  {line}")
    print(f"server exit status after SIGTERM: {report.exit_status}")
    if report.failures:
        print("FAIL: " + "; ".join(report.failures))
    else:
        print("PASS: no 5xx, no unexpected answer, clean log, memory and descriptors flat")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180.0, help="duration (default 180)")
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients (default 64)")
    parser.add_argument(
        "--max-requests", type=int, default=5_000_000, help="stop after this many answers"
    )
    parser.add_argument(
        "--sample-every", type=float, default=3.0, help="seconds between samples (default 3)"
    )
    parser.add_argument(
        "--max-rss-growth-mib",
        type=float,
        default=8.0,
        help="allowed RSS growth over the second half, MiB (default 8)",
    )
    parser.add_argument(
        "--max-fd-growth",
        type=float,
        default=8.0,
        help="allowed growth of open FDs, second half and idle after vs before (default 8)",
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="per-request timeout, seconds (default 30)"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the report as JSON to FILE")
    parser.add_argument(
        "server_args", nargs="*", help="extra arguments for `serve` after --, e.g. -- --seed 7"
    )
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= HARD_CAP_SECONDS:
        parser.error(f"--seconds must be in (0, {HARD_CAP_SECONDS:.0f}]")
    if not 1 <= args.clients <= MAX_CLIENTS:
        parser.error(f"--clients must be in [1, {MAX_CLIENTS}]")
    if args.max_requests < 1 or args.sample_every <= 0:
        parser.error("--max-requests and --sample-every must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the soak; 0 when every criterion held."""
    args = parse_args(argv)
    server = start_server(args.server_args)
    try:
        began = time.monotonic()
        tally, samples, before, after = asyncio.run(
            soak(
                server.url,
                server.proc.pid,
                args.seconds,
                args.clients,
                args.max_requests,
                args.sample_every,
                args.timeout,
            )
        )
        elapsed = time.monotonic() - began - 2.5  # minus the idle waits around the load
    finally:
        exit_status = stop_server(server)
    report = build_report(
        tally, samples, before, after, server.lines, exit_status, args, max(elapsed, 0.001)
    )
    print_report(report)
    if args.json:
        Path(args.json).write_text(json.dumps(asdict(report), indent=2) + "\n")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
