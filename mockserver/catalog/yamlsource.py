"""Safe YAML reading that remembers where every key and value came from.

PyYAML's ``safe_load`` forgets positions, and error messages must say ``file:line:col``. This
module composes the node tree with the safe loader and builds plain Python data from it itself,
keeping the tree: the position of a value or a mapping key is looked up in it by its path of keys
and indexes when a message or a source reference needs it, so a clean load records nothing per
value. Only the safe tags are accepted; timestamps stay strings (JSON bodies want the text as
written).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mockserver.errors import FixtureError, Problem

__all__ = ["MAX_DEPTH", "MAX_NODES", "Path_", "Position", "YamlDocument", "read_yaml"]

#: Values built from one file at most; stops alias bombs ("billion laughs") before they grow.
MAX_NODES = 200_000
#: Nesting of mappings and lists at most; deeper documents get a located error (instead of
#: Python's recursion limit, or LibYAML's 1,000 levels, which depend on how they were reached).
MAX_DEPTH = 100

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    """A 1-based line and column."""

    line: int
    column: int


@dataclass
class YamlDocument:
    """A parsed file: its data, and the YAML node tree it was built from (for positions)."""

    file: str
    data: Any
    root: yaml.Node | None = None

    def where(self, path: Path_, *, key: bool = False) -> Position:
        """The position of the value (or the key) at ``path``, or of its nearest parent."""
        node = self.root
        if node is None:
            return Position(1, 1)
        key_node: yaml.Node | None = None
        for part in path:
            child = _child(node, part)
            if child is None:
                break
            key_node, node = child
        if key and key_node is not None:
            return _pos(key_node.start_mark)
        return _pos(node.start_mark)

    def problem(self, path: Path_, message: str, *, key: bool = False) -> Problem:
        """A Problem located at ``path``."""
        pos = self.where(path, key=key)
        return Problem(file=self.file, line=pos.line, column=pos.column, message=message)


# LibYAML's parser is many times faster than the pure-Python one; positions work the same.
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeBase):  # type: ignore[misc,valid-type]
    """The safe loader (LibYAML's when available), minus timestamp resolution."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}


_STR_TAG = "tag:yaml.org,2002:str"


def _pos(mark: yaml.Mark | None) -> Position:
    if mark is None:
        return Position(1, 1)
    return Position(mark.line + 1, mark.column + 1)


# Keys of a built mapping are text: the constructed scalar, as str (None as "null"). The
# constructors of the safe tags need no parser state, so one serves every key lookup.
_KEY_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def _key_text(node: yaml.Node) -> str | None:
    if not isinstance(node, yaml.ScalarNode):
        return None
    if node.tag == _STR_TAG:
        return str(node.value)
    try:
        # The tag's constructor itself: construct_object would remember every node it built.
        raw = _KEY_CONSTRUCTOR.yaml_constructors[node.tag](_KEY_CONSTRUCTOR, node)
    except Exception:  # a key that could not be built never made it into the data
        return None
    return str(raw) if raw is not None else "null"


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node | None, yaml.Node] | None:
    """(key node or None, value node) one step down from ``node``; None when there is none."""
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        # Keys are unique once built (a duplicate, merged or not, is refused), so the first wins.
        for key_node, value_node in node.value:
            if key_node.value == part if key_node.tag == _STR_TAG else _key_text(key_node) == part:
                return key_node, value_node
        return None
    if (
        isinstance(node, yaml.SequenceNode)
        and isinstance(part, int)
        and 0 <= part < len(node.value)
    ):
        return None, node.value[part]
    return None


