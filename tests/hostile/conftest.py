"""Helpers of the hostile-input suite: a real ``serve`` subprocess, raw sockets, forged JWTs.

Every network use is 127.0.0.1; every wait has a deadline.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from tests.conftest import MINIMAL, get_token

#: The minimal fixtures' issuer settings (tests/data/minimal/auth.yaml).
SECRET = "coherta-mock-signing-secret-not-for-production"
ISSUER = "https://api.coherta.com"
AUDIENCE = "https://api.coherta.com"
JSON = "application/json"
#: A protected route of the minimal fixtures (scope projects:read) and an open one.
PROTECTED = "/widgets/wid_1"
OPEN = "/ping"


def b64url(data: bytes) -> str:
    """Base64url without padding, as JWTs use it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(value: Any) -> str:
    """A JSON value as one base64url JWT segment."""
    return b64url(json.dumps(value).encode())


def sign_hmac(
    header: dict[str, Any],
    payload: Any,
    key: bytes = SECRET.encode(),
    digest: str = "sha256",
) -> str:
    """A JWT signed by hand with HMAC, for shapes (and keys) PyJWT would refuse to produce."""
    signing_input = f"{b64json(header)}.{b64json(payload)}"
    mac = hmac.new(key, signing_input.encode(), getattr(hashlib, digest)).digest()
    return f"{signing_input}.{b64url(mac)}"


def claims(now: int, **changes: Any) -> dict[str, Any]:
    """Valid claims for the demo user of the minimal fixtures; ``None`` values are dropped."""
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "demo",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "scope": "projects:read",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def invalid_token_challenge(description: str) -> str:
    """The exact WWW-Authenticate value of a 401 invalid_token."""
    return f'Bearer realm="coherta", error="invalid_token", error_description="{description}"'


async def assert_invalid_token(resp: aiohttp.ClientResponse, description: str) -> None:
    """401 invalid_token: exact challenge, JSON content type and envelope."""
    assert resp.status == 401, await resp.text()
    assert resp.headers["WWW-Authenticate"] == invalid_token_challenge(description)
    assert resp.headers["Content-Type"] == JSON
    assert await resp.json() == {"error": "invalid_token", "error_description": description}


async def assert_still_serves(client: TestClient) -> None:
    """The mock still answers an open route, and a protected one with a fresh valid token."""
    ping = await client.get(OPEN)
    assert ping.status == 200
    assert await ping.json() == {"pong": True}
    token = await get_token(client)
    widget = await client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})
    assert widget.status == 200
    assert (await widget.json())["id"] == "wid_1"


# -- a real `python -m mockserver serve` -----------------------------------------------------------


@dataclass
class ServedMock:
    """A ``serve`` subprocess on a loopback port; stdout and stderr go to ``log_path``."""

    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        """The base URL."""
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        """Everything the process wrote so far (its log and its stdout)."""
        return self.log_path.read_text(errors="replace")

    def high_water_kib(self) -> int:
        """The process's peak resident memory (VmHWM) in KiB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        assert match, status
        return int(match.group(1))


@contextmanager
def serve_mock(log_path: Path, *args: str, fixtures: Path = MINIMAL) -> Iterator[ServedMock]:
    """Run ``python -m mockserver serve --port 0`` until the block ends (SIGTERM, bounded)."""
    command = [sys.executable, "-m", "mockserver", "serve", "--host", "127.0.0.1", "--port", "0"]
    command += ["--fixtures", str(fixtures), *args]
    with log_path.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        port = 0
        while not port:
            match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", log_path.read_text())
            if match:
                port = int(match.group(1))
            elif process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"serve did not start:\n{log_path.read_text()}")
            else:
                time.sleep(0.05)
        yield ServedMock(port=port, process=process, log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


async def served_token(session: aiohttp.ClientSession, url: str) -> str:
    """A token for demo from a served mock."""
    async with session.post(
        f"{url}/token", json={"username": "demo", "password": "secret"}
    ) as resp:
        assert resp.status == 200, await resp.text()
        token: str = (await resp.json())["access_token"]
        return token


async def assert_served_still_serves(url: str) -> None:
    """A served mock answers an open route and a protected one with a fresh token."""
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{url}{OPEN}") as resp:
            assert resp.status == 200
            assert await resp.json() == {"pong": True}
        token = await served_token(session, url)
        headers = {"Authorization": f"Bearer {token}"}
        async with session.get(f"{url}{PROTECTED}", headers=headers) as resp:
            assert resp.status == 200


# -- raw HTTP/1.1 over a socket ------------------------------------------------------------------


@dataclass
class RawResponse:
    """What came back on a raw connection: the parsed head, the body, whether the peer closed."""

    status: int
    headers: dict[str, str]
    body: bytes
    closed: bool
    raw: bytes


async def raw_exchange(port: int, data: bytes, *, timeout: float = 5.0) -> RawResponse:
    """Send ``data`` on a fresh connection and read until the server closes it or ``timeout``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    chunks: list[bytes] = []
    closed = False
    deadline = time.monotonic() + timeout
    try:
        writer.write(data)
        await writer.drain()
        while (left := deadline - time.monotonic()) > 0:
            try:
                chunk = await asyncio.wait_for(reader.read(65536), left)
            except TimeoutError:
                break
            if not chunk:
                closed = True
                break
            chunks.append(chunk)
    except ConnectionResetError:
        closed = True
    finally:
        writer.close()
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return RawResponse(status=status, headers=headers, body=body, closed=closed, raw=raw)
