"""The HCP Terraform policy set (policy-set/): its policies.hcl, and the Rego under the real OPA (v1.22.3, built by
``make test`` with tools/opa.sh): ``opa check`` with Rego v1 and ``opa test`` of its unit tests."""

from __future__ import annotations

import json
import random
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


def test_policies_hcl_has_the_mandatory_refusals_and_the_advisory_notes_and_reminders():
    text = (POLICY_SET / "policies.hcl").read_text(encoding="utf-8")
    policies = re.findall(r'^policy "([^"]+)" \{(.*?)^\}', text, re.MULTILINE | re.DOTALL)
    found = {name: (re.findall(r'query\s*=\s*"([^"]+)"', body), re.findall(r'enforcement_level\s*=\s*"([^"]+)"', body))
             for name, body in policies}
    assert found == {"egress_ip_guard": (["data.terraform.policies.egress_ip_guard.deny"], ["mandatory"]),
                     "egress_gap": (["data.terraform.policies.egress_ip_guard.notes"], ["advisory"]),
                     "retire_reminders": (["data.terraform.policies.egress_ip_guard.reminders"], ["advisory"])}
    for query in ("data.terraform.policies.egress_ip_guard.deny", "data.terraform.policies.egress_ip_guard.notes",
                  "data.terraform.policies.egress_ip_guard.reminders"):
        value = subprocess.run([str(OPA), "eval", "--format", "raw", "--data", str(POLICY_SET), "--stdin-input",
                                query], input='{"plan": {}}', capture_output=True, text=True, timeout=120)
        assert value.returncode == 0 and value.stdout.strip() == "[]", value.stdout + value.stderr


# --- the Rego and the Python guard on crafted plans of each shape ------------------------------------------
# Real plans (tests/integration/test_guard.py) show the shapes the stack makes; these show the ones it should not
# make but a plan can hold (an older synth in an HCP Terraform workspace, a -replace, a hand-edited
# configuration), where the two must still agree, message for message.

