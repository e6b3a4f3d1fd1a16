"""Request samples shown in the portal: cURL commands built from an endpoint's declared fields."""

from __future__ import annotations

import json
import shlex
from typing import Any
from urllib.parse import urlencode

from mockserver.catalog.model import Endpoint, FieldSpec

__all__ = ["curl_sample", "example_value"]

_PLACEHOLDERS = {
    "string": "text",
    "integer": 1,
    "number": 1.5,
    "boolean": True,
    "array": [],
    "object": {},
}


def example_value(field: FieldSpec) -> Any:
    """The field's example, else its default, first enum value, or a value of its type."""
    for candidate in (field.example, field.default):
        if candidate is not None:
            return candidate
    if field.enum:
        return field.enum[0]
    return _PLACEHOLDERS[field.type]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def curl_sample(endpoint: Endpoint, base_url: str) -> str:
    """A cURL command for ``endpoint`` at ``base_url``, with the bearer header where needed."""
    path = endpoint.path
    for field in endpoint.request.path:
        path = path.replace("{" + field.name + "}", _text(example_value(field)))
    query = [
        (f.name, _text(example_value(f)))
        for f in endpoint.request.query
        if f.required or f.example is not None
    ]
    url = base_url.rstrip("/") + path + (f"?{urlencode(query)}" if query else "")
    lines = [f"curl -X {endpoint.method} {shlex.quote(url)}"]
    if endpoint.protected:
        lines.append('-H "Authorization: Bearer $TOKEN"')
    for field in endpoint.request.headers:
        if field.name.lower() == "authorization":
            lines.append('-H "Authorization: Bearer $TOKEN"')
        elif field.required:
            lines.append("-H " + shlex.quote(f"{field.name}: {_text(example_value(field))}"))
    body = {
        f.name: example_value(f)
        for f in endpoint.request.body
        if f.required or f.example is not None
    }
    if body:
        lines.append('-H "Content-Type: application/json"')
        lines.append("-d " + shlex.quote(json.dumps(body, ensure_ascii=False)))
    return " \\\n  ".join(lines)
