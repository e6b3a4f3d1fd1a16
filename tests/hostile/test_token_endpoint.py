"""Hostile requests to ``POST /token``: every refusal is exact, bounded and leaks no secret.

Malformed bodies, wrong types, repeated form fields, unknown grants, wrong content types and
methods get one JSON envelope with ``Cache-Control: no-store``; a 2 MB body and a gzip bomb get
413 while the server's memory stays flat; passwords and tokens appear in no log line, no journal
entry and no error message.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import secrets
import shutil
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from mockserver import Config, create_app
from mockserver.server.logfilters import RedactingAccessLogger
from tests.conftest import MINIMAL, get_token
from tests.hostile.conftest import (
    JSON,
    PROTECTED,
    ServedMock,
    assert_still_serves,
    raw_exchange,
    serve_mock,
)

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
#: A password that must never be echoed back by any refusal below.
HOSTILE_PASSWORD = "Pw-hostile-7sQz"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
AS_JSON = {"Content-Type": "application/json"}
CREDENTIALS = {"username": "demo", "password": HOSTILE_PASSWORD}
TOO_LARGE = {
    "error": "payload_too_large",
    "error_description": "The request body is larger than the limit of 1,048,576 bytes.",
}


def _required(name: str) -> str:
    return f"The {name!r} field is required and must not be empty."


def _not_text(name: str, kind: str) -> str:
    return f"The {name!r} field must be a string, not {kind}."


def _not_object(kind: str) -> str:
    return f'The JSON body must be an object like {{"username": ..., "password": ...}}, not {kind}.'


def _unsupported(kind: str) -> str:
    return (
        f"The content type {kind!r} is not supported; send application/json "
        "or application/x-www-form-urlencoded."
    )


# (id, keyword arguments of client.post, status, error, error_description)
REFUSED: list[tuple[str, dict[str, Any], int, str, str]] = [
    ("no-password", {"json": {"username": "demo"}}, 400, "invalid_request", _required("password")),
    (
        "no-username",
        {"json": {"password": HOSTILE_PASSWORD}},
        400,
        "invalid_request",
        _required("username"),
    ),
    (
        "empty-username",
        {"json": {"username": "", "password": HOSTILE_PASSWORD}},
        400,
        "invalid_request",
        _required("username"),
    ),
    (
        "empty-password",
        {"json": {"username": "demo", "password": ""}},
        400,
        "invalid_request",
        _required("password"),
    ),
    (
        "json-array",
        {"json": ["demo", HOSTILE_PASSWORD]},
        400,
        "invalid_request",
        _not_object("list"),
    ),
    (
        "json-null",
        {"data": b"null", "headers": AS_JSON},
        400,
        "invalid_request",
        _not_object("null"),
    ),
    ("json-string", {"json": HOSTILE_PASSWORD}, 400, "invalid_request", _not_object("str")),
    (
        "username-number",
        {"json": {"username": 7, "password": HOSTILE_PASSWORD}},
        400,
        "invalid_request",
        _not_text("username", "int"),
    ),
    (
        "username-list",
        {"json": {"username": ["demo"], "password": HOSTILE_PASSWORD}},
        400,
        "invalid_request",
        _not_text("username", "list"),
    ),
    (
        "password-object",
        {"json": {"username": "demo", "password": {"value": HOSTILE_PASSWORD}}},
        400,
        "invalid_request",
        _not_text("password", "dict"),
    ),
    (
        "password-boolean",
        {"json": {"username": "demo", "password": True}},
        400,
        "invalid_request",
        _not_text("password", "bool"),
    ),
    (
        "scope-number",
        {"json": {**CREDENTIALS, "scope": 5}},
        400,
        "invalid_request",
        _not_text("scope", "int"),
    ),
    (
        "grant-type-list",
        {"json": {**CREDENTIALS, "grant_type": ["password"]}},
        400,
        "invalid_request",
        _not_text("grant_type", "list"),
    ),
    (
        "malformed-json",
        {"data": b'{"username": "demo", "password": "Pw-hostile-7sQz"', "headers": AS_JSON},
        400,
        "invalid_request",
        "The body is not valid JSON.",
    ),
    (
        "json-not-utf8",
        {"data": b'{"username": "\xff\xfe", "password": "x"}', "headers": AS_JSON},
        400,
        "invalid_request",
        "The body is not valid JSON.",
    ),
    (
        "repeated-form-username",
        {"data": f"username=demo&username=viewer&password={HOSTILE_PASSWORD}", "headers": FORM},
        400,
        "invalid_request",
        "The parameter 'username' is repeated; send it once.",
    ),
    (
        "repeated-form-password",
        {"data": f"username=demo&password=secret&password={HOSTILE_PASSWORD}", "headers": FORM},
        400,
        "invalid_request",
        "The parameter 'password' is repeated; send it once.",
    ),
    (
        "unknown-grant-type",
        {"data": {**CREDENTIALS, "grant_type": "client_credentials"}},
        400,
        "unsupported_grant_type",
        "The grant_type 'client_credentials' is not supported; use 'password' or leave it out.",
    ),
    (
        "scope-escalation",
        {"json": {"username": "viewer", "password": "viewer-secret", "scope": "users:write"}},
        400,
        "invalid_scope",
        "The user 'viewer' does not have the scope(s): users:write.",
    ),
    (
        "content-type-text",
        {
            "data": f"username=demo&password={HOSTILE_PASSWORD}",
            "headers": {"Content-Type": "text/plain"},
        },
        415,
        "invalid_request",
        _unsupported("text/plain"),
    ),
    (
        "content-type-xml",
        {"data": b"<username>demo</username>", "headers": {"Content-Type": "application/xml"}},
        415,
        "invalid_request",
        _unsupported("application/xml"),
    ),
    (
        "content-type-octet-stream",
        {"data": HOSTILE_PASSWORD.encode()},
        415,
        "invalid_request",
        _unsupported("application/octet-stream"),
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "status", "error", "description"),
    [pytest.param(k, s, e, d, id=name) for name, k, s, e, d in REFUSED],
)
async def test_hostile_token_request_is_refused_exactly(
    client: TestClient, kwargs: dict[str, Any], status: int, error: str, description: str
) -> None:
    """A malformed token request gets its exact status and envelope, not cached, without the
    password in it; the mock then still issues tokens."""
    resp = await client.post("/token", **kwargs)
    assert resp.status == status
    assert resp.headers["Content-Type"] == JSON
    for name, value in NO_STORE.items():
        assert resp.headers[name] == value
    assert "WWW-Authenticate" not in resp.headers
    assert await resp.json() == {"error": error, "error_description": description}
    assert HOSTILE_PASSWORD not in await resp.text()
    await assert_still_serves(client)


@pytest.mark.parametrize("body", ["json", "form"])
async def test_hostile_wrong_password_is_401_invalid_grant(client: TestClient, body: str) -> None:
    """A wrong password: 401 invalid_grant with a plain challenge, the password not echoed."""
    kwargs: dict[str, Any] = {"json" if body == "json" else "data": CREDENTIALS}
    resp = await client.post("/token", **kwargs)
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"] == 'Bearer realm="coherta"'
    assert resp.headers["Content-Type"] == JSON
    assert resp.headers["Cache-Control"] == "no-store"
    assert await resp.json() == {
        "error": "invalid_grant",
        "error_description": "The username or password is not correct.",
    }
    await assert_still_serves(client)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_hostile_other_methods_on_token_are_405(client: TestClient, method: str) -> None:
    """Only POST reaches the token route: others get 405 with ``Allow: POST``."""
    resp = await client.request(method, "/token")
    assert resp.status == 405
    assert resp.headers["Allow"] == "POST"
    assert resp.headers["Content-Type"] == JSON
    assert await resp.json() == {
        "error": "method_not_allowed",
        "error_description": f"{method} is not allowed on /token; allowed: POST.",
    }
    await assert_still_serves(client)


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
async def test_hostile_2mb_token_body_is_413(client: TestClient, content_type: str) -> None:
    """A 2 MB token request (JSON or form) gets 413 payload_too_large naming the limit."""
    padding = "x" * (2 * 1024 * 1024)
    if content_type == JSON:
        raw = json.dumps({"username": "demo", "password": padding}).encode()
    else:
        raw = f"username=demo&password={padding}".encode()
    resp = await client.post("/token", data=io.BytesIO(raw), headers={"Content-Type": content_type})
    assert resp.status == 413
    assert resp.headers["Content-Type"] == JSON
    assert await resp.json() == TOO_LARGE
    await assert_still_serves(client)


# -- against a real `serve`: memory, logs and the journal ---------------------------------------


@pytest.fixture(scope="module")
def secret_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The minimal fixtures with a unique password for demo, so any leak is unambiguous."""
    target = tmp_path_factory.mktemp("secret") / "fixtures"
    shutil.copytree(MINIMAL, target)
    password = "pw-" + secrets.token_hex(12)
    auth = target / "auth.yaml"
    text = auth.read_text()
    assert "    password: secret\n" in text
    auth.write_text(text.replace("    password: secret\n", f"    password: {password}\n"))
    return target, password


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, secret_dir: tuple[Path, str]
) -> Iterator[ServedMock]:
    """One real ``serve`` with the access log and debug logging on."""
    log = tmp_path_factory.mktemp("served") / "serve.log"
    with serve_mock(log, "--access-log", "--log-level", "debug", fixtures=secret_dir[0]) as mock:
        yield mock