def _crafted() -> dict[str, dict]:
    from tests.guard.plans import (A, EDGE_ROUTER, NAT_ADDR, NAT_IPS_ADDR, ROUTER_ADDR, address, change, nat,
                                   nat_address, plan, replaced, subnet)
    from constructs_lib.facts.resources import ADDRESS, NAT, NAT_ADDRESS, ROUTER, SERVICE

    def protected(on: bool) -> dict:
        return {"name": "s", "project": "p", "location": "r", "deletion_protection": on}
    state = [address("ip-a"), address("ip-b")]
    router = change(ROUTER_ADDR, ROUTER, ["delete", "create"], before=EDGE_ROUTER, after=EDGE_ROUTER)
    router_gone = change(ROUTER_ADDR, ROUTER, ["delete"], before=EDGE_ROUTER)
    nat_kept = change(NAT_ADDR, NAT, ["update"], before=nat(["ip-a", "ip-b"]), after=nat(["ip-a", "ip-b"]))
    nat_no_op = change(NAT_ADDR, NAT, ["no-op"], before=nat([]), after=nat([]))
    nat_replaced = change(NAT_ADDR, NAT, ["delete", "create"], before=nat(["ip-a", "ip-b"]),
                          after=nat(["ip-a", "ip-b"]))
    beside = change(NAT_IPS_ADDR, NAT_ADDRESS, ["no-op"], before=nat_address(["ip-a", "ip-b"]),
                    after=nat_address(["ip-a", "ip-b"]))
    beside_deleted = change(NAT_IPS_ADDR, NAT_ADDRESS, ["delete"], before=nat_address(["ip-b", "ip-a"]))
    moved = replaced(subnet("a"), subnet("b"), paths=[["network"]], reason="replace_because_cannot_update")
    moved_nat = f"{NAT}.Chain_RouterNat_Nat_11111111"
    return {
        "address deleted": plan(change(A, ADDRESS, ["delete"], before=address("ip-a")), state=state),
        "address deleted, released": plan(change(A, ADDRESS, ["delete"], before=address("ip-a")), state=state,
                                          release=["ip-a"]),
        "subnet moved first under its name": plan(moved),
        "subnet moved, two paths": plan(replaced(subnet("a"), subnet("b", cidr="10.0.0.16/28"),
                                                 paths=[["ip_cidr_range"], ["network", 0]])),
        "subnet tainted": plan(replaced(subnet(), subnet(), reason="replace_because_tainted")),
        "subnet by request": plan(replaced(subnet(), subnet(), reason="replace_by_request")),
        "subnet deleted first": plan(replaced(subnet("a"), subnet("b"), actions=("delete", "create"))),
        "subnet renamed": plan(replaced(subnet("a"), subnet("b", name="x-subnet"))),
        "router re-created, NAT updated": plan(router, nat_kept, state=state),
        "router deleted, NAT updated": plan(router_gone, nat_kept, state=state),
        "router re-created, IPs beside": plan(router, nat_no_op, beside, state=state),
        "router re-created, IPs beside deleted": plan(router, nat_no_op, beside_deleted, state=state),
        "router re-created, released": plan(router, nat_kept, state=state, release=["ip-b"]),
        "router and NAT re-created": plan(router, nat_replaced, state=state),
        "another router deleted": plan(change(ROUTER_ADDR, ROUTER, ["delete"], before={**EDGE_ROUTER, "name": "x"}),
                                       nat_kept, state=state),
        "router updated": plan(change(ROUTER_ADDR, ROUTER, ["update"], before=EDGE_ROUTER, after=EDGE_ROUTER),
                               nat_kept, state=state),
        "IPs beside deleted, NAT stays": plan(nat_no_op, beside_deleted, state=state),
        "NAT drops an IP": plan(change(NAT_ADDR, NAT, ["update"], before=nat(["ip-a", "ip-b"]), after=nat(["ip-b"])),
                                state=state),
        "NAT left with no IP": plan(change(NAT_ADDR, NAT, ["update"], before=nat(["ip-a"]), after=nat([])),
                                    state=state, forget=["ip-a"]),
        # a changed construct ID: the NAT (or its IP list) under a new resource address, the old one deleted
        "NAT moved, an IP dropped": plan(change(NAT_ADDR, NAT, ["delete"], before=nat(["ip-a", "ip-b"])),
                                         change(moved_nat, NAT, ["create"], after=nat(["ip-a"])), state=state),
        "NAT moved, no IP": plan(change(NAT_ADDR, NAT, ["delete"], before=nat(["ip-a"])),
                                 change(moved_nat, NAT, ["create"], after=nat([])), state=state),
        "NAT moved, IPs beside deleted": plan(change(NAT_ADDR, NAT, ["delete"], before=nat(["ip-a", "ip-b"])),
                                              change(moved_nat, NAT, ["create"], after=nat(["ip-a", "ip-b"])),
                                              beside_deleted, state=state),
        "IP list moved": plan(nat_no_op, beside_deleted, change(f"{NAT_IPS_ADDR}1", NAT_ADDRESS, ["create"],
                                                                 after=nat_address(["ip-a"])), state=state),
        "protected service deleted": plan(change(f"{SERVICE}.s", SERVICE, ["delete"], before=protected(True))),
        "unprotected service deleted": plan(change(f"{SERVICE}.s", SERVICE, ["delete"], before=protected(False))),
        "protected service tainted": plan({**change(f"{SERVICE}.s", SERVICE, ["delete", "create"],
                                                    before=protected(True), after=protected(True)),
                                           "action_reason": "replace_because_tainted"}),
        "protected service, no name": plan(change(f"{SERVICE}.s", SERVICE, ["delete"],
                                                  before={"deletion_protection": True})),
        # release_ips/forget_ips, each name's reminder: of the stack, put into the NAT by hand, of nothing
        "names to retire": plan(change(NAT_ADDR, NAT, ["update"], before=nat(["ip-a", "ops"]), after=nat(["ip-a"])),
                                state=state, release=["ip-b", "gone"], forget=["ops"]),
    }


