"""Checking request values against declared fields: the problems, each with location and field."""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from mockserver.catalog.model import FieldSpec, RequestSpec

__all__ = [
    "BodyState",
    "field_problems",
    "json_type",
    "parse_text",
    "request_problems",
    "type_matches",
]

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "array": "an array",
    "object": "an object",
}


def type_matches(kind: str, value: Any) -> bool:
    """True when a JSON value is of the declared field type."""
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    return isinstance(value, dict)


def json_type(value: Any) -> str:
    """The JSON type name of a value: null, boolean, integer, number, string, array or object."""
    if value is None:
        return "null"
    for kind in ("boolean", "integer", "number", "string", "array"):
        if type_matches(kind, value):
            return kind
    return "object"


def field_problems(
    fields: Iterable[FieldSpec], values: Mapping[str, Any], *, partial: bool = False
) -> list[dict[str, str]]:
    """What is wrong with ``values`` (a JSON object's members) for ``fields``.

    ``partial`` checks only the fields present (PATCH); otherwise required fields must be there.
    """
    problems: list[dict[str, str]] = []
    for field in fields:
        where = {"location": field.location, "field": field.name}
        if field.name not in values or values[field.name] is None:
            if field.required and not partial:
                problems.append({**where, "message": "is required"})
            continue
        value = values[field.name]
        if not type_matches(field.type, value):
            problems.append(
                {
                    **where,
                    "message": f"must be {_TYPE_NAMES[field.type]}, not {json_type(value)}",
                }
            )
        elif field.enum is not None and value not in field.enum:
            options = ", ".join(repr(v) for v in field.enum)
            problems.append({**where, "message": f"must be one of {options}, not {value!r}"})
    return problems


_INTEGER = re.compile(r"[+-]?\d+")
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}


def parse_text(kind: str, text: str) -> tuple[Any, str | None]:
    """A path, query or header value read as the declared type: (value, problem or None)."""
    if kind == "integer":
        if _INTEGER.fullmatch(text.strip()):
            return int(text), None
        return text, f"must be an integer, not {text!r}"
    if kind == "number":
        try:
            value = float(text)
        except ValueError:
            return text, f"must be a number, not {text!r}"
        if not math.isfinite(value):
            return text, f"must be a finite number, not {text!r}"
        return value, None
    if kind == "boolean":
        if text.lower() in _BOOLEANS:
            return _BOOLEANS[text.lower()], None
        return text, f"must be true or false, not {text!r}"
    if kind == "array":
        return [part for part in text.split(",") if part], None
    return text, None


class BodyState(enum.Enum):
    """What a request carried as its body."""

    ABSENT = "absent"
    MALFORMED = "malformed"
    PARSED = "parsed"


def request_problems(
    spec: RequestSpec,
    *,
    path: Mapping[str, str],
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body_state: BodyState,
    body: Any,
) -> list[dict[str, str]]:
    """Every way a request breaks its endpoint's declared fields, each with location and field."""
    problems: list[dict[str, str]] = []
    for fields, values in ((spec.path, path), (spec.query, query), (spec.headers, headers)):
        for field in fields:
            where = {"location": field.location, "field": field.name}
            text = values.get(field.name)
            if text is None:
                if field.required:
                    problems.append({**where, "message": "is required"})
                continue
            value, problem = parse_text(field.type, text)
            if problem is not None:
                problems.append({**where, "message": problem})
            elif field.enum is not None and value not in field.enum and text not in field.enum:
                options = ", ".join(repr(v) for v in field.enum)
                problems.append({**where, "message": f"must be one of {options}, not {text!r}"})
    if spec.body:
        where = {"location": "body", "field": ""}
        if body_state is BodyState.MALFORMED:
            problems.append({**where, "message": "is not valid JSON"})
        elif body_state is BodyState.ABSENT:
            if any(f.required for f in spec.body):
                problems.append({**where, "message": "a JSON object body is required"})
        elif not isinstance(body, dict):
            problems.append({**where, "message": "must be a JSON object"})
        else:
            problems.extend(field_problems(spec.body, body))
    return problems
