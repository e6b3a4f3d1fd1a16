"""The recording on disk: one group file per first path segment, rewritten atomically.

Each change (a new method, route or status, a new request field) rewrites that group's file with
a temporary file and ``os.replace``, so stopping the recorder at any moment leaves valid files.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Any

import yaml

from mockserver.catalog.loader import AUTH_FILE
from mockserver.catalog.scaffold import auth_document
from mockserver.config import BUILTIN_ROUTES
from mockserver.errors import ConfigError, OutputExistsError
from mockserver.portal.views import PORTAL_PREFIX
from mockserver.recording.exchange import Exchange
from mockserver.recording.fixtures import EndpointRecording, Skipped
from mockserver.recording.routes import endpoint_slug, template_route
from mockserver.server.app import CONTROL_PREFIX, OPENAPI_PATH

__all__ = ["RecordingStore", "existing_fixture_files"]

log = logging.getLogger("coherta_mock.record")

#: Methods a fixture can declare; others are forwarded but not recorded.
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
# Paths the mock serves itself: a recorded endpoint there would clash with them.
_RESERVED_PREFIXES = (CONTROL_PREFIX, PORTAL_PREFIX)
_RESERVED_PATHS = frozenset({OPENAPI_PATH, "/.well-known/jwks.json"})
_BUILTINS = {route: name for name, route in BUILTIN_ROUTES.items()}
_SCOPE_PARAM = re.compile(r'scope="([^"]*)"')
_SCOPE = re.compile(r"[A-Za-z0-9:._-]+")
# Published on purpose, like the shipped catalog's: a recording is a mock, not a credential store.


def existing_fixture_files(out: Path) -> list[Path]:
    """The ``*.yaml`` and ``*.yml`` files directly in ``out``, sorted."""
    if not out.is_dir():
        return []
    return sorted(p for p in out.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


class _Dumper(yaml.SafeDumper):
    """The safe dumper, with lists indented under their key as the shipped fixtures write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _dump(data: dict[str, Any], comment: str) -> str:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return f"# {comment}\n{text}"


def _write_atomically(path: Path, text: str) -> None:
    # The temporary name does not end in .yaml, so a loader never reads a half-written file.
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def _title(name: str) -> str:
    return re.sub(r"[-_]+", " ", name).strip().capitalize() or name


