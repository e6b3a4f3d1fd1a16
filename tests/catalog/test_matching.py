"""Conditions return their differences, so a miss explains itself."""

from __future__ import annotations

from typing import Any

from mockserver.catalog.matching import Conditions, RequestView, body_differences


def _view(**kwargs: Any) -> RequestView:
    base: dict[str, Any] = {
        "method": "GET",
        "path": "/x",
        "path_params": {},
        "query": {},
        "headers": {},
        "body": None,
    }
    base.update(kwargs)
    return RequestView(**base)


def test_matching_equal_values_hold() -> None:
    """Scalars compare as text; YAML booleans as lower-case words."""
    when = Conditions.build({"path": {"id": 42}, "query": {"v": True}})
    assert when.differences(_view(path_params={"id": "42"}, query={"v": "true"})) == []


def test_matching_reports_each_difference() -> None:
    """Every failing part is listed with what was expected."""
    when = Conditions.build(
        {"path": {"id": "a"}, "query": {"q": {"matches": "[a-z]+"}}, "headers": {"X-Mode": "on"}}
    )
    diffs = when.differences(_view(path_params={"id": "b"}, query={"q": "123"}))
    assert diffs == [
        "path id is 'b', expected 'a'",
        "query q is '123', expected a match for /[a-z]+/",
        "header X-Mode is missing",
    ]


def test_matching_one_of_and_present() -> None:
    """one_of accepts any listed value; present checks existence."""
    when = Conditions.build({"query": {"a": {"one_of": ["x", "y"]}, "b": {"present": False}}})
    assert when.differences(_view(query={"a": "y"})) == []
    assert when.differences(_view(query={"a": "z", "b": "1"})) == [
        "query a is 'z', expected one of ['x', 'y']",
        "query b is present",
    ]


def test_matching_body_subset() -> None:
    """The body must contain the expected subset; extra keys are fine."""
    assert body_differences({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}, "d": 3}) == []
    assert body_differences({"a": {"b": 1}}, {"a": {"b": 2}}) == ["body.a.b is 2, expected 1"]
    assert body_differences({"a": 1}, None) == ["body is not an object"]
    assert body_differences({"a": True}, {"a": 1}) == ["body.a is 1, expected True"]


def test_matching_as_dict_round_trips() -> None:
    """The YAML form can be rebuilt from the model."""
    spec = {"path": {"id": "a"}, "query": {"q": {"matches": "x+"}}, "body": {"n": 1}}
    assert Conditions.build(spec).as_dict() == spec
