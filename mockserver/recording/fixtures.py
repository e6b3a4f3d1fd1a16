"""Recorded exchanges as fixture format v1: endpoints, response variants, request fields.

Everything written goes through ``redact_fields`` first, and only an allow-list of response
headers is kept, so tokens, passwords and cookies never reach a fixture file. Text that the
loader would take for a Jinja2 template is written as a template that renders to that text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from mockserver.catalog.templating import is_template
from mockserver.catalog.validation import json_type
from mockserver.recording.exchange import Exchange
from mockserver.recording.routes import template_route
from mockserver.server.redaction import REDACTED, redact_fields

__all__ = [
    "EndpointRecording",
    "Skipped",
    "is_secret_name",
    "literal_text",
    "recorded_body",
    "recorded_headers",
]

# Response headers worth replaying; everything else (Set-Cookie, Date, Server...) is dropped.
_KEPT_HEADERS = frozenset(
    {
        "allow",
        "cache-control",
        "content-disposition",
        "content-language",
        "etag",
        "expires",
        "last-modified",
        "link",
        "location",
        "pragma",
        "retry-after",
        "www-authenticate",
    }
)
_KEPT_PREFIXES = ("x-ratelimit-", "ratelimit-")
# Never written, whatever the allow-list above says.
_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
_NO_BODY_STATUSES = frozenset({204, 304})
# The schema's pattern for content_type.
_CONTENT_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+")
_LOADER_JSON = "application/json"
_LOADER_TEXT = "text/plain; charset=utf-8"


def is_secret_name(name: str) -> bool:
    """True for a field or parameter name whose value is masked (password, token, api_key...)."""
    return bool(redact_fields({name: None})[name] == REDACTED)


def literal_text(text: str) -> str:
    """``text`` as a fixture leaf that is sent as it is, even when it holds ``{{`` or ``{%``."""
    if not is_template(text):
        return text
    # A Jinja2 string literal inside an expression renders to exactly the text; the JSON string
    # form's escapes (\" \\ \n \uXXXX) are ones Jinja2's lexer undoes.
    return "{{ " + json.dumps(text, ensure_ascii=False) + " }}"


def _literal_leaves(value: Any) -> Any:
    if isinstance(value, str):
        return literal_text(value)
    if isinstance(value, dict):
        return {k: _literal_leaves(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_literal_leaves(v) for v in value]
    return value


def recorded_headers(headers: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """The response headers a fixture keeps: Location, Retry-After, caching, challenges..."""
    out: dict[str, str] = {}
    seen: set[str] = set()
    for name, value in headers:
        lower = name.lower()
        if lower in _SECRET_HEADERS or lower in seen:
            continue
        if lower in _KEPT_HEADERS or lower.startswith(_KEPT_PREFIXES):
            seen.add(lower)
            out[name] = literal_text(value)
    return out


_NONE: Any = object()


@dataclass(frozen=True, kw_only=True)
class _Body:
    value: Any = _NONE
    content_type: str | None = None
    note: str = ""


def _content_type(recorded: str, loader_default: str) -> str | None:
    if not recorded or recorded == loader_default or not _CONTENT_TYPE.match(recorded):
        return None
    return recorded


def recorded_body(exchange: Exchange) -> tuple[Any, str | None, str]:
    """(body or a marker for none, content_type to write or None, a note for the description)."""
    body = _body(exchange)
    return body.value, body.content_type, body.note


def _body(exchange: Exchange) -> _Body:
    if exchange.method == "HEAD" or exchange.status in _NO_BODY_STATUSES:
        return _Body()
    ctype = exchange.response_header("Content-Type") or ""
    raw = exchange.response_body
    if raw is None:
        encoding = exchange.response_header("Content-Encoding")
        return _Body(
            content_type=_content_type(ctype, ""),
            note=f" Its body (Content-Encoding: {encoding}) was not recorded.",
        )
    if not raw:
        return _Body()
    mime = ctype.split(";")[0].strip().lower()
    if mime == "application/json" or mime.endswith("+json"):
        try:
            value = redact_fields(json.loads(raw.decode("utf-8")))
        except (UnicodeDecodeError, ValueError):
            value = _NONE
        if isinstance(value, dict | list):
            return _Body(
                value=_literal_leaves(value), content_type=_content_type(ctype, _LOADER_JSON)
            )
        if value is not _NONE:
            # A JSON scalar: written as its JSON text, sent with the recorded content type.
            scalar = json.dumps(value, ensure_ascii=False)
            return _Body(
                value=literal_text(scalar), content_type=_content_type(ctype, "") or _LOADER_JSON
            )
    textual = not mime or mime.startswith("text/") or mime.endswith(("xml", "javascript"))
    if textual:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return _Body(value=literal_text(text), content_type=_content_type(ctype, _LOADER_TEXT))
    return _Body(
        content_type=_content_type(ctype, ""),
        note=f" Its binary body ({len(raw)} bytes) was not recorded.",
    )


@dataclass(frozen=True, kw_only=True)
class Skipped:
    """A recorded status that the fixture leaves out, and why."""

    status: int
    reason: str


def _first_values(pairs: tuple[tuple[str, str], ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in pairs:
        out.setdefault(name, value)
    return out


def _condition(exchange: Exchange, default: Exchange) -> dict[str, Any] | None:
    """A ``when`` that holds for ``exchange``'s request and not for ``default``'s, if any.

    Path parameters first, then query parameters, then top-level JSON body fields; secret-named
    values are never used, as they would have to be written out.
    """
    mine = dict(template_route(exchange.path).params)
    theirs = dict(template_route(default.path).params)
    path = {k: v for k, v in mine.items() if theirs.get(k) != v}
    if path:
        return {"path": path}
    query_mine, query_theirs = _first_values(exchange.query), _first_values(default.query)
    query: dict[str, Any] = {
        k: v for k, v in query_mine.items() if query_theirs.get(k) != v and not is_secret_name(k)
    }
    query.update(
        {
            k: {"present": False}
            for k in query_theirs
            if k not in query_mine and not is_secret_name(k)
        }
    )
    if query:
        return {"query": query}
    body_mine, body_theirs = exchange.request_json, default.request_json
    if isinstance(body_mine, dict):
        others = body_theirs if isinstance(body_theirs, dict) else {}
        body = {
            k: v
            for k, v in body_mine.items()
            if (k not in others or others[k] != v) and redact_fields({k: v}) == {k: v}
        }
        if body:
            return {"body": body}
    return None


@dataclass(kw_only=True)
class EndpointRecording:
    """What has been seen of one route: the first exchange per status, and the request fields."""

    id: str
    group: str
    method: str
    path: str
    builtin: str | None = None
    bearer: bool = False
    exchanges: dict[int, Exchange] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body: dict[str, tuple[str, Any]] = field(default_factory=dict)
    conflicts: set[str] = field(default_factory=set)

    def observe(self, exchange: Exchange) -> bool:
        """Take in one exchange of this route; True when the fixture changes."""
        changed = exchange.status not in self.exchanges
        self.exchanges.setdefault(exchange.status, exchange)
        if exchange.bearer and not self.bearer:
            self.bearer = changed = True
        for name, value in exchange.query:
            if name not in self.query:
                self.query[name] = redact_fields({name: value})[name]
                changed = True
        if isinstance(exchange.request_json, dict):
            changed = self._observe_body(redact_fields(exchange.request_json)) or changed
        return changed

    def _observe_body(self, body: dict[str, Any]) -> bool:
        changed = False
        for name, value in body.items():
            kind = json_type(value)
            if name in self.conflicts or kind == "null":
                continue
            if name not in self.body:
                self.body[name] = (kind, value)
                changed = True
                continue
            known, example = self.body[name]
            if known == kind:
                continue
            if {known, kind} == {"integer", "number"}:
                self.body[name] = ("number", example)
            else:
                # Seen with two types: declaring either would make the mock refuse the other.
                del self.body[name]
                self.conflicts.add(name)
            changed = True
        return changed

    def default_exchange(self) -> Exchange:
        """The exchange the default variant answers with: the first 2xx, else the first seen."""
        recorded = list(self.exchanges.values())
        return next((e for e in recorded if 200 <= e.status < 300), recorded[0])

    def document(self, source: str) -> tuple[dict[str, Any], list[Skipped]]:
        """The endpoint as fixture data, and the statuses it leaves out."""
        default = self.default_exchange()
        variants: list[dict[str, Any]] = []
        skipped: list[Skipped] = []
        for exchange in self.exchanges.values():
            if exchange is default:
                continue
            if self.bearer and not exchange.bearer and exchange.status == 401 and not self.builtin:
                skipped.append(
                    Skipped(
                        status=401,
                        reason="the request had no bearer token; the mock's bearer guard "
                        "answers such requests itself",
                    )
                )
                continue
            when = _condition(exchange, default)
            if when is None:
                skipped.append(
                    Skipped(
                        status=exchange.status,
                        reason=f"its request cannot be told apart from the one that got "
                        f"{default.status} (same path parameters, query and body); record it "
                        "with a different id, query or body to keep it",
                    )
                )
                continue
            variants.append(self._variant(exchange, when))
        variants.append(self._variant(default, None))
        doc: dict[str, Any] = {"id": self.id, "method": self.method, "path": self.path}
        if self.builtin:
            doc["builtin"] = self.builtin
        doc["summary"] = f"{self.method} {self.path}"
        doc["description"] = f"Recorded from {source} by coherta-mock record."
        doc["auth"] = "bearer" if self.bearer and not self.builtin else "open"
        request = self._request(default)
        if request:
            doc["request"] = request
        doc["responses"] = variants
        return doc, skipped

    def _request(self, default: Exchange) -> dict[str, Any]:
        request: dict[str, Any] = {}
        params = template_route(default.path).params
        if params:
            request["path"] = {
                name: {"type": "string", "description": "A recorded id.", "example": value}
                for name, value in params
            }
        if self.query:
            request["query"] = {
                name: {"type": "string", "example": value} for name, value in self.query.items()
            }
        if self.body:
            request["body"] = {
                name: {"type": kind, "example": example}
                for name, (kind, example) in self.body.items()
            }
        return request

    def _variant(self, exchange: Exchange, when: dict[str, Any] | None) -> dict[str, Any]:
        body, content_type, note = recorded_body(exchange)
        variant: dict[str, Any] = {
            "status": exchange.status,
            "description": f"Recorded from {exchange.method} {exchange.path}.{note}",
        }
        if when is not None:
            variant["when"] = when
        if content_type:
            variant["content_type"] = content_type
        headers = recorded_headers(exchange.response_headers)
        if headers:
            variant["headers"] = headers
        if body is not _NONE:
            variant["body"] = body
        return variant
