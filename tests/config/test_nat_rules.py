"""Validation of [[nat.rules]] (a dedicated IP per partner) and of the NAT timeouts: no synth needed."""

from __future__ import annotations

import json

import pytest

from tests.support.environments import config, one_problem, problems

POOL = {"static_ip_names": ["cloud-run-origin-ip", "partner-a-ip", "partner-b-ip"]}


def rule(ips: list[str], destinations: list[str], **keys: object) -> dict:
    return {"ips": ips, "destinations": destinations, **keys}


A = rule(["partner-a-ip"], ["198.51.100.0/24"], description="partner-a")
B = rule(["partner-b-ip"], ["192.0.2.10/32", "192.0.2.64/26"], description="partner-b")


def test_two_partners_are_numbered_in_file_order_with_gaps():
    cfg = config(egress=POOL, nat={"rules": [A, B]})
    assert [(r.number, r.description, r.destinations, r.ips) for r in cfg.nat.rules] == [
        (100, "partner-a", ("198.51.100.0/24",), ("partner-a-ip",)),
        (200, "partner-b", ("192.0.2.10/32", "192.0.2.64/26"), ("partner-b-ip",))]


def test_a_rules_addresses_leave_the_nats_own_nat_ips():
    cfg = config(egress=POOL, nat={"rules": [A, B]})
    assert cfg.active_ip_names == ("cloud-run-origin-ip",)
    assert cfg.nat.rule_ip_names == ("partner-a-ip", "partner-b-ip")


def test_a_rule_may_use_a_standby_or_an_adopted_address():
    cfg = config(egress={"standby_ips": ["partner-a-ip"], "existing_ips": ["partner-b-ip"]}, nat={"rules": [A, B]})
    assert cfg.active_ip_names == ("cloud-run-origin-ip",)


def test_a_given_number_is_kept():
    cfg = config(egress=POOL, nat={"rules": [{**A, "number": 7}, B]})
    assert [r.number for r in cfg.nat.rules] == [7, 200]


def test_fails_when_numbers_repeat_or_leave_the_apis_range():
    assert problems(egress=POOL, nat={"rules": [{**A, "number": 200}, B, rule(["cloud-run-origin-ip"],
                                                                           ["203.0.113.0/24"], number=65001)]}) == [
        "test.toml: nat.rules[2].number: expected an integer from 0 to 65000 (RouterNatRule.ruleNumber; 65001 is the "
        "NAT's default rule), got 65001",
        "test.toml: nat.rules[1].number: expected a number no other rule has: left out, it is 200 (the rule's place "
        "× 100), which nat.rules[0] has; rule numbers are unique in a NAT, got nothing (the key is missing)"]


def test_a_number_given_twice_names_both_rules():
    assert problems(egress=POOL, nat={"rules": [{**A, "number": 300}, {**B, "number": 300}]}) == [
        "test.toml: nat.rules[1].number: expected a number no other rule has (nat.rules[0] has it; rule numbers are "
        "unique in a NAT), got 300"]


def test_a_number_given_that_an_earlier_rule_has_by_default_says_where_that_number_comes_from():
    assert problems(egress=POOL, nat={"rules": [A, {**B, "number": 100}]}) == [
        "test.toml: nat.rules[1].number: expected a number no other rule has (nat.rules[0] has it by default, its "
        "place × 100 with its number left out; rule numbers are unique in a NAT), got 100"]


def test_fails_when_a_destination_is_not_a_public_ipv4_range():
    found = problems(egress=POOL, nat={"rules": [rule(["partner-a-ip"], [
        "10.0.0.0/8", "198.51.100.1/24", "2001:db8::/32", "100.64.0.0/10", "198.51.100.0/24", "198.51.100.0/24"])]})
    public = ("expected a public IPv4 range (a partner on the internet: private, shared, loopback, link-local, "
              "multicast and reserved ranges never leave through Cloud NAT, and a range holding one, such as "
              "0.0.0.0/0, would send all traffic through the partner's address)")
    malformed = ('expected an IPv4 range with no host bits set, such as "203.0.113.0/24" (an address alone is a /32; '
                 "destination-based NAT rules take IPv4 only)")
    assert found[:4] == [
        f'test.toml: nat.rules[0].destinations[0]: {public}, got "10.0.0.0/8"',
        f'test.toml: nat.rules[0].destinations[1]: {malformed}, got "198.51.100.1/24"',
        f'test.toml: nat.rules[0].destinations[2]: {malformed}, got "2001:db8::/32"',
        f'test.toml: nat.rules[0].destinations[3]: {public}, got "100.64.0.0/10"']
    # The first 198.51.100.0/24 is destinations[4] of the file's list (it said [0]: its place among the valid ones).
    assert found[4:] == ['test.toml: nat.rules[0].destinations[5]: expected a range not already at '
                         'nat.rules[0].destinations[4], got "198.51.100.0/24"']


