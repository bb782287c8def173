"""The reports write the output folder's files one way (``report.output_file``): anything but a regular file where
REVIEW.md, allowlist.json or allowlist.csv belongs (a pipe, a folder, a link) is refused with one line naming it,
never waited on, never written through; a regular file is replaced whole, keeping its mode."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from constructs_lib.report.output_file import OutputFileError, write_output
from tests.support.bounded import bounded

KINDS: dict[str, Callable[[Path], None]] = {
    "a named pipe (FIFO)": os.mkfifo,
    "a folder": Path.mkdir,
    "a symbolic link": lambda p: p.symlink_to(p.parent / "elsewhere.txt"),
}


HANG = "waited on a file that is not a regular file"


def synthesized(outdir: Path) -> Path:
    """An output folder as synth leaves it, with one stack (an empty one: its review says so)."""
    stack = outdir / "stacks" / "s"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text("{}")
    (outdir / "manifest.json").write_text(json.dumps({"stacks": {"s": {"synthesizedStackPath": "stacks/s/cdk.tf.json"}}}))
    return stack


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("name", ["REVIEW.md", "cdk.tf.json", "manifest.json"])
def test_make_report_refuses_a_file_of_the_wrong_kind_in_one_line(tmp_path, capsys, kind, name):
    from constructs_lib.report.review import main

    stack = synthesized(tmp_path / "out")
    (tmp_path / "elsewhere.txt").write_text("outside\n")
    path = (tmp_path / "out" / name) if name == "manifest.json" else stack / name
    if path.exists():
        path.unlink()
    KINDS[kind](path)
    (stack / "elsewhere.txt").write_text("outside\n")
    assert bounded(lambda: main([str(tmp_path / "out")]), 20, HANG) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: {path}: expected a regular file, or nothing (the app writes it), got {kind}"]
    assert (stack / "elsewhere.txt").read_text() == "outside\n"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_make_allowlist_refuses_a_file_of_the_wrong_kind_in_one_line(tmp_path, capsys, kind):
    from constructs_lib.report.allowlist_command import main

    out = tmp_path / "out"
    out.mkdir()
    KINDS[kind](out / "allowlist.csv")
    (out / "elsewhere.txt").write_text("outside\n")
    shown = tmp_path / "state.json"
    shown.write_text(json.dumps({"values": {"root_module": {"resources": []}}}))
    assert bounded(lambda: main(["write", "--stack", "s", "--out", str(out), str(shown)]), 20, HANG) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: {out / 'allowlist.csv'}: expected a regular file, or nothing (the app writes it), got {kind}"]
    assert (out / "elsewhere.txt").read_text() == "outside\n"


def test_a_regular_file_is_replaced_whole_with_its_mode(tmp_path):
    path = tmp_path / "REVIEW.md"
    path.write_text("old\n")
    path.chmod(0o640)
    write_output(path, "new\n")
    assert path.read_text() == "new\n"
    assert path.stat().st_mode & 0o777 == 0o640
    write_output(tmp_path / "fresh.md", "x")
    assert (tmp_path / "fresh.md").stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["REVIEW.md", "fresh.md"]  # no temporary file left


def test_nothing_is_left_when_the_write_fails(tmp_path, monkeypatch):
    def refuse(*_args: object) -> None:
        raise PermissionError("replace refused")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PermissionError):
        write_output(tmp_path / "REVIEW.md", "x")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(OutputFileError):
        os.mkfifo(tmp_path / "pipe")
        write_output(tmp_path / "pipe", "x")


AGAIN = ": run `make synth` (cdktf synth) again"
MANIFEST = ("expected the manifest cdktf synth writes (stacks by their names, each with its synthesizedStackPath "
            "inside the folder), got another JSON object")


@pytest.mark.parametrize("name, content, given", [
    ("cdk.tf.json", b"garbage{", "expected the JSON synth writes, got Expecting value: line 1 column 1 (char 0)"),
    ("cdk.tf.json", b"\xff\xfe", "expected the JSON synth writes, got 'utf-8' codec can't decode byte 0xff in "
                                 "position 0: invalid start byte"),
    ("cdk.tf.json", b"[]", "expected a JSON object, as synth writes it, got an array"),
    ("cdk.tf.json", b"[" * 100_000, "expected the JSON synth writes, got JSON nested deeper than Python's parser "
                                    "reads"),
    ("manifest.json", b'{"stacks": ' * 5_000, "expected the JSON synth writes, got JSON nested deeper than Python's "
                                            "parser reads"),
    ("cdk.tf.json", b'{"resource": []}', "expected the stack cdktf synth writes (a resource object), got another "
                                         "JSON object"),
    ("manifest.json", b"", "expected the JSON synth writes, got Expecting value: line 1 column 1 (char 0)"),
    ("manifest.json", b'"x"', "expected a JSON object, as synth writes it, got a string"),
    ("manifest.json", b'{"stacks": {"s": {}}}', MANIFEST),
    ("manifest.json", b'{"stacks": {"s": {"synthesizedStackPath": "../../elsewhere/cdk.tf.json"}}}', MANIFEST),
    ("manifest.json", b'{"stacks": {"../s": {"synthesizedStackPath": "stacks/s/cdk.tf.json"}}}', MANIFEST),
])
def test_make_report_refuses_a_file_synth_did_not_write_as_it_is_in_one_line(tmp_path, capsys, name, content, given):
    # An edited, cut-short or replaced file of the output folder was a traceback; a stack path out of the folder
    # had REVIEW.md written beside it, wherever that was.
    from constructs_lib.report.review import main

    stack = synthesized(tmp_path / "out")
    path = (tmp_path / "out" / name) if name == "manifest.json" else stack / name
    path.write_bytes(content)
    assert main([str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err.splitlines() == [f"error: {path}: {given}{AGAIN}"]
    assert not (stack / "REVIEW.md").exists() and not (tmp_path / "elsewhere").exists()


# What the report reads of a stack, each given values of every JSON kind: a hand-edited cdk.tf.json (or another
# tool's) of a shape synth never writes was a traceback from deep in the report.
_TYPES = ["google_compute_router_nat", "google_compute_address", "google_cloud_run_v2_service", "google_compute_router",
          "google_compute_subnetwork", "google_vpc_access_connector", "google_cloud_run_v2_job",
          "google_monitoring_alert_policy", "google_cloud_run_v2_worker_pool"]
_KEYS = ["name", "rules", "nat_ips", "drain_nat_ips", "template", "region", "address", "min_ports_per_vm",
         "max_ports_per_vm", "network", "subnet", "machine_type", "max_instances", "min_instances", "scaling",
         "lifecycle", "depends_on", "description", "enable_dynamic_port_allocation", "ip_cidr_range",
         "source_subnetwork_ip_ranges_to_nat"]
_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-2, 70000) | st.text(max_size=5),
                       lambda inner: st.lists(inner, max_size=2) | st.dictionaries(
                           st.sampled_from(["action", "rule_number", "containers", "vpc_access", "x"]), inner,
                           max_size=2), max_leaves=6)
_STACKS = st.fixed_dictionaries({
    "resource": st.dictionaries(st.sampled_from(_TYPES), st.dictionaries(st.sampled_from(["a", "b"]), st.dictionaries(
        st.sampled_from(_KEYS), _VALUES, max_size=6), min_size=1, max_size=2), max_size=3),
    "output": st.dictionaries(st.sampled_from(["static_ips", "o"]), st.dictionaries(st.sampled_from(["value"]),
                                                                                   _VALUES), max_size=1)})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(doc={"resource": {"google_compute_router_nat": {"a": {"rules": True}}}, "output": {}})  # refused
@example(doc={"resource": {"google_compute_address": {"a": {"name": "ip", "region": "r"}}}, "output": {}})  # written
@given(doc=_STACKS)
def test_make_report_on_a_stack_of_any_shape_writes_a_review_or_refuses_in_one_line(tmp_path, capsys, doc):
    from constructs_lib.report.review import main

    outdir = Path(tempfile.mkdtemp(dir=tmp_path)) / "out"
    stack = synthesized(outdir)
    (stack / "cdk.tf.json").write_text(json.dumps(doc))
    code = main([str(outdir)])
    err = capsys.readouterr().err
    if code == 0:
        assert (stack / "REVIEW.md").is_file() and err == ""
    else:
        assert code == 1 and not (stack / "REVIEW.md").exists()
        (line,) = err.splitlines()
        assert line.startswith(f"error: {stack / 'cdk.tf.json'}: expected the stack cdktf synth writes") and \
            line.endswith(AGAIN)


def test_a_nat_whose_rules_are_not_a_list_is_refused_naming_the_file(tmp_path, capsys):
    from constructs_lib.report.review import main

    stack = synthesized(tmp_path / "out")
    (stack / "cdk.tf.json").write_text(json.dumps({"resource": {"google_compute_router_nat": {"a": {"rules": True}}}}))
    assert main([str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err == (
        f"error: {stack / 'cdk.tf.json'}: expected the stack cdktf synth writes, got JSON of another shape (the review "
        f"stopped at TypeError: 'bool' object is not iterable){AGAIN}\n")
