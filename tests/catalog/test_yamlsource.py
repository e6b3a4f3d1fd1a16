"""Safe YAML with positions: values and keys are located by path, looked up in the node tree."""

from __future__ import annotations

from pathlib import Path

from mockserver.catalog.yamlsource import Position, YamlDocument, read_yaml

TEXT = """\
base: &base
  kind: thing
  size: 3
items:
  - name: first
    <<: *base
  - name: second
    tags: [a, b]
1: one
true: yes
"""


def _doc(tmp_path: Path) -> YamlDocument:
    path = tmp_path / "doc.yaml"
    path.write_text(TEXT)
    return read_yaml(path)


def test_yamlsource_builds_plain_data(tmp_path: Path) -> None:
    """Merge keys are resolved and non-text keys become text."""
    doc = _doc(tmp_path)
    assert doc.data["items"][0] == {"kind": "thing", "size": 3, "name": "first"}
    assert doc.data["items"][1]["tags"] == ["a", "b"]
    assert doc.data["1"] == "one"
    assert doc.data["True"] is True


def test_yamlsource_locates_values_and_keys(tmp_path: Path) -> None:
    """where() gives the value's or the key's line and column, by path."""
    doc = _doc(tmp_path)
    assert doc.where(()) == Position(1, 1)
    assert doc.where(("items",)) == Position(5, 3)
    assert doc.where(("items",), key=True) == Position(4, 1)
    assert doc.where(("items", 1, "tags", 1)) == Position(8, 15)
    assert doc.where(("items", 1, "name"), key=True) == Position(7, 5)
    assert doc.where(("1",), key=True) == Position(9, 1)
    assert doc.where(("True",)) == Position(10, 7)


def test_yamlsource_merged_values_point_at_their_anchor(tmp_path: Path) -> None:
    """A value brought in by `<<` is located where it is written, under the anchor."""
    doc = _doc(tmp_path)
    assert doc.where(("items", 0, "kind")) == Position(2, 9)
    assert doc.where(("items", 0, "kind"), key=True) == Position(2, 3)


def test_yamlsource_missing_path_falls_back_to_nearest_parent(tmp_path: Path) -> None:
    """A path that is not in the file is located at its nearest existing parent."""
    doc = _doc(tmp_path)
    assert doc.where(("items", 1, "nope", "deeper")) == Position(7, 5)
    assert doc.where(("items", 1, "nope"), key=True) == Position(7, 5)
    assert doc.where(("items", 9)) == Position(5, 3)
    assert doc.where(("items", "0")) == Position(5, 3)
    assert YamlDocument(file="stub", data={}).where(("a",)) == Position(1, 1)
