"""JSON Schema validation of fixture files, with located, readable messages.

The schemas shipped in ``schemas/`` are the single description of fixture format v1: editors use
them through yaml-language-server, and the loader checks every file against them before it builds
anything, turning each schema error into a Problem at the offending key or value.

Two validators share the work. A compiled one (jsonschema-rs) answers "is this file valid?" in a
fraction of a millisecond, which is all a clean load asks; only a file it refuses goes through
the jsonschema package's ``iter_errors``, whose errors carry what the readable, located messages
are made of (keyword, failing sub-schema, value). Each validator is built once per process, and
the jsonschema package is imported only when a file or stub has a problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from mockserver.catalog.yamlsource import Path_, YamlDocument
from mockserver.errors import Problem

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

__all__ = ["SCHEMA_NAMES", "schema_problems", "schema_text", "stub_problems"]

SCHEMA_NAMES = ("group", "auth")

_JSON_TYPES = {
    dict: "a mapping",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    type(None): "nothing (null)",
}

_FORM_HINTS = {
    "id": "a dotted lower-case id such as 'users.me'",
    "path": "a path such as '/users/{user_id}' (letters, digits, '-._~' and {param} segments)",
    "name": "a lower-case slug such as 'users'",
    "content_type": "a media type such as 'application/json'",
}

#: Header names are HTTP tokens; values may not hold CR, LF or other control characters.
_HEADER_NAME_HINT = "a header name made of letters, digits and !#$%&'*+.^_`|~-"
_HEADER_VALUE_HINT = "a header value without control characters (CR, LF)"


def schema_text(name: str) -> str:
    """The JSON text of a shipped schema (``group`` or ``auth``)."""
    return resources.files("mockserver.catalog").joinpath(f"schemas/{name}.schema.json").read_text()


@cache
def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(schema_text(name))
    return schema


@cache
def _validator(name: str) -> Draft202012Validator:
    """The full validator of a shipped schema, for located messages; built once."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_schema(name))


def _fast_check(schema: dict[str, Any]) -> Callable[[Any], bool]:
    """A compiled validity check of ``schema``: True means valid, False means look closer."""
    import jsonschema_rs

    is_valid = jsonschema_rs.Draft202012Validator(schema).is_valid

    def check(instance: Any) -> bool:
        try:
            return is_valid(instance)
        except (ValueError, TypeError, OverflowError):
            # Data JSON cannot hold (a non-string key, an integer past 64 bits...): let the
            # full validator judge it.
            return False

    return check


@cache
def _fast(name: str) -> Callable[[Any], bool]:
    return _fast_check(_schema(name))


def _describe(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the document"


def _found(value: Any) -> str:
    kind = _JSON_TYPES.get(type(value), type(value).__name__)
    if isinstance(value, dict | list):
        return kind
    text = repr(value)
    return f"{kind} {text[:60]}{'...' if len(text) > 60 else ''}"


def _messages(error: ValidationError) -> list[tuple[Path_, str, bool]]:
    """(path, message, at_key) for one schema error."""
    path: Path_ = tuple(error.absolute_path)
    where = _describe(path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind = error.validator
    value = error.instance
    if kind == "additionalProperties" and isinstance(value, dict):
        allowed = sorted(schema.get("properties", {}))
        return [
            (
                (*path, key),
                f"unknown key {key!r} in {where}; expected one of: {', '.join(allowed)}",
                True,
            )
            for key in value
            if key not in allowed
        ]
    if kind == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        return [(path, f"{where} is missing the required key {missing!r}", False)]
    if kind == "type":
        expected = error.validator_value
        names = " or ".join(expected) if isinstance(expected, list) else str(expected)
        return [(path, f"{where}: expected {names}, found {_found(value)}", False)]
    if kind == "enum":
        options = ", ".join(repr(v) for v in schema.get("enum", ()))
        return [(path, f"{where}: expected one of {options}, found {_found(value)}", False)]
    if kind == "const":
        return [
            (path, f"{where}: expected {error.validator_value!r}, found {_found(value)}", False)
        ]
    if kind == "pattern":
        hint = _FORM_HINTS.get(
            str(path[-1]) if path else "", f"text matching {error.validator_value}"
        )
        if path and path[-1] == "headers":
            hint = _HEADER_NAME_HINT
        elif len(path) > 1 and path[-2] == "headers":
            hint = _HEADER_VALUE_HINT
        return [(path, f"{where}: expected {hint}, found {_found(value)}", False)]
    if kind == "not" and isinstance(value, dict) and {"body", "body_file"} <= value.keys():
        return [
            ((*path, "body_file"), f"{where}: use either 'body' or 'body_file', not both", True)
        ]
    if kind == "anyOf":
        return [
            (
                path,
                f"{where}: expected a value or a mapping with one of equals, matches, present, "
                f"one_of; found {_found(value)}",
                False,
            )
        ]
    return [(path, f"{where}: {error.message}", False)]


def schema_problems(doc: YamlDocument, name: str) -> list[Problem]:
    """Every way ``doc`` breaks the named schema, each located in the file."""
    problems: list[Problem] = []
    if _fast(name)(doc.data):
        return problems
    for error in _validator(name).iter_errors(doc.data):
        for path, message, at_key in _messages(error):
            problems.append(doc.problem(path, message, key=at_key))
    return problems


@cache
def _stub_schema() -> dict[str, Any]:
    defs = _schema("group")["$defs"]
    response = defs["response"]
    properties = {k: v for k, v in response["properties"].items() if k != "body_file"}
    properties.update(
        {
            "endpoint": {"type": "string", "minLength": 1},
            "method": defs["endpoint"]["properties"]["method"],
            "path": {"type": "string", "pattern": "^/"},
            "times": {"type": "integer", "minimum": 1},
        }
    )
    return {
        "$defs": defs,
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }


@cache
def _stub_fast() -> Callable[[Any], bool]:
    return _fast_check(_stub_schema())


@cache
def _stub_validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_stub_schema())


def stub_problems(payload: Any) -> list[str]:
    """Every way a runtime stub's JSON breaks the stub form (a fixture response plus target)."""
    if not isinstance(payload, dict):
        return [f"the stub must be a JSON object, not {_found(payload)}"]
    if _stub_fast()(payload):
        return []
    return [
        message
        for error in _stub_validator().iter_errors(payload)
        for _, message, _ in _messages(error)
    ]
