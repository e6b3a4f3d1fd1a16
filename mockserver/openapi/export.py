"""The loaded catalog as an OpenAPI 3.1 document (``GET /openapi.json``).

Paths, parameters and request bodies come from the declared request fields; responses from the
variants, with their fixture bodies as examples; the bearer scheme (with the route's scopes) on
protected routes; a tag per group. Errors the mock itself can answer (401/403 on protected
routes, 422 when it validates requests, and anything else as ``default``) use the catalog's
error envelope.
"""

from __future__ import annotations

from typing import Any

from mockserver import __version__
from mockserver.catalog.model import Catalog, Endpoint, FieldSpec, ResponseVariant

__all__ = ["ERROR_SCHEMA", "openapi_document"]

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error", "error_description"],
    "properties": {
        "error": {"type": "string", "description": "A machine-readable error code."},
        "error_description": {"type": "string", "description": "What went wrong, for people."},
        "details": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "location": {"type": "string"},
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}
_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_FORM = "application/x-www-form-urlencoded"


def _field_schema(field: FieldSpec) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": field.type}
    if field.type == "array":
        schema["items"] = {}
    if field.format:
        schema["format"] = field.format
    if field.enum is not None:
        schema["enum"] = list(field.enum)
    if field.default is not None:
        schema["default"] = field.default
    if field.example is not None:
        schema["examples"] = [field.example]
    if field.description:
        schema["description"] = field.description
    return schema


def _parameters(endpoint: Endpoint) -> list[dict[str, Any]]:
    params = []
    for location, fields in (
        ("path", endpoint.request.path),
        ("query", endpoint.request.query),
        ("header", endpoint.request.headers),
    ):
        for field in fields:
            if location == "header" and field.name.lower() in ("authorization", "content-type"):
                continue  # described by the security scheme and the request body instead
            param: dict[str, Any] = {
                "name": field.name,
                "in": location,
                "required": field.required or location == "path",
                "schema": _field_schema(field),
            }
            if field.description:
                param["description"] = field.description
            params.append(param)
    return params


def _request_body(endpoint: Endpoint) -> dict[str, Any] | None:
    fields = endpoint.request.body
    if not fields:
        return None
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {f.name: _field_schema(f) for f in fields},
    }
    required = [f.name for f in fields if f.required]
    if required:
        schema["required"] = required
    content = {"application/json": {"schema": schema}}
    if endpoint.builtin == "token":
        content[_FORM] = {"schema": schema}
    return {"required": bool(required), "content": content}


def _is_envelope(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("error"), str)
        and isinstance(value.get("error_description"), str)
    )


def _media_type(variant: ResponseVariant) -> str:
    return (variant.content_type or "application/octet-stream").split(";")[0].strip()


def _variant_order(endpoint: Endpoint) -> list[dict[str, Any]]:
    """``x-coherta-responses``: the variants in matching order, so an import rebuilds them."""
    order = []
    for index, variant in enumerate(endpoint.responses):
        entry: dict[str, Any] = {"status": variant.status}
        if variant.when is not None:
            entry["when"] = variant.when.as_dict()
        if variant.example is not None:
            entry["example"] = f"{endpoint.id}.{index}"
            entry["media_type"] = _media_type(variant)
        if variant.description:
            entry["description"] = variant.description
        order.append(entry)
    return order


def _responses(endpoint: Endpoint) -> dict[str, Any]:
    grouped: dict[str, list[tuple[int, ResponseVariant]]] = {}
    for index, variant in enumerate(endpoint.responses):
        for part in variant.sequence or (variant,):
            grouped.setdefault(str(part.status), []).append((index, part))
    responses: dict[str, Any] = {}
    for status, variants in sorted(grouped.items()):
        descriptions = [v.description for _, v in variants if v.description]
        response: dict[str, Any] = {"description": descriptions[0] if descriptions else status}
        content: dict[str, Any] = {}
        for index, variant in variants:
            if variant.status in (204, 304) or (
                variant.body.static == b"" and variant.example is None
            ):
                continue
            media = _media_type(variant)
            entry = content.setdefault(media, {"schema": {}, "examples": {}})
            if media == "application/json" and int(status) >= 400:
                if _is_envelope(variant.example) or variant.example is None:
                    entry["schema"] = _ERROR_REF
            elif media.startswith("text/"):
                entry["schema"] = {"type": "string"}
            if variant.example is not None:
                name = f"{endpoint.id}.{index}"
                example: dict[str, Any] = {"value": variant.example}
                if variant.description:
                    example["summary"] = variant.description
                if variant.when is not None:
                    example["description"] = f"When {variant.when.as_dict()}"
                entry["examples"][name] = example
        for entry in content.values():
            if not entry["examples"]:
                del entry["examples"]
        if content:
            response["content"] = content
        responses[status] = response
    error = {"content": {"application/json": {"schema": _ERROR_REF}}}
    if endpoint.protected:
        responses.setdefault("401", {"description": "No valid bearer token.", **error})
        if endpoint.scopes:
            responses.setdefault("403", {"description": "The token lacks a scope.", **error})
    if endpoint.validate and any(True for _ in endpoint.request.all_fields()):
        responses.setdefault("422", {"description": "A request field is invalid.", **error})
    responses["default"] = {"description": "An error, in the catalog's envelope.", **error}
    return responses


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": endpoint.id,
        "summary": endpoint.summary,
        "tags": [endpoint.group],
        "security": [{"bearerAuth": list(endpoint.scopes)}] if endpoint.protected else [],
        "responses": _responses(endpoint),
        "x-coherta-responses": _variant_order(endpoint),
    }
    if endpoint.builtin is not None:
        operation["x-coherta-builtin"] = endpoint.builtin
    if endpoint.description:
        operation["description"] = endpoint.description
    parameters = _parameters(endpoint)
    if parameters:
        operation["parameters"] = parameters
    body = _request_body(endpoint)
    if body is not None:
        operation["requestBody"] = body
    return operation


def openapi_document(catalog: Catalog, server_url: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``catalog``, served at ``server_url``."""
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in catalog.endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Coherta API (coherta-mock)",
            "version": __version__,
            "description": (
                "Generated by coherta-mock from the fixtures it loaded. Get a token from "
                "POST /token and send it as `Authorization: Bearer <access_token>`."
            ),
        },
        "servers": [{"url": server_url}],
        "tags": [{"name": g.name, "description": g.description} for g in catalog.groups],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "An access token from POST /token.",
                }
            },
        },
    }
