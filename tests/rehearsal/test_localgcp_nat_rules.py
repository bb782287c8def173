"""The local GCP API keeps NAT rules as GCP does and refuses what Cloud NAT's rules specifications refuse; a NAT
made without timeouts gets today's defaults (TIME_WAIT 30 s). In-process, over HTTP, no provider needed."""

from __future__ import annotations

import pytest

from rehearsal.localgcp import LocalGcp
from rehearsal.localgcp.compute import LINK
from tests.rehearsal.localapi import call, ok, poll
from tests.rehearsal.test_localgcp import C, P, R, nat, router, subnet


def addresses(gcp: LocalGcp, *names: str) -> list[str]:
    poll(gcp, subnet(gcp))
    for name in names:
        poll(gcp, ok(gcp, "POST", f"{C}/addresses", {"name": name}))
    return [f"projects/{P}/regions/{R}/addresses/{name}" for name in names]


def rule(number: int, match: str, *ips: str, **fields) -> dict:
    return {"ruleNumber": number, "match": match, "action": {"sourceNatActiveIps": list(ips), "sourceNatDrainIps": []},
            **fields}


def manual(*ips: str, **fields) -> dict:
    return nat("n", natIpAllocateOption="MANUAL_ONLY", natIps=list(ips), **fields)


def test_rules_are_kept_with_absolute_links_and_no_empty_lists(gcp):
    own, a = addresses(gcp, "own", "a")
    status, _ = router(gcp, "chain", manual(own, rules=[rule(100, "inIpRange(destination.ip, '198.51.100.0/24')", a,
                                                             description="partner-a")]))
    assert status == 200
    (stored,) = ok(gcp, "GET", f"{C}/routers/chain")["nats"]
    assert stored["rules"] == [{"ruleNumber": 100, "description": "partner-a",
                                "match": "inIpRange(destination.ip, '198.51.100.0/24')",
                                "action": {"sourceNatActiveIps": [f"{LINK}{a}"]}}]


def test_a_nat_made_today_without_timeouts_gets_google_s_new_time_wait(gcp):
    addresses(gcp)
    assert router(gcp, "chain", nat("n"))[0] == 200
    (stored,) = ok(gcp, "GET", f"{C}/routers/chain")["nats"]
    assert (stored["tcpTimeWaitTimeoutSec"], stored["effectiveTcpTimeWaitTimeoutSec"]) == (30, 30)


def refused(gcp: LocalGcp, *rules: dict, **fields) -> str:
    own, a, b = addresses(gcp, "own", "a", "b")
    body = manual(own, rules=[{**r, "action": {"sourceNatActiveIps": [
        {"A": a, "B": b, "OWN": own}[ip] for ip in r["action"]["sourceNatActiveIps"]]}} for r in rules], **fields)
    status, reply = router(gcp, "chain", body)
    assert status == 400, reply
    return reply["error"]["message"]


def test_a_rule_number_outside_the_range_or_repeated_is_refused(gcp):
    assert "Rule numbers must be unique and between 0 and 65000" in refused(
        gcp, rule(100, "inIpRange(destination.ip, '198.51.100.0/24')", "A"),
        rule(100, "inIpRange(destination.ip, '192.0.2.0/24')", "B"))


def test_overlapping_destinations_of_two_rules_are_refused(gcp):
    assert "overlaps the match of another rule" in refused(
        gcp, rule(100, "inIpRange(destination.ip, '198.51.100.0/24')", "A"),
        rule(200, "destination.ip == '198.51.100.7'", "B"))


def test_an_address_of_the_nat_or_of_another_rule_is_refused(gcp):
    assert "is already used by natIps of the NAT" in refused(
        gcp, rule(100, "inIpRange(destination.ip, '198.51.100.0/24')", "OWN"))


def test_a_match_that_is_not_a_destination_range_is_refused(gcp):
    assert "Invalid CEL expression" in refused(gcp, rule(100, "source.ip == '10.0.0.1'", "A"))


def test_rules_need_endpoint_independent_mapping_off(gcp):
    assert "Endpoint Independent Mapping" in refused(
        gcp, rule(100, "inIpRange(destination.ip, '198.51.100.0/24')", "A"), enableEndpointIndependentMapping=True)


def test_an_address_a_rule_uses_cannot_be_deleted(gcp):
    own, a = addresses(gcp, "own", "a")
    assert router(gcp, "chain", manual(own, rules=[rule(1, "inIpRange(destination.ip, '192.0.2.0/24')", a)]))[0] == 200
    status, reply = call(gcp, "DELETE", f"{C}/addresses/a")
    assert status == 400 and reply["error"]["errors"][0]["reason"] == "resourceInUseByAnotherResource"


# --- one NAT for each IP range of a subnet ------------------------------------------------------------------


def ranges(subnet: str, *kinds: str, secondary: tuple[str, ...] = ()) -> dict:
    return {"name": f"projects/{P}/regions/{R}/subnetworks/{subnet}", "sourceIpRangesToNat": list(kinds),
            **({"secondaryIpRangeNames": list(secondary)} if secondary else {})}


def test_a_nat_for_every_subnets_primary_range_leaves_none_for_another_nat(gcp):
    """What ``gcloud compute routers nats create --nat-primary-subnet-ip-ranges`` makes: the chain's NAT of its own
    subnet's ranges then serves a primary range already served."""
    poll(gcp, subnet(gcp))
    assert router(gcp, "legacy", {"name": "primaries", "natIpAllocateOption": "AUTO_ONLY",
                                  "sourceSubnetworkIpRangesToNat": "ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES"})[0] == 200
    status, reply = router(gcp, "chain", nat("chain-nat"))
    assert (status, reply["error"]["message"]) == (400, (
        "The primary IP ranges of the region's subnetworks are already used by nat 'primaries' "
        "(ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES); nat 'chain-nat' cannot also serve them."))
    assert router(gcp, "chain-2", nat("secondaries", subnetworks=[
        ranges("s", "LIST_OF_SECONDARY_IP_RANGES", secondary=("pods",))]))[0] == 200


@pytest.mark.parametrize("first, second, clash", [
    (("ALL_IP_RANGES",), ("PRIMARY_IP_RANGE",), True),
    (("PRIMARY_IP_RANGE",), ("PRIMARY_IP_RANGE",), True),
    (("ALL_IP_RANGES",), ("LIST_OF_SECONDARY_IP_RANGES",), True),
    (("PRIMARY_IP_RANGE",), ("LIST_OF_SECONDARY_IP_RANGES",), False),
])
@pytest.mark.parametrize("same_router", [True, False])
def test_a_subnet_range_is_served_by_one_nat_of_the_network_and_region(gcp, first, second, clash, same_router):
    """"You cannot have two NAT gateways serving the same IP ranges on the same subnet", on one router or two."""
    poll(gcp, subnet(gcp))
    one = nat("one", subnetworks=[ranges("s", *first, secondary=("pods",) if "LIST_OF_SECONDARY_IP_RANGES" in first
                                         else ())])
    two = nat("two", subnetworks=[ranges("s", *second, secondary=("pods",) if "LIST_OF_SECONDARY_IP_RANGES" in second
                                          else ())])
    if same_router:
        status, reply = router(gcp, "chain", one, two)
    else:
        assert router(gcp, "legacy", one)[0] == 200
        status, reply = router(gcp, "chain", two)
    if clash:
        assert (status, reply["error"]["message"]) == (
            400, f"Subnetwork 'projects/{P}/regions/{R}/subnetworks/s' is already used by nat 'one'.")
    else:
        assert status == 200, reply
