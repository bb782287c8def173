"""NAT rules and NAT timeouts with the real google provider 6.50.0 against the local GCP API.

Three scenarios, each run once per session as background work (tests/support/background.py): the two-partner
example (examples/partners.toml) deployed, planned again (nothing to do), then a partner's destinations changed
and its IP rotated; the guide's chain built by hand with today's NAT defaults (TIME_WAIT 30 s, not the
provider's 120 s) adopted, then its TIME_WAIT set in the file; and an address of the NAT's own moved into a rule.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.guard import check
from constructs_lib.report.allowlist import allowlist_entries
from rehearsal.driver import Rehearsal, RehearsalError
from tests.support import background
from tests.support.background import Work
from tests.support.paths import shipped
from tests.support.steps import Steps
from tests.support.synth import ADDRESS, NAT, NAT_ADDRESS, ROUTER

pytestmark = pytest.mark.integration

PARTNERS = shipped("partners")
ADOPT = shipped("adopt-guide-chain")


def last(link: str) -> str:
    return link.rsplit("/", 1)[-1]


def run_partners(folder: Path) -> dict[str, Any]:
    doc = tomllib.loads(PARTNERS.read_text(encoding="utf-8"))
    with Rehearsal(folder) as rehearsal:
        stack = Steps(rehearsal, "partners")
        stack.apply("deploy", doc)
        found: dict[str, Any] = {"nat": stack.nat("partners-router"),
                                 "outputs": rehearsal.outputs(stack.stack_dir),
                                 "allowlist": allowlist_entries(rehearsal.state(stack.stack_dir), stack="partners")}
        doc["nat"]["rules"][1]["destinations"] = ["192.0.2.10/32", "192.0.2.128/25"]
        stack.apply("move-b", doc)
        found["moved"] = stack.nat("partners-router")
        # Rotating partner-a's IP: a second address in the rule, the first drains in the rule, then leaves it.
        doc["egress"]["static_ip_names"].append("partner-a-ip-2")
        doc["nat"]["rules"][0]["ips"] = ["partner-a-ip", "partner-a-ip-2"]
        stack.apply("add-a2", doc)
        # Taken out of the rule at once, not drained: the plan guard refuses it (planned, never applied).
        stack.plan("undrained-a", {**doc, "nat": {**doc["nat"], "rules": [
            {**doc["nat"]["rules"][0], "ips": ["partner-a-ip-2"]}, doc["nat"]["rules"][1]]}})
        doc["egress"]["draining_ips"] = ["partner-a-ip"]
        stack.apply("drain-a", doc)
        found["draining"] = stack.nat("partners-router")
        found["draining-allowlist"] = allowlist_entries(rehearsal.state(stack.stack_dir), stack="partners")
        del doc["egress"]["draining_ips"]
        doc["egress"]["static_ip_names"].remove("partner-a-ip")
        doc["egress"]["standby_ips"] = ["partner-a-ip"]
        doc["nat"]["rules"][0]["ips"] = ["partner-a-ip-2"]
        stack.apply("retire-a", doc)
        found["retired"] = stack.nat("partners-router")
        found["plans"] = stack.recorded.plans
        return found


def test_two_partners_deploy_and_a_second_plan_has_nothing_to_do(partners):
    for step in ("deploy:after", "move-b:after", "add-a2:after", "drain-a:after", "retire-a:after"):
        assert not partners["plans"][step].changes, partners["plans"][step].describe()


def test_the_nat_holds_each_partners_rule_and_its_own_address_apart(partners):
    nat = partners["nat"]
    assert [last(link) for link in nat["natIps"]] == ["partners-origin-ip"]
    assert [(r["ruleNumber"], r["description"], r["match"], [last(i) for i in r["action"]["sourceNatActiveIps"]])
            for r in sorted(nat["rules"], key=lambda r: r["ruleNumber"])] == [
        (100, "partner-a", "inIpRange(destination.ip, '198.51.100.0/24')", ["partner-a-ip"]),
        (200, "partner-b", "inIpRange(destination.ip, '192.0.2.10/32') || inIpRange(destination.ip, '192.0.2.64/26')",
         ["partner-b-ip"])]


def test_each_partner_gets_its_ip_in_the_outputs_and_the_allowlist(partners):
    ips = partners["outputs"]["partner_ips"]
    assert sorted(ips) == ["partner-a", "partner-b"]
    assert all(ip.startswith("203.0.113.") for rule in ips.values() for ip in rule.values())
    assert sorted((e.name, e.role, e.partner) for e in partners["allowlist"]) == [
        ("partner-a-ip", "rule", "partner-a"), ("partner-b-ip", "rule", "partner-b"),
        ("partners-origin-ip", "active", "")]
    assert {e.ip for e in partners["allowlist"] if e.name == "partner-a-ip"} == set(ips["partner-a"].values())


def test_changing_a_partners_destinations_updates_the_nat_in_place(partners):
    plan = partners["plans"]["move-b"]
    assert plan.actions(NAT) and all(a == ["update"] for a in plan.actions(NAT).values()), plan.describe()
    assert all(a == ["no-op"] for t in (ADDRESS, ROUTER, NAT_ADDRESS) for a in plan.actions(t).values())
    (moved,) = [r for r in partners["moved"]["rules"] if r["ruleNumber"] == 200]
    assert moved["match"] == "inIpRange(destination.ip, '192.0.2.10/32') || inIpRange(destination.ip, '192.0.2.128/25')"


def rule_ips(nat: dict[str, Any], number: int) -> tuple[list[str], list[str]]:
    (rule,) = [r for r in nat["rules"] if r["ruleNumber"] == number]
    action = rule["action"]
    return ([last(i) for i in action.get("sourceNatActiveIps", [])],
            [last(i) for i in action.get("sourceNatDrainIps", [])])


def test_a_partners_ip_rotates_by_draining_in_its_rule_without_touching_the_nats_own(partners):
    assert rule_ips(partners["draining"], 100) == (["partner-a-ip-2"], ["partner-a-ip"])
    assert rule_ips(partners["retired"], 100) == (["partner-a-ip-2"], [])
    for step in ("draining", "retired"):
        assert [last(link) for link in partners[step]["natIps"]] == ["partners-origin-ip"], step
        assert "drainNatIps" not in partners[step], step
    roles = {e.name: (e.role, e.partner) for e in partners["draining-allowlist"]}
    assert (roles["partner-a-ip"], roles["partner-a-ip-2"]) == (("draining", "partner-a"), ("rule", "partner-a"))
    for step in ("add-a2", "drain-a", "retire-a"):
        plan = partners["plans"][step]
        assert all(a in (["no-op"], ["create"]) for a in plan.actions(ADDRESS).values()), plan.describe()
        assert all(a == ["update"] for a in plan.actions(NAT).values()), plan.describe()


def test_the_plan_guard_refuses_a_partners_ip_leaving_its_rule_undrained_and_lets_the_rotation_through(partners):
    plans = partners["plans"]
    (refused,) = check(plans["undrained-a"].json)
    assert (refused.rule, refused.name) == ("undrained", "partner-a-ip")
    assert refused.ip and refused.ip.startswith("203.0.113.")
    assert "out of rule 100 (partner-a) of NAT partners-nat without draining it" in refused.message
    for step in ("deploy", "move-b", "add-a2", "drain-a", "retire-a"):
        assert check(plans[step].json) == [], step


def test_the_deployed_nat_has_every_timeout_the_file_implies(partners):
    nat = partners["nat"]
    assert (nat["udpIdleTimeoutSec"], nat["icmpIdleTimeoutSec"], nat["tcpEstablishedIdleTimeoutSec"],
            nat["tcpTransitoryIdleTimeoutSec"], nat["tcpTimeWaitTimeoutSec"]) == (30, 30, 1200, 30, 120)


# --- an adopted NAT keeps its timeouts ----------------------------------------------------------------------


def run_adopted(folder: Path) -> dict[str, Any]:
    doc = tomllib.loads(ADOPT.read_text(encoding="utf-8"))
    with Rehearsal(folder) as rehearsal:
        stack = Steps(rehearsal, ADOPT.stem)
        stack.apply("adopt", doc)
        found: dict[str, Any] = {"nat": stack.nat("my-router")}
        doc["nat"] = {"tcp_time_wait_timeout_sec": 30}
        stack.plan("pinned-as-is", doc)
        doc["nat"] = {"tcp_time_wait_timeout_sec": 120}
        stack.apply("pinned-to-120", doc)
        found["after"] = stack.nat("my-router")
        found["plans"] = stack.recorded.plans
        return found


def test_adopting_a_nat_made_today_changes_none_of_its_timeouts(adopted):
    plan = adopted["plans"]["adopt"]
    assert {tuple(c["change"]["actions"]) for c in plan.json["resource_changes"]} == {("no-op",)}, plan.describe()
    assert adopted["nat"]["tcpTimeWaitTimeoutSec"] == 30


def test_the_file_setting_the_live_value_changes_nothing_and_another_value_updates_in_place(adopted):
    assert not adopted["plans"]["pinned-as-is"].changes, adopted["plans"]["pinned-as-is"].describe()
    plan = adopted["plans"]["pinned-to-120"]
    assert [a for a in plan.actions(NAT).values()] == [["update"]], plan.describe()
    assert [c["address"] for c in plan.changes] == list(plan.actions(NAT)), plan.describe()
    assert adopted["after"]["tcpTimeWaitTimeoutSec"] == 120
    assert not adopted["plans"]["pinned-to-120:after"].changes


# --- an address of the NAT's own into a rule ------------------------------------------------------------------


def run_into_rule(folder: Path) -> dict[str, Any]:
    """An address of the NAT's own moved into a rule: in one deploy, then in two (out of the NAT, into the rule)."""
    doc = tomllib.loads(PARTNERS.read_text(encoding="utf-8"))
    del doc["nat"]["rules"], doc["capacity"]
    found: dict[str, Any] = {}
    with Rehearsal(folder) as rehearsal:
        stack = Steps(rehearsal, "partners")
        stack.apply("pool", doc)
        rule = {"description": "partner-a", "destinations": ["198.51.100.0/24"], "ips": ["partner-a-ip"]}
        try:
            stack.apply("one-deploy", {**doc, "nat": {"rules": [rule]}})
        except RehearsalError as err:
            found["one-deploy"] = str(err)
        doc["egress"]["static_ip_names"].remove("partner-a-ip")
        doc["egress"]["standby_ips"] = ["partner-a-ip"]
        stack.apply("out-of-the-nat", doc)
        stack.apply("into-the-rule", {**doc, "nat": {"rules": [rule]}})
        found["nat"] = stack.nat("partners-router")
        found["plans"] = stack.recorded.plans
    return found


