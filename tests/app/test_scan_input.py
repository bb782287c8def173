"""What make scan gives checkov: every synthesized stack, as synthesized, but for its import blocks."""

from __future__ import annotations

import json
import os

import pytest

from constructs_lib.app import build_app, load_stacks
from constructs_lib.app.scan_input import main, scan_copies
from tests.support.bounded import bounded
from tests.support.paths import shipped


def test_the_copies_leave_out_only_the_import_blocks(tmp_path):
    out = tmp_path / "out"
    build_app(load_stacks([shipped("drain-ip"), shipped("example")]), outdir=str(out)).synth()
    folders = scan_copies(out, tmp_path / "scan")
    assert [f.name for f in folders] == ["drain-ip", "example"]
    for folder in folders:
        original = json.loads((out / "stacks" / folder.name / "cdk.tf.json").read_text())
        copy = json.loads((folder / "cdk.tf.json").read_text())
        assert "import" not in copy
        original.pop("import", None)
        assert copy == original
    # The draining stack imports the NAT's NatAddress: checkov's parser would skip the whole file.
    assert "import" in json.loads((out / "stacks" / "drain-ip" / "cdk.tf.json").read_text())


SCAN_KINDS = {
    "a named pipe (FIFO)": os.mkfifo,
    "a regular file": lambda p: p.write_text("mine"),
    "a symbolic link": lambda p: p.symlink_to(p.parent / "theirs", target_is_directory=True),
}


@pytest.mark.parametrize("kind", sorted(SCAN_KINDS))
def test_a_scan_folder_that_is_not_a_folder_is_refused_in_one_line_and_nothing_is_deleted(tmp_path, capsys, kind):
    # Deleting the old copies opened a named pipe (make scan waited for ever); a file or a link to someone's folder
    # ended in a traceback.
    out = tmp_path / "out"
    build_app(load_stacks([shipped("example")]), outdir=str(out)).synth()
    (tmp_path / "out" / "theirs").mkdir()
    (tmp_path / "out" / "theirs" / "precious").write_text("keep")
    SCAN_KINDS[kind](out / "scan")
    code = bounded(lambda: main([str(out), str(out / "scan")]), 10, "make scan waited on its scan folder")
    assert code == 2
    assert capsys.readouterr().err == (f"error: make scan: {out / 'scan'}: expected a folder, or nothing (the app "
                                       f"writes it), got {kind}\n")
    assert (out / "theirs" / "precious").read_text() == "keep"
    assert os.path.lexists(out / "scan")


@pytest.mark.parametrize("name, content, given", [
    ("cdk.tf.json", b"{", "expected the JSON synth writes, got Expecting property name enclosed in double quotes: "
                          "line 1 column 2 (char 1)"),
    ("manifest.json", b'{"stacks": {"../../x": {"synthesizedStackPath": "stacks/example/cdk.tf.json"}}}',
     "expected the manifest cdktf synth writes (stacks by their names, each with its synthesizedStackPath inside "
     "the folder), got another JSON object"),
    ("manifest.json", None, "expected a regular file, or nothing (the app writes it), got a named pipe (FIFO)"),
])
def test_a_synth_not_as_synth_wrote_it_is_refused_in_one_line_and_the_old_copies_kept(tmp_path, capsys, name,
                                                                                      content, given):
    # A cut-short stack JSON was a traceback; a stack named ../../x had its copy written out of the scan folder;
    # a named pipe for a manifest was waited on for ever.
    out = tmp_path / "out"
    build_app(load_stacks([shipped("example")]), outdir=str(out)).synth()
    (out / "scan" / "example").mkdir(parents=True)
    (out / "scan" / "example" / "cdk.tf.json").write_text("{}")
    path = out / name if name == "manifest.json" else out / "stacks" / "example" / name
    path.unlink()
    if content is None:
        os.mkfifo(path)
    else:
        path.write_bytes(content)
    code = bounded(lambda: main([str(out), str(out / "scan")]), 10, "make scan waited on the synth's files")
    assert code == 2
    tail = "" if content is None else ": run `make synth` (cdktf synth) again"
    assert capsys.readouterr().err == f"error: make scan: {path}: {given}{tail}\n"
    assert (out / "scan" / "example" / "cdk.tf.json").read_text() == "{}"
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("make, what", [
    (lambda scan: (scan / "notes.md").write_text("mine"), "notes.md"),
    (lambda scan: (scan / "example").mkdir() or (scan / "example" / "findings.txt").write_text("mine"),
     "example/findings.txt"),
    (lambda scan: (scan / "example").mkdir() or (scan / "example" / "cdk.tf.json").mkdir()
     or (scan / "example" / "cdk.tf.json" / "deep").write_text("mine"), "example/cdk.tf.json"),
    (lambda scan: (scan / "example").symlink_to(scan.parent / "theirs", target_is_directory=True), "example"),
], ids=["file", "file-in-a-stack-folder", "folder-named-as-the-copy", "link"])
def test_a_scan_folder_holding_anything_but_the_copies_is_refused_and_nothing_is_deleted(tmp_path, capsys, make,
                                                                                         what):
    # The output folder may be a user's own (CDKTF_OUTDIR=.): make scan deleted a scan/ folder there, whatever it
    # held, to write its copies.
    out = tmp_path / "out"
    build_app(load_stacks([shipped("example")]), outdir=str(out)).synth()
    (out / "theirs").mkdir()
    (out / "theirs" / "precious").write_text("keep")
    (out / "scan").mkdir()
    make(out / "scan")
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    assert main([str(out), str(out / "scan")]) == 2
    assert capsys.readouterr().err == (
        f"error: make scan: {out / 'scan'}: expected the copies make scan wrote (a folder per stack holding its "
        f"cdk.tf.json), or nothing, got {what}: choose another output folder (CDKTF_OUTDIR), or move {what}\n")
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before


def test_the_copies_of_an_earlier_scan_are_replaced(tmp_path):
    out = tmp_path / "out"
    build_app(load_stacks([shipped("example")]), outdir=str(out)).synth()
    for stack in ("example", "gone"):
        (out / "scan" / stack).mkdir(parents=True)
        (out / "scan" / stack / "cdk.tf.json").write_text("{}")
    assert [f.name for f in scan_copies(out, out / "scan")] == ["example"]
    assert sorted(p.name for p in (out / "scan").iterdir()) == ["example"]
    assert json.loads((out / "scan" / "example" / "cdk.tf.json").read_text()) != {}
