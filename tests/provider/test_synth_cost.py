"""What a synth no longer pays for: a second policy check at synth, a second node process.

Timings are measured by `make bench`, never here; these tests show the behaviour behind them.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from constructs_lib._provider.cdk import App
from constructs_lib.stacks.egress_stack import EgressStack
from constructs_lib.policies.pack import ChainPolicyPack, check_app
from tests.support.environments import config
from tests.support.paths import ROOT
from tests.support.processes import child_env

SERVICES = [{"name": "api", "image": "nginx"}]


def pack_of(stack: EgressStack) -> ChainPolicyPack:
    from constructs_lib._provider.cdk import Aspects

    (pack,) = [a for a in Aspects.of(stack).all if isinstance(a, ChainPolicyPack)]
    return pack


def test_a_final_check_spares_the_synth_a_second_check(tmp_path, monkeypatch):
    app = App(outdir=str(tmp_path))
    stack = EgressStack(app, "test", config=config(services=SERVICES))
    assert check_app(app, final=True) == []
    checked = []
    monkeypatch.setattr("constructs_lib.policies.pack.check_stack", lambda *a: checked.append(a) or [])

    app.synth()

    assert pack_of(stack).checked is True
    assert checked == []
    assert (tmp_path / "stacks" / "test" / "cdk.tf.json").is_file()


def test_a_check_that_is_not_final_leaves_the_synth_checking(tmp_path):
    app = App(outdir=str(tmp_path))
    stack = EgressStack(app, "test", config=config(services=SERVICES))
    assert check_app(app) == []
    stack.chain.services[0].resource.add_override("template.vpc_access.egress", "PRIVATE_RANGES_ONLY")

    with pytest.raises(RuntimeError, match="EGRESS-001"):
        app.synth()


def test_a_failed_final_check_leaves_the_synth_checking(tmp_path):
    app = App(outdir=str(tmp_path))
    stack = EgressStack(app, "test", config=config(services=SERVICES))
    stack.chain.services[0].resource.add_override("template.vpc_access.egress", "PRIVATE_RANGES_ONLY")

    assert [f.rule_id for f in check_app(app, final=True)] == ["EGRESS-001"]
    assert pack_of(stack).checked is False
    with pytest.raises(RuntimeError, match="EGRESS-001"):
        app.synth()


# In a fresh interpreter with few open files, as main.py runs: which processes serve jsii?
ONE_NODE = """
import os
from pathlib import Path
from constructs_lib._provider import cdk  # starts the kernel, as main.py's first import of cdktf does
from jsii._kernel import Kernel

provider = Kernel().provider
kernel = provider._process._process
children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()
print(type(kernel).__name__, len(children))
print(Path(f"/proc/{children[0]}/cmdline").read_bytes().split(b"\\0")[-2].decode())
"""


def test_the_kernel_runs_as_one_node_process():
    result = subprocess.run([sys.executable, "-c", ONE_NODE], cwd=ROOT, env=child_env(), capture_output=True,
                            text=True, timeout=300)

    assert result.returncode == 0, result.stderr
    kind_and_count, program = result.stdout.splitlines()
    assert kind_and_count == "_Kernel 1"
    assert program.endswith("/lib/program.js")
    assert result.stderr == ""


# node, with the kernel's preload, on the cdktf the CLI depends on (the same 0.21.0 as the app's assembly).
LAZY_ARCHIVER = """
const fs = require("fs"), os = require("os"), path = require("path");
require("cdktf");
const loaded = () => Object.keys(require.cache).some((f) => f.includes("/node_modules/archiver/"));
console.log("archiver loaded with cdktf:", loaded());
const { archiveSync } = require("cdktf/lib/private/fs");
// A space in the asset's folder: cdktf's own archiveSync ran `node fs.js ${src} ${dest}` through a shell, unquoted.
const src = fs.mkdtempSync(path.join(os.tmpdir(), "my asset-"));
fs.writeFileSync(path.join(src, "main.py"), "print(1)\\n");
const zip = path.join(os.tmpdir(), path.basename(src) + " archive.zip");
archiveSync(src, zip);
console.log("zip written:", fs.readFileSync(zip).subarray(0, 2).toString() === "PK");
const lazy = require("module")._load("archiver", require.cache[require.resolve("cdktf/lib/private/fs")], false);
console.log("called:", typeof lazy("zip", {}).pipe, loaded());
"""


def test_the_kernel_loads_cdktfs_zip_library_only_when_an_asset_needs_it():
    from constructs_lib._provider.jsii_kernel import PRELOAD

    result = subprocess.run(["node", "--require", str(PRELOAD), "-e", LAZY_ARCHIVER], cwd=ROOT / "node_modules",
                            capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["archiver loaded with cdktf: false", "zip written: true",
                                          "called: function true"]
