"""Loading the behaviour keys: collections, bindings, sequences, scenarios, delays, faults."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mockserver import check_fixtures, load_catalog
from mockserver.catalog.behaviour import Delay

HEAD = """format: 1
group: {name: things, title: Things, description: Test things.}
"""


def _problems(root: Path) -> list[str]:
    return [str(p) for p in check_fixtures(root)]


def test_behaviour_keys_load_into_the_model(behaviour_dir: Path) -> None:
    """The doc's fixtures build collections, bindings, sequences, scenarios, delays and faults."""
    catalog = load_catalog(behaviour_dir)
    notes = catalog.collections["notes"]
    assert (notes.id_prefix, notes.label, notes.unique, notes.filters) == (
        "note_",
        "note",
        ("title",),
        ("pinned",),
    )
    get = catalog.endpoint("notes.get")
    assert get is not None
    assert get.collection is not None
    assert (get.collection.action, get.collection.key) == ("get", "note_id")
    flaky = catalog.endpoint("resilience.flaky")
    assert flaky is not None
    assert [v.status for v in flaky.responses[0].sequence] == [503, 503, 200]
    slow = catalog.endpoint("resilience.slow")
    assert slow is not None
    assert slow.responses[0].delay == Delay(kind="fixed", a=0.3)
    pay = catalog.endpoint("orders.pay")
    assert pay is not None
    rule = pay.responses[0].scenario
    assert rule is not None
    assert (rule.name, rule.state, rule.next) == ("order", "Started", "Paid")


def test_behaviour_unknown_collection_is_reported(write_fixture: Callable[..., Path]) -> None:
    """An endpoint bound to an undeclared collection names the ones that exist."""
    path = write_fixture(
        "things.yaml",
        HEAD
        + """endpoints:
  - id: things.list
    method: GET
    path: /things
    summary: List
    auth: open
    collection: {name: thingz, action: list}
    responses: [{status: 200}]
""",
    )
    (problem,) = _problems(path.parent)
    assert problem == f"{path}:9:24: no collection named 'thingz' (collections: none declared)"


def test_behaviour_get_without_id_parameter_is_reported(write_fixture: Callable[..., Path]) -> None:
    """get/update/delete need a path parameter for the id."""
    path = write_fixture(
        "things.yaml",
        HEAD
        + """collections:
  things: {id_prefix: thg_}
endpoints:
  - id: things.get
    method: GET
    path: /things/latest
    summary: Get
    auth: open
    collection: {name: things, action: get}
    responses: [{status: 200}]
""",
    )
    (problem,) = _problems(path.parent)
    assert "collection action 'get' needs a path parameter holding the id" in problem


def test_behaviour_seed_problems_are_located(write_fixture: Callable[..., Path]) -> None:
    """Seed records need their id field, and unique ids."""
    path = write_fixture(
        "things.yaml",
        HEAD
        + """collections:
  things:
    id_prefix: thg_
    seed:
      - {id: thg_1}
      - {name: no id}
      - {id: thg_1}
endpoints:
  - {id: things.list, method: GET, path: /things, summary: L, auth: open,
     collection: {name: things, action: list}, responses: [{status: 200}]}
""",
    )
    problems = _problems(path.parent)
    assert problems == [
        f"{path}:8:9: seed record has no 'id' field",
        f"{path}:9:14: duplicate id 'thg_1'",
    ]


def test_behaviour_sequence_items_cannot_nest(write_fixture: Callable[..., Path]) -> None:
    """when/sequence/scenario belong on the response holding the sequence."""
    path = write_fixture(
        "things.yaml",
        HEAD
        + """endpoints:
  - id: things.list
    method: GET
    path: /things
    summary: List
    auth: open
    responses:
      - sequence:
          - {status: 503, when: {query: {a: b}}}
          - {status: 200}
""",
    )
    (problem,) = _problems(path.parent)
    assert problem.startswith(f"{path}:11:27: 'when' belongs on the response holding the sequence")


@pytest.mark.parametrize(
    ("delay", "message"),
    [
        ("{uniform: [0.5, 0.1]}", "uniform delay: the maximum 0.1 is below the minimum 0.5"),
        ("-1", "delay: expected a value"),
        ("{gaussian: 1}", "delay: expected"),
    ],
)
def test_behaviour_bad_delay_is_reported(
    write_fixture: Callable[..., Path], delay: str, message: str
) -> None:
    """Delays are validated with their position."""
    path = write_fixture(
        "things.yaml",
        HEAD
        + f"""endpoints:
  - id: things.list
    method: GET
    path: /things
    summary: List
    auth: open
    responses: [{{status: 200, delay: {delay}}}]
""",
    )
    problems = _problems(path.parent)
    assert len(problems) == 1
    assert message in problems[0] or "delay" in problems[0]
    assert problems[0].startswith(f"{path}:9:")


def test_behaviour_unknown_fault_is_reported(write_fixture: Callable[..., Path]) -> None:
    """Faults are one of the four kinds."""
    path = write_fixture(
        "things.yaml",
        HEAD
        + """endpoints:
  - {id: things.list, method: GET, path: /things, summary: L, auth: open,
     responses: [{fault: meltdown}]}
""",
    )
    (problem,) = _problems(path.parent)
    assert (
        "expected one of 'connection_reset', 'empty_reply', 'truncated_body', 'no_reply'" in problem
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.05", Delay(kind="fixed", a=0.05)),
        ("uniform:0.01,0.05", Delay(kind="uniform", a=0.01, b=0.05)),
        ("lognormal:0.08,0.4", Delay(kind="lognormal", a=0.08, b=0.4)),
    ],
)
def test_delay_parse_setting(text: str, expected: Delay) -> None:
    """The --latency forms parse into delays."""
    assert Delay.parse(text) == expected


@pytest.mark.parametrize("text", ["fast", "uniform:1", "normal:1,2", "-1", "nan", "9999"])
def test_delay_parse_refuses_bad_settings(text: str) -> None:
    """Malformed, negative, non-finite or huge latencies are refused with the expected forms."""
    with pytest.raises(ValueError, match="latency"):
        Delay.parse(text)