class _Builder:
    def __init__(self, loader: _Loader, doc: YamlDocument) -> None:
        self.loader = loader
        self.doc = doc
        self.count = 0
        self.depth = 0

    def fail(self, node: yaml.Node, message: str) -> FixtureError:
        pos = _pos(node.start_mark)
        return FixtureError.single(self.doc.file, message, pos.line, pos.column)

    def build(self, node: yaml.Node) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(
                node,
                f"the document expands to more than {MAX_NODES:,} values (an alias bomb?); "
                "split it or use fewer aliases",
            )
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR_TAG:  # most values: the text itself, without a constructor call
                return node.value
            if node.tag not in _SCALAR_TAGS:
                raise self.fail(node, f"unsupported YAML tag {node.tag!r}; use plain values")
            return self.scalar(node)
        if self.depth >= MAX_DEPTH:
            raise self.fail(node, f"the document nests deeper than {MAX_DEPTH} levels; flatten it")
        self.depth += 1
        try:
            if isinstance(node, yaml.MappingNode):
                return self.build_mapping(node)
            if isinstance(node, yaml.SequenceNode):
                if node.tag != "tag:yaml.org,2002:seq":
                    raise self.fail(node, f"unsupported YAML tag {node.tag!r}; use a plain list")
                return [self.build(item) for item in node.value]
        finally:
            self.depth -= 1
        raise self.fail(node, f"unsupported YAML node {type(node).__name__}")

    def scalar(self, node: yaml.ScalarNode) -> Any:
        # An explicit tag on text that does not fit it (`!!float abc`, `!!int 0x_`, `!!bool maybe`)
        # makes PyYAML's constructors raise plain Python errors.
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, KeyError, TypeError, OverflowError):
            kind = node.tag.rsplit(":", 1)[-1]
            raise self.fail(
                node, f"{node.value[:60]!r} is not a valid {kind}; drop the !!{kind} tag or fix it"
            ) from None

    def build_mapping(self, node: yaml.MappingNode) -> dict[str, Any]:
        if node.tag != "tag:yaml.org,2002:map":
            raise self.fail(node, f"unsupported YAML tag {node.tag!r}; use a plain mapping")
        self.loader.flatten_mapping(node)  # resolves `<<` merge keys
        result: dict[str, Any] = {}
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _SCALAR_TAGS:
                raise self.fail(key_node, "mapping keys must be plain scalars")
            if key_node.tag == _STR_TAG:
                key = key_node.value
            else:
                raw: Hashable = self.scalar(key_node)
                key = str(raw) if raw is not None else "null"
            if key in seen:
                first = _pos(seen[key].start_mark)
                raise self.fail(
                    key_node,
                    f"duplicate key {key!r} (first defined at line {first.line}); keep one of them",
                )
            seen[key] = key_node
            result[key] = self.build(value_node)
        return result


def _decode(file: str, raw: bytes) -> str:
    try:
        text = raw.decode("utf-8-sig")  # a BOM is harmless; strip it
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FixtureError.single(
            file, f"not valid UTF-8 (byte {raw[exc.start]:#04x}); save the file as UTF-8", line, 1
        ) from None
    return text


def _reader_position(text: str, offset: int) -> Position:
    """The line and column of a ReaderError's offset: LibYAML counts UTF-8 bytes, PyYAML
    characters."""
    if issubclass(_Loader, getattr(yaml, "CSafeLoader", ())):
        before = text.encode("utf-8")[:offset].decode("utf-8", errors="replace")
    else:
        before = text[:offset]
    return Position(before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1)


def read_yaml(path: Path, display: str | None = None) -> YamlDocument:
    """Read one YAML document safely, keeping positions; raise FixtureError with a location."""
    file = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FixtureError.single(file, f"cannot read file: {exc.strerror}") from None
    text = _decode(file, raw)
    doc = YamlDocument(file=file, data=None)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise FixtureError.single(file, "the file is empty; expected a YAML mapping", 1, 1)
        doc.data = _Builder(loader, doc).build(node)
        doc.root = node
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = _pos(mark)
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        raise FixtureError.single(
            file, f"YAML syntax error: {what}", pos.line, pos.column
        ) from None
    except yaml.reader.ReaderError as exc:
        pos = _reader_position(text, exc.position)
        raise FixtureError.single(
            file,
            f"character U+{exc.character:04X} is not allowed in YAML ({exc.reason}); remove it",
            pos.line,
            pos.column,
        ) from None
    except yaml.YAMLError as exc:
        raise FixtureError.single(file, f"YAML error: {exc}") from None
    except RecursionError:
        raise FixtureError.single(file, "the document is nested too deeply", 1, 1) from None
    finally:
        loader.dispose()
    return doc
