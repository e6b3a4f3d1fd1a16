"""Hot reload: on demand (POST /__mock/reload, MockServer.reload) and on file changes (--watch).

A reload swaps the whole catalog at once; a bad edit keeps the last good catalog and reports
every problem until fixed.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from mockserver import Config, MockServer, create_app
from tests.conftest import get_token

GROUP = """\
format: 1
group: {{name: things, title: Things, description: Reload test group.}}
endpoints:
  - id: things.get
    method: GET
    path: /thing
    summary: A thing
    auth: open
    responses:
      - {{delay: {delay}, headers: {{X-Version: "{version}"}}, body: {{version: "{version}"}}}}
  - id: things.only_{version_id}
    method: GET
    path: /only-{version}
    summary: Exists in version {version} only
    auth: open
    responses:
      - body: {{only: "{version}"}}
"""


def _write(root: Path, version: str, delay: float = 0) -> None:
    text = GROUP.format(version=version, version_id=version.lower(), delay=delay)
    (root / "things.yaml").write_text(text)


@pytest.fixture
def reload_dir(minimal_dir: Path) -> Path:
    """The minimal fixtures plus things.yaml at version A."""
    _write(minimal_dir, "A")
    return minimal_dir


@pytest.fixture
async def reload_client(aiohttp_client: Callable[..., Any], reload_dir: Path) -> TestClient:
    """A real client of a mock serving ``reload_dir``."""
    client: TestClient = await aiohttp_client(create_app(Config(fixtures=reload_dir)))
    return client


async def _version(client: TestClient) -> str:
    resp = await client.get("/thing")
    assert resp.status == 200
    body = await resp.json()
    assert resp.headers["X-Version"] == body["version"]  # never a header of one, body of other
    return str(body["version"])


async def test_reload_serves_the_edited_fixtures(
    reload_client: TestClient, reload_dir: Path
) -> None:
    """After an edit, POST /__mock/reload serves the new responses and routes, drops old ones."""
    assert await _version(reload_client) == "A"
    _write(reload_dir, "B")
    resp = await reload_client.post("/__mock/reload")
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "reloaded"
    assert body["generation"] == 2
    assert await _version(reload_client) == "B"
    assert (await reload_client.get("/only-B")).status == 200
    gone = await reload_client.get("/only-A")
    assert gone.status == 404
    assert (await gone.json())["error"] == "not_found"
    health = await (await reload_client.get("/__mock/health")).json()
    assert health["status"] == "ok"
    assert health["generation"] == 2


async def test_reload_with_a_broken_edit_keeps_the_last_good_catalog(
    reload_client: TestClient, reload_dir: Path
) -> None:
    """A bad edit: 422 listing file:line:col, health degraded, the old catalog still answers;
    fixing the file and reloading again clears it."""
    broken = reload_dir / "things.yaml"
    broken.write_text(
        broken.read_text().replace(
            "method: GET\n    path: /thing\n", "method: GIT\n    path: /thing\n"
        )
    )
    resp = await reload_client.post("/__mock/reload")
    assert resp.status == 422
    body = await resp.json()
    assert body["error"] == "fixtures_invalid"
    assert "still serving generation 1" in body["error_description"]
    [problem] = body["problems"]
    assert problem["file"].endswith("things.yaml")
    assert problem["line"] == 5
    assert re.fullmatch(r".*things\.yaml:5:13", problem["location"])
    assert "GIT" in problem["message"]

    health = await (await reload_client.get("/__mock/health")).json()
    assert health["status"] == "degraded"
    assert health["generation"] == 1
    assert health["problems"] == body["problems"]
    assert await _version(reload_client) == "A"

    _write(reload_dir, "C")
    assert (await reload_client.post("/__mock/reload")).status == 200
    health = await (await reload_client.get("/__mock/health")).json()
    assert health["status"] == "ok"
    assert "problems" not in health
    assert await _version(reload_client) == "C"


async def test_reload_lets_in_flight_requests_finish_on_their_own_catalog(
    reload_client: TestClient, reload_dir: Path
) -> None:
    """A request routed before the swap is answered wholly by the old catalog."""
    _write(reload_dir, "A", delay=0.4)
    assert (await reload_client.post("/__mock/reload")).status == 200
    slow = asyncio.ensure_future(reload_client.get("/thing"))
    await asyncio.sleep(0.1)
    _write(reload_dir, "B")
    assert (await reload_client.post("/__mock/reload")).status == 200
    resp = await slow
    assert (await resp.json())["version"] == "A"
    assert resp.headers["X-Version"] == "A"
    assert await _version(reload_client) == "B"


async def test_reloads_under_traffic_answer_every_request_from_one_catalog(
    reload_client: TestClient, reload_dir: Path
) -> None:
    """Reloading back and forth while clients call: every answer is all-A or all-B, none fail."""
    seen: list[str] = []

    async def caller() -> None:
        for _ in range(60):
            seen.append(await _version(reload_client))

    async def reloader() -> None:
        for i in range(10):
            _write(reload_dir, "AB"[i % 2])
            resp = await reload_client.post("/__mock/reload")
            assert resp.status == 200

    await asyncio.gather(reloader(), *(caller() for _ in range(4)))
    assert len(seen) == 240
    assert set(seen) <= {"A", "B"}


async def test_reload_keeps_tokens_journal_and_stubs_when_auth_is_unchanged(
    reload_client: TestClient, reload_dir: Path
) -> None:
    """Issued tokens still verify, the journal and runtime stubs stay."""
    token = await get_token(reload_client)
    headers = {"Authorization": f"Bearer {token}"}
    stub = await reload_client.post(
        "/__mock/stubs", json={"endpoint": "widgets.ping", "body": {"stub": 1}}
    )
    assert stub.status == 201, await stub.text()
    await reload_client.get("/ping")
    _write(reload_dir, "B")
    assert (await reload_client.post("/__mock/reload")).status == 200
    assert (await reload_client.get("/widgets/wid_1", headers=headers)).status == 200
    assert await (await reload_client.get("/ping")).json() == {"stub": 1}
    journal = await (await reload_client.get("/__mock/requests")).json()
    assert [e["path"] for e in journal["requests"]][:2] == ["/token", "/ping"]


async def test_reload_with_new_signing_secret_refuses_earlier_tokens(
    reload_client: TestClient, reload_dir: Path
) -> None:
    """Changing the auth settings starts a new issuer: old tokens get 401 invalid_token."""
    token = await get_token(reload_client)
    auth = reload_dir / "auth.yaml"
    auth.write_text(auth.read_text().replace("not-for-production", "rotated-for-the-test"))
    assert (await reload_client.post("/__mock/reload")).status == 200
    resp = await reload_client.get("/widgets/wid_1", headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 401
    assert 'error="invalid_token"' in resp.headers["WWW-Authenticate"]
    fresh = await get_token(reload_client)
    resp = await reload_client.get("/widgets/wid_1", headers={"Authorization": f"Bearer {fresh}"})
    assert resp.status == 200


def test_mock_server_reload_from_the_test_thread(reload_dir: Path) -> None:
    """MockServer.reload() returns what happened: the generation, or the problems."""
    with MockServer(fixtures=reload_dir) as mock:
        _write(reload_dir, "B")
        result = mock.reload()
        assert result.ok
        assert result.generation == 2
        with urllib.request.urlopen(f"{mock.url}/thing", timeout=10) as resp:
            assert resp.headers["X-Version"] == "B"
        (reload_dir / "things.yaml").write_text("format: 1\nendpoints: 7\n")
        failed = mock.reload()
        assert not failed.ok
        assert failed.generation == 2
        assert all(p.file.endswith("things.yaml") and p.line > 0 for p in failed.problems)


def _get(url: str) -> tuple[int, dict[str, Any]]:
    import json
    import urllib.error

    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def _until(check: Callable[[], bool], seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_serve_watch_reloads_on_save_and_reports_a_broken_save(reload_dir: Path) -> None:
    """``serve --watch``: a saved edit is served; a broken save logs file:line:col, health turns
    degraded, and the last good catalog keeps answering until the file is fixed."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--watch"],
        env={**os.environ, "COHERTA_MOCK_FIXTURES": str(reload_dir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = ""
        while not url:
            line = proc.stdout.readline()
            assert line, "the server exited before listening"
            found = re.search(r"listening on (http://\S+)", line)
            url = found.group(1) if found else ""
        assert _get(f"{url}/thing")[1] == {"version": "A"}
        time.sleep(0.3)  # the watcher starts right after the announcement

        _write(reload_dir, "B")
        assert _until(lambda: _get(f"{url}/thing")[1] == {"version": "B"})

        (reload_dir / "things.yaml").write_text("format: 1\ngroup: [not, a, mapping]\n")
        assert _until(lambda: _get(f"{url}/__mock/health")[1]["status"] == "degraded")
        health = _get(f"{url}/__mock/health")[1]
        assert health["problems"][0]["location"].startswith(str(reload_dir / "things.yaml") + ":")
        assert _get(f"{url}/thing")[1] == {"version": "B"}

        _write(reload_dir, "C")
        assert _until(lambda: _get(f"{url}/__mock/health")[1]["status"] == "ok")
        assert _get(f"{url}/thing")[1] == {"version": "C"}
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=15)
    assert proc.returncode == 0
    assert "reload of" in output
    assert "failed; still serving generation 2" in output
    assert re.search(r"things\.yaml:2:\d+", output)
    assert "Traceback" not in output
