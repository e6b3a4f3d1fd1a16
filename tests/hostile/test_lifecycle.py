"""The sidecar's lifecycle under SIGTERM: drain in-flight requests, refuse new ones, exit 0 fast.

Docker sends SIGTERM and kills the container 10 s later. ``coherta-mock serve`` must stop
listening at once (a new connection is refused, so a client fails fast instead of hanging), let a
request already in flight finish, and exit 0 well inside those 10 s, even when a request would
take longer than that. A runtime stub with a ``delay`` (docs/control-api.md) makes the slow request.

The busy-port case (a one-line error and exit status 5, no traceback) is covered by
``tests/test_cli.py::test_cli_serve_port_in_use_is_one_line_error``.
"""

from __future__ import annotations

import json
import signal
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mockserver.config import shipped_fixtures
from tests.hostile.conftest import ServedMock, serve_mock

#: Docker's default grace period between SIGTERM and SIGKILL.
DOCKER_GRACE = 10.0


@dataclass
class Outcome:
    """What a request made on another thread got, and when it finished."""

    status: int | None = None
    body: bytes = b""
    error: BaseException | None = None
    finished: float | None = None
    done: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServedMock]:
    """``python -m mockserver serve --port 0`` on the shipped catalog; stopped if still running."""
    with serve_mock(tmp_path / "serve.log", fixtures=shipped_fixtures()) as mock:
        yield mock


def add_slow_stub(server: ServedMock, path: str, delay: float) -> None:
    """A runtime stub answering ``GET path`` with 200 after ``delay`` seconds."""
    stub = {"method": "GET", "path": path, "delay": delay, "body": {"slow": True}}
    request = urllib.request.Request(
        f"{server.url}/__mock/stubs",
        data=json.dumps(stub).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201


def start_request(url: str, timeout: float) -> Outcome:
    """GET ``url`` on a new thread; the Outcome fills in when it returns."""
    outcome = Outcome()

    def run() -> None:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                outcome.status = response.status
                outcome.body = response.read()
        except BaseException as exc:  # the test inspects whatever happened
            outcome.error = exc
        finally:
            outcome.finished = time.monotonic()
            outcome.done.set()

    threading.Thread(target=run, daemon=True).start()
    return outcome


def connection_refused(port: int) -> bool:
    """True when a new TCP connection to the port is refused."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


def wait_until_refused(port: int, within: float) -> float | None:
    """The time at which new connections start being refused, or None if not ``within``."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if connection_refused(port):
            return time.monotonic()
        time.sleep(0.05)
    return None


def test_lifecycle_sigterm_refuses_new_connections_and_drains_the_slow_request(
    server: ServedMock,
) -> None:
    """SIGTERM with a 2 s request in flight: new connections refused, 200 delivered, exit 0."""
    add_slow_stub(server, "/countries", delay=2.0)
    slow = start_request(f"{server.url}/countries", timeout=15)
    time.sleep(0.5)  # the request is in the handler, waiting out its delay
    assert not slow.done.is_set()

    terminated = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    refused_at = wait_until_refused(server.port, within=1.0)

    assert slow.done.wait(timeout=DOCKER_GRACE)
    assert refused_at is not None, "the port still accepted connections 1 s after SIGTERM"
    assert slow.finished is not None
    assert refused_at < slow.finished, "new connections were refused only after the drain"
    assert slow.error is None, f"the in-flight request failed: {slow.error!r}"
    assert slow.status == 200
    assert json.loads(slow.body) == {"slow": True}

    code = server.process.wait(timeout=DOCKER_GRACE)
    stopped = time.monotonic() - terminated
    assert code == 0
    assert stopped < DOCKER_GRACE - 2, f"took {stopped:.1f} s to stop after SIGTERM"
    time.sleep(0.2)
    assert "Traceback" not in server.log()


def test_lifecycle_sigterm_exits_within_docker_grace_even_when_a_request_would_outlast_it(
    server: ServedMock,
) -> None:
    """A request that would take 30 s does not hold the process past Docker's 10 s grace.

    aiohttp's RequestHandler.shutdown waits ``shutdown_timeout`` for the handler to finish, then,
    having cancelled only the request's payload, waits ``shutdown_timeout`` again for the handler
    task (a delay keeps sleeping): the worst case is twice the timeout, 10.4 s with the CLI's 5 s.
    """
    add_slow_stub(server, "/countries", delay=30.0)
    slow = start_request(f"{server.url}/countries", timeout=40)
    time.sleep(0.5)
    terminated = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    assert wait_until_refused(server.port, within=1.0) is not None
    code = server.process.wait(timeout=DOCKER_GRACE)
    stopped = time.monotonic() - terminated
    assert code == 0
    assert stopped < DOCKER_GRACE - 2, f"took {stopped:.1f} s to stop after SIGTERM"
    # The abandoned client is told, not left hanging: its connection is closed.
    assert slow.done.wait(timeout=5)
    assert slow.status != 200


def test_lifecycle_sigterm_when_idle_exits_at_once(server: ServedMock) -> None:
    """With nothing in flight, SIGTERM stops the mock within a second, exit status 0."""
    with urllib.request.urlopen(f"{server.url}/__mock/health", timeout=10) as response:
        assert response.status == 200
    terminated = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=DOCKER_GRACE) == 0
    assert time.monotonic() - terminated < 1.5
