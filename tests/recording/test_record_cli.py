"""`coherta-mock record` as a process: the announce line, recording, SIGTERM, refusals."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from mockserver import MockServer, check_fixtures, load_catalog
from mockserver.cli import ExitCode, main
from tests.conftest import MINIMAL

RECORDING = re.compile(r"^coherta-mock recording on (http://127\.0\.0\.1:\d+) -> (\S+)$")


def test_record_cli_records_through_the_proxy_and_stops_on_sigterm(tmp_path: Path) -> None:
    """One stdout line once listening; requests pass through and are written; SIGTERM exits 0."""
    out = tmp_path / "recorded"
    with MockServer(MINIMAL) as target:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mockserver",
                "record",
                "--target",
                target.url,
                "--out",
                str(out),
                "--port",
                "0",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline().rstrip("\n")
            match = RECORDING.match(line)
            assert match, line
            assert match.group(2) == target.url
            url = match.group(1)
            ping = requests.get(f"{url}/ping", timeout=10)
            assert (ping.status_code, ping.json()) == (200, {"pong": True})
            token = requests.post(
                f"{url}/token", json={"username": "demo", "password": "secret"}, timeout=10
            ).json()["access_token"]
            widget = requests.get(
                f"{url}/widgets/wid_7", headers={"Authorization": f"Bearer {token}"}, timeout=10
            )
            assert widget.json() == {"id": "wid_7", "verbose": False}
        finally:
            deadline = time.monotonic() + 10
            proc.send_signal(signal.SIGTERM)
            stdout, stderr = proc.communicate(timeout=max(deadline - time.monotonic(), 1))
    assert proc.returncode == 0, stderr
    assert stdout == ""  # the announce line was the only one
    assert "recorded GET /widgets/{widget_id} 200" in stderr
    assert check_fixtures(out) == []
    routes = sorted(e.route for e in load_catalog(out).endpoints)
    assert routes == ["GET /ping", "GET /widgets/{widget_id}", "POST /token"]
    assert token not in "".join(p.read_text() for p in out.iterdir())


def test_record_cli_refuses_a_directory_with_fixtures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Existing fixture files: a named exit code and one line naming the file and --force."""
    existing = tmp_path / "widgets.yaml"
    existing.write_text("format: 1\n")
    code = main(["record", "--target", "http://127.0.0.1:9", "--out", str(tmp_path)])
    assert code == ExitCode.OUTPUT_EXISTS
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert str(existing) in err
    assert "--force" in err
    assert existing.read_text() == "format: 1\n"


@pytest.mark.parametrize("target", ["ftp://127.0.0.1/x", "127.0.0.1:8080", "http://"])
def test_record_cli_rejects_a_target_that_is_not_http(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    """A target that is not an http(s) URL is a bad setting, said in one line, nothing written."""
    code = main(["record", "--target", target, "--out", str(tmp_path / "out")])
    assert code == ExitCode.CONFIG_INVALID
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "--target" in err
    assert not (tmp_path / "out").exists()


def test_record_cli_port_in_use_has_its_exit_code_and_leaves_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A taken port: ADDRESS_IN_USE in one line, and nothing written that blocks a retry."""
    out = tmp_path / "recorded"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(
            ["record", "--target", "http://127.0.0.1:9", "--out", str(out), "--port", str(port)]
        )
    assert code == ExitCode.ADDRESS_IN_USE
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "--port" in err
    assert list(out.iterdir()) == []