class RecordingStore:
    """Recorded endpoints by group, and the files they are written to in ``out``."""

    def __init__(self, out: Path, source: str, *, force: bool = False) -> None:
        self.out = out
        self.source = source
        self.groups: dict[str, dict[tuple[str, str], EndpointRecording]] = {}
        self.scopes: set[str] = set()
        self._skipped: dict[tuple[str, str], list[Skipped]] = {}
        self._prepare(force)
        # An auth.yaml the user brought is theirs; the recorder only maintains one it wrote. It
        # is written with the first recording, so a recorder that never started (its port was
        # taken) leaves no file behind that would make the next attempt refuse the directory.
        self.owns_auth = not (out / AUTH_FILE).exists()
        self._auth_written = False

    def _prepare(self, force: bool) -> None:
        if self.out.exists() and not self.out.is_dir():
            raise ConfigError(f"--out {self.out} is a file; give a directory to record into")
        existing = existing_fixture_files(self.out)
        if existing and not force:
            more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
            raise OutputExistsError(
                f"{existing[0]} already exists{more}; record into an empty directory, or pass "
                "--force to replace the fixture files there"
            )
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            for path in existing:
                if path.name != AUTH_FILE:
                    path.unlink()
                    log.info("--force: removed %s", path)
        except OSError as exc:
            raise ConfigError(
                f"cannot prepare --out {self.out}: {exc.strerror or exc}; check its permissions"
            ) from None

    @property
    def endpoint_count(self) -> int:
        """How many endpoints have been recorded."""
        return sum(len(g) for g in self.groups.values())

    def observe(self, exchange: Exchange) -> None:
        """Record one exchange, writing the files it changes; never raises for a bad exchange."""
        route = template_route(exchange.path)
        if exchange.method not in _METHODS:
            log.info("not recorded: %s %s: fixtures cannot declare that method", *_at(exchange))
            return
        if _reserved(exchange.path):
            log.info("not recorded: %s %s: the mock serves that path itself", *_at(exchange))
            return
        key = (exchange.method, route.path)
        group = self.groups.setdefault(route.group, {})
        recording = group.get(key)
        if recording is None:
            recording = EndpointRecording(
                id=self._new_id(route.group, exchange.method, route.path),
                group=route.group,
                method=exchange.method,
                path=route.path,
                builtin=_BUILTINS.get(key),
            )
            group[key] = recording
        new_status = exchange.status not in recording.exchanges
        changed = recording.observe(exchange)
        new_scopes = self._observe_scopes(exchange)
        if changed:
            self._write_group(route.group)
        if self.owns_auth and (new_scopes or (changed and not self._auth_written)):
            self._write_auth()
        if new_status:
            log.info(
                "recorded %s %s %d -> %s",
                exchange.method,
                route.path,
                exchange.status,
                self.out / f"{route.group}.yaml",
            )

    def _new_id(self, group: str, method: str, path: str) -> str:
        taken = {r.id for r in self.groups.get(group, {}).values()}
        base = f"{group}.{endpoint_slug(method, path)}"
        candidate, n = base, 2
        while candidate in taken:  # bounded by the number of endpoints in the group
            candidate = f"{base}_{n}"
            n += 1
        return candidate

    def _observe_scopes(self, exchange: Exchange) -> bool:
        found: set[str] = set()
        if (exchange.method, exchange.path) in _BUILTINS and isinstance(
            exchange.request_json, dict
        ):
            found.update(str(exchange.request_json.get("scope") or "").split())
        challenge = exchange.response_header("WWW-Authenticate") or ""
        for value in _SCOPE_PARAM.findall(challenge):
            found.update(value.split())
        if (exchange.method, exchange.path) in _BUILTINS and exchange.status == 200:
            found.update(_token_scopes(exchange))
        new = {s for s in found if _SCOPE.fullmatch(s)} - self.scopes
        self.scopes |= new
        return bool(new)

    def _write_group(self, name: str) -> None:
        endpoints: list[dict[str, Any]] = []
        for recording in self.groups[name].values():
            doc, skipped = recording.document(self.source)
            endpoints.append(doc)
            key = (recording.method, recording.path)
            before = {(s.status, s.reason) for s in self._skipped.get(key, [])}
            for item in skipped:
                if (item.status, item.reason) not in before:
                    log.warning(
                        "not in the fixture: %s %s %d: %s",
                        recording.method,
                        recording.path,
                        item.status,
                        item.reason,
                    )
            self._skipped[key] = skipped
        data = {
            "format": 1,
            "group": {
                "name": name,
                "title": _title(name),
                "description": f"Recorded from {self.source} by coherta-mock record.",
            },
            "endpoints": endpoints,
        }
        path = self.out / f"{name}.yaml"
        comment = f"Recorded from {self.source} by `coherta-mock record`; edit freely."
        self._write(path, _dump(data, comment))

    def _write_auth(self) -> None:
        comment = (
            "A placeholder token issuer written by `coherta-mock record`: log in as demo/secret."
        )
        self._auth_written = self._write(
            self.out / AUTH_FILE, _dump(auth_document(sorted(self.scopes)), comment)
        )

    def _write(self, path: Path, text: str) -> bool:
        try:
            _write_atomically(path, text)
        except OSError as exc:
            log.error(
                "cannot write %s: %s; the recording is kept in memory and written again with "
                "the next change",
                path,
                exc.strerror or exc,
            )
            return False
        return True


def _reserved(path: str) -> bool:
    if path in _RESERVED_PATHS:
        return True
    return any(path == prefix or path.startswith(prefix + "/") for prefix in _RESERVED_PREFIXES)


def _at(exchange: Exchange) -> tuple[str, str]:
    return exchange.method, exchange.path


def _token_scopes(exchange: Exchange) -> list[str]:
    try:
        body = json.loads((exchange.response_body or b"").decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return []
    scope = body.get("scope") if isinstance(body, dict) else None
    return scope.split() if isinstance(scope, str) else []
