"""The fixture model: one vocabulary for the loader, runtime stubs, the portal and the server.

Frozen, keyword-only dataclasses; their field names are the YAML keys of fixture format v1
(docs/fixtures.md). Nothing here changes after loading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from mockserver.catalog.behaviour import Delay, Fault, ScenarioRule
from mockserver.catalog.matching import Conditions
from mockserver.catalog.templating import Body, TextTemplate, ValueTemplate

__all__ = [
    "AuthSettings",
    "Catalog",
    "CollectionAction",
    "CollectionBinding",
    "CollectionSpec",
    "Endpoint",
    "FieldSpec",
    "Group",
    "RequestSpec",
    "ResponseVariant",
    "User",
]

FieldLocation = Literal["path", "query", "headers", "body"]
CollectionAction = Literal["list", "get", "create", "replace", "update", "delete"]
FieldType = Literal["string", "integer", "number", "boolean", "array", "object"]


@dataclass(frozen=True, kw_only=True)
class FieldSpec:
    """One declared request field."""

    name: str
    location: FieldLocation
    type: FieldType
    required: bool = False
    description: str = ""
    enum: tuple[Any, ...] | None = None
    default: Any = None
    example: Any = None
    format: str | None = None


@dataclass(frozen=True, kw_only=True)
class RequestSpec:
    """The fields a request to an endpoint declares, by location."""

    path: tuple[FieldSpec, ...] = ()
    query: tuple[FieldSpec, ...] = ()
    headers: tuple[FieldSpec, ...] = ()
    body: tuple[FieldSpec, ...] = ()

    def all_fields(self) -> Iterator[FieldSpec]:
        """Every field, path first, then query, headers and body."""
        yield from self.path
        yield from self.query
        yield from self.headers
        yield from self.body


@dataclass(frozen=True, kw_only=True)
class ResponseVariant:
    """One canned answer; the first variant whose ``when`` holds answers the request."""

    status: int = 200
    description: str = ""
    when: Conditions | None = None
    headers: tuple[tuple[str, str | TextTemplate | ValueTemplate], ...] = ()
    content_type: str = "application/json"
    body: Body
    example: Any = None
    sequence: tuple[ResponseVariant, ...] = ()
    loop: bool = False
    scenario: ScenarioRule | None = None
    delay: Delay | None = None
    fault: Fault | None = None
    source: str = ""

    @property
    def is_default(self) -> bool:
        """True for a variant without conditions (a scenario state is a condition too)."""
        return self.when is None and (self.scenario is None or self.scenario.state is None)

    @property
    def reads_body(self) -> bool:
        """True when a condition or template of this variant (or its sequence) reads the body."""
        return (self.when is not None and self.when.has_body) or any(
            "body" in part.body.uses for part in (self, *self.sequence)
        )

    @property
    def is_plain(self) -> bool:
        """True when answering needs no state, delay or fault: a canned response."""
        return not self.sequence and self.scenario is None and self.delay is None and not self.fault


@dataclass(frozen=True, kw_only=True)
class CollectionSpec:
    """A stateful collection: seed records that endpoints list, get, create, update, delete."""

    name: str
    id_prefix: str
    label: str
    id_field: str = "id"
    unique: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    timestamps: bool = True
    defaults: Callable[[Mapping[str, Any]], Any] | None = None
    seed: tuple[Mapping[str, Any], ...] = ()
    source: str = ""


@dataclass(frozen=True, kw_only=True)
class CollectionBinding:
    """How an endpoint works on a collection: the action, and parent fields from the path."""

    name: str
    action: CollectionAction
    parent: tuple[tuple[str, str], ...] = ()
    key: str | None = None


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    """One route of the catalog and its canned answers."""

    id: str
    method: str
    path: str
    summary: str
    description: str = ""
    auth: Literal["bearer", "open"]
    scopes: tuple[str, ...] = ()
    request: RequestSpec = field(default_factory=RequestSpec)
    responses: tuple[ResponseVariant, ...]
    group: str
    builtin: Literal["token", "token_renew"] | None = None
    collection: CollectionBinding | None = None
    validate: bool = True
    source: str = ""

    @property
    def protected(self) -> bool:
        """True when the route demands a bearer token."""
        return self.auth == "bearer"

    @property
    def route(self) -> str:
        """``METHOD /path``."""
        return f"{self.method} {self.path}"

    @property
    def needs_body(self) -> bool:
        """True when a condition, template or collection action reads the JSON request body."""
        if self.collection is not None and self.collection.action in (
            "create",
            "replace",
            "update",
        ):
            return True
        return any(v.reads_body for v in self.responses)


@dataclass(frozen=True, kw_only=True)
class Group:
    """A reference group: one fixture file."""

    name: str
    title: str
    description: str
    endpoints: tuple[Endpoint, ...]
    source: str = ""


@dataclass(frozen=True, kw_only=True)
class User:
    """A user the token issuer knows."""

    username: str
    password: str
    scopes: tuple[str, ...]
    profile: Mapping[str, Any]


@dataclass(frozen=True, kw_only=True)
class AuthSettings:
    """How the token issuer signs and checks tokens (``auth.yaml``)."""

    issuer: str
    audience: str
    realm: str = "coherta"
    token_lifetime: int = 3600
    renewal_window: int = 86400
    algorithm: str = "HS256"
    secret: str | None = None
    private_key_pem: bytes | None = None
    key_id: str | None = None
    users: tuple[User, ...] = ()
    source: str = ""

    def user(self, username: str) -> User | None:
        """The user with this username, if any."""
        for user in self.users:
            if user.username == username:
                return user
        return None


@dataclass(frozen=True, kw_only=True)
class Catalog:
    """Everything loaded from a fixture directory."""

    groups: tuple[Group, ...]
    auth: AuthSettings
    collections: Mapping[str, CollectionSpec] = field(default_factory=dict)
    root: str = ""

    # Both computed once per catalog (it never changes): routes, stubs and the control API ask
    # for them per request, and a scan would grow with the catalog.
    @cached_property
    def endpoints(self) -> tuple[Endpoint, ...]:
        """Every endpoint, group by group, in file order."""
        return tuple(e for g in self.groups for e in g.endpoints)

    @cached_property
    def _by_id(self) -> dict[str, Endpoint]:
        return {e.id: e for e in reversed(self.endpoints)}  # the first of a duplicated id wins

    def endpoint(self, endpoint_id: str) -> Endpoint | None:
        """The endpoint with this id, if any."""
        return self._by_id.get(endpoint_id)

    def totals(self) -> dict[str, int]:
        """The portal's headline figures."""
        endpoints = self.endpoints
        protected = sum(1 for e in endpoints if e.protected)
        return {
            "endpoints": len(endpoints),
            "protected": protected,
            "open": len(endpoints) - protected,
            "groups": len(self.groups),
        }
