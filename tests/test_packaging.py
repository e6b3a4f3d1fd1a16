"""The wheel carries the shipped catalog and the schemas, so an installed mock finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_fixtures_schemas_and_typing_marker(tmp_path: Path) -> None:
    """Building a wheel puts fixtures/ at mockserver/_fixtures, next to the JSON Schemas."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("coherta_mock-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.name for p in (ROOT / "fixtures").glob("*.yaml")}
    assert {f"mockserver/_fixtures/{n}" for n in shipped} <= names
    assert "mockserver/catalog/schemas/group.schema.json" in names
    assert "mockserver/catalog/schemas/auth.schema.json" in names
    assert "mockserver/py.typed" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "coherta-mock = mockserver.cli:main" in text