@pytest.mark.parametrize("supernet", ["0.0.0.0/0", "128.0.0.0/1", "8.0.0.0/5", "96.0.0.0/3", "192.0.0.0/16"])
def test_a_range_holding_private_or_reserved_space_is_not_public(supernet):
    # Python's is_global reads a network's first and last address only: 0.0.0.0/0 was "public", and every
    # packet to the internet would have left from the partner's address.
    found = problems(egress=POOL, nat={"rules": [rule(["partner-a-ip"], [supernet])]})
    assert len(found) == 1 and found[0].startswith("test.toml: nat.rules[0].destinations[0]: expected a public "), found
    assert found[0].endswith(f'got "{supernet}"')


@pytest.mark.parametrize("public", ["8.8.8.0/24", "1.0.0.0/8", "11.0.0.0/8", "198.51.0.0/16", "203.0.113.7/32"])
def test_a_public_range_beside_special_space_is_public(public):
    cfg = config(egress=POOL, nat={"rules": [rule(["partner-a-ip"], [public])]})
    assert [r.destinations for r in cfg.nat.rules] == [(public,)]


def test_a_range_in_two_rules_is_named_by_its_place_in_the_file_after_a_refused_one():
    # A refused range before it shifted the index the overlap named (destinations[0] for the file's [1]).
    found = problems(egress=POOL, nat={"rules": [A, rule(["partner-b-ip"], ["10.0.0.0/8", "198.51.100.128/25"])]})
    assert found[1:] == [
        "test.toml: nat.rules[1].destinations[1]: expected a range no other rule matches (it overlaps 198.51.100.0/24 "
        "of nat.rules[0]: at most one NAT rule may match a packet, Cloud NAT, \"Cloud NAT rules\" (NAT rules "
        "specifications)), got \"198.51.100.128/25\""]


def test_fails_when_a_destination_is_in_two_rules():
    assert one_problem(egress=POOL, nat={"rules": [A, rule(["partner-b-ip"], ["198.51.100.128/25"])]}) == (
        "test.toml: nat.rules[1].destinations[0]: expected a range no other rule matches (it overlaps 198.51.100.0/24 "
        "of nat.rules[0]: at most one NAT rule may match a packet, Cloud NAT, \"Cloud NAT rules\" (NAT rules "
        "specifications)), got \"198.51.100.128/25\"")


def test_fails_when_a_rules_address_is_not_the_stacks_or_is_another_rules():
    assert problems(egress=POOL, nat={"rules": [A, rule(["partner-a-ip", "nowhere-ip"], ["192.0.2.0/24"])]}) == [
        "test.toml: nat.rules[1].ips[0]: expected an address of no other rule (nat.rules[0] uses it: a partner's IP "
        "serves that partner alone), got \"partner-a-ip\"",
        "test.toml: nat.rules[1].ips[1]: expected an address the stack creates or adopts (cloud-run-origin-ip, "
        "partner-a-ip, partner-b-ip: egress.static_ip_names or static_ip_count, existing_ips, standby_ips), got "
        "\"nowhere-ip\""]


def test_fails_when_no_address_is_left_for_the_nats_own_ips():
    assert one_problem(egress={"static_ip_names": ["partner-a-ip"]}, nat={"rules": [A]}) == (
        "test.toml: nat.rules: expected at least one address of the pool in none of the rules and not draining (the "
        "NAT's own nat_ips carry every other destination; MANUAL_ONLY needs one), got every address of the pool in "
        "a rule or draining (partner-a-ip)")


def test_fails_with_endpoint_independent_mapping_or_a_rule_with_every_address_draining():
    assert problems(egress={**POOL, "draining_ips": ["partner-a-ip"]},
                    nat={"endpoint_independent_mapping": True, "rules": [A]}) == [
        "test.toml: nat.rules[0].ips: expected at least one address that is not draining (the rule's traffic needs "
        "an active one: add the new address to the rule before draining the old), got every address draining "
        "(partner-a-ip)",
        "test.toml: nat.endpoint_independent_mapping: expected false or nothing with [[nat.rules]] (Cloud NAT rules "
        "need endpoint-independent mapping off: \"Set up and manage Cloud NAT rules\"), got true"]


def test_a_rules_address_drains_in_its_rule_beside_an_active_one():
    cfg = config(egress={"static_ip_names": [*POOL["static_ip_names"], "partner-a-ip-2"],
                         "draining_ips": ["partner-a-ip"]},
                 nat={"rules": [{**A, "ips": ["partner-a-ip", "partner-a-ip-2"]}]})
    assert cfg.rule_active_ips(cfg.nat.rules[0]) == ("partner-a-ip-2",)
    assert cfg.active_ip_names == ("cloud-run-origin-ip", "partner-b-ip")