async def _served_serves(served: ServedMock, password: str) -> None:
    """The served mock answers an open route and issues demo a token."""
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{served.url}/ping") as resp:
            assert resp.status == 200
        credentials = {"username": "demo", "password": password}
        async with session.post(f"{served.url}/token", json=credentials) as resp:
            assert resp.status == 200


def _gzip_bomb(megabytes: int) -> bytes:
    """``megabytes`` MiB of zeros, gzip-compressed without ever holding them in memory."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1024 * 1024)
    return b"".join([*(packer.compress(chunk) for _ in range(megabytes)), packer.flush()])


async def test_hostile_gzip_bomb_is_413_and_memory_stays_flat(
    served: ServedMock, secret_dir: tuple[Path, str]
) -> None:
    """A 200 KB gzip body that inflates to 256 MiB gets 413 after at most the body limit is
    inflated; the server's peak memory grows by less than 32 MiB."""
    await _served_serves(served, secret_dir[1])
    before = served.high_water_kib()
    bomb = _gzip_bomb(256)
    request = (
        b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Encoding: gzip\r\nConnection: close\r\n"
        + f"Content-Length: {len(bomb)}\r\n\r\n".encode()
        + bomb
    )
    answer = await raw_exchange(served.port, request, timeout=20)
    assert answer.status == 413, answer.raw[:300]
    assert answer.headers["content-type"] == JSON
    assert answer.body == (
        b'{"error":"payload_too_large","error_description":'
        b'"The request body is larger than the limit of 1,048,576 bytes."}'
    )
    assert served.high_water_kib() - before < 32 * 1024
    await _served_serves(served, secret_dir[1])


