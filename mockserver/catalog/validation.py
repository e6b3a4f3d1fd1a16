"""Checking request values against declared fields: the problems, each with location and field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mockserver.catalog.model import FieldSpec

__all__ = ["field_problems", "type_matches"]

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


def _json_kind(value: Any) -> str:
    for kind in ("boolean", "integer", "number", "string", "array", "object"):
        if type_matches(kind, value):
            return kind
    return "null"


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
                    "message": f"must be {_TYPE_NAMES[field.type]}, not {_json_kind(value)}",
                }
            )
        elif field.enum is not None and value not in field.enum:
            options = ", ".join(repr(v) for v in field.enum)
            problems.append({**where, "message": f"must be one of {options}, not {value!r}"})
    return problems
