"""Hostile HTTP: request smuggling shapes, path traversal on the portal's files, markup in the
Host header or path, and parser refusals that must not reach the log with request bytes.

Raw requests go over ``asyncio.open_connection`` to a real ``python -m mockserver serve``, so
no client library tidies them up first.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from markupsafe import escape

from mockserver import Config, create_app
from mockserver.server.logfilters import PARSER_LOGGER, ParserErrorRedactor, install_log_redaction
from tests.conftest import MINIMAL
from tests.hostile.conftest import (
    JSON,
    ServedMock,
    assert_served_still_serves,
    raw_exchange,
    serve_mock,
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedMock]:
    """One real ``serve`` process for the raw-socket cases."""
    log = tmp_path_factory.mktemp("served") / "serve.log"
    with serve_mock(log, "--access-log") as mock:
        yield mock


SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

# (id, raw request): each must be refused with 400 and the connection closed.
SMUGGLING: list[tuple[str, bytes]] = [
    (
        "content-length-with-chunked",
        b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n%s" % (5 + len(SMUGGLED), SMUGGLED),
    ),
    (
        "chunked-with-content-length",
        b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Length: 4\r\n\r\n0\r\n\r\n%s" % SMUGGLED,
    ),
    (
        "chunked-chunked",
        b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"
        b"0\r\n\r\n%s" % SMUGGLED,
    ),
    (
        "two-transfer-encoding-headers",
        b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n%s" % SMUGGLED,
    ),
    (
        "chunked-not-last",
        b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"
        b"0\r\n\r\n%s" % SMUGGLED,
    ),
    (
        "obfuscated-transfer-encoding",
        b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: xchunked\r\n\r\n"
        b"0\r\n\r\n%s" % SMUGGLED,
    ),
    (
        "space-before-colon",
        b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding : chunked\r\n\r\n"
        b"0\r\n\r\n%s" % SMUGGLED,
    ),
    (
        "two-content-lengths-differing",
        b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n"
        b"Content-Length: %d\r\n\r\n{}%s" % (2 + len(SMUGGLED), SMUGGLED),
    ),
    (
        "two-content-lengths-equal",
        b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n"
        b"Content-Length: 2\r\n\r\n{}%s" % SMUGGLED,
    ),
    (
        "negative-content-length",
        b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n%s" % SMUGGLED,
    ),
    (
        "signed-content-length",
        b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: +2\r\n\r\n{}%s" % SMUGGLED,
    ),
    (
        "chunk-size-not-hex",
        b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"zz\r\nabc\r\n0\r\n\r\n%s" % SMUGGLED,
    ),
    (
        "chunk-size-negative",
        b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"-1\r\nabc\r\n0\r\n\r\n%s" % SMUGGLED,
    ),
    (
        "chunk-size-overflow",
        b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"ffffffffffffffffffff\r\nabc\r\n0\r\n\r\n%s" % SMUGGLED,
    ),
    (
        "chunk-longer-than-its-size",
        b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc%s\r\n0\r\n\r\n" % SMUGGLED,
    ),
    ("bare-lf-line-endings", b"GET /ping HTTP/1.1\nHost: 127.0.0.1\n\n%s" % SMUGGLED),
    (
        "obsolete-line-folding",
        b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\r\n b\r\n\r\n%s" % SMUGGLED,
    ),
    ("nul-in-header", b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\x00b\r\n\r\n%s" % SMUGGLED),
    (
        "space-in-header-name",
        b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nX A: b\r\n\r\n%s" % SMUGGLED,
    ),
]


async def _steady_client(url: str, stop: asyncio.Event) -> list[int]:
    """Another client on one keep-alive connection, asking /ping until ``stop`` (at most 200)."""
    statuses: list[int] = []
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=connector) as session:
        for _ in range(200):
            async with session.get(f"{url}/ping") as resp:
                statuses.append(resp.status)
            if stop.is_set():
                break
            await asyncio.sleep(0.005)
    return statuses


@pytest.mark.parametrize("raw", [pytest.param(raw, id=name) for name, raw in SMUGGLING])
async def test_hostile_smuggling_shape_is_400_and_closed(served: ServedMock, raw: bytes) -> None:
    """An ambiguous or malformed message frame gets 400 and the connection is closed; the
    request hidden behind it never runs, and a client on another connection carries on."""
    stop = asyncio.Event()
    steady = asyncio.create_task(_steady_client(served.url, stop))
    await asyncio.sleep(0.02)
    answer = await raw_exchange(served.port, raw)
    stop.set()
    statuses = await asyncio.wait_for(steady, timeout=15)
    assert answer.status == 400, answer.raw[:300]
    assert answer.closed
    # One status line: the smuggled request got no answer of its own.
    assert len(re.findall(rb"(?:^|\r\n)HTTP/1\.[01] \d{3} ", answer.raw)) == 1
    assert statuses
    assert set(statuses) == {200}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{served.url}/__mock/requests") as resp,
    ):
        journal = await resp.json()
    assert "/smuggled" not in [entry["path"] for entry in journal["requests"]]
    await assert_served_still_serves(served.url)


async def test_hostile_parser_refusals_log_one_line_without_request_bytes(
    served: ServedMock,
) -> None:
    """A request aiohttp's parser refuses is logged as one line: no traceback, and none of the
    request's bytes (a header value here) in the log."""
    marker = "marker-" + secrets.token_hex(8)
    raw = f"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Secret: {marker}\r\n folded\r\n\r\n"
    answer = await raw_exchange(served.port, raw.encode())
    assert answer.status == 400
    await assert_served_still_serves(served.url)
    log = served.log()
    assert marker not in log
    assert "Traceback" not in log


