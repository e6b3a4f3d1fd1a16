"""A large, valid fixture catalog, generated: the shipped catalog plus generated groups.

The shipped groups stay in, so the routes measured on the shipped catalog (``GET /status``,
``GET /audit-logs``) are the very same routes in the large one; the generated groups add open and
protected endpoints, static and templated bodies, path parameters and POSTs, 40 to a file.

Run: ``python -m benchmarks.generated_catalog OUT_DIR [--endpoints 10000]``, then
``python -m mockserver check OUT_DIR``.
"""

from __future__ import annotations

import argparse
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mockserver.config import shipped_fixtures

__all__ = ["PER_GROUP", "GeneratedCatalog", "write_catalog"]

#: Endpoints per generated group file.
PER_GROUP = 40


@dataclass(frozen=True, kw_only=True)
class GeneratedCatalog:
    """Where the catalog was written, how many endpoints it has, and routes to measure."""

    root: Path
    endpoints: int
    groups: int
    open_path: str
    protected_path: str


def _shipped_endpoint_count(root: Path) -> int:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    count = 0
    for path in root.glob("*.yaml"):
        if path.name != "auth.yaml":
            count += len(yaml.load(path.read_text(), Loader=loader)["endpoints"])
    return count


def _endpoint(group: str, j: int) -> dict[str, Any]:
    """The j-th endpoint of a generated group: four kinds in turn."""
    item = {
        "id": f"itm_{group}_{j:03d}",
        "name": f"Generated item {j} of {group}",
        "status": "active",
        "tags": ["generated", group, f"kind-{j % 4}"],
        "created_at": "2025-11-27T09:31:12Z",
    }
    kind = j % 4
    base = {"id": f"{group}.e{j:03d}", "summary": f"Generated endpoint {j} of {group}"}
    if kind == 0:  # open, static body
        return {
            **base,
            "method": "GET",
            "path": f"/{group}/items-{j}",
            "auth": "open",
            "responses": [{"status": 200, "body": {"data": [item], "total": 1}}],
        }
    if kind == 1:  # protected, path parameter, static body
        return {
            **base,
            "method": "GET",
            "path": f"/{group}/items-{j}/{{item_id}}",
            "auth": "bearer",
            "scopes": ["projects:read"],
            "responses": [
                {
                    "status": 404,
                    "when": {"path": {"item_id": "itm_missing"}},
                    "body": {"error": "not_found"},
                },
                {"status": 200, "body": item},
            ],
        }
    if kind == 2:  # protected, path parameter, templated body
        return {
            **base,
            "method": "GET",
            "path": f"/{group}/things-{j}/{{thing_id}}",
            "auth": "bearer",
            "scopes": ["projects:read"],
            "responses": [
                {
                    "status": 200,
                    "body": {**item, "id": "{{ path.thing_id }}", "owner": "{{ user.id }}"},
                }
            ],
        }
    return {  # protected POST with a declared body field
        **base,
        "method": "POST",
        "path": f"/{group}/items-{j}",
        "auth": "bearer",
        "scopes": ["projects:write"],
        "request": {"body": {"name": {"type": "string", "required": True}}},
        "responses": [{"status": 201, "body": {**item, "name": "{{ body.name }}"}}],
    }


def write_catalog(out: Path, endpoints: int = 10_000) -> GeneratedCatalog:
    """Write a catalog of ``endpoints`` endpoints (at least the shipped ones) into ``out``."""
    shipped = shipped_fixtures()
    shutil.copytree(shipped, out, dirs_exist_ok=True)
    shipped_count = _shipped_endpoint_count(shipped)
    remaining = max(0, endpoints - shipped_count)
    generated = 0
    groups = 0
    last = ""
    while remaining > 0:
        group = f"gen{groups:04d}"
        count = min(PER_GROUP, remaining)
        doc = {
            "format": 1,
            "group": {"name": group, "title": f"Generated {groups}", "description": "Generated."},
            "endpoints": [_endpoint(group, j) for j in range(count)],
        }
        # JSON is YAML: writing it is fast and needs no YAML emitter.
        (out / f"{group}.yaml").write_text(json.dumps(doc, indent=1))
        remaining -= count
        generated += count
        groups += 1
        if count >= 2:
            last = group
    return GeneratedCatalog(
        root=out,
        endpoints=shipped_count + generated,
        groups=groups,
        open_path=f"/{last}/items-0" if last else "/status",
        protected_path=f"/{last}/items-1/itm_1" if last else "/audit-logs",
    )


def main() -> None:
    """Write a generated catalog and say where its measured routes are."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="output folder (created)")
    parser.add_argument("--endpoints", type=int, default=10_000)
    args = parser.parse_args()
    made = write_catalog(args.out, args.endpoints)
    print(f"{made.endpoints} endpoints ({made.groups} generated groups) in {made.root}")
    print(f"open: {made.open_path}  protected: {made.protected_path}")


if __name__ == "__main__":
    main()
