"""Faults seen by a real aiohttp client as its own errors (requests: docs/behaviour.md)."""

from __future__ import annotations

import asyncio
import errno
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from mockserver import MockServer


@pytest.fixture
async def mock(behaviour_dir: Path) -> AsyncIterator[MockServer]:
    """The behaviour fixtures on this test's loop."""
    async with MockServer(behaviour_dir) as server:
        yield server


async def test_fault_connection_reset_is_a_reset(mock: MockServer) -> None:
    """aiohttp sees ECONNRESET."""
    async with aiohttp.ClientSession(mock.url) as session:
        with pytest.raises(aiohttp.ClientOSError) as info:
            async with session.get("/faults/reset"):
                pass
    assert info.value.errno == errno.ECONNRESET
    (entry, *_) = mock.requests
    assert entry["fault"] == "connection_reset"
    assert entry["status"] is None


async def test_fault_empty_reply_is_a_disconnect(mock: MockServer) -> None:
    """aiohttp sees the server disconnect before any byte."""
    async with aiohttp.ClientSession(mock.url) as session:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            async with session.get("/faults/empty"):
                pass


async def test_fault_truncated_body_is_a_payload_error(mock: MockServer) -> None:
    """aiohttp gets the status and headers, then a payload short of Content-Length."""
    async with aiohttp.ClientSession(mock.url) as session, session.get("/faults/truncated") as resp:
        assert resp.status == 200
        length = int(resp.headers["Content-Length"])
        with pytest.raises(aiohttp.ClientPayloadError):
            await resp.read()
    assert length == len(b'{"items":[1,2,3,4,5,6,7,8]}')
    assert mock.requests[0]["fault"] == "truncated_body"


async def test_fault_no_reply_meets_the_client_timeout(mock: MockServer) -> None:
    """aiohttp's read timeout fires; the server keeps serving others meanwhile."""
    timeout = aiohttp.ClientTimeout(sock_read=0.3)
    async with aiohttp.ClientSession(mock.url, timeout=timeout) as session:
        with pytest.raises(asyncio.TimeoutError):
            async with session.get("/faults/hang"):
                pass
        async with session.get("/limited") as resp:
            assert resp.status == 429
            assert resp.headers["Retry-After"] == "30"


async def test_fault_on_runtime_stub(mock: MockServer) -> None:
    """A stub can carry a fault for a number of calls."""
    # aiohttp retries an idempotent request once after a disconnect: two calls to fail one.
    mock.stub("resilience.limited", fault="empty_reply", times=2)
    async with aiohttp.ClientSession(mock.url) as session:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            async with session.get("/limited"):
                pass
        async with session.get("/limited") as resp:
            assert resp.status == 429
    assert [e["fault"] for e in mock.requests] == ["empty_reply", "empty_reply", None]
