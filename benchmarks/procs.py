"""Server processes for the benchmarks: start, wait for the first 200, measure memory, stop.

Every process is started on loopback, every wait is bounded by a deadline, and ``Server.stop()``
(called from ``finally`` blocks) terminates what was started, killing it when SIGTERM is ignored.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import selectors
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "ROOT",
    "Server",
    "event_loop_of",
    "first_200",
    "free_port",
    "memory_mb",
    "start_announcing",
    "start_polling",
]

#: The repository root (the working directory of every Python server started here).
ROOT = Path(__file__).resolve().parent.parent

_URL = re.compile(r"(http://127\.0\.0\.1:\d+)")


@dataclass
class Server:
    """A server process on loopback, with the time from its start to its first 200."""

    name: str
    proc: subprocess.Popen[bytes]
    url: str
    started_in: float = 0.0
    cleanup: list[Path] = field(default_factory=list)

    @property
    def pid(self) -> int:
        """The process id."""
        return self.proc.pid

    def stop(self) -> None:
        """SIGTERM the process (group), then SIGKILL it after 10 s; idempotent."""
        if self.proc.poll() is None:
            _signal_group(self.proc, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _signal_group(self.proc, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    # Servers start in their own session, so children (a JVM under a wrapper) go too.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _popen(argv: list[str], cwd: Path, stdout: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv,
        cwd=cwd,
        stdout=stdout,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def first_200(
    url: str,
    deadline: float,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> bool:
    """Poll ``url`` until it answers 200 or ``deadline`` (monotonic) passes."""
    match = re.match(r"http://([^:/]+):(\d+)(/.*)?$", url)
    if not match:
        raise ValueError(f"not a loopback http URL: {url!r}")
    host, port, path = match.group(1), int(match.group(2)), match.group(3) or "/"
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection(host, port, timeout=5)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                return True
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.005)
    return False


def start_announcing(
    name: str, argv: list[str], probe_path: str = "/status", timeout: float = 60.0
) -> Server:
    """Start a server that prints its ``http://127.0.0.1:PORT`` URL; time it to the first 200."""
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    proc = _popen(argv, ROOT, subprocess.PIPE)
    server = Server(name=name, proc=proc, url="")
    try:
        assert proc.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(proc.stdout, selectors.EVENT_READ)
        buffered = b""
        while not server.url and time.monotonic() < deadline and proc.poll() is None:
            if selector.select(timeout=max(0.0, deadline - time.monotonic())):
                chunk = os.read(proc.stdout.fileno(), 4096)
                buffered += chunk
                match = _URL.search(buffered.decode(errors="replace"))
                if match:
                    server.url = match.group(1)
                elif not chunk:
                    break
        selector.close()
        if not server.url or not first_200(server.url + probe_path, deadline):
            raise RuntimeError(f"{name} did not answer 200 within {timeout:.0f} s: {argv}")
        server.started_in = time.perf_counter() - started
        return server
    except BaseException:
        server.stop()
        raise


def start_polling(
    name: str,
    argv: list[str],
    port: int,
    cwd: Path,
    probe_path: str = "/status",
    timeout: float = 90.0,
) -> Server:
    """Start a server on a known port; poll ``probe_path`` and time it to the first 200."""
    started = time.perf_counter()
    proc = _popen(argv, cwd, subprocess.DEVNULL)
    server = Server(name=name, proc=proc, url=f"http://127.0.0.1:{port}")
    try:
        if not first_200(server.url + probe_path, time.monotonic() + timeout):
            raise RuntimeError(f"{name} did not answer 200 within {timeout:.0f} s: {argv}")
        server.started_in = time.perf_counter() - started
        return server
    except BaseException:
        server.stop()
        raise


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name may hold spaces; the parent pid follows the closing parenthesis.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _tree(pid: int) -> list[int]:
    pids: list[int] = []
    todo = [pid]
    while todo and len(pids) < 1000:
        current = todo.pop()
        pids.append(current)
        todo += _children(current)
    return pids


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak) of the process and its descendants, in MB (MiB)."""
    total = {"VmRSS": 0.0, "VmHWM": 0.0}
    for each in _tree(pid):
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        for key in total:
            match = re.search(rf"^{key}:\s+(\d+) kB", status, re.MULTILINE)
            if match:
                total[key] += int(match.group(1)) / 1024
    return total


def event_loop_of(pid: int) -> str:
    """``uvloop`` when the process has uvloop's extension mapped, else ``asyncio``."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return "unknown"
    return "uvloop" if "/uvloop/" in maps else "asyncio"
