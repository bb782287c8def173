"""``python -m constructs_lib.report.allowlist_command``: whatever it is given (a file, a pipe, standard input, any
bytes, any JSON), one line that names the source, what was expected and what was given; never a traceback."""

from __future__ import annotations

import io
import json
import os
import sys
import threading
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constructs_lib.report.allowlist_command import main
from tests.report.test_allowlist import address, holder, nat_with_rules, state
from tests.support.synth import NAT, NAT_ADDRESS

STATE = state(address("a", "203.0.113.1"), address("pa", "203.0.113.5"), holder(NAT_ADDRESS, ["a"], []),
              nat_with_rules((100, "partner-a", ["pa"])))
PLAN = {"format_version": "1.2", "planned_values": {}, "resource_changes": [
    {"address": f"{NAT}.N", "type": NAT, "name": "N", "mode": "managed",
     "change": {"actions": ["update"], "before": {"name": "n", "nat_ips": ["x/a"]},
                "after": {"name": "n", "nat_ips": ["x/a", "x/b"]}, "after_unknown": {}}}]}
SHOWN = "the JSON of `terraform show -json`"


def run(capsys, command: str, source: str | None, *, stdin: bytes = b"", out: str = "out") -> tuple[int, str, str]:
    argv = [command, *(["--stack", "s", "--out", out] if command == "write" else []), *([source] if source else [])]
    before = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        code = main(argv)
    finally:
        sys.stdin = before
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("given_bytes, expected", [
    (b"", f"expected {SHOWN}, got nothing"),
    (b"  \n", f"expected {SHOWN}, got nothing"),
    (b"\xff\xfe{}", f"expected {SHOWN}, got bytes that are not UTF-8 (at byte 0)"),
    (b"No changes. Your infrastructure matches the configuration.\n",
     f"expected {SHOWN}, got invalid JSON (Expecting value: line 1 column 1 (char 0))"),
    (b"[" * 100_000, f"expected {SHOWN}, got JSON nested deeper than Python's parser reads"),
    (b"[]", f"expected {SHOWN} (an object), got an array"),
    (b"null", f"expected {SHOWN} (an object), got null"),
    (b'"x"', f"expected {SHOWN} (an object), got a string"),
    (b"3", f"expected {SHOWN} (an object), got a number"),
])
@pytest.mark.parametrize("command", ["write", "change"])
def test_what_is_not_terraform_json_is_one_line_naming_the_source(tmp_path, capsys, command, given_bytes, expected):
    source = tmp_path / "shown.json"
    source.write_bytes(given_bytes)
    assert run(capsys, command, str(source), out=str(tmp_path / "out")) == (1, "", f"error: {source}: {expected}\n")
    assert run(capsys, command, None, stdin=given_bytes, out=str(tmp_path / "out")) == (
        1, "", f"error: standard input: {expected}\n")
    assert not (tmp_path / "out").exists()


def test_a_state_given_to_change_and_a_plan_given_to_write_say_which_command_reads_them(tmp_path, capsys):
    shown = tmp_path / "state.json"
    shown.write_text(json.dumps(STATE))
    assert run(capsys, "change", str(shown)) == (1, "", (
        f"error: {shown}: expected a saved plan's (`terraform show -json PLAN`) JSON, got a state's "
        "(`terraform show -json` in the stack's folder) JSON, which `write` reads\n"))
    planned = tmp_path / "plan.json"
    planned.write_text(json.dumps(PLAN))
    assert run(capsys, "write", str(planned), out=str(tmp_path / "out")) == (1, "", (
        f"error: {planned}: expected a state's (`terraform show -json` in the stack's folder) JSON, got a saved "
        "plan's (`terraform show -json PLAN`) JSON, which `change` reads\n"))
    assert not (tmp_path / "out").exists()


def test_a_source_that_cannot_be_read_is_named_on_one_line(tmp_path, capsys):
    forged = tmp_path / "a\nerror: forged\x1b[2J"
    assert run(capsys, "change", str(forged)) == (
        1, "", f"error: {tmp_path}/a\\nerror: forged\\x1b[2J: expected a readable file, got No such file or "
               "directory\n")
    assert run(capsys, "change", str(tmp_path)) == (
        1, "", f"error: {tmp_path}: expected a readable file, got Is a directory\n")


def test_a_named_pipe_is_read_as_process_substitution_gives_it(tmp_path, capsys):
    """``change <(terraform show -json PLAN)``: the shell names a pipe, which is read, not refused."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    writer = threading.Thread(target=lambda: pipe.write_text(json.dumps(PLAN)), daemon=True)
    writer.start()
    code, out, err = run(capsys, "change", str(pipe))
    writer.join(timeout=10)
    assert (code, err) == (0, "")
    assert out.startswith("## Allowlist change\n") and "\n- b (IP known after apply)\n" in out, out


def test_good_documents_still_pass(tmp_path, capsys):
    shown = tmp_path / "state.json"
    shown.write_text(json.dumps(STATE))
    code, out, err = run(capsys, "write", str(shown), out=str(tmp_path / "out"))
    assert (code, err) == (0, "")
    assert "  203.0.113.5      rule      pa  (p-1, asia-northeast3, for partner-a)" in out.splitlines()


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=4),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                                       max_size=3), max_leaves=8)


def _paths(value: Any, at: tuple = ()) -> list[tuple]:
    """Every path into a JSON value (keys and indexes), the root included."""
    found = [at]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        found += _paths(inner, (*at, key))
    return found


def _replaced(document: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(document))
    parent = copy
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return copy


@settings(max_examples=400, deadline=None)
@given(command=st.sampled_from(["write", "change"]), which=st.integers(min_value=0), value=JSON_VALUES)
def test_any_part_of_a_document_replaced_by_any_json_is_answered_in_one_line(tmp_path_factory, command, which, value):
    """Each part of a real state or plan (a key's value, a list's item, the whole) replaced by any JSON value: an
    exit code of 0 or 1, and on 1 exactly one line on standard error, ``error: <source>: expected …``."""
    document = STATE if command == "write" else PLAN
    paths = _paths(document)
    mutated = _replaced(document, paths[which % len(paths)], value)
    folder = tmp_path_factory.mktemp("shown")
    source = folder / "shown.json"
    source.write_text(json.dumps(mutated))
    out, err = io.StringIO(), io.StringIO()
    before = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = main([command, *(["--stack", "s", "--out", str(folder / "out")] if command == "write" else []),
                     str(source)])
    finally:
        sys.stdout, sys.stderr = before
    assert code in (0, 1)
    if code == 1:
        lines = err.getvalue().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), lines
    else:
        assert err.getvalue() == ""
