"""The recording on disk: what is written when, what is left alone, and --force."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from mockserver import check_fixtures
from mockserver.recording.exchange import Exchange
from mockserver.recording.store import RecordingStore

SOURCE = "http://127.0.0.1:1"


def _ok(method: str, path: str, body: object = None, status: int = 200) -> Exchange:
    return Exchange(
        method=method,
        path=path,
        status=status,
        response_headers=(("Content-Type", "application/json"),),
        response_body=json.dumps(body if body is not None else {"ok": True}).encode(),
    )


def test_store_records_nothing_for_reserved_paths_and_methods(tmp_path: Path) -> None:
    """The mock's own paths and methods a fixture cannot declare are forwarded, never written."""
    store = RecordingStore(tmp_path, SOURCE)
    for method, path in [
        ("GET", "/__mock/health"),
        ("GET", "/docs/reference"),
        ("GET", "/openapi.json"),
        ("GET", "/.well-known/jwks.json"),
        ("TRACE", "/projects"),
    ]:
        store.observe(_ok(method, path))
    assert list(tmp_path.iterdir()) == []
    store.observe(_ok("GET", "/docsearch"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["auth.yaml", "docsearch.yaml"]


def test_store_writes_auth_with_the_first_recording_and_new_scopes(tmp_path: Path) -> None:
    """auth.yaml appears with the first recording and gains the scopes a token answer names."""
    store = RecordingStore(tmp_path, SOURCE)
    assert not (tmp_path / "auth.yaml").exists()
    store.observe(_ok("GET", "/ping"))
    assert yaml.safe_load((tmp_path / "auth.yaml").read_text())["users"][0]["scopes"] == []
    store.observe(_ok("POST", "/token", {"access_token": "x", "scope": "b:read a:write"}))
    auth = yaml.safe_load((tmp_path / "auth.yaml").read_text())
    assert auth["users"][0]["scopes"] == ["a:write", "b:read"]
    assert check_fixtures(tmp_path) == []
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_store_force_keeps_an_existing_auth_yaml(tmp_path: Path) -> None:
    """With force, group files go and an auth.yaml the user brought stays byte for byte."""
    auth = tmp_path / "auth.yaml"
    auth.write_text("# my issuer\n")
    (tmp_path / "old.yml").write_text("format: 1\n")
    store = RecordingStore(tmp_path, SOURCE, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["auth.yaml"]
    store.observe(_ok("POST", "/token", {"access_token": "x", "scope": "a:read"}))
    assert auth.read_text() == "# my issuer\n"
    assert (tmp_path / "token.yaml").is_file()
