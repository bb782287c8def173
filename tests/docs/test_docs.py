"""Every TOML and Python block of README.md and docs/ is run: the documentation cannot drift from the code.

A block marked ```toml is a whole file: an environment (validated and synthesized) or a
bootstrap file (validated). A block marked ```toml seed is a rehearsal's brownfield seed file
(read and checked as ``make rehearse SEED=`` reads it). A block marked ```toml faults is a rehearsal's
faults file (read as ``make rehearse FAULTS=`` reads it). A block marked ```toml fragment
shows part of a file: it must still be valid TOML, and adding the keys of the smallest valid
environment to it must give a valid file. A ```json block right after a TOML block shows part of
what that block synthesizes: it must be found, as written, in the synthesized stack. A ```python
block is a whole program: it runs in a folder of its own, with the project on its path, and must
exit 0.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from constructs_lib.config.bootstrap import parse_bootstrap
from constructs_lib.config import parse_environment
from tests.support.documents import document_blocks
from tests.support.environments import BASE
from tests.support.paths import ROOT
from tests.support.synth import NAT, synth

DOCUMENT_BLOCKS = document_blocks()
BLOCKS = [(b.where, b.lang == "toml fragment", b.body) for b in DOCUMENT_BLOCKS if b.lang in ("toml", "toml fragment")]


def test_the_documents_hold_toml_blocks():
    assert len([b for b in BLOCKS if not b[1]]) >= 3, BLOCKS


@pytest.mark.parametrize("where, fragment, text", BLOCKS, ids=[b[0] for b in BLOCKS])
def test_every_toml_block_is_valid(where, fragment, text):
    data = tomllib.loads(text)
    if "bootstrap" in data:
        assert not fragment, where
        parse_bootstrap(data, stack="documented", source=where)
        return
    if fragment:
        data = {**BASE, **data}
    config = parse_environment(data, stack="documented", source=where)
    if not fragment:
        assert synthesized_names(synth(config)) == stated_names(data), where


# What a whole file says its stack builds, by the names docs/configuration.md gives: the NAT ({name}-nat) and
# each workload of each table, by its name.
WORKLOADS = {"services": "google_cloud_run_v2_service", "jobs": "google_cloud_run_v2_job",
             "worker_pools": "google_cloud_run_v2_worker_pool"}


def stated_names(data: dict) -> dict[str, list[str]]:
    return {"google_compute_router_nat": [f"{data.get('name', 'cloud-run')}-nat"],
            **{rtype: sorted(w["name"] for w in data.get(table, [])) for table, rtype in WORKLOADS.items()}}


def synthesized_names(doc: dict) -> dict[str, list[str]]:
    return {rtype: sorted(r["name"] for r in doc["resource"].get(rtype, {}).values())
            for rtype in ("google_compute_router_nat", *WORKLOADS.values())}


SEED_BLOCKS = [(b.where, b.body) for b in DOCUMENT_BLOCKS if b.lang == "toml seed"]


@pytest.mark.parametrize("where, text", SEED_BLOCKS, ids=[b[0] for b in SEED_BLOCKS])
def test_every_seed_block_is_a_valid_seed_file(where, text, tmp_path):
    from rehearsal.brownfield import load_seed

    path = tmp_path / "seed.toml"
    path.write_text(text, encoding="utf-8")
    assert load_seed(path).source == str(path), where


FAULTS_BLOCKS = [(b.where, b.body) for b in DOCUMENT_BLOCKS if b.lang == "toml faults"]


def test_the_documents_hold_a_faults_file():
    assert FAULTS_BLOCKS


@pytest.mark.parametrize("where, text", FAULTS_BLOCKS, ids=[b[0] for b in FAULTS_BLOCKS])
def test_every_faults_block_is_a_valid_faults_file(where, text, tmp_path):
    from rehearsal.localgcp.faults import load_faults

    path = tmp_path / "faults.toml"
    path.write_text(text, encoding="utf-8")
    assert load_faults(path), where


PYTHON_BLOCKS = [(b.where, b.body) for b in DOCUMENT_BLOCKS if b.lang == "python"]


def _run_program(text: str, folder: Path) -> subprocess.CompletedProcess[str]:
    (folder / "example.py").write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    return subprocess.run([sys.executable, "example.py"], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_documents_hold_a_python_program():
    assert PYTHON_BLOCKS


@pytest.mark.parametrize("where, text", PYTHON_BLOCKS, ids=[b[0] for b in PYTHON_BLOCKS])
def test_every_python_block_runs(where, text, tmp_path):
    result = _run_program(text, tmp_path)
    assert result.returncode == 0, f"{where}:\n{result.stderr[-3000:]}"
    stacks = json.loads((tmp_path / "cdktf.out" / "manifest.json").read_text())["stacks"]
    assert stacks, where
    for stack in stacks.values():
        doc = json.loads((tmp_path / "cdktf.out" / stack["synthesizedStackPath"]).read_text())
        assert doc["resource"][NAT], where


def test_the_hand_built_chain_stops_on_a_public_service_it_did_not_allow(tmp_path):
    (where, text), = [b for b in PYTHON_BLOCKS if "apply_chain_policies(stack, public_services=" in b[1]]
    broken = text.replace('public_services=["webhook"]', "public_services=[]")
    assert broken != text, where
    result = _run_program(broken, tmp_path)
    assert result.returncode == 1
    assert "EGRESS-005" in result.stderr and "webhook" in result.stderr
    assert not list((tmp_path / "cdktf.out").rglob("cdk.tf.json"))


# Each ```json block with the TOML block just before it (nothing but blank lines between).
JSON_BLOCKS = [(block.where, before.lang == "toml fragment", before.body, block.body)
               for before, block in zip(DOCUMENT_BLOCKS, DOCUMENT_BLOCKS[1:])
               if block.lang == "json" and block.joined and before.lang.startswith("toml")]


def _contains(whole: object, part: object) -> bool:
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(k in whole and _contains(whole[k], v) for k, v in part.items())
    return whole == part


def test_the_documents_show_synthesized_json():
    assert JSON_BLOCKS


@pytest.mark.parametrize("where, fragment, toml_text, json_text", JSON_BLOCKS, ids=[b[0] for b in JSON_BLOCKS])
def test_every_json_block_is_what_its_toml_block_synthesizes(where, fragment, toml_text, json_text):
    data = tomllib.loads(toml_text)
    if fragment:
        data = {**BASE, **data}
    doc = synth(parse_environment(data, stack="documented", source=where))
    shown = json.loads("{" + json_text + "}")
    assert _contains(doc, shown), f"{where}: {json.dumps(shown)} is not in the synthesized stack"


def test_a_json_block_that_differs_is_seen():
    assert not _contains({"terraform": {"cloud": {"organization": "my-org"}}},
                         {"terraform": {"cloud": {"organization": "other"}}})
