"""Stateful collections: records in memory that list/get/create/replace/update/delete work on.

Each collection starts from its seed records and goes back to them on reset. Ids are generated
in the catalog's format (prefix + 12 base62 characters) from a counter, so a run is repeatable;
timestamps come from the mock clock. Answers follow the catalog's conventions: pagination with
``data``/``meta``/``links``, 404 for an unknown id, 409 for a duplicate unique field, 422 with
``details`` for fields that break the endpoint's declaration.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from mockserver.catalog.model import CollectionSpec, Endpoint
from mockserver.catalog.validation import field_problems
from mockserver.server.responses import (
    error_response,
    header_safe,
    json_response,
    validation_error,
)

__all__ = ["CollectionStore", "run_collection_action"]

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class CollectionStore:
    """The live records of every collection, by name."""

    def __init__(self, specs: Mapping[str, CollectionSpec]) -> None:
        self.specs = dict(specs)
        self.records: dict[str, list[dict[str, Any]]] = {}
        self._counters: dict[str, int] = {}
        self.reset()

    def reset(self) -> None:
        """Every collection back to its seed records; id generation starts over."""
        self.records = {
            name: [copy.deepcopy(dict(r)) for r in spec.seed] for name, spec in self.specs.items()
        }
        self._counters = dict.fromkeys(self.specs, 0)

    def new_id(self, name: str) -> str:
        """The next id of a collection, e.g. ``prj_3kZ9...``: repeatable from reset to reset."""
        spec = self.specs[name]
        existing = {r.get(spec.id_field) for r in self.records[name]}
        while True:
            self._counters[name] += 1
            digest = int.from_bytes(
                hashlib.sha256(f"{name}:{self._counters[name]}".encode()).digest()[:9], "big"
            )
            suffix = ""
            for _ in range(12):
                digest, index = divmod(digest, 62)
                suffix += _BASE62[index]
            candidate = spec.id_prefix + suffix
            if candidate not in existing:
                return candidate

    def find(self, name: str, record_id: str) -> dict[str, Any] | None:
        """The record with this id, if any."""
        id_field = self.specs[name].id_field
        return next((r for r in self.records[name] if str(r.get(id_field)) == record_id), None)


def _writable(spec: CollectionSpec, endpoint: Endpoint, body: Mapping[str, Any]) -> dict[str, Any]:
    """The body's fields a client may write: the endpoint's declared body fields (all but the
    id and timestamps when it declares none), so ids, owners and parents cannot be forged."""
    declared = {f.name for f in endpoint.request.body}
    managed = {spec.id_field, "created_at", "updated_at"}
    return {
        k: v for k, v in body.items() if (k in declared if declared else True) and k not in managed
    }


def _not_found(spec: CollectionSpec, record_id: str) -> web.Response:
    return error_response(404, "not_found", f"No {spec.label} with id {record_id}.")


def _not_an_object() -> web.Response:
    return validation_error([{"location": "body", "field": "", "message": "must be a JSON object"}])


def _conflict(
    store: CollectionStore, spec: CollectionSpec, values: Mapping[str, Any], skip: Any = None
) -> web.Response | None:
    for field_name in spec.unique:
        if field_name not in values or values[field_name] is None:
            continue
        for record in store.records[spec.name]:
            if record is not skip and record.get(field_name) == values[field_name]:
                return error_response(
                    409,
                    "conflict",
                    f"A {spec.label} with {field_name} {values[field_name]!r} already exists.",
                )
    return None


def _page_number(query: Mapping[str, str], name: str, default: int, high: int) -> int:
    try:
        value = int(query.get(name, default))
    except ValueError:
        value = default
    return min(max(value, 1), high)


def _list(
    store: CollectionStore,
    spec: CollectionSpec,
    path: str,
    query: Mapping[str, str],
    parent: dict[str, str],
) -> web.Response:
    records = [
        r
        for r in store.records[spec.name]
        if all(str(r.get(k)) == v for k, v in parent.items())
        and all(str(r.get(f)) == query[f] for f in spec.filters if f in query)
    ]
    page = _page_number(query, "page", 1, 1_000_000)
    per_page = _page_number(query, "per_page", 20, 100)
    start = (page - 1) * per_page
    extra = {f: query[f] for f in spec.filters if f in query}

    def link(number: int) -> str:
        return f"{path}?{urlencode({**extra, 'page': number, 'per_page': per_page})}"

    return json_response(
        {
            "data": records[start : start + per_page],
            "meta": {"page": page, "per_page": per_page, "total": len(records)},
            "links": {
                "self": link(page),
                "next": link(page + 1) if start + per_page < len(records) else None,
                "prev": link(page - 1) if page > 1 else None,
            },
        }
    )


def run_collection_action(
    store: CollectionStore,
    endpoint: Endpoint,
    *,
    path: str,
    path_params: Mapping[str, str],
    query: Mapping[str, str],
    body: Any,
    context: Mapping[str, Any],
    now: str,
    location_of: str | None,
) -> web.Response:
    """Answer ``endpoint``'s collection action for one request."""
    binding = endpoint.collection
    assert binding is not None
    spec = store.specs[binding.name]
    parent = {field: path_params[param] for field, param in binding.parent}
    if binding.action == "list":
        return _list(store, spec, path, query, parent)
    if binding.action == "create":
        return _create(store, spec, endpoint, body, context, now, parent, location_of)
    assert binding.key is not None
    record_id = path_params[binding.key]
    record = store.find(spec.name, record_id)
    if record is None or any(str(record.get(k)) != v for k, v in parent.items()):
        return _not_found(spec, record_id)
    if binding.action == "get":
        return json_response(record)
    if binding.action == "delete":
        store.records[spec.name].remove(record)
        return web.Response(status=204)
    if not isinstance(body, dict):
        return validation_error(
            [{"location": "body", "field": "", "message": "must be a JSON object"}]
        )
    partial = binding.action == "update"
    problems = field_problems(endpoint.request.body, body, partial=partial)
    if problems:
        return validation_error(problems)
    conflict = _conflict(store, spec, body, skip=record)
    if conflict is not None:
        return conflict
    changes = _writable(spec, endpoint, body)
    if not partial:
        # PUT replaces what the client may write; fields it cannot (ids, owners) stay.
        for field in endpoint.request.body:
            record.pop(field.name, None)
    record.update(changes)
    if spec.timestamps:
        record["updated_at"] = now
    return json_response(record)


def _create(
    store: CollectionStore,
    spec: CollectionSpec,
    endpoint: Endpoint,
    body: Any,
    context: Mapping[str, Any],
    now: str,
    parent: dict[str, str],
    location_of: str | None,
) -> web.Response:
    if not isinstance(body, dict):
        return validation_error(
            [{"location": "body", "field": "", "message": "must be a JSON object"}]
        )
    problems = field_problems(endpoint.request.body, body)
    if problems:
        return validation_error(problems)
    conflict = _conflict(store, spec, body)
    if conflict is not None:
        return conflict
    record: dict[str, Any] = {spec.id_field: store.new_id(spec.name)}
    defaults = spec.defaults(context) if spec.defaults is not None else {}
    record.update(defaults if isinstance(defaults, dict) else {})
    record.update(
        {
            k: v
            for k, v in _writable(spec, endpoint, body).items()
            if v is not None or k not in record
        }
    )
    record.update(parent)
    if spec.timestamps:
        record["created_at"] = now
        record["updated_at"] = now
    store.records[spec.name].insert(0, record)
    headers = {}
    if location_of:
        headers["Location"] = header_safe(location_of.replace("{id}", str(record[spec.id_field])))
    return json_response(record, status=201, headers=headers)
