"""MockServer: the mock in-process, on a background thread or on the caller's loop."""

from __future__ import annotations

import socket
from pathlib import Path

import aiohttp
import pytest
import requests

from mockserver import FixtureError, MockServer
from tests.conftest import MINIMAL


def test_harness_sync_runs_on_background_thread() -> None:
    """`with MockServer()` serves real HTTP on a free loopback port until the block ends."""
    with MockServer(MINIMAL) as mock:
        assert mock.url.startswith("http://127.0.0.1:")
        assert requests.get(f"{mock.url}/ping", timeout=10).json() == {"pong": True}
        port = int(mock.url.rsplit(":", 1)[1])
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_harness_token_and_auth_headers(tmp_path: Path) -> None:
    """Minted tokens carry chosen scopes, lifetimes and claims, and unlock routes."""
    with MockServer(MINIMAL) as mock:
        ok = requests.get(f"{mock.url}/widgets/wid_1", headers=mock.auth_headers(), timeout=10)
        assert ok.status_code == 200
        narrow = mock.auth_headers("demo", scopes=["users:read"])
        denied = requests.get(f"{mock.url}/widgets/wid_1", headers=narrow, timeout=10)
        assert denied.status_code == 403
        short = mock.token("viewer", expires_in=5, team="blue")
        mock.advance_clock(5)
        expired = requests.get(
            f"{mock.url}/widgets/wid_1", headers={"Authorization": f"Bearer {short}"}, timeout=10
        )
        assert expired.status_code == 401


def test_harness_journal_stub_and_reset_across_threads() -> None:
    """Stubs and reset from the test thread take effect on the server's loop."""
    with MockServer(MINIMAL) as mock:
        stub_id = mock.stub("widgets.ping", status=503, times=1)
        assert stub_id.startswith("stub_")
        assert requests.get(f"{mock.url}/ping", timeout=10).status_code == 503
        assert requests.get(f"{mock.url}/ping", timeout=10).status_code == 200
        assert [e["status"] for e in mock.requests] == [503, 200]
        mock.assert_called("GET", "/ping", times=2)
        mock.stub(method="GET", path="/ping", status=500)
        mock.reset()
        assert mock.requests == []
        assert requests.get(f"{mock.url}/ping", timeout=10).status_code == 200


def test_harness_set_clock_accepts_datetime() -> None:
    """set_clock takes an RFC 3339 string or an aware datetime."""
    from datetime import UTC, datetime

    with MockServer(MINIMAL) as mock:
        assert mock.set_clock("2031-05-01T12:00:00Z").startswith("2031-05-01T12:00:0")
        assert mock.set_clock(datetime(2032, 1, 1, tzinfo=UTC)).startswith("2032-01-01T00:00:0")


async def test_harness_async_runs_on_callers_loop() -> None:
    """`async with MockServer()` serves on the running loop."""
    async with MockServer(MINIMAL) as mock, aiohttp.ClientSession(mock.url) as session:
        async with session.get("/widgets/wid_3", headers=mock.auth_headers()) as resp:
            assert resp.status == 200
            assert (await resp.json())["id"] == "wid_3"
        mock.reset()
        assert mock.requests == []


def test_harness_bad_fixtures_raise_fixture_error(tmp_path: Path) -> None:
    """Broken fixtures raise FixtureError at construction, with locations."""
    (tmp_path / "auth.yaml").write_text("format: 1\n")
    with pytest.raises(FixtureError, match=r"auth\.yaml:1:1: the document is missing"):
        MockServer(tmp_path)


def test_harness_url_before_start_is_an_error() -> None:
    """Asking for the URL of a mock that is not running explains how to start it."""
    with pytest.raises(RuntimeError, match="not running"):
        _ = MockServer(MINIMAL).url


def test_harness_busy_port_raises() -> None:
    """A port in use surfaces as OSError from start()."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(OSError, match=r"[Aa]ddress already in use"):
            MockServer(MINIMAL, port=port).start()
