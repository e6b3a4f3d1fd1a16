"""The recording proxy end to end: a stand-in API, the recorder in front, real clients, files."""

from __future__ import annotations

import gzip
import logging
import socket
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp.test_utils import TestServer

from mockserver import MockServer, check_fixtures, load_catalog
from mockserver.recording import OutputExistsError, create_recorder_app
from tests.recording.backend import (
    COOKIE,
    MISSING,
    PASSWORD,
    PROJECT,
    TOKEN,
    USERNAME,
    create_backend,
)

Answer = tuple[int, dict[str, list[str]], bytes]


def _base(server: TestServer) -> str:
    return str(server.make_url("")).rstrip("/")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
async def backend(aiohttp_server) -> TestServer:
    """The stand-in live API on a loopback port."""
    server: TestServer = await aiohttp_server(create_backend())
    return server


async def _serve_recorder(aiohttp_server, target: str, out: Path, force: bool = False) -> str:
    server: TestServer = await aiohttp_server(create_recorder_app(target, out, force))
    return _base(server)


async def _send(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    token: str | None = None,
    json: Any = None,
) -> Answer:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.request(method, url, json=json, headers=headers) as resp:
        kept = {k: resp.headers.getall(k, []) for k in ("Set-Cookie", "Location", "Content-Type")}
        return resp.status, {k: v for k, v in kept.items() if v}, await resp.read()


async def _flow(base: str, login: tuple[str, str] = (USERNAME, PASSWORD)) -> list[Answer]:
    """The session every test records: token, two project ids, a create, a cookie, some text."""
    answers: list[Answer] = []
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        first = await _send(
            session, "POST", f"{base}/token", json={"username": login[0], "password": login[1]}
        )
        answers.append(first)
        token = TOKEN if first[0] == 200 else None
        answers.append(await _send(session, "GET", f"{base}/projects/{PROJECT}", token=token))
        answers.append(await _send(session, "GET", f"{base}/projects/{MISSING}", token=token))
        answers.append(
            await _send(
                session,
                "POST",
                f"{base}/users",
                token=token,
                json={"username": "bob", "password": PASSWORD, "age": 31},
            )
        )
        answers.append(await _send(session, "GET", f"{base}/prefs"))
        answers.append(await _send(session, "GET", f"{base}/motd"))
    return answers


@pytest.fixture
async def recorded(
    aiohttp_server, backend: TestServer, tmp_path: Path
) -> tuple[list[Answer], Path]:
    """The flow sent through the recorder: the answers the client got, and the output directory."""
    out = tmp_path / "recorded"
    url = await _serve_recorder(aiohttp_server, _base(backend), out)
    return await _flow(url), out