@pytest.fixture
def redaction() -> Iterator[ParserErrorRedactor]:
    """The parser-error redactor on aiohttp.server, removed again unless it was there before."""
    logger = logging.getLogger(PARSER_LOGGER)
    present = [f for f in logger.filters if isinstance(f, ParserErrorRedactor)]
    redactor = install_log_redaction()
    yield redactor
    if not present:
        logger.removeFilter(redactor)


async def test_hostile_log_redaction_turns_parser_errors_into_one_line(
    aiohttp_client: Any, redaction: ParserErrorRedactor, caplog: pytest.LogCaptureFixture
) -> None:
    """With ``install_log_redaction()``, an oversized header and a folded header are each
    logged as one WARNING naming the client, the error class and the status, nothing more."""
    client: TestClient = await aiohttp_client(create_app(Config(fixtures=MINIMAL)))
    marker = secrets.token_urlsafe(12)
    requests = [
        f"GET /ping HTTP/1.1\r\nHost: x\r\nX-Secret: {marker}\r\n folded\r\n\r\n",
        f"GET /ping HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {marker}{'A' * 20000}\r\n\r\n",
    ]
    assert client.port is not None
    with caplog.at_level(logging.DEBUG, logger=PARSER_LOGGER):
        for raw in requests:
            answer = await raw_exchange(client.port, raw.encode())
            assert answer.status == 400
    records = [r for r in caplog.records if r.name == PARSER_LOGGER]
    assert [r.getMessage() for r in records] == [
        "refused a malformed request from 127.0.0.1: BadHttpMessage (status 400)",
        "refused a malformed request from 127.0.0.1: LineTooLong (status 400)",
    ]
    assert all(r.levelname == "WARNING" and r.exc_info is None for r in records)
    assert marker not in caplog.text
    ping = await client.get("/ping")
    assert ping.status == 200


def test_hostile_log_redaction_installs_once() -> None:
    """Installing the redactor twice keeps one filter on the logger."""
    logger = logging.getLogger("coherta_mock.tests.redaction")
    first = install_log_redaction(logger)
    assert install_log_redaction(logger) is first
    assert logger.filters == [first]
    logger.removeFilter(first)


