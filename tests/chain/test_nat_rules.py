"""NAT rules (a dedicated IP per partner) and the NAT's explicit timeouts in the synthesized JSON."""

from __future__ import annotations

import pytest

from tests.chain.test_egress_chain import ref
from tests.support.environments import config
from tests.support.synth import ADDRESS, NAT, NAT_ADDRESS, only, synth

POOL = {"static_ip_names": ["cloud-run-origin-ip", "partner-a-ip", "partner-b-ip"]}
RULES = [{"description": "partner-a", "destinations": ["198.51.100.0/24"], "ips": ["partner-a-ip"]},
         {"description": "partner-b", "destinations": ["192.0.2.10/32", "192.0.2.64/26"], "ips": ["partner-b-ip"],
          "number": 150}]


@pytest.fixture(scope="module")
def partners():
    return synth(config(egress=POOL, nat={"rules": RULES}))


def test_each_partner_gets_a_rule_with_its_cel_match_and_its_addresses(partners):
    nat = only(partners, NAT)
    assert nat["rules"] == [
        {"rule_number": 100, "description": "partner-a", "match": "inIpRange(destination.ip, '198.51.100.0/24')",
         "action": {"source_nat_active_ips": [ref(partners, ADDRESS, "partner-a-ip", "self_link")]}},
        {"rule_number": 150, "description": "partner-b",
         "match": "inIpRange(destination.ip, '192.0.2.10/32') || inIpRange(destination.ip, '192.0.2.64/26')",
         "action": {"source_nat_active_ips": [ref(partners, ADDRESS, "partner-b-ip", "self_link")]}}]


def test_the_rules_addresses_are_not_the_nats_own(partners):
    own = [ref(partners, ADDRESS, "cloud-run-origin-ip", "self_link")]
    assert only(partners, NAT_ADDRESS)["nat_ips"] == own
    assert only(partners, NAT)["initial_nat_ips"] == own


def test_each_partners_ips_are_an_output(partners):
    assert partners["output"]["partner_ips"]["value"] == {
        "partner-a": {"partner-a-ip": ref(partners, ADDRESS, "partner-a-ip", "address")},
        "partner-b": {"partner-b-ip": ref(partners, ADDRESS, "partner-b-ip", "address")}}
    assert list(partners["output"]["static_ips"]["value"]) == ["cloud-run-origin-ip"]


def test_a_rules_draining_address_goes_to_the_rules_drain_ips_not_the_nats():
    doc = synth(config(egress={"static_ip_names": [*POOL["static_ip_names"], "partner-a-ip-2"],
                               "draining_ips": ["partner-a-ip"]},
                       nat={"rules": [{**RULES[0], "ips": ["partner-a-ip", "partner-a-ip-2"]}]}))
    assert only(doc, NAT)["rules"][0]["action"] == {
        "source_nat_active_ips": [ref(doc, ADDRESS, "partner-a-ip-2", "self_link")],
        "source_nat_drain_ips": [ref(doc, ADDRESS, "partner-a-ip", "self_link")]}
    holder = only(doc, NAT_ADDRESS)
    # Nothing drains from the NAT's own lists: NatAddress is created, not imported.
    assert "drain_nat_ips" not in holder and "import" not in doc
    assert holder["nat_ips"] == [ref(doc, ADDRESS, n, "self_link") for n in ("cloud-run-origin-ip", "partner-b-ip")]


def test_a_rules_description_is_data():
    doc = synth(config(egress=POOL, nat={"rules": [{**RULES[0], "description": "a ${var.x} %{if}"}]}))
    assert only(doc, NAT)["rules"][0]["description"] == "a $${var.x} %%{if}"


def test_a_nat_without_rules_writes_none():
    assert "rules" not in only(synth(config()), NAT)


def test_rules_send_endpoint_independent_mapping_off(partners):
    """Cloud NAT rules need endpoint-independent mapping off; the provider keeps it Optional+Computed, so left out
    an adopted NAT that had it on would keep sending true beside the rules, and GCP (the local API too:
    tests/rehearsal/test_localgcp_nat_rules.py) refuses the update."""
    assert only(partners, NAT)["enable_endpoint_independent_mapping"] is False
    adopted = synth(config(egress=POOL, nat={"rules": RULES}, adopt={"chain": True}))
    assert only(adopted, NAT)["enable_endpoint_independent_mapping"] is False
    given = synth(config(egress=POOL, nat={"rules": RULES, "endpoint_independent_mapping": False}))
    assert only(given, NAT)["enable_endpoint_independent_mapping"] is False


# --- one network tier per rule -----------------------------------------------------

