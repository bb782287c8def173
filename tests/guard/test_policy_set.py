"""The HCP Terraform policy set (policy-set/): its policies.hcl, and the Rego under the real OPA (v1.22.3, built by
``make test`` with tools/opa.sh): ``opa check`` with Rego v1 and ``opa test`` of its unit tests."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.support.paths import ROOT

pytestmark = pytest.mark.integration

OPA = ROOT / ".tools" / "opa" / "opa"
POLICY_SET = ROOT / "policy-set"


def opa(*args: str) -> subprocess.CompletedProcess[str]:
    assert OPA.is_file(), f"{OPA} is missing: run through `make test`, which builds OPA (tools/opa.sh)"
    return subprocess.run([str(OPA), *args], capture_output=True, text=True, timeout=300)


def test_the_opa_built_is_the_pinned_version():
    assert "Version: 1.22.3" in opa("version").stdout


@pytest.mark.parametrize("mode", ["--v1-compatible", "--v0-compatible"])
def test_the_policy_set_is_valid_rego_for_opa_1_and_the_0_x_runtimes(mode):
    # `import rego.v1` keeps the v1 syntax valid for a policy set pinned to an OPA 0.x runtime in HCP Terraform.
    result = opa("check", mode, str(POLICY_SET))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_rego_is_as_opa_fmt_writes_it():
    """`opa fmt` is how Rego is reviewed and diffed; it must also accept what it writes (an `else := x if <expr>` on
    one line was formatted into Rego it then refused to parse)."""
    result = opa("fmt", "--list", "--fail", str(POLICY_SET))
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_the_rego_unit_tests_pass():
    result = opa("test", "--verbose", str(POLICY_SET))
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"PASS: (\d+)/\1", result.stdout), result.stdout


def test_policies_hcl_has_one_mandatory_policy_whose_query_is_the_deny_array():
    text = (POLICY_SET / "policies.hcl").read_text(encoding="utf-8")
    assert len(re.findall(r'^policy "', text, re.MULTILINE)) == 1
    assert 'enforcement_level = "mandatory"' in text
    (query,) = re.findall(r'query\s*=\s*"([^"]+)"', text)
    assert query == "data.terraform.policies.egress_ip_guard.deny"
    value = subprocess.run([str(OPA), "eval", "--format", "raw", "--data", str(POLICY_SET), "--stdin-input", query],
                           input='{"plan": {}}', capture_output=True, text=True, timeout=120)
    assert value.returncode == 0 and value.stdout.strip() == "[]", value.stdout + value.stderr