# -- the portal's static files ---------------------------------------------------------------------

TRAVERSALS = [
    "/docs/static/../views.py",
    "/docs/static/../../cli.py",
    "/docs/static/%2e%2e/views.py",
    "/docs/static/%2E%2E%2Fviews.py",
    "/docs/static/..%2fviews.py",
    "/docs/static/%2e%2e%2f%2e%2e%2fcli.py",
    "/docs/static/%252e%252e%252fviews.py",
    "/docs/static/..%5c..%5ccli.py",
    "/docs/static/portal.css%00.py",
    "/docs/static/./portal.css/../../views.py",
    "//docs/static/../../../../etc/passwd",
    "/docs/static/%2fetc%2fpasswd",
    "/docs/static/templates",
    "/docs/static/",
]


@pytest.mark.parametrize("path", TRAVERSALS)
async def test_hostile_static_traversal_is_404(served: ServedMock, path: str) -> None:
    """Whatever the path's spelling, nothing outside the portal's fixed files is served: a
    JSON 404 not_found, sent as written over a raw socket."""
    raw = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    answer = await raw_exchange(served.port, raw)
    assert answer.status == 404, answer.raw[:300]
    assert answer.headers["content-type"] == JSON
    assert answer.body.startswith(b'{"error":"not_found","error_description":"')
    for leak in (b"import ", b"def ", b"root:", b"{%"):
        assert leak not in answer.body
    await assert_served_still_serves(served.url)


async def test_hostile_static_symlink_planted_in_fixtures_is_not_served(
    minimal_dir: Path, aiohttp_client: Any
) -> None:
    """Symlinks in the fixture directory, named like portal files, add nothing: the portal
    serves a fixed set read from the package at start-up."""
    (minimal_dir / "evil.css").symlink_to("/etc/passwd")
    (minimal_dir / "static").mkdir()
    (minimal_dir / "static" / "portal.css").symlink_to("/etc/passwd")
    client: TestClient = await aiohttp_client(create_app(Config(fixtures=minimal_dir)))
    resp = await client.get("/docs/static/evil.css")
    assert resp.status == 404
    assert await resp.json() == {"error": "not_found", "error_description": "No such portal file."}
    css = await client.get("/docs/static/portal.css")
    assert css.status == 200
    assert "root:" not in await css.text()


# -- markup from the request in portal pages -----------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


@pytest.mark.parametrize(
    ("page", "host"),
    [
        ("/docs/", f'evil.example">{SCRIPT}'),
        ("/docs/reference", f"{SCRIPT}:8080"),
        ("/docs/", "a.example'\"onmouseover=alert(1)"),
    ],
    ids=["overview-host-breaks-attribute", "reference-host-script", "host-quotes"],
)
async def test_hostile_portal_escapes_the_host_header(
    served: ServedMock, page: str, host: str
) -> None:
    """A Host header full of markup is rendered escaped in the portal's samples, never as
    markup."""
    raw = f"GET {page} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    answer = await raw_exchange(served.port, raw)
    assert answer.status == 200, answer.raw[:300]
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    html = answer.body.decode()
    assert SCRIPT not in html
    assert '"onmouseover' not in html
    badge = f"Offline mock · <code>http://{escape(host)}</code>"
    assert badge in html
    await assert_served_still_serves(served.url)


async def test_hostile_markup_in_an_unknown_path_is_json_not_html(served: ServedMock) -> None:
    """A 404 naming a path full of markup is JSON (never text/html), so nothing renders it."""
    raw = (
        b"GET /docs/%3Cscript%3Ealert(1)%3C/script%3E HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Connection: close\r\n\r\n"
    )
    answer = await raw_exchange(served.port, raw)
    assert answer.status == 404
    assert answer.headers["content-type"] == JSON
    assert answer.body.startswith(
        b'{"error":"not_found","error_description":"No route matches GET /docs/<script>'
    )
    await assert_served_still_serves(served.url)