# Cloud NAT takes the addresses of one network tier in each rule, its default rule (the NAT's own IPs) included
# (facts/nat.py, ADDRESS_TIER); an adopted address's tier is known at plan only, so the rule is a precondition.
TIER = 'data.google_compute_address.{}.network_tier'


def tier_check(doc, resource):
    return (only(doc, resource).get("lifecycle") or {}).get("precondition")


def test_an_adopted_address_beside_created_ones_must_be_of_their_tier():
    doc = synth(config(egress={"static_ip_count": 1, "existing_ips": ["partner-ip"], "draining_ips": ["partner-ip"]}))
    adopted = TIER.format(next(k for k in doc["data"]["google_compute_address"] if "partner-ip" in k))
    (check,) = tier_check(doc, NAT_ADDRESS)
    assert check["condition"] == f'${{length(distinct(["PREMIUM", {adopted}])) == 1}}'
    assert check["error_message"] == (
        f'existing_ips: the network tiers ${{join(", ", distinct(["PREMIUM", {adopted}]))}} in the IPs of NAT '
        "cloud-run-nat (cloud-run-origin-ip, partner-ip): Cloud NAT takes the addresses of one tier in a rule, the "
        "NAT's own IPs (its default rule) included. This stack creates PREMIUM addresses; adopt only PREMIUM "
        "addresses beside them (adopted here: partner-ip), or only adopted addresses of one tier.")


def test_each_rule_with_an_adopted_address_checks_its_own_tier():
    doc = synth(config(egress={"static_ip_names": ["cloud-run-origin-ip", "partner-b-ip"],
                               "existing_ips": ["partner-a-old", "partner-c-ip"]},
                       nat={"rules": [{**RULES[0], "ips": ["partner-a-old", "partner-b-ip"]},
                                      {"description": "${c}", "destinations": ["203.0.113.0/24"],
                                       "ips": ["partner-c-ip"]}]}))
    (check,) = tier_check(doc, NAT)  # partner-c-ip alone in its rule: one tier whatever it is
    assert check["error_message"].endswith(
        "in the IPs of NAT rule 100 (partner-a) (partner-a-old, partner-b-ip): Cloud NAT takes the addresses of one "
        "tier in a rule, the NAT's own IPs (its default rule) included. This stack creates PREMIUM addresses; adopt "
        "only PREMIUM addresses beside them (adopted here: partner-a-old), or only adopted addresses of one tier.")
    assert tier_check(doc, NAT_ADDRESS) is None  # the NAT's own IP is created: PREMIUM like every created one


@pytest.mark.parametrize("egress", [{"static_ip_count": 2}, {"static_ip_count": 0, "existing_ips": ["partner-ip"]}])
def test_no_tier_check_where_the_tiers_cannot_differ(egress):
    """Created addresses are all PREMIUM; one adopted address alone is of one tier."""
    doc = synth(config(egress=egress))
    assert tier_check(doc, NAT_ADDRESS) is None and tier_check(doc, NAT) is None


def test_a_rules_description_in_the_tier_check_is_data():
    doc = synth(config(egress={"static_ip_names": ["cloud-run-origin-ip", "partner-b-ip"],
                               "existing_ips": ["partner-a-old"]},
                       nat={"rules": [{**RULES[0], "description": "a ${var.x}",
                                       "ips": ["partner-a-old", "partner-b-ip"]}]}))
    (check,) = tier_check(doc, NAT)
    assert "the IPs of NAT rule 100 (a $${var.x})" in check["error_message"]


# --- timeouts -------------------------------------------------------------------


TIMEOUTS = {"udp_idle_timeout_sec": 30, "icmp_idle_timeout_sec": 30, "tcp_established_idle_timeout_sec": 1200,
            "tcp_transitory_idle_timeout_sec": 30, "tcp_time_wait_timeout_sec": 120}


def test_every_timeout_is_explicit_with_the_facts_defaults():
    nat = only(synth(config()), NAT)
    assert {k: nat[k] for k in TIMEOUTS} == TIMEOUTS
    assert nat["lifecycle"]["ignore_changes"] == ["initial_nat_ips"]


def test_an_adopted_nat_keeps_the_timeouts_the_file_leaves_out():
    nat = only(synth(config(adopt={"chain": True}, nat={"tcp_time_wait_timeout_sec": 30})), NAT)
    assert {k: nat[k] for k in TIMEOUTS} == {**TIMEOUTS, "tcp_time_wait_timeout_sec": 30}
    assert nat["lifecycle"]["ignore_changes"] == [
        "initial_nat_ips", "udp_idle_timeout_sec", "icmp_idle_timeout_sec", "tcp_established_idle_timeout_sec",
        "tcp_transitory_idle_timeout_sec"]