@pytest.mark.parametrize("description", ["=HYPERLINK(\"http://x\")", "+1 partner", "-partner", "@partner"])
def test_fails_when_a_description_would_be_a_formula_in_the_allowlist_csv(description):
    assert one_problem(egress=POOL, nat={"rules": [{**A, "description": description}, B]}) == (
        "test.toml: nat.rules[0].description: expected a one-line description of the rule (the partner's name, say), "
        "not starting with =, +, - or @ (allowlist.csv goes to the partner: a spreadsheet would run it as a formula), "
        f"got {json.dumps(description)}")


def test_a_description_holding_those_characters_further_in_is_accepted():
    cfg = config(egress=POOL, nat={"rules": [{**A, "description": "partner a=b +1 -x @y"}, B]})
    assert cfg.nat.rules[0].description == "partner a=b +1 -x @y"


def test_fails_when_two_rules_share_a_description():
    assert one_problem(egress=POOL, nat={"rules": [A, {**B, "description": "partner-a"}]}) == (
        "test.toml: nat.rules[1].description: expected a description no other rule has (nat.rules[0] has it: the "
        "review and the allowlist name a partner by it), got \"partner-a\"")


def test_fails_when_a_rule_lacks_destinations_or_ips_or_has_an_unknown_key():
    assert [p.split(": ")[1] for p in problems(egress=POOL, nat={"rules": [{"ips": [], "partner": "x"}]})] == [
        "nat.rules[0].partner", "nat.rules[0].destinations", "nat.rules[0].ips"]


# --- capacity per rule ------------------------------------------------------


def test_each_rules_addresses_must_give_every_endpoint_its_reservation():
    # 10 connector VMs × 16,384 ports: one address serves 3 of them, in the rule as in the NAT's own pool.
    found = problems(egress={"static_ip_names": ["cloud-run-origin-ip", "o2", "o3", "o4", "partner-a-ip"]},
                     nat={"min_ports_per_vm": 16384, "rules": [A]})
    assert found == [
        "test.toml: nat.rules[0].ips: expected addresses that give every endpoint its reservation toward partner-a: "
        "10 endpoints reserve 16,384 ports each, but 1 address serves only 1 × floor(64,512 / 16,384) = 3; 3 more "
        "addresses in the rule, got 1 active address (partner-a-ip)"]


def test_the_peak_is_checked_per_partner_with_the_rules_addresses():
    # Direct egress, 200 instances × 2,048 ports = 409,600; the NAT's own 4 IPs hold 258,048, partner-a's one 64,512.
    found = problems(egress={"mode": "direct", "static_ip_names": ["o1", "o2", "o3", "o4", "partner-a-ip"]},
                     network={"subnet_cidr": "10.124.0.0/22"},
                     nat={"dynamic_port_allocation": True, "min_ports_per_vm": 256, "max_ports_per_vm": 2048,
                          "rules": [A]},
                     capacity={"peak_connections_per_destination": 100_000},
                     services=[{"name": "api", "image": "nginx", "max_instances": 200}])
    assert found == [
        "test.toml: nat.rules[0].ips: expected addresses that hold capacity.peak_connections_per_destination "
        "(100,000) toward partner-a: min(200 endpoints × 2,048 ports, 1 address × 64,512 ports) = 64,512; 1 more "
        "address in the rule, got 1 active address (partner-a-ip)"]


# --- timeouts ---------------------------------------------------------------


def test_timeouts_left_out_stay_unset_in_the_model():
    nat = config().nat
    assert (nat.udp_idle_timeout_sec, nat.tcp_time_wait_timeout_sec) == (None, None)


def test_a_description_that_is_another_rules_name_by_its_number_is_refused():
    # Both were keyed "rule 200" in the partner_ips output: partner-a-ip was left out of what partners are sent.
    found = problems(egress=POOL, nat={"rules": [
        rule(["partner-a-ip"], ["198.51.100.0/24"], description="rule 200"), rule(["partner-b-ip"], ["192.0.2.0/24"])]})
    assert found == [
        "test.toml: nat.rules[0].description: expected a description that is not another rule's name (nat.rules[1], "
        'with no description, is named "rule 200" by its number: the review and the allowlist name a partner by it), '
        'got "rule 200"']


@pytest.mark.parametrize("description", ["partner\ra", "partner\u2028a", "\x1b[31mpartner", "partner\ta"])
def test_a_description_on_more_than_one_printable_line_is_refused(description):
    found = problems(egress=POOL, nat={"rules": [
        rule(["partner-a-ip"], ["198.51.100.0/24"], description=description)]})
    assert len(found) == 1 and found[0].startswith("test.toml: nat.rules[0].description: expected a one-line "), found