def _multipart(fields: dict[str, str]) -> aiohttp.FormData:
    form = aiohttp.FormData(default_to_multipart=True)
    for name, value in fields.items():
        form.add_field(name, value)
    return form


@pytest.mark.parametrize("kind", ["json", "form", "multipart"])
async def test_hostile_secrets_never_reach_log_journal_or_errors(
    served: ServedMock, secret_dir: tuple[Path, str], kind: str
) -> None:
    """Passwords (right and wrong) and the tokens issued, renewed and presented appear in no
    error message, no journal entry (``Bearer [redacted]``) and no log line."""
    password = secret_dir[1]
    wrong = "wrong-" + secrets.token_hex(12)
    leaks = [password, wrong]

    def body(fields: dict[str, str]) -> dict[str, Any]:
        if kind == "json":
            return {"json": fields}
        if kind == "form":
            return {"data": fields}
        return {"data": _multipart(fields)}

    async with aiohttp.ClientSession() as session:
        await session.delete(f"{served.url}/__mock/requests")
        url = f"{served.url}/token"
        async with session.post(url, **body({"username": "demo", "password": password})) as resp:
            assert resp.status == 200, await resp.text()
            token = (await resp.json())["access_token"]
        async with session.post(url, **body({"username": "demo", "password": wrong})) as resp:
            assert resp.status == 401
            errors = [await resp.text()]
        bad_scope = {"username": "demo", "password": password, "scope": "nope:nope"}
        async with session.post(url, **body(bad_scope)) as resp:
            assert resp.status == 400
            errors.append(await resp.text())
        headers = {"Authorization": f"Bearer {token}"}
        async with session.get(f"{served.url}{PROTECTED}", headers=headers) as resp:
            assert resp.status == 200
        async with session.post(f"{served.url}/token/renew", headers=headers) as resp:
            assert resp.status == 200
            renewed = (await resp.json())["access_token"]
        async with session.get(f"{served.url}/__mock/requests") as resp:
            journal = await resp.text()
    leaks += [token.rsplit(".", 1)[1], renewed.rsplit(".", 1)[1]]
    if kind != "multipart":  # the journal shows JSON and form bodies, masked
        assert '"password":"[redacted]"' in journal
    assert '"Authorization":"Bearer [redacted]"' in journal
    log = served.log()
    for leak in leaks:
        assert leak not in journal
        assert leak not in log
        assert all(leak not in error for error in errors)
    await _served_serves(served, password)