def _group(out: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((out / f"{name}.yaml").read_text())
    return data


async def test_recorder_returns_backend_answers_unchanged(
    backend: TestServer, recorded: tuple[list[Answer], Path]
) -> None:
    """Through the recorder the client gets what the backend answers directly, cookies included."""
    through, _ = recorded
    direct = await _flow(_base(backend))
    assert through == direct
    assert [a[0] for a in through] == [200, 200, 404, 201, 200, 200]
    assert any(COOKIE in c for c in through[4][1]["Set-Cookie"])
    assert through[3][1]["Location"] == ["/users/usr_77"]


async def test_recorder_writes_fixtures_that_load_cleanly(
    recorded: tuple[list[Answer], Path],
) -> None:
    """The output directory has a file per group plus auth.yaml, and check finds no problem."""
    _, out = recorded
    assert sorted(p.name for p in out.iterdir()) == [
        "auth.yaml",
        "motd.yaml",
        "prefs.yaml",
        "projects.yaml",
        "token.yaml",
        "users.yaml",
    ]
    assert check_fixtures(out) == []
    catalog = load_catalog(out)
    assert sorted(e.route for e in catalog.endpoints) == [
        "GET /motd",
        "GET /prefs",
        "GET /projects/{project_id}",
        "POST /token",
        "POST /users",
    ]


async def test_recorder_templates_routes_and_derives_conditions(
    recorded: tuple[list[Answer], Path],
) -> None:
    """Ids become {project_id}; the 404 answers when its id is asked for; the 200 is the default."""
    _, out = recorded
    (endpoint,) = _group(out, "projects")["endpoints"]
    assert endpoint["id"] == "projects.get_projects_project_id"
    assert endpoint["path"] == "/projects/{project_id}"
    assert endpoint["auth"] == "bearer"
    assert endpoint["request"]["path"]["project_id"]["example"] == PROJECT
    missing, default = endpoint["responses"]
    assert missing["status"] == 404
    assert missing["when"] == {"path": {"project_id": MISSING}}
    assert missing["body"]["error"] == "not_found"
    assert default["status"] == 200
    assert "when" not in default
    # Kept under the name the backend's server sent (aiohttp writes "Etag"); X-Internal-Trace not.
    assert {k.lower(): v for k, v in default["headers"].items()} == {"etag": '"v1"'}
    assert default["body"]["owner"] == {"id": "usr_1"}


async def test_recorder_declares_request_fields_with_types(
    recorded: tuple[list[Answer], Path],
) -> None:
    """A JSON body's top-level fields are declared with their types and redacted examples."""
    _, out = recorded
    (endpoint,) = _group(out, "users")["endpoints"]
    assert endpoint["request"]["body"] == {
        "username": {"type": "string", "example": "bob"},
        "password": {"type": "string", "example": "[redacted]"},
        "age": {"type": "integer", "example": 31},
    }
    (created,) = endpoint["responses"]
    assert created["status"] == 201
    assert created["headers"] == {"Location": "/users/usr_77"}


async def test_recorder_token_route_is_builtin_and_redacted(
    recorded: tuple[list[Answer], Path],
) -> None:
    """POST /token is recorded as the issuer's builtin route, token masked; scopes reach auth."""
    _, out = recorded
    (endpoint,) = _group(out, "token")["endpoints"]
    assert endpoint["builtin"] == "token"
    assert endpoint["auth"] == "open"
    (answer,) = endpoint["responses"]
    assert answer["body"]["access_token"] == "[redacted]"
    assert answer["headers"] == {"Cache-Control": "no-store"}
    auth = yaml.safe_load((out / "auth.yaml").read_text())
    assert auth["users"][0]["username"] == "demo"
    assert auth["users"][0]["scopes"] == ["projects:read", "users:write"]


async def test_recorder_never_writes_secrets(recorded: tuple[list[Answer], Path]) -> None:
    """No written file holds the password, the token or the cookie the session carried."""
    _, out = recorded
    texts = {p.name: p.read_text() for p in out.iterdir()}
    assert len(texts) == 6
    for name, text in texts.items():
        assert PASSWORD not in text, name
        assert TOKEN not in text, name
        assert COOKIE not in text, name
        assert "Set-Cookie" not in text, name
        assert "X-Internal-Trace" not in text, name
    assert "[redacted]" in texts["token.yaml"]


async def test_recorder_output_replays_like_the_backend(
    recorded: tuple[list[Answer], Path],
) -> None:
    """MockServer on the recorded directory answers the recorded requests as the backend did."""
    answers, out = recorded
    async with (
        MockServer(out) as mock,
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session,
    ):
        login = {"username": "demo", "password": "secret"}
        status, _, raw = await _send(session, "POST", f"{mock.url}/token", json=login)
        assert status == 200
        token = yaml.safe_load(raw)["access_token"]
        replay = [
            await _send(session, "GET", f"{mock.url}/projects/{PROJECT}", token=token),
            await _send(session, "GET", f"{mock.url}/projects/{MISSING}", token=token),
            await _send(
                session,
                "POST",
                f"{mock.url}/users",
                token=token,
                json={"username": "bob", "password": PASSWORD, "age": 31},
            ),
            await _send(session, "GET", f"{mock.url}/prefs"),
            await _send(session, "GET", f"{mock.url}/motd"),
        ]
        unauthenticated = await _send(session, "GET", f"{mock.url}/projects/{PROJECT}")
    for (want_status, _, want_body), (got_status, headers, got_body) in zip(
        answers[1:5], replay[:4], strict=True
    ):
        assert got_status == want_status
        assert yaml.safe_load(got_body) == yaml.safe_load(want_body)
        assert "Set-Cookie" not in headers
    assert replay[2][1]["Location"] == ["/users/usr_77"]
    assert replay[4][0] == 200
    assert replay[4][2] == answers[5][2] == b"Hello {{ name }}, 100% {% up %}\n"
    assert unauthenticated[0] == 401


async def test_recorder_skips_statuses_it_cannot_tell_apart(
    aiohttp_server, backend: TestServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A 503 for the same request as a 200, and a 401 without a token, are left out and logged."""
    out = tmp_path / "recorded"
    url = await _serve_recorder(aiohttp_server, _base(backend), out)
    caplog.set_level(logging.INFO, logger="coherta_mock.record")
    async with aiohttp.ClientSession() as session:
        statuses = [
            (await _send(session, "GET", f"{url}/flaky"))[0],
            (await _send(session, "GET", f"{url}/flaky"))[0],
            (await _send(session, "GET", f"{url}/projects/{PROJECT}"))[0],
            (await _send(session, "GET", f"{url}/projects/{PROJECT}", token=TOKEN))[0],
        ]
    assert statuses == [200, 503, 401, 200]
    assert check_fixtures(out) == []
    (flaky,) = _group(out, "flaky")["endpoints"]
    assert [r["status"] for r in flaky["responses"]] == [200]
    (project,) = _group(out, "projects")["endpoints"]
    assert [r["status"] for r in project["responses"]] == [200]
    assert project["auth"] == "bearer"
    messages = [r.getMessage() for r in caplog.records]
    assert any("GET /flaky 503" in m and "cannot be told apart" in m for m in messages)
    assert any("GET /projects/{project_id} 401" in m and "bearer" in m for m in messages)


async def test_recorder_writes_each_recording_at_once(
    aiohttp_server, backend: TestServer, tmp_path: Path
) -> None:
    """After one request the group file is already on disk and loads, before the recorder stops."""
    out = tmp_path / "recorded"
    url = await _serve_recorder(aiohttp_server, _base(backend), out)
    async with aiohttp.ClientSession() as session:
        await _send(session, "GET", f"{url}/motd")
        assert check_fixtures(out) == []
        assert [e.route for e in load_catalog(out).endpoints] == ["GET /motd"]
        await _send(session, "GET", f"{url}/prefs")
        assert [e.route for e in load_catalog(out).endpoints] == ["GET /motd", "GET /prefs"]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


async def test_recorder_passes_compressed_answers_and_records_them_decoded(
    aiohttp_server, backend: TestServer, tmp_path: Path
) -> None:
    """A gzip answer reaches the client still gzip-encoded; the fixture holds the decoded JSON."""
    out = tmp_path / "recorded"
    url = await _serve_recorder(aiohttp_server, _base(backend), out)
    async with (
        aiohttp.ClientSession(auto_decompress=False) as session,
        session.get(f"{url}/report", headers={"Accept-Encoding": "gzip"}) as resp,
    ):
        encoding = resp.headers.get("Content-Encoding")
        raw = await resp.read()
    assert encoding == "gzip"
    assert gzip.decompress(raw).startswith(b'{"rows": [{"n": 0}')
    (endpoint,) = _group(out, "report")["endpoints"]
    (answer,) = endpoint["responses"]
    assert answer["body"]["rows"][49] == {"n": 49}
    assert check_fixtures(out) == []


async def test_recorder_unreachable_target_answers_502_and_records_nothing(
    aiohttp_server, tmp_path: Path
) -> None:
    """A target with nothing listening gets the client a 502 bad_gateway envelope, no fixture."""
    out = tmp_path / "recorded"
    url = await _serve_recorder(aiohttp_server, f"http://127.0.0.1:{_free_port()}", out)
    async with aiohttp.ClientSession() as session:
        status, headers, raw = await _send(session, "GET", f"{url}/projects/{PROJECT}")
    assert status == 502
    assert headers["Content-Type"] == ["application/json"]
    body = yaml.safe_load(raw)
    assert body["error"] == "bad_gateway"
    assert "--target" in body["error_description"]
    assert list(out.iterdir()) == []


def test_recorder_refuses_existing_fixtures_without_force(tmp_path: Path) -> None:
    """A directory holding a fixture file is refused, naming the file and --force; it is kept."""
    existing = tmp_path / "projects.yaml"
    existing.write_bytes(b"# mine\nformat: 1\n")
    with pytest.raises(OutputExistsError) as caught:
        create_recorder_app("http://127.0.0.1:9", tmp_path)
    assert str(existing) in str(caught.value)
    assert "--force" in str(caught.value)
    assert existing.read_bytes() == b"# mine\nformat: 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["projects.yaml"]


async def test_recorder_force_replaces_existing_fixtures(
    aiohttp_server, backend: TestServer, tmp_path: Path
) -> None:
    """With force the old group file is replaced by the recording, which loads cleanly."""
    existing = tmp_path / "projects.yaml"
    existing.write_text("# mine\nformat: 1\n")
    url = await _serve_recorder(aiohttp_server, _base(backend), tmp_path, force=True)
    async with aiohttp.ClientSession() as session:
        await _send(session, "GET", f"{url}/projects/{PROJECT}", token=TOKEN)
    assert "# mine" not in existing.read_text()
    assert _group(tmp_path, "projects")["endpoints"][0]["path"] == "/projects/{project_id}"
    assert check_fixtures(tmp_path) == []
