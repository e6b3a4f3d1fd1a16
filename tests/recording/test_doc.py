"""docs/record-and-drift.md: its example fixture loads, its commands and flags exist."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import yaml

from mockserver import check_fixtures, load_catalog
from mockserver.catalog.scaffold import auth_document
from mockserver.cli import ExitCode, build_parser

DOC = (Path(__file__).resolve().parents[2] / "docs" / "record-and-drift.md").read_text()


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_record_doc_example_fixture_loads(tmp_path: Path) -> None:
    """The recorded projects.yaml shown in the page loads next to the placeholder auth.yaml."""
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", DOC, re.DOTALL) if "endpoints:" in b]
    (tmp_path / "projects.yaml").write_text(block)
    (tmp_path / "auth.yaml").write_text(yaml.safe_dump(auth_document([])))
    assert check_fixtures(tmp_path) == []
    (endpoint,) = load_catalog(tmp_path).endpoints
    assert endpoint.path == "/projects/{project_id}"
    assert [v.status for v in endpoint.responses] == [404, 200]


def test_record_doc_uses_existing_commands_and_flags() -> None:
    """Every command line in the page's code blocks uses a real subcommand and real flags."""
    commands = _subcommands()
    blocks = "\n".join(re.findall(r"```\w*\n(.*?)```", DOC, re.DOTALL)).replace("\\\n", " ")
    # "coherta-mock recording on ..." is the recorder's output, not a command line.
    uses = re.findall(r"^\s*(?:\$ )?coherta-mock (?!recording )([a-z]+)(.*)$", blocks, re.MULTILINE)
    assert {"record", "drift", "check", "serve"} <= {command for command, _ in uses}
    for command, rest in uses:
        assert command in commands, command
        known = {opt for a in commands[command]._actions for opt in a.option_strings}
        for flag in re.findall(r"--[\w-]+", rest):
            assert flag in known, f"coherta-mock {command} {flag}"


def test_record_doc_exit_status_table_matches_exit_codes() -> None:
    """Each row of the exit status table names an ExitCode with that value."""
    rows = re.findall(r"^\| (\d+) \| `([A-Z_]+)` \|", DOC, re.MULTILINE)
    assert len(rows) == 10
    for value, name in rows:
        assert ExitCode[name] == int(value), name