def test_the_rego_and_the_python_guard_agree_on_crafted_plans_of_each_shape(tmp_path):
    from constructs_lib.guard import check, recreated_egress, retire_reminders
    seen, reminded = set(), set()
    for where, plan in _crafted().items():
        path = tmp_path / "input.json"
        path.write_text(json.dumps({"plan": plan}), encoding="utf-8")
        result = subprocess.run([str(OPA), "eval", "--format", "json", "--data", str(POLICY_SET), "--input",
                                 str(path), "data.terraform.policies.egress_ip_guard"], capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stderr
        value = json.loads(result.stdout)["result"][0]["expressions"][0]["value"]
        expected = sorted(({"rule": v.rule, "address": v.address, "name": v.name, "ip": v.ip, "message": v.message}
                           for v in check(plan)), key=lambda v: (v["rule"], v["address"], v["name"]))
        assert sorted(value["violations"], key=lambda v: (v["rule"], v["address"], v["name"])) == expected, where
        assert value["deny"] == sorted(v["message"] for v in expected), where
        assert (value["notes"], value["reminders"]) == (sorted(recreated_egress(plan)),
                                                        sorted(retire_reminders(plan))), where
        seen |= {v["rule"] for v in expected}
        reminded |= {kind for r in value["reminders"] for kind in REMINDER_KINDS if kind in r}
    # every rule is reached by a shape of its own, and so is each kind of reminder
    assert seen == {"release", "undrained", "no-active-ip", "name-taken", "deletion-protected"}
    assert reminded == set(REMINDER_KINDS)


# The three things a reminder of release_ips/forget_ips says of a name (constructs_lib/guard/rules.py).
REMINDER_KINDS = ("(the key is for one deploy)", "an address put into a NAT outside Terraform",
                  "which is no address of this stack")


def test_the_rego_and_the_python_guard_agree_on_random_plans(tmp_path):
    """1,500 plans of random shapes (a fixed seed; tests/guard/plans.py, random_plan), in one OPA run: the policy
    never stops with an error (one NAT under two resource addresses once gave OPA two values for one function),
    refuses what the Python guard refuses and notes what it notes, message for message."""
    from constructs_lib.guard import check, recreated_egress, retire_reminders
    from tests.guard.plans import random_plan
    r = random.Random(21)
    noted = reminded = 0
    plans = [random_plan(r) for _ in range(1500)]
    path = tmp_path / "plans.json"
    path.write_text(json.dumps({"plans": plans}), encoding="utf-8")
    query = ('[{"violations": v, "deny": d, "notes": n, "reminders": m} | some p in input.plans; '
             'v := data.terraform.policies.egress_ip_guard.violations with input as {"plan": p}; '
             'd := data.terraform.policies.egress_ip_guard.deny with input as {"plan": p}; '
             'n := data.terraform.policies.egress_ip_guard.notes with input as {"plan": p}; '
             'm := data.terraform.policies.egress_ip_guard.reminders with input as {"plan": p}]')
    result = subprocess.run([str(OPA), "eval", "--format", "json", "--data", str(POLICY_SET), "--input", str(path),
                             query], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[:2000] + result.stderr
    values = json.loads(result.stdout)["result"][0]["expressions"][0]["value"]
    assert len(values) == len(plans)
    seen: set[str] = set()
    for index, (plan, value) in enumerate(zip(plans, values)):
        expected = sorted(({"rule": v.rule, "address": v.address, "name": v.name, "ip": v.ip, "message": v.message}
                           for v in check(plan)), key=lambda v: (v["rule"], v["address"], v["name"]))
        got = sorted(value["violations"], key=lambda v: (v["rule"], v["address"], v["name"]))
        assert (got, value["deny"]) == (expected, sorted(v["message"] for v in expected)), (index, plan)
        assert value["notes"] == sorted(recreated_egress(plan)), (index, plan)
        assert value["reminders"] == sorted(retire_reminders(plan)), (index, plan)
        seen |= {v["rule"] for v in expected}
        noted += bool(value["notes"])
        reminded += any("put into a NAT outside Terraform" in m for m in value["reminders"])
    assert seen == {"release", "recreate", "undrained", "no-active-ip", "name-taken", "deletion-protected"}
    assert noted > 100 and reminded > 50, (noted, reminded)