def test_an_address_of_the_nats_own_cannot_join_a_rule_in_the_same_deploy(into_rule):
    # The NAT is updated before its NatAddress (which names it): its update sends the natIps it read, the address
    # still among them, beside the rule that takes it.
    assert "is already used by natIps of the NAT" in into_rule["one-deploy"]


def test_it_joins_a_rule_in_two_deploys_out_of_the_nat_then_into_the_rule(into_rule):
    for step in ("out-of-the-nat:after", "into-the-rule:after"):
        assert not into_rule["plans"][step].changes, into_rule["plans"][step].describe()
    assert sorted(last(link) for link in into_rule["nat"]["natIps"]) == ["partner-b-ip", "partners-origin-ip"]
    assert rule_ips(into_rule["nat"], 100) == (["partner-a-ip"], [])


# Each scenario is background work (tests/support/background.py), started with the session.
BACKGROUND = [Work("nat-rules:partners", run_partners, 125), Work("nat-rules:adopted", run_adopted, 70),
              Work("nat-rules:into-rule", run_into_rule, 100)]


@pytest.fixture(scope="module")
def partners() -> dict[str, Any]:
    return background.result("nat-rules:partners")


@pytest.fixture(scope="module")
def adopted() -> dict[str, Any]:
    return background.result("nat-rules:adopted")


@pytest.fixture(scope="module")
def into_rule() -> dict[str, Any]:
    return background.result("nat-rules:into-rule")
