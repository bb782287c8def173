"""REVIEW.md's NAT sections: each partner's IPs (NAT rules), the capacity per rule, and the timeouts in force."""

from __future__ import annotations

import pytest

from constructs_lib.policies.document import StackDocument
from constructs_lib.report import render
from tests.report.test_report import rows, section
from tests.support.environments import config
from tests.support.synth import synth

POOL = {"static_ip_names": ["cloud-run-origin-ip", "partner-a-ip", "partner-b-ip"]}
RULES = [{"description": "partner-a", "destinations": ["198.51.100.0/24"], "ips": ["partner-a-ip"]},
         {"destinations": ["192.0.2.10/32", "192.0.2.64/26"], "ips": ["partner-b-ip"]}]


@pytest.fixture(scope="module")
def report() -> str:
    return render(StackDocument(synth(config(egress=POOL, nat={"min_ports_per_vm": 128, "rules": RULES})),
                                stack="partners"))


def test_each_partner_and_the_addresses_it_must_allowlist(report):
    assert rows(report, "Partners (NAT rules)") == [
        ["`cloud-run-nat`", "100", "partner-a", "`198.51.100.0/24`", "`partner-a-ip`"],
        ["`cloud-run-nat`", "200", "rule 200", "`192.0.2.10/32`, `192.0.2.64/26`", "`partner-b-ip`"]]


def test_the_pool_holds_the_nats_own_address_and_no_rules_address_is_standby(report):
    assert rows(report, "IP pool") == [["cloud-run-origin-ip", "reserved by this stack", "in use"]]


def test_the_allowlist_change_names_each_partners_addresses(report):
    assert "Traffic to a partner of a NAT rule leaves from that rule's: partner-a: `partner-a-ip`; rule 200: " \
           "`partner-b-ip`." in section(report, "Allowlist change")


def test_capacity_has_a_row_per_rule(report):
    assert rows(report, "Capacity") == [
        ["`cloud-run-nat`", "10", "128", "1", "64,512", "1,280"],
        ["`cloud-run-nat` → partner-a", "10", "128", "1", "64,512", "1,280"],
        ["`cloud-run-nat` → rule 200", "10", "128", "1", "64,512", "1,280"]]
    assert "- `cloud-run-nat`: a closed connection holds its port 120 s (`tcp_time_wait_timeout_sec`): count the " \
           "connections opened within that time as concurrent." in section(report, "Capacity")


def test_the_timeouts_in_force_are_shown(report):
    assert rows(report, "NAT timeouts") == [
        ["`cloud-run-nat`", "`udp_idle_timeout_sec`", "30 s"], ["`cloud-run-nat`", "`icmp_idle_timeout_sec`", "30 s"],
        ["`cloud-run-nat`", "`tcp_established_idle_timeout_sec`", "1200 s"],
        ["`cloud-run-nat`", "`tcp_transitory_idle_timeout_sec`", "30 s"],
        ["`cloud-run-nat`", "`tcp_time_wait_timeout_sec`", "120 s"]]


def test_an_adopted_nat_shows_the_timeouts_it_keeps():
    report = render(StackDocument(synth(config(adopt={"chain": True}, nat={"tcp_time_wait_timeout_sec": 30})),
                                  stack="adopted"))
    shown = {r[1]: r[2] for r in rows(report, "NAT timeouts")}
    assert shown["`tcp_time_wait_timeout_sec`"] == "30 s"
    assert shown["`udp_idle_timeout_sec`"] == \
        "the adopted NAT's own value, kept (ignore_changes; 30 s if it were created)"
    kept = render(StackDocument(synth(config(adopt={"chain": True})), stack="adopted"))
    assert "- `cloud-run-nat`: a closed connection holds its port as long as the adopted NAT's own TIME_WAIT, " \
           "which this stack keeps" in "\n".join(section(kept, "Capacity"))


def test_a_stack_without_rules_has_no_partners_section():
    assert "## Partners (NAT rules)" not in render(StackDocument(synth(config()), stack="plain"))


def test_a_rules_draining_address_is_shown_in_its_rule():
    doc = synth(config(egress={"static_ip_names": [*POOL["static_ip_names"], "partner-a-ip-2"],
                               "draining_ips": ["partner-a-ip"]},
                       nat={"rules": [{**RULES[0], "ips": ["partner-a-ip", "partner-a-ip-2"]}, RULES[1]]}))
    report = render(StackDocument(doc, stack="rotating"))
    assert rows(report, "Partners (NAT rules)")[0][-1] == "`partner-a-ip-2`, `partner-a-ip` (draining)"
    assert rows(report, "IP pool") == [["cloud-run-origin-ip", "reserved by this stack", "in use"]]


def test_the_diagram_draws_each_partners_address_from_the_nat(report):
    diagram = section(report, "Diagram")
    nat = next(line.split("[")[0].strip() for line in diagram if "Cloud NAT cloud-run-nat" in line)
    ip = {name: next(line.split("[")[0].strip() for line in diagram if f'"IP {name}"' in line)
          for name in ("partner-a-ip", "partner-b-ip")}
    assert f'  {nat} -->|"partner-a"| {ip["partner-a-ip"]}' in diagram
    assert f'  {nat} -->|"rule 200"| {ip["partner-b-ip"]}' in diagram


def test_a_description_with_terraforms_template_characters_reads_as_written_not_as_escaped():
    # The JSON holds "$${" and "%%{" (terraform_literal); the allowlist, read from a state, shows what Terraform
    # evaluated: the review must name the partner the same way.
    written = "pay ${env} at 100%{x} $${y}"
    rules = [{**RULES[0], "description": written}, RULES[1]]
    doc = StackDocument(synth(config(egress=POOL, nat={"rules": rules})), stack="partners")
    (nat,) = doc.doc["resource"]["google_compute_router_nat"].values()
    assert nat["rules"][0]["description"] == "pay $${env} at 100%%{x} $$${y}"
    review = render(doc)
    assert rows(review, "Partners (NAT rules)")[0][2] == written
    assert f"{written}: `partner-a-ip`" in "\n".join(section(review, "Allowlist change"))
    assert '-->|"pay ${env} at 100#37;{x} $${y}"|' in review  # the diagram: Mermaid's entity for %