async def test_hostile_token_in_query_string_is_not_journaled_or_logged(
    served: ServedMock, secret_dir: tuple[Path, str]
) -> None:
    """A token sent as ``?access_token=`` (RFC 6750 §2.3, not accepted here) gets the plain
    401 challenge and is masked in the journal and the access log like any credential."""
    async with aiohttp.ClientSession() as session:
        credentials = {"username": "demo", "password": secret_dir[1]}
        async with session.post(f"{served.url}/token", json=credentials) as resp:
            token = (await resp.json())["access_token"]
        await session.delete(f"{served.url}/__mock/requests")
        async with session.get(f"{served.url}{PROTECTED}?access_token={token}") as resp:
            assert resp.status == 401
            assert resp.headers["WWW-Authenticate"] == 'Bearer realm="coherta"'
            assert (await resp.json())["error"] == "unauthorized"
        async with session.get(f"{served.url}/__mock/requests") as resp:
            (entry,) = (await resp.json())["requests"]
    assert entry["query"] == {"access_token": "[redacted]"}
    signature = token.rsplit(".", 1)[1]
    assert signature not in str(entry)
    assert signature not in served.log()
    await _served_serves(served, secret_dir[1])


async def test_hostile_redacting_access_logger_masks_query_secrets(
    aiohttp_server: Any, aiohttp_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """With ``RedactingAccessLogger`` the access log line shows ``access_token=[redacted]`` and
    keeps the other parameters."""
    server = await aiohttp_server(
        create_app(Config(fixtures=MINIMAL)), access_log_class=RedactingAccessLogger
    )
    client: TestClient = await aiohttp_client(server)
    # aiohttp decides whether to log when a connection opens: turn the level up first.
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        token = await get_token(client)
        resp = await client.get(f"{PROTECTED}?verbose=true&access_token={token}")
        assert resp.status == 401
        await resp.read()
        for _ in range(100):  # the line is written once the answer is sent: wait, bounded
            if sum(r.name == "aiohttp.access" for r in caplog.records) == 2:
                break
            await asyncio.sleep(0.01)
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    line = lines[-1]
    assert f"GET {PROTECTED}?verbose=true&access_token=%5Bredacted%5D HTTP/1.1" in line
    assert token.rsplit(".", 1)[1] not in caplog.text
    await assert_still_serves(client)
