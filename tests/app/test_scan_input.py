"""What make scan gives checkov: every synthesized stack, as synthesized, but for its import blocks."""

from __future__ import annotations

import json

from constructs_lib.app import build_app, load_stacks
from constructs_lib.app.scan_input import scan_copies
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
