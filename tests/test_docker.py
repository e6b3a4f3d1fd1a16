"""The Docker sidecar, tested without a Docker engine: the Dockerfile's own command, run here."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import MINIMAL

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()
BIN = Path(sys.executable).parent


def _final_stage() -> list[str]:
    """The runtime stage's instructions, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    lines = [ln.strip() for ln in joined.splitlines() if ln.strip() and not ln.startswith("#")]
    last_from = max(i for i, ln in enumerate(lines) if ln.startswith("FROM "))
    return lines[last_from:]


def _instruction(name: str) -> list[str]:
    return [ln[len(name) + 1 :] for ln in _final_stage() if ln.startswith(name + " ")]


def _env() -> dict[str, str]:
    env: dict[str, str] = {}
    for line in _instruction("ENV"):
        env.update(dict(re.findall(r"(\w+)=(\S+)", line)))
    return env


def _exec_form(name: str) -> list[str]:
    (value,) = _instruction(name)
    return list(json.loads(value))


def _healthcheck() -> list[str]:
    (value,) = _instruction("HEALTHCHECK")
    return list(json.loads(value.split(" CMD ", 1)[1]))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _resolve(argv: list[str]) -> list[str]:
    """The image's `coherta-mock` is the console script installed next to this interpreter."""
    return [str(BIN / argv[0]), *argv[1:]] if argv[0] == "coherta-mock" else argv


def test_dockerfile_declares_sidecar_contract() -> None:
    """Entrypoint, command, port, health check, non-root user and a slim official base."""
    assert _exec_form("ENTRYPOINT") == ["coherta-mock"]
    assert _exec_form("CMD") == ["serve", "--host", "0.0.0.0"]
    assert _instruction("EXPOSE") == ["8080"]
    assert _env()["COHERTA_MOCK_PORT"] == "8080"
    assert _healthcheck() == ["coherta-mock", "health"]
    (user,) = _instruction("USER")
    assert user not in ("root", "0")
    assert "--uid 10001" in " ".join(_instruction("RUN"))
    assert _final_stage()[0].startswith("FROM python:3.")
    assert "-slim" in _final_stage()[0]
    assert re.search(r"^FROM python:3\.\d+-slim AS build$", DOCKERFILE, re.MULTILINE)


def test_dockerfile_fixture_path_matches_the_docs() -> None:
    """The image prepares /fixtures for the user, as docs/ci.md tells users to mount it."""
    run = " ".join(_instruction("RUN"))
    assert "mkdir /fixtures" in run
    assert "chown coherta /fixtures" in run
    ci = (ROOT / "docs" / "ci.md").read_text()
    assert "COHERTA_MOCK_FIXTURES=/fixtures" in ci
    assert "/fixtures" in ci
    assert "non-root user **10001**" in ci
    # The shipped catalog travels inside the wheel, so no fixtures variable is baked in.
    assert "COHERTA_MOCK_FIXTURES" not in _env()


def test_dockerignore_keeps_build_inputs() -> None:
    """The build context keeps what the Dockerfile copies and drops the rest."""
    ignored = {
        ln.strip()
        for ln in (ROOT / ".dockerignore").read_text().splitlines()
        if ln and ln[0] != "#"
    }
    assert {".git", ".venv", "tests"} <= ignored
    copied = re.findall(r"^COPY (?!--from)(.+?) \S+$", DOCKERFILE, re.MULTILINE)
    for sources in copied:
        for source in sources.split():
            assert source not in ignored, source


def test_sidecar_runs_dockerfile_command_with_its_environment(tmp_path: Path) -> None:
    """The image's exact command, environment and a mounted fixtures dir: healthy, then SIGTERM."""
    mounted = tmp_path / "fixtures"
    shutil.copytree(MINIMAL, mounted)
    port = _free_port()
    env = {
        **os.environ,
        **_env(),
        "COHERTA_MOCK_FIXTURES": str(mounted),
        "COHERTA_MOCK_PORT": str(port),
    }
    argv = _resolve(_exec_form("ENTRYPOINT") + _exec_form("CMD"))
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if line.startswith("coherta-mock listening on ") or not line:
                break
        assert lines[-1].strip() == f"coherta-mock listening on http://0.0.0.0:{port}", lines
        health = subprocess.run(
            _resolve(_healthcheck()), env=env, capture_output=True, text=True, timeout=30
        )
        assert health.returncode == 0, health.stderr
        assert health.stdout.strip() == f"http://127.0.0.1:{port}/__mock/health: ok"
        assert requests.get(f"http://127.0.0.1:{port}/ping", timeout=10).json() == {"pong": True}
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
        assert proc.returncode == 0
        assert time.monotonic() - started < 2.0
        assert "serving 7 endpoints (3 protected, 4 open) in 1 groups from" in "".join(lines) + out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_health_command_fails_when_nothing_answers() -> None:
    """`coherta-mock health` exits 1 with a one-line reason when the mock is down."""
    port = _free_port()
    result = subprocess.run(
        [
            str(BIN / "coherta-mock"),
            "health",
            "--url",
            f"http://127.0.0.1:{port}",
            "--timeout",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"coherta-mock health: http://127.0.0.1:{port}/__mock/health did not answer"
    )
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("access_log", [True, False])
def test_access_log_is_opt_in_and_one_line_per_request(access_log: bool) -> None:
    """With the access log on, one stdout line per request; never a credential in it."""
    env = {**os.environ, "COHERTA_MOCK_FIXTURES": str(MINIMAL), "COHERTA_MOCK_PORT": "0"}
    if access_log:
        env["COHERTA_MOCK_ACCESS_LOG"] = "true"
    proc = subprocess.Popen(
        [str(BIN / "coherta-mock"), "serve"], env=env, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    url = ""
    while not url:
        line = proc.stdout.readline()
        assert line, "server ended early"
        if line.startswith("coherta-mock listening on "):
            url = line.split()[-1]
    token = requests.post(
        f"{url}/token", json={"username": "demo", "password": "secret"}, timeout=10
    )
    requests.get(
        f"{url}/widgets/wid_1",
        headers={"Authorization": "Bearer " + token.json()["access_token"]},
        timeout=10,
    )
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=10)
    request_lines = [ln for ln in out.splitlines() if "coherta_mock.access" in ln]
    if access_log:
        assert len(request_lines) == 2
        assert '"POST /token HTTP/1.1" 200' in request_lines[0]
        assert '"GET /widgets/wid_1 HTTP/1.1" 200' in request_lines[1]
    else:
        assert request_lines == []
    assert token.json()["access_token"] not in out
    assert "secret" not in out


async def test_token_from_one_host_name_validates_through_another(shipped_client) -> None:
    """iss is configured, not taken from Host: a token minted via one name works via another."""
    resp = await shipped_client.post(
        "/token", json={"username": "demo", "password": "secret"}, headers={"Host": "coherta:8080"}
    )
    token = (await resp.json())["access_token"]
    for host in ("localhost:8080", "127.0.0.1", "mock.internal"):
        me = await shipped_client.get(
            "/users/me", headers={"Authorization": f"Bearer {token}", "Host": host}
        )
        assert me.status == 200
