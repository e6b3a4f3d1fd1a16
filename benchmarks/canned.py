"""The canned route every server in the comparison answers: ``GET /status`` of the shipped
catalog, with the same JSON body, so peers and the bare handler send what the mock sends."""

from __future__ import annotations

import json
from typing import Any

import yaml

from mockserver.config import shipped_fixtures

__all__ = ["STATUS_PATH", "status_body"]

STATUS_PATH = "/status"


def status_body() -> bytes:
    """The JSON body of the shipped ``status.get`` endpoint, compact."""
    doc: dict[str, Any] = yaml.safe_load((shipped_fixtures() / "status.yaml").read_text())
    endpoint = next(e for e in doc["endpoints"] if e["id"] == "status.get")
    return json.dumps(endpoint["responses"][0]["body"], separators=(",", ":")).encode()
