"""An OpenAPI 3.0/3.1 document (JSON or YAML) becomes a fixture directory, one file per tag.

Request fields come from parameters and the JSON request body; responses from their examples,
or, where there are none, from examples generated from their schemas; ``auth`` from the security
requirements. The first success response answers by default; every other documented response
answers when the request asks for it with Prism's ``Prefer: code=<status>`` header. A document
exported by coherta-mock (``GET /openapi.json``) carries its variants' order and conditions in
``x-coherta-responses`` and is rebuilt exactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from mockserver.catalog.scaffold import auth_document
from mockserver.errors import MockServerError, OutputExistsError

__all__ = ["ImportResult", "OpenAPIImportError", "import_openapi", "read_document"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_SLUG = re.compile(r"[^a-z0-9]+")
_PARAM_NAME = re.compile(r"[^A-Za-z0-9_]")
_MAX_DEPTH = 8


class OpenAPIImportError(MockServerError, ValueError):
    """A document that cannot be imported, or an output folder that would be overwritten."""


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote."""

    files: list[Path]
    endpoints: int


def read_document(path: Path) -> dict[str, Any]:
    """An OpenAPI 3.0/3.1 document from a JSON or YAML file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise OpenAPIImportError(f"{path}: cannot read the document: {exc}") from None
    try:
        doc = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        kind = "JSON" if path.suffix == ".json" else "YAML"
        raise OpenAPIImportError(f"{path}: not valid {kind}: {exc}") from None
    version = str(doc.get("openapi", "")) if isinstance(doc, dict) else ""
    if not version.startswith(("3.0", "3.1")):
        raise OpenAPIImportError(
            f"{path}: expected an OpenAPI 3.0 or 3.1 document (an 'openapi: 3.x' key), "
            f"found {version or 'none'}"
        )
    result: dict[str, Any] = doc
    return result


def _slug(text: str) -> str:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    return _SLUG.sub("_", spaced.lower()).strip("_") or "x"


class _Resolver:
    """Local ``$ref`` lookups (``#/components/...``) through the referencing library."""

    def __init__(self, doc: dict[str, Any]) -> None:
        resource = Resource.from_contents(doc, default_specification=DRAFT202012)
        self._resolver = Registry().with_resource("urn:openapi", resource).resolver("urn:openapi")

    def deref(self, node: Any, depth: int = 0) -> Any:
        """``node`` with a top-level ``$ref`` followed (a few levels at most)."""
        while isinstance(node, dict) and "$ref" in node and depth < _MAX_DEPTH:
            try:
                node = self._resolver.lookup(node["$ref"]).contents
            except Unresolvable:
                raise OpenAPIImportError(f"cannot resolve $ref {node['$ref']!r}") from None
            depth += 1
        return node


def _type_of(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind in ("string", "integer", "number", "boolean", "array", "object"):
        return str(kind)
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def example_from_schema(schema: Any, refs: _Resolver, depth: int = 0) -> Any:
    """A plausible value for ``schema``: its example, default or enum, else built by type."""
    schema = refs.deref(schema)
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return None
    for key in ("example", "default", "const"):
        if key in schema:
            return schema[key]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            return example_from_schema(schema[key][0], refs, depth + 1)
    if schema.get("allOf"):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = example_from_schema(part, refs, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    kind = _type_of(schema)
    if kind == "object":
        return {
            name: example_from_schema(prop, refs, depth + 1)
            for name, prop in (schema.get("properties") or {}).items()
        }
    if kind == "array":
        return [example_from_schema(schema.get("items", {}), refs, depth + 1)]
    if kind == "integer":
        return int(schema.get("minimum", 0))
    if kind == "number":
        return float(schema.get("minimum", 0))
    if kind == "boolean":
        return True
    return {
        "date-time": "2025-01-01T00:00:00Z",
        "date": "2025-01-01",
        "email": "user@example.com",
        "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "uri": "https://example.com/",
    }.get(str(schema.get("format")), "string")


def _field(schema: Any, refs: _Resolver, *, required: bool, description: str) -> dict[str, Any]:
    schema = refs.deref(schema) or {}
    field: dict[str, Any] = {"type": _type_of(schema)}
    if required:
        field["required"] = True
    text = description or schema.get("description", "")
    if text:
        field["description"] = text
    for key in ("enum", "default", "format"):
        if key in schema:
            field[key] = schema[key]
    if "example" in schema:
        field["example"] = schema["example"]
    elif isinstance(schema.get("examples"), list) and schema["examples"]:
        field["example"] = schema["examples"][0]
    return field


def _security(operation: dict[str, Any], doc: dict[str, Any]) -> tuple[str, list[str]]:
    requirements = operation.get("security", doc.get("security", []))
    if not requirements or any(not r for r in requirements):
        return "open", []  # no requirement, or `{}`: authentication is optional
    scopes: list[str] = []
    for scheme_scopes in requirements[0].values():
        scopes.extend(s for s in scheme_scopes if s not in scopes)
    return "bearer", scopes


def _json_content(content: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    for media, entry in content.items():
        if media.split(";")[0].strip().endswith(("json", "+json")):
            return media.split(";")[0].strip(), entry
    for media, entry in content.items():
        return media.split(";")[0].strip(), entry
    return None


def _content_example(entry: dict[str, Any], refs: _Resolver, name: str | None) -> Any:
    examples = entry.get("examples") or {}
    if name is not None and name in examples:
        return refs.deref(examples[name]).get("value")
    if "example" in entry:
        return entry["example"]
    for example in examples.values():
        return refs.deref(example).get("value")
    return example_from_schema(entry.get("schema", {}), refs)


class _Importer:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.refs = _Resolver(doc)
        self.groups: dict[str, dict[str, Any]] = {}
        self.ids: set[str] = set()
        self.scopes: list[str] = []

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any], list[Any]]]:
        for path, item in (self.doc.get("paths") or {}).items():
            item = self.refs.deref(item)
            shared = item.get("parameters", [])
            for method in _METHODS:
                if method in item:
                    yield path, method, item[method], shared

    def group_for(self, operation: dict[str, Any], path: str) -> dict[str, Any]:
        tags = operation.get("tags") or [path.strip("/").split("/")[0] or "root"]
        name = _slug(str(tags[0])).replace("_", "-")
        if name not in self.groups:
            described = {t.get("name"): t for t in self.doc.get("tags", []) if isinstance(t, dict)}
            tag = described.get(tags[0], {})
            source = self.doc.get("info", {}).get("title", "an OpenAPI document")
            self.groups[name] = {
                "format": 1,
                "group": {
                    "name": name,
                    "title": str(tags[0]).replace("-", " ").strip().capitalize() or name,
                    "description": tag.get("description") or f"Imported from {source}.",
                },
                "endpoints": [],
            }
        return self.groups[name]

    def endpoint_id(self, group: str, operation: dict[str, Any], method: str, path: str) -> str:
        op_id = str(operation.get("operationId") or "")
        action = op_id[len(group) + 1 :] if op_id.startswith(group + ".") else op_id
        action = _slug(action or f"{method}_{path}")
        candidate, n = f"{group}.{action}", 2
        while candidate in self.ids:
            candidate, n = f"{group}.{action}_{n}", n + 1
        self.ids.add(candidate)
        return candidate

    def request(
        self, operation: dict[str, Any], shared: list[Any], renames: dict[str, str]
    ) -> dict[str, Any]:
        params: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*shared, *operation.get("parameters", [])]:
            param = self.refs.deref(raw)
            params[(param["name"], param["in"])] = param
        request: dict[str, Any] = {}
        for (name, where), param in params.items():
            location = {"path": "path", "query": "query", "header": "headers"}.get(where)
            if location is None:
                continue  # cookie parameters have no place in fixtures
            field = _field(
                param.get("schema", {}),
                self.refs,
                required=bool(param.get("required")),
                description=param.get("description", ""),
            )
            if "example" in param:
                field["example"] = param["example"]
            if location == "path":
                field.pop("required", None)
            request.setdefault(location, {})[renames.get(name, name)] = field
        body = self.refs.deref(operation.get("requestBody") or {})
        found = _json_content(body.get("content") or {})
        if found is not None:
            schema = self.refs.deref(found[1].get("schema", {}))
            required = set(schema.get("required", []))
            fields = {
                name: _field(prop, self.refs, required=name in required, description="")
                for name, prop in (schema.get("properties") or {}).items()
            }
            if fields:
                request["body"] = fields
        return request

    def responses(self, operation: dict[str, Any]) -> list[dict[str, Any]]:
        documented = {
            str(status): self.refs.deref(response)
            for status, response in (operation.get("responses") or {}).items()
            if str(status).isdigit()
        }
        plan: list[dict[str, Any]]
        exported = operation.get("x-coherta-responses")
        if isinstance(exported, list):
            plan = exported
        elif not documented:
            plan = [{"status": 200}]
        else:
            statuses = sorted(documented, key=lambda s: (not s.startswith("2"), s))
            plan = [
                {"status": int(s), "when": {"headers": {"Prefer": f"code={s}"}}}
                for s in statuses[1:]
            ]
            plan.append({"status": int(statuses[0])})
        variants = []
        for entry in plan:
            response = documented.get(str(entry["status"]), {})
            variant: dict[str, Any] = {"status": entry["status"]}
            description = entry.get("description") or response.get("description")
            if description and description != str(entry["status"]):
                variant["description"] = description
            if "when" in entry:
                variant["when"] = entry["when"]
            found = _json_content(response.get("content") or {})
            if found is not None and entry["status"] not in (204, 304):
                media, content = found
                if "x-coherta-responses" in operation and "example" not in entry:
                    pass  # exported without a body: keep it bodiless
                else:
                    name = entry.get("example")
                    body = _content_example(content, self.refs, str(name) if name else None)
                    if body is not None:
                        variant["body"] = body if media != "text/plain" else str(body)
                    if media not in ("application/json", "text/plain"):
                        variant["content_type"] = media
            variants.append(variant)
        return variants

    def run(self) -> int:
        count = 0
        for path, method, operation, shared in self.operations():
            renames = {
                name: _PARAM_NAME.sub("_", name)
                for name in re.findall(r"\{([^}]+)\}", path)
                if _PARAM_NAME.search(name)
            }
            route = path
            for old, new in renames.items():
                route = route.replace("{" + old + "}", "{" + new + "}")
            group = self.group_for(operation, path)
            auth, scopes = _security(operation, self.doc)
            self.scopes.extend(s for s in scopes if s not in self.scopes)
            endpoint: dict[str, Any] = {
                "id": self.endpoint_id(group["group"]["name"], operation, method, path),
                "method": method.upper(),
                "path": route,
                "summary": operation.get("summary") or operation.get("operationId") or route,
            }
            if operation.get("description"):
                endpoint["description"] = operation["description"]
            endpoint["auth"] = auth
            if scopes:
                endpoint["scopes"] = scopes
            if operation.get("x-coherta-builtin") in ("token", "token_renew"):
                endpoint["builtin"] = operation["x-coherta-builtin"]
            request = self.request(operation, shared, renames)
            if request:
                endpoint["request"] = request
            endpoint["responses"] = self.responses(operation) or [{"status": 200}]
            group["endpoints"].append(endpoint)
            count += 1
        return count


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def import_openapi(spec: Path, out: Path, *, force: bool = False) -> ImportResult:
    """Write fixtures for the OpenAPI document ``spec`` into ``out``; refuse to overwrite."""
    doc = read_document(spec)
    importer = _Importer(doc)
    count = importer.run()
    out.mkdir(parents=True, exist_ok=True)
    planned = [out / f"{name}.yaml" for name in importer.groups]
    if not (out / "auth.yaml").exists():
        planned.append(out / "auth.yaml")
    existing = [p for p in planned if p.exists()]
    if existing and not force:
        raise OutputExistsError(
            f"{existing[0]} exists already; pass --force to overwrite "
            f"({len(existing)} file{'s' if len(existing) != 1 else ''} would be replaced)"
        )
    written = []
    for name, group in importer.groups.items():
        path = out / f"{name}.yaml"
        header = "# Imported from an OpenAPI document by coherta-mock import-openapi.\n"
        path.write_text(header + _dump(group))
        written.append(path)
    if out / "auth.yaml" in planned:
        (out / "auth.yaml").write_text(_dump(auth_document(importer.scopes)))
        written.append(out / "auth.yaml")
    return ImportResult(files=written, endpoints=count)
