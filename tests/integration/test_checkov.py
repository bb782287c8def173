"""The security scan: checkov over every shipped stack, with the committed skip list.

One checkov run (it takes seconds) scans environments/example.toml, every
example of examples/ but one (below), the bootstrap stack and a canary: the example with flow logs and Private Google Access
turned off, which checkov must report. The canary proves that checkov really
reads the .tf.json files: with the wrong framework it scans nothing and passes.
checkov lives in its own virtualenv (.tools/checkov, from tools/checkov.txt),
installed by `make setup`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from constructs_lib.app import build_app, load_stacks
from constructs_lib.app.scan_input import scan_copies
from tests.support.environments import config
from tests.support.paths import ROOT, SHIPPED, SHIPPED_BOOTSTRAP, shipped

pytestmark = pytest.mark.integration
# examples/adopt-guide-chain.toml describes the guide's chain as gcloud built it, flow logs and Private Google
# Access off (what the canary below shows checkov reporting), until a later deploy turns them on: it stays out.
NOT_SCANNED = shipped("adopt-guide-chain")
CHECKOV = ROOT / ".tools" / "checkov" / "bin" / "checkov"
# Run by its virtualenv's Python, as make scan runs it: pip writes a setup.py script's shebang plain, which a
# project path with a space breaks.
RUN_CHECKOV = [str(CHECKOV.parent / "python"), str(CHECKOV)]
CONFIG = ROOT / ".checkov.yaml"
CANARY = "canary"


def stack_files() -> list[Path]:
    return [p for p in SHIPPED if p != NOT_SCANNED] + [SHIPPED_BOOTSTRAP]


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list[str]]]:
    """checkov's passed and failed check ids per stack."""
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: run `make setup` (it installs checkov from tools/checkov.txt)")
    out = tmp_path_factory.mktemp("scan")
    canary = config(stack=CANARY, network={"subnet_cidr": "10.124.0.0/28", "flow_logs": False,
                                           "private_ip_google_access": False})
    build_app([*load_stacks(stack_files()), canary], outdir=str(out)).synth()
    env = {**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"}
    # What make scan gives checkov: copies without import blocks, which its parser cannot read (the draining
    # example imports the NAT's NatAddress).
    assert scan_copies(out, out / "scan")
    result = subprocess.run([*RUN_CHECKOV, "--config-file", str(CONFIG), "-d", str(out / "scan"), "-o", "json"],
                            cwd=out, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode in (0, 1), result.stderr
    reports = json.loads(result.stdout)
    by_stack: dict[str, dict[str, list[str]]] = {}
    for report in reports if isinstance(reports, list) else [reports]:
        assert report["check_type"] == "terraform_json"
        for outcome in ("passed", "failed"):
            for check in report["results"][f"{outcome}_checks"]:
                stack = Path(check["file_path"]).parent.name
                by_stack.setdefault(stack, {"passed": [], "failed": []})[outcome].append(check["check_id"])
    return by_stack


def test_checkov_reads_every_synthesized_stack(scan):
    assert sorted(scan) == sorted([*(p.stem for p in stack_files()), CANARY])


def test_no_stack_fails_a_check_outside_the_skip_list(scan):
    failed = {stack: found["failed"] for stack, found in scan.items() if stack != CANARY and found["failed"]}
    assert failed == {}


def test_canary_without_flow_logs_and_private_google_access_is_reported(scan):
    assert sorted(scan[CANARY]["failed"]) == ["CKV_GCP_26", "CKV_GCP_74"]


def test_state_bucket_passes_versioning_uniform_access_and_public_access_prevention(scan):
    assert sorted(scan["state-bucket"]["passed"]) == ["CKV_GCP_114", "CKV_GCP_29", "CKV_GCP_78"]


def skip_entries() -> list[str]:
    """The lines of the skip-check list in .checkov.yaml."""
    lines = CONFIG.read_text().splitlines()
    start = lines.index("skip-check:") + 1
    return [line for line in lines[start:] if line.startswith("  - ")]


def test_every_skipped_check_has_a_one_line_reason():
    entries = skip_entries()
    assert entries
    for line in entries:
        assert re.fullmatch(r"  - CKV2?_[A-Z0-9]+_\d+  # \S.{10,}", line), line


def test_the_scan_uses_the_terraform_json_framework():
    lines = CONFIG.read_text().splitlines()
    assert lines[lines.index("framework:") + 1] == "  - terraform_json"


def parse_skip_ids() -> list[str]:
    return [line.split()[1] for line in skip_entries()]


def test_skipped_checks_are_real_failures_not_leftovers(tmp_path):
    # Without the skip list, the skipped checks (and only they) fail on the real stacks.
    out = tmp_path / "stacks"
    build_app(load_stacks(stack_files()), outdir=str(tmp_path)).synth()
    env = {**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"}
    result = subprocess.run([*RUN_CHECKOV, "--framework", "terraform_json", "--skip-download", "-d", str(out),
                             "-o", "json"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    failed = sorted({c["check_id"] for c in report["results"]["failed_checks"]})
    assert failed == sorted(parse_skip_ids())
