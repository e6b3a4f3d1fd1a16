"""The coherta-mock command line: serve end to end, check, routes, exit codes."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mockserver.cli import ExitCode, main
from tests.conftest import MINIMAL

LISTENING = re.compile(r"^coherta-mock listening on (http://\S+)$")


def _start(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    """Start `coherta-mock serve`, wait for its URL line, return the process and URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        match = LISTENING.match(line.rstrip("\n"))
        if match:
            return proc, match.group(1)
    proc.kill()
    _, err = proc.communicate()
    raise AssertionError(f"no URL line from coherta-mock serve; stderr:\n{err}")


def _stop(proc: subprocess.Popen[str], sig: int = signal.SIGTERM) -> int:
    """Signal the server, wait for it, close its pipes; its exit status."""
    proc.send_signal(sig)
    proc.communicate(timeout=10)
    return proc.returncode


@pytest.fixture
def served() -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`coherta-mock serve --port 0` on the shipped catalog."""
    proc, url = _start("--port", "0")
    yield proc, url
    if proc.poll() is None:
        proc.kill()
    proc.communicate()


def test_cli_serve_runs_portal_curl_flow_and_stops_on_sigterm(
    served: tuple[subprocess.Popen[str], str],
) -> None:
    """The portal's quickstart against the real process: token, /users/me, forged token, SIGTERM."""
    proc, url = served
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
    assert not url.endswith(":0")
    resp = requests.post(
        f"{url}/token",
        data='{"username":"demo","password":"secret"}',
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert resp.status_code == 200
    token = resp.json()["access_token"]
    me = requests.get(f"{url}/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.status_code == 200
    assert me.json()["username"] == "demo"
    assert me.json()["email"] == "demo@example.com"
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    refused = requests.get(
        f"{url}/users/me", headers={"Authorization": f"Bearer {forged}"}, timeout=10
    )
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_token"
    health = requests.get(f"{url}/__mock/health", timeout=10)
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert _stop(proc) == 0


def test_cli_serve_stops_on_sigint() -> None:
    """Ctrl-C stops the server with exit status 0."""
    proc, _ = _start("--port", "0", "--fixtures", str(MINIMAL))
    assert _stop(proc, signal.SIGINT) == 0


def test_cli_serve_reads_environment_variables() -> None:
    """COHERTA_MOCK_FIXTURES and COHERTA_MOCK_PORT configure serve."""
    proc, url = _start(env={"COHERTA_MOCK_FIXTURES": str(MINIMAL), "COHERTA_MOCK_PORT": "0"})
    try:
        assert requests.get(f"{url}/ping", timeout=10).json() == {"pong": True}
    finally:
        assert _stop(proc) == 0


def test_cli_serve_port_in_use_is_one_line_error() -> None:
    """A busy port gives a one-line message and a named exit code, not a traceback."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "mockserver", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == ExitCode.ADDRESS_IN_USE
    assert result.stderr.strip().splitlines() == [
        f"coherta-mock: 127.0.0.1:{port} is already in use; stop the other server or pick "
        "another port with --port (0 picks a free one)"
    ]


def test_cli_serve_bad_fixtures_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Broken fixtures stop serve before it listens, with every problem listed."""
    shutil.copytree(MINIMAL, tmp_path / "f")
    (tmp_path / "f" / "x.yaml").write_text("format: 3\n")
    assert main(["serve", "--fixtures", str(tmp_path / "f"), "--port", "0"]) == (
        ExitCode.FIXTURES_INVALID
    )
    err = capsys.readouterr().err
    assert "cannot load fixtures" in err
    assert f"{tmp_path}/f/x.yaml:1:9:" in err


def test_cli_bad_port_variable_is_config_error(
    capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    """A malformed COHERTA_MOCK_PORT is named in a one-line error."""
    monkeypatch.setenv("COHERTA_MOCK_PORT", "eighty")
    assert main(["serve"]) == ExitCode.CONFIG_INVALID
    assert capsys.readouterr().err.strip() == (
        "coherta-mock: COHERTA_MOCK_PORT: port must be a number from 0 to 65535, got 'eighty'"
    )


def test_cli_check_clean_directory(capsys: pytest.CaptureFixture[str]) -> None:
    """check on good fixtures exits 0 with the totals."""
    assert main(["check", str(MINIMAL)]) == ExitCode.OK
    assert capsys.readouterr().out.strip() == (
        f"{MINIMAL}: OK, 7 endpoints · 3 protected · 4 open · 1 group"
    )


def test_cli_check_lists_every_problem(tmp_path: Path) -> None:
    """check on broken fixtures prints each problem with file:line:col and exits non-zero."""
    root = tmp_path / "f"
    shutil.copytree(MINIMAL, root)
    (root / "a.yaml").write_text(
        "format: 1\n"
        "group: {name: a, title: A, description: A.}\n"
        "endpoints:\n"
        "  - {id: a.x, method: GET, path: /x, summary: X, auth: open, responses: [{stauts: 200}]}\n"
    )
    (root / "b.yaml").write_text("format: 1\n  bad: indent\n")
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "check", str(root)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == ExitCode.PROBLEMS_FOUND
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{root}/a.yaml:4:")
    assert "unknown key 'stauts'" in lines[0]
    assert lines[1].startswith(f"{root}/b.yaml:2:")
    assert "YAML syntax error" in lines[1]
    assert result.stderr.strip() == f"2 problems in {root}"


def test_cli_routes_table_ends_with_totals(capsys: pytest.CaptureFixture[str]) -> None:
    """routes prints a row per endpoint, then the totals line."""
    assert main(["routes", "--fixtures", str(MINIMAL)]) == ExitCode.OK
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split() == ["METHOD", "PATH", "AUTH", "SCOPES", "GROUP"]
    assert lines[1].split() == ["GET", "/ping", "open", "-", "widgets"]
    assert lines[-1] == "7 endpoints · 3 protected · 4 open · 1 group"


def test_cli_routes_json(capsys: pytest.CaptureFixture[str]) -> None:
    """routes --json gives machine-readable routes and totals."""
    import json

    assert main(["routes", "--fixtures", str(MINIMAL), "--json"]) == ExitCode.OK
    data = json.loads(capsys.readouterr().out)
    assert data["totals"] == {"endpoints": 7, "protected": 3, "open": 4, "groups": 1}
    assert data["routes"][1]["id"] == "widgets.get"
    assert data["routes"][1]["scopes"] == ["projects:read"]


def test_cli_console_script_is_installed() -> None:
    """The coherta-mock entry point exists next to the interpreter."""
    script = Path(sys.executable).parent / "coherta-mock"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    assert result.stdout.strip().startswith("coherta-mock ")


def test_cli_health_path_imports_neither_the_server_nor_aiohttp() -> None:
    """`coherta-mock health` is Docker's HEALTHCHECK, run every few seconds: importing the CLI
    must not pull in aiohttp, the loader or the server (they are imported by the commands that
    use them)."""
    probe = (
        "import sys, mockserver.cli; "
        "heavy = [m for m in ('aiohttp', 'jinja2', 'jwt', 'mockserver.server.app', "
        "'mockserver.catalog.loader') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == ""
